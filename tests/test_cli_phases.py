"""``run`` records the CPU of each phase (``GIGAFACTORY_TIMINGS``), the write phase split
into the data files, the report and the store (what ``benchmarks/bench_cli.py`` tabulates)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[1] / "src")


def test_run_records_netcdf_report_and_store_phases(tmp_path: Path) -> None:
    timings = tmp_path / "timings.json"
    out = tmp_path / "out"
    env = os.environ | {"PYTHONPATH": SRC, "GIGAFACTORY_TIMINGS": str(timings)}
    cmd = [sys.executable, "-m", "gigafactory.cli", "run", "announced", "-n", "50", "-s", "1"]
    res = subprocess.run(
        [*cmd, "--out", str(out), "--store", str(tmp_path / "runs.duckdb")],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    phases = json.loads(timings.read_text(encoding="utf-8"))
    assert list(phases)[-4:] == ["quantiles", "netcdf", "report", "store"]
    assert all(v["cpu_s"] >= 0 and v["wall_s"] >= 0 for v in phases.values())
    # each phase did its own work: the files exist, and the run is in the store
    assert (out / "results.nc").is_file() and (out / "report.html").is_file()
    assert "store and files" not in phases
    assert "Saved as run" in res.stdout
