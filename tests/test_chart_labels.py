"""Chart titles name the scenario and the draws; sweep and Sobol' charts use plain labels with
units, not variable paths; one number format per unit (issue 12, part 3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from fixtures import FakePlan, example_finance, example_physical, example_summary
from gigafactory.catalog import load_catalog
from gigafactory.labels import fmt, label_of, unit_of
from gigafactory.report import charts, static
from gigafactory.report.data import ReportData, from_results
from gigafactory.report.sweep_charts import chart_heatmap, chart_indices

YAML = "name: example\nseed: 1\n"
CHARTS = [getattr(charts, n) for n in dir(charts) if n.startswith("chart_")]


@pytest.fixture(scope="module")
def data() -> ReportData:
    physical: xr.Dataset = example_physical(draws=24, seed=3)
    weeks = physical["week"].values[::13]
    return from_results(
        physical=physical,
        summary=example_summary(physical),
        scenario_yaml=YAML,
        catalog=load_catalog(),
        finance=example_finance(physical),
        plan=FakePlan(
            schedule=xr.Dataset(
                {"facility_gw_online": ("week", np.linspace(1, 60, len(weeks)))},
                coords={"week": weeks},
            ),
            bottlenecks=pd.DataFrame(
                {
                    "constraint": ["cap-cowos", "cap-grid"],
                    "period": ["2027Q1", "2029Q3"],
                    "shadow_price": [0.42, 1.7],
                    "unit": ["GW per 1k wafers/month", "GW per GW"],
                }
            ),
        ),
    )


def test_every_plotly_chart_title_names_scenario_and_draws(data: ReportData) -> None:
    drawn = [f for f in (c(data) for c in CHARTS) if f is not None]
    assert len(drawn) >= 6  # the fixture has physical, finance and plan results
    for fig in drawn:
        assert "example — 24 draws" in fig.layout.title.text, fig.layout.title.text
        assert "cash_usd_b" not in fig.layout.title.text


def test_every_png_title_names_scenario_and_draws(
    data: ReportData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    figures: list[Any] = []
    canvas = static.FigureCanvasAgg

    def record(fig: Any) -> Any:  # every figure write_pngs draws gets its canvas here
        figures.append(fig)
        return canvas(fig)

    monkeypatch.setattr(static, "FigureCanvasAgg", record)
    written = static.write_pngs(data, tmp_path / "png")
    titles = [ax.get_title() for fig in figures for ax in fig.axes if ax.get_title()]
    assert len(written) >= 5 and len(titles) >= len(written)
    assert all(t.endswith("example — 24 draws") for t in titles), titles


def test_sweep_heatmap_and_indices_use_plain_labels() -> None:
    cat = load_catalog()
    x, y = "tiers.transformers.params.mw_per_unit", "tiers.transformers.capacity"
    metric = "years.2030.it_gw_online.p50"
    df = pd.DataFrame({x: [60.0, 60.0, 250.0, 250.0], y: [1.0, 2.0, 1.0, 2.0]})
    df[metric] = [10.0, 12.0, 20.0, 24.0]
    fig = chart_heatmap(df, x, y, metric, subtitle="announced — 4 points", catalog=cat)
    text = " ".join(
        [fig.layout.title.text, fig.layout.xaxis.title.text, fig.layout.yaxis.title.text]
    )
    assert "tiers." not in text and "years." not in text
    assert "Large power transformers supply (units/yr)" in text
    assert "IT GW online, 2030 median (GW)" in text and "announced — 4 points" in text
    table = pd.DataFrame(
        {
            "input": ["transformers (units/yr × MW/unit)", "tiers.cowos.capacity", "ai_demand"],
            **{c: [0.5, 0.2, 0.1] for c in ("S1", "S1_conf", "ST", "ST_conf")},
        }
    )
    fig = chart_indices({"it_gw_2030": table}, subtitle="announced — 64 base samples", catalog=cat)
    ys = [str(v) for tr in fig.data for v in tr.y]
    assert "Transformer supply (units/yr × MW per unit)" in ys
    assert "Advanced packaging (CoWoS) supply (wafers/month)" in ys
    assert not any(v.startswith(("tiers.", "transformers (")) for v in ys)
    assert "announced — 64 base samples" in fig.layout.title.text


def test_user_text_in_a_chart_title_is_escaped() -> None:
    df = pd.DataFrame({"a": [1.0, 2.0], "b": [1.0, 2.0], "m": [1.0, 2.0]})
    fig = chart_heatmap(df, "a", "b", "m", subtitle="<script>alert(1)</script>")
    assert "<script>" not in fig.layout.title.text


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (22.54, "GW", "22.5"),
        (0.1567, "GW/week", "0.16"),
        (1332.3, "$B", "1,332"),
        (0.56, "%", "56%"),
        (245.4, "weeks", "245"),
        (0.0041, "", "0.0041"),
        (None, "GW", "–"),
        (float("nan"), "$B", "–"),
    ],
)
def test_one_number_format_per_unit(value: Any, unit: str, text: str) -> None:
    assert fmt(value, unit) == text


def test_units_and_labels_of_paths() -> None:
    assert unit_of("years.2030.facility_gw_online.p50") == "GW"
    assert unit_of("finance.funding_gap_usd_b.p50") == "$B"
    assert label_of("cash_usd_b") == "Cash ($B)"
    assert label_of("buyers.openai.allocation.grid.points.2026-12", load_catalog()).startswith(
        "openai share of Grid interconnection"
    )
