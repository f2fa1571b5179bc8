"""Compare two runs through the HTTP API, as a notebook would with ``httpx``.

Starts ``gigafactory serve`` in this process on 127.0.0.1 (a free port, a temporary run store),
queues two runs (the ``announced`` preset and a variant with slower transformer supply),
waits for both, and prints the differences the Compare page ranks, largest first in each unit.
Against a server you started yourself (``gigafactory serve``), only the ``httpx`` part is needed.

    python examples/compare_runs.py           # 200 draws (GIGAFACTORY_EXAMPLE_DRAWS to change)
"""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from gigafactory.web.app import create_app

DRAWS = int(os.environ.get("GIGAFACTORY_EXAMPLE_DRAWS", "200"))
SLOWER = """name: slower-transformers
extends: announced
overrides:
  tiers.transformers.capacity.growth_after_pct_per_yr: 5
  tiers.transformers.params.mw_per_unit: 80
"""


def start_server(store: Path) -> tuple[uvicorn.Server, str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(store), log_level="warning"))
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    while not server.started:
        time.sleep(0.1)
    return server, f"http://127.0.0.1:{sock.getsockname()[1]}"


def wait(client: httpx.Client, job: str) -> dict:
    while (state := client.get(f"/runs/{job}").json())["status"] not in ("done", "failed"):
        time.sleep(1)
    if state["status"] == "failed":
        raise SystemExit(f"run {job} failed: {state['error']}")
    return state


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server, url = start_server(Path(tmp) / "runs.duckdb")
        with httpx.Client(base_url=url, timeout=60) as client:
            jobs = [
                client.post("/runs", json={"scenario": s, "draws": DRAWS, "seed": 1}).json()["id"]
                for s in ("announced", SLOWER)
            ]
            a, b = (wait(client, j)["run_id"] for j in jobs)
            diff = client.get("/compare", params={"ids": [a, b]}).json()["diffs"][0]
        server.should_exit = True

    print(f"run {a} (announced) → run {b} (slower transformers), {DRAWS} draws each")
    for row in (r for r in diff["inputs"] if "overrides." in r["key"]):
        print(f"  input  {row['key']}: {row['a']} → {row['b']}")
    shown: dict[str, int] = {}
    for d in diff["differences"]:
        if d["unit"] in ("GW", "USD billions") and shown.get(d["unit"], 0) < 3:
            shown[d["unit"]] = shown.get(d["unit"], 0) + 1
            print(
                f"  output {d['metric']}: {d['a']:.2f} → {d['b']:.2f} {d['unit']} ({d['delta']:+.2f})"
            )


if __name__ == "__main__":  # runs start in child processes, which import this file
    main()
