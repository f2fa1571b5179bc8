"""BLAS threads: one per process inside the engine.

The engine's matrix products are small (weeks × catalog points, per batch of draws); a
multi-threaded BLAS spends more time waking threads than multiplying, and on a shared
machine it competes with the other processes.  ``limit_blas`` caps BLAS at one thread with
``threadpoolctl`` when it is installed; otherwise ``BLAS_ENV`` is set (``setdefault``: a user's
own setting wins) before numpy loads, which the command line does first thing.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

#: environment variables the common BLAS builds (OpenBLAS, MKL, BLIS, OpenMP) read at load
BLAS_ENV = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS", "OMP_NUM_THREADS")


def limit_blas_env(threads: int = 1) -> None:
    """Default every ``BLAS_ENV`` variable to ``threads`` (effective only before numpy loads)."""
    for var in BLAS_ENV:
        os.environ.setdefault(var, str(threads))


@contextlib.contextmanager
def limit_blas(threads: int = 1) -> Iterator[None]:
    """Cap BLAS at ``threads`` inside the block (threadpoolctl if installed, else a no-op
    beyond what ``limit_blas_env`` set at start-up)."""
    try:
        from threadpoolctl import threadpool_limits  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        yield
        return
    with threadpool_limits(limits=threads, user_api="blas"):
        yield
