"""Benchmark the finance pass (ledger, then channels + defaults + contagion): 10,000 draws × 574 weeks (``--smoke``: 200 draws) after a warm-up.

Prints seconds and draw-weeks per second (``--repeat N``: every run and the best).  Input: a
synthetic physical dataset with every variable the finance pass reads
(tests/fixtures.py, put on the path here), or with ``--simulated SCENARIO`` the simulator's
output for a preset or scenario file (compiled draws, money facts and all; the simulation itself
is not timed), finance as ``gigafactory run`` calls it (``pipeline.run_money`` and the money
summary with the compiled draws).  ``--chunk-draws`` / ``--threads`` override the settings'
batch size and thread count, for tuning.  ``--funding-loop`` times the funding loop alone (CPU s,
every tracked entity of the synthetic run) with the compiled kernel and with its NumPy twin
(finance/fund_numpy.py), and the CPU cost of loading numba, which together set
``channels.KERNEL_FROM_DRAWS``.
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
    ap.add_argument("--simulated", metavar="SCENARIO", default=None, help="e.g. announced")
    ap.add_argument("--funding-loop", action="store_true", help="kernel vs NumPy twin, CPU s")
    args = ap.parse_args()
    if args.funding_loop:
        funding_loop(200 if args.smoke else args.draws, args.weeks)
        return
    if args.simulated:
        simulated(args)
        return
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


def simulated(args: argparse.Namespace) -> None:
    """Time the finance pass on the simulator's output for a scenario (not on synthetic data)."""
    from gigafactory.finance.money import money_facts
    from gigafactory.pipeline import run_money, simulate_scenario
    from gigafactory.scenario.loader import load_scenario

    cat = load_catalog()
    sc = load_scenario(args.simulated, cat)
    draws = 200 if args.smoke else args.draws
    over = {"chunk_draws": args.chunk_draws, "threads": args.threads}
    fs = sc.finance.model_copy(update={k: v for k, v in over.items() if v is not None})
    sc = sc.model_copy(update={"finance": fs})
    small = simulate_scenario(sc, cat, draws=50, seed=1)
    summarise_money(
        run_money(sc, cat, small), cat, np.random.default_rng(2), drawn=money_facts(small)
    )
    t0 = time.perf_counter()
    ph = simulate_scenario(sc, cat, draws=draws, seed=1)
    sim = time.perf_counter() - t0
    dw = draws * ph.sizes["week"]
    for _ in range(max(1, args.repeat)):
        t0 = time.perf_counter()
        fin = run_money(sc, cat, ph)
        led = time.perf_counter() - t0
        summarise_money(fin, cat, np.random.default_rng(2), drawn=money_facts(ph))
        tot = time.perf_counter() - t0
        print(
            f"{args.simulated}: {draws} simulated draws × {ph.sizes['week']} weeks (simulated in "
            f"{sim:.1f} s, not timed): ledger {led:.2f} s, ledger + money {tot:.2f} s = "
            f"{dw / tot:,.0f} draw-weeks/s"
        )


def funding_loop(draws: int, weeks: int) -> None:
    """CPU seconds of ``fund_paths`` (every tracked entity) with the compiled kernel and with
    the NumPy twin, after a warm-up, and of importing numba with the cached kernel (its first call,
    in a fresh interpreter): the twin pays below the draws where kernel + import < twin."""
    import subprocess

    from gigafactory.finance import channels
    from gigafactory.finance.money import fund_paths

    cat = load_catalog()
    fin = run_finance(
        synthetic_physical(draws, weeks), FinanceSettings(), cat, np.random.default_rng(1)
    )
    cpu: dict[bool, float] = {}
    for kernel in (True, False):
        channels.use_kernel = lambda d, k=kernel: k  # type: ignore[misc]
        fund_paths(fin.isel(draw=slice(0, 20)), cat, np.random.default_rng(2), 0.0, None, 1)
        t0 = time.process_time()
        fund_paths(fin, cat, np.random.default_rng(2), 0.0, None, 1)
        cpu[kernel] = time.process_time() - t0
    code = (  # the import and the first call, which loads the cached machine code
        "import time, numpy as np, gigafactory.pipeline\n"
        "from gigafactory.finance import channels as c\n"
        "c.use_kernel = lambda d: True\n"
        "one, t = np.ones(2), time.process_time()\n"
        "c.fund_path(np.zeros((2, 3)), one, one, [c.Channel('revolver', one, one)], "
        "np.array([2026, 2026, 2027]))\n"
        "print(time.process_time() - t)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    load = float(run.stdout.strip())
    print(
        f"funding loop, {draws} draws × {weeks} weeks × {fin.sizes['entity']} entities (CPU s): "
        f"kernel {cpu[True]:.2f}, NumPy twin {cpu[False]:.2f} "
        f"({cpu[False] / max(cpu[True], 1e-9):.1f}×); numba import + cached kernel's first call {load:.2f}; "
        f"kernel + import {'<' if cpu[True] + load < cpu[False] else '≥'} twin"
    )


if __name__ == "__main__":
    main()
