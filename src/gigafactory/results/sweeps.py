"""Sweeps and sensitivity indices in the run store, beside its runs.

A sweep point is an ordinary run (``RunStore.save_run``, one transaction), its summary carrying
``sweep: {id, point, params}`` and its note ``sweep <id> point <i>``: a point is stored whole or
not at all, and the sweep is the set of runs with its id.  The ``sweeps`` table records what
was asked (the spec); ``sensitivity_indices`` one row per (analysis, metric, input).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any

import pandas as pd

from ..errors import GigafactoryError
from .store import RunStore

_DDL = [
    """CREATE TABLE IF NOT EXISTS sweeps (
        sweep_id VARCHAR PRIMARY KEY, created TIMESTAMP, scenario VARCHAR, spec VARCHAR,
        n_points INTEGER)""",
    """CREATE TABLE IF NOT EXISTS sensitivity_indices (
        analysis_id VARCHAR, created TIMESTAMP, scenario VARCHAR, method VARCHAR, draws INTEGER,
        metric VARCHAR, input VARCHAR, rank INTEGER, S1 DOUBLE, S1_conf DOUBLE, ST DOUBLE,
        ST_conf DOUBLE, mu_star DOUBLE, mu_star_conf DOUBLE, sigma DOUBLE)""",
]
INDEX_COLUMNS = ["S1", "S1_conf", "ST", "ST_conf", "mu_star", "mu_star_conf", "sigma"]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def note_of(sweep_id: str, point: int) -> str:
    return f"sweep {sweep_id} point {point}"


class SweepStore:
    """Sweep and sensitivity tables in ``store``'s DuckDB file (same lock, same file)."""

    def __init__(self, store: RunStore) -> None:
        self.store = store

    def _write(self, sql: str, params: list[Any]) -> None:
        with self.store._connect(write=True) as con:
            assert con is not None
            for ddl in _DDL:
                con.execute(ddl)
            con.execute(sql, params)

    def begin(self, scenario: str, spec: dict[str, Any]) -> str:
        """Record a new sweep and return its id."""
        sweep_id = "s" + secrets.token_hex(4)
        self._write(
            "INSERT INTO sweeps VALUES (?, ?, ?, ?, ?)",
            [sweep_id, _now(), scenario, json.dumps(spec), len(spec.get("points", []))],
        )
        return sweep_id

    def save_point(
        self,
        sweep_id: str,
        point: int,
        params: dict[str, float],
        summary: dict[str, Any],
        scenario_yaml: str,
    ) -> str:
        """Store one point as a run (atomically) and return its run id."""
        full = {**summary, "sweep": {"id": sweep_id, "point": point, "params": params}}
        return self.store.save_run(full, scenario_yaml=scenario_yaml, note=note_of(sweep_id, point))

    def _read(self, sql: str, params: list[Any]) -> pd.DataFrame | None:
        with self.store._connect(write=False) as con:
            if con is None or "sweeps" not in self.store._table_names(con):
                return None
            return con.execute(sql, params).df()

    def sweep(self, sweep_id: str) -> dict[str, Any]:
        """``{"sweep_id", "scenario", "spec", "points": [{"run_id", "point", "params", "summary"}]}``.

        Raises ``GigafactoryError`` for an unknown id (listing the known ones).
        """
        meta = self._read("SELECT * FROM sweeps WHERE sweep_id = ?", [sweep_id])
        if meta is None or meta.empty:
            known = self._read("SELECT sweep_id FROM sweeps ORDER BY created", [])
            ids = [] if known is None else list(known["sweep_id"])
            from ..errors import Problem, allowed_list, did_you_mean

            raise GigafactoryError(
                [
                    Problem(
                        str(self.store.path),
                        None,
                        "sweep",
                        f"no sweep '{sweep_id}'{did_you_mean(sweep_id, ids)}; "
                        + (f"known: {allowed_list(ids)}" if ids else "this store has no sweeps"),
                    )
                ]
            )
        runs = self._read(
            "SELECT run_id, summary FROM runs WHERE note LIKE ? ORDER BY created_at",
            [f"sweep {sweep_id} point %"],
        )
        points = []
        for r in (runs if runs is not None else pd.DataFrame()).itertuples(index=False):
            s = json.loads(str(r.summary))
            sw = s.pop("sweep")
            points.append(
                {"run_id": r.run_id, "point": sw["point"], "params": sw["params"], "summary": s}
            )
        points.sort(key=lambda p: p["point"])
        row = meta.iloc[0]
        return {
            "sweep_id": sweep_id,
            "scenario": row["scenario"],
            "spec": json.loads(row["spec"]),
            "n_points": int(row["n_points"]),
            "points": points,
        }

    def stored_points(self, sweep_id: str) -> set[int]:
        runs = self._read("SELECT note FROM runs WHERE note LIKE ?", [f"sweep {sweep_id} point %"])
        return set() if runs is None else {int(n.rsplit(" ", 1)[1]) for n in runs["note"]}

    def save_indices(
        self, scenario: str, method: str, draws: int, tables: dict[str, pd.DataFrame]
    ) -> str:
        """Store sensitivity indices (one frame per metric, rows ranked) and return an id."""
        aid = "a" + secrets.token_hex(4)
        rows = []
        for metric, df in tables.items():
            for rank, r in enumerate(df.to_dict("records"), start=1):
                vals = [r.get(c) for c in INDEX_COLUMNS]
                rows.append([aid, _now(), scenario, method, draws, metric, r["input"], rank, *vals])
        with self.store._connect(write=True) as con:
            assert con is not None
            for ddl in _DDL:
                con.execute(ddl)
            con.execute("BEGIN TRANSACTION")
            con.executemany(f"INSERT INTO sensitivity_indices VALUES ({', '.join('?' * 15)})", rows)
            con.execute("COMMIT")
        return aid

    def indices(self, analysis_id: str | None = None) -> pd.DataFrame:
        """Stored indices of one analysis (default: the latest)."""
        df = self._read(
            "SELECT * FROM sensitivity_indices WHERE analysis_id = coalesce(?, "
            "(SELECT analysis_id FROM sensitivity_indices ORDER BY created DESC LIMIT 1)) "
            "ORDER BY metric, rank",
            [analysis_id],
        )
        return df if df is not None else pd.DataFrame()
