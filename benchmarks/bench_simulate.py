"""Benchmark the supply engine on the ``industry`` preset, 2025–2035 (574 weeks).

For 1,000, 10,000 and 100,000 draws: seconds and draw-weeks per second for ``simulate`` on
compiled inputs (after a warm-up), compile time, and the peak resident memory of the whole
run (each size in a fresh process, so peaks do not mix).  100,000 draws run batch by batch
through ``simulate_scenario`` keeping only the headline variables (aggregate as you go).

``--engines N``: the compiled loop (``engine="numba"``) against the NumPy reference on the
same inputs, back to back in one process, headline only: best-of wall and CPU seconds,
draw-weeks/s, node-steps/s (11 stages per draw-week: 3 chip tiers, orders/backlog, rack
assembly, construction, grid, turbines, transformers, install, retirement) and the ratio to
the peer (a monthly model of ~32 nodes, 52 ms CPU per scenario): ``0.052 s × draws ÷ our
seconds``.  numba's first call (compile, or load from its on-disk cache) is reported apart,
and the cold compile is timed in a fresh process with an empty cache directory.

    python benchmarks/bench_simulate.py            # the full table (about a minute)
    python benchmarks/bench_simulate.py --smoke    # 1,000 draws, for CI
    python benchmarks/bench_simulate.py --engines 10000   # numba vs numpy at 10k draws
    python benchmarks/bench_simulate.py --json     # machine-readable
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from typing import Any

from gigafactory.threads import limit_blas_env

limit_blas_env()  # one BLAS thread, before numpy loads (as the command line does)

from gigafactory import compile_inputs, load_catalog, load_scenario, simulate  # noqa: E402
from gigafactory.pipeline import simulate_scenario  # noqa: E402

PRESET = "industry"
KEEP = ("it_gw_online", "facility_gw_added", "h100e_online_m", "binding")
#: stages per draw-week counted as node-steps (see the module docstring)
STAGES = 11
#: the peer's CPU seconds per scenario (one run of its monthly model, issue 14)
PEER_S = 0.052


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def measure(draws: int, repeats: int = 3) -> dict[str, Any]:
    """Time one size in this process."""
    cat = load_catalog()
    sc = load_scenario(PRESET, cat)
    if draws > 20_000:  # stream: compile and simulate batch by batch, keep the headline series
        t0 = time.perf_counter()
        ds = simulate_scenario(sc, cat, draws, 42, vendor_detail=False, keep=KEEP)
        sec = time.perf_counter() - t0
        weeks = ds.sizes["week"]
        return {
            "draws": draws,
            "weeks": weeks,
            "mode": "compile+simulate, streamed, headline only",
            "seconds": round(sec, 3),
            "draw_weeks_per_s": round(draws * weeks / sec),
            "peak_rss_mb": round(_peak_mb()),
        }
    t0 = time.perf_counter()
    inp = compile_inputs(sc, cat, draws, 42)
    compile_s = time.perf_counter() - t0
    simulate(inp)  # warm-up
    out: dict[str, Any] = {
        "draws": draws,
        "weeks": inp.n_weeks,
        "compile_seconds": round(compile_s, 3),
    }
    for label, vendor in (("headline", False), ("with_vendor_detail", True)):
        best = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter()
            simulate(inp, vendor_detail=vendor)
            best = min(best, time.perf_counter() - t0)
        out[f"{label}_seconds"] = round(best, 3)
        out[f"{label}_draw_weeks_per_s"] = round(draws * inp.n_weeks / best)
    out["peak_rss_mb"] = round(_peak_mb())
    return out


def _timed(fn: Any, repeats: int) -> tuple[float, float]:
    """Best wall and best CPU seconds (all threads) of ``fn()`` over ``repeats`` calls."""
    wall, cpu = float("inf"), float("inf")
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall = min(wall, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    return wall, cpu


def compare_engines(draws: int, repeats: int = 3) -> dict[str, Any]:
    """numba against numpy on the same inputs, back to back, headline only."""
    cat = load_catalog()
    inp = compile_inputs(load_scenario(PRESET, cat), cat, draws, 42)
    t0 = time.perf_counter()
    simulate(inp, vendor_detail=False, engine="numba")  # compile or load from the cache
    first = time.perf_counter() - t0
    out: dict[str, Any] = {"draws": draws, "weeks": inp.n_weeks, "numba_first_call_s": first}
    for engine in ("numba", "numpy"):
        wall, cpu = _timed(
            lambda e=engine: simulate(inp, vendor_detail=False, engine=e),
            repeats if engine == "numba" else 1,
        )
        steps = draws * inp.n_weeks
        out[engine] = {
            "wall_s": round(wall, 3),
            "cpu_s": round(cpu, 3),
            "draw_weeks_per_s": round(steps / wall),
            "node_steps_per_s": round(steps * STAGES / wall),
            "x_peer_per_scenario": round(PEER_S * draws / wall, 1),
        }
    out["speedup_wall"] = round(out["numpy"]["wall_s"] / out["numba"]["wall_s"], 2)
    out["speedup_cpu"] = round(out["numpy"]["cpu_s"] / out["numba"]["cpu_s"], 2)
    return out


def cold_compile_seconds() -> float:
    """The numba engine's first call in a fresh process with an empty cache (8 draws)."""
    code = (
        "import time; from gigafactory import compile_inputs, load_catalog, load_scenario, "
        "simulate; c = load_catalog(); i = compile_inputs(load_scenario('industry', c), c, 8, 1)"
        "; t = time.perf_counter(); simulate(i, engine='numba'); print(time.perf_counter() - t)"
    )
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
        )
    return float(proc.stdout.strip().splitlines()[-1])


def _print_engines(r: dict[str, Any]) -> None:
    print(f"engines, preset {PRESET!r}, {r['draws']:,} draws x {r['weeks']} weeks, headline")
    for engine in ("numba", "numpy"):
        e = r[engine]
        print(
            f"  {engine:5s}: {e['wall_s']:.2f} s wall, {e['cpu_s']:.2f} s CPU; "
            f"{e['draw_weeks_per_s'] / 1e6:.2f} M draw-weeks/s, "
            f"{e['node_steps_per_s'] / 1e6:.1f} M node-steps/s; "
            f"{e['x_peer_per_scenario']:,.0f}x the peer per scenario"
        )
    print(
        f"  numba / numpy: {r['speedup_wall']}x wall, {r['speedup_cpu']}x CPU; numba first call "
        f"{r['numba_first_call_s']:.1f} s (cold compile in a fresh cache: "
        f"{r.get('cold_compile_s', float('nan')):.1f} s)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--smoke", action="store_true", help="1,000 draws only (CI)")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child process measuring one size
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--engines", type=int, metavar="DRAWS", help="numba vs numpy at DRAWS")
    args = ap.parse_args()
    if args.engines:
        res = compare_engines(args.engines)
        res["cold_compile_s"] = round(cold_compile_seconds(), 1)
        print(json.dumps(res, indent=2)) if args.json else _print_engines(res)
        return
    if args.one:
        print(json.dumps(measure(args.one)))
        return
    sizes = [1_000] if args.smoke else [1_000, 10_000, 100_000]
    rows = []
    for n in sizes:
        proc = subprocess.run(
            [sys.executable, __file__, "--one", str(n)], capture_output=True, text=True, check=True
        )
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"supply engine, preset {PRESET!r}, {rows[0]['weeks']} weeks")
    for r in rows:
        if "headline_seconds" in r:
            print(
                f"  {r['draws']:>7,} draws: simulate {r['headline_seconds']:.2f} s "
                f"({r['headline_draw_weeks_per_s']:,} draw-weeks/s); with vendor detail "
                f"{r['with_vendor_detail_seconds']:.2f} s; compile {r['compile_seconds']:.2f} s; "
                f"peak RSS {r['peak_rss_mb']:,} MB"
            )
        else:
            print(
                f"  {r['draws']:>7,} draws: {r['mode']} {r['seconds']:.1f} s "
                f"({r['draw_weeks_per_s']:,} draw-weeks/s); peak RSS {r['peak_rss_mb']:,} MB"
            )


if __name__ == "__main__":
    main()
