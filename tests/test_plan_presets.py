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


@pytest.mark.slow
def test_plan_writes_no_file_without_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = CliRunner().invoke(app, ["plan", "gw-per-week", "--step", "month", "--no-store"])
    assert out.exit_code == 0, out.output
    assert list(tmp_path.iterdir()) == []


def test_plan_table_keeps_bracketed_constraint_names(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cap-transformers[onsite]` is a name, not Rich markup: both rows stay distinct."""
    import pandas as pd

    from gigafactory.cli.plan import _print

    monkeypatch.setenv("COLUMNS", "200")
    doc = {
        "scenario": "s",
        "objective": "max-gw",
        "step": "month",
        "status": "optimal",
        "model": {"variables": 1, "constraints": 1, "build_s": 0.0, "solve_s": 0.0},
        "violations": [],
    }
    yearly = pd.DataFrame(
        {"it_gw_online": [1.0], "facility_gw_online": [1.2], "gw_per_week": [0.1]}, index=[2027]
    )
    names = ["cap-transformers", "cap-transformers[onsite]", "cap-orders[nvidia]"]
    by_y = pd.DataFrame(
        {
            "period": ["2027"] * 3,
            "constraint": names,
            "shadow_price": [3.0, 2.0, 1.0],
            "unit": ["GW-weeks gained per 1 transformer"] * 3,
            "rank": [1, 2, 3],
            "sim_binding_weeks": [0, 0, 0],
        }
    )
    _print(doc, yearly, by_y, None)
    text = capsys.readouterr().out
    assert "cap-transformers[onsite]" in text and "cap-orders[nvidia]" in text
