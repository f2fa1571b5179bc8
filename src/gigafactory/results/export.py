"""A stored run as review tables: CSV files and an Excel workbook.

The same tables back ``gigafactory runs export --csv DIR | --xlsx FILE`` and the browser app's
Download page.  Sheets (one CSV file each):

=============  ============================================================================
summary        lineage (id, scenario, seed, draws, version, input hash) and every headline
               number of the run that is not by year, one row per metric with its unit
years          one row per calendar year: p5/p50/p95 of IT and facility GW online (GW),
               GW added per week (GW/week), H100e online (millions), the binding tiers
binding        share of draws (0–1) in which each tier binds, per week
finance        every money-side metric (USD billions unless the name says otherwise)
flows          money flows between entities over the horizon (USD billions, mean of draws)
sites          per site phase: planned and simulated (p5/p50/p95) energisation week
assumptions    every catalog value with unit, range, as-of date, source and confidence grade,
               and the value the run's scenario overrode it with (empty when not overridden)
=============  ============================================================================
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ..catalog.schema import iter_facts
from .store import StoredRun

#: The tables in the order of the workbook's sheets.
TABLES: tuple[str, ...] = (
    "summary",
    "years",
    "binding",
    "finance",
    "flows",
    "sites",
    "assumptions",
)

#: Units read off a metric's name (the project keeps units in names); first match wins.
#: Each pattern must match a whole word of the dotted, underscored name.
_UNIT_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"_reached$|_reached_net$|(^|_)first_breach$", "ISO week"),
    (r"gw_per_week|gw_added_per_week", "GW/week"),
    (r"usd_b", "USD billions"),
    (r"(^|_)twh($|_)", "TWh"),
    (r"(^|_)weeks($|_)", "weeks"),
    (r"(^|_)gw($|_)", "GW"),
    (r"_m$", "millions"),
    (r"(^|_)binding($|_)", "share of draws (0–1)"),
    (r"(^|_)share($|_)", "share (0–1)"),
    (r"probability", "probability (0–1)"),
    (r"(^|_)ratio($|_)", "ratio"),
    (r"(^|_)index($|_)", "index"),
)

_YEAR_VARS: tuple[tuple[str, str], ...] = (
    ("it_gw_online", "IT GW online"),
    ("facility_gw_online", "facility GW online"),
    ("gw_added_per_week", "GW/week added"),
    ("h100e_online_m", "H100e online (millions)"),
    ("energy_twh", "energy (TWh)"),
)


def unit_of(metric: str) -> str:
    """The unit a dotted metric name carries (``finance.funding_gap_usd_b.p50`` → USD billions).

    Every dotted part is tried against each pattern in turn, so ``binding_weeks_mean.orders``
    is in weeks and ``years.2031.h100e_online_m.p50`` in millions.
    """
    parts = [p for p in metric.split(".") if p not in ("p5", "p50", "p95", "mean")]
    for pattern, unit in _UNIT_PATTERNS:
        if any(re.search(pattern, p) for p in parts):
            return unit
    return ""


def summary_table(run: StoredRun) -> pd.DataFrame:
    """Lineage, then every metric that is not by year or from the money side."""
    rows: list[dict[str, Any]] = [
        {"metric": k, "value": str(v) if v is not None else "", "unit": ""}
        for k, v in (
            ("run_id", run.run_id),
            ("created_at (UTC)", run.created_at.isoformat()),
            ("scenario", run.scenario),
            ("seed", run.seed),
            ("draws", run.draws),
            ("version", run.version),
            ("input_hash", run.input_hash),
        )
    ]
    for k, v in run.metrics.items():
        if k.startswith(("years.", "finance.", "needs.")) or k in ("scenario", "seed", "draws"):
            continue
        rows.append({"metric": k, "value": "" if v is None else v, "unit": unit_of(k)})
    return pd.DataFrame(rows, columns=["metric", "value", "unit"])


def years_table(run: StoredRun) -> pd.DataFrame:
    """One row per year: p5/p50/p95 of the headline quantities and the binding tiers."""
    rows = []
    for year, v in sorted((run.summary.get("years") or {}).items()):
        row: dict[str, Any] = {"year": int(year)}
        for key, label in _YEAR_VARS:
            q = v.get(key) or {}
            q = q.get("total", q)  # by-region entries (energy_twh) lead with their total
            for p in ("p5", "p50", "p95"):
                row[f"{label} {p}"] = q.get(p)
        bind = v.get("binding") or {}
        row["binding (share of draws)"] = ", ".join(f"{k} {s:.0%}" for k, s in bind.items())
        rows.append(row)
    return pd.DataFrame(rows)


def finance_table(run: StoredRun) -> pd.DataFrame:
    """Every money-side metric with its unit (empty when the run had no money side)."""
    rows = [
        {
            "metric": k.removeprefix("finance."),
            "value": "" if v is None else v,
            "unit": unit_of(k),
        }
        for k, v in run.metrics.items()
        if k.startswith("finance.")
    ]
    return pd.DataFrame(rows, columns=["metric", "value", "unit"])


def sites_table(run: StoredRun) -> pd.DataFrame:
    """Planned vs simulated energisation week of every site phase."""
    ph = run.phases.copy()
    if ph.empty:
        return pd.DataFrame(columns=["site", "phase", "planned", "p5", "p50", "p95"])
    split = ph["phase"].str.split("/", n=1, expand=True)
    ph.insert(0, "site", split[0])
    ph["phase"] = split[1] if split.shape[1] > 1 else ""
    for c in ("planned", "p5", "p50", "p95"):
        ph[c] = pd.to_datetime(ph[c]).dt.date
    return ph.rename(columns={"share_powered": "share of draws powered"})


def assumptions_table(run: StoredRun, catalog: Any) -> pd.DataFrame:
    """Every catalog value with its source, and the run's override of it (if any)."""
    sc = yaml.safe_load(run.scenario_yaml) or {}
    overrides = sc.get("overrides") or {}
    rows = []
    for path, f in iter_facts(catalog):
        over = overrides.get(path)
        rows.append(
            {
                "path": path,
                "value": f.value if not hasattr(f.value, "isoformat") else str(f.value),
                "unit": getattr(f, "unit", "date"),
                "low": f.low,
                "high": f.high,
                "as_of": f.as_of,
                "confidence": f.conf,
                "source": f.source,
                "scenario override": "" if over is None else json.dumps(over),
            }
        )
    return pd.DataFrame(rows)


def run_tables(run: StoredRun, catalog: Any) -> dict[str, pd.DataFrame]:
    """Every review table of a stored run, keyed by the names in ``TABLES``."""
    return {
        "summary": summary_table(run),
        "years": years_table(run),
        "binding": run.binding.assign(week=pd.to_datetime(run.binding["week"]).dt.date),
        "finance": finance_table(run),
        "flows": run.flows,
        "sites": sites_table(run),
        "assumptions": assumptions_table(run, catalog),
    }


def write_csv(run: StoredRun, catalog: Any, directory: Path) -> list[Path]:
    """Write one ``<table>.csv`` per table into ``directory`` (created); return the files."""
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for name, df in run_tables(run, catalog).items():
        path = directory / f"{name}.csv"
        df.to_csv(path, index=False)
        out.append(path)
    return out


def write_xlsx(run: StoredRun, catalog: Any, target: Any) -> None:
    """Write the tables as one Excel workbook (a sheet per table) to a path or binary file."""
    with pd.ExcelWriter(target, engine="openpyxl") as xl:
        for name, df in run_tables(run, catalog).items():
            df.to_excel(xl, sheet_name=name, index=False)
            sheet = xl.sheets[name]
            for col in sheet.columns:
                width = max(
                    (len(str(c.value)) for c in col[:200] if c.value is not None), default=8
                )
                sheet.column_dimensions[col[0].column_letter].width = min(max(width + 2, 8), 60)
            sheet.freeze_panes = "A2"
