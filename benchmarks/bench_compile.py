"""Benchmark the scenario compile: CPU seconds per batch of draws, the PERT inverse, the median
compile and the delay attribution (``--smoke``: 200 draws, one repeat).

Prints CPU seconds (``time.process_time``, so a shared machine's load does not count) for

* ``compile_inputs`` of one batch of ``--draws`` draws (after a warm-up that builds the
  per-shape beta tables), and of 20 draws (what a batch costs beyond its draws' arithmetic),
* ``beta_ppf`` over ``--draws`` uniforms (per call, microseconds, and draws per second),
* the median compile (the loader's check makes it once; the run's summary takes it,
  ``median_inputs``, instead of paying it again),
* the delay attribution (``pipeline.delays_to``, 200 draws re-simulated per tier, NumPy engine).

No assertion on speed: compare the figures before and after a change, back to back.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from gigafactory.catalog import load_catalog
from gigafactory.compile import compile_inputs, median_inputs
from gigafactory.pipeline import delays_to
from gigafactory.scenario.loader import load_scenario
from gigafactory.scenario.sampling import beta_ppf
from gigafactory.threads import limit_blas_env

limit_blas_env()  # as the command line does (numpy is loaded, so threadpoolctl below decides)


def cpu(f: object, repeat: int) -> float:
    """Best CPU seconds of ``repeat`` calls of ``f``."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        f()  # type: ignore[operator]
        best = min(best, time.process_time() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scenario", default="industry")
    ap.add_argument("--draws", type=int, default=2000, help="draws per compiled batch")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--smoke", action="store_true", help="200 draws, one repeat, for CI")
    args = ap.parse_args()
    n, rep = (200, 1) if args.smoke else (args.draws, max(1, args.repeat))
    from gigafactory.threads import limit_blas

    cat = load_catalog()
    sc = load_scenario(args.scenario, cat)
    with limit_blas():
        compile_inputs(sc, cat, n, 1)  # warm-up: lazy imports and the beta tables
        batch = cpu(lambda: compile_inputs(sc, cat, n, 2), rep)
        small = cpu(lambda: compile_inputs(sc, cat, 20, 3), rep)
        median_inputs(sc, cat)  # the loader's hand-off, taken: the next ones compile
        med = cpu(lambda: median_inputs(sc, cat), rep)
        u = np.random.default_rng(0).random(n)
        [beta_ppf(u, 1.0 + 0.5 * k, 3.0) for k in range(10)]  # the tables, built once
        ppf = cpu(lambda: [beta_ppf(u, 1.0 + 0.5 * k, 3.0) for k in range(10)], rep) / 10
        grid = compile_inputs(sc, cat, 1, 1, median=True).grid.weeks.values
        att = cpu(lambda: delays_to(sc, cat, grid, 100.0, 200, 42, "numpy"), 1)  # 100 GW IT
    print(f"scenario {sc.name}: CPU s, best of {rep}")
    rows = [
        (f"compile, one batch of {n:,} draws", f"{batch:8.3f}"),
        ("compile, 20 draws (per-batch work)", f"{small:8.3f}"),
        ("median compile", f"{med:8.3f}"),
        (f"beta_ppf, {n:,} uniforms", f"{ppf:8.5f}  ({n / ppf / 1e6:.1f} M draws/s)"),
        ("delay attribution, 200 draws × tiers", f"{att:8.3f}"),
    ]
    for label, value in rows:
        print(f"  {label:<38}{value}")


if __name__ == "__main__":
    main()
