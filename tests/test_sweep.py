"""Sweeps: the sweep file, a real LocalCluster, a worker killed mid-sweep, Ctrl-C, the CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from gigafactory.catalog.schema import Catalog
from gigafactory.cli import app
from gigafactory.errors import GigafactoryError
from gigafactory.pipeline import BATCH_DRAWS, batch_streams, simulate_scenario
from gigafactory.results.store import RunStore
from gigafactory.results.summary import _year_end_index
from gigafactory.results.sweeps import SweepStore
from gigafactory.sweep.run import batch_sizes, connect, run_batch, run_sweep, summarise_point
from gigafactory.sweep.spec import load_sweep

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="kills worker processes by pid")

GRID = """\
extends: industry
draws: 60
sweep:
  params.pue: [1.1, 1.3]
  tiers.transformers.params.mw_per_unit: [80, 120]
"""
LHS = """\
extends: industry
draws: 60
sweep:
  method: lhs
  points: 5
  ranges:
    params.pue: [1.1, 1.4]
    finance.p_convert: [0.2, 0.9]
"""


def _write(tmp_path: Path, text: str, name: str = "sw.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_grid_and_lhs_points(tmp_path: Path, catalog: Catalog) -> None:
    g = load_sweep(_write(tmp_path, GRID), catalog)
    assert g.method == "grid" and len(g.points) == 4
    assert g.scenarios[3].overrides == {
        "params.pue": 1.3,
        "tiers.transformers.params.mw_per_unit": 120.0,
    }
    h = load_sweep(_write(tmp_path, LHS, "lhs.yaml"), catalog)
    x = np.array([[p["params.pue"], p["finance.p_convert"]] for p in h.points])
    assert h.method == "lhs" and x.shape == (5, 2)
    # Latin: each axis has one point in each fifth of its range
    for j, (lo, hi) in enumerate([(1.1, 1.4), (0.2, 0.9)]):
        bins = np.floor((x[:, j] - lo) / (hi - lo) * 5).astype(int)
        assert sorted(bins) == [0, 1, 2, 3, 4]
    assert [s.finance.p_convert for s in h.scenarios] == list(x[:, 1])


@pytest.mark.parametrize(
    ("sweep", "needle", "line"),
    [
        ("  params.pue: [1.1, 1.2]\n  accelerators.H100.tdp_w: [600, 700]\n", "does not read", 5),
        ("  method: lhs\n  points: 3\n  ranges:\n    params.pue: [1.4, 1.1]\n", "low > high", 7),
        ("  params.peu: [1.1]\n", "did you mean 'params.pue'", 4),
        ("  params.pue: 1.1\n", "non-empty list of numbers", 4),
        ("  params.pue: [-1.0]\n", "at sweep point 0", None),
    ],
)
def test_bad_sweep_files(
    tmp_path: Path, catalog: Catalog, sweep: str, needle: str, line: int | None
) -> None:
    p = _write(tmp_path, "extends: industry\ndraws: 10\nsweep:\n" + sweep)
    with pytest.raises(GigafactoryError) as exc:
        load_sweep(p, catalog)
    assert needle in str(exc.value)
    if line is not None:
        assert any(pr.line == line for pr in exc.value.problems), exc.value.problems
    store = tmp_path / "s.duckdb"
    res = CliRunner().invoke(app, ["sweep", str(p), "--workers", "1", "--store", str(store)])
    assert res.exit_code != 0 and needle in str(res.exception)
    assert not store.exists()  # nothing run, nothing stored


def test_unreachable_scheduler_is_one_message(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    p = _write(tmp_path, GRID)
    res = CliRunner().invoke(
        app, ["sweep", str(p), "--scheduler", "tcp://127.0.0.1:9", "--store", str(store)]
    )
    assert res.exit_code != 0
    assert "cannot reach a dask scheduler at 'tcp://127.0.0.1:9'" in str(res.exception)
    assert not store.exists()


#: two tasks per point in the cluster tests (60 draws each)
BATCH = 30


def _reference(sweep: Any, catalog: Catalog, batch: int = BATCH) -> list[dict[str, Any]]:
    """Each point computed in this process, batch by batch, with the sweep's streams."""
    out = []
    for sc in sweep.scenarios:
        sizes = batch_sizes(sc.draws, batch)
        streams = batch_streams(int(sc.seed), len(sizes))
        parts = [run_batch(sc, catalog, n, s, False) for n, s in zip(sizes, streams, strict=True)]
        out.append(summarise_point(sc, sc.draws, parts))
    return out


@pytest.fixture(scope="module")
def grid_reference(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Any:
    p = _write(tmp_path_factory.mktemp("ref"), GRID)
    sweep = load_sweep(p, catalog)
    return p, sweep, _reference(sweep, catalog)


def test_point_matches_a_plain_run(grid_reference: Any, catalog: Catalog) -> None:
    _, sweep, _ = grid_reference
    sc = sweep.scenarios[0]
    ref = _reference(sweep, catalog, batch=BATCH_DRAWS)  # what `run` does: one batch here
    ds = simulate_scenario(sc, catalog, keep=("it_gw_online",))
    i = _year_end_index(pd.DatetimeIndex(ds["week"].values))[2030]  # as `run` summarises
    p50 = float(np.percentile(ds["it_gw_online"].values[:, i], 50))
    assert ref[0]["years"]["2030"]["it_gw_online"]["p50"] == pytest.approx(p50, rel=1e-4)


@pytest.mark.slow
def test_sweep_on_local_cluster_with_a_killed_worker(
    tmp_path: Path, catalog: Catalog, grid_reference: Any
) -> None:
    _, sweep, ref = grid_reference
    store = SweepStore(RunStore(tmp_path / "s.duckdb"))
    killed: list[int] = []
    with connect(workers=2) as client:
        pids = client.run(os.getpid)

        def kill_busy_worker(i: int, run_id: str) -> None:
            if killed:
                return
            busy = [w for w, keys in client.processing().items() if keys]
            if busy:  # a worker holding a task dies with it: the scheduler must re-run it
                os.kill(pids[busy[0]], signal.SIGKILL)
                killed.append(pids[busy[0]])

        sid = run_sweep(
            sweep,
            catalog,
            store,
            client,
            finance=False,
            batch_draws=BATCH,
            on_point=kill_busy_worker,
        )
        alive = client.run(os.getpid)
    assert killed and killed[0] not in alive.values()
    got = store.sweep(sid)
    assert [p["point"] for p in got["points"]] == [0, 1, 2, 3]  # each point once
    for p, r in zip(got["points"], ref, strict=True):
        assert p["summary"] == json.loads(json.dumps(r))  # whole, and as if nothing had failed
    assert p["params"] == sweep.points[3]


@pytest.mark.slow
def test_interrupt_keeps_stored_points(tmp_path: Path, catalog: Catalog) -> None:
    sweep = load_sweep(_write(tmp_path, GRID), catalog)
    store = SweepStore(RunStore(tmp_path / "s.duckdb"))
    seen: list[str] = []

    def interrupt(i: int, run_id: str) -> None:
        seen.append(run_id)
        raise KeyboardInterrupt

    with connect(workers=1) as client, pytest.raises(KeyboardInterrupt):
        run_sweep(sweep, catalog, store, client, finance=False, on_point=interrupt)
    sid = store.store.list_runs()["note"].str.split(" ").str[1].iloc[0]
    got = store.sweep(sid)
    assert [p["run_id"] for p in got["points"]] == seen and got["n_points"] == 4


@pytest.mark.slow
def test_cli_sweep_and_runs_sweep_contract(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    p = _write(tmp_path, GRID)
    res = CliRunner().invoke(
        app, ["sweep", str(p), "--workers", "2", "--store", str(store), "--no-finance"]
    )
    assert res.exit_code == 0, res.output
    sid = res.stdout.strip().splitlines()[-1].split()[-1]
    res = CliRunner().invoke(app, ["runs", "sweep", sid, "--store", str(store), "--json"])
    doc = json.loads(res.stdout)
    assert len(doc["points"]) == 4
    assert set(doc["points"][0]) >= {"run_id", "params", "summary"}
    html = tmp_path / "heat.html"
    res = CliRunner().invoke(
        app, ["runs", "sweep", sid, "--store", str(store), "--html", str(html)]
    )
    assert res.exit_code == 0, res.output
    assert '"type":"heatmap"' in html.read_text()
    # higher MW per transformer ⇒ more IT GW; higher PUE ⇒ fewer
    v = {
        tuple(pt["params"].values()): pt["summary"]["years"]["2030"]["it_gw_online"]["p50"]
        for pt in doc["points"]
    }
    assert v[(1.1, 120.0)] > v[(1.1, 80.0)] and v[(1.3, 80.0)] < v[(1.1, 80.0)]


@pytest.mark.slow
def test_sweep_on_a_separately_started_cluster(tmp_path: Path) -> None:
    """`dask scheduler` + two `dask worker` processes, and `gigafactory sweep --scheduler`."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    sched_file = tmp_path / "scheduler.json"
    procs = [
        subprocess.Popen(
            [
                *dask,
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(sched_file),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not sched_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        addr = json.loads(sched_file.read_text())["address"]
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "distributed.cli.dask_worker",
                        addr,
                        "--nthreads",
                        "1",
                        "--no-dashboard",
                        "--host",
                        "127.0.0.1",
                        "--no-nanny",
                    ],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        from distributed import Client

        with Client(addr, timeout="30s") as c:
            c.wait_for_workers(2, timeout=60)
        store = tmp_path / "s.duckdb"
        p = _write(tmp_path, GRID)
        res = subprocess.run(
            [
                str(Path(sys.executable).parent / "gigafactory"),
                "sweep",
                str(p),
                "--scheduler",
                addr,
                "--store",
                str(store),
                "--no-finance",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert res.returncode == 0, res.stderr
        assert "on 2 workers" in res.stderr
        sid = res.stdout.strip().splitlines()[-1].split()[-1]
        assert len(SweepStore(RunStore(store)).sweep(sid)["points"]) == 4
    finally:
        for proc in reversed(procs):  # workers first, then the scheduler
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
