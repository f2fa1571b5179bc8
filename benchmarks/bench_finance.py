"""Benchmark the finance pass (ledger, then channels + defaults + contagion): 10,000 draws × 574 weeks (``--smoke``: 200 draws) after a warm-up.

Prints seconds and draw-weeks per second (``--repeat N``: every run and the best).  Input: a
synthetic physical dataset with every variable the finance pass reads
(tests/fixtures.py, put on the path here).  ``--chunk-draws`` / ``--threads`` override the settings'
batch size and thread count, for tuning.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from gigafactory.catalog import load_catalog
from gigafactory.finance import FinanceSettings, run_finance
from gigafactory.finance.money import summarise_money

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from fixtures import synthetic_physical


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--weeks", type=int, default=574)
    ap.add_argument("--smoke", action="store_true", help="200 draws, for CI")
    ap.add_argument("--repeat", type=int, default=1, help="timed runs (the best is reported)")
    ap.add_argument("--chunk-draws", type=int, default=None)
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()
    draws = 200 if args.smoke else args.draws
    cat = load_catalog()
    over = {"chunk_draws": args.chunk_draws, "threads": args.threads}
    settings = FinanceSettings(**{k: v for k, v in over.items() if v is not None})
    run_finance(
        synthetic_physical(50, args.weeks), settings, cat, np.random.default_rng(0)
    )  # warm-up
    ph = synthetic_physical(draws, args.weeks)
    dw = draws * args.weeks
    times = []
    for _ in range(max(1, args.repeat)):
        t0 = time.perf_counter()
        fin = run_finance(ph, settings, cat, np.random.default_rng(1))
        sec = time.perf_counter() - t0
        t1 = time.perf_counter()
        summarise_money(fin, cat, np.random.default_rng(2))
        money = time.perf_counter() - t1
        times.append(sec + money)
        print(
            f"money (channels, defaults, contagion): {money:.2f} s; ledger + money {sec + money:.2f} s"
        )
        print(
            f"finance: {draws} draws × {args.weeks} weeks × {fin.sizes['link']} links "
            f"in {sec:.2f} s = {dw / sec:,.0f} draw-weeks/s "
            f"(chunk_draws {settings.chunk_draws}, threads {settings.threads})"
        )
    if len(times) > 1:
        print(f"best of {len(times)}: {min(times):.2f} s = {dw / min(times):,.0f} draw-weeks/s")


if __name__ == "__main__":
    main()
