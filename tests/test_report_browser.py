"""The report in a real headless Chromium (Playwright driving Debian's chromium), offline.

Each test opens the report from disk (file://) with every non-file request aborted and
recorded, then checks: no JavaScript error, no network request, every chart drawn (each
plotly div holds an ``svg.main-svg``), and saves a full-page screenshot under test-artifacts/.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from fixtures import example_finance, example_physical, example_summary, with_regions
from gigafactory.catalog import load_catalog
from gigafactory.report import write_report, write_stored_report
from gigafactory.results.store import RunStore
from test_report import ALL_CHARTS

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@dataclass
class PageCheck:
    """What one page load produced."""

    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    charts: dict[str, bool] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def browser(chromium: Any) -> Any:
    return chromium


def open_report(browser: Any, path: Path, screenshot: str) -> PageCheck:
    """Load ``path`` offline, wait until every chart is drawn, screenshot it, report what happened."""
    check = PageCheck()
    context = browser.new_context(viewport={"width": 1400, "height": 900}, service_workers="block")
    page = context.new_page()
    page.on("pageerror", lambda e: check.errors.append(f"pageerror: {e}"))
    page.on(
        "console",
        lambda m: check.errors.append(f"console: {m.text}") if m.type == "error" else None,
    )

    def route(r: Any) -> None:
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            check.requests.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    try:
        # hang guards, not speed limits: a 5 MB report on a loaded 2-core machine took > 30 s
        page.goto(path.resolve().as_uri(), wait_until="load", timeout=180_000)
        page.wait_for_function("window.gigafactoryReady === true", timeout=180_000)
        check.charts = page.evaluate(
            """() => Object.fromEntries(Array.from(document.querySelectorAll('.js-plotly-plot'))
                 .map(g => [g.id.replace(/^chart-/, ''), g.querySelector('svg.main-svg') !== null
                             && g.getBoundingClientRect().width > 200]))"""
        )
        check.missing = page.eval_on_selector_all(
            "[data-missing]", "els => els.map(e => e.dataset.missing)"
        )
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / screenshot), full_page=True)
    finally:
        context.close()
    return check


def assert_clean(check: PageCheck, expected: set[str]) -> None:
    assert check.errors == []
    assert check.requests == [], "the report must open with no network"
    assert set(check.charts) == expected
    assert all(check.charts.values()), (
        f"not drawn: {[k for k, ok in check.charts.items() if not ok]}"
    )


@dataclass(frozen=True)
class FakePlan:
    schedule: xr.Dataset
    bottlenecks: pd.DataFrame


def test_synthetic_report_draws_every_chart_offline(browser: Any, tmp_path: Path) -> None:
    ds = with_regions(example_physical(draws=48, seed=4))
    weeks = ds["week"].values[::13]
    plan = FakePlan(
        schedule=xr.Dataset(
            {"facility_gw_online": ("week", np.linspace(1, 60, len(weeks)))}, coords={"week": weeks}
        ),
        bottlenecks=pd.DataFrame(
            {
                "constraint": ["cap-cowos", "cap-grid"],
                "period": ["2027Q1", "2029Q3"],
                "shadow_price": [0.42, 1.7],
                "unit": ["GW per 1k wafers/month", "GW per GW"],
            }
        ),
    )
    path = write_report(
        tmp_path / "report.html",
        physical=ds,
        summary=example_summary(ds),
        scenario_yaml="name: example\n",
        catalog=load_catalog(),
        finance=example_finance(ds),
        plan=plan,
    )
    check = open_report(browser, path, "report-synthetic.png")
    assert_clean(
        check,
        set(ALL_CHARTS),
    )
    assert check.missing == []


def test_stored_report_without_finance_says_what_is_missing(browser: Any, tmp_path: Path) -> None:
    ds = example_physical(draws=24, seed=5)
    store = RunStore(tmp_path / "runs.duckdb")
    rid = store.save_run(
        example_summary(ds, finance=False), scenario_yaml="name: example\n", physical=ds
    )
    path = write_stored_report(
        tmp_path / "stored.html", run=store.get_run(rid), catalog=load_catalog()
    )
    check = open_report(browser, path, "report-stored-no-finance.png")
    assert_clean(check, {"gw-online", "gw-added", "binding", "inventories", "sites"})
    # a run saved without region results says so (regions and energy)
    assert set(check.missing) == {
        "regions",
        "energy",
        "cash",
        "funding-gap",
        "flows",
        "finance-tables",
        "bottlenecks",
        "partners",  # the partners view reads the ledger
    }


@pytest.mark.slow
def test_real_announced_preset_report(
    browser: Any, announced_cli_run: tuple[Path, Path, int, str]
) -> None:
    """The report ``run announced --out`` wrote (the session's shared run, conftest)."""
    out, _, code, output = announced_cli_run
    assert code == 0, output
    check = open_report(browser, out / "report.html", "report-announced.png")
    assert_clean(  # a real 2025 start has back-test years (2025) the synthetic run lacks
        check,
        (set(ALL_CHARTS) | {"backtest"}) - {"bottlenecks"},
    )
    assert set(check.missing) == {"bottlenecks"}


def test_the_network_check_is_not_vacuous(browser: Any, tmp_path: Path) -> None:
    page = tmp_path / "fetches.html"
    page.write_text(
        "<html><head><script>window.gigafactoryReady = true;</script></head>"
        '<body><img src="https://example.com/x.png"></body></html>'
    )
    check = open_report(browser, page, "network-check.png")
    assert check.requests == ["https://example.com/x.png"]
