"""The run queue behind ``gigafactory serve``: runs wait in line; worker threads hand each to
a child process (started by a forkserver that has the model imported) and follow its progress,
so a run never holds the server's interpreter and pages stay responsive.

A job moves ``queued → running → done | failed``; while it runs it passes through the phases
``simulate`` (draws done of draws), ``summary and finance`` and ``save``.  Finished runs are
saved in the run store, so they outlive the server; the queue keeps only jobs of this process.
Nothing here touches the network or reads a path that came from a request.
"""

from __future__ import annotations

import multiprocessing
import queue
import secrets
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Literal

from ..errors import GigafactoryError
from ..scenario.schema import Scenario

Status = Literal["queued", "running", "done", "failed"]

#: the phases a job reports, in order
PHASES: tuple[str, ...] = ("queued", "simulate", "summary and finance", "save", "done")


class QueueFull(Exception):
    """More jobs are waiting than the server accepts."""


@dataclass
class Job:
    """One run request and what became of it.  ``version`` grows with every change."""

    id: str
    scenario: Scenario
    draws: int
    seed: int
    status: Status = "queued"
    phase: str = "queued"
    done_draws: int = 0
    run_id: str | None = None
    error: str | None = None
    created_s: float = field(default_factory=time.time)
    timings_s: dict[str, float] = field(default_factory=dict)
    version: int = 0

    def state(self) -> dict[str, Any]:
        """The JSON the API returns for this job (without the summary)."""
        return {
            "id": self.id,
            "status": self.status,
            "phase": self.phase,
            "scenario": self.scenario.name,
            "draws": self.draws,
            "seed": self.seed,
            "done_draws": self.done_draws,
            "progress": self.progress(),
            "run_id": self.run_id,
            "error": self.error,
            "timings_s": self.timings_s,
        }

    def progress(self) -> float:
        """Share of the job done (0–1): simulation counts 60 %, summary and finance 35 %."""
        if self.status == "done":
            return 1.0
        sim = 0.6 * self.done_draws / max(self.draws, 1)
        return sim + {"summary and finance": 0.0, "save": 0.35}.get(self.phase, 0.0)


class RunQueue:
    """Jobs waiting for, or run by, ``workers`` threads; finished runs go to the store.

    Parameters
    ----------
    store_path : Path or None
        The run store (DuckDB file); None: the default store.
    workers : int
        Runs at once (each uses a core while it simulates).
    max_waiting : int
        Jobs that may wait; more raise ``QueueFull`` (the API answers 429).
    """

    def __init__(self, store_path: Path | None, *, workers: int = 1, max_waiting: int = 16) -> None:
        from ..catalog import load_catalog

        self.store_path = store_path
        self.catalog = load_catalog()
        self.max_waiting = max_waiting
        self.jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._waiting: queue.Queue[Job | None] = queue.Queue()
        self._threads = [
            threading.Thread(target=self._work, name=f"gigafactory-run-{i}", daemon=True)
            for i in range(workers)
        ]
        for t in self._threads:
            t.start()

    def submit(self, sc: Scenario, draws: int, seed: int) -> Job:
        """Queue a run of ``sc``; raise ``QueueFull`` when too many wait already."""
        with self._lock:
            waiting = sum(1 for j in self.jobs.values() if j.status == "queued")
            if waiting >= self.max_waiting:
                raise QueueFull(f"{waiting} runs are waiting already; try again when one is done")
            job = Job(f"job-{secrets.token_hex(4)}", sc, draws, seed)
            self.jobs[job.id] = job
        self._waiting.put(job)
        return job

    def get(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)

    def position(self, job: Job) -> int:
        """How many queued jobs were submitted before ``job`` (0 when it runs or ran)."""
        if job.status != "queued":
            return 0
        return sum(
            1 for j in self.jobs.values() if j.status == "queued" and j.created_s < job.created_s
        )

    def close(self) -> None:
        """Stop the workers after the jobs they are running (queued jobs are dropped)."""
        for _ in self._threads:
            self._waiting.put(None)

    def _update(self, job: Job, **changes: Any) -> None:
        with self._lock:
            for k, v in changes.items():
                setattr(job, k, v)
            job.version += 1

    def _work(self) -> None:
        while True:
            job = self._waiting.get()
            if job is None:
                return
            try:
                self._run(job)
            except GigafactoryError as exc:
                self._update(job, status="failed", phase="failed", error=str(exc))
            except Exception as exc:  # a bug must not kill the worker: report it on the job
                self._update(
                    job, status="failed", phase="failed", error=f"{type(exc).__name__}: {exc}"
                )

    def _run(self, job: Job) -> None:
        """Run the pipeline in a child process (the server keeps its interpreter to itself),
        following its progress messages; the child saves the run in the store."""
        self._update(job, status="running", phase="simulate")
        parent, child = _CONTEXT.Pipe(duplex=False)
        proc = _CONTEXT.Process(
            target=run_in_child,
            args=(child, job.scenario, job.draws, job.seed, self.store_path),
            name=f"gigafactory-{job.id}",
            daemon=True,
        )
        proc.start()
        child.close()
        try:
            while True:
                try:
                    kind, value = parent.recv()
                except EOFError:
                    raise RuntimeError(
                        f"the run's process ended without a result (exit code {proc.exitcode})"
                    ) from None
                if kind == "draws":
                    done = job.done_draws + int(value)
                    phase = "summary and finance" if done >= job.draws else "simulate"
                    self._update(job, done_draws=done, phase=phase)
                elif kind == "phase":
                    self._update(job, phase=str(value))
                elif kind == "error":
                    raise GigafactoryError(str(value))
                else:
                    run_id, timings = value
                    self._update(job, status="done", phase="done", run_id=run_id, timings_s=timings)
                    return
        finally:
            parent.close()
            proc.join(timeout=60)


#: children start from a clean server process that has the model imported already
_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["gigafactory.pipeline", "gigafactory.cli.files"])


def run_in_child(
    conn: Connection, sc: Scenario, draws: int, seed: int, store_path: Path | None
) -> None:
    """Run one scenario and save it in the store, reporting progress through ``conn``.

    Messages: ``("draws", k)`` as batches finish, ``("phase", name)``, then ``("done",
    (run_id, timings_s))`` or ``("error", message)``.
    """
    from ..catalog import load_catalog
    from ..cli.files import save_run_to_store
    from ..pipeline import run_scenario

    try:
        t0 = time.perf_counter()
        result = run_scenario(
            sc, load_catalog(), draws, seed, progress=lambda k: conn.send(("draws", k))
        )
        conn.send(("phase", "save"))
        t1 = time.perf_counter()
        run_id = save_run_to_store(store_path, result)
        timings = {k: round(v, 3) for k, v in result.timings_s.items()}
        timings["save"] = round(time.perf_counter() - t1, 3)
        timings["total"] = round(time.perf_counter() - t0, 3)
        conn.send(("done", (run_id, timings)))
    except GigafactoryError as exc:
        conn.send(("error", str(exc)))
    except Exception as exc:  # reported on the job, never a silent loss
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()
