"""Keep third-party imports a run does not use out of the process.

xarray asks "is this a dask array?" each time it wraps data (``isinstance(data,
array_type("dask"))`` and ``is_dask_collection(data)``), and answering imports ``dask`` and
``dask.array`` — with jinja2, psutil, toolz and scipy.sparse, ~0.5–0.9 s CPU per command —
although no dask object can exist before dask is imported.  :func:`defer_dask_in_xarray`
answers "no" until then and hands over to xarray's own answer from that moment on, so the
result of every check is unchanged.
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
    return True


def _deferred_check(check: Any) -> Any:
    """xarray's ``is_dask_collection``, answering False without importing dask while dask is
    not imported (no dask collection can exist before)."""

    def is_dask_collection(x: object) -> bool:
        return "dask" in sys.modules and bool(check(x))

    is_dask_collection._gigafactory_deferred = True  # type: ignore[attr-defined]
    return is_dask_collection
