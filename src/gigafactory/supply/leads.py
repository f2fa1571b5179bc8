"""Lead times as delays: when a named site phase is ready to energise (issue 9, part 4).

A phase's power comes out of a pipeline, not a catalog date.  Per draw ``d`` and phase ``p``
(weeks on the scenario's grid; ``ℓ`` realised, drawn from the catalog's range; ``ℓ̄`` planned,
the catalog value the developer planned on):

    shell        S = c + (T − c) · ℓ_build[d] / ℓ̄_build        construction from its start c
    transformers X = o_x + ℓ_x[d],   o_x = T − ℓ̄_x              ordered a lead time ahead of T
    turbines     G = o_g + ℓ_g[d],   o_g = T − ℓ̄_g
    grid         Q = r + ℓ_q[d],     r   = T − ℓ̄_q              queue request a wait ahead of T

    ready R = max(S, X, min(Q, G))                              (what the phase's power needs)

``T`` is the catalog's planned power-ready date (kept as the date to compare with), ``c`` its
construction start.  A grid phase needs transformers and the interconnection (``G`` = never);
a behind-the-meter (on-site gas) phase needs its turbines only (``X`` = not needed, ``Q`` =
never); a mixed phase needs transformers and either its interconnection or its turbines
(on-site generation bridges the queue).  At the planned lead times ``R = T``; the date slips
by as much as the binding pipeline runs late.  The ready phase then joins its energisation
queue in the weekly engine, which the power tiers' capacities drain first in, first out, so
the energisation date also carries the queue's congestion.  A phase already energised before
the scenario's as-of date is history: it is powered at its recorded date.

The grid wait ``ℓ_q`` and transformer lead ``ℓ_x`` are the phase's region's
(``regions.<id>.grid_wait_weeks`` / ``transformer_lead_weeks``, docs/regions.md), drawn at the
same quantile as the tier's global figure, which a region without its own uses: Stargate UAE
waits in the Gulf's queue, a PJM site in PJM's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .inputs import ModelInputs

Int = NDArray[np.int64]
F = NDArray[np.float64]

#: the pipelines a phase waits on, by the tier they belong to (delay attribution relaxes them)
LEAD_TIERS: tuple[str, ...] = ("construction", "transformers", "gas_turbines", "grid")
#: a requirement the phase does not have (max ignores it) / a source it cannot use (min skips it)
NOT_NEEDED = -(2**40)
NEVER = 2**40


def phase_waits(
    planned_wk: Int,
    start_wk: Int,
    power: Sequence[str],
    realised: Mapping[str, F],
    planned_lead: Mapping[str, float | F],
) -> dict[str, Int]:
    """Week each phase's requirement from each lead tier is met, ``{tier: [D, P]}``.

    Parameters
    ----------
    planned_wk, start_wk : ``[P]`` planned power-ready week ``T`` and construction start ``c``.
    power : ``[P]`` ``"grid"``, ``"onsite_gas"`` or ``"mixed"``.
    realised : ``{tier: [D]}`` realised weeks (build time, lead times, queue wait), or
        ``[D, P]`` for a tier that differs by the phase's region (grid wait, transformer lead).
    planned_lead : ``{tier: weeks}`` the planned values ``ℓ̄`` (the catalog's), a scalar or
        ``[P]`` (by region).

    Returns
    -------
    ``{tier: [D, P] int64}``; :data:`NOT_NEEDED` / :data:`NEVER` where the phase's power does
    not use the tier (see the module docstring).
    """
    t = np.asarray(planned_wk, dtype=np.int64)[None, :]
    c = np.minimum(np.asarray(start_wk, dtype=np.int64), planned_wk)[None, :]
    kind = np.asarray(power)[None, :]

    def late(tier: str) -> F:
        got = np.asarray(realised[tier], dtype=float)
        got = got[:, None] if got.ndim == 1 else got
        return got - np.asarray(planned_lead[tier], dtype=float)

    ratio = np.asarray(realised["construction"], dtype=float)[:, None] / np.maximum(
        np.asarray(planned_lead["construction"], dtype=float), 1e-9
    )
    shell = c + np.round((t - c) * ratio)
    xfmr = t + np.round(late("transformers"))
    turb = t + np.round(late("gas_turbines"))
    queue = t + np.round(late("grid"))
    return {
        "construction": shell.astype(np.int64),
        "transformers": np.where(kind == "onsite_gas", NOT_NEEDED, xfmr).astype(np.int64),
        "gas_turbines": np.where(kind == "grid", NEVER, turb).astype(np.int64),
        "grid": np.where(kind == "onsite_gas", NEVER, queue).astype(np.int64),
    }


def ready_week(waits: Mapping[str, Int]) -> Int:
    """``R = max(S, X, min(Q, G))``: the week a phase's shell and power are both there."""
    bridge = np.minimum(waits["grid"], waits["gas_turbines"])
    return np.maximum(np.maximum(waits["construction"], waits["transformers"]), bridge)


def relaxed_waits(waits: Mapping[str, Int], tier: str) -> dict[str, Int]:
    """The waits with one tier's pipeline taking no time (for delay attribution): a requirement
    the phase has is met at once; a source it cannot use stays unusable."""
    out = dict(waits)
    if tier in out:
        w = out[tier]
        out[tier] = np.where(w == NEVER, NEVER, NOT_NEEDED).astype(np.int64)
    return out


def queue_position(request_wk: Int, onsite: NDArray[np.bool_]) -> Int:
    """``[P]`` 1-based place of each grid-connected phase in the interconnection queue by its
    request date (ties by catalog order); 0 for behind-the-meter phases (no request)."""
    pos = np.zeros(len(request_wk), dtype=np.int64)
    idx = np.flatnonzero(~np.asarray(onsite, dtype=bool))
    order = idx[np.argsort(np.asarray(request_wk)[idx], kind="stable")]
    pos[order] = np.arange(1, len(order) + 1)
    return pos


def bound_by(waits: Mapping[str, Int], ready: Int) -> NDArray[np.int8]:
    """``[D, P]`` index into :data:`LEAD_TIERS` of the pipeline that sets each ready week (the
    first when several finish together); −1 where none does (a date on record)."""
    hit = np.stack([np.asarray(waits[k]) == ready for k in LEAD_TIERS])
    return np.where(hit.any(axis=0), hit.argmax(axis=0), -1).astype(np.int8)


def phase_variables(inp: ModelInputs) -> dict[str, tuple[tuple[str, ...], NDArray[Any]]]:
    """The phases' plan and pipelines as dataset variables (``phase`` and ``draw × phase``):
    power kind, deal, operator, planned construction start / equipment order / queue request
    weeks and queue place, the simulated ready week and the pipeline that set it."""
    p = len(inp.phase_ids)

    def text(values: tuple[str, ...]) -> NDArray[np.str_]:
        return np.array(values if len(values) == p else ("",) * p, dtype=str)

    out: dict[str, tuple[tuple[str, ...], NDArray[Any]]] = {
        "phase_power_kind": (("phase",), text(inp.phase_power_kind)),
        "phase_deal": (("phase",), text(inp.phase_deal)),
        "phase_operator": (("phase",), text(inp.phase_operator)),
        "phase_ready_week": (("draw", "phase"), np.asarray(inp.phase_power_wk, dtype=np.int32)),
    }
    for key, arr in inp.phase_plan.items():
        name = key if key == "queue_position" else f"{key}_week"
        out[f"phase_{name}"] = (("phase",), np.asarray(arr, dtype=np.int32))
    if inp.phase_waits:
        code = bound_by(inp.phase_waits, inp.phase_power_wk)
        if inp.phase_energised is not None:
            code[:, np.asarray(inp.phase_energised, dtype=bool)] = -1
        out["phase_bound_by"] = (("draw", "phase"), code)
    return out
