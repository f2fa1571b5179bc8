"""Charts of data-centre load and energy by region, from ``summary.json`` ``years[Y]``.

Stacked bars of each region's median (AI + conventional load), with the median of the total
as a marker: the medians of the regions need not add up to the median of the total.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go

from .charts import new_figure
from .data import ReportData

#: region colours: US grid regions in blues/greens, the rest in warm colours
REGION_COLOURS: dict[str, str] = {
    "us-pjm": "#1f4e79",
    "us-ercot": "#4c78a8",
    "us-miso": "#72b7b2",
    "us-wecc": "#54a24b",
    "us-other": "#9ecae9",
    "china": "#e45756",
    "europe": "#b279a2",
    "apac": "#f58518",
    "gulf": "#eeca3b",
    "row": "#9d755d",
}
#: summary key → (what, unit)
_WHAT = {
    "facility_gw_online_by_region": ("Data-centre load online by region", "facility GW"),
    "energy_twh": ("Data-centre electricity by region", "TWh/yr"),
}


def _medians(summary: Mapping[str, Any], key: str) -> tuple[list[str], dict[str, list[float]]]:
    years = sorted(
        y for y, v in (summary.get("years") or {}).items() if isinstance(v.get(key), Mapping)
    )
    cols: dict[str, list[float]] = {}
    for y in years:
        for region, q in summary["years"][y][key].items():
            cols.setdefault(region, []).append(float(q["p50"]))
    return years, cols


def chart_by_region(d: ReportData, key: str) -> go.Figure | None:
    """Stacked median by region of ``key`` per year (AI + conventional), the total marked."""
    years, cols = _medians(d.summary, key)
    if not years:
        return None
    what, unit = _WHAT[key]
    ai = d.summary["years"][years[-1]].get(f"ai_{key}", {})
    fig = new_figure()
    for region, values in cols.items():
        if region == "total":
            continue
        fig.add_trace(
            go.Bar(
                x=years,
                y=values,
                name=region,
                marker_color=REGION_COLOURS.get(region, "#bab0ac"),
                hovertemplate=f"{region}: %{{y:,.1f}} {unit} (median)<extra></extra>",
            )
        )
    if "total" in cols:
        fig.add_trace(
            go.Scatter(
                x=years,
                y=cols["total"],
                mode="markers",
                marker={"symbol": "line-ew-open", "size": 18, "color": "#222"},
                name="total (median)",
            )
        )
    draws = d.summary.get("draws", "?")
    # a buyer's fleet is AI alone: conventional load is added in industry scope only
    industry = d.summary.get("scope") == "industry"
    load = "AI + conventional" if industry else "AI fleet"
    note = (
        f", AI alone {ai['total']['p50']:,.0f} in {years[-1]}" if industry and "total" in ai else ""
    )
    fig.update_layout(
        barmode="stack",
        height=400,
        margin={"l": 60, "r": 20, "t": 60, "b": 40},
        legend={"orientation": "h", "y": -0.15},
        title=f"{what} ({unit}, {load}, median{note})<br>"
        f"<sup>scenario {d.summary.get('scenario', '?')}, {draws} draws</sup>",
        yaxis_title=unit,
    )
    return fig


def chart_load_by_region(d: ReportData) -> go.Figure | None:
    return chart_by_region(d, "facility_gw_online_by_region")


def chart_energy_by_region(d: ReportData) -> go.Figure | None:
    return chart_by_region(d, "energy_twh")
