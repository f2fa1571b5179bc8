"""Interactive charts (plotly figures) built from a ``ReportData``.

Each ``chart_*`` function returns a figure, or ``None`` when the data it needs are absent —
the page then says what is missing instead of leaving a hole.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from html import escape
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..labels import label_of
from ..supply.inputs import TIERS
from .data import ReportData

#: One colour per tier, shared by the interactive and static charts.
TIER_COLOURS: dict[str, str] = {
    "logic_wafers": "#4c78a8",
    "cowos": "#f58518",
    "hbm": "#e45756",
    "orders": "#72b7b2",
    "rack_assembly": "#54a24b",
    "construction": "#eeca3b",
    "transformers": "#b279a2",
    "gas_turbines": "#ff9da6",
    "grid": "#9d755d",
    "money": "#bab0ac",
    "none": "#d9d9d9",
}
PALETTE = [
    "#4c78a8",
    "#f58518",
    "#54a24b",
    "#e45756",
    "#72b7b2",
    "#b279a2",
    "#eeca3b",
    "#9d755d",
    "#ff9da6",
]

#: the trace types the report draws (their defaults are all it needs of a template)
_TRACE_TYPES = ("scatter", "bar", "sankey")


@functools.cache
def report_template() -> go.layout.Template:
    """plotly_white's layout and its defaults for the report's trace types, built once.

    Naming ``"plotly_white"`` made plotly deep-copy the whole template (every trace type's
    defaults) into each figure, and ``go.Figure()`` first the default template as well.
    """
    import plotly.io as pio

    full = pio.templates["plotly_white"]
    return go.layout.Template(layout=full.layout, data={k: full.data[k] for k in _TRACE_TYPES})


def new_figure(*traces: Any) -> go.Figure:
    """A figure with the report's template (and ``traces``), without plotly's default one."""
    return go.Figure(data=list(traces), layout_template=report_template())


_LAYOUT: dict[str, Any] = {
    "margin": {"l": 60, "r": 20, "t": 40, "b": 40},
    "height": 380,
    "legend": {"orientation": "h", "y": -0.15},
    "hovermode": "x unified",
}


def run_subtitle(d: ReportData) -> str:
    """``announced — 2,000 draws``: what every chart title names beneath the quantity."""
    scenario = d.lineage.get("scenario") or d.summary.get("scenario") or "unnamed scenario"
    draws = str(d.lineage.get("draws") or d.summary.get("draws") or "")
    return f"{scenario} — {int(draws):,} draws" if draws.isdigit() else str(scenario)


def _titled(
    build: Callable[..., go.Figure | None],
) -> Callable[..., go.Figure | None]:
    """Add the run's scenario and draws beneath the title of the figure ``build`` returns."""

    @functools.wraps(build)
    def chart(d: ReportData, *args: Any, **kwargs: Any) -> go.Figure | None:
        fig = build(d, *args, **kwargs)
        if fig is not None:
            title = fig.layout.title.text or ""
            fig.update_layout(
                title=f"{title}<br><sup>{escape(run_subtitle(d))}</sup>",
                margin={"t": 70},
            )
        return fig

    return chart


def _rows_layout(n: int, *, least: int, top: int, per_row: int, left: int) -> dict[str, Any]:
    """Layout of a chart with one row per item (phases, constraints): ``height = max(least,
    top + per_row·n)`` px, a ``left`` px margin for the row names, the nearest point hovered."""
    return _LAYOUT | {
        "height": max(least, top + per_row * n),
        "hovermode": "closest",
        "margin": {"l": left, "r": 20, "t": 40, "b": 40},
    }


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def add_fan(
    fig: go.Figure, rows: pd.DataFrame, name: str, colour: str, *, band: bool = True
) -> None:
    """Add a p5–p95 band and the median line of one weekly quantile series.

    The columns go to plotly as NumPy arrays, not lists: plotly validates and deep-copies a
    list element by element (most of the report's CPU), an array in one step, and writes
    float arrays into the page as base64 typed arrays.
    """
    if rows.empty:
        return
    x = rows["week"].dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
    if band:
        fig.add_trace(
            go.Scatter(
                x=x,
                y=rows["p95"].to_numpy(dtype=np.float64),
                mode="lines",
                line={"width": 0},
                legendgroup=name,
                showlegend=False,
                hoverinfo="skip",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=rows["p5"].to_numpy(dtype=np.float64),
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor=_rgba(colour, 0.2),
                legendgroup=name,
                name=f"{name}, p5–p95",
                hoverinfo="skip",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=rows["p50"].to_numpy(dtype=np.float64),
            mode="lines",
            line={"color": colour, "width": 2},
            legendgroup=name,
            name=f"{name}, median",
        )
    )


@_titled
def chart_gw_online(d: ReportData) -> go.Figure | None:
    """GW online, facility and IT basis: median with the 90 % band over draws."""
    fac, it = d.fan("facility_gw_online"), d.fan("it_gw_online")
    if fac.empty and it.empty:
        return None
    fig = new_figure()
    add_fan(fig, fac, "facility GW", PALETTE[0])
    add_fan(fig, it, "IT GW", PALETTE[2])
    for var in ("facility_gw_online", "it_gw_online"):
        plan = d.fan(var, source="plan")
        if not plan.empty and d.main_source != "plan":
            fig.add_trace(
                go.Scatter(
                    x=plan["week"].dt.strftime("%Y-%m-%d").tolist(),
                    y=plan["p50"].tolist(),
                    mode="lines",
                    line={"dash": "dash", "color": "#333"},
                    name=f"planner optimum ({var})",
                )
            )
    fig.update_layout(**_LAYOUT, title="AI capacity online (GW)", yaxis_title="GW")
    return fig


@_titled
def chart_gw_added(d: ReportData) -> go.Figure | None:
    """GW added per week against the goal, on the goal's power basis."""
    var = "it_gw_added" if d.goal_basis == "it" else "facility_gw_added"
    rows, rate = d.fan(var), d.fan("build_rate_gw_per_week")
    if rows.empty and rate.empty:
        return None
    fig = new_figure()
    add_fan(fig, rate, "13-week mean", PALETTE[1])
    add_fan(fig, rows, "weekly", PALETTE[5], band=rate.empty)
    fig.add_hline(
        y=d.goal_gw_per_week,
        line={"color": "#c00", "dash": "dash"},
        annotation_text=f"goal {d.goal_gw_per_week:g} GW/week",
        annotation_position="top left",
    )
    reached = d.summary.get("gw_per_week_reached")
    if isinstance(reached, str) and reached:
        from ..timegrid import parse_when

        day = parse_when(reached).isoformat()
        fig.add_shape(
            type="line",
            x0=day,
            x1=day,
            y0=0,
            y1=1,
            yref="paper",
            line={"color": "#c00", "width": 1},
        )
        fig.add_annotation(
            x=day, y=1, yref="paper", text=f"goal reached {reached} (median)", showarrow=False
        )
    fig.update_layout(
        **_LAYOUT, title=f"New capacity per week ({d.goal_basis} GW/week)", yaxis_title="GW/week"
    )
    return fig


def quarterly_binding(binding: pd.DataFrame) -> pd.DataFrame:
    """Weekly binding shares averaged to quarters: index quarter start, one column per tier."""
    if binding.empty:
        return pd.DataFrame()
    b = binding.assign(
        quarter=(pd.to_datetime(binding["week"]) + pd.Timedelta(days=3))
        .dt.to_period("Q")
        .dt.start_time
    )
    table = b.pivot_table(
        index="quarter", columns="tier", values="share", aggfunc="mean", fill_value=0.0
    )
    order = [t for t in (*TIERS, "money", "none") if t in table.columns]
    return table[order + [c for c in table.columns if c not in order]]


@_titled
def chart_binding(d: ReportData) -> go.Figure | None:
    """Share of draws in which each tier limited additions, by quarter (stacked to 100 %)."""
    table = quarterly_binding(d.binding)
    if table.empty:
        return None
    fig = new_figure()
    x = [q.strftime("%Y-%m-%d") for q in table.index]
    for i, tier in enumerate(table.columns):
        fig.add_trace(
            go.Scatter(
                x=x,
                y=(100 * table[tier]).round(2).tolist(),
                mode="lines",
                stackgroup="one",
                name=str(tier),
                line={
                    "width": 0.5,
                    "color": TIER_COLOURS.get(str(tier), PALETTE[i % len(PALETTE)]),
                },
            )
        )
    fig.update_layout(
        **_LAYOUT,
        title="What binds: share of draws by limiting tier, per quarter",
        yaxis={"title": "% of draws", "range": [0, 100]},
    )
    return fig


@_titled
def chart_inventories(d: ReportData) -> go.Figure | None:
    """Goods produced but not yet useful, IT GW equivalent: chips waiting for power and kin."""
    names = {
        "racks_waiting_gw": "racks waiting for powered shells",
        "accelerators_waiting_gw": "accelerators waiting for racks",
        "shells_unpowered_gw": "shells waiting for energisation",
        "shells_empty_gw": "powered shells without racks",
    }
    present = {v: label for v, label in names.items() if not d.fan(v).empty}
    if not present:
        return None
    fig = new_figure()
    for i, (var, label) in enumerate(present.items()):
        add_fan(fig, d.fan(var), label, PALETTE[(i + 3) % len(PALETTE)], band=i == 0)
    fig.update_layout(
        **_LAYOUT, title="Inventories: chips waiting for power (IT GW)", yaxis_title="IT GW"
    )
    return fig


@_titled
def chart_sites(d: ReportData) -> go.Figure | None:
    """Site phases: planned power-ready date vs simulated energisation (median, 90 % range)."""
    p = d.phases.dropna(subset=["p50"])
    if p.empty:
        return None
    p = p.sort_values("planned", na_position="last")

    def fmt(col: pd.Series) -> list[str | None]:
        return [
            x.strftime("%Y-%m-%d") if pd.notna(x) else None for x in pd.to_datetime(col).tolist()
        ]

    xs: list[str | None] = []
    ys: list[str | None] = []
    for phase, lo, hi in zip(p["phase"], fmt(p["p5"]), fmt(p["p95"]), strict=True):
        xs += [lo, hi, None]
        ys += [phase, phase, None]
    fig = new_figure()
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines",
            line={"width": 10, "color": _rgba(PALETTE[0], 0.35)},
            name="simulated p5–p95",
            hoverinfo="skip",
        )
    )
    markers = {
        "p50": (
            "simulated median",
            {"symbol": "circle", "size": 9, "color": PALETTE[0]},
            {
                "customdata": (100 * p["share_powered"]).round(0).tolist(),
                "hovertemplate": "%{y}: %{x} (powered in %{customdata}% of draws)<extra></extra>",
            },
        ),
        "planned": ("planned", {"symbol": "diamond", "size": 10, "color": "#333"}, {}),
    }
    for column, (name, marker, hover) in markers.items():
        fig.add_trace(
            go.Scatter(
                x=fmt(p[column]),
                y=p["phase"].tolist(),
                mode="markers",
                name=name,
                marker=marker,
                **hover,
            )
        )
    fig.update_layout(
        **_rows_layout(len(p), least=260, top=40, per_row=28, left=220),
        title="Sites: planned vs simulated power-ready date",
        yaxis={"autorange": "reversed"},
    )
    return fig


def _finance_vars(d: ReportData, *words: str) -> list[str]:
    return [v for v in d.variables("finance") if any(w in v for w in words)]


@_titled
def chart_cash(d: ReportData) -> go.Figure | None:
    """Cash balance by entity ($B): median with the 90 % band for the largest movers."""
    names = _finance_vars(d, "cash")
    if not names:
        return None
    var = names[0]
    keys = d.keys(var, "finance")
    s = d.series
    spread = {
        k: float(s.loc[(s["variable"] == var) & (s["key"] == k), "p50"].abs().max()) for k in keys
    }
    fig = new_figure()
    for i, k in enumerate(sorted(keys, key=lambda k: -spread[k])[:8]):
        add_fan(fig, d.fan(var, "finance", k), k or var, PALETTE[i % len(PALETTE)], band=i < 3)
    fig.add_hline(y=0, line={"color": "#999", "width": 1})
    fig.update_layout(**_LAYOUT, title=f"{label_of(var)} by entity", yaxis_title="$B")
    return fig


@_titled
def chart_funding_gap(d: ReportData) -> go.Figure | None:
    """Funding gap ($B): a fan when it is a weekly series, else median and 90 % range by entity."""
    names = _finance_vars(d, "gap", "shortfall")
    if names:
        fig = new_figure()
        for i, var in enumerate(names[:3]):
            for j, k in enumerate(d.keys(var, "finance")[:4]):
                add_fan(
                    fig,
                    d.fan(var, "finance", k),
                    f"{label_of(var)} {k}".strip(),
                    PALETTE[(i + j + 3) % len(PALETTE)],
                    band=j == 0,
                )
        fig.update_layout(**_LAYOUT, title="Funding gap ($B)", yaxis_title="$B")
        return fig
    gap = d.dist("funding_gap_usd_b")
    if gap.empty:
        return None
    gap = gap.sort_values("p50", ascending=False)
    fig = new_figure(
        go.Bar(
            x=gap["key"].tolist(),
            y=gap["p50"].tolist(),
            marker={"color": PALETTE[3]},
            name="median",
            error_y={
                "type": "data",
                "symmetric": False,
                "array": (gap["p95"] - gap["p50"]).tolist(),
                "arrayminus": (gap["p50"] - gap["p5"]).tolist(),
            },
            hovertemplate="%{x}: $%{y:.1f}B median<extra></extra>",
        )
    )
    layout = _LAYOUT | {"hovermode": "closest"}
    fig.update_layout(
        **layout,
        title="Funding gap by entity ($B, median and p5–p95)",
        yaxis_title="$B",
    )
    return fig


@_titled
def chart_flows(d: ReportData) -> go.Figure | None:
    """Money flows payer → payee over the horizon ($B, median), as a two-column Sankey.

    Payers sit on the left and payees on the right, so circular money (A pays B pays A) shows
    as the same name on both sides rather than as a loop the layout cannot draw.
    """
    if d.flows.empty:
        return None
    totals = d.flows.groupby(["payer", "payee"])["usd_b"].sum().reset_index()
    f = totals[totals["usd_b"] > 0]
    if f.empty:
        return None
    payers = list(dict.fromkeys(f["payer"]))
    payees = list(dict.fromkeys(f["payee"]))
    labels = [f"{p} pays" for p in payers] + [f"{p} receives" for p in payees]
    colour = {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(dict.fromkeys(payers + payees))}
    fig = new_figure(
        go.Sankey(
            arrangement="snap",
            node={
                "label": labels,
                "pad": 14,
                "thickness": 14,
                "color": [colour[p] for p in payers] + [colour[p] for p in payees],
            },
            link={
                "source": [payers.index(p) for p in f["payer"]],
                "target": [len(payers) + payees.index(p) for p in f["payee"]],
                "value": f["usd_b"].round(3).tolist(),
                "color": [_rgba(colour[p], 0.35) for p in f["payer"]],
                "hovertemplate": "%{source.label} → %{target.label}: $%{value:.1f}B<extra></extra>",
            },
        )
    )
    fig.update_layout(
        height=460,
        margin={"l": 20, "r": 20, "t": 40, "b": 20},
        title="Money flows over the horizon ($B, median over draws)",
    )
    return fig


@_titled
def chart_bottlenecks(d: ReportData, top: int = 15) -> go.Figure | None:
    """The planner's binding constraints: largest shadow price of each, in its own unit."""
    agg = d.top_bottlenecks(top).iloc[::-1]  # plotly draws the first bar at the bottom
    if agg.empty:
        return None
    fig = new_figure(
        go.Bar(
            x=agg["shadow_price"].tolist(),
            y=agg["constraint"].tolist(),
            orientation="h",
            marker={"color": PALETTE[3]},
            customdata=list(zip(agg["unit"], agg["period"], strict=True)),
            hovertemplate="%{y}: %{x:.3g} %{customdata[0]} (%{customdata[1]})<extra></extra>",
        )
    )
    fig.update_layout(
        **_rows_layout(len(agg), least=280, top=60, per_row=24, left=240),
        title="Planner bottlenecks: largest shadow price per constraint",
        xaxis_title="shadow price (unit in hover and table)",
    )
    return fig
