"""Physical rules shared by the simulator (``supply/batch.py``) and the planner (``plan/data.py``,
``plan/model.py``): one rule, one function, so the two cannot drift apart.

Shapes: functions are written for the simulator's per-draw vectors (``[n]``, ``[n, V]``) and
work unchanged on the planner's single draw (scalars, ``[V]``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

F = NDArray[np.float64]
#: a requirement below this (items per accelerator) is treated as this: no division by zero
MIN_REQ = 1e-12


def chip_requirements(
    mix: F, packages_per_logic_wafer: F, good_packages_per_cowos_wafer: F, hbm_stacks_per_unit: F
) -> tuple[F, F, F]:
    """Items each chip tier supplies per accelerator of the mix.

    ``r_k = Σ_s m_s · q_{k,s}`` with ``q`` = 1/logic packages per wafer (wafers),
    1/good CoWoS packages per wafer (wafers), HBM stacks per unit (stacks).

    Parameters
    ----------
    mix : ``[T, S]`` unit mix (rows sum to 1).
    packages_per_logic_wafer, good_packages_per_cowos_wafer, hbm_stacks_per_unit :
        per SKU, ``[n, S]`` (draws) or ``[S]`` (one draw).

    Returns
    -------
    (logic wafers, CoWoS wafers, HBM stacks) per accelerator, ``[T, n]`` or ``[T]``.
    """
    return (
        mix @ (1.0 / packages_per_logic_wafer).T,
        mix @ (1.0 / good_packages_per_cowos_wafer).T,
        mix @ np.asarray(hbm_stacks_per_unit).T,
    )


def chip_limited_units(caps: list[Any], reqs: list[Any]) -> Any:
    """Accelerators the chip tiers allow: ``u = min_k cap_k / r_k`` (units per week).

    A running elementwise minimum (no ``[K, …]`` stack of the three tiers: the same values).
    """
    out: Any = None
    for c, r in zip(caps, reqs, strict=True):
        u = np.asarray(c) / np.maximum(np.asarray(r), MIN_REQ)
        out = u if out is None else np.minimum(out, u)
    return out


def chip_units_of(inp: Any) -> Any:
    """``[W, D]`` accelerators the chip tiers allow for compiled inputs ``inp`` (a
    ``ModelInputs``): :func:`chip_limited_units` over its logic, CoWoS and HBM capacities and
    :func:`chip_requirements` of its mix."""
    caps = [inp.capacity(k).T for k in ("logic_wafers", "cowos", "hbm")]
    reqs = chip_requirements(
        inp.mix,
        inp.packages_per_logic_wafer,
        inp.good_packages_per_cowos_wafer,
        inp.hbm_stacks_per_unit,
    )
    return chip_limited_units(caps, list(reqs))


def due_week(t: Any, lead: Any, n_weeks: int) -> Any:
    """The week whose cumulative orders production in week ``t`` is for: ``min(t + lead, W−1)``.

    Contracts date deliveries; production leads them by the chain's lead time
    (chip + rack + install weeks).
    """
    return np.minimum(np.asarray(t) + np.asarray(lead), n_weeks - 1)


def start_wip(
    units0: Any, mw_per_unit_v: Any, orders_due_v: Any, lead: Any, rack_cap0: Any
) -> tuple[Any, Any, Any]:
    """Work in progress at the horizon start: the pipelines start full.

    Week-0 production by vendor ``p0_v = min(u0 · mw_v, O_v(lead) / lead)`` IT MW/week (the
    work in flight counts against the orders first), ``p0 = Σ_v p0_v``; racks in flight
    ``r0 = min(p0, rack capacity in week 0)``.  For ``chip lead`` weeks ``p0`` arrives as
    accelerators and for ``rack + install lead`` weeks ``r0`` arrives as racks.

    Parameters
    ----------
    units0 : accelerators per week the chip tiers allow in week 0, ``[n]``.
    mw_per_unit_v : IT MW per accelerator of week 0's mix by vendor, ``[n, V]``.
    orders_due_v : cumulative ordered IT MW by vendor at ``due_week(0, lead)``, ``[n, V]``
        (``inf`` = uncapped).
    lead : chip + rack + install lead, weeks, ``[n]``.
    rack_cap0 : rack assembly capacity in week 0, IT MW/week, ``[n]``.

    Returns
    -------
    (p0_v ``[n, V]``, p0 ``[n]``, r0 ``[n]``), IT MW/week.
    """
    lead = np.maximum(np.asarray(lead), 1)
    p0_v = np.minimum(np.asarray(units0)[..., None] * mw_per_unit_v, orders_due_v / lead[..., None])
    p0 = p0_v.sum(axis=-1)
    return p0_v, p0, np.minimum(p0, rack_cap0)


def wip_by_vendor(p0_v: Any, p0: Any, r0: Any, chip_lead: Any, site_lag: Any) -> Any:
    """IT MW in flight at the start by vendor, ``(lc·p0 + site·r0) · p0_v / p0`` (it counts
    against each vendor's orders)."""
    total = np.asarray(chip_lead) * p0 + np.asarray(site_lag) * r0
    return (total / np.maximum(p0, 1e-300))[..., None] * p0_v


def fleet_left(fleet0: Any, life_wk: Any, weeks_elapsed: Any) -> Any:
    """Initial fleet still online after ``weeks_elapsed`` weeks: it retires straight-line over
    its life, ``fleet0 · clip(1 − t / life, 0, 1)`` (life 0 counts as 1 week)."""
    life = np.maximum(np.asarray(life_wk, dtype=float), 1.0)
    return np.asarray(fleet0) * np.clip(1.0 - np.asarray(weeks_elapsed) / life, 0.0, 1.0)


def fleet_retired(fleet0: Any, life_wk: Any, t: int) -> Any:
    """Initial fleet retired in week ``t``: ``fleet_left(t) − fleet_left(t + 1)``."""
    return fleet_left(fleet0, life_wk, t) - fleet_left(fleet0, life_wk, t + 1)


def transformer_split(cap: Any, onsite_share: Any) -> tuple[Any, Any]:
    """Transformer supply split between grid-connected and on-site shells in the on-site share.

    Two independent queues keep energisation monotone in every capacity (a shared pool served
    by priority would not be).  Returns (for grid shells, for on-site shells), same unit as
    ``cap``.
    """
    return cap * (1.0 - onsite_share), cap * onsite_share
