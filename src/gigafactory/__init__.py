"""gigafactory: model the AI infrastructure buildout end to end.

Public API (mirrors the CLI)::

    from gigafactory import load_catalog, load_scenario, compile_inputs, simulate, summarise
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .catalog import load_catalog
from .compile import compile_inputs
from .errors import GigafactoryError
from .results.summary import summarise
from .scenario import load_scenario
from .supply import simulate

try:
    __version__ = version("gigafactory")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "GigafactoryError",
    "__version__",
    "compile_inputs",
    "load_catalog",
    "load_scenario",
    "simulate",
    "summarise",
]
