"""The ordering and backlog rules as plain formulas (docs/ordering.md), vectorised over draws.

The weekly engine calls these; the tests check them on hand-built cases.  All in IT MW.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from numpy.typing import NDArray

from ..supply.inputs import ModelInputs

F = NDArray[np.float64]


def required_production(demand_ahead: F, fleet0_left_ahead: F, retired_ahead: F) -> F:
    """Cumulative production the buyer needs by now so its fleet meets demand a lead time ahead.

    ``R(t) = D(t+L) − F0(t+L) + Ret(t+L)``: demand at delivery, less the initial fleet still
    alive then, plus every installed MW that has retired by then (renewal of retiring chips).
    ``Ret(t+L)`` = installs up to ``t+L−life``, known at ``t`` when the life exceeds the lead.
    """
    return np.asarray(demand_ahead - fleet0_left_ahead + retired_ahead)


def demand_orders(required: F, produced: F, contracted_now: F, spare_v: F) -> F:
    """New demand-driven production by vendor this week, ``[n, V]``.

    ``short = max(R − P − C, 0)``;  ``extra_v = spare_v · min(1, short ÷ Σ_v spare_v)``:
    demand not covered by cumulative production ``P`` and this week's contracted output ``C``
    is ordered from the suppliers with spare capacity, pro rata to that spare capacity.
    Signed contracts are never reduced (``extra ≥ 0``).
    """
    short = np.maximum(required - produced - contracted_now, 0.0)
    total = spare_v.sum(axis=1)
    frac = np.minimum(1.0, short / np.where(total > 0, total, np.inf))
    return np.asarray(np.maximum(spare_v, 0.0) * frac[:, None])


def power_in_sight(empty_shells: F, freed_per_wk: F, lead_wk: NDArray[np.int64]) -> F:
    """IT MW of powered room expected within the chain lead: ``H = E + L · f``, the powered
    empty shells plus ``L`` weeks of last week's energisation and retirements."""
    return np.asarray(np.maximum(empty_shells, 0.0) + lead_wk * np.maximum(freed_per_wk, 0.0))


def backlog_allowance(backlog_mw: F, in_sight: F, wip: F) -> F:
    """IT MW that may be started this week: ``a = max(B + H − WIP, 0)`` where ``WIP`` is every
    MW started and not yet installed or written off, ``B`` the backlog limit (``backlog_wk``
    weeks of the output the market absorbs: IT MW energised + retired per week) and ``H`` the
    power in sight."""
    return np.asarray(np.maximum(backlog_mw + in_sight - wip, 0.0))


def writeoff_fifo(arrived_aged_cum: F, removed_cum: F, waiting: F) -> F:
    """Racks written off this week (first in, first out): every rack that arrived ``age`` weeks
    ago or earlier and is not installed or written off yet, ``w = clip(A(t−age) − X(t), 0, Q)``."""
    return np.asarray(np.clip(arrived_aged_cum - removed_cum, 0.0, waiting))


def supply_only(inp: ModelInputs) -> ModelInputs:
    """The inputs with demand-driven orders, the backlog rule and write-offs switched off: the
    supply-push case the planner's LP models (its replay test runs on this)."""
    return dataclasses.replace(inp, demand_it_mw=None, backlog_wk=float("inf"), rack_writeoff_wk=0)
