"""Weeks of delay attributed to each tier, by counterfactual relaxation.

For a milestone ``M`` (IT GW online), each draw reaches it at week ``t(M)``.  Relaxing one tier
at a time (its capacity × ``RELAX``; for orders, no cap) and re-simulating the same draws gives
``t_k(M)``; the delay attributed to tier ``k`` is ``t(M) − t_k(M)`` weeks (0 when relaxing it does
not help).  Relaxing a power or construction tier also takes its pipeline's time out of the named
site phases (lead time, queue wait or build time, :func:`gigafactory.supply.leads.relaxed_waits`),
so the waits count as well as the throughput.  Unlike the count of weeks a tier was binding, this says how much later the build is
because of that tier.  Delays do not add up: tiers bind in turn, and relaxing one exposes the next.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .engine import simulate
from .inputs import CAPACITY_FIELDS, TIERS, ModelInputs
from .leads import ready_week, relaxed_waits

#: capacity multiplier that makes a tier effectively unconstrained
RELAX = 100.0


def relaxed(inp: ModelInputs, tier: str) -> ModelInputs:
    """``inp`` with one tier's limit lifted."""
    if tier == "orders":
        return dataclasses.replace(
            inp, orders_it_mw_cum=np.broadcast_to(np.inf, inp.orders_it_mw_cum.shape)
        )
    field = CAPACITY_FIELDS[tier]
    out = dataclasses.replace(inp, **{field: getattr(inp, field) * RELAX})
    if tier in inp.phase_waits:
        ready = ready_week(relaxed_waits(inp.phase_waits, tier))
        known = np.zeros(len(inp.phase_ids), dtype=bool)
        if inp.phase_energised is not None:
            known = np.asarray(inp.phase_energised, dtype=bool)
        power = np.where(known[None, :], inp.phase_power_wk, ready)
        out = dataclasses.replace(out, phase_power_wk=power)
    return out


def weeks_to_reach(online_gw: NDArray[np.floating], milestone_gw: float) -> NDArray[np.int64]:
    """First week each draw's IT GW online reaches ``milestone_gw`` (n_weeks when never)."""
    hit = online_gw >= milestone_gw
    return np.where(hit.any(axis=1), hit.argmax(axis=1), online_gw.shape[1]).astype(np.int64)


def delay_weeks(inp: ModelInputs, milestone_gw: float) -> dict[str, dict[str, Any]]:
    """Weeks of delay attributed to each tier at ``milestone_gw`` IT GW online.

    Returns ``{tier: {"p50": weeks, "mean": weeks, "share_of_draws": share delayed}}``, and the
    milestone under ``"_milestone"``; tiers whose relaxation changes nothing are omitted.
    """
    base = weeks_to_reach(simulate(inp, vendor_detail=False).it_gw_online.values, milestone_gw)
    out: dict[str, dict[str, Any]] = {"_milestone": {"it_gw": round(float(milestone_gw), 3)}}
    for tier in TIERS:
        if tier == "orders" and not np.isfinite(inp.orders_it_mw_cum[:, -1, :]).any():
            continue
        t_k = weeks_to_reach(
            simulate(relaxed(inp, tier), vendor_detail=False).it_gw_online.values, milestone_gw
        )
        gain = np.maximum(base - t_k, 0)
        if gain.any():
            out[tier] = {
                "p50": float(np.median(gain)),
                "mean": round(float(gain.mean()), 2),
                "share_of_draws": round(float((gain > 0).mean()), 4),
            }
    return out
