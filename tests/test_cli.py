"""The command line end to end, on every preset, in-process and as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gigafactory.cli import app
from gigafactory.scenario import preset_names

runner = CliRunner()


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "runs.duckdb"
    monkeypatch.setenv("GIGAFACTORY_STORE", str(path))
    return path


@pytest.mark.parametrize("preset", preset_names())
def test_run_each_preset_writes_summary_and_files(
    preset: str, tmp_path: Path, store: Path, request: pytest.FixtureRequest
) -> None:
    if preset == "announced":  # the same command, run once for the session (conftest)
        out, store, code, output = request.getfixturevalue("announced_cli_run")
    else:
        out = tmp_path / "out"
        res = runner.invoke(app, ["run", preset, "--draws", "40", "--seed", "3", "--out", str(out)])
        code, output = res.exit_code, res.output
    assert code == 0, output
    assert "binding" in output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scenario"] == preset and summary["draws"] == 40 and summary["seed"] == 3
    first_year = next(iter(summary["years"].values()))
    assert set(first_year["it_gw_online"]) == {"p5", "p50", "p95"}
    assert abs(sum(first_year["binding"].values()) - 1.0) < 1e-6
    assert "gw_per_week_reached" in summary
    fin = summary["finance"]
    for key in ("funding_gap_usd_b", "first_breach", "exposure_usd_b", "circularity", "warrants"):
        assert key in fin
    for name in ("results.nc", "gw_online.png", "report.html", "scenario.yaml"):
        assert (out / name).stat().st_size > 0, name
    assert store.exists()


def test_gw_per_week_says_when_and_what_binds(store: Path) -> None:
    res = runner.invoke(
        app, ["run", "gw-per-week", "--draws", "200", "--json", "--no-finance", "--no-store"]
    )
    summary = json.loads(res.output)
    # the industry reaches 1 GW/week in the horizon: the week it says must agree with the
    # yearly series (a second formulation): below the goal at the end of the year before,
    # at or above it at the end of that year
    reached = summary["gw_per_week_reached"]
    year = int(str(reached)[:4])
    assert str(reached)[4:6] == "-W"
    rate = {int(y): v["gw_added_per_week"]["p50"] for y, v in summary["years"].items()}
    assert rate[year - 1] < 1.0 <= rate[year]
    assert summary["years"]["2030"]["binding"]
    assert {r["tier"] for r in summary["needs"]} >= {"cowos", "grid", "transformers"}


def test_bad_scenario_exit_2_and_nothing_written(tmp_path: Path, store: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: bad\nextends: announced\ndraws: -3\nscope: {kind: buyer, buyer: openai}\nfoo: 1\n"
    )
    out = tmp_path / "out"
    res = runner.invoke(app, ["run", str(bad), "--out", str(out)])
    assert res.exit_code != 0
    assert not out.exists() and not store.exists()


def test_validate_and_error_message_as_a_real_process(tmp_path: Path) -> None:
    """The console script prints one message (no traceback) and exits 2 on a user mistake."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nextends: industry\nhorizon: {start: 2025-W01, ned: 2030}\n")
    exe = Path(sys.executable).with_name("gigafactory")
    env = {**os.environ, "GIGAFACTORY_STORE": str(tmp_path / "s.duckdb")}
    proc = subprocess.run(
        [str(exe), "validate", str(bad)], capture_output=True, text=True, env=env, check=False
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert f"{bad}:3" in proc.stderr and "did you mean 'end'" in proc.stderr
    ok = subprocess.run(
        [str(exe), "validate", "announced"], capture_output=True, text=True, env=env, check=False
    )
    assert ok.returncode == 0 and "ok" in ok.stdout


def test_catalog_commands() -> None:
    res = runner.invoke(app, ["catalog", "list"])
    assert res.exit_code == 0 and "accelerators" in res.output
    res = runner.invoke(app, ["catalog", "show", "GB200"])
    assert res.exit_code == 0 and "it_w" in res.output and "epoch" in res.output
    res = runner.invoke(app, ["catalog", "sources", "--json"])
    assert res.exit_code == 0 and len(json.loads(res.output)) > 50


def test_deals_change_with_as_of() -> None:
    a = runner.invoke(app, ["deals", "--as-of", "2025-12-31", "--json"])
    b = runner.invoke(app, ["deals", "--as-of", "2026-06-30", "--json"])
    assert a.exit_code == 0 and b.exit_code == 0
    sa = {r["deal"]: r["status"] for r in json.loads(a.output)}
    sb = {r["deal"]: r["status"] for r in json.loads(b.output)}
    assert sa["nvidia_loi_2025"] == "loi" and sb["nvidia_loi_2025"] == "superseded"


def test_run_json_is_the_summary_and_keep_draws_stores_trajectories(store: Path) -> None:
    """One run for both: ``--json`` prints the summary; ``--keep-draws`` stores every draw."""
    from gigafactory.results.store import RunStore

    res = runner.invoke(
        app, ["run", "announced", "-n", "20", "--keep-draws", "--no-finance", "--json"]
    )
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output)
    assert summary["years"]["2027"]["it_gw_online"]["p50"] > 0
    run_id = summary["run_id"]
    assert run_id
    ds = RunStore(store).load_trajectories(run_id)
    assert ds.sizes["draw"] == 20
    assert float(ds["it_gw_online"].isel(week=-1).max()) > 0
