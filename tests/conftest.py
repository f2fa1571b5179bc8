"""Shared fixtures: the shipped catalog and small compiled runs of the presets."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
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
