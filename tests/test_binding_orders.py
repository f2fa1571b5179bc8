"""``orders`` binds when the buyer's orders leave the headline (pooled-tier) accelerators'
supply unused — not when a vendor on its own allocation (Cerebras, Google contracts) has
supply left.  Hand-built order books on the compiled ``announced`` inputs, both engines."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from gigafactory import compile_inputs, load_scenario, simulate
from gigafactory.catalog.schema import Catalog
from gigafactory.supply import ModelInputs
from gigafactory.supply.batch import CODE, pooled_vendors

DRAWS = 16
ENGINES = ("numpy", "numba")


@pytest.fixture(scope="module")
def announced(catalog: Catalog) -> ModelInputs:
    return compile_inputs(load_scenario("announced", catalog), catalog, draws=DRAWS, seed=3)


def _booked(inp: ModelInputs, pooled_mw: float, own_mw: float) -> ModelInputs:
    """Every pooled vendor's cumulative orders at ``pooled_mw``, every own-supply vendor's at
    ``own_mw``, in every week and draw; no demand-driven orders (the books alone decide)."""
    pooled = pooled_vendors(inp)
    orders = np.where(pooled[None, None, :], pooled_mw, own_mw) * np.ones_like(inp.orders_it_mw_cum)
    return dataclasses.replace(inp, orders_it_mw_cum=orders, demand_it_mw=None)


def _orders_share(inp: ModelInputs, engine: str) -> float:
    ds = simulate(inp, engine=engine)
    return float((ds["binding"].values == CODE["orders"]).mean())


def test_own_supply_vendors_are_told_apart(announced: ModelInputs) -> None:
    pooled = dict(zip(announced.vendors, pooled_vendors(announced), strict=True))
    assert pooled["nvidia"] and pooled["amd"]
    assert not pooled["cerebras"]  # wafer-scale on its own TSMC wafers: no CoWoS, no HBM
    assert not all(pooled.values())  # the case below is not vacuous


@pytest.mark.parametrize("engine", ENGINES)
def test_spare_own_supply_does_not_make_orders_bind(announced: ModelInputs, engine: str) -> None:
    """Headline vendors ordered without limit (their chips bind), own-supply vendors not at
    all (all of their supply spare): no week is labelled ``orders``."""
    assert _orders_share(_booked(announced, 1e12, 0.0), engine) == 0.0


@pytest.mark.parametrize("engine", ENGINES)
def test_unordered_headline_supply_makes_orders_bind(announced: ModelInputs, engine: str) -> None:
    """Nothing ordered from the headline vendors (own-supply ones without limit): their
    supply goes unused, and ``orders`` binds wherever a chip label reaches the week."""
    assert _orders_share(_booked(announced, 0.0, 1e12), engine) > 0.5


def test_engines_label_alike(announced: ModelInputs) -> None:
    for pooled_mw, own_mw in ((1e12, 0.0), (0.0, 1e12), (5e3, 0.0)):
        inp = _booked(announced, pooled_mw, own_mw)
        ref = simulate(inp, engine="numpy")["binding"].values
        np.testing.assert_array_equal(simulate(inp, engine="numba")["binding"].values, ref)
