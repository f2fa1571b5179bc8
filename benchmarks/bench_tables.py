"""Benchmark the quantile tables (``results.series.run_tables``) and their selection.

Simulates ``industry`` (with the money side) at ``--draws`` draws, then reports CPU seconds
(``time.process_time``, best of ``--repeat``) of:

* ``run_tables`` on the run's datasets (what ``run`` computes once per run or chunk);
* per headline series ``[draw, week]``: ``quantiles_over_draws`` (p5/p50/p95) against
  ``np.quantile`` on the float64 copy, and ``median_over_draws`` against ``np.median``,
  checking the numbers are equal bit for bit;

    python benchmarks/bench_tables.py                 # 2,000 draws
    python benchmarks/bench_tables.py --draws 10000   # ~3 GB, a minute or two to simulate

CPU seconds are the steadier figure on a shared machine; the ratios are what to compare.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def best_cpu(fn: Callable[[], Any], repeat: int) -> float:
    """Least CPU seconds of ``repeat`` calls of ``fn``."""
    best = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--draws", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    from gigafactory.catalog import load_catalog
    from gigafactory.pipeline import run_money, simulate_scenario
    from gigafactory.results.series import (
        HEADLINE,
        QUANTILES,
        median_over_draws,
        quantiles_over_draws,
        run_tables,
    )
    from gigafactory.scenario import load_scenario

    cat = load_catalog()
    sc = load_scenario("industry", cat)
    t = time.process_time()
    ds = simulate_scenario(sc, cat, args.draws, 42)
    fin = run_money(sc, cat, ds)
    print(f"simulated {args.draws:,} draws in {time.process_time() - t:.1f} s CPU")

    whole = best_cpu(lambda: run_tables(ds, fin), args.repeat)
    print(f"run_tables: {whole:.3f} s CPU")
    print(
        f"{'series':<26}{'quantiles':>10}{'np.quantile':>12}{'ratio':>7}"
        f"{'median':>9}{'np.median':>10}{'ratio':>7}"
    )
    tot = np.zeros(4)
    for name in HEADLINE:
        v = ds[name].transpose("draw", "week").values
        assert np.array_equal(
            quantiles_over_draws(v, QUANTILES),
            np.quantile(v.astype(np.float64), QUANTILES, axis=0),
            equal_nan=True,
        )
        assert np.array_equal(median_over_draws(v), np.median(v, axis=0), equal_nan=True)
        row = np.array(
            [
                best_cpu(lambda v=v: quantiles_over_draws(v, QUANTILES), args.repeat),
                best_cpu(
                    lambda v=v: np.quantile(v.astype(np.float64), QUANTILES, axis=0),
                    args.repeat,
                ),
                best_cpu(lambda v=v: median_over_draws(v), args.repeat),
                best_cpu(lambda v=v: np.median(v, axis=0), args.repeat),
            ]
        )
        tot += row
        print(
            f"{name:<26}{row[0]:>10.4f}{row[1]:>12.4f}{row[1] / max(row[0], 1e-9):>7.1f}"
            f"{row[2]:>9.4f}{row[3]:>10.4f}{row[3] / max(row[2], 1e-9):>7.1f}"
        )
    print(
        f"{'total':<26}{tot[0]:>10.3f}{tot[1]:>12.3f}{tot[1] / tot[0]:>7.1f}"
        f"{tot[2]:>9.3f}{tot[3]:>10.3f}{tot[3] / tot[2]:>7.1f}"
    )


if __name__ == "__main__":
    main()
