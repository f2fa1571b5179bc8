"""Random planner instances replayed through the simulator: the two share their physics
(supply/physics.py), so on any instance the LP's optimum and the greedy simulator agree."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from gigafactory.plan import PlanSettings, solve_plan
from gigafactory.supply.engine import simulate
from gigafactory.supply.physics import fleet_left, fleet_retired, start_wip, transformer_split
from plan_factory import make_inputs, with_phases

#: Plan vs simulator, IT GW online per week (as in test_plan.REPLAY_TOL_GW).
REPLAY_TOL_GW = 1e-3


@st.composite
def instances(draw: st.DrawFn) -> dict[str, object]:
    n = draw(st.integers(12, 24))
    cowos0 = draw(st.floats(200, 2000))
    kw: dict[str, object] = {
        "cap_cowos_wafers_per_wk": np.linspace(cowos0, cowos0 * draw(st.floats(1, 3)), n),
        "cap_hbm_stacks_per_wk": draw(st.floats(1e5, 6e5)),
        "cap_rack_it_mw_per_wk": draw(st.floats(5, 60)),
        "cap_construction_it_mw_per_wk": draw(st.floats(5, 60)),
        "cap_grid_fac_mw_per_wk": draw(st.floats(5, 60)),
        "cap_transformers_fac_mw_per_wk": draw(st.floats(5, 60)),
        "cap_gas_turbines_fac_mw_per_wk": draw(st.floats(0, 20)),
        "onsite_power_share": draw(st.floats(0, 0.5)),
        "pue": draw(st.floats(1.05, 1.5)),
        "chip_lead_wk": draw(st.integers(0, 4)),
        "rack_lead_wk": draw(st.integers(0, 2)),
        "install_lead_wk": draw(st.integers(0, 2)),
        "life_wk": draw(st.integers(4, 40)),
        "fleet_it_mw0": draw(st.floats(0, 300)),
    }
    if draw(st.booleans()):
        kw = with_phases(
            kw,
            [("a/1", draw(st.floats(10, 150)), draw(st.integers(0, n - 1)), draw(st.booleans()))],
        )
    kw["n"] = n
    return kw


@settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: each example solves an LP
    suppress_health_check=[HealthCheck.too_slow],
)
@given(instances())
def test_random_instances_replay_through_the_simulator(kw: dict[str, object]) -> None:
    n = int(kw.pop("n"))  # type: ignore[call-overload]
    inp = make_inputs(n, **kw)
    plan = solve_plan(inp, PlanSettings())
    assert plan.termination == "optimal"
    sim = simulate(inp)["it_gw_online"].values[0]
    np.testing.assert_allclose(plan.schedule["it_gw_online"].values, sim, atol=REPLAY_TOL_GW)


def test_shared_rules_by_hand() -> None:
    """Each shared rule on a hand case."""
    # a 100 MW fleet with a 4-week life: 25 MW retires in each of weeks 0–3, none after
    assert [float(fleet_retired(100.0, 4, t)) for t in range(6)] == [25, 25, 25, 25, 0, 0]
    assert float(fleet_left(100.0, 4, 2)) == 50.0
    # week-0 output 10 units × 2 MW (one vendor) = 20 MW/week, cut to orders 30 MW / lead 3
    p0_v, p0, r0 = start_wip(np.array([10.0]), np.array([[2.0]]), np.array([[30.0]]), 3, 4.0)
    assert (float(p0_v[0, 0]), float(p0[0]), float(r0[0])) == (10.0, 10.0, 4.0)
    assert transformer_split(100.0, 0.25) == (75.0, 25.0)
