"""The planner on the shipped presets: replay through the simulator and the ``plan`` CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from gigafactory import compile_inputs, load_catalog, load_scenario, simulate
from gigafactory.cli import app
from gigafactory.demand import supply_only
from gigafactory.plan import PlanSettings, bottlenecks, solve_plan

#: Plan vs simulator, IT GW online per week, on the presets (GW).
REPLAY_TOL_GW = 1e-2


@pytest.mark.slow
@pytest.mark.parametrize("preset", ["industry", "announced"])
def test_preset_plan_replays_through_simulator(preset: str) -> None:
    """Greedy FIFO stages maximise cumulative output at every week, so the max-gw plan and
    the simulator deliver the same IT GW online for the same (median) inputs."""
    cat = load_catalog()
    # the LP models supply push capped by contracts: the market rules are switched off
    inp = supply_only(compile_inputs(load_scenario(preset, cat), cat, draws=1, median=True))
    res = solve_plan(inp, PlanSettings())
    assert res.termination == "optimal"
    assert res.violations.empty
    sim = simulate(inp, vendor_detail=False)
    np.testing.assert_allclose(
        res.schedule["it_gw_online"].values,
        sim["it_gw_online"].values[0].astype(float),
        atol=REPLAY_TOL_GW,
    )
    bn = bottlenecks(res, sim=sim)
    assert len(bn) > 0
    assert (bn["sim_binding_weeks"] >= 0).all()


@pytest.mark.slow
def test_plan_cli_writes_plan_json(tmp_path: Path) -> None:
    out = CliRunner().invoke(
        app, ["plan", "gw-per-week", "--step", "month", "--json", "--out", str(tmp_path)]
    )
    assert out.exit_code == 0, out.output
    doc = json.loads((tmp_path / "plan.json").read_text())
    assert doc["objective"] == "max-gw"
    assert doc["status"] == "optimal"
    assert set(doc["it_gw_online"]) >= {str(y) for y in range(2025, 2036)}
    assert doc["bottlenecks"]
    assert set(doc["bottlenecks"][0]) >= {"constraint", "period", "shadow_price", "unit"}
    assert json.loads(out.stdout) == doc


def test_plan_cli_rejects_unknown_objective(tmp_path: Path) -> None:
    from gigafactory.errors import GigafactoryError

    out = CliRunner().invoke(app, ["plan", "industry", "--objective", "fastest"])
    assert isinstance(out.exception, GigafactoryError)
    assert "max-gw, target, lexicographic" in str(out.exception)
