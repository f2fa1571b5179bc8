"""Power prices by region feed the industry's energy bill (docs/regions.md)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from gigafactory import load_scenario
from gigafactory.catalog.schema import Catalog
from gigafactory.economics import industry_economics
from gigafactory.economics.prices import weighted_price
from gigafactory.pipeline import simulate_scenario


def test_weighted_price_hand_case() -> None:
    twh = np.array([[30.0, 10.0], [0.0, 0.0]])
    price = np.array([[100.0, 60.0], [100.0, 60.0]])
    # (30·100 + 10·60) ÷ 40 = 90; a draw without energy keeps its fallback
    np.testing.assert_allclose(weighted_price(twh, price, np.array([57.0, 57.0])), [90.0, 57.0])


def _run(cat: Catalog, **overrides: float) -> xr.Dataset:
    sc = load_scenario("industry", cat)
    sc = sc.model_copy(update={"draws": 40, "overrides": {**sc.overrides, **overrides}})
    return simulate_scenario(sc, cat)


@pytest.fixture(scope="module")
def industry_run(catalog: Catalog) -> xr.Dataset:
    return _run(catalog)


def _priced(cat: Catalog, region: str, usd: float) -> xr.Dataset:
    """The run again with ``region``'s price overridden: its price is the run's own draw (the
    one sampler's), so the economics see a scenario's override, not a later catalog edit."""
    return _run(cat, **{f"regions.{region}.power_price_usd_per_mwh": usd})


def _eco(ds: xr.Dataset, cat: Catalog) -> dict:  # type: ignore[type-arg]
    return industry_economics(ds, cat, np.random.default_rng(9))


def test_energy_price_is_the_fleets_regional_mix(catalog: Catalog, industry_run) -> None:  # type: ignore[no-untyped-def]
    base = _eco(industry_run, catalog)
    lo = min(r.power_price_usd_per_mwh.low for r in catalog.regions.values())  # type: ignore[union-attr]
    hi = max(r.power_price_usd_per_mwh.high for r in catalog.regions.values())  # type: ignore[union-attr]
    assert lo <= base["energy_usd_per_mwh"]["p5"] <= base["energy_usd_per_mwh"]["p95"] <= hi
    # PJM uses far more of the fleet's energy than the Gulf: the same +$100/MWh moves the
    # fleet's price and its TCO much more there
    pjm_run, gulf_run = _priced(catalog, "us-pjm", 185.0), _priced(catalog, "gulf", 160.0)
    # the prices are drawn after every physical input: the buildout is the same draw for draw
    np.testing.assert_array_equal(
        pjm_run["it_gw_online"].values, industry_run["it_gw_online"].values
    )
    pjm, gulf = _eco(pjm_run, catalog), _eco(gulf_run, catalog)
    d_pjm = pjm["energy_usd_per_mwh"]["p50"] - base["energy_usd_per_mwh"]["p50"]
    d_gulf = gulf["energy_usd_per_mwh"]["p50"] - base["energy_usd_per_mwh"]["p50"]
    assert d_pjm > 5.0 > d_gulf >= 0.0
    assert pjm["tco_usd_b_per_gw_yr"]["p50"] > base["tco_usd_b_per_gw_yr"]["p50"]
    # the weights are the run's energy by region: PJM's share of it times the change
    twh = industry_run["ai_energy_twh_by_region"].sum("year")
    share = np.median((twh.sel(region="us-pjm") / twh.sum("region")).values)
    assert d_pjm == pytest.approx(share * 100.0, rel=0.25)
