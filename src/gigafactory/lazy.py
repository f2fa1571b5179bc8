"""Keep third-party imports a run does not use out of the process.

xarray asks "is this a dask array?" each time it wraps data (``isinstance(data,
array_type("dask"))`` and ``is_dask_collection(data)``), and answering imports ``dask`` and
``dask.array`` — with jinja2, psutil, toolz and scipy.sparse, ~0.5–0.9 s CPU per command —
although no dask object can exist before dask is imported.  :func:`defer_dask_in_xarray`
answers "no" until then and hands over to xarray's own answer from that moment on, so the
result of every check is unchanged.

Writing a NetCDF file asks a third question, "which dask scheduler is active?"
(``get_dask_scheduler``, twice per file: the file's write lock and whether to close it after
each write), and answering imports ``dask`` and ``dask.distributed`` (~1 s CPU per run
with ``--out``).  Before dask is imported no scheduler can be active and no variable can be
a dask array, so xarray's answer only picks the lock (``None`` and ``"threaded"`` both give
the threading lock) and never closes the file early (that needs chunked, dask-backed
variables): :func:`defer_dask_in_xarray` answers ``None`` ("no dask scheduler is active")
until dask is imported, and xarray's own function answers from then on.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["defer_dask_in_xarray"]


class _DaskUntilImported:
    """Stands in for xarray's cached ``DuckArrayModule("dask")`` while ``dask.array`` is not
    imported: its ``type`` is ``()`` (no object is a dask array); any other attribute, or
    ``type`` once ``dask.array`` is imported, comes from the real one (which then replaces
    this stand-in in xarray's cache)."""

    def __init__(self, cache: dict[str, Any], factory: Any) -> None:
        self._cache, self._factory = cache, factory

    def _real(self) -> Any:
        real = self._factory("dask")
        self._cache["dask"] = real
        return real

    @property
    def type(self) -> tuple[type, ...]:
        if "dask.array" not in sys.modules:
            return ()
        return tuple(self._real().type)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real(), name)


def defer_dask_in_xarray() -> bool:
    """Install the stand-in in xarray's duck-array cache; True when installed.

    Does nothing when ``dask.array`` is already imported, when xarray already answered, or
    when xarray's internals are not the expected ones (another version): the worst case is
    the import this saves.
    """
    if "dask" in sys.modules:
        return False
    try:
        from xarray.namedarray import pycompat, utils
    except ImportError:  # pragma: no cover - xarray is a dependency
        return False
    cache = getattr(pycompat, "_cached_duck_array_modules", None)
    factory = getattr(pycompat, "DuckArrayModule", None)
    check = getattr(utils, "is_dask_collection", None)
    if not isinstance(cache, dict) or factory is None or "dask" in cache or check is None:
        return False
    if getattr(check, "_gigafactory_deferred", False):
        return False
    cache["dask"] = _DaskUntilImported(cache, factory)
    utils.is_dask_collection = _deferred_check(check)
    _defer_scheduler()
    return True


def _defer_scheduler() -> None:
    """Replace xarray's ``get_dask_scheduler`` where the NetCDF writers look it up (the
    ``locks`` module's global, used by ``get_write_lock``, and the name ``writers``
    imported from it) by one answering ``None`` while dask is not imported."""
    try:
        from xarray.backends import locks, writers
    except ImportError:  # pragma: no cover - another xarray layout: keep its own answer
        return
    real = getattr(locks, "get_dask_scheduler", None)
    if real is None or getattr(real, "_gigafactory_deferred", False):
        return

    def get_dask_scheduler(get: Any = None, collection: Any = None) -> str | None:
        if "dask" not in sys.modules:
            return None
        return real(get, collection)

    get_dask_scheduler._gigafactory_deferred = True  # type: ignore[attr-defined]
    locks.get_dask_scheduler = get_dask_scheduler
    if getattr(writers, "get_dask_scheduler", None) is real:
        writers.get_dask_scheduler = get_dask_scheduler


def _deferred_check(check: Any) -> Any:
    """xarray's ``is_dask_collection``, answering False without importing dask while dask is
    not imported (no dask collection can exist before)."""

    def is_dask_collection(x: object) -> bool:
        return "dask" in sys.modules and bool(check(x))

    is_dask_collection._gigafactory_deferred = True  # type: ignore[attr-defined]
    return is_dask_collection
