"""Ctrl-C (SIGINT) and SIGTERM end the command line within a second or two, cleanly, exit 130.

Python only runs a signal handler between bytecodes of the main thread, so a Ctrl-C that
arrives during a long NumPy, HDF5 or DuckDB call waits for it, and one that surfaces in a
finaliser or callback is printed as "Exception ignored" and lost.  Instead, the signals are
blocked in every thread and a small watcher thread waits for them with ``sigwait``:

1. while the program is still importing (nothing written yet), it exits at once;
2. once :func:`armed`, it raises ``KeyboardInterrupt`` in the main thread, whose ``except`` /
   ``finally`` blocks roll back the store transaction and remove temporary output folders;
3. if the main thread has not exited :data:`GRACE_S` seconds later, the watcher removes the
   registered temporaries itself and ends the process (``os._exit(130)``).  The store is a
   DuckDB transaction, which a killed process never leaves half-written.

Only the command line installs this (:func:`install`); the library never touches signals.
"""

from __future__ import annotations

import _thread
import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator

#: seconds the main thread gets to clean up after a Ctrl-C before the process is ended
GRACE_S = 1.5
_SIGNALS = {signal.SIGINT, signal.SIGTERM}
_state = {"installed": False, "armed": False}


def install() -> None:
    """Block SIGINT/SIGTERM in this thread (and threads started later) and start the watcher."""
    if _state["installed"] or threading.current_thread() is not threading.main_thread():
        return
    _state["installed"] = True
    signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    threading.Thread(target=_watch, name="gigafactory-interrupts", daemon=True).start()


@contextlib.contextmanager
def armed() -> Iterator[None]:
    """While the block runs, an interrupt becomes ``KeyboardInterrupt`` in the main thread."""
    _state["armed"] = True
    try:
        yield
    finally:
        _state["armed"] = False


def _watch() -> None:
    signal.sigwait(_SIGNALS)
    if _state["armed"]:
        end = time.monotonic() + GRACE_S
        # an exception raised inside a C extension's module initialisation (DuckDB's nanobind
        # enums, seen) aborts the process (SIGABRT): let a running import finish first
        while _main_is_importing() and time.monotonic() < end:
            time.sleep(0.01)
        _thread.interrupt_main()
        time.sleep(max(0.0, end - time.monotonic()) + 0.5)
    _hard_exit()


def _main_is_importing() -> bool:
    """Whether the main thread is inside the import machinery right now."""
    frame = sys._current_frames().get(threading.main_thread().ident or -1)
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


def _hard_exit() -> None:
    # never import here: the main thread may hold the import lock (a Ctrl-C while loading)
    files = sys.modules.get("gigafactory.results.files")
    if files is not None:
        with contextlib.suppress(Exception):
            files.remove_temporaries()
    with contextlib.suppress(OSError):
        os.write(2, b"interrupted\n")
    os._exit(130)
