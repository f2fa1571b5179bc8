"""Industry demand from AI capex guidance (docs/ordering.md §1b): the formulas on hand-built
cases, the catalog path, and the engine pulled by it."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from gigafactory import compile_inputs, load_scenario, simulate
from gigafactory.catalog.schema import Catalog, Demand
from gigafactory.demand import supply_only
from gigafactory.demand.industry import fleet_demand_mw, funded_gw_per_wk, world_ai_capex
from gigafactory.errors import GigafactoryError
from gigafactory.supply.inputs import ModelInputs
from gigafactory.units import WEEKS_PER_YEAR

DRAWS = 48


def _year_ends(inp: ModelInputs) -> dict[int, int]:
    years = pd.DatetimeIndex(inp.grid.weeks.values).year
    return {int(y): int(np.where(years == y)[0][-1]) for y in np.unique(years)}


# --- the formulas on hand-built cases ---------------------------------------------------------


def test_world_capex_scales_the_covered_spend() -> None:
    got = world_ai_capex(np.array([[100.0, 200.0], [100.0, 200.0]]), np.array([0.5, 1.0]), 2.0)
    np.testing.assert_allclose(got, [[100.0, 200.0], [200.0, 400.0]])


def test_funded_gw_without_learning_is_capex_over_cost() -> None:
    # $52.18B/yr at $10B per GW, no learning: 0.1 GW a week, every week
    capex = np.full((1, 5), WEEKS_PER_YEAR)
    got = funded_gw_per_wk(capex, np.array([10.0]), np.array([0.0]), np.array([4.0]))
    np.testing.assert_allclose(got, 0.1)


def test_funded_gw_learning_cuts_cost_per_doubling() -> None:
    # 1 GW a week at first (ref 10 GW, $B = 52.18/yr at $1B/GW); 20 % cut per doubling: once
    # the funded GW have doubled the fleet (cum ≥ 20 GW) a week buys ≥ 1/0.8 GW
    capex = np.full((1, 30), WEEKS_PER_YEAR)
    got = funded_gw_per_wk(capex, np.array([1.0]), np.array([20.0]), np.array([10.0]))[0]
    assert got[0] == pytest.approx(1.0)
    cum = 10.0 + np.concatenate([[0.0], np.cumsum(got)[:-1]])
    doubled = np.argmax(cum >= 20.0)
    assert got[doubled] >= 1.0 / 0.8 - 1e-9
    assert got[doubled - 1] < 1.0 / 0.8
    assert (np.diff(got) > 0).all()  # cheaper every week


def test_fleet_demand_keeps_one_life_of_spend() -> None:
    # 1 GW funded a week, life 4 weeks, starting fleet 8 GW retiring over those 4 weeks
    new = np.ones((1, 8))
    got = fleet_demand_mw(new, np.array([8000.0]), np.array([4])) / 1e3
    # F0(t) = 8·(1 − (t+1)/4) → 6, 4, 2, 0, 0…; funded within life: 1, 2, 3, 4, 4, 4…
    np.testing.assert_allclose(got[0], [7.0, 6.0, 5.0, 4.0, 4.0, 4.0, 4.0, 4.0])


# --- the catalog path ---------------------------------------------------------------------------


def test_industry_demand_is_sourced(catalog: Catalog) -> None:
    dem = catalog.demand["industry"]
    assert dem.capex is not None
    for key, f in dem.capex.points.items():
        assert f.low is not None and f.high is not None, key
        if key < "2027":  # actuals and guidance: company filings / investor relations
            assert f.conf in ("A", "B") and "https://" in f.source, key
    assert dem.capex.points["2026-07"].low >= 600  # ≥ Nvidia CFO's ~$600B (ctx.csp_capex)


def test_industry_capex_tied_to_the_demand_factor(catalog: Catalog) -> None:
    # compile only (cheap): 400 draws, as ρ ≈ 0.46 (2,000 draws, three seeds) has a standard
    # error of ~0.12 at 48 draws, where a shifted random stream once gave 0.33
    inp = compile_inputs(load_scenario("industry", catalog), catalog, draws=400, seed=5)
    assert inp.demand_it_mw is not None
    ye = _year_ends(inp)
    rho = np.corrcoef(inp.demand_z, inp.demand_it_mw[:, ye[2030]])[0, 1]
    assert rho > 0.3
    # 2026: ~$0.7T of covered capex ≈ 13–25 IT GW funded that year on top of the fleet
    d = np.median(inp.demand_it_mw[:, ye[2026]] - inp.demand_it_mw[:, ye[2025]]) / 1e3
    assert 10.0 < d < 25.0


def test_schema_wants_one_demand_path(catalog: Catalog) -> None:
    raw = catalog.demand["industry"].model_dump()
    raw["revenue"] = catalog.demand["openai"].model_dump()["revenue"]
    raw["revenue_usd_b_per_it_gw_yr"] = catalog.demand["openai"].model_dump()[
        "revenue_usd_b_per_it_gw_yr"
    ]
    with pytest.raises(ValidationError, match="either revenue"):
        Demand.model_validate(raw)
    bad = catalog.demand["industry"].model_dump()
    bad["ai_share_of_capex"].update(value=1.5, high=1.6)
    with pytest.raises(ValidationError, match="ai_share_of_capex"):
        Demand.model_validate(bad)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("demand.industry.capex.points.2030-07", -5.0),
        ("demand.industry.capex.growth_after_pct_per_yr", -150.0),
    ],
)
def test_bad_industry_demand_is_refused(catalog: Catalog, tmp_path, key: str, value: float) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "bad.yaml"
    f.write_text(f"name: bad\nextends: industry\noverrides:\n  {key}: {value}\n")
    with pytest.raises(GigafactoryError, match=r"demand\.industry\.capex"):
        load_scenario(str(f), catalog)


# --- the engine pulled by demand ----------------------------------------------------------------


def _scaled(inp: ModelInputs, k: float) -> ModelInputs:
    assert inp.demand_it_mw is not None
    return dataclasses.replace(inp, demand_it_mw=inp.demand_it_mw * k)


def test_industry_fleet_follows_demand(catalog: Catalog) -> None:
    inp = compile_inputs(load_scenario("industry", catalog), catalog, draws=DRAWS, seed=5)
    ye = _year_ends(inp)
    i30, i35 = ye[2030], ye[2035]
    base = simulate(inp, vendor_detail=False)["it_gw_online"].values
    push = simulate(dataclasses.replace(inp, demand_it_mw=None), vendor_detail=False)
    push_gw = push["it_gw_online"].values
    # demand only holds the fleet back — to 2 %: fewer starts leave more room under the backlog
    # gate, so a demand-held draw can briefly run ahead of the pushed one (seen: 1.45 GW on
    # 126 GW, 1.1 %, in 4 of 48 draws) — and does hold it back in some draws by 2035
    assert (base <= push_gw * 1.02 + 0.05).all()
    assert (base[:, i35] < push_gw[:, i35] - 1.0).any()
    # demand far above supply: the supply-pushed fleet (with the backlog rule) exactly
    high = simulate(_scaled(inp, 100.0), vendor_detail=False)["it_gw_online"].values
    np.testing.assert_allclose(high, push_gw, rtol=1e-6, atol=1e-6)
    # demand cut to 40 %: the fleet tracks it (renewals follow demand), never far above it
    low_inp = _scaled(inp, 0.4)
    assert low_inp.demand_it_mw is not None
    low = simulate(low_inp, vendor_detail=False)["it_gw_online"].values
    want = low_inp.demand_it_mw[:, [i30, i35]] / 1e3
    assert (low[:, [i30, i35]] <= want * 1.05 + 0.5).all()
    assert np.median(low[:, i35]) < 0.6 * np.median(base[:, i35])


def test_supply_only_drops_industry_demand(catalog: Catalog) -> None:
    inp = compile_inputs(load_scenario("industry", catalog), catalog, draws=4, seed=2)
    assert supply_only(inp).demand_it_mw is None
