"""Writing the run store: ``save_run`` in one transaction, trajectories as Parquet, ``delete_run``."""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import xarray as xr

from ...errors import GigafactoryError
from ..series import TABLE_NAMES, flatten_metrics, run_tables
from .read import StoreReader
from .schema import (
    _CHILD_TABLES,
    Kind,
    _json_default,
    _opt_int,
    input_hash,
    metrics_frame,
    package_version,
)


class StoreWriter(StoreReader):
    """Writing: ``save_run`` (one transaction) and ``delete_run``."""

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
        tables: Mapping[str, pd.DataFrame] | None = None,
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
        tables : mapping, optional
            The run's quantile tables from ``run_tables`` when already computed (the report
            shares them), so they are not computed twice.

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
        tables = self._tables(physical, finance, plan, summary, tables)
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
        self._read_back(run_id, len(tables["metrics"]))
        return run_id

    def _read_back(self, run_id: str, n_metrics: int) -> None:
        """Read the run just saved from a fresh connection; refuse to report a run we cannot read."""
        try:
            run = self.get_run(run_id)
            ok = run.run_id == run_id and len(run.metrics) == n_metrics
        except GigafactoryError as exc:
            raise GigafactoryError(
                f"run {run_id} was saved in {self.path} but cannot be read back ({exc}); "
                "the store is damaged: move it aside and run again"
            ) from None
        if not ok:
            raise GigafactoryError(
                f"run {run_id} was saved in {self.path} but reads back incomplete; "
                "the store is damaged: move it aside and run again"
            )

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
        tables: Mapping[str, pd.DataFrame] | None = None,
    ) -> dict[str, pd.DataFrame]:
        reduced = dict(tables) if tables is not None else run_tables(physical, finance, plan)
        return {
            "metrics": metrics_frame(flatten_metrics(summary)),
            **{name: reduced[name] for name in TABLE_NAMES},
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


def _dim_groups(ds: xr.Dataset) -> dict[tuple[str, ...], list[str]]:
    groups: dict[tuple[str, ...], list[str]] = {}
    for name, da in ds.data_vars.items():
        groups.setdefault(tuple(str(d) for d in da.dims), []).append(str(name))
    return groups


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - someone else's process
        return True
    return True
