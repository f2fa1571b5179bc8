"""gigafactory: model the AI infrastructure buildout end to end.

Public API (the CLI calls the same functions)::

    from gigafactory import load_catalog, load_scenario, run
    cat = load_catalog()
    result = run(load_scenario("announced", cat), cat, draws=1000, seed=42)
    result.summary  # = `gigafactory run announced -n 1000 -s 42 --json` (without run_id)

Lower level: ``compile_inputs`` → ``simulate`` → ``summarise(ds, sc, catalog=cat, finance=fin)``.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from .catalog import load_catalog
from .compile import compile_inputs
from .errors import GigafactoryError
from .results.summary import summarise
from .scenario import load_scenario
from .supply import simulate

if TYPE_CHECKING:
    from .pipeline import RunResult
    from .pipeline import run_scenario as run


def __getattr__(name: str) -> Any:
    """``run`` and ``RunResult`` load the pipeline (finance and all) only when asked for."""
    if name in ("run", "RunResult"):
        from . import pipeline

        return pipeline.run_scenario if name == "run" else pipeline.RunResult
    raise AttributeError(f"module 'gigafactory' has no attribute {name!r}")


try:
    __version__ = version("gigafactory")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

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
