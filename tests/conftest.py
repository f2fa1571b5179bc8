"""Shared fixtures: the shipped catalog and small compiled runs of the presets."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gigafactory import compile_inputs, load_catalog, load_scenario, simulate
from gigafactory.catalog.schema import Catalog
from gigafactory.supply import ModelInputs

#: Absolute tolerance on IT GW balances (the engine carries float64 inside, float32 out).
GW_TOL = 1e-3


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def announced_inputs(catalog: Catalog) -> ModelInputs:
    return compile_inputs(load_scenario("announced", catalog), catalog, draws=64, seed=7)


@pytest.fixture(scope="session")
def industry_inputs(catalog: Catalog) -> ModelInputs:
    return compile_inputs(load_scenario("industry", catalog), catalog, draws=64, seed=7)


@pytest.fixture(scope="session")
def announced_run(announced_inputs: ModelInputs):  # type: ignore[no-untyped-def]
    return simulate(announced_inputs)


@pytest.fixture(scope="session")
def announced_cli_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, int, str]:
    """``run announced --draws 40 --seed 3 --out OUT --store STORE`` once for the session.

    test_cli's ``announced`` case and test_regions read the same files: a run with ``--out``
    costs ~15 s of CPU (about half of it the report and charts).  Returns ``(out, store,
    exit code, output)``; tests only read the files.
    """
    from typer.testing import CliRunner

    from gigafactory.cli import app

    tmp = tmp_path_factory.mktemp("announced-cli")
    out, store = tmp / "out", tmp / "runs.duckdb"
    args = ["run", "announced", "--draws", "40", "--seed", "3", "--out", str(out)]
    res = CliRunner().invoke(app, [*args, "--store", str(store)])
    return out, store, res.exit_code, res.output


#: Debian's Chromium, launched headless by Playwright (it cannot download its own browser here).
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
_NO_BROWSER = (
    "headless Chromium is needed for the browser tests: `make browser` installs Debian's "
    "chromium (as root: apt-get install chromium)"
)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """A headless Chromium for the whole session.

    Outside CI a machine without Chromium skips the browser tests; in CI (``CI`` set) that
    is a failure, so the browser tests can never be skipped silently where they must run.
    """
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but chromium was not found: {_NO_BROWSER}")
        pytest.skip(_NO_BROWSER)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Exception as exc:
            if os.environ.get("CI"):
                pytest.fail(
                    f"CI is set but chromium ({CHROMIUM}) did not start: {exc}. {_NO_BROWSER}"
                )
            pytest.skip(f"chromium ({CHROMIUM}) did not start: {exc}")
        yield browser
        browser.close()
