"""Charts of sweeps and sensitivity analyses: a heatmap of a metric over two swept parameters,
and the Sobol' indices (or Morris μ*) with their confidence intervals.

Interactive figures are plotly (written into a self-contained HTML page, plotly.js inline, so
the page needs no network); ``png_*`` draw the same with matplotlib for documents.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..errors import GigafactoryError, Problem, allowed_list, did_you_mean
from ..labels import fmt, label_of, unit_of

#: an axis with at most this many distinct values is a grid axis (else the points are scattered)
GRID_MAX = 25


def lookup(summary: dict[str, Any], metric: str) -> float:
    """A number in a point summary by dotted path (``years.2030.it_gw_online.p50``)."""
    node: Any = summary
    for part in metric.split("."):
        if not isinstance(node, dict) or part not in node:
            return float("nan")
        node = node[part]
    return float(node) if isinstance(node, int | float) else float("nan")


def metric_paths(summary: dict[str, Any], prefix: str = "") -> list[str]:
    """Every numeric dotted path in a summary (the metrics a heatmap can show)."""
    out: list[str] = []
    for k, v in summary.items():
        if isinstance(v, dict):
            out += metric_paths(v, f"{prefix}{k}.")
        elif isinstance(v, int | float) and not isinstance(v, bool):
            out.append(f"{prefix}{k}")
    return out


def sweep_frame(points: list[dict[str, Any]], metric: str) -> pd.DataFrame:
    """One row per point: its parameters and ``metric``; refuses an unknown metric."""
    if not points:
        raise GigafactoryError("the sweep has no stored points yet")
    known = metric_paths(points[0]["summary"])
    if metric not in known:
        raise GigafactoryError(
            [
                Problem(
                    "<command line>",
                    None,
                    "--metric",
                    f"no metric '{metric}' in the point summaries{did_you_mean(metric, known)}; "
                    f"e.g. {allowed_list([k for k in known if k.endswith('p50')], 6)}",
                )
            ]
        )
    rows = [{**p["params"], metric: lookup(p["summary"], metric)} for p in points]
    return pd.DataFrame(rows)


def _title(what: str, subtitle: str) -> str:
    """A plotly title: the quantity, then the scenario and draws (``subtitle``) beneath it."""
    return f"{escape(what)}<br><sup>{escape(subtitle)}</sup>" if subtitle else escape(what)


def chart_heatmap(
    df: pd.DataFrame, x: str, y: str, metric: str, subtitle: str = "", catalog: Any = None
) -> go.Figure:
    """``metric`` over two swept parameters: a heatmap on a grid (mean over any other swept
    parameter), a coloured scatter for a Latin hypercube.  Axes and title carry plain labels
    with units (:func:`gigafactory.labels.label_of`); ``subtitle`` names scenario and draws."""
    if df[x].nunique() <= GRID_MAX and df[y].nunique() <= GRID_MAX:
        grid = df.pivot_table(index=y, columns=x, values=metric, aggfunc="mean")
        fig = go.Figure(
            go.Heatmap(
                z=grid.values,
                x=[f"{v:g}" for v in grid.columns],
                y=[f"{v:g}" for v in grid.index],
                colorscale="Viridis",
                colorbar={"title": escape(unit_of(metric) or label_of(metric))},
                text=[[fmt(v, unit_of(metric)) for v in row] for row in grid.values],
                texttemplate="%{text}",
            )
        )
    else:
        fig = go.Figure(
            go.Scatter(
                x=df[x],
                y=df[y],
                mode="markers",
                marker={
                    "color": df[metric],
                    "colorscale": "Viridis",
                    "size": 14,
                    "showscale": True,
                },
            )
        )
    fig.update_layout(
        template="plotly_white",
        title=_title(label_of(metric), subtitle),
        xaxis_title=escape(label_of(x, catalog)),
        yaxis_title=escape(label_of(y, catalog)),
        height=420,
        margin={"l": 80, "r": 20, "t": 50, "b": 60},
    )
    return fig


def chart_indices(
    tables: dict[str, pd.DataFrame], top: int = 12, subtitle: str = "", catalog: Any = None
) -> go.Figure:
    """Sobol' S1 and ST (or Morris μ*) per input, with 95 % intervals, one panel per metric;
    inputs and metrics by their plain labels, ``subtitle`` (scenario and draws) in the title."""
    from plotly.subplots import make_subplots

    titles = [escape(label_of(m)) for m in tables]
    fig = make_subplots(rows=1, cols=len(tables), subplot_titles=titles, shared_yaxes=False)
    for c, df in enumerate(tables.values(), start=1):
        d = df.head(top).iloc[::-1]
        bars = [("ST", "ST_conf", "#4c78a8"), ("S1", "S1_conf", "#f58518")]
        if "mu_star" in d:
            bars = [("mu_star", "mu_star_conf", "#4c78a8")]
        for col, conf, colour in bars:
            fig.add_trace(
                go.Bar(
                    x=d[col],
                    y=[escape(label_of(str(i), catalog)) for i in d["input"]],
                    orientation="h",
                    name=col,
                    marker_color=colour,
                    error_x={"type": "data", "array": d[conf]},
                    showlegend=c == 1,
                ),
                row=1,
                col=c,
            )
    fig.update_layout(
        template="plotly_white",
        barmode="group",
        title=_title("Which inputs drive the answer (share of variance)", subtitle),
        height=150 + 28 * min(top, max(len(t) for t in tables.values())),
        margin={"l": 320, "r": 20, "t": 90, "b": 40},
    )
    return fig


def write_html(path: str | Path, title: str, figures: list[go.Figure]) -> Path:
    """A self-contained page (plotly.js inline) with ``figures``."""
    out = Path(path)
    divs = [
        f.to_html(full_html=False, include_plotlyjs=(i == 0), default_height=f.layout.height)
        for i, f in enumerate(figures)
    ]
    out.write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>"
        + escape(title)  # scenario names are user text
        + "</title></head><body><h1 style='font-family:sans-serif'>"
        + escape(title)
        + "</h1>"
        + "".join(divs)
        + "</body></html>",
        encoding="utf-8",
    )
    return out


def png_heatmap(
    df: pd.DataFrame,
    x: str,
    y: str,
    metric: str,
    path: str | Path,
    subtitle: str = "",
    catalog: Any = None,
) -> Path:
    """The grid heatmap as a PNG (matplotlib), plain labels and ``subtitle`` in the title."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = df.pivot_table(index=y, columns=x, values=metric, aggfunc="mean")
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    im = ax.imshow(grid.values, origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(grid.shape[1]), [f"{v:g}" for v in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [f"{v:g}" for v in grid.index])
    for (i, j), v in np.ndenumerate(grid.values):
        ax.text(j, i, fmt(v, unit_of(metric)), ha="center", va="center", color="w", fontsize=8)
    ax.set_xlabel(label_of(x, catalog))
    ax.set_ylabel(label_of(y, catalog))
    ax.set_title(label_of(metric) + (f"\n{subtitle}" if subtitle else ""))
    fig.colorbar(im, ax=ax)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


def png_indices(
    df: pd.DataFrame,
    metric: str,
    path: str | Path,
    top: int = 12,
    subtitle: str = "",
    catalog: Any = None,
) -> Path:
    """Sobol' S1/ST bars with 95 % intervals for one metric, as a PNG (plain labels)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d = df.head(top).iloc[::-1]
    pos = np.arange(len(d))
    fig, ax = plt.subplots(figsize=(7.5, 0.35 * len(d) + 1.2))
    ax.barh(pos + 0.2, d["ST"], 0.4, xerr=d["ST_conf"], label="ST (total)", color="#4c78a8")
    ax.barh(pos - 0.2, d["S1"], 0.4, xerr=d["S1_conf"], label="S1 (first order)", color="#f58518")
    ax.set_yticks(pos, [label_of(str(i), catalog) for i in d["input"]])
    # over the figure, not the axes: long input labels push the axes right and cut the title
    fig.suptitle(f"Sobol' indices: {label_of(metric)}" + (f"\n{subtitle}" if subtitle else ""))
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)
