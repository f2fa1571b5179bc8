"""Benchmark the supply engine on the ``industry`` preset, 2025–2035 (574 weeks).

For 1,000, 10,000 and 100,000 draws: seconds and draw-weeks per second for ``simulate`` on
compiled inputs (after a warm-up), compile time, and the peak resident memory of the whole
run (each size in a fresh process, so peaks do not mix).  100,000 draws run batch by batch
through ``simulate_scenario`` keeping only the headline variables (aggregate as you go).

    python benchmarks/bench_simulate.py            # the full table (about a minute)
    python benchmarks/bench_simulate.py --smoke    # 1,000 draws, for CI
    python benchmarks/bench_simulate.py --json     # machine-readable
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from typing import Any

from gigafactory import compile_inputs, load_catalog, load_scenario, simulate
from gigafactory.pipeline import simulate_scenario

PRESET = "industry"
KEEP = ("it_gw_online", "facility_gw_added", "h100e_online_m", "binding")


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


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--smoke", action="store_true", help="1,000 draws only (CI)")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child process measuring one size
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
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
