"""Static PNG charts with matplotlib (Agg backend), for slides and documents.

The same data as the interactive report; the money-flow diagram has no PNG (a Sankey needs
the interactive page).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .charts import PALETTE, TIER_COLOURS, quarterly_binding, run_subtitle
from .data import ReportData


def _fan(ax: Any, rows: pd.DataFrame, label: str, colour: str, band: bool = True) -> None:
    if rows.empty:
        return
    if band:
        ax.fill_between(rows["week"], rows["p5"], rows["p95"], color=colour, alpha=0.2, linewidth=0)
    ax.plot(
        rows["week"],
        rows["p50"],
        color=colour,
        label=f"{label} (median{', p5–p95' if band else ''})",
    )


def _gw_online(d: ReportData, ax: Any) -> bool:
    fac, it = d.fan("facility_gw_online"), d.fan("it_gw_online")
    _fan(ax, fac, "facility GW", PALETTE[0])
    _fan(ax, it, "IT GW", PALETTE[2])
    ax.set(title="AI capacity online", ylabel="GW")
    return not (fac.empty and it.empty)


def _gw_added(d: ReportData, ax: Any) -> bool:
    rows = d.fan("it_gw_added" if d.goal_basis == "it" else "facility_gw_added")
    _fan(ax, rows, f"{d.goal_basis} GW/week", PALETTE[1])
    ax.axhline(
        d.goal_gw_per_week,
        color="#c00",
        linestyle="--",
        label=f"goal {d.goal_gw_per_week:g} GW/week",
    )
    ax.set(title="New capacity per week", ylabel="GW/week")
    return not rows.empty


def _binding(d: ReportData, ax: Any) -> bool:
    table = quarterly_binding(d.binding)
    if table.empty:
        return False
    colours = [TIER_COLOURS.get(str(t), "#999") for t in table.columns]
    ax.stackplot(
        table.index,
        *(100 * table[c] for c in table.columns),
        labels=[str(c) for c in table.columns],
        colors=colours,
    )
    ax.set(title="What binds (share of draws, by quarter)", ylabel="% of draws", ylim=(0, 100))
    return True


def _inventories(d: ReportData, ax: Any) -> bool:
    found = False
    for i, var in enumerate(
        ("racks_waiting_gw", "accelerators_waiting_gw", "shells_unpowered_gw", "shells_empty_gw")
    ):
        rows = d.fan(var)
        _fan(ax, rows, var, PALETTE[(i + 3) % len(PALETTE)], band=i == 0)
        found |= not rows.empty
    ax.set(title="Inventories: chips waiting for power", ylabel="IT GW")
    return found


def _sites(d: ReportData, ax: Any) -> bool:
    p = d.phases.dropna(subset=["p50"]).sort_values("planned", na_position="last")
    if p.empty:
        return False
    y = range(len(p))
    ax.hlines(
        list(y),
        p["p5"],
        p["p95"],
        color=PALETTE[0],
        alpha=0.35,
        linewidth=8,
        label="simulated p5–p95",
    )
    ax.scatter(p["p50"], list(y), color=PALETTE[0], zorder=3, label="simulated median")
    ax.scatter(p["planned"], list(y), marker="D", color="#333", zorder=3, label="planned")
    ax.set_yticks(list(y), p["phase"].tolist())
    ax.invert_yaxis()
    ax.set(title="Sites: planned vs simulated power-ready")
    return True


def _finance(d: ReportData, ax: Any) -> bool:
    names = [v for v in d.variables("finance") if "gap" in v] or [
        v for v in d.variables("finance") if "cash" in v
    ]
    if not names:
        return False
    for i, k in enumerate(d.keys(names[0], "finance")[:6]):
        _fan(
            ax, d.fan(names[0], "finance", k), k or names[0], PALETTE[i % len(PALETTE)], band=i < 2
        )
    ax.set(title=names[0], ylabel="$B")
    return True


def _bottlenecks(d: ReportData, ax: Any) -> bool:
    top = d.top_bottlenecks(15)
    if top.empty:
        return False
    ax.barh(top["constraint"], top["shadow_price"], color=PALETTE[3])
    ax.invert_yaxis()
    ax.set(title="Planner bottlenecks (shadow price, own units)")
    return True


CHARTS: dict[str, Callable[[ReportData, Any], bool]] = {
    "gw_online": _gw_online,
    "gw_added": _gw_added,
    "binding": _binding,
    "inventories": _inventories,
    "sites": _sites,
    "finance": _finance,
    "bottlenecks": _bottlenecks,
}


#: Fixed margins (fractions of the figure) instead of a layout engine for the charts over
#: weeks: matplotlib's constrained layout measured every text extent again on each draw
#: (~40 % of the PNGs' CPU).  Charts with named rows keep it: their label widths vary.
_MARGINS = {"left": 0.07, "right": 0.985, "bottom": 0.09, "top": 0.87}
_NAMED_ROWS = frozenset({"sites", "bottlenecks"})


def write_pngs(d: ReportData, directory: Path, dpi: int = 100) -> list[Path]:
    """Write one PNG per chart that has data into ``directory``; return the files written.

    1,000 × 480 px at the default ``dpi``, zlib level 1 (the default level 6 tripled the
    encoding time for files a third smaller).
    """
    from ..results.files import check_out_dir, write_file

    check_out_dir(directory, force=True, flag="--png")
    written: list[Path] = []
    for name, draw in CHARTS.items():
        fig = Figure(figsize=(10, 4.8), layout="constrained" if name in _NAMED_ROWS else None)
        FigureCanvasAgg(fig)  # headless Agg canvas, no pyplot: no window, no display
        ax = fig.subplots()
        if name not in _NAMED_ROWS:
            fig.subplots_adjust(**_MARGINS)
        if not draw(d, ax):
            continue
        ax.set_title(f"{ax.get_title()}\n{run_subtitle(d)}")  # scenario and draws
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8, loc="best")
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})
        written.append(write_file(directory / f"{name}.png", buf.getvalue(), "--png"))
    return written
