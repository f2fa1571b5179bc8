"""The run store: every run and plan kept in an embedded DuckDB file, with its lineage.

Layout (one DuckDB file; full trajectories optionally as Parquet in a folder beside it)::

    runs        run_id, created_at, kind, scenario, scenario_yaml, seed, draws, version,
                input_hash, summary (JSON), note, trajectories (folder name or NULL)
    metrics     run_id, metric, value, text         every leaf of summary.json, dotted
    series      run_id, source, variable, key, week, p5, p50, p95, mean
    distributions  run_id, source, variable, key, p5, p50, p95, mean   (per draw, no week)
    binding     run_id, week, tier, share
    phases      run_id, phase, planned, p5, p50, p95, share_powered
    flows       run_id, payer, payee, kind, usd_b
    bottlenecks run_id, constraint, period, shadow_price, unit

Safety:

* A save is one DuckDB transaction: a failed or killed save leaves no rows behind.  Parquet
  trajectories are written to a temporary folder and renamed into place inside the
  transaction, just before the commit; on failure the folder is removed, and folders left
  by a killed writer are swept by the next writer (never a row pointing at a missing one).
* DuckDB admits one writing process at a time, so every connection is taken under an
  advisory ``fcntl.flock`` on ``<store>.lock`` — exclusive to write, shared to read — with
  exponential back-off up to ``timeout`` seconds.  The kernel releases the lock when a
  process dies, so a killed writer never blocks the store.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import fcntl
import hashlib
import json
import os
import random
import secrets
import shutil
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import duckdb
import numpy as np
import pandas as pd
import xarray as xr
import yaml

from ..errors import GigafactoryError
from .series import (
    BINDING_COLUMNS,
    DIST_COLUMNS,
    FLOW_COLUMNS,
    PHASE_COLUMNS,
    SERIES_COLUMNS,
    binding_shares,
    bottleneck_frame,
    distributions,
    flatten_metrics,
    money_flows,
    phase_table,
    physical_series,
    quantile_series,
)

SCHEMA_VERSION = 1
ENV_VAR = "GIGAFACTORY_STORE"
Kind = Literal["run", "plan"]

#: Metrics shown by ``list_runs`` and compared first by ``diff_runs``.
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
_CHILD_TABLES = ("metrics", "series", "distributions", "binding", "phases", "flows", "bottlenecks")


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


@dataclass(frozen=True)
class StoredRun:
    """One run as kept in the store (quantiles, not draws).

    ``series``, ``binding``, ``phases``, ``flows``, ``bottlenecks`` have the columns of
    ``gigafactory.results.series`` (plus ``constraint, period, shadow_price, unit``).
    """

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
    series: pd.DataFrame
    distributions: pd.DataFrame
    binding: pd.DataFrame
    phases: pd.DataFrame
    flows: pd.DataFrame
    bottlenecks: pd.DataFrame
    trajectories: Path | None = None


@dataclass(frozen=True)
class MetricChange:
    metric: str
    a: float | str | None
    b: float | str | None

    @property
    def delta(self) -> float | None:
        if isinstance(self.a, float) and isinstance(self.b, float):
            return self.b - self.a
        return None


@dataclass(frozen=True)
class RunDiff:
    """What changed between two runs: inputs first, then outputs.

    Attributes
    ----------
    a, b : str
        Run ids.
    fields : dict[str, tuple]
        Lineage fields that differ (``seed``, ``draws``, ``scenario``, ``version``, ``input_hash``).
    settings : list[tuple[str, Any, Any]]
        Dotted scenario keys whose value differs (``overrides.tiers.cowos.capacity`` …);
        ``None`` stands for "absent".
    yaml_diff : list[str]
        Unified diff of the resolved scenario YAML texts.
    headline : list[MetricChange]
        The ``HEADLINE_METRICS`` of both runs (changed or not).
    metrics : list[MetricChange]
        Every other summary metric that moved, largest relative move first.
    """

    a: str
    b: str
    fields: dict[str, tuple[Any, Any]]
    settings: list[tuple[str, Any, Any]]
    yaml_diff: list[str]
    headline: list[MetricChange]
    metrics: list[MetricChange] = field(default_factory=list)

    @property
    def same_inputs(self) -> bool:
        return not self.fields and not self.settings


class RunStore:
    """Runs and plans in an embedded DuckDB file.

    Parameters
    ----------
    path : str or Path, optional
        The DuckDB file; default ``default_store_path()``.  Created on first save.
    timeout : float
        Seconds to wait for another process's write before giving up (``GigafactoryError``).
    """

    def __init__(self, path: str | Path | None = None, *, timeout: float = 60.0) -> None:
        self.path = Path(path).expanduser() if path is not None else default_store_path()
        self.timeout = timeout

    # -- locking and connections ------------------------------------------------------

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    @property
    def trajectories_dir(self) -> Path:
        return self.path.with_name(self.path.stem + ".trajectories")

    @contextlib.contextmanager
    def _lock(self, exclusive: bool) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            mode = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB
            self._retry(lambda: fcntl.flock(fd, mode), BlockingIOError)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    def _retry(
        self, attempt: Any, error: type[BaseException] | tuple[type[BaseException], ...]
    ) -> Any:
        """Call ``attempt()`` until it stops raising ``error``, backing off up to ``timeout``."""
        deadline = time.monotonic() + self.timeout
        delay = 0.005
        while True:
            try:
                return attempt()
            except error as exc:
                if time.monotonic() >= deadline:
                    raise GigafactoryError(
                        f"the run store {self.path} stayed busy for {self.timeout:.0f} s ({exc}); "
                        "another gigafactory process is writing to it — retry, or pass --store "
                        "to use another file"
                    ) from None
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 0.25)

    @contextlib.contextmanager
    def _connect(self, write: bool) -> Iterator[duckdb.DuckDBPyConnection | None]:
        """A connection under the file lock; ``None`` when reading a store not yet created.

        Writers create or complete the schema (one transaction, so all tables or none).  A
        reader that finds a store made by an older version, with tables missing, lets go of
        its shared lock and comes back as a writer to add them.
        """
        upgrade = False
        if not write and not self.path.exists():
            yield None  # nothing to read, and reading creates nothing (no folder, no lock file)
            return
        with self._lock(exclusive=write):
            if not write and not self.path.exists():
                yield None
                return
            con = self._open(read_only=not write)
            try:
                present = self._table_names(con)
                if write and present < _TABLES:
                    con.execute("BEGIN TRANSACTION")
                    for ddl in _DDL:
                        con.execute(ddl)
                    con.execute(
                        "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                        [str(SCHEMA_VERSION)],
                    )
                    con.execute("COMMIT")
                if write or present >= _TABLES:
                    yield con
                    return
                if "runs" not in present:
                    yield None
                    return
                upgrade = True
            finally:
                con.close()
        if upgrade:
            with self._connect(write=True) as upgraded:
                yield upgraded

    def _open(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        def attempt() -> duckdb.DuckDBPyConnection:
            try:
                return duckdb.connect(str(self.path), read_only=read_only)
            except duckdb.IOException as exc:
                if "lock" in str(exc).lower():
                    raise  # retried below
                raise GigafactoryError(
                    f"{self.path} is not a gigafactory run store that DuckDB {duckdb.__version__} can open "
                    f"({exc}); pass --store PATH (or set {ENV_VAR}) to use another file"
                ) from None

        # A process that ignores our lock file (the duckdb CLI) can still hold DuckDB's own lock.
        con: duckdb.DuckDBPyConnection = self._retry(attempt, duckdb.IOException)
        # Never let SQL resolve an unknown table name to a Python variable in scope.
        con.execute("SET python_enable_replacements = false")
        return con

    @staticmethod
    def _table_names(con: duckdb.DuckDBPyConnection) -> set[str]:
        return {
            r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        }

    # -- writing ------------------------------------------------------------------------

    def save_run(
        self,
        summary: Mapping[str, Any],
        *,
        scenario_yaml: str,
        physical: xr.Dataset | None = None,
        finance: xr.Dataset | None = None,
        plan: Any = None,
        kind: Kind | None = None,
        scenario: str | None = None,
        seed: int | None = None,
        draws: int | None = None,
        catalog: Any = None,
        input_hash_: str | None = None,
        trajectories: bool = False,
        note: str = "",
    ) -> str:
        """Save one run or plan in a single transaction and return its id.

        Parameters
        ----------
        summary : mapping
            The summary.json content (plan.json for a plan).
        scenario_yaml : str
            The resolved scenario as YAML text (what was run, after ``extends:`` and overrides).
        physical : xr.Dataset, optional
            ``simulate`` output; its headline variables are kept as weekly p5/p50/p95, with
            binding-tier shares and site-phase dates.
        finance : xr.Dataset, optional
            ``run_finance`` output; every ``(draw, week[, entity])`` variable is kept as
            quantiles, and payer → payee flows when present.
        plan : PlanResult, optional
            Planner output: ``plan.schedule`` (xr.Dataset over weeks) and ``plan.bottlenecks``
            (DataFrame with constraint, period, shadow_price, unit).
        kind : {"run", "plan"}, optional
            Default "plan" when only a plan is given, else "run".
        scenario, seed, draws : optional
            Default from ``summary`` or ``physical.attrs``.
        catalog : Catalog, optional
            Hashed with the scenario into ``input_hash`` (unless ``input_hash_`` is given).
        trajectories : bool
            Also keep every draw of ``physical`` and ``finance`` as Parquet beside the store.
        note : str
            Free text shown by ``runs list``.

        Raises
        ------
        GigafactoryError
            When the store stays locked by another writer for ``timeout`` seconds.
        """
        attrs = physical.attrs if physical is not None else {}
        kind = kind or ("plan" if plan is not None and physical is None else "run")
        scenario = scenario or str(summary.get("scenario") or attrs.get("scenario") or "unnamed")
        seed = _opt_int(seed if seed is not None else summary.get("seed", attrs.get("seed")))
        draws = _opt_int(draws if draws is not None else summary.get("draws", attrs.get("draws")))
        run_id = secrets.token_hex(4)
        tables = self._tables(physical, finance, plan, summary)
        created = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
        row = [
            run_id,
            created,
            kind,
            scenario,
            scenario_yaml,
            seed,
            draws,
            package_version(),
            input_hash_ or input_hash(scenario_yaml, catalog),
            json.dumps(summary, default=_json_default),
            note,
            None,
            json.dumps(dict(attrs), default=_json_default),
        ]
        tmp_dir: Path | None = None
        if trajectories and (physical is not None or finance is not None):
            # The slow part (Parquet) runs before taking the lock; the folder gets its final
            # name only inside the transaction, so other writers never wait on it.
            tmp_dir = self._write_trajectories(run_id, physical, finance)
            row[-2] = run_id
        final_dir = self.trajectories_dir / run_id
        try:
            with self._connect(write=True) as con:
                assert con is not None
                self._sweep_orphans(con)
                con.execute("BEGIN TRANSACTION")
                try:
                    con.execute(f"INSERT INTO runs VALUES ({', '.join('?' * len(row))})", row)
                    for name, df in tables.items():
                        self._insert(con, name, run_id, df)
                    if tmp_dir is not None:
                        tmp_dir.rename(final_dir)
                    con.execute("COMMIT")
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
        except BaseException:
            for folder in (tmp_dir, final_dir if tmp_dir is not None else None):
                if folder is not None:
                    shutil.rmtree(folder, ignore_errors=True)
            raise
        return run_id

    def _sweep_orphans(self, con: duckdb.DuckDBPyConnection) -> None:
        """Remove Parquet folders left by killed writers (call under the exclusive lock).

        A final-named folder no run refers to was renamed by a writer killed before its
        commit (renames happen only under the lock, so no live writer owns it); a temporary
        folder belongs to its process id and is removed once that process is gone.
        """
        if not self.trajectories_dir.is_dir():
            return
        kept = {
            r[0]
            for r in con.execute(
                "SELECT trajectories FROM runs WHERE trajectories IS NOT NULL"
            ).fetchall()
        }
        for entry in self.trajectories_dir.iterdir():
            if entry.name.startswith("."):
                pid = entry.name.rpartition(".tmp-")[2]
                if pid.isdigit() and _alive(int(pid)):
                    continue
            elif entry.name in kept:
                continue
            shutil.rmtree(entry, ignore_errors=True)

    @staticmethod
    def _tables(
        physical: xr.Dataset | None,
        finance: xr.Dataset | None,
        plan: Any,
        summary: Mapping[str, Any],
    ) -> dict[str, pd.DataFrame]:
        metrics = flatten_metrics(summary)
        series = [
            physical_series(physical) if physical is not None else None,
            quantile_series(finance, source="finance") if finance is not None else None,
            quantile_series(plan.schedule, source="plan")
            if getattr(plan, "schedule", None) is not None
            else None,
        ]
        bottlenecks = getattr(plan, "bottlenecks", None)
        return {
            "metrics": pd.DataFrame(
                {
                    "metric": list(metrics),
                    "value": [v if isinstance(v, float) else None for v in metrics.values()],
                    "text": [v if isinstance(v, str) else None for v in metrics.values()],
                }
            ),
            "series": pd.concat(
                [s for s in series if s is not None and len(s)]
                or [pd.DataFrame(columns=SERIES_COLUMNS)]
            ),
            "distributions": pd.concat(
                [
                    distributions(physical, source="physical"),
                    distributions(finance, source="finance"),
                ],
                ignore_index=True,
            ),
            "binding": binding_shares(physical)
            if physical is not None
            else pd.DataFrame(columns=BINDING_COLUMNS),
            "phases": phase_table(physical)
            if physical is not None
            else pd.DataFrame(columns=PHASE_COLUMNS),
            "flows": money_flows(finance),
            "bottlenecks": bottleneck_frame(bottlenecks),
        }

    @staticmethod
    def _insert(con: duckdb.DuckDBPyConnection, table: str, run_id: str, df: pd.DataFrame) -> None:
        if df.empty:
            return
        cols = list(df.columns)
        quoted = ", ".join(f'"{c}"' for c in cols)
        con.register("_frame", df)
        try:
            con.execute(
                f"INSERT INTO {table} (run_id, {quoted}) SELECT ?, {quoted} FROM _frame", [run_id]
            )
        finally:
            con.unregister("_frame")

    def _write_trajectories(
        self, run_id: str, physical: xr.Dataset | None, finance: xr.Dataset | None
    ) -> Path:
        """Write every draw as Parquet (one file per dimension group) into a temporary folder."""
        tmp = self.trajectories_dir / f".{run_id}.tmp-{os.getpid()}"
        tmp.mkdir(parents=True, exist_ok=False)
        try:
            for source, ds in (("physical", physical), ("finance", finance)):
                if ds is None:
                    continue
                for dims, names in _dim_groups(ds).items():
                    frame = (
                        ds[names].to_dataframe().reset_index()
                        if dims
                        else pd.DataFrame({n: [ds[n].item()] for n in names})
                    )
                    frame.to_parquet(
                        tmp / f"{source}.{'-'.join(dims) or 'scalar'}.parquet",
                        index=False,
                        compression="zstd",
                    )
                # Parquet round trips sort labels; keep each label dimension's order to restore it.
                order = {
                    str(d): [str(v) for v in ds[d].values]
                    for d in ds.dims
                    if d in ds.coords and ds[d].dtype.kind in "OUST"
                }
                (tmp / f"{source}.attrs.json").write_text(
                    json.dumps({"attrs": ds.attrs, "order": order}, default=_json_default)
                )
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return tmp

    def delete_run(self, run_id: str) -> str:
        """Delete a run (all its rows, in one transaction, and its Parquet folder); return its full id."""
        with self._connect(write=True) as con:
            assert con is not None
            full = self._resolve(con, run_id)
            row = con.execute("SELECT trajectories FROM runs WHERE run_id = ?", [full]).fetchone()
            con.execute("BEGIN TRANSACTION")
            try:
                for table in (*_CHILD_TABLES, "runs"):
                    con.execute(f"DELETE FROM {table} WHERE run_id = ?", [full])
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        if row and row[0]:
            shutil.rmtree(self.trajectories_dir / row[0], ignore_errors=True)
        return full

    # -- reading ------------------------------------------------------------------------

    def _resolve(self, con: duckdb.DuckDBPyConnection | None, run_id: str) -> str:
        """A full run id from a unique prefix (at least 4 characters) or ``latest``."""
        if con is None:
            raise GigafactoryError(f"no run '{run_id}': the run store {self.path} is empty")
        if run_id in ("latest", "last"):
            row = con.execute(
                "SELECT run_id FROM runs ORDER BY created_at DESC, rowid DESC LIMIT 1"
            ).fetchone()
            if row is None:
                raise GigafactoryError(f"no runs yet in {self.path}")
            return str(row[0])
        hits = [
            r[0]
            for r in con.execute(
                "SELECT run_id FROM runs WHERE starts_with(run_id, ?)", [run_id]
            ).fetchall()
        ]
        if run_id in hits:
            return run_id
        if len(hits) == 1 and len(run_id) >= 4:
            return str(hits[0])
        if len(hits) > 1:
            raise GigafactoryError(
                f"run id '{run_id}' is ambiguous: {', '.join(sorted(hits))}; give more characters"
            )
        every = [r[0] for r in con.execute("SELECT run_id FROM runs").fetchall()]
        from ..errors import did_you_mean

        raise GigafactoryError(
            f"no run '{run_id}' in {self.path}{did_you_mean(run_id, every)}; `gigafactory runs list` shows the ids"
        )

    def list_runs(self) -> pd.DataFrame:
        """One row per run, newest first, with lineage and the headline metrics.

        Columns: ``run_id, created_at, kind, scenario, seed, draws, version, input_hash, note``
        and one per ``HEADLINE_METRICS`` entry.
        """
        base = [
            "run_id",
            "created_at",
            "kind",
            "scenario",
            "seed",
            "draws",
            "version",
            "input_hash",
            "note",
        ]
        with self._connect(write=False) as con:
            if con is None:
                return pd.DataFrame(columns=[*base, *HEADLINE_METRICS])
            runs = con.execute(
                f"SELECT {', '.join(base)} FROM runs ORDER BY created_at DESC, rowid DESC"
            ).df()
            marks = ", ".join("?" for _ in HEADLINE_METRICS)
            m = con.execute(
                f"SELECT run_id, metric, coalesce(CAST(value AS VARCHAR), text) AS v, value FROM metrics WHERE metric IN ({marks})",
                list(HEADLINE_METRICS),
            ).df()
        for metric in HEADLINE_METRICS:
            sub = m[m["metric"] == metric]
            values = {
                rid: (value if pd.notna(value) else text)
                for rid, value, text in zip(
                    sub["run_id"].tolist(), sub["value"].tolist(), sub["v"].tolist(), strict=True
                )
            }
            runs[metric] = runs["run_id"].map(values)
        return runs

    def get_run(self, run_id: str) -> StoredRun:
        """The stored run with id (or unique prefix, or ``latest``) ``run_id``.

        Raises
        ------
        GigafactoryError
            When no run, or more than one, matches.
        """
        with self._connect(write=False) as con:
            full = self._resolve(con, run_id)
            assert con is not None
            cols = [
                "run_id",
                "created_at",
                "kind",
                "scenario",
                "scenario_yaml",
                "seed",
                "draws",
                "version",
                "input_hash",
                "summary",
                "note",
                "trajectories",
                "attrs",
            ]
            r = con.execute(
                f"SELECT {', '.join(cols)} FROM runs WHERE run_id = ?", [full]
            ).fetchone()
            assert r is not None
            rec = dict(zip(cols, r, strict=True))

            def frame(sql: str) -> pd.DataFrame:
                return con.execute(sql, [full]).df()

            metrics_df = frame(
                "SELECT metric, value, text FROM metrics WHERE run_id = ? ORDER BY rowid"
            )
            series = frame(
                f"SELECT {', '.join(SERIES_COLUMNS)} FROM series WHERE run_id = ? ORDER BY source, variable, key, week"
            )
            dists = frame(
                f"SELECT {', '.join(DIST_COLUMNS)} FROM distributions WHERE run_id = ? ORDER BY rowid"
            )
            binding = frame(
                f"SELECT {', '.join(BINDING_COLUMNS)} FROM binding WHERE run_id = ? ORDER BY week, tier"
            )
            phases = frame(
                f"SELECT {', '.join(PHASE_COLUMNS)} FROM phases WHERE run_id = ? ORDER BY rowid"
            )
            flows = frame(
                f"SELECT {', '.join(FLOW_COLUMNS)} FROM flows WHERE run_id = ? ORDER BY usd_b DESC"
            )
            bottlenecks = frame(
                'SELECT "constraint", period, shadow_price, unit FROM bottlenecks WHERE run_id = ? ORDER BY rowid'
            )
        for df, cols_ in (
            (series, ["week"]),
            (binding, ["week"]),
            (phases, ["planned", "p5", "p50", "p95"]),
        ):
            for c in cols_:
                df[c] = pd.to_datetime(df[c])
        metrics: dict[str, float | str | None] = {
            str(name): float(value)
            if pd.notna(value)
            else (text if isinstance(text, str) else None)
            for name, value, text in zip(
                metrics_df["metric"].tolist(),
                metrics_df["value"].tolist(),
                metrics_df["text"].tolist(),
                strict=True,
            )
        }
        traj = self.trajectories_dir / rec["trajectories"] if rec["trajectories"] else None
        return StoredRun(
            run_id=full,
            created_at=rec["created_at"],
            kind=rec["kind"],
            scenario=rec["scenario"],
            scenario_yaml=rec["scenario_yaml"],
            seed=rec["seed"],
            draws=rec["draws"],
            version=rec["version"],
            input_hash=rec["input_hash"],
            summary=json.loads(rec["summary"]),
            attrs=json.loads(rec["attrs"] or "{}"),
            note=rec["note"] or "",
            metrics=metrics,
            series=series,
            distributions=dists,
            binding=binding,
            phases=phases,
            flows=flows,
            bottlenecks=bottlenecks,
            trajectories=traj if traj is not None and traj.is_dir() else None,
        )

    def load_trajectories(
        self, run_id: str, source: Literal["physical", "finance"] = "physical"
    ) -> xr.Dataset:
        """Every draw of a run saved with ``trajectories=True``, back as an ``xr.Dataset``."""
        run = self.get_run(run_id)
        if run.trajectories is None:
            raise GigafactoryError(
                f"run {run.run_id} was saved without trajectories (only quantiles); rerun with trajectories kept"
            )
        parts: list[xr.Dataset] = []
        for f in sorted(run.trajectories.glob(f"{source}.*.parquet")):
            dims = f.name.split(".")[1]
            df = pd.read_parquet(f)
            parts.append(
                xr.Dataset(df.iloc[0].to_dict())
                if dims == "scalar"
                else xr.Dataset.from_dataframe(df.set_index(dims.split("-")))
            )
        if not parts:
            raise GigafactoryError(f"run {run.run_id} has no {source} trajectories")
        ds = xr.merge(parts, compat="override", join="outer")
        meta = json.loads((run.trajectories / f"{source}.attrs.json").read_text())
        ds = ds.reindex({d: labels for d, labels in meta["order"].items() if d in ds.dims})
        ds.attrs.update(meta["attrs"])
        return ds

    def diff_runs(self, a: str, b: str) -> RunDiff:
        """Compare two runs: which inputs changed, and how the summary metrics moved."""
        ra, rb = self.get_run(a), self.get_run(b)
        fields = {
            k: (getattr(ra, k), getattr(rb, k))
            for k in ("kind", "scenario", "seed", "draws", "version", "input_hash")
            if getattr(ra, k) != getattr(rb, k)
        }
        settings = _setting_changes(ra.scenario_yaml, rb.scenario_yaml)
        yaml_diff = list(
            difflib.unified_diff(
                ra.scenario_yaml.splitlines(),
                rb.scenario_yaml.splitlines(),
                f"run {ra.run_id}",
                f"run {rb.run_id}",
                lineterm="",
            )
        )
        headline = [
            MetricChange(m, ra.metrics.get(m), rb.metrics.get(m))
            for m in HEADLINE_METRICS
            if m in ra.metrics or m in rb.metrics
        ]
        moved = [
            MetricChange(m, ra.metrics.get(m), rb.metrics.get(m))
            for m in dict.fromkeys([*ra.metrics, *rb.metrics])
            if m not in HEADLINE_METRICS
            and m not in ("seed", "draws")
            and ra.metrics.get(m) != rb.metrics.get(m)
        ]
        moved.sort(key=_relative_move, reverse=True)
        return RunDiff(ra.run_id, rb.run_id, fields, settings, yaml_diff, headline, moved)

    def export_parquet(self, run_id: str, directory: str | Path) -> list[Path]:
        """Write a run's tables as Parquet (and its metadata as ``run.json``) into ``directory``.

        Returns the files written; full trajectories are copied too when they were kept.
        """
        run = self.get_run(run_id)
        out = Path(directory) / run.run_id
        out.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        meta = {
            k: getattr(run, k)
            for k in (
                "run_id",
                "kind",
                "scenario",
                "seed",
                "draws",
                "version",
                "input_hash",
                "note",
            )
        }
        meta |= {
            "created_at": run.created_at.isoformat(),
            "summary": run.summary,
            "scenario_yaml": run.scenario_yaml,
        }
        (out / "run.json").write_text(json.dumps(meta, indent=2, default=_json_default))
        written.append(out / "run.json")
        metrics = pd.DataFrame(
            {
                "metric": list(run.metrics),
                "value": [v if isinstance(v, float) else None for v in run.metrics.values()],
                "text": [v if isinstance(v, str) else None for v in run.metrics.values()],
            }
        )
        for name, df in (
            ("metrics", metrics),
            ("series", run.series),
            ("distributions", run.distributions),
            ("binding", run.binding),
            ("phases", run.phases),
            ("flows", run.flows),
            ("bottlenecks", run.bottlenecks),
        ):
            if df.empty:
                continue
            df.to_parquet(out / f"{name}.parquet", index=False)
            written.append(out / f"{name}.parquet")
        if run.trajectories is not None:
            for f in sorted(run.trajectories.glob("*")):
                shutil.copy2(f, out / f.name)
                written.append(out / f.name)
        return written


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - someone else's process
        return True
    return True


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


def _dim_groups(ds: xr.Dataset) -> dict[tuple[str, ...], list[str]]:
    groups: dict[tuple[str, ...], list[str]] = {}
    for name, da in ds.data_vars.items():
        groups.setdefault(tuple(str(d) for d in da.dims), []).append(str(name))
    return groups


def _flatten_yaml(text: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return {}
    if not isinstance(data, Mapping):
        return {}
    flat: dict[str, Any] = {}

    def walk(obj: Any, prefix: str) -> None:
        if isinstance(obj, Mapping) and obj:
            for k, v in obj.items():
                walk(v, f"{prefix}.{k}" if prefix else str(k))
        else:
            flat[prefix] = obj

    walk(data, "")
    return flat


def _setting_changes(a: str, b: str) -> list[tuple[str, Any, Any]]:
    fa, fb = _flatten_yaml(a), _flatten_yaml(b)
    return [(k, fa.get(k), fb.get(k)) for k in sorted(set(fa) | set(fb)) if fa.get(k) != fb.get(k)]


def _relative_move(c: MetricChange) -> float:
    """Sort key for moved metrics: text changes first, then relative moves (0–2), then
    metrics present in only one run (a tier that never binds in the other) last."""
    if isinstance(c.a, str) and isinstance(c.b, str):
        return 3.0
    if c.delta is None:
        return -1.0
    return abs(c.delta) / max(abs(c.a or 0.0), abs(c.b or 0.0), 1e-12)  # type: ignore[arg-type]
