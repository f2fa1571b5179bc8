"""The memory budget: estimate a run's peak memory before running, refuse what will not fit.

Peak resident memory of ``gigafactory run`` grows linearly in draws × weeks:

.. math::

    M \\approx M_0 + o \\cdot M_{out} + D \\cdot W \\cdot (b_{phys} + f \\cdot b_{fin} + o \\cdot b_{out})

with :math:`D` draws, :math:`W` weeks in the horizon, :math:`f = 1` with the finance model and
:math:`o = 1` when files are written (``--out``: NetCDF encoding and the report copy arrays).
The constants below come from the peak RSS of the ``industry`` preset (574 weeks) with the
finance model and ``--out``, at 1,000 and 10,000 draws (518 → 2,791 MB in
``benchmarks/bench_cli.py``, 2026-11-30: about 440 bytes per draw-week; an earlier
measurement at 250 → 1,000 draws gave 300, before the demand views); re-measure them when
the engine's memory changes (``/usr/bin/time -f %M gigafactory run industry --draws N``).

The budget is :data:`DEFAULT_FRACTION` of the memory available when the command starts
(``MemAvailable`` in ``/proc/meminfo``); ``--max-memory 8G`` or ``GIGAFACTORY_MAX_MEMORY``
changes it.  A run over budget (or above ``streamed.STREAM_DRAWS`` draws) streams in chunks
of draws instead (``streamed.run_streamed``), so it needs the estimate of one chunk; only a
chunk over budget is refused, before running, with the estimate and the flag.
"""

from __future__ import annotations

import os
import re

from .errors import GigafactoryError, Problem

#: bytes of a Python process with the model loaded, before any draw
BASE_BYTES = 300 * 2**20
#: extra bytes of the libraries that write files (NetCDF, matplotlib, plotly)
OUT_BASE_BYTES = 150 * 2**20
#: bytes per draw-week of the physical engine (its outputs, inputs and working arrays)
PHYS_BYTES_PER_DRAW_WEEK = 280
#: extra bytes per draw-week of the finance model
FIN_BYTES_PER_DRAW_WEEK = 120
#: extra bytes per draw-week when files are written (``--out``)
OUT_BYTES_PER_DRAW_WEEK = 40
#: share of the available memory a run may use by default
DEFAULT_FRACTION = 0.5
ENV_VAR = "GIGAFACTORY_MAX_MEMORY"

_UNITS = {"": 1, "B": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([KMGT]?)(?:I?B)?\s*$", re.IGNORECASE)


def estimate_bytes(draws: int, weeks: int, *, finance: bool = True, outputs: bool = False) -> int:
    """Estimated peak memory (bytes) of a run of ``draws`` × ``weeks``; see the module docstring."""
    per = PHYS_BYTES_PER_DRAW_WEEK
    per += FIN_BYTES_PER_DRAW_WEEK if finance else 0
    per += OUT_BYTES_PER_DRAW_WEEK if outputs else 0
    return int(BASE_BYTES + (OUT_BASE_BYTES if outputs else 0) + draws * weeks * per)


def available_bytes() -> int:
    """Memory available to a new process now (``MemAvailable``; 4 GiB when unknown)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return 4 * 2**30


def parse_size(text: str, flag: str = "--max-memory") -> int:
    """Bytes from ``"8G"``, ``"512M"``, ``"1.5GiB"`` or a plain number of bytes."""
    m = _SIZE.match(text)
    if not m or float(m.group(1)) <= 0:
        raise GigafactoryError(
            [
                Problem(
                    "<command line>",
                    None,
                    flag,
                    f"'{text}' is not a memory size; write e.g. 8G, 512M, 1.5GiB or bytes",
                )
            ]
        )
    return int(float(m.group(1)) * _UNITS[m.group(2).upper()])


def budget_bytes(max_memory: str | None) -> tuple[int, str]:
    """The budget in bytes and how it was set (flag, environment or default)."""
    if max_memory:
        return parse_size(max_memory), "--max-memory"
    env = os.environ.get(ENV_VAR)
    if env:
        return parse_size(env, ENV_VAR), ENV_VAR
    avail = available_bytes()
    return int(avail * DEFAULT_FRACTION), (
        f"the default: {DEFAULT_FRACTION:.0%} of the {gib(avail)} available"
    )


def gib(n: float) -> str:
    return f"{n / 2**30:.1f} GiB"


def check_budget(
    draws: int,
    weeks: int,
    *,
    finance: bool = True,
    outputs: bool = False,
    max_memory: str | None = None,
) -> int:
    """Refuse (``GigafactoryError``) a run whose estimated peak exceeds the budget; return it."""
    need = estimate_bytes(draws, weeks, finance=finance, outputs=outputs)
    budget, how = budget_bytes(max_memory)
    if need > budget:
        fit = max(1, int((budget - BASE_BYTES) / max(need - BASE_BYTES, 1) * draws))
        raise GigafactoryError(
            [
                Problem(
                    "<command line>",
                    None,
                    "--draws",
                    f"{draws:,} draws × {weeks} weeks need about {gib(need)} of memory, over the "
                    f"budget of {gib(budget)} ({how}); use at most about {fit:,} draws, or "
                    f"raise the budget with --max-memory {_round_up_gib(need)}G",
                )
            ]
        )
    return need


def _round_up_gib(n: int) -> int:
    return int(-(-n // 2**30))
