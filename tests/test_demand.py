"""Demand, the ordering rule and the backlog rule (docs/ordering.md): hand cases for each
formula, then the engine with the rules switched on."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from gigafactory import compile_inputs, load_scenario, simulate
from gigafactory.catalog.schema import Catalog, Demand
from gigafactory.demand import (
    backlog_allowance,
    demand_orders,
    power_in_sight,
    required_production,
    supply_only,
    writeoff_fifo,
)
from gigafactory.demand.views import add_market_views, fleet_notes
from gigafactory.errors import GigafactoryError
from gigafactory.supply.inputs import ModelInputs


def a(*x: float) -> np.ndarray:
    return np.array(x, dtype=float)


def _year_ends(inp: ModelInputs) -> dict[int, int]:
    years = pd.DatetimeIndex(inp.grid.weeks.values).year
    return {int(y): int(np.where(years == y)[0][-1]) for y in np.unique(years)}


# --- the formulas on hand-built cases ---------------------------------------------------------


def test_required_production_renews_retirements() -> None:
    # demand 10 GW a lead ahead, 3 GW of the initial fleet still alive, 2 GW installed has retired
    np.testing.assert_allclose(required_production(a(10.0), a(3.0), a(2.0)), a(9.0))


def test_demand_orders_pro_rata_to_spare_capacity() -> None:
    spare = np.array([[2.0, 8.0], [2.0, 8.0], [2.0, 8.0]])
    # short 5 of 10 spare → half of each vendor's spare; short 0 → none; short 100 → all spare
    got = demand_orders(a(20.0, 20.0, 200.0), a(10.0, 15.0, 95.0), a(5.0, 5.0, 5.0), spare)
    np.testing.assert_allclose(got, [[1.0, 4.0], [0.0, 0.0], [2.0, 8.0]])


def test_demand_orders_never_cut_contracts() -> None:
    # contracted output above demand: no negative order
    got = demand_orders(a(1.0), a(5.0), a(3.0), np.array([[4.0, 0.0]]))
    np.testing.assert_allclose(got, [[0.0, 0.0]])


def test_backlog_and_writeoff_formulas() -> None:
    lead = np.array([30, 10])
    np.testing.assert_allclose(power_in_sight(a(5.0, -1.0), a(2.0, 1.0), lead), a(65.0, 10.0))
    np.testing.assert_allclose(
        backlog_allowance(a(26.0, 26.0), a(10.0, 0.0), a(30.0, 40.0)), a(6.0, 0.0)
    )
    # arrived 10 by t−age, removed 7 → 3 written off (at most what waits)
    np.testing.assert_allclose(writeoff_fifo(a(10.0, 10.0), a(7.0, 7.0), a(5.0, 1.0)), a(3.0, 1.0))


# --- OpenAI in `announced`: demand-driven orders -------------------------------------------------


@pytest.fixture(scope="module")
def announced_market(catalog: Catalog):  # type: ignore[no-untyped-def]
    inp = compile_inputs(load_scenario("announced", catalog), catalog, draws=64, seed=7)
    return inp, add_market_views(inp, simulate(inp, vendor_detail=False))


def test_fleet_does_not_shrink_with_demand_at_its_sourced_path(announced_market) -> None:  # type: ignore[no-untyped-def]
    inp, ds = announced_market
    ye = _year_ends(inp)
    p50 = np.median(ds["it_gw_online"].values[:, [ye[y] for y in range(2025, 2036)]], axis=0)
    assert (np.diff(p50) >= -1e-3).all(), p50
    # the contracted-only fleet (signed contracts alone) is what collapses
    c50 = np.median(ds["contracted_it_gw"].values[:, ye[2035]])
    assert c50 < 0.5 * p50[-1]
    assert fleet_notes(ds, ye) == []


def test_fleet_shrinks_when_demand_is_cut_after_2030(announced_market) -> None:  # type: ignore[no-untyped-def]
    inp, _ = announced_market
    cut = inp.demand_it_mw.copy()
    years = pd.DatetimeIndex(inp.grid.weeks.values).year
    cut[:, years > 2030] = 0.0
    inp2 = dataclasses.replace(inp, demand_it_mw=cut)
    ds = add_market_views(inp2, simulate(inp2, vendor_detail=False))
    ye = _year_ends(inp)
    on = np.median(ds["it_gw_online"].values, axis=0)
    assert on[ye[2035]] < 0.6 * on[ye[2030]]
    notes = fleet_notes(ds, ye)
    assert notes and all(n["year"] > 2030 for n in notes)
    assert "not renewed" in notes[0]["why"]


def test_demand_path_sourced_and_tied_to_demand_factor(announced_market) -> None:  # type: ignore[no-untyped-def]
    inp, _ = announced_market
    ye = _year_ends(inp)
    d25 = np.median(inp.demand_it_mw[:, ye[2025]]) / 1e3
    assert 1.5 < d25 < 2.6  # CFO: ~1.9 GW for ~$20B annualised at end-2025
    rho = np.corrcoef(inp.demand_z, inp.demand_it_mw[:, ye[2030]])[0, 1]
    assert rho > 0.5


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("demand.openai.revenue.points.2030-12", -5.0),
        ("demand.openai.revenue_usd_b_per_it_gw_yr", 0.0),
    ],
)
def test_bad_demand_is_refused(catalog: Catalog, tmp_path, key: str, value: float) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "bad.yaml"
    f.write_text(f"name: bad\nextends: announced\noverrides:\n  {key}: {value}\n")
    with pytest.raises(GigafactoryError, match=key.rsplit(".", 1)[-1]):
        load_scenario(str(f), catalog)


def test_negative_demand_is_refused_in_the_catalog(catalog: Catalog) -> None:
    raw = catalog.demand["openai"].model_dump()
    raw["revenue"]["points"]["2030-12"]["value"] = -1.0
    raw["revenue"]["points"]["2030-12"]["low"] = -2.0
    with pytest.raises(ValidationError, match="below zero"):
        Demand.model_validate(raw)


def test_market_off_is_the_supply_only_case(catalog: Catalog) -> None:
    sc = load_scenario("announced", catalog)
    off = sc.model_copy(update={"scope": sc.scope.model_copy(update={"market": "off"})})
    inp_off = compile_inputs(off, catalog, draws=8, seed=3)
    inp_on = compile_inputs(sc, catalog, draws=8, seed=3)
    assert inp_off.demand_it_mw is None and inp_on.demand_it_mw is not None
    a_ = simulate(inp_off, vendor_detail=False)["it_gw_online"].values
    b_ = simulate(supply_only(inp_on), vendor_detail=False)["it_gw_online"].values
    np.testing.assert_array_equal(a_, b_)


# --- industry: the backlog rule ----------------------------------------------------------------


def _limit(inp: ModelInputs, ds) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The documented bound: (backlog weeks + chain lead) × the 13-week mean of IT installed."""
    add = ds["it_gw_added"].values
    k = 13
    c = np.cumsum(add, axis=1)
    roll = (c - np.concatenate([np.zeros((add.shape[0], k)), c[:, :-k]], axis=1)) / k
    lead = inp.chip_lead_wk + inp.rack_lead_wk + inp.install_lead_wk
    return (inp.backlog_wk + lead)[:, None] * roll


def test_industry_waiting_racks_below_backlog_limit(industry_inputs: ModelInputs) -> None:
    assert np.isfinite(industry_inputs.backlog_wk)
    ds = simulate(industry_inputs, vendor_detail=False)
    rw = ds["racks_waiting_gw"].values
    assert (rw[:, 52:] <= _limit(industry_inputs, ds)[:, 52:] + 1e-3).all()
    # without the rule the pile-up breaks the limit (the test can fail)
    ds0 = simulate(supply_only(industry_inputs), vendor_detail=False)
    assert (ds0["racks_waiting_gw"].values[:, 52:] > _limit(industry_inputs, ds0)[:, 52:]).any()


def _power(inp: ModelInputs, scale: float, construction: float | None = None) -> ModelInputs:
    upd = {
        f: getattr(inp, f) * scale
        for f in (
            "cap_transformers_fac_mw_per_wk",
            "cap_gas_turbines_fac_mw_per_wk",
            "cap_grid_fac_mw_per_wk",
        )
    }
    if construction is not None:
        upd["cap_construction_it_mw_per_wk"] = inp.cap_construction_it_mw_per_wk * construction
    return dataclasses.replace(inp, **upd)


def test_power_cut_to_zero_inventory_stops_growing(industry_inputs: ModelInputs) -> None:
    inp = _power(industry_inputs, 0.0)
    ds = simulate(inp, vendor_detail=False)
    stock = ds["racks_waiting_gw"].values + ds["accelerators_waiting_gw"].values
    # once the work in progress at the start has landed (two years), inventory never rises
    # above its early peak and ends within the limit: (backlog + lead) weeks of what retires
    assert (stock[:, 104:].max(axis=1) <= stock[:, :104].max(axis=1) + 1e-3).all()
    lead = inp.chip_lead_wk + inp.rack_lead_wk + inp.install_lead_wk
    cap = (inp.backlog_wk + lead) * ds["it_gw_retired"].values.max(axis=1)
    assert (stock[:, -1] <= cap + 1e-3).all()
    ds0 = simulate(supply_only(inp), vendor_detail=False)
    stock0 = ds0["racks_waiting_gw"].values + ds0["accelerators_waiting_gw"].values
    assert (stock0[:, -1] > 5 * stock0[:, :52].max(axis=1)).all()


def test_power_unlimited_nothing_waits(industry_inputs: ModelInputs) -> None:
    ds = simulate(_power(industry_inputs, 1e6, construction=1e6), vendor_detail=False)
    assert float(ds["racks_waiting_gw"].values.max()) < 1e-3


def test_old_racks_are_written_off(industry_inputs: ModelInputs) -> None:
    inp = dataclasses.replace(_power(industry_inputs, 0.05), rack_writeoff_wk=26)
    ds = simulate(inp, vendor_detail=False)
    wo = ds["racks_written_off_gw"].values
    assert wo[:, :26].max() == 0.0
    assert wo.sum(axis=1).min() > 0.0
