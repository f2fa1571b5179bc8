"""The run store's tables (DDL), headline metrics, lineage helpers and the ``StoredRun`` record."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..series import (
    BINDING_COLUMNS,
    BOTTLENECK_COLUMNS,
    DIST_COLUMNS,
    FLOW_COLUMNS,
    PHASE_COLUMNS,
    SERIES_COLUMNS,
    TABLE_NAMES,
)

SCHEMA_VERSION = 1
ENV_VAR = "GIGAFACTORY_STORE"
Kind = Literal["run", "plan"]

#: Metrics shown by ``list_runs`` and compared first by ``diff_runs``.
#: a stored run's lineage columns in the ``runs`` table (listed and exported in this order)
RUN_COLUMNS = (
    "run_id",
    "created_at",
    "kind",
    "scenario",
    "seed",
    "draws",
    "version",
    "input_hash",
    "note",
)
HEADLINE_METRICS: tuple[str, ...] = (
    "gw_per_week_reached",
    "years.2027.facility_gw_online.p50",
    "years.2030.facility_gw_online.p50",
    "years.2030.gw_added_per_week.p50",
    "finance.funding_gap_usd_b.p50",
    "finance.first_breach",
)
#: Short column labels for ``HEADLINE_METRICS`` in tables.
HEADLINE_LABELS: dict[str, str] = {
    "gw_per_week_reached": "goal reached",
    "years.2027.facility_gw_online.p50": "GW 2027",
    "years.2030.facility_gw_online.p50": "GW 2030",
    "years.2030.gw_added_per_week.p50": "GW/wk 2030",
    "finance.funding_gap_usd_b.p50": "gap $B",
    "finance.first_breach": "1st breach",
}

_DDL = [
    """CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS runs (
        run_id VARCHAR PRIMARY KEY, created_at TIMESTAMP NOT NULL, kind VARCHAR NOT NULL,
        scenario VARCHAR NOT NULL, scenario_yaml VARCHAR NOT NULL, seed BIGINT, draws INTEGER,
        version VARCHAR NOT NULL, input_hash VARCHAR NOT NULL, summary JSON NOT NULL,
        note VARCHAR, trajectories VARCHAR, attrs JSON)""",
    """CREATE TABLE IF NOT EXISTS metrics (
        run_id VARCHAR NOT NULL, metric VARCHAR NOT NULL, value DOUBLE, text VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS series (
        run_id VARCHAR NOT NULL, source VARCHAR NOT NULL, variable VARCHAR NOT NULL,
        key VARCHAR NOT NULL, week DATE NOT NULL, p5 DOUBLE, p50 DOUBLE, p95 DOUBLE, mean DOUBLE)""",
    """CREATE TABLE IF NOT EXISTS distributions (
        run_id VARCHAR NOT NULL, source VARCHAR NOT NULL, variable VARCHAR NOT NULL,
        key VARCHAR NOT NULL, p5 DOUBLE, p50 DOUBLE, p95 DOUBLE, mean DOUBLE)""",
    """CREATE TABLE IF NOT EXISTS binding (
        run_id VARCHAR NOT NULL, week DATE NOT NULL, tier VARCHAR NOT NULL, share DOUBLE)""",
    """CREATE TABLE IF NOT EXISTS phases (
        run_id VARCHAR NOT NULL, phase VARCHAR NOT NULL, planned DATE, p5 DATE, p50 DATE,
        p95 DATE, share_powered DOUBLE)""",
    """CREATE TABLE IF NOT EXISTS flows (
        run_id VARCHAR NOT NULL, payer VARCHAR NOT NULL, payee VARCHAR NOT NULL,
        kind VARCHAR NOT NULL, usd_b DOUBLE)""",
    """CREATE TABLE IF NOT EXISTS bottlenecks (
        run_id VARCHAR NOT NULL, "constraint" VARCHAR NOT NULL, period VARCHAR,
        shadow_price DOUBLE, unit VARCHAR)""",
]
_TABLES = frozenset(
    [
        "meta",
        "runs",
        "metrics",
        "series",
        "distributions",
        "binding",
        "phases",
        "flows",
        "bottlenecks",
    ]
)
_CHILD_TABLES = ("metrics", *TABLE_NAMES)


def default_store_path() -> Path:
    """``$GIGAFACTORY_STORE``, else ``$XDG_DATA_HOME/gigafactory/runs.duckdb`` (``~/.local/share``)."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "gigafactory" / "runs.duckdb"


def package_version() -> str:
    try:
        return metadata.version("gigafactory")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0+unknown"


def input_hash(scenario_yaml: str, catalog: Any = None) -> str:
    """sha256 over the resolved scenario YAML and the catalog's content (canonical JSON).

    Two runs with the same hash, seed and draws used exactly the same inputs.
    """
    h = hashlib.sha256(b"scenario\0" + scenario_yaml.encode())
    if catalog is not None:
        dumped = catalog.model_dump(mode="json") if hasattr(catalog, "model_dump") else catalog
        h.update(b"\0catalog\0" + json.dumps(dumped, sort_keys=True, default=str).encode())
    return h.hexdigest()


#: How each quantile table (``results.series.TABLE_NAMES``) is read back: its columns (as
#: written by ``results.series``), its row order and the columns that hold dates.
TABLE_READS: dict[str, tuple[list[str], str, tuple[str, ...]]] = {
    "series": (SERIES_COLUMNS, "source, variable, key, week", ("week",)),
    "distributions": (DIST_COLUMNS, "rowid", ()),
    "binding": (BINDING_COLUMNS, "week, tier", ("week",)),
    "phases": (PHASE_COLUMNS, "rowid", ("planned", "p5", "p50", "p95")),
    "flows": (FLOW_COLUMNS, "usd_b DESC", ()),
    "bottlenecks": (BOTTLENECK_COLUMNS, "rowid", ()),
}


@dataclass(frozen=True)
class RunTables:
    """A run's quantile tables (``TABLE_NAMES``), with the columns of ``results.series``.

    Held by a stored run (``StoredRun``) and by what a report draws (``report.ReportData``),
    so the tables are named and typed once.
    """

    series: pd.DataFrame
    distributions: pd.DataFrame
    binding: pd.DataFrame
    phases: pd.DataFrame
    flows: pd.DataFrame
    bottlenecks: pd.DataFrame

    def tables(self) -> dict[str, Any]:
        """The tables by name, in ``TABLE_NAMES`` order (to pass on as keywords)."""
        return {name: getattr(self, name) for name in TABLE_NAMES}


@dataclass(frozen=True)
class StoredRun(RunTables):
    """One run as kept in the store (quantiles, not draws): lineage, metrics and the tables."""

    run_id: str
    created_at: dt.datetime
    kind: str
    scenario: str
    scenario_yaml: str
    seed: int | None
    draws: int | None
    version: str
    input_hash: str
    summary: dict[str, Any]
    attrs: dict[str, Any]
    note: str
    metrics: dict[str, float | str | None]
    trajectories: Path | None = None


def metrics_frame(metrics: Mapping[str, float | str | None]) -> pd.DataFrame:
    """The ``metrics`` table of a run: ``metric, value, text`` (a number in ``value``, a text
    in ``text``, the other None)."""
    return pd.DataFrame(
        {
            "metric": list(metrics),
            "value": [v if isinstance(v, float) else None for v in metrics.values()],
            "text": [v if isinstance(v, str) else None for v in metrics.values()],
        }
    )


def _opt_int(v: Any) -> int | None:
    return None if v is None else int(v)


def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, dt.date | pd.Timestamp):
        return o.isoformat()
    return str(o)
