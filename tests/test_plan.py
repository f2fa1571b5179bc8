"""The planner LP: known optima, strong duality, recomputed limits, replay through the
simulator, and an independent scipy formulation."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError
from scipy.optimize import linprog

from gigafactory.plan import (
    PlanSettings,
    bottlenecks,
    build_model,
    dual_objective,
    side_by_side,
    solve_plan,
)
from gigafactory.plan.bottlenecks import USER_UNITS
from gigafactory.supply.inputs import ModelInputs
from plan_factory import make_inputs, with_phases

#: The capacity tiers, each a named limit of the planner (written out here, not read from the
#: code under test, so a tier dropped there fails here).
CAPACITY_TIERS = (
    "logic_wafers",
    "cowos",
    "hbm",
    "rack_assembly",
    "construction",
    "transformers",
    "gas_turbines",
    "grid",
)

#: Primal feasibility of recomputed limits (scaled units: GW, k wafers, M stacks).
SOL_TOL = 1e-6
#: |primal − dual| ≤ DUAL_TOL · max(1, |primal|).
DUAL_TOL = 1e-6
#: Plan vs simulator, IT GW online per week.
REPLAY_TOL_GW = 1e-3
#: Plan vs an independent scipy formulation, relative objective.
LINPROG_TOL = 1e-6

ND = PlanSettings(discount_rate=0.0)


def rich_kw() -> dict[str, Any]:
    """Every tier binds somewhere: ramping CoWoS, HBM and rack limits, lead times, PUE, an
    on-site share, named phases (one grid, one on-site), an initial fleet that retires."""
    kw: dict[str, Any] = {
        "cap_cowos_wafers_per_wk": np.linspace(500, 3000, 60),
        "cap_hbm_stacks_per_wk": np.linspace(3e5, 6e5, 60),
        "cap_logic_wafers_per_wk": 5000.0,
        "cap_rack_it_mw_per_wk": 40.0,
        "cap_construction_it_mw_per_wk": 40.0,
        "cap_grid_fac_mw_per_wk": 30.0,
        "cap_transformers_fac_mw_per_wk": 45.0,
        "cap_gas_turbines_fac_mw_per_wk": 5.0,
        "onsite_power_share": 0.2,
        "pue": 1.25,
        "chip_lead_wk": 5,
        "rack_lead_wk": 2,
        "install_lead_wk": 1,
        "life_wk": 30,
        "fleet_it_mw0": 200.0,
    }
    return with_phases(kw, [("a/1", 100.0, 10, False), ("b/1", 80.0, 20, True)])


@pytest.fixture(scope="module")
def rich() -> ModelInputs:
    return make_inputs(60, **rich_kw())


@pytest.fixture(scope="module")
def rich_plan(rich: ModelInputs) -> Any:
    return solve_plan(rich, PlanSettings())


# -- known optima ----------------------------------------------------------------------------


def test_cowos_only_optimum_and_dual() -> None:
    """1,000 CoWoS wafers/week × 20 good packages × 1 kW = 20 MW/week; nothing else binds, so
    online[t] = 0.02 (t+1) GW and the objective is 0.02 · n(n+1)/2 GW-weeks; the dual of
    week t's CoWoS row is the 0.02 GW per k wafers kept online for the n − t remaining weeks."""
    n = 10
    res = solve_plan(make_inputs(n, cap_cowos_wafers_per_wk=1000.0), ND)
    assert res.termination == "optimal"
    assert res.objective == pytest.approx(0.02 * n * (n + 1) / 2, rel=1e-9)
    np.testing.assert_allclose(
        res.schedule["it_gw_online"], 0.02 * np.arange(1, n + 1), atol=SOL_TOL
    )
    np.testing.assert_allclose(res.duals["cap-cowos"], 0.02 * (n - np.arange(n)), atol=SOL_TOL)


def test_lead_times_delay_output() -> None:
    """Pipelines start full (as in the engine), so week-0 output flows from week 0; a CoWoS
    step from 1,000 to 2,000 wafers/week in week 4 reaches the site after the chip lead (3)
    and the rack + install leads (2): additions double from week 9."""
    n = 14
    cowos = np.where(np.arange(n) < 4, 1000.0, 2000.0)
    inp = make_inputs(
        n, cap_cowos_wafers_per_wk=cowos, chip_lead_wk=3, rack_lead_wk=1, install_lead_wk=1
    )
    res = solve_plan(inp, ND)
    expect = np.where(np.arange(n) < 9, 0.02, 0.04)
    np.testing.assert_allclose(res.schedule["it_gw_added"], expect, atol=SOL_TOL)


def test_power_limited_and_chips_wait() -> None:
    """Grid at 12.5 MW facility/week and PUE 1.25 powers 10 MW IT/week; chips made at 20 MW
    /week wait, and the grid is the binding limit (the chip duals are zero)."""
    n = 10
    inp = make_inputs(n, cap_cowos_wafers_per_wk=1000.0, cap_grid_fac_mw_per_wk=12.5, pue=1.25)
    res = solve_plan(inp, ND)
    np.testing.assert_allclose(
        res.schedule["it_gw_online"], 0.01 * np.arange(1, n + 1), atol=SOL_TOL
    )
    assert float(res.duals["cap-grid"].sum()) > 0
    assert float(np.abs(res.duals["cap-cowos"]).max()) < SOL_TOL


def test_retirement_and_initial_fleet() -> None:
    """The initial fleet retires linearly over life and frees its shells for new racks."""
    n = 8
    inp = make_inputs(
        n, cap_cowos_wafers_per_wk=1000.0, cap_grid_fac_mw_per_wk=0.0, fleet_it_mw0=40.0, life_wk=4
    )
    res = solve_plan(inp, ND)
    # no new power: new racks only fill what the old fleet frees, 10 MW/week, so online stays 40
    np.testing.assert_allclose(res.schedule["it_gw_online"], 0.04, atol=SOL_TOL)


# -- duality and feasibility -------------------------------------------------------------------


@pytest.mark.parametrize("objective", ["max-gw", "target"])
def test_strong_duality(rich: ModelInputs, objective: str) -> None:
    res = solve_plan(
        rich, PlanSettings(objective=objective, target_gw_per_wk=0.02, target_start="2025-03")
    )
    primal = res.objective
    assert abs(primal - dual_objective(res.model)) <= DUAL_TOL * max(1.0, abs(primal))


def test_named_limits_hold_recomputed(rich: ModelInputs, rich_plan: Any) -> None:
    """Recompute every limit and balance from the schedule's outputs."""
    s, inp = rich_plan.schedule, rich
    cap = {k: inp.capacity(k)[0] for k in CAPACITY_TIERS}
    assert np.all(s["logic_kwafers"].values <= cap["logic_wafers"] / 1e3 + SOL_TOL)
    assert np.all(s["cowos_kwafers"].values <= cap["cowos"] / 1e3 + SOL_TOL)
    assert np.all(s["hbm_mstacks"].values <= cap["hbm"] / 1e6 + SOL_TOL)
    assert np.all(s["racked_gw"].values <= cap["rack_assembly"] / 1e3 + SOL_TOL)
    assert np.all(s["shells_built_gw"].values <= cap["construction"] / 1e3 + SOL_TOL)
    pue = float(inp.pue[0])
    assert np.all(pue * s["shells_energised_gw"].values <= cap["transformers"] / 1e3 + SOL_TOL)
    assert np.all(pue * s["shells_energised_grid_gw"].values <= cap["grid"] / 1e3 + SOL_TOL)
    assert np.all(
        pue * s["shells_energised_onsite_gw"].values <= cap["gas_turbines"] / 1e3 + SOL_TOL
    )
    # conservation: every GW online traces back to chips, racks and powered shells
    lc, lr = int(inp.chip_lead_wk[0]), int(inp.rack_lead_wk[0] + inp.install_lead_wk[0])
    made = np.cumsum(s["accelerators_produced_gw"].values)
    racked = np.cumsum(s["racked_gw"].values)
    added = np.cumsum(s["it_gw_added"].values)
    wip = rich_plan.data  # pipelines start full: work in progress arrives first
    arrived = np.concatenate([np.zeros(lc), made[:-lc]]) + np.cumsum(wip.wip_acc_gw)
    assert np.all(racked <= arrived + SOL_TOL)
    np.testing.assert_allclose(arrived - racked, s["accelerators_waiting_gw"], atol=SOL_TOL)
    at_site = np.concatenate([np.zeros(lr), racked[:-lr]]) + np.cumsum(wip.wip_rack_gw)
    assert np.all(added <= at_site + SOL_TOL)
    np.testing.assert_allclose(at_site - added, s["racks_waiting_gw"], atol=SOL_TOL)
    fleet0 = float(inp.fleet_it_mw0[0]) / 1e3
    powered = fleet0 + np.cumsum(s["shells_energised_gw"].values)
    online = s["it_gw_online"].values
    assert np.all(online <= powered + SOL_TOL)
    np.testing.assert_allclose(powered - online, s["shells_empty_gw"], atol=SOL_TOL)
    np.testing.assert_allclose(
        online, fleet0 + np.cumsum(s["it_gw_added"] - s["it_gw_retired"]), atol=SOL_TOL
    )
    # named phases: no energisation before power is ready, never more than the phase
    ph = s["phase_energised_gw"]
    for i, pid in enumerate(ph["phase"].values):
        first = int(inp.phase_power_wk[0, i])
        assert float(ph.sel(phase=pid)[:first].sum()) <= SOL_TOL
        assert float(ph.sel(phase=pid).sum()) <= inp.phase_it_mw[0, i] / 1e3 + SOL_TOL
    assert rich_plan.violations.empty


def test_replay_through_simulator(rich: ModelInputs, rich_plan: Any) -> None:
    """The simulator is greedy on a chain of FIFO stages, which maximises cumulative output at
    every week; the LP's discounted optimum must therefore deliver the same GW online."""
    from gigafactory.supply.engine import simulate

    sim = simulate(rich)
    np.testing.assert_allclose(
        rich_plan.schedule["it_gw_online"].values, sim["it_gw_online"].values[0], atol=REPLAY_TOL_GW
    )


def _two_vendors(n: int, b_orders_it_mw: float) -> ModelInputs:
    """``n`` weeks, vendors a and b (one SKU each) on 1,000 CoWoS wafers/week; a orders without
    limit, b's cumulative orders stop at ``b_orders_it_mw`` MW IT."""
    orders = np.full((1, n, 2), np.inf)
    orders[0, :, 1] = b_orders_it_mw
    return make_inputs(
        n,
        skus=("A1", "B1"),
        sku_vendor=("a", "b"),
        vendors=("a", "b"),
        cap_cowos_wafers_per_wk=1000.0,
        orders_it_mw_cum=orders,
    )


def test_orders_cap_one_vendor_without_reallocation() -> None:
    """Two vendors at half the IT each; vendor b's orders stop at 30 MW, so its share is lost
    (as in the engine) and a's continues."""
    n = 10
    inp = _two_vendors(n, b_orders_it_mw=30.0)
    res = solve_plan(inp, ND)
    online = res.schedule["it_gw_online"].values
    assert online[-1] == pytest.approx(0.01 * n + 0.030, abs=SOL_TOL)
    from gigafactory.supply.engine import simulate

    np.testing.assert_allclose(online, simulate(inp)["it_gw_online"].values[0], atol=REPLAY_TOL_GW)


# -- an independent formulation ---------------------------------------------------------------


def _linprog_tiny(
    n: int, cowos: np.ndarray, rack_mw: float, grid_mw: float, lc: int, disc: np.ndarray
) -> float:
    """Cumulative formulation: u (GW started), r (racked), i (installed), e (energised).

    max Σ_t δ_t Σ_{τ≤t} i_τ  s.t.  u_t ≤ cowos_t·20/1e6;  r_t ≤ rack/1e3;  e_t ≤ grid/1e3;
    Σ_{τ≤t} r_τ ≤ Σ_{τ≤t−lc} u_τ + min(t+1, lc)·u_max_0;  Σ_{τ≤t} i_τ ≤ Σ_{τ≤t} r_τ;  Σ_{τ≤t} i_τ ≤ Σ_{τ≤t} e_τ.
    """
    nv = 4 * n
    U, R, INS, E = (slice(k * n, (k + 1) * n) for k in range(4))
    c = np.zeros(nv)
    c[INS] = -np.cumsum(disc[::-1])[::-1]  # i_τ counts in every later week
    rows, b = [], []
    tri = np.tril(np.ones((n, n)))
    p0 = cowos[0] * 20 / 1e6  # work in progress: week-0 output in flight for the lead time
    for t in range(n):
        row = np.zeros(nv)
        row[R] = tri[t]
        if t - lc >= 0:
            row[U] = -tri[t - lc]
        rows.append(row)
        b.append(min(t + 1, lc) * p0)
        row = np.zeros(nv)
        row[INS], row[R] = tri[t], -tri[t]
        rows.append(row)
        b.append(0.0)
        row = np.zeros(nv)
        row[INS], row[E] = tri[t], -tri[t]
        rows.append(row)
        b.append(0.0)
    bounds = (
        [(0, x * 20 / 1e6) for x in cowos]
        + [(0, rack_mw / 1e3)] * n
        + [(0, None)] * n
        + [(0, grid_mw / 1e3)] * n
    )
    out = linprog(c, A_ub=np.asarray(rows), b_ub=np.asarray(b), bounds=bounds, method="highs")
    assert out.status == 0
    return float(-out.fun)


def test_matches_independent_linprog() -> None:
    n, lc = 8, 2
    cowos = np.array([500, 800, 1000, 1500, 2000, 2000, 2500, 3000], dtype=float)
    settings = PlanSettings(discount_rate=0.1)
    inp = make_inputs(
        n,
        cap_cowos_wafers_per_wk=cowos,
        cap_rack_it_mw_per_wk=30.0,
        cap_grid_fac_mw_per_wk=25.0,
        chip_lead_wk=lc,
    )
    res = solve_plan(inp, settings)
    disc = res.data.discount * res.data.n_weeks
    expect = _linprog_tiny(n, cowos, 30.0, 25.0, lc, disc)
    assert res.objective == pytest.approx(expect, rel=LINPROG_TOL)


# -- elastic slack, objectives, steps -----------------------------------------------------------


def test_negative_capacity_is_a_reported_violation() -> None:
    """An impossible input (negative grid capacity) stays feasible through the slack and is
    listed with the amount violated."""
    inp = make_inputs(6, cap_cowos_wafers_per_wk=1000.0, cap_grid_fac_mw_per_wk=-5.0)
    res = solve_plan(inp, ND)
    assert res.termination == "optimal"
    v = res.violations
    assert set(v["constraint"]) == {"cap-grid"}
    np.testing.assert_allclose(v["amount"], 0.005, atol=SOL_TOL)
    assert (v["unit"] == "GW facility").all()
    # the grid's dual is then the slack penalty, flagged as such in the report
    grid = bottlenecks(res).query("constraint == 'cap-grid'")
    assert len(grid) > 0
    assert grid["at_penalty"].all()


def test_vendor_without_orders_supplies_nothing() -> None:
    """A vendor with zero orders throughout is fixed at zero (no degenerate order duals)."""
    n = 6
    res = solve_plan(_two_vendors(n, b_orders_it_mw=0.0), ND)
    np.testing.assert_allclose(
        res.schedule["it_gw_online"], 0.01 * np.arange(1, n + 1), atol=SOL_TOL
    )
    assert "cap-orders" not in set(bottlenecks(res)["constraint"])


def test_target_and_lexicographic() -> None:
    n = 10
    inp = make_inputs(n, cap_cowos_wafers_per_wk=1000.0)
    cheap = solve_plan(
        inp,
        PlanSettings(
            objective="target", target_gw_per_wk=0.01, target_start="2025-01-06", discount_rate=0.0
        ),
    )
    # a feasible target is met exactly at the least cost: $42.5B per IT GW × 0.1 GW
    assert float(cheap.schedule["shortfall_gw"].max()) <= SOL_TOL
    assert float(cheap.schedule["cost_b"].sum()) == pytest.approx(42.5 * 0.1, rel=1e-6)
    # an infeasible target (50 MW/week against 20 MW/week of chips): least shortfall first
    lex = solve_plan(
        inp,
        PlanSettings(
            objective="lexicographic",
            target_gw_per_wk=0.05,
            target_start="2025-01-06",
            discount_rate=0.0,
        ),
    )
    short = float((lex.schedule["shortfall_gw"] * lex.schedule["n_weeks"]).sum())
    assert short == pytest.approx(lex.stages[0], rel=1e-5)  # stage 2 keeps S*(1+tol)+tol
    assert short == pytest.approx(sum(0.03 * (t + 1) for t in range(n)), rel=1e-5)
    assert lex.objective == pytest.approx(42.5 * 0.02 * n, rel=1e-4)


def test_target_path_interpolates() -> None:
    inp = make_inputs(8, cap_cowos_wafers_per_wk=1000.0)
    res = solve_plan(
        inp,
        PlanSettings(
            objective="target",
            discount_rate=0.0,
            target_path={"2025-01-06": 0.0, "2025-03-03": 0.08},
        ),
    )
    assert np.all(np.diff(res.schedule["target_gw"].values) > 0)
    assert float(res.schedule["shortfall_gw"].max()) <= SOL_TOL


def test_budget_constraint_and_its_dual() -> None:
    """A $2B budget in 2025 buys 2/42.5 GW; its dual is GW-weeks per $B."""
    inp = make_inputs(10, cap_cowos_wafers_per_wk=10000.0)
    res = solve_plan(inp, PlanSettings(discount_rate=0.0, budget_b_per_yr={"2025": 2.0}))
    assert float(res.schedule["cost_b"].sum()) <= 2.0 + SOL_TOL
    bn = bottlenecks(res)
    row = bn[bn["constraint"] == "budget"]
    assert len(row) == 1
    assert row["shadow_price"].iloc[0] > 0
    assert row["unit"].iloc[0] == "GW-weeks gained per $1B"


def test_monthly_step_aggregates() -> None:
    inp = make_inputs(104, cap_cowos_wafers_per_wk=1000.0, cap_grid_fac_mw_per_wk=15.0)
    week = solve_plan(inp, ND)
    month = solve_plan(inp, PlanSettings(step="month", discount_rate=0.0))
    assert month.data.n in (24, 25)
    assert month.model.nvars < week.model.nvars / 4
    # same capacity in total: the end state agrees, the GW-weeks within a month's rounding
    assert float(month.schedule["it_gw_online"][-1]) == pytest.approx(
        float(week.schedule["it_gw_online"][-1]), rel=1e-9
    )
    assert month.objective == pytest.approx(week.objective, rel=0.05)


def test_every_limit_is_a_named_constraint(rich: ModelInputs) -> None:
    m = build_model(rich, PlanSettings(budget_b_per_yr={"2025": 100.0}))
    names = set(m.constraints)
    for k in (*CAPACITY_TIERS, "phase"):
        assert f"cap-{k}" in names
        assert f"slack-{k}" in m.variables
    assert "budget" in names
    # capacities are rows, not bounds: no variable has a finite positive upper bound
    for name in m.variables:
        ub = np.asarray(m.variables[name].upper.values, dtype=float)
        assert np.all((ub == 0) | np.isinf(ub)), name


def test_settings_forbid_typos() -> None:
    with pytest.raises(ValidationError):
        PlanSettings.model_validate({"objectve": "max-gw"})
    with pytest.raises(ValidationError):
        PlanSettings.model_validate({"objective": "fastest"})


# -- bottleneck report ------------------------------------------------------------------------


def test_bottleneck_units_and_ranking(rich: ModelInputs, rich_plan: Any) -> None:
    from gigafactory.supply.engine import simulate

    sim = simulate(rich)
    bn = bottlenecks(rich_plan, sim=sim)
    assert list(bn.columns[:4]) == ["constraint", "period", "shadow_price", "unit"]
    assert (bn["shadow_price"] > 0).all()
    assert set(bn["period"]) <= {"2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1"}
    for _, grp in bn.groupby("period"):
        assert list(grp["rank"]) == list(range(1, len(grp) + 1))
        assert grp["value_per_gw"].is_monotonic_decreasing
    cowos = bn[bn["constraint"] == "cap-cowos"]
    assert (cowos["unit"] == "GW-weeks gained per " + USER_UNITS["cowos"][0]).all()
    # the simulator's binding weeks are counted for the same tier and quarter
    assert bn["sim_binding_weeks"].sum() > 0
    sbs = side_by_side(rich_plan, sim, by="quarter")
    assert len(sbs) == 5
    assert sbs["sim_share"].between(0, 1).all()


def test_cowos_shadow_price_in_user_units() -> None:
    """Quarter price = Σ_t λ_t × (12/52.1775) k wafers/week for "1k wafers/month" (the 12
    weeks from 2025-01-06 are all in 2025Q1)."""
    n = 12
    res = solve_plan(make_inputs(n, cap_cowos_wafers_per_wk=1000.0), ND)
    bn = bottlenecks(res)
    lam = 0.02 * (n - np.arange(n))
    assert bn.loc[0, "constraint"] == "cap-cowos"
    assert bn.loc[0, "period"] == "2025Q1"
    assert bn.loc[0, "shadow_price"] == pytest.approx(lam.sum() * 12 / 52.1775, rel=1e-9)
    assert isinstance(res.bottlenecks, pd.DataFrame)
