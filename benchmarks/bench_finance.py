"""Benchmark the finance pass: 10,000 draws × 574 weeks (``--smoke``: 200 draws) after a warm-up.

Prints seconds and draw-weeks per second.  Input: a synthetic physical dataset with every
variable the finance pass reads (gigafactory.finance.synthetic).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from gigafactory.catalog import load_catalog
from gigafactory.finance import FinanceSettings, run_finance
from gigafactory.finance.synthetic import synthetic_physical


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--weeks", type=int, default=574)
    ap.add_argument("--smoke", action="store_true", help="200 draws, for CI")
    args = ap.parse_args()
    draws = 200 if args.smoke else args.draws
    cat = load_catalog()
    settings = FinanceSettings()
    run_finance(
        synthetic_physical(50, args.weeks), settings, cat, np.random.default_rng(0)
    )  # warm-up
    ph = synthetic_physical(draws, args.weeks)
    t0 = time.perf_counter()
    fin = run_finance(ph, settings, cat, np.random.default_rng(1))
    sec = time.perf_counter() - t0
    dw = draws * args.weeks
    print(
        f"finance: {draws} draws × {args.weeks} weeks × {fin.sizes['link']} links in {sec:.2f} s "
        f"= {dw / sec:,.0f} draw-weeks/s"
    )


if __name__ == "__main__":
    main()
