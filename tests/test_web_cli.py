"""``gigafactory serve`` as a process, and ``runs export --csv | --xlsx``."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openpyxl
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from gigafactory.errors import GigafactoryError
from gigafactory.results.export import TABLES
from web_helpers import save_example_run

SRC = Path(__file__).resolve().parents[1] / "src"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[tuple[list[str], Path]]:
    procs: list[subprocess.Popen[str]] = []
    env = os.environ | {"PYTHONPATH": str(SRC), "PYTHONUNBUFFERED": "1"}

    def start(*args: str) -> tuple[str, str]:
        port = free_port()
        cmd = [sys.executable, "-m", "gigafactory.web", "--port", str(port), *args]
        cmd += ["--store", str(tmp_path / "runs.duckdb")]
        p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True)
        procs.append(p)
        assert p.stdout is not None
        banner = p.stdout.readline()
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(f"{url}/favicon.ico", timeout=2)
                return url, banner
            except httpx.HTTPError:
                if time.monotonic() > deadline or p.poll() is not None:
                    raise RuntimeError(f"serve did not start: {banner}") from None
                time.sleep(0.3)

    yield start  # type: ignore[misc]
    for p in procs:
        p.terminate()
        p.wait(timeout=30)
        if p.stdout is not None:
            p.stdout.close()


def test_serve_defaults_to_loopback_without_token(serve) -> None:  # type: ignore[no-untyped-def]
    url, banner = serve()
    assert f"open {url}/ " in banner
    assert httpx.get(f"{url}/runs").status_code == 200
    assert "gigafactory" in httpx.get(f"{url}/").text


def test_serve_with_host_requires_a_token(serve) -> None:  # type: ignore[no-untyped-def]
    url, banner = serve("--host", "127.0.0.1")
    token = re.search(r"\?token=([\w-]+)", banner)
    assert token, banner
    assert httpx.get(f"{url}/runs").status_code == 401
    ok = httpx.get(f"{url}/runs", headers={"Authorization": f"Bearer {token.group(1)}"})
    assert ok.status_code == 200


def cli() -> typer.Typer:
    from gigafactory.cli import app

    return app


def test_runs_export_csv_and_xlsx(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    rid = save_example_run(store, 3)
    book = tmp_path / "run.xlsx"
    res = CliRunner().invoke(
        cli(),
        [
            "runs",
            "export",
            rid,
            "--csv",
            str(tmp_path / "csv"),
            "--xlsx",
            str(book),
            "--store",
            str(store),
        ],
    )
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == sorted(
        f"{t}.csv" for t in TABLES
    )
    years = pd.read_csv(tmp_path / "csv" / "years.csv")
    assert list(years["year"]) == sorted(years["year"])
    assert openpyxl.load_workbook(book, read_only=True).sheetnames == list(TABLES)
    facts = pd.read_excel(book, sheet_name="assumptions")
    assert {"path", "value", "unit", "low", "high", "as_of", "confidence", "source"} <= set(facts)


def test_runs_export_needs_a_format(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    rid = save_example_run(store, 3)
    res = CliRunner().invoke(cli(), ["runs", "export", rid, "--store", str(store)])
    assert isinstance(res.exception, GigafactoryError)
    assert "--csv DIR, --xlsx FILE or --parquet DIR" in str(res.exception)
