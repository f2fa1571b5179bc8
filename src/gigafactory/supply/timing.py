"""Time helpers of the supply engine: lags over weeks, first week reaching a level, and the
generic-shell allowance of a buyer's partners."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .inputs import ModelInputs

F = NDArray[np.float64]
Int = NDArray[np.int64]
#: weeks ahead of deliveries that a buyer's partners start shells (buyer scope with contracts)
SHELL_PLANNING_WK = 104


def lag_tm(x: NDArray[Any], lag: Int, fill: Any = 0.0) -> NDArray[Any]:
    """Time-major lag: ``out[t, d] = x[t − lag[d], d]``, ``fill`` (scalar or per draw) before t=0."""
    w = x.shape[0]
    idx = np.arange(w)[:, None] - lag[None, :]
    out = np.take_along_axis(
        x, np.clip(idx, 0, w - 1).reshape(idx.shape + (1,) * (x.ndim - 2)), axis=0
    )
    before = (idx < 0).reshape(idx.shape + (1,) * (x.ndim - 2))
    fill_arr = np.asarray(fill)
    if fill_arr.ndim == 1:
        fill_arr = fill_arr.reshape((1, -1) + (1,) * (x.ndim - 2))
    return np.where(before, fill_arr, out)


def first_week_reaching(cum: F, level: F) -> Int:
    """First week index where ``cum[d, :] ≥ level[d, p]`` (−1 if never); ``cum`` non-decreasing."""
    d, w = cum.shape
    scale = 1.0 / (
        np.maximum(cum[:, -1:], level.max(axis=1, keepdims=True, initial=0.0)) * (1 + 1e-9) + 1e-9
    )
    off = np.arange(d, dtype=float)[:, None]
    flat = (cum * scale + off).ravel()
    j = np.searchsorted(flat, ((level - 1e-6) * scale + off).ravel(), side="left").reshape(
        level.shape
    )
    j = j - np.arange(d)[:, None] * w
    return np.where(j < w, j, -1).astype(np.int64)


def energised_phases(inp: ModelInputs) -> NDArray[np.bool_]:
    """``[P]`` phases energised in history: powered at their recorded week, outside the queues."""
    if inp.phase_energised is None:
        return np.zeros(len(inp.phase_ids), dtype=bool)
    return np.asarray(inp.phase_energised, dtype=bool)


def shell_allowance(inp: ModelInputs, sl: slice = slice(None)) -> F | None:
    """How many generic shells (cumulative IT MW, ``[W, n]``) a buyer's partners may have built
    by each week, or None when they build at capacity (industry scope, or no contracts).

    Partners build for the contracts they can see: the buyer's fleet plus its cumulative orders
    due within the chain's lead time and ``SHELL_PLANNING_WK``, less the named site phases
    already arrived; the envelope never falls (a shell is not unbuilt).
    """
    orders = inp.orders_it_mw_cum[sl]
    if not np.isfinite(orders[:, -1, :]).any():
        return None
    w = inp.n_weeks
    lead = inp.chip_lead_wk[sl] + inp.rack_lead_wk[sl] + inp.install_lead_wk[sl]
    idx = np.minimum(np.arange(w)[None, :] + (lead + SHELL_PLANNING_WK)[:, None], w - 1)
    due = np.take_along_axis(orders.sum(axis=2), idx, axis=1)  # [n, W]
    named = np.zeros_like(due)
    if inp.phase_ids:
        pw, mw = inp.phase_power_wk[sl], inp.phase_it_mw[sl]
        for p in range(pw.shape[1]):  # arrived before week t (a loop over a handful of phases)
            named += np.where(np.arange(w)[None, :] > pw[:, p : p + 1], mw[:, p : p + 1], 0.0)
    return np.ascontiguousarray(np.maximum.accumulate(np.maximum(due - named, 0.0), axis=1).T)
