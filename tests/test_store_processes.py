"""The run store under real processes: concurrent writers and readers, and writers killed with SIGKILL."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from fixtures import example_physical, example_summary
from gigafactory.results.store import RunStore

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="fcntl locks and SIGKILL are POSIX")

CHILD_TABLES = ("metrics", "series", "distributions", "binding", "phases")

#: A writer process: waits for the start signal, then saves ``n`` small runs.
WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from fixtures import example_physical, example_summary
    from gigafactory.results.store import RunStore

    store_path, go, tag, n = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    ds = example_physical(draws=8, seed=int(tag), weeks=120)
    summary = example_summary(ds, finance=False)
    store = RunStore(store_path, timeout=60)
    while not go.exists():
        time.sleep(0.01)
    for i in range(n):
        store.save_run(summary, scenario_yaml=f"writer: {tag}\\nrun: {i}\\n", physical=ds, note=f"{tag}-{i}")
    print("done", flush=True)
    """
)

#: A reader process: lists and opens runs until told to stop; any exception fails it.
READER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from gigafactory.results.store import RunStore

    store, stop = RunStore(sys.argv[1], timeout=60), Path(sys.argv[2])
    reads = 0
    while not stop.exists():
        runs = store.list_runs()
        if len(runs):
            run = store.get_run(runs["run_id"].iloc[0])
            assert len(run.series) > 0, "a listed run must be complete"
        reads += 1
    print("reads", reads, flush=True)
    """
)

#: A writer that stops for good in the middle of its transaction (after some rows are in).
STUCK_WRITER = textwrap.dedent(
    """
    import sys, time
    from fixtures import example_physical, example_summary
    from gigafactory.results.store import RunStore

    class Stuck(RunStore):
        def _insert(self, con, table, run_id, df):
            super()._insert(con, table, run_id, df)
            if table == "series":
                print("inside transaction", flush=True)
                time.sleep(600)

    ds = example_physical(draws=8, seed=3, weeks=120)
    Stuck(sys.argv[1]).save_run(example_summary(ds, finance=False), scenario_yaml="stuck: true\\n", physical=ds,
                                trajectories=True)
    """
)

#: A writer that saves runs back to back until killed.
LOOP_WRITER = textwrap.dedent(
    """
    import sys
    from fixtures import example_physical, example_summary
    from gigafactory.results.store import RunStore

    ds = example_physical(draws=16, seed=5, weeks=200)
    store, summary = RunStore(sys.argv[1]), example_summary(ds, finance=False)
    print("ready", flush=True)
    while True:
        store.save_run(summary, scenario_yaml="loop: true\\n", physical=ds, trajectories=True)
    """
)


def spawn(script: str, *args: str | Path) -> subprocess.Popen[str]:
    # the children import the test fixtures module, so tests/ goes on their path too
    path = [str(Path(__file__).resolve().parent), os.environ.get("PYTHONPATH", "")]
    env = os.environ | {
        "PYTHONWARNINGS": "error",
        "PYTHONPATH": os.pathsep.join(filter(None, path)),
    }
    return subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def kill(child: subprocess.Popen[str]) -> None:
    """SIGKILL a child, reap it and close its pipes."""
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL


def assert_consistent(path: Path) -> set[str]:
    """Every stored run has all its rows, and no rows belong to a run that is not stored.

    A writer killed before it created the store leaves no file: "no store yet" is consistent.
    """
    if not path.exists():
        return set()
    with duckdb.connect(str(path), read_only=True) as con:
        tables = {
            r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        }
        if "runs" not in tables:  # killed before the first commit: an empty store
            assert tables == set()
            return set()
        runs = {r[0] for r in con.execute("SELECT run_id FROM runs").fetchall()}
        for table in CHILD_TABLES:
            per_run = dict(
                con.execute(f"SELECT run_id, count(*) FROM {table} GROUP BY run_id").fetchall()
            )
            assert set(per_run) == runs, f"{table}: rows for runs {set(per_run) ^ runs} are partial"
            assert len(set(per_run.values())) <= 1, (
                f"{table}: runs of the same shape have different row counts"
            )
    return runs


def test_concurrent_writers_and_readers_do_not_corrupt(tmp_path: Path) -> None:
    path, go, stop = tmp_path / "runs.duckdb", tmp_path / "go", tmp_path / "stop"
    writers = [spawn(WRITER, path, go, str(tag), "3") for tag in (1, 2, 3)]
    reader = spawn(READER, path, stop)
    time.sleep(0.5)
    go.touch()  # release the writers together
    outs = [w.communicate(timeout=120) for w in writers]
    stop.touch()
    r_out, r_err = reader.communicate(timeout=60)
    for w, (out, err) in zip(writers, outs, strict=True):
        assert w.returncode == 0, err
        assert out.strip() == "done"
    assert reader.returncode == 0, r_err
    assert int(r_out.split()[1]) > 0
    runs = assert_consistent(path)
    assert len(runs) == 9
    notes = sorted(RunStore(path).list_runs()["note"])
    assert notes == sorted(f"{t}-{i}" for t in (1, 2, 3) for i in range(3))


def test_sigkill_mid_transaction_leaves_only_complete_runs(tmp_path: Path) -> None:
    path = tmp_path / "runs.duckdb"
    ds = example_physical(draws=8, seed=1, weeks=120)
    before = RunStore(path).save_run(
        example_summary(ds, finance=False), scenario_yaml="ok: true\n", physical=ds
    )
    child = spawn(STUCK_WRITER, path)
    assert child.stdout is not None
    line = child.stdout.readline()  # blocks until the child is inside its transaction
    assert line.strip() == "inside transaction", child.stderr.read() if child.stderr else ""
    kill(child)
    assert assert_consistent(path) == {before}
    # The dead writer's lock went with it: the store is writable again at once.
    store = RunStore(path, timeout=5)
    after = store.save_run(
        example_summary(ds, finance=False), scenario_yaml="ok: again\n", physical=ds
    )
    assert assert_consistent(path) == {before, after}
    # The killed writer's Parquet folder, which no run refers to, was swept by the next writer.
    assert list(store.trajectories_dir.iterdir()) == []


def test_sigkill_at_random_moments(tmp_path: Path) -> None:
    """Kill a looping writer at random moments, from before the store exists to mid-save.

    Nothing here depends on how fast the machine is: whether a kill lands before the first
    commit, inside a transaction or between saves, the store must be consistent afterwards.
    """
    path = tmp_path / "runs.duckdb"
    rng = random.Random(20251122)
    seen: set[str] = set()
    store = RunStore(path)
    for delay in (0.0, *(rng.uniform(0.0, 1.5) for _ in range(4))):
        child = spawn(LOOP_WRITER, path)
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        time.sleep(delay)
        kill(child)
        runs = assert_consistent(path)
        assert seen <= runs  # committed runs survive later kills
        seen = runs
        store = RunStore(path)
        for rid in runs:
            traj = store.get_run(rid).trajectories
            assert traj is not None
            assert (traj / "physical.draw-week.parquet").exists()
    # One more save sweeps whatever the last kill left; then every folder belongs to a run.
    ds = example_physical(draws=4, seed=0, weeks=50)
    store.save_run(example_summary(ds, finance=False), scenario_yaml="last\n", physical=ds)
    folders = store.trajectories_dir
    assert ({p.name for p in folders.iterdir()} if folders.exists() else set()) == seen
