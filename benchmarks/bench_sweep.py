"""Benchmark global sensitivity and sweeps on dask (``industry``, 2025–2035, 574 weeks).

1. Sobol' (N base samples over every uncertain input group, 3 metrics incl. the funding gap,
   bootstrap included): seconds in-process and on a 2-worker LocalCluster.
2. A 24-point Latin-hypercube sweep at 2,000 draws per point on 1 and on 2 local workers:
   seconds, draws/s and the speed-up.
3. 1,000,000 draws of ``industry`` as a one-point sweep in batches of 2,000 on 2 workers:
   seconds and the peak RSS of the client and of each worker (per-draw scalars only, so
   memory is O(draws × years), not O(draws × weeks)).

    python benchmarks/bench_sweep.py            # Sobol' and the 1 → 2 worker scaling (~15 min)
    python benchmarks/bench_sweep.py --million  # also the million-draw sweep (~1 h)
    python benchmarks/bench_sweep.py --smoke    # small sizes, for CI
    python benchmarks/bench_sweep.py --only sobol|scaling|million [--json]

Each row carries the 1-minute load average after it: the machine is shared.

Where Sobol' time went (cProfile of one 1,024-row batch of ``industry`` with the 3 metrics,
0.3.0, load ≈ 5): compile 24 % (PERT quantiles ≈ half of it), the engine 52 %, the finance pass
18 %, metrics and xarray ≈ 5 %; each call also pays a fixed ≈ 1.9 s whatever its size (the
engine's weekly Python loop ≈ 0.9 s, ~300 quantile calls in compile ≈ 0.6 s, finance ≈ 0.2 s).
SALib's analysis: ≈ 4 s per metric at 200 bootstrap resamples, ≈ 2 s at its default 100
(32 groups × N = 1,024).  0.3.0 ran N·(G + 2) = 48 N rows in 48 calls; now 34 N rows (32
groups), 7 of the 34 roles (money facts only) reuse role A's simulation, so the engine runs
27 N rows.  With a finance metric a call holds one role (common random numbers: the finance
pass's own randomness must match row for row); without one, calls hold 4,096 rows.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from gigafactory import load_catalog, load_scenario
from gigafactory.results.store import RunStore
from gigafactory.results.sweeps import SweepStore
from gigafactory.sweep.inputs import uncertain_inputs
from gigafactory.sweep.run import connect, run_sweep
from gigafactory.sweep.sensitivity import sobol
from gigafactory.sweep.spec import Sweep, load_sweep

PRESET = "industry"
METRICS = ["it_gw_2030", "goal_week", "funding_gap"]
LHS = """\
extends: industry
draws: {draws}
sweep:
  method: lhs
  points: {points}
  ranges:
    params.pue: [1.1, 1.4]
    tiers.transformers.params.mw_per_unit: [60, 250]
    finance.p_convert: [0.2, 0.9]
"""


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _worker_peak_mb() -> float:
    import resource as r

    return r.getrusage(r.RUSAGE_SELF).ru_maxrss / 1024.0


class _Phases:
    """CPU seconds spent in each stage of the in-process Sobol' run (wrapping the functions the
    evaluation calls): compile, the engine (``supply.simulate``), the finance pass, and the
    SALib sampling + analysis with its bootstrap (the rest).  CPU, not wall, time: on a shared
    machine the wall time measures the other jobs too."""

    def __init__(self) -> None:
        self.sec: dict[str, float] = {"compile": 0.0, "engine": 0.0, "finance": 0.0}
        self._undo: list[tuple[Any, str, Any]] = []

    def _wrap(self, owner: Any, name: str, phase: str) -> None:
        fn = getattr(owner, name)

        def timed(*a: Any, **k: Any) -> Any:
            t0 = time.process_time()
            try:
                return fn(*a, **k)
            finally:
                self.sec[phase] += time.process_time() - t0

        self._undo.append((owner, name, fn))
        setattr(owner, name, timed)

    def __enter__(self) -> _Phases:
        import gigafactory.finance as fin
        import gigafactory.sweep.evaluate as ev

        self._wrap(ev, "compile_inputs", "compile")
        self._wrap(ev, "simulate", "engine")
        self._wrap(fin, "run_finance", "finance")
        return self

    def __exit__(self, *exc: object) -> None:
        for owner, name, fn in self._undo:
            setattr(owner, name, fn)


def bench_sobol(n: int, cluster: bool = True) -> list[dict[str, Any]]:
    cat = load_catalog()
    sc = load_scenario(PRESET, cat)
    groups = len(uncertain_inputs(sc, cat, METRICS).names)
    rows = []
    for workers in (None, 2) if cluster else (None,):
        phases = None
        t0, c0 = time.perf_counter(), time.process_time()
        if workers is None:
            with _Phases() as phases:
                sobol(sc, cat, n, METRICS, seed=1)
        else:
            with connect(workers) as client:
                t0 = time.perf_counter()  # cluster start-up is not the analysis
                sobol(sc, cat, n, METRICS, seed=1, client=client)
        sec = time.perf_counter() - t0
        row: dict[str, Any] = {
            "bench": "sobol",
            "N": n,
            "groups": groups,
            "draws": n * (groups + 2),
            "metrics": len(METRICS),
            "workers": workers or "in-process",
            "seconds": round(sec, 1),
            "draws_per_s": round(n * (groups + 2) / sec),
        }
        if phases is not None:
            cpu = time.process_time() - c0
            row["cpu_s"] = round(cpu, 1)
            row["draws_per_cpu_s"] = round(n * (groups + 2) / cpu)
            rest = cpu - sum(phases.sec.values())
            row.update({f"{k}_s": round(v, 1) for k, v in phases.sec.items()})
            row["salib_and_other_s"] = round(rest, 1)
            row["engine_share"] = round(phases.sec["engine"] / cpu, 2)
        rows.append(row)
    return rows


def _sweep_seconds(sweep: Sweep, workers: int, finance: bool) -> tuple[float, list[float]]:
    cat = load_catalog()
    with tempfile.TemporaryDirectory() as d, connect(workers) as client:
        store = SweepStore(RunStore(Path(d) / "b.duckdb"))
        client.run(lambda: None)  # workers up before the clock starts
        t0 = time.perf_counter()
        run_sweep(sweep, cat, store, client, finance=finance)
        sec = time.perf_counter() - t0
        peaks = list(client.run(_worker_peak_mb).values())
    return sec, peaks


def bench_scaling(points: int, draws: int) -> list[dict[str, Any]]:
    cat = load_catalog()
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "lhs.yaml"
        f.write_text(LHS.format(points=points, draws=draws))
        sweep = load_sweep(f, cat)
    rows = []
    for workers in (1, 2):
        sec, _ = _sweep_seconds(sweep, workers, finance=True)
        rows.append(
            {
                "bench": "scaling",
                "points": points,
                "draws_per_point": draws,
                "workers": workers,
                "seconds": round(sec, 1),
                "draws_per_s": round(points * draws / sec),
            }
        )
    rows[1]["speed_up"] = round(rows[0]["seconds"] / rows[1]["seconds"], 2)
    return rows


def bench_million(draws: int) -> list[dict[str, Any]]:
    cat = load_catalog()
    sc = load_scenario(PRESET, cat).model_copy(update={"draws": draws})
    sweep = Sweep(sc.name, PRESET, "single", (), ({},), (sc,), sc)
    sec, peaks = _sweep_seconds(sweep, 2, finance=False)
    return [
        {
            "bench": "large run",
            "draws": draws,
            "workers": 2,
            "seconds": round(sec, 1),
            "draw_weeks_per_s": round(draws * 574 / sec),
            "client_peak_rss_mb": round(_peak_mb()),
            "worker_peak_rss_mb": [round(p) for p in peaks],
            "total_peak_rss_mb": round(_peak_mb() + sum(peaks)),
        }
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--only", choices=["sobol", "scaling", "million"])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--draws", type=int, help="draws of the large run (default 1,000,000)")
    ap.add_argument("--million", action="store_true", help="also the large run (about an hour)")
    ap.add_argument("--no-cluster", action="store_true", help="Sobol' in-process only")
    a = ap.parse_args()
    sizes = (
        {"sobol": (16,), "scaling": (4, 200), "million": (4_000,)}
        if a.smoke
        else {"sobol": (1024,), "scaling": (24, 2000), "million": (1_000_000,)}
    )
    if a.draws:
        sizes["million"] = (a.draws,)
    runs = {
        "sobol": lambda n: bench_sobol(n, not a.no_cluster),
        "scaling": bench_scaling,
        "million": bench_million,
    }
    rows: list[dict[str, Any]] = []
    for name, fn in runs.items():
        wanted = a.only == name or (
            a.only is None and (name != "million" or a.million or a.smoke or a.draws)
        )
        if wanted:
            part = fn(*sizes[name])  # type: ignore[operator]
            for r in part:  # the machine is shared: say how busy it was
                r["load_avg_1min"] = round(os.getloadavg()[0], 1)
            rows += part
            if not a.json:
                for r in part:
                    print(", ".join(f"{k}={v}" for k, v in r.items()), flush=True)
    if a.json:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
