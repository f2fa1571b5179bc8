"""The market stages of the weekly engine (docs/ordering.md): demand-driven orders, the
industry backlog rule, write-offs of racks that waited too long, and the shells partners build
for demand.  Called from :mod:`gigafactory.supply.batch` on its setup and state."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from ..demand.rules import (
    backlog_allowance,
    demand_orders,
    power_in_sight,
    required_production,
    writeoff_fifo,
)
from .inputs import TIERS, ModelInputs
from .physics import fleet_left
from .timing import SHELL_PLANNING_WK

if TYPE_CHECKING:
    from .batch import _Setup, _State

F = NDArray[np.float64]
Int = NDArray[np.int64]
EPS_MW = 1e-6
CODE_ORDERS = TIERS.index("orders")  # the binding code batch.CODE gives "orders"


def demand_shells(inp: ModelInputs, sl: slice, demand: F, lead: Int, fleet0: F) -> F:
    """Generic shells (cumulative IT MW, ``[W, n]``) partners build for demand: the peak of
    ``D(t + lead + planning) − F0 − named phases arrived`` so far (a shell is not unbuilt)."""
    w = demand.shape[0]
    idx = np.minimum(np.arange(w)[:, None] + (lead + SHELL_PLANNING_WK)[None, :], w - 1)
    need = np.take_along_axis(demand, idx, axis=0) - fleet0[None, :]
    if inp.phase_ids:
        pw, mw = inp.phase_power_wk[sl], inp.phase_it_mw[sl]
        for p in range(pw.shape[1]):
            need -= np.where(np.arange(w)[:, None] > pw[None, :, p], mw[None, :, p], 0.0)
    return np.asarray(np.maximum.accumulate(np.maximum(need, 0.0), axis=0))


def _required(su: _Setup, st: _State, t: int) -> F:
    """``R(t)`` of :func:`gigafactory.demand.required_production`: the fleet a lead time ahead
    must meet demand after renewing every retired MW."""
    assert su.demand is not None
    ahead = np.minimum(t + su.lead, su.w - 1)
    f0 = np.where(su.life > 0, fleet_left(su.fleet0, su.life, ahead + 1), su.fleet0)
    ret_i = np.minimum(ahead - su.life, t - 1)
    ret = np.where(ret_i >= 0, st.inst_cum[np.maximum(ret_i, 0), su.rows], 0.0)
    return required_production(su.demand[ahead, su.rows], f0, ret)


def demand_extra(su: _Setup, st: _State, t: int, got: F, sup_v: F) -> F:
    """Demand-driven orders this week, by vendor (see :func:`gigafactory.demand.demand_orders`)."""
    need = _required(su, st, t)
    return demand_orders(need, st.prod_v_cum.sum(axis=1), got.sum(axis=1), sup_v - got)


def demand_gate(su: _Setup, st: _State, t: int, units: F, code: NDArray[np.int8]) -> None:
    """Industry demand (in place on ``units``): the buyer's rule with no contracts, ``C = 0``
    and the week's chip output as the spare capacity, so starts are
    ``min(capacity, max(R − P, 0))``; where demand binds, ``orders`` is recorded as binding.
    ``P`` (column 0 of ``prod_v_cum``) counts the work in progress at the start as produced."""
    if t == 0:
        st.prod_v_cum[:, 0] = st.wip
    cap_mw = units * su.mw_unit[t]
    zero = np.zeros(su.n)
    allow = demand_orders(_required(su, st, t), st.prod_v_cum[:, 0], zero, cap_mw[:, None])[:, 0]
    scale = np.minimum(1.0, allow / np.where(cap_mw > EPS_MW, cap_mw, np.inf))
    units *= scale
    code[scale < 1.0 - 1e-9] = CODE_ORDERS
    st.prod_v_cum[:, 0] += units * su.mw_unit[t]


def backlog_gate(su: _Setup, st: _State, t: int, units: F, code: NDArray[np.int8]) -> None:
    """Industry backlog rule (in place on ``units``): starts ≤ the backlog allowance
    (:func:`gigafactory.demand.backlog_allowance`) with ``B = backlog_wk · f``, ``backlog_wk``
    weeks of the room the market makes (``f``, IT MW energised + retired per week, a
    13-week exponential mean); where it binds, the power tier that held
    last week's installs is recorded as binding."""
    cap_mw = units * su.mw_unit[t]
    allow = backlog_allowance(
        su.backlog_wk * st.freed, power_in_sight(st.powered - st.online, st.freed, su.lead), st.wip
    )
    scale = np.minimum(1.0, allow / np.where(cap_mw > EPS_MW, cap_mw, np.inf))
    units *= scale
    if t > 0:
        held = scale < 1.0 - 1e-9
        code[held] = st.shell_label[t - 1][held]


def write_off(su: _Setup, st: _State, t: int, x: F) -> None:
    """Racks waiting longer than ``writeoff_wk`` are written off, first in first out
    (:func:`gigafactory.demand.writeoff_fifo`); the week's amount is kept in ``st.written``."""
    racks = st.racks
    st.arr_cum[t] = (st.arr_cum[t - 1] if t else 0.0) + st.shipped[
        0, st.l2 + t - su.site_lag, su.rows
    ]
    st.removed_cum += x
    aged = st.arr_cum[t - su.writeoff_wk] if t >= su.writeoff_wk else np.zeros(su.n)
    wo = writeoff_fifo(aged, st.removed_cum, racks[0])
    racks -= racks * (wo / np.where(racks[0] > EPS_MW, racks[0], np.inf))
    st.removed_cum += wo
    st.wip -= wo
    st.written = wo
