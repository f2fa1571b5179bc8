"""``gigafactory backtest`` and ``gigafactory studies``: the contract rows, their arithmetic,
the chart, and the README table generated from the tests' own figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gigafactory.cli import app
from gigafactory.errors import GigafactoryError
from gigafactory.studies.backtest import EPOCH_CUM_H100E_M, OPENAI_ACTUALS, sold_before
from gigafactory.studies.figures import FIGURES, STUDY_PRESETS
from gigafactory.studies.runs import cached_run
from gigafactory.studies.table import figure_rows, fmt, markdown_table

runner = CliRunner()
KEYS = {"metric", "year", "actual", "model_p50", "error_pct"}


def _json(args: list[str]) -> list[dict[str, object]]:
    res = runner.invoke(app, ["backtest", *args, "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert isinstance(rows, list)
    return rows


def test_backtest_chip_sales_from_2023() -> None:
    """ai-2027 starts in 2023 from the end-2022 fleet: every designer-year Epoch records, with
    error_pct = 100 (model − actual) / actual; Nvidia's cumulative 2025 within ±20 %."""
    rows = _json(["ai-2027", "--draws", "40"])
    want = {(f"h100e_sold_cum_m:{d}", y) for d, s in EPOCH_CUM_H100E_M.items() for y in s}
    assert {(r["metric"], r["year"]) for r in rows} == want
    for r in rows:
        assert set(r) == KEYS
        m, a = float(r["model_p50"]), float(r["actual"])  # type: ignore[arg-type]
        assert r["error_pct"] == pytest.approx(100 * (m - a) / a, abs=0.06)
    nv = next(r for r in rows if r["metric"] == "h100e_sold_cum_m:nvidia" and r["year"] == 2025)
    assert abs(float(nv["error_pct"])) <= 20  # type: ignore[arg-type]


def test_backtest_openai_compute_and_revenue() -> None:
    """openai-statements starts from the recorded end-2024 fleet: only 2025 is back-tested;
    1.9 GW and $20B ARR within ±25 %."""
    rows = _json(["openai-statements", "--draws", "30"])
    assert {r["year"] for r in rows} == {2025}
    assert {r["metric"] for r in rows} == {f"{k}:openai" for k in OPENAI_ACTUALS}
    for r in rows:
        assert abs(float(r["error_pct"])) <= 25, r  # type: ignore[arg-type]


def test_backtest_table_and_chart(tmp_path: Path) -> None:
    out = tmp_path / "bt.html"
    res = runner.invoke(app, ["backtest", "openai-statements", "--draws", "20", "--html", str(out)])
    assert res.exit_code == 0, res.output
    assert "Back-test" in res.output and "it_gw_online:openai" in res.output
    html = out.read_text()
    assert "plotly" in html and "revenue_usd_b:openai 2025" in html


def test_backtest_bad_preset_is_one_message() -> None:
    res = runner.invoke(app, ["backtest", "ai-2072", "--json"])
    assert isinstance(res.exception, GigafactoryError)
    assert "ai-2027" in str(res.exception)  # did-you-mean / the presets list


def test_sold_before_the_start() -> None:
    """A 2023 start adds Nvidia's 2022 sales; a 2025 start adds each designer's end-2024 total."""
    assert sold_before("nvidia", 2023) == 0.29
    assert sold_before("amd", 2025) == 0.55
    assert sold_before("amd", 2024) == 0.0


def test_studies_markdown_is_the_tests_figures() -> None:
    """One row per figure of FIGURES, the model value the tests read (same runs)."""
    rows = figure_rows(100, 11)
    md = markdown_table(rows)
    lines = md.splitlines()
    assert len(lines) == 2 + len(FIGURES)
    f = next(f for f in FIGURES if f.study == "epoch-2030")
    run = cached_run("epoch-2030", 100, 11, STUDY_PRESETS["epoch-2030"])
    value = f.model(lambda p: run if p == "epoch-2030" else cached_run(p, 100, 11))
    assert f"| {fmt(value)} |" in lines[2 + FIGURES.index(f)]
    assert sum("not reached" in r["status"] or "outside" in r["status"] for r in rows) == sum(
        1 for f in FIGURES if f.gap
    )


def test_report_chart_when_the_summary_has_a_backtest() -> None:
    """summary.json carries ``backtest`` rows (with a catalog); the report draws them."""
    from gigafactory.report.html import _backtest_chart

    rows = [
        {
            "metric": "it_gw_online:openai",
            "year": 2025,
            "actual": 1.9,
            "model_p50": 1.85,
            "error_pct": -2.6,
            "source": "x",
        },
    ]
    html = _backtest_chart({"scenario": "s", "backtest": rows})
    assert html is not None and 'id="chart-backtest"' in html and "it_gw_online:openai 2025" in html
    assert _backtest_chart({"scenario": "s"}) is None


def test_studies_cli_one_study_with_the_mechanisms() -> None:
    res = runner.invoke(app, ["studies", "--study", "epoch-2030"])
    assert res.exit_code == 0, res.output
    assert "inside" in res.output and "FLOP" in res.output and "mechanisms" in res.output
    bad = runner.invoke(app, ["studies", "--study", "epoch2030"])
    assert isinstance(bad.exception, GigafactoryError) and "epoch-2030" in str(bad.exception)


def test_fmt() -> None:
    assert fmt(5200.0) == "5,200" and fmt(2.0196864e29) == "2.02e+29" and fmt(0.161) == "0.161"
