"""What a report shows, gathered from fresh results or from a stored run.

Both routes end in the same ``ReportData`` — quantile tables rather than draws — so a report
written straight after a run and one rebuilt later from the run store are the same report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import xarray as xr

from ..results.series import TABLE_NAMES, run_tables
from ..results.store import StoredRun, input_hash, package_version
from ..results.store.schema import RunTables

FACT_COLUMNS = ["path", "value", "unit", "as_of", "conf", "low", "high", "source", "note"]


@dataclass(frozen=True)
class ReportData(RunTables):
    """Everything a report draws: a run's quantile tables (``RunTables``: series,
    distributions, binding, phases, flows, bottlenecks) and what surrounds them.

    Attributes
    ----------
    title : str
        Heading of the report.
    lineage : dict[str, str]
        Run id, scenario, seed, draws, version, input hash, created — shown in the header.
    summary : dict
        The summary.json content.
    scenario_yaml : str
        The resolved scenario.
    facts : pd.DataFrame
        Catalog facts (``FACT_COLUMNS``).
    goal_gw_per_week : float
        The weekly build-rate goal, GW/week, on ``goal_basis`` power.
    goal_basis : str
        ``facility`` or ``it``.
    has_finance, has_plan : bool
        Whether finance or planner results were given (sections say so when not).
    warnings : list[str]
        Shown at the top (e.g. the catalog changed since a stored run).
    """

    title: str
    lineage: dict[str, str]
    summary: dict[str, Any]
    scenario_yaml: str
    facts: pd.DataFrame
    goal_gw_per_week: float = 1.0
    goal_basis: str = "facility"
    has_finance: bool = False
    has_plan: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def main_source(self) -> str:
        """``physical`` (Monte Carlo results) when present, else ``plan`` (a plan-only run)."""
        has_physical = (self.series["source"] == "physical").any()
        return "physical" if has_physical or not (self.series["source"] == "plan").any() else "plan"

    def fan(self, variable: str, source: str | None = None, key: str = "") -> pd.DataFrame:
        """The weekly p5/p50/p95 rows of one variable (empty when absent).

        ``source`` defaults to ``main_source``, so a plan-only report draws the plan's schedule.
        """
        source = source or self.main_source
        s = self.series
        return s[
            (s["source"] == source) & (s["variable"] == variable) & (s["key"] == key)
        ].sort_values("week")

    def dist(self, variable: str, source: str = "finance") -> pd.DataFrame:
        """The per-key p5/p50/p95 rows of one per-draw quantity (empty when absent)."""
        d = self.distributions
        return d[(d["source"] == source) & (d["variable"] == variable)]

    def top_bottlenecks(self, top: int = 15) -> pd.DataFrame:
        """The planner's ``top`` binding constraints, largest ``|shadow price|`` first: one row
        per constraint (its largest price over periods; prices in the constraint's own unit)."""
        b = self.bottlenecks.dropna(subset=["shadow_price"])
        return (
            b.assign(abs_price=b["shadow_price"].abs())
            .sort_values("abs_price", ascending=False)
            .drop_duplicates("constraint")
            .head(top)
        )

    def variables(self, source: str) -> list[str]:
        return list(dict.fromkeys(self.series.loc[self.series["source"] == source, "variable"]))

    def keys(self, variable: str, source: str) -> list[str]:
        s = self.series
        return list(
            dict.fromkeys(s.loc[(s["source"] == source) & (s["variable"] == variable), "key"])
        )


def fact_table(catalog: Any) -> pd.DataFrame:
    """Every sourced catalog leaf (``iter_facts``) as a row: path, value, unit, as_of, conf, range, source."""
    if catalog is None:
        return pd.DataFrame(columns=FACT_COLUMNS)
    from ..catalog.schema import Fact, iter_facts

    rows = [
        (
            path,
            f.value,
            f.unit if isinstance(f, Fact) else "date",
            f.as_of,
            f.conf,
            f.low,
            f.high,
            f.source,
            f.note or "",
        )
        for path, f in iter_facts(catalog)
    ]
    return pd.DataFrame(rows, columns=FACT_COLUMNS)


def from_results(
    *,
    physical: xr.Dataset | None,
    summary: Mapping[str, Any],
    scenario_yaml: str,
    catalog: Any,
    finance: xr.Dataset | None = None,
    plan: Any = None,
    title: str | None = None,
    lineage: Mapping[str, Any] | None = None,
    tables: Mapping[str, pd.DataFrame] | None = None,
) -> ReportData:
    """Reduce fresh results (every draw) to a ``ReportData``.

    ``tables`` are the run's quantile tables from ``run_tables`` when already computed (the
    store shares them); otherwise they are computed here.
    """
    reduced: dict[str, Any] = (
        dict(tables) if tables is not None else run_tables(physical, finance, plan)
    )
    attrs = physical.attrs if physical is not None else {}
    meta = {
        "scenario": str(summary.get("scenario") or attrs.get("scenario") or "unnamed"),
        "seed": str(summary.get("seed", attrs.get("seed", ""))),
        "draws": str(summary.get("draws", attrs.get("draws", ""))),
        "scope": str(summary.get("scope", attrs.get("scope", ""))),
        "version": package_version(),
        "input_hash": input_hash(scenario_yaml, catalog)[:12],
        "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    } | {k: str(v) for k, v in (lineage or {}).items()}
    return ReportData(
        **{name: reduced[name] for name in TABLE_NAMES},
        title=title or f"gigafactory — {meta['scenario']}",
        lineage=meta,
        summary=dict(summary),
        scenario_yaml=scenario_yaml,
        facts=fact_table(catalog),
        goal_gw_per_week=float(attrs.get("goal_gw_per_week", 1.0)),
        goal_basis=str(attrs.get("goal_basis", "facility")),
        has_finance=finance is not None or "finance" in summary,
        has_plan=plan is not None,
    )


def from_stored(run: StoredRun, *, catalog: Any, title: str | None = None) -> ReportData:
    """A ``ReportData`` from a stored run; warns when the catalog changed since the run."""
    warnings: list[str] = []
    if catalog is not None and input_hash(run.scenario_yaml, catalog) != run.input_hash:
        warnings.append(
            "The catalog has changed since this run was saved: the assumptions table shows the "
            "current catalog, not necessarily the one the run used (input hash differs)."
        )
    raw_goal = run.summary.get("goal")
    goal_section: Mapping[str, Any] = raw_goal if isinstance(raw_goal, Mapping) else {}
    goal = run.attrs.get("goal_gw_per_week", goal_section.get("gw_per_week"))
    return ReportData(
        **run.tables(),
        title=title or f"gigafactory — {run.scenario} (run {run.run_id})",
        lineage={
            "run_id": run.run_id,
            "scenario": run.scenario,
            "seed": str(run.seed),
            "draws": str(run.draws),
            "scope": str(run.summary.get("scope", "")),
            "version": run.version,
            "input_hash": run.input_hash[:12],
            "created": run.created_at.strftime("%Y-%m-%d %H:%M UTC"),
        },
        summary=run.summary,
        scenario_yaml=run.scenario_yaml,
        facts=fact_table(catalog),
        goal_gw_per_week=float(goal) if isinstance(goal, int | float) else 1.0,
        goal_basis=str(run.attrs.get("goal_basis", goal_section.get("basis", "facility"))),
        has_finance=bool((run.series["source"] == "finance").any()) or "finance" in run.summary,
        has_plan=run.kind == "plan" or not run.bottlenecks.empty,
        warnings=warnings,
    )
