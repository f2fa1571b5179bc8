"""JSON shapes of stored runs and the catalog for the browser app (pure: no I/O, no web).

Every function takes a ``StoredRun`` or the catalog and returns plain JSON-able data with
units in the field names or an explicit ``unit`` field.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ..catalog.schema import Catalog, DateFact, Fact, iter_facts
from ..results.export import unit_of
from ..results.store import HEADLINE_METRICS, RunDiff, StoredRun

#: Plain labels of the series the Results page draws (variable → label, unit).
SERIES_LABELS: dict[str, tuple[str, str]] = {
    "facility_gw_online": ("Facility power online", "GW"),
    "it_gw_online": ("IT power online", "GW"),
    "build_rate_gw_per_week": ("Build rate (13-week mean)", "GW/week"),
    "facility_gw_added": ("Facility power added per week", "GW/week"),
    "it_gw_added": ("IT power added per week", "GW/week"),
    "h100e_online_m": ("Accelerators online (H100-equivalents)", "millions"),
    "energy_twh": ("Energy use", "TWh"),
    "racks_waiting_gw": ("Racks waiting for a powered shell", "GW"),
    "shells_empty_gw": ("Empty shells", "GW"),
    "shells_unpowered_gw": ("Shells waiting for power", "GW"),
    "cash_usd_b": ("Cash", "USD billions"),
}

#: The scenario page's sliders: catalog path patterns (prefix, suffix) worth moving first.
_MAIN_SUFFIXES: tuple[str, ...] = ("capacity.growth_after_pct_per_yr",)


def _clean(v: Any) -> Any:
    """None for NaN (JSON has no NaN)."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def series_json(run: StoredRun, name: str, key: str | None = None) -> dict[str, Any] | None:
    """Weekly p5/p50/p95 of one stored series (one ``key`` of a keyed one), or None."""
    df = run.series[run.series["variable"] == name]
    if df.empty:
        return None
    keys = sorted(k for k in df["key"].dropna().unique() if k)
    if keys:
        key = key if key in keys else keys[0]
        df = df[df["key"] == key]
    label, unit = SERIES_LABELS.get(name, (name.replace("_", " "), unit_of(name)))
    out: dict[str, Any] = {"name": name, "label": label, "unit": unit, "key": key, "keys": keys}
    out["week"] = [str(w)[:10] for w in pd.to_datetime(df["week"]).dt.date]
    for q in ("p5", "p50", "p95"):
        out[q] = [_clean(float(x)) for x in df[q].to_numpy(dtype=float)]
    return out


def series_names(run: StoredRun) -> list[str]:
    return sorted(run.series["variable"].unique().tolist())


def binding_json(run: StoredRun) -> dict[str, Any]:
    """Share of draws (0–1) in which each tier binds, per week."""
    b = run.binding
    if b.empty:
        return {"week": [], "tiers": {}}
    wide = b.pivot_table(index="week", columns="tier", values="share", aggfunc="first").fillna(0)
    wide = wide.loc[:, wide.max() > 0]
    return {
        "week": [str(w)[:10] for w in wide.index],
        "tiers": {t: [float(x) for x in wide[t]] for t in wide.columns},
    }


def sites_json(run: StoredRun) -> list[dict[str, Any]]:
    """Per site phase: planned and simulated (p5/p50/p95) energisation dates."""

    def day(v: Any) -> str | None:
        return None if pd.isna(v) else str(pd.Timestamp(v).date())

    return [
        {
            "phase": r.phase,
            "planned": day(r.planned),
            "p5": day(r.p5),
            "p50": day(r.p50),
            "p95": day(r.p95),
            "share_powered": _clean(float(str(r.share_powered))),
        }
        for r in run.phases.itertuples(index=False)
    ]


def money_json(run: StoredRun) -> dict[str, Any]:
    """The money side: the finance summary and the deal web laid out as a network."""
    fin = run.summary.get("finance") or {}
    return {"finance": fin, "network": network_json(run.flows, fin)}


def network_json(flows: pd.DataFrame, fin: dict[str, Any]) -> dict[str, Any]:
    """Entities on a circle, money flows as edges (USD billions), money-loop edges marked.

    An edge lies on a loop when both ends are consecutive entities of one of the finance
    summary's ``circularity.loops``.
    """
    inner = flows[(flows["payer"] != "external") & (flows["payee"] != "external")]
    f = inner.groupby(["payer", "payee"], as_index=False).agg(usd_b=("usd_b", "sum"))
    nodes = sorted(set(f["payer"]) | set(f["payee"]))
    if not nodes:
        return {"nodes": [], "edges": [], "loops": []}
    angle = 2 * np.pi * np.arange(len(nodes)) / len(nodes)
    pos = {n: (float(np.cos(a)), float(np.sin(a))) for n, a in zip(nodes, angle, strict=True)}
    loops = (fin.get("circularity") or {}).get("loops") or []
    on_loop: set[tuple[str, str]] = set()
    for loop in loops:
        chain = [s.strip() for s in str(loop.get("loop", "")).split("→")]
        on_loop |= set(itertools.pairwise(chain))
    return {
        "nodes": [{"id": n, "x": pos[n][0], "y": pos[n][1]} for n in nodes],
        "edges": [
            {"from": a, "to": b, "usd_b": round(usd, 3), "loop": (a, b) in on_loop}
            for a, b, usd in zip(
                f["payer"].astype(str),
                f["payee"].astype(str),
                f["usd_b"].astype(float),
                strict=True,
            )
            if usd > 0
        ],
        "loops": loops,
    }


def run_json(run: StoredRun) -> dict[str, Any]:
    """A stored run as the API shows it (``status: done``) with its summary."""
    return {
        "id": run.run_id,
        "run_id": run.run_id,
        "status": "done",
        "created_at": run.created_at.isoformat(),
        "scenario": run.scenario,
        "seed": run.seed,
        "draws": run.draws,
        "version": run.version,
        "input_hash": run.input_hash,
        "scenario_yaml": run.scenario_yaml,
        "scenario_data": yaml.safe_load(run.scenario_yaml) or {},
        "headline": {m: _clean(run.metrics.get(m)) for m in HEADLINE_METRICS},
        "series": series_names(run),
        "summary": run.summary,
    }


def diff_json(d: RunDiff) -> dict[str, Any]:
    """Inputs that changed, and every output that moved grouped by unit, largest move first.

    Moves are ranked by absolute size within their own unit (GW with GW, USD billions with
    USD billions); units are never compared with each other.
    """
    moved = []
    for m in [*d.headline, *d.metrics]:
        delta = m.delta
        if delta is None and m.a == m.b:
            continue
        moved.append(
            {
                "metric": m.metric,
                "unit": unit_of(m.metric),
                "a": _clean(m.a),
                "b": _clean(m.b),
                "delta": _clean(delta),
            }
        )
    moved.sort(
        key=lambda r: (
            r["unit"] == "",
            r["unit"],
            -abs(r["delta"]) if r["delta"] is not None else 0,
        )
    )
    return {
        "a": d.a,
        "b": d.b,
        "inputs": [{"key": k, "a": a, "b": b} for k, (a, b) in d.fields.items()]
        + [{"key": f"scenario: {k}", "a": a, "b": b} for k, a, b in d.settings],
        "differences": moved,
    }


def fact_json(path: str, f: Fact | DateFact) -> dict[str, Any]:
    return {
        "path": path,
        "value": f.value if isinstance(f, Fact) else str(f.value),
        "unit": getattr(f, "unit", "date"),
        "low": f.low,
        "high": f.high,
        "as_of": f.as_of,
        "conf": f.conf,
        "source": f.source,
        "note": getattr(f, "note", "") or "",
    }


def catalog_json(cat: Catalog) -> list[dict[str, Any]]:
    """Every catalog value with unit, range, as-of date, grade and source."""
    return [fact_json(p, f) for p, f in iter_facts(cat)]


def used_paths(cat: Catalog) -> set[str]:
    """Catalog paths the model reads for any shipped preset (overriding others changes nothing)."""
    from ..compile import compile_inputs
    from ..scenario import load_scenario, preset_names

    used: set[str] = set()
    for name in preset_names():
        inp = compile_inputs(load_scenario(name, cat), cat, 1, median=True)
        used |= set(str(inp.meta.get("used", "")).split("|"))
    return used


def main_assumptions(cat: Catalog, used: set[str]) -> list[dict[str, Any]]:
    """The values the Scenario page offers as sliders, each with a slider range.

    Per supply tier: its growth after the last sourced point, its last sourced capacity point,
    and its parameters (yield, MW per transformer), each only if the model reads it.  Range:
    the catalog's low–high, or ±50 % of the value when the catalog gives none, inside the
    value's allowed domain.
    """
    from ..scenario.domains import domain_of

    facts = [(p, f) for p, f in iter_facts(cat) if p in used and p.startswith("tiers.")]
    last_point: dict[str, str] = {}
    for p, _ in facts:
        if ".capacity.points." in p:
            last_point[p.split(".capacity.points.")[0]] = p  # points are listed in date order
    out = []
    for path, f in facts:
        keep = path.endswith(_MAIN_SUFFIXES) or ".params." in path or path in last_point.values()
        if not keep or not isinstance(f, Fact) or ".paths." in path:
            continue
        v = float(f.value)
        dom = domain_of(path, f)
        lo = f.low if f.low is not None else v - 0.5 * abs(v)
        hi = f.high if f.high is not None else v + 0.5 * abs(v)
        lo, hi = max(lo, dom.lo if math.isfinite(dom.lo) else lo), min(hi, dom.hi)
        out.append(fact_json(path, f) | {"min": lo, "max": hi})
    return out


def deals_json(cat: Catalog, used: set[str]) -> list[dict[str, Any]]:
    """Deals with a size in GW, and the values a resize scales together.

    Resizing a deal by a factor scales its GW and every point of its delivery schedule (GW by
    date) that the model reads (not its USD value: the validator refuses values the model does
    not read); a factor of 0 takes the deal out.  Deals the model does not read (superseded,
    cancelled) are left out.
    """
    out = []
    for deal_id, deal in cat.deals.items():
        sized = {
            p: float(f.value)
            for p, f in iter_facts(deal)
            if isinstance(f, Fact)
            and (p in ("gw", "usd_b") or p.startswith("schedule."))
            and f"deals.{deal_id}.{p}" in used
        }
        if "gw" not in sized:
            continue
        out.append(
            {
                "id": deal_id,
                "name": str(getattr(deal, "name", deal_id)),
                "kind": deal.kind,
                "payer": deal.payer,
                "payee": deal.payee,
                "status": deal.status_history[-1].status if deal.status_history else "",
                "gw": sized["gw"],
                "values": {f"deals.{deal_id}.{p}": v for p, v in sized.items()},
                "source": deal.gw.source if deal.gw is not None else "",
            }
        )
    return out
