"""gigafactory: model the AI infrastructure buildout end to end.

Public API (mirrors the CLI)::

    from gigafactory import load_catalog, load_scenario, compile_inputs, simulate, summarise
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import GigafactoryError

if TYPE_CHECKING:
    from .catalog import load_catalog
    from .compile import compile_inputs
    from .results.summary import summarise
    from .scenario import load_scenario
    from .supply import simulate

#: where each public name lives; imported on first use (PEP 562), so ``gigafactory --help``
#: and commands that need little do not load numpy, pandas, xarray and scipy
_LAZY = {
    "load_catalog": ".catalog",
    "compile_inputs": ".compile",
    "summarise": ".results.summary",
    "load_scenario": ".scenario",
    "simulate": ".supply",
}

__all__ = [
    "GigafactoryError",
    "__version__",
    "compile_inputs",
    "load_catalog",
    "load_scenario",
    "simulate",
    "summarise",
]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("gigafactory")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        globals()[name] = value = _version()
        return value
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
