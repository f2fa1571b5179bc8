"""Write the self-contained HTML report (plotly.js inlined; opens with no network)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import jinja2
import plotly.graph_objects as go
import plotly.offline
import xarray as xr
from markupsafe import Markup

from ..results.partners import partner_rows
from ..results.store import StoredRun
from . import charts, region_charts
from .data import ReportData, from_results, from_stored

TEMPLATES = Path(__file__).parent / "templates"
_PLOT_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["sendDataToCloud"],
}


@dataclass(frozen=True)
class Chart:
    """One chart slot: its id, the HTML of the drawn figure, or why it is missing."""

    id: str
    html: Markup | None
    missing: str


def write_report(
    path: str | Path,
    *,
    physical: xr.Dataset | None,
    summary: Mapping[str, Any],
    scenario_yaml: str,
    catalog: Any,
    finance: xr.Dataset | None = None,
    plan: Any = None,
    png_dir: str | Path | None = None,
    title: str | None = None,
    lineage: Mapping[str, Any] | None = None,
    tables: Mapping[str, Any] | None = None,
) -> Path:
    """Write one self-contained HTML report of fresh results.

    Parameters
    ----------
    path : str or Path
        The HTML file to write (parent folders are created).
    physical : xr.Dataset or None
        ``simulate`` output (every draw); None for a plan-only report.
    summary : mapping
        The summary.json content (its ``finance`` section feeds the circularity and exposure tables).
    scenario_yaml : str
        The resolved scenario, shown verbatim and hashed into the lineage.
    catalog : Catalog or None
        Every sourced fact goes into the assumptions table, its sources linked.
    finance : xr.Dataset, optional
        ``run_finance`` output: cash (``cash*``) and funding-gap (``*gap*``) fans, and the
        money-flow diagram from a variable with ``payer``/``payee`` dimensions.
    plan : PlanResult, optional
        Planner output (``.schedule`` xr.Dataset, ``.bottlenecks`` DataFrame).
    png_dir : str or Path, optional
        Also write static PNGs of the charts there (matplotlib, Agg).
    title : str, optional
        Heading; default "gigafactory — <scenario>".
    lineage : mapping, optional
        Extra header fields (``run_id`` …).
    tables : mapping, optional
        The run's quantile tables (``results.series.run_tables``) when already computed.

    Returns
    -------
    Path
        The HTML file written.
    """
    data = from_results(
        physical=physical,
        summary=summary,
        scenario_yaml=scenario_yaml,
        catalog=catalog,
        finance=finance,
        plan=plan,
        title=title,
        lineage=lineage,
        tables=tables,
    )
    return render(data, path, png_dir=png_dir)


def write_stored_report(
    path: str | Path,
    *,
    run: StoredRun,
    catalog: Any,
    png_dir: str | Path | None = None,
    title: str | None = None,
) -> Path:
    """Write the report of a run kept in the run store (from its stored quantiles)."""
    return render(from_stored(run, catalog=catalog, title=title), path, png_dir=png_dir)


def render(data: ReportData, path: str | Path, *, png_dir: str | Path | None = None) -> Path:
    """Render a ``ReportData`` to ``path`` (written atomically) and optionally PNGs to ``png_dir``."""
    from ..results.files import check_file_target, check_out_dir, write_file

    out = check_file_target(path, "-o")
    if png_dir is not None:
        check_out_dir(Path(png_dir), force=True, flag="--png")
    html = render_html(data)
    write_file(out, html, "-o")
    if png_dir is not None:
        from .static import write_pngs

        write_pngs(data, Path(png_dir))
    return out


def _chart(
    id_: str, build: Callable[[ReportData], go.Figure | None], data: ReportData, missing: str
) -> Chart:
    fig = build(data)
    if fig is None:
        return Chart(id_, None, missing)
    html = fig.to_html(
        full_html=False, include_plotlyjs=False, div_id=f"chart-{id_}", config=_PLOT_CONFIG
    )
    return Chart(id_, Markup(html), missing)


def render_html(data: ReportData) -> str:
    """The report as one HTML string."""
    no_physical = (
        "No physical results in this run (a plan-only run, or the dataset lacks the variable)."
    )
    no_finance = "No finance results: this run was made without the finance model."
    no_regions = "No region results in this run (made before regions, or a plan-only run)."
    chart_list = [
        _chart("gw-online", charts.chart_gw_online, data, no_physical),
        _chart("gw-added", charts.chart_gw_added, data, no_physical),
        _chart("binding", charts.chart_binding, data, "No binding-tier data in this run."),
        _chart("inventories", charts.chart_inventories, data, no_physical),
        _chart(
            "sites",
            charts.chart_sites,
            data,
            "No named site phases in this run (the scenario has no sites, or the dataset has no phase_power_week).",
        ),
        _chart("regions", region_charts.chart_load_by_region, data, no_regions),
        _chart("energy", region_charts.chart_energy_by_region, data, no_regions),
        _chart(
            "cash",
            charts.chart_cash,
            data,
            no_finance if not data.has_finance else "The finance results have no cash series.",
        ),
        _chart(
            "funding-gap",
            charts.chart_funding_gap,
            data,
            no_finance
            if not data.has_finance
            else "The finance results have no funding-gap series.",
        ),
        _chart(
            "flows",
            charts.chart_flows,
            data,
            no_finance
            if not data.has_finance
            else "The finance results have no payer → payee flows.",
        ),
        _chart(
            "bottlenecks",
            charts.chart_bottlenecks,
            data,
            "No planner results: run `gigafactory plan` to get shadow prices."
            if not data.has_plan
            else "The plan has no binding constraints with a shadow price.",
        ),
    ]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = fmt_number
    env.filters["sources"] = source_links
    finance = (
        data.summary.get("finance") if isinstance(data.summary.get("finance"), Mapping) else None
    )
    template = env.get_template("report.html.j2")
    return template.render(
        d=data,
        charts={c.id: c for c in chart_list},
        plotlyjs=Markup(plotly.offline.get_plotlyjs()),
        cards=headline_cards(data),
        years=year_rows(data.summary),
        frontier=frontier_table(data.summary),
        backtest=_backtest_chart(data.summary),
        frontier_note=_frontier_note(data.summary),
        finance=finance_tables(finance) if finance else None,
        partners=partner_rows(data.summary["partners"])
        if isinstance(data.summary.get("partners"), Mapping) and data.summary["partners"]
        else None,
        facts=data.facts.to_dict("records"),
        bottlenecks=data.bottlenecks.assign(abs_price=data.bottlenecks["shadow_price"].abs())
        .sort_values("abs_price", ascending=False)
        .head(40)
        .to_dict("records")
        if not data.bottlenecks.empty
        else [],
    )


def fmt_number(v: Any, digits: int = 3) -> str:
    """A number to ``digits`` significant figures with thousands separators; text unchanged."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, bool) or not isinstance(v, int | float):
        return str(v)
    if v == 0:
        return "0"
    if abs(v) >= 1e15:  # FLOP, H100e·s: a float's 17th+ digits are noise, not data
        return f"{v:.{digits}g}"
    mag = math.floor(math.log10(abs(v)))
    decimals = max(0, digits - 1 - mag)
    return f"{v:,.{decimals}f}"


def source_links(source: str) -> Markup:
    """Each ' ; '-separated source as a link (URLs) or a labelled reference (seed files, fact sheets)."""
    parts = []
    for s in (p.strip() for p in str(source).split(" ; ")):
        if s.startswith(("http://", "https://")):
            host = urlparse(s).netloc.removeprefix("www.") or s
            parts.append(
                Markup(
                    '<a href="{0}" target="_blank" rel="noopener noreferrer" title="{0}">{1}</a>'
                ).format(s, host)
            )
        else:
            parts.append(Markup('<code title="project document: shared/{0}">{0}</code>').format(s))
    return Markup("; ").join(parts)


def _backtest_chart(summary: Mapping[str, Any]) -> Markup | None:
    """The back-test chart (model median vs actual, 2023–2025) when the summary has one."""
    rows = summary.get("backtest")
    if not isinstance(rows, list) or not rows:
        return None
    from ..studies.charts import backtest_chart

    fig = backtest_chart(rows, str(summary.get("scenario", "")))
    html = fig.to_html(
        full_html=False, include_plotlyjs=False, div_id="chart-backtest", config=_PLOT_CONFIG
    )
    return Markup(html)


def _frontier_note(summary: Mapping[str, Any]) -> str:
    f = summary.get("frontier")
    if not isinstance(f, Mapping):
        return ""
    parts = [
        f"{k.removeprefix('frontier_')} {v['value']:g} {v['unit']}"
        for k, v in f["assumptions"].items()
    ]
    return f"Share of the fleet in one run {f['cluster_share']:g} (" + "; ".join(parts) + ")."


def _band(q: Any) -> str:
    if isinstance(q, Mapping) and "p50" in q:
        lo, hi = q.get("p5"), q.get("p95")
        return (
            f"{fmt_number(q['p50'])} [{fmt_number(lo)}–{fmt_number(hi)}]"
            if lo is not None
            else fmt_number(q["p50"])
        )
    return fmt_number(q)


def headline_cards(d: ReportData) -> list[tuple[str, str, str]]:
    """(label, value, note) for the cards at the top of the report."""
    years = d.summary.get("years") or {}
    cards: list[tuple[str, str, str]] = []
    for y in ("2027", "2030"):
        q = (years.get(y) or {}).get(f"{d.goal_basis}_gw_online") or (years.get(y) or {}).get(
            "facility_gw_online"
        )
        if q:
            cards.append(
                (f"GW online, end {y}", _band(q), f"{d.goal_basis} basis, median [p5–p95]")
            )
    reached = d.summary.get("gw_per_week_reached")
    cards.append(
        (
            f"{d.goal_gw_per_week:g} GW/week reached",
            str(reached) if reached else "not in horizon",
            "median draw",
        )
    )
    for y in ("2027", "2030"):
        b = (years.get(y) or {}).get("binding")
        if isinstance(b, Mapping) and b:
            tier, share = max(b.items(), key=lambda kv: float(kv[1]))
            cards.append((f"Binds most in {y}", str(tier), f"{100 * float(share):.0f}% of draws"))
            break
    fin = d.summary.get("finance")
    if isinstance(fin, Mapping) and "funding_gap_usd_b" in fin:
        cards.append(
            (
                "Funding gap ($B)",
                _band(fin["funding_gap_usd_b"]),
                f"first breach {fin.get('first_breach') or '–'}",
            )
        )
    return cards


def year_rows(summary: Mapping[str, Any]) -> list[dict[str, str]]:
    """One row per year of summary.json: capacity bands and the binding tiers."""
    rows = []
    for y, v in sorted((summary.get("years") or {}).items()):
        if not isinstance(v, Mapping):
            continue
        binding = v.get("binding") or {}
        rows.append(
            {
                "year": str(y),
                "facility": _band(v.get("facility_gw_online")),
                "it": _band(v.get("it_gw_online")),
                "added": _band(v.get("gw_added_per_week")),
                "binding": ", ".join(
                    f"{t} {100 * float(s):.0f}%"
                    for t, s in sorted(binding.items(), key=lambda kv: -float(kv[1]))[:3]
                )
                if isinstance(binding, Mapping)
                else str(binding),
            }
        )
    return rows


def frontier_table(summary: Mapping[str, Any]) -> tuple[list[str], list[list[str]]] | None:
    """The ``frontier`` section as a table: the largest training run and site by year."""
    f = summary.get("frontier")
    if not isinstance(f, Mapping) or not f.get("years"):
        return None
    cols = {
        "cluster_h100e_m": "cluster H100e (M)",
        "largest_run_flop": "largest run (FLOP)",
        "cluster_facility_gw": "cluster facility GW",
        "largest_site_facility_gw": "largest site facility GW",
    }
    first = next(iter(f["years"].values()))
    keys = [k for k in cols if k in first]
    rows = [[str(y), *(_band(v.get(k)) for k in keys)] for y, v in sorted(f["years"].items())]
    return ["year", *(cols[k] for k in keys)], rows


def table_of(obj: Any, key_name: str = "item") -> tuple[list[str], list[list[str]]]:
    """A nested summary object as (columns, rows) of formatted cells.

    Lists of records become one row each; a mapping of mappings becomes a wide table when its
    inner keys are few and shared, else a long (outer, inner, value) table; scalars a key/value table.
    """
    if isinstance(obj, list):
        recs = [r if isinstance(r, Mapping) else {"value": r} for r in obj]
        cols = list(dict.fromkeys(k for r in recs for k in r))
        return cols, [[_cell(r.get(c)) for c in cols] for r in recs]
    if not isinstance(obj, Mapping):
        return ["value"], [[_cell(obj)]]
    nested = {k: v for k, v in obj.items() if isinstance(v, Mapping) and not _is_band(v)}
    if nested and len(nested) == len(obj):
        inner = list(dict.fromkeys(k for v in nested.values() for k in v))
        flat = all(
            not isinstance(x, Mapping) or _is_band(x) for v in nested.values() for x in v.values()
        )
        if len(inner) <= 8 and flat:
            return [key_name, *(str(c).replace("_", " ") for c in inner)], [
                [str(k), *(_cell(v.get(c)) for c in inner)] for k, v in nested.items()
            ]
        return [key_name, "item", "value"], [
            [str(k), str(k2), _cell(x)] for k, v in nested.items() for k2, x in v.items()
        ]
    return [key_name, "value"], [[str(k), _cell(v)] for k, v in obj.items()]


def _is_band(v: Any) -> bool:
    return isinstance(v, Mapping) and "p50" in v


def _cell(v: Any) -> str:
    if isinstance(v, Mapping):
        return _band(v) if "p50" in v else "; ".join(f"{k}: {_cell(x)}" for k, x in v.items())
    if isinstance(v, list):
        return (
            " → ".join(_cell(x) for x in v)
            if all(isinstance(x, str) for x in v)
            else "; ".join(_cell(x) for x in v)
        )
    return fmt_number(v)


def _exposure_rows(fin: Mapping[str, Any]) -> dict[str, Any]:
    """Per counterparty: gross exposure ($B p50), net of collateral and re-lettable capacity,
    and expected loss (mean over draws), where the summary has them."""
    net, el = fin.get("exposure_net_usd_b") or {}, fin.get("expected_loss_usd_b") or {}
    if not net:
        return dict(fin["exposure_usd_b"])
    return {
        k: {"gross $B": v, "net $B": net.get(k), "expected loss $B": el.get(k)}
        for k, v in fin["exposure_usd_b"].items()
    }


#: the finance headline's keys as a reader reads them (summary.json keeps its keys)
_FIN_LABELS = {
    "funding_gap_usd_b": "funding gap, $B",
    "first_breach": "first cash shortfall before financing",
    "runway_weeks": "runway before financing, weeks",
    "commitments_usd_b": "commitments, $B",
    # the double-entry ledger's check: every week's postings balance (≈ 0 is correct)
    "max_weekly_imbalance_usd_b": "ledger check: largest weekly imbalance, $B (≈ 0 is correct)",
    "p_unfunded": "chance unfunded (financing exhausted) by year",
    "first_unfunded": "first unfunded week",
    "contagion_loss_usd_b": "contagion loss, $B",
    "channels_usd_b": "raised by financing channel, $B",
    "unfunded_usd_b": "unfunded after every channel, $B",
}


def finance_tables(fin: Mapping[str, Any]) -> dict[str, tuple[list[str], list[list[str]]]]:
    """The finance section of summary.json as tables: headline, entities, circularity, loops,
    vendor financing, exposure and warrants (each present only when the section has it)."""
    circ = fin.get("circularity") if isinstance(fin.get("circularity"), Mapping) else {}
    assert isinstance(circ, Mapping)
    loops = circ.get("loops", circ.get("named_loops"))
    own = (
        "circularity",
        "exposure_usd_b",
        "exposure_net_usd_b",
        "expected_loss_usd_b",
        "warrants",
        "entities",
    )
    out: dict[str, tuple[list[str], list[list[str]]]] = {
        "headline": table_of(
            {_FIN_LABELS.get(k, k.replace("_", " ")): v for k, v in fin.items() if k not in own},
            "metric",
        ),
    }
    nested = {
        k: v
        for k, v in circ.items()
        if isinstance(v, Mapping)
        and v
        and all(isinstance(x, Mapping) and "p50" not in x for x in v.values())
    }
    out["circularity"] = table_of(
        {k: v for k, v in circ.items() if k not in ("loops", "named_loops", *nested)}, "metric"
    )
    for k, v in nested.items():
        out[f"circularity: {k.replace('_', ' ')}"] = table_of(v, "entity")
    if loops:
        out["loops"] = table_of(loops, "loop")
    if isinstance(fin.get("entities"), Mapping) and fin["entities"]:
        out["entities"] = table_of(fin["entities"], "entity")
    if fin.get("exposure_usd_b"):
        out["exposure"] = table_of(_exposure_rows(fin), "counterparty")
    if fin.get("warrants"):
        out["warrants"] = table_of(fin["warrants"], "warrant")
    return out


__all__ = ["render", "render_html", "write_report", "write_stored_report"]
