"""One capex-per-GW draw: the capex per IT GW (and its learning rate) industry demand is
drawn at is the capex the economics charge, draw for draw (docs/ordering.md §1b)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from gigafactory import compile_inputs, load_scenario, simulate
from gigafactory.catalog.schema import Catalog
from gigafactory.economics.industry import EconomicsDraws, compiled_draws
from gigafactory.supply.inputs import ModelInputs

DRAWS = 24
CAPEX = "constants.capex_usd_b_per_gw_2025"
LEARNING = "constants.capex_learning_pct_per_doubling"


def _run(cat: Catalog, u: float) -> tuple[ModelInputs, xr.Dataset, EconomicsDraws]:
    """The industry run with the capex per GW drawn at quantile ``u`` in every draw, every
    other input drawn as usual (the same seed: the same draws)."""
    sc = load_scenario("industry", cat)
    inp = compile_inputs(sc, cat, DRAWS, 11, given={CAPEX: np.full(DRAWS, u)})
    ds = simulate(inp)
    ed = EconomicsDraws.sample(cat, np.random.default_rng(3), DRAWS, compiled_draws(ds))
    return inp, ds, ed


@pytest.fixture(scope="module")
def cheap_dear(catalog: Catalog):  # type: ignore[no-untyped-def]
    return _run(catalog, 0.15), _run(catalog, 0.85)


def test_economics_charge_the_capex_demand_was_drawn_at(cheap_dear) -> None:  # type: ignore[no-untyped-def]
    for inp, _, ed in cheap_dear:
        np.testing.assert_array_equal(ed.capex_usd_b_per_gw, inp.money[CAPEX])
        np.testing.assert_array_equal(ed.learning_pct_per_doubling, inp.money[LEARNING])


def test_dearer_gw_buys_less_demand_and_costs_more_in_the_same_draw(cheap_dear) -> None:  # type: ignore[no-untyped-def]
    (inp_lo, ds_lo, ed_lo), (inp_hi, ds_hi, ed_hi) = cheap_dear
    # the draw is the same apart from the capex per GW
    np.testing.assert_array_equal(inp_lo.pue, inp_hi.pue)
    # a dearer GW: the same AI capex funds fewer GW, in every draw ...
    lo, hi = inp_lo.demand_it_mw, inp_hi.demand_it_mw
    assert lo is not None and hi is not None
    assert (hi <= lo + 1e-6).all()
    assert (hi[:, -1] < lo[:, -1]).all()
    # ... and the economics charge more for each GW, in the very same draws
    assert (ed_hi.capex_usd_b_per_gw > ed_lo.capex_usd_b_per_gw).all()
    # the engine, pulled by less demand, builds no more
    end_lo = ds_lo["it_gw_online"].values[:, -1]
    end_hi = ds_hi["it_gw_online"].values[:, -1]
    assert (end_hi <= end_lo + 1e-3).all() and (end_hi < end_lo).any()
