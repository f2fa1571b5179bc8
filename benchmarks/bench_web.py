"""Benchmark ``gigafactory serve`` under load: 4 clients start runs while one user browses.

Starts the server as its own process on 127.0.0.1 (a free port, a temporary run store), then
``--clients`` threads each POST a run of the ``announced`` preset and poll it to the end, while
one browsing thread keeps reading ``GET /runs/{id}`` (of a queued, running or finished run),
``GET /runs`` and a stored series.  Prints every run's fate (none may be lost), the latency
percentiles of ``GET /runs/{id}`` and of the other reads, and runs per minute.
``--smoke``: 2 clients × 10 draws per run (CI: proves it runs, two runs still queue behind
one server worker); default 4 clients × 200 draws.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_server(store: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "gigafactory.web", "--port", str(port), "--store", str(store)]
    cmd += ["--workers", str(workers), "--max-draws", "2000"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, env=os.environ.copy())
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("the server did not start within 120 s")


def client(url: str, draws: int, seed: int, out: dict[int, dict[str, object]]) -> None:
    """Start one run and poll it until it is done or failed."""
    with httpx.Client(base_url=url, timeout=60) as c:
        t0 = time.perf_counter()
        job = c.post("/runs", json={"scenario": "announced", "draws": draws, "seed": seed}).json()
        out[seed] = {"id": job["id"], "status": "queued"}
        while True:
            state = c.get(f"/runs/{job['id']}").json()
            if state["status"] in ("done", "failed"):
                out[seed] = {**state, "wall_s": time.perf_counter() - t0}
                return
            time.sleep(0.5)


def browse(url: str, ids: list[str], stop: threading.Event, lat: dict[str, list[float]]) -> None:
    """Read like a user clicking around, timing every request (milliseconds)."""

    def timed(c: httpx.Client, path: str, key: str) -> None:
        t0 = time.perf_counter()
        c.get(path).raise_for_status()
        lat.setdefault(key, []).append(1000 * (time.perf_counter() - t0))

    with httpx.Client(base_url=url, timeout=60) as c:
        i = 0
        while not stop.is_set():
            target = ids[i % len(ids)]
            timed(c, f"/runs/{target}", "GET /runs/{id}")
            timed(c, "/runs", "GET /runs")
            if not target.startswith("job-"):
                timed(c, f"/runs/{target}/series/facility_gw_online", "GET series")
            i += 1
            time.sleep(0.1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--clients", type=int, default=None, help="default 4 (--smoke: 2)")
    ap.add_argument("--draws", type=int, default=200)
    ap.add_argument("--workers", type=int, default=1, help="server: runs at once")
    ap.add_argument("--smoke", action="store_true", help="2 clients × 10 draws, for CI")
    args = ap.parse_args()
    if args.clients is None:
        args.clients = 2 if args.smoke else 4
    draws = 10 if args.smoke else args.draws
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = start_server(Path(tmp) / "runs.duckdb", port, args.workers)
        try:
            runs: dict[int, dict[str, object]] = {}
            lat: dict[str, list[float]] = {}
            stop = threading.Event()
            threads = [
                threading.Thread(target=client, args=(url, draws, seed, runs))
                for seed in range(args.clients)
            ]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            while len(runs) < args.clients:
                time.sleep(0.05)
            ids = [str(r["id"]) for r in runs.values()]
            browser = threading.Thread(target=browse, args=(url, ids, stop, lat))
            browser.start()
            for t in threads:
                t.join()
            total = time.perf_counter() - t0
            # keep browsing finished runs for a moment (their reads hit the store)
            ids[:] = [str(r["run_id"]) for r in runs.values() if r.get("run_id")]
            time.sleep(2)
            stop.set()
            browser.join()
        finally:
            server.terminate()
            server.wait(timeout=30)
    report(runs, lat, total, draws, args)


def report(
    runs: dict[int, dict[str, object]],
    lat: dict[str, list[float]],
    total: float,
    draws: int,
    args: argparse.Namespace,
) -> None:
    done = [r for r in runs.values() if r["status"] == "done"]
    print(
        f"{args.clients} clients × 1 run of 'announced', {draws} draws, server workers "
        f"{args.workers}: {len(done)}/{args.clients} done, "
        f"{args.clients - len(done)} failed or lost; {total:.1f} s in all, "
        f"{60 * len(done) / total:.1f} runs/minute"
    )
    for r in runs.values():
        print(f"  {r['id']} → {r.get('run_id')} {r['status']} in {float(r.get('wall_s', 0)):.1f} s")
    for key, ms in lat.items():
        a = np.asarray(ms)
        print(
            f"{key:16} n={a.size:4d}  p50 {np.percentile(a, 50):7.1f} ms  "
            f"p95 {np.percentile(a, 95):7.1f} ms  max {a.max():7.1f} ms"
        )
    if len(done) != args.clients:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
