"""Benchmark the planner: model size, build and solve seconds for the weekly presets.

Usage::

    .venv/bin/python benchmarks/bench_plan.py            # industry and announced, weekly 2025–2035
    .venv/bin/python benchmarks/bench_plan.py --smoke    # one preset, monthly, for CI

Target: build + solve under 30 s per preset on a 2-core machine.  The target is reported,
never enforced by an exit code: a benchmark on a shared machine measures, it does not gate
(`make test` runs the smoke mode to prove the benchmark still runs).
"""

from __future__ import annotations

import argparse
import sys
import time

from gigafactory import compile_inputs, load_catalog, load_scenario
from gigafactory.plan import PlanSettings, solve_plan

TARGET_S = 30.0


def bench(preset: str, step: str, objective: str) -> dict[str, float | int | str]:
    """Compile the median inputs of ``preset`` and build and solve its plan once."""
    cat = load_catalog()
    sc = load_scenario(preset, cat)
    t0 = time.perf_counter()
    inp = compile_inputs(sc, cat, draws=1, median=True)
    compile_s = time.perf_counter() - t0
    res = solve_plan(inp, PlanSettings.model_validate({"objective": objective, "step": step}))
    return {
        "preset": preset,
        "step": step,
        "objective": objective,
        "periods": res.data.n,
        "variables": int(res.model.nvars),
        "constraints": int(res.model.ncons),
        "compile_s": compile_s,
        "build_s": res.build_s,
        "solve_s": res.solve_s,
        "total_s": res.build_s + res.solve_s,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="one preset, monthly: a quick check")
    args = ap.parse_args(argv)
    runs = (
        [("industry", "month", "max-gw")]
        if args.smoke
        else [
            (p, "week", o)
            for p in ("industry", "announced")
            for o in ("max-gw", "target", "lexicographic")
        ]
    )
    print(
        f"{'preset':<10} {'step':<5} {'objective':<13} {'periods':>7} {'variables':>9} "
        f"{'constraints':>11} {'build s':>8} {'solve s':>8} {'total s':>8}"
    )
    worst = 0.0
    for preset, step, objective in runs:
        r = bench(preset, step, objective)
        worst = max(worst, float(r["total_s"]))
        print(
            f"{r['preset']:<10} {r['step']:<5} {r['objective']:<13} {r['periods']:>7} "
            f"{r['variables']:>9,} {r['constraints']:>11,} {r['build_s']:>8.2f} "
            f"{r['solve_s']:>8.2f} {r['total_s']:>8.2f}"
        )
    ok = worst < TARGET_S
    print(f"slowest build+solve {worst:.2f} s (target < {TARGET_S:g} s): {'ok' if ok else 'SLOW'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
