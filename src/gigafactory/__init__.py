"""gigafactory: model the AI infrastructure buildout end to end.

Public API (the CLI calls the same functions)::

    from gigafactory import load_catalog, load_scenario, run
    cat = load_catalog()
    result = run(load_scenario("announced", cat), cat, draws=1000, seed=42)
    result.summary  # = `gigafactory run announced -n 1000 -s 42 --json` (without run_id)

Lower level: ``compile_inputs`` → ``simulate`` → ``summarise(ds, sc, catalog=cat, finance=fin)``.
"""

from __future__ import annotations

import os as _os
import sys as _sys

# The command line takes over Ctrl-C before the heavy imports below (a Ctrl-C while they
# load exits 130 at once, with no traceback); a library user's signals are never touched.
if _sys.argv and _os.path.basename(_sys.argv[0]) in ("gigafactory", "-m"):
    from .interrupts import install as _install_interrupts

    _install_interrupts()

import importlib
from typing import TYPE_CHECKING, Any

from .errors import GigafactoryError

if TYPE_CHECKING:
    from .catalog import load_catalog
    from .compile import compile_inputs
    from .pipeline import RunResult
    from .pipeline import run_scenario as run
    from .results.summary import summarise
    from .scenario import load_scenario
    from .supply import simulate

#: where each public name lives (module, attribute); imported on first use (PEP 562), so
#: ``gigafactory --help`` and commands that need little do not load numpy, pandas and xarray
_LAZY = {
    "load_catalog": (".catalog", "load_catalog"),
    "compile_inputs": (".compile", "compile_inputs"),
    "summarise": (".results.summary", "summarise"),
    "load_scenario": (".scenario", "load_scenario"),
    "simulate": (".supply", "simulate"),
    "run": (".pipeline", "run_scenario"),
    "RunResult": (".pipeline", "RunResult"),
}

__all__ = [
    "GigafactoryError",
    "RunResult",
    "__version__",
    "compile_inputs",
    "load_catalog",
    "load_scenario",
    "run",
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
        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module, __name__), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
