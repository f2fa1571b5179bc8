"""Reading the run store: ``list_runs``, ``get_run``, ``load_trajectories``."""

from __future__ import annotations

import json
from typing import Any, Literal

import duckdb
import pandas as pd
import xarray as xr

from ...errors import GigafactoryError
from ..series import bottleneck_frame
from .locking import StoreBase
from .schema import HEADLINE_METRICS, RUN_COLUMNS, TABLE_READS, StoredRun


class StoreReader(StoreBase):
    """Reading: resolve ids, list runs, load one run and its trajectories."""

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
        from ...errors import did_you_mean

        raise GigafactoryError(
            f"no run '{run_id}' in {self.path}{did_you_mean(run_id, every)}; `gigafactory runs list` shows the ids"
        )

    def list_runs(self) -> pd.DataFrame:
        """One row per run, newest first, with lineage and the headline metrics.

        Columns: ``run_id, created_at, kind, scenario, seed, draws, version, input_hash, note``
        and one per ``HEADLINE_METRICS`` entry.
        """
        base = list(RUN_COLUMNS)
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

            metrics_df = con.execute(
                "SELECT metric, value, text FROM metrics WHERE run_id = ? ORDER BY rowid", [full]
            ).df()
            tables = _read_tables(con, full)
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
            **tables,
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


def _read_tables(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any]:
    """A run's quantile tables (``TABLE_READS``: columns, row order, date columns), dates as
    ``datetime64``; no planner bottlenecks read back as the empty normalised frame."""
    tables: dict[str, pd.DataFrame] = {}
    for name, (columns, order, dates) in TABLE_READS.items():
        quoted = ", ".join(f'"{c}"' for c in columns)
        df = con.execute(
            f"SELECT {quoted} FROM {name} WHERE run_id = ? ORDER BY {order}", [run_id]
        ).df()
        for c in dates:
            df[c] = pd.to_datetime(df[c])
        tables[name] = df
    if tables["bottlenecks"].empty:
        tables["bottlenecks"] = bottleneck_frame(None)
    return tables
