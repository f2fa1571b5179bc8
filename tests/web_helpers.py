"""Helpers for the web tests: a real uvicorn server on a free loopback port, stored example runs."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from fixtures import example_finance, example_physical, example_summary
from gigafactory.results.store import RunStore
from gigafactory.web.api import Settings
from gigafactory.web.app import create_app

#: how long a test waits for a real run to finish (the machine is small and shared)
RUN_TIMEOUT_S = 600.0


@contextlib.contextmanager
def running_server(
    store: Path, *, token: str | None = None, settings: Settings | None = None
) -> Iterator[str]:
    """Serve ``create_app`` with uvicorn on 127.0.0.1 (a free port); yield its base URL."""
    app = create_app(store, token=token, settings=settings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def save_example_run(store: Path, seed: int, *, scale: float = 1.0, name: str = "example") -> str:
    """Store a synthetic run (no simulation: fast) and return its id."""
    ds = example_physical(draws=24, seed=seed)
    for v in ("it_gw_online", "facility_gw_online"):
        ds[v] = ds[v] * scale
    return RunStore(store).save_run(
        example_summary(ds),
        scenario_yaml=f"name: {name}\ndraws: 24\nseed: {seed}\n",
        physical=ds,
        finance=example_finance(ds),
        scenario=name,
        seed=seed,
        draws=24,
    )


def wait_done(client: httpx.Client, job_id: str, timeout: float = RUN_TIMEOUT_S) -> dict[str, Any]:
    """Poll ``GET /runs/{id}`` until the job is done or failed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state: dict[str, Any] = client.get(f"/runs/{job_id}").json()
        if state["status"] in ("done", "failed"):
            return state
        time.sleep(0.5)
    raise TimeoutError(f"run {job_id} not done after {timeout:.0f} s")
