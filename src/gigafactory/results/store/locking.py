"""Advisory file locks, back-off and DuckDB connections of the run store (see the package docstring)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

from ...errors import GigafactoryError
from .schema import _DDL, _TABLES, ENV_VAR, SCHEMA_VERSION, default_store_path


class StoreBase:
    """The store file, its advisory lock and DuckDB connections (shared by every part of ``RunStore``).

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
