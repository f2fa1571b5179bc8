"""The ``gigafactory`` command line.  User mistakes print one clear message (exit 2), never a traceback.

One module per command group registers its commands on :data:`app`:
``run`` (run, sensitivity, validate, presets, scenario, tiers, version), ``catalog``,
``deals``, ``plan``, and ``runs`` (runs …, report).  Heavy libraries are imported inside
the command functions, so ``gigafactory --help`` loads little.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from ..errors import GigafactoryError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Model the AI infrastructure buildout: can a gigawatt a week be built, what binds first, "
    "what does it cost, who pays, and who is exposed if it slips?",
)
#: Tables and messages for the user (stdout).
console = Console()
#: Progress bars and errors (stderr).
err = Console(stderr=True)

# the command groups register themselves on ``app`` (order = order in --help)
from . import catalog, run, deals, plan, runs  # noqa: E402, F401, I001
from ..sweep.cli import register as _register_sweep  # noqa: E402

_register_sweep(app)  # after runs: adds `sensitivity`, `sweep` and `runs sweep`


def main() -> None:
    """Entry point: run the app; a user mistake prints its message and exits with status 2."""
    try:
        app()
    except GigafactoryError as exc:
        err.print(f"error: {exc}", highlight=False, markup=False)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("interrupted; nothing was written")
        sys.exit(130)
