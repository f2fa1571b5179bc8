"""The back-test chart: each metric's model median against the actual, by year."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go


def backtest_chart(rows: list[dict[str, Any]], name: str) -> go.Figure:
    """Error of the model's median against each actual (%), one bar per metric and year; the
    hover shows both values.  Bars inside ±20 % (issue 8's back-test tolerance) are shaded."""
    labels = [f"{r['metric']} {r['year']}" for r in rows]
    err = [r["error_pct"] for r in rows]
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=err,
            marker_color=["#4c78a8" if abs(e) <= 20 else "#e45756" for e in err],
            customdata=[[r["actual"], r["model_p50"]] for r in rows],
            hovertemplate="%{x}<br>actual %{customdata[0]}<br>model p50 %{customdata[1]}"
            "<br>error %{y:+.1f} %<extra></extra>",
        )
    )
    fig.add_hrect(y0=-20, y1=20, fillcolor="#888", opacity=0.12, line_width=0)
    fig.update_layout(
        title=f"Back-test 2023–2025 — {name}: model median vs actual",
        yaxis_title="error of the model's median (%)",
        template="plotly_white",
        margin={"b": 160},
    )
    return fig
