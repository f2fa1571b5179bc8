"""Contracts with vendors outside the buyer's CoWoS mix deliver (Cerebras, Google).

``compile_partners.contract_skus``: the vendor's accelerator joins the fleet from its own chip supply,
its orders are the contract's schedule, and every other vendor's chip-limited units are left as
they were.
"""

from __future__ import annotations

import numpy as np
import pytest

from gigafactory.catalog import load_catalog
from gigafactory.catalog.schema import Catalog
from gigafactory.compile import compile_inputs
from gigafactory.pipeline import simulate_scenario
from gigafactory.scenario import load_scenario
from gigafactory.supply.inputs import ModelInputs
from gigafactory.supply.physics import chip_units_of

DRAWS = 60


def _year_end(inp_weeks: np.ndarray, year: int) -> int:
    years = inp_weeks.astype("datetime64[Y]").astype(int) + 1970
    return int(np.nonzero(years <= year)[0][-1])


def _without_vendor(cat: Catalog, did: str) -> Catalog:
    deal = cat.deals[did].model_copy(update={"vendor": None})
    return cat.model_copy(update={"deals": {**cat.deals, did: deal}})


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def inp(cat: Catalog) -> ModelInputs:
    return compile_inputs(load_scenario("announced", cat), cat, DRAWS, 3)


def test_cerebras_and_google_join_the_fleet_with_their_contracts(inp: ModelInputs) -> None:
    assert ("CS3", "cerebras") in set(zip(inp.skus, inp.sku_vendor, strict=True))
    assert ("TPU_V7", "google") in set(zip(inp.skus, inp.sku_vendor, strict=True))
    weeks = np.array(inp.grid.weeks)
    c = inp.vendors.index("cerebras")
    end28 = _year_end(weeks, 2028)
    # the contract's 0.75 GW (IT) by end-2028, ramping from its term sheet (Nov 2025)
    assert np.allclose(inp.orders_it_mw_cum[:, end28, c], 750.0, rtol=0.3)
    assert (inp.orders_it_mw_cum[:, _year_end(weeks, 2025), c] < 0.05 * 750).all()
    # wafer-scale: no CoWoS, no HBM charged to the buyer's tiers
    j = inp.skus.index("CS3")
    assert (inp.hbm_stacks_per_unit[:, j] == 0).all()
    assert (1 / inp.good_packages_per_cowos_wafer[:, j] < 1e-9).all()


def test_other_vendors_chip_supply_is_unchanged(cat: Catalog, inp: ModelInputs) -> None:
    """Adding own-supply SKUs rescales the mix and the units by the same factor."""
    old = compile_inputs(
        load_scenario("announced", cat),
        _without_vendor(_without_vendor(cat, "cerebras_10b"), "google_cloud_2025"),
        DRAWS,
        3,
    )
    assert "cerebras" not in old.vendors and "google" not in old.vendors

    def per_sku_units(x: ModelInputs) -> np.ndarray:
        u = chip_units_of(x)  # [W, D]
        return u[:, :, None] * x.mix[:, None, : len(old.skus)]

    assert np.allclose(per_sku_units(inp), per_sku_units(old), rtol=1e-6)
    assert np.array_equal(inp.orders_it_mw_cum[:, :, : len(old.vendors)], old.orders_it_mw_cum)


def test_cerebras_gw_reach_the_fleet_2026_to_2028(cat: Catalog) -> None:
    sc = load_scenario("announced", cat)
    ds = simulate_scenario(sc, cat, draws=DRAWS)
    weeks = ds["week"].values
    on = ds["it_gw_online_by_vendor"].sel(vendor="cerebras").median("draw").values
    assert on[_year_end(weeks, 2025)] < 0.01
    assert 0.05 < on[_year_end(weeks, 2026)] < on[_year_end(weeks, 2028)] <= 0.75 * 1.3
    assert on[_year_end(weeks, 2028)] > 0.4
    g = ds["it_gw_online_by_vendor"].sel(vendor="google").median("draw").values
    assert 0.15 < g[_year_end(weeks, 2027)] <= 0.3 * 1.3


def test_a_mix_refuses_an_accelerator_without_cowos(cat: Catalog) -> None:
    from gigafactory.errors import GigafactoryError

    raw = cat.model_dump()
    pt = next(iter(raw["mixes"]["openai"]["points"].values()))
    pt["shares"]["CS3"] = dict(next(iter(pt["shares"].values())))
    with pytest.raises((ValueError, GigafactoryError), match="not packaged on CoWoS"):
        Catalog.model_validate(raw)
