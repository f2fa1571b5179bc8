"""The ``iea-energy`` preset against IEA, *Energy and AI* (April 2025).

Source: https://www.iea.org/reports/energy-and-ai — chapter "Energy demand from AI",
sections "Data centre electricity consumption" (world 2024 and the Base Case to 2030/2035)
and "… by region" (the regional chart), and the report's scenario comparison (Lift-Off, High
Efficiency, Headwinds).  The primary PDF was not read page by page: the figures are taken
from the stored excerpts and secondaries in docs/sources/models-and-anchors.md §3.1 (IEA
world ~415 TWh 2024, ~945 TWh 2030, ~1,200 TWh 2035; regions 183/102/68/48/15 TWh 2024;
2030 span 669 Headwinds – 1,264 Lift-Off; 2035 Lift-Off ~1,700, High Efficiency ~970,
Headwinds ~700).

What the model reaches and what it does not (the preset's description says why):
- 2024, world and each IEA region: within tolerance.  The conventional load is IEA's own
  2024 total less the AI share, so this checks the AI fleet's TWh and the regional split.
- 2030 and 2035 Base Case: not reached (strict xfails): the industry's demand from AI capex
  guidance lies above what power can build, so the AI load still grows with the power build;
  IEA's grows ~30 %/yr.  The 2030 total stays inside IEA's span of cases.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from gigafactory import load_catalog, load_scenario
from gigafactory.pipeline import simulate_scenario
from gigafactory.results.regions import iea_totals

DRAWS = 80
#: IEA's world figure is "around 415 TWh": its own estimates span ~±10 % (IEA 2024 vs 2025)
WORLD_TOL = 0.10
#: the regional chart is read from a secondary; regions carry more uncertainty
REGION_TOL = 0.15
#: the Base Case's 2030/2035 figures (a model of a different kind: ±15 %)
CASE_TOL = 0.15
IEA_2024 = {
    "world": 415.0,
    "united_states": 183.0,
    "china": 102.0,
    "europe": 68.0,
    "asia_pacific": 48.0,
    "rest_of_world": 15.0,
}
IEA_BASE = {2030: 945.0, 2035: 1200.0}
IEA_SPAN_2030 = (669.0, 1264.0)  # Headwinds – Lift-Off
#: the other IEA cases as overrides of the preset
HEADWINDS = {
    "tiers.grid.capacity.growth_after_pct_per_yr": 0.0,
    "tiers.transformers.capacity.growth_after_pct_per_yr": 5.0,
    "tiers.construction.capacity.growth_after_pct_per_yr": 0.0,
    "energy.conventional_growth_to_2030": 0.06,
    "energy.conventional_growth_after_2030": 0.0,
}
LIFT_OFF = {
    "tiers.grid.capacity.growth_after_pct_per_yr": 15.0,
    "tiers.transformers.capacity.growth_after_pct_per_yr": 20.0,
    "tiers.construction.capacity.growth_after_pct_per_yr": 15.0,
    "energy.conventional_growth_to_2030": 0.12,
    "energy.conventional_growth_after_2030": 0.08,
}
HIGH_EFFICIENCY = {"params.pue": 1.1}


def _run(overrides: dict[str, float] | None = None) -> xr.Dataset:
    cat = load_catalog()
    sc = load_scenario("iea-energy", cat)
    sc = sc.model_copy(update={"draws": DRAWS, "overrides": {**sc.overrides, **(overrides or {})}})
    return simulate_scenario(sc, cat)


@pytest.fixture(scope="module")
def base() -> xr.Dataset:
    return _run()


@pytest.fixture(scope="module")
def cases() -> dict[str, xr.Dataset]:
    return {
        "headwinds": _run(HEADWINDS),
        "lift_off": _run(LIFT_OFF),
        "high_efficiency": _run(HIGH_EFFICIENCY),
    }


def _p50(ds: xr.Dataset, year: int, region: str = "world") -> float:
    return float(np.median(iea_totals(ds, year)[region]))


@pytest.mark.parametrize("region", list(IEA_2024))
def test_2024_electricity_by_iea_region(base: xr.Dataset, region: str) -> None:
    tol = WORLD_TOL if region == "world" else REGION_TOL
    assert _p50(base, 2024, region) == pytest.approx(IEA_2024[region], rel=tol)


def test_2030_world_lies_in_iea_span_of_cases(base: xr.Dataset) -> None:
    lo, hi = IEA_SPAN_2030
    assert lo <= _p50(base, 2030) <= hi


@pytest.mark.xfail(
    strict=True,
    reason="IEA's Base Case grows AI load +30 %/yr; the model's industry demand (hyperscaler and "
    "neocloud AI capex guidance, demand.industry) funds ~190 IT GW in 2030 and ~335 in 2035 "
    "(p50), above what power can build (~126 / ~265 IT GW online), so demand binds only in low "
    "draws: world ~1,200 TWh in 2030 and ~2,040 in 2035 (p50, 80 draws) vs IEA 945 / 1,200",
)
@pytest.mark.parametrize("year", list(IEA_BASE))
def test_base_case_world_2030_2035(base: xr.Dataset, year: int) -> None:
    assert _p50(base, year) == pytest.approx(IEA_BASE[year], rel=CASE_TOL)


def test_other_cases_order_as_iea_does(base: xr.Dataset, cases: dict[str, xr.Dataset]) -> None:
    """Headwinds < Base < Lift-Off in 2030 and 2035; High Efficiency below Base; Headwinds
    2030 inside IEA's span, and nearer its Headwinds figure than the Base run is."""
    for year in (2030, 2035):
        hw, b, lo = (
            _p50(cases["headwinds"], year),
            _p50(base, year),
            _p50(cases["lift_off"], year),
        )
        assert hw < b < lo, (year, hw, b, lo)
        assert _p50(cases["high_efficiency"], year) < b
    hw30 = _p50(cases["headwinds"], 2030)
    assert IEA_SPAN_2030[0] <= hw30 <= IEA_SPAN_2030[1]
    assert abs(hw30 - IEA_SPAN_2030[0]) < abs(_p50(base, 2030) - IEA_SPAN_2030[0])


def test_ai_alone_is_a_minority_in_2024_and_grows_fastest(base: xr.Dataset) -> None:
    """IEA: accelerated servers are a small part of 2024 load and the bulk of its growth."""
    ai24 = float(np.median(iea_totals(base, 2024, ai_only=True)["world"]))
    ai30 = float(np.median(iea_totals(base, 2030, ai_only=True)["world"]))
    assert ai24 < 0.2 * _p50(base, 2024)
    assert ai30 - ai24 > 0.5 * (_p50(base, 2030) - _p50(base, 2024))
