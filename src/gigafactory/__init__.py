"""gigafactory: model the AI infrastructure buildout end to end.

Public API (mirrors the CLI)::

    from gigafactory import load_catalog, load_scenario, compile_inputs, simulate, summarise
"""

from __future__ import annotations

import os as _os
import sys as _sys

# The command line takes over Ctrl-C before the heavy imports below (a Ctrl-C while they
# load exits 130 at once, with no traceback); a library user's signals are never touched.
if _sys.argv and _os.path.basename(_sys.argv[0]) in ("gigafactory", "-m"):
    from .interrupts import install as _install_interrupts

    _install_interrupts()

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
