"""``runs delete`` asks first (and refuses without a terminal unless ``--yes``); ``catalog show``
finds an id in any case and suggests the nearest otherwise (issue 12, part 3)."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
import xarray as xr
from typer.testing import CliRunner

from fixtures import example_physical, example_summary
from gigafactory.cli import app
from gigafactory.results.store import RunStore

SRC = Path(__file__).parents[1] / "src"


@pytest.fixture(scope="module")
def physical() -> xr.Dataset:
    return example_physical(draws=8, seed=1)


def _store(tmp_path: Path, physical: xr.Dataset) -> tuple[Path, str]:
    path = tmp_path / "runs.duckdb"
    rid = RunStore(path).save_run(
        example_summary(physical, finance=False), scenario_yaml="name: x\n", physical=physical
    )
    return path, rid


def _ids(path: Path) -> list[str]:
    res = CliRunner().invoke(app, ["runs", "list", "--store", str(path), "--json"])
    return [r["run_id"] for r in json.loads(res.stdout)]


def test_delete_without_a_terminal_refuses_unless_yes(tmp_path: Path, physical: xr.Dataset) -> None:
    path, rid = _store(tmp_path, physical)
    res = CliRunner().invoke(app, ["runs", "delete", rid, "--store", str(path)])
    assert res.exit_code != 0 and "--yes" in str(res.exception) + res.output
    assert _ids(path) == [rid]  # nothing deleted
    res = CliRunner().invoke(app, ["runs", "delete", rid, "--store", str(path), "--yes"])
    assert res.exit_code == 0 and f"deleted run {rid}" in res.stdout
    assert _ids(path) == []


def test_delete_refusal_is_one_message_exit_2(tmp_path: Path, physical: xr.Dataset) -> None:
    path, rid = _store(tmp_path, physical)
    done = subprocess.run(
        [sys.executable, "-m", "gigafactory.cli", "runs", "delete", rid, "--store", str(path)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "add --yes" in done.stderr and rid in done.stderr
    assert _ids(path) == [rid]


def _answer(path: Path, rid: str, answer: bytes) -> tuple[int, str]:
    """Run ``runs delete`` on a pseudo-terminal and answer its question."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gigafactory.cli", "runs", "delete", rid, "--store", str(path)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 120  # a generous guard against a hang, not a speed check
    while b"[y/N]" not in seen and time.monotonic() < deadline and proc.poll() is None:
        if select.select([master], [], [], 1.0)[0]:
            seen += os.read(master, 4096)
    os.write(master, answer)
    code = proc.wait(timeout=120)
    try:
        while select.select([master], [], [], 0.2)[0]:
            seen += os.read(master, 4096)
    except OSError:  # the other end closed
        pass
    os.close(master)
    return code, seen.decode("utf-8", "replace")


def test_delete_asks_at_a_terminal(tmp_path: Path, physical: xr.Dataset) -> None:
    path, rid = _store(tmp_path, physical)
    code, out = _answer(path, rid, b"n\n")
    assert f"Delete run {rid}" in out and code == 1 and f"kept run {rid}" in out
    assert _ids(path) == [rid]
    code, out = _answer(path, rid, b"y\n")
    assert code == 0 and f"deleted run {rid}" in out
    assert _ids(path) == []


@pytest.mark.parametrize("item", ["gb200", "GB200", "Gb200", "accelerators.gb200"])
def test_catalog_show_finds_an_id_in_any_case(item: str) -> None:
    res = CliRunner().invoke(app, ["catalog", "show", item])
    assert res.exit_code == 0, res.output
    assert "accelerators.GB200" in res.stdout and "tdp_w" in res.stdout


def test_catalog_show_suggests_in_any_case() -> None:
    res = CliRunner().invoke(app, ["catalog", "show", "gb20"])
    assert res.exit_code != 0
    assert "did you mean 'GB200'" in str(res.exception)
