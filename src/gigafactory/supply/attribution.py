"""Weeks of delay attributed to each tier, by counterfactual relaxation.

For a milestone ``M`` (IT GW online), each draw reaches it at week ``t(M)``.  Relaxing one tier
at a time (its capacity × ``RELAX``; for orders, no cap) and re-simulating the same draws gives
``t_k(M)``; the delay attributed to tier ``k`` is ``t(M) − t_k(M)`` weeks (0 when relaxing it does
not help).  Relaxing a power or construction tier also takes its pipeline's time out of the named
site phases (lead time, queue wait or build time, :func:`gigafactory.supply.leads.relaxed_waits`),
so the waits count as well as the throughput.  Unlike the count of weeks a tier was binding, this says how much later the build is
because of that tier.  Delays do not add up: tiers bind in turn, and relaxing one exposes the next.

The base run and every relaxed run go through the engine as one stacked run (:func:`stacked`:
the variants' draws one after another).  The engine treats draws independently, so each
variant's rows are exactly its own run, and the weekly loop's per-week cost is paid once
instead of once per tier (ten runs of 200 draws cost about as much as one of 2,000).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .engine import simulate
from .inputs import CAPACITY_FIELDS, TIERS, ModelInputs
from .leads import ready_week, relaxed_waits
from .regions import NO_SLIP, SLIP_TIERS

#: ModelInputs array fields without a leading draw axis (everything else array-valued has one)
_NOT_BY_DRAW = frozenset(
    {"mix", "phase_onsite", "phase_planned_wk", "phase_energised", "phase_plan", "meta"}
)

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
    if tier in SLIP_TIERS and inp.region_slip_wk is not None:  # generic shells wait no more
        slip = inp.region_slip_wk.copy()
        slip[:, SLIP_TIERS.index(tier)] = NO_SLIP
        out = dataclasses.replace(out, region_slip_wk=slip)
    return out


def stacked(variants: list[ModelInputs]) -> ModelInputs:
    """One ``ModelInputs`` holding the draws of every variant one after another.

    Variant ``k``'s draws are rows ``k·D`` to ``(k+1)·D − 1`` of the stacked run (``D`` draws
    each); every field without a draw axis is taken from the first variant, so the variants
    must differ only in draw-indexed arrays (as :func:`relaxed` variants do).
    """
    first = variants[0]
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(first):
        if f.name in _NOT_BY_DRAW:
            continue
        vals = [getattr(v, f.name) for v in variants]
        if isinstance(vals[0], np.ndarray):
            changes[f.name] = _concat(vals, first.draws, f.name)
        elif isinstance(vals[0], dict) and vals[0]:
            changes[f.name] = {
                k: _concat([v[k] for v in vals], first.draws, f"{f.name}[{k}]") for k in vals[0]
            }
    return dataclasses.replace(first, draws=first.draws * len(variants), **changes)


def _concat(arrays: list[Any], draws: int, name: str) -> np.ndarray:
    if any(np.shape(a)[:1] != (draws,) for a in arrays):
        raise ValueError(f"ModelInputs.{name} has no leading draw axis of {draws}")
    return np.concatenate(arrays)


def weeks_to_reach(online_gw: NDArray[np.floating], milestone_gw: float) -> NDArray[np.int64]:
    """First week each draw's IT GW online reaches ``milestone_gw`` (n_weeks when never)."""
    hit = online_gw >= milestone_gw
    return np.where(hit.any(axis=1), hit.argmax(axis=1), online_gw.shape[1]).astype(np.int64)


def delay_weeks(
    inp: ModelInputs, milestone_gw: float, engine: str = "auto"
) -> dict[str, dict[str, Any]]:
    """Weeks of delay attributed to each tier at ``milestone_gw`` IT GW online.

    ``engine`` is the engine of the stacked run (``simulate``'s; a run that already loaded the
    compiled loop passes ``"numba"``: about half the CPU of the NumPy reference here).

    Returns ``{tier: {"p50": weeks, "mean": weeks, "share_of_draws": share delayed}}``, and the
    milestone under ``"_milestone"``; tiers whose relaxation changes nothing are omitted.
    """
    tiers = [t for t in TIERS if t != "orders" or np.isfinite(inp.orders_it_mw_cum[:, -1, :]).any()]
    runs = stacked([inp, *(relaxed(inp, t) for t in tiers)])
    # only the headline IT GW online is read: no vendor detail, no regional tables
    online = simulate(runs, vendor_detail=False, engine=engine, regions=False).it_gw_online.values
    reach = weeks_to_reach(online, milestone_gw).reshape(len(tiers) + 1, inp.draws)
    base = reach[0]
    out: dict[str, dict[str, Any]] = {"_milestone": {"it_gw": round(float(milestone_gw), 3)}}
    for tier, t_k in zip(tiers, reach[1:], strict=True):
        gain = np.maximum(base - t_k, 0)
        if gain.any():
            out[tier] = {
                "p50": float(np.median(gain)),
                "mean": round(float(gain.mean()), 2),
                "share_of_draws": round(float((gain > 0).mean()), 4),
            }
    return out
