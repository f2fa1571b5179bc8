"""The ``gigafactory`` command line.  User mistakes print one clear message (exit 2), never a traceback.

One module per command group registers its commands on :data:`app`:
``run`` (run, sensitivity, validate, presets, scenario, tiers, version), ``catalog``,
``deals``, ``plan``, ``runs`` (runs …, report) and ``calc`` (the public formulas).  Heavy libraries are imported inside
the command functions, so ``gigafactory --help`` loads little.
"""

from __future__ import annotations

import sys
from typing import Any

from ..threads import limit_blas_env

limit_blas_env()  # before anything loads numpy: the engine's small products run best on one thread

import typer  # noqa: E402
from rich.console import Console  # noqa: E402

from ..errors import GigafactoryError  # noqa: E402
from ..interrupts import armed  # noqa: E402
from ..interrupts import install as install_interrupts  # noqa: E402
from ..text import visible  # noqa: E402

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


def progress_bar(disable: bool = False) -> Any:
    """The progress bar of every long command (on stderr; gone when done)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=disable,
    )


# the command groups register themselves on ``app`` (order = order in --help)
from . import catalog, run, deals, plan, runs, calc, backtest  # noqa: E402, F401, I001
from ..sweep.cli import register as _register_sweep  # noqa: E402

from ..web.cli import register as _register_web  # noqa: E402

_register_sweep(app)  # after runs: adds `sensitivity`, `sweep` and `runs sweep`
_register_web(app)  # `serve`


def main() -> None:
    """Entry point: run the app; a user mistake prints its message and exits with status 2.

    Ctrl-C exits 130 within :data:`gigafactory.interrupts.GRACE_S` seconds, leaving no partial
    output (see :mod:`gigafactory.interrupts`).
    """
    install_interrupts()
    try:
        with armed():
            app()
    except GigafactoryError as exc:
        # soft_wrap: a problem's file path is never split across lines (a path longer than the
        # terminal was cut mid-name, e.g. "bad.yam" / "l:3"); the terminal wraps instead
        err.print(
            f"error: {visible(exc, newlines=True)}", highlight=False, markup=False, soft_wrap=True
        )
        sys.exit(2)
    except KeyboardInterrupt:
        # the except/finally blocks on the way here rolled back the store and removed temporary
        # outputs; end without interpreter finalisation, which can abort (SIGABRT) when a
        # library thread (numba, DuckDB, HDF5) is still busy in the interrupted call
        err.print("interrupted", markup=False)
        _end_interrupted()


def _end_interrupted() -> None:
    """Flush, remove any registered temporaries, and exit 130 at once (``os._exit``)."""
    import contextlib
    import os

    files = sys.modules.get("gigafactory.results.files")
    if files is not None:
        with contextlib.suppress(Exception):
            files.remove_temporaries()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(130)
