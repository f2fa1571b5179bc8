"""Contracts as pure generators of postings, and the deal plan they are built from.

A posting is a flow ``[D, W]`` ($B per week, float32) along one *link*: payer → payee, with a
kind (cash, or in kind: equity, warrant shares), a contract id, a flow type and a basis
(committed: a definitive contract; contingent: a non-binding one; operating: revenue, opex and
flows derived from the physical results).  Contracts never touch balances.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from ..catalog.schema import Catalog, Deal, Fact
from ..formulas import capital_recovery_factor
from ..timegrid import decimal_year, parse_when

F32 = NDArray[np.float32]
F = NDArray[np.float64]

Kind = Literal["cash", "equity", "warrant"]
Basis = Literal["committed", "contingent", "operating"]

BINDING = frozenset({"definitive", "operating", "completed"})
NON_BINDING = frozenset({"announced", "loi", "mou", "term_sheet"})
DROPPED = frozenset({"superseded", "cancelled"})
#: Entities outside the internal network (boundary nodes for circularity).
BOUNDARY = frozenset({"external", "lenders"})


@dataclass(frozen=True)
class Link:
    """One edge of the ledger: who pays whom, in what, under which contract."""

    payer: str
    payee: str
    kind: Kind
    flow: str
    contract: str
    basis: Basis


def status_class(status: str | None) -> str:
    """'binding', 'non_binding', 'dropped' or 'unknown' (not yet announced)."""
    if status is None:
        return "unknown"
    if status in BINDING:
        return "binding"
    if status in NON_BINDING:
        return "non_binding"
    return "dropped"


def active_deals(cat: Catalog, as_of: str) -> dict[str, tuple[Deal, bool]]:
    """Deals known and alive on ``as_of``: {id: (deal, binding)}; superseded/cancelled dropped."""
    out: dict[str, tuple[Deal, bool]] = {}
    for did, d in sorted(cat.deals.items()):
        cls = status_class(d.status_as_of(as_of))
        if cls in ("binding", "non_binding"):
            out[did] = (d, cls == "binding")
    return out


def start_date(deal: Deal) -> dt.date:
    return min(parse_when(e.date) for e in deal.status_history)


def cumulative_schedule(deal: Deal, week_years: F) -> F:
    """Cumulative GW ``[W]`` scheduled by a deal: linear from 0 at its first status date through
    the schedule points, flat after the last; a deal without points ramps to ``gw`` over a year."""
    total = deal.gw.value if deal.gw is not None else 0.0
    pts = sorted((decimal_year(parse_when(k)), f.value) for k, f in deal.schedule.items())
    if not pts:
        pts = [(decimal_year(start_date(deal)) + 1.0, total)]
    x0 = decimal_year(start_date(deal))
    xs = np.array([min(x0, pts[0][0] - 1e-3)] + [p[0] for p in pts])
    ys = np.array([0.0] + [p[1] for p in pts])
    out = np.interp(week_years, xs, ys, left=0.0, right=max(total, ys[-1]))
    return np.asarray(out, dtype=float)


def cumulative_payments(payments: dict[str, Fact], weeks: list[dt.date]) -> F:
    """Cumulative $B ``[W]`` paid by each week's end (step function at the payment dates)."""
    pts = sorted((parse_when(k), f.value) for k, f in payments.items())
    out = np.zeros(len(weeks))
    for day, v in pts:  # a handful of dated tranches
        out[[w + dt.timedelta(days=6) >= day for w in weeks]] = v
    return out


def weekly(cum: NDArray[np.floating]) -> NDArray[np.floating]:
    """Weekly increments of a cumulative series along the last axis (first week from 0)."""
    out = np.empty_like(cum)
    out[..., 0] = cum[..., 0]
    np.subtract(cum[..., 1:], cum[..., :-1], out=out[..., 1:])
    return np.maximum(out, 0.0, out=out)


def capped(flow: F32, cap: NDArray[np.floating]) -> F32:
    """Weekly flow with its running total capped at ``cap`` ``[D]`` ($B):
    paid(t) = min(Σ_{τ≤t} f, cap) − min(Σ_{τ<t} f, cap)."""
    c = np.cumsum(flow, axis=1, dtype=np.float32)
    np.minimum(c, np.asarray(cap, dtype=np.float32)[:, None], out=c)
    return weekly(c)


def crf(rate: NDArray[np.floating], years: NDArray[np.floating]) -> NDArray[np.floating]:
    """Capital recovery factor i / (1 − (1 + i)^−n), per year, in the dtype of ``rate``
    (:func:`gigafactory.formulas.capital_recovery_factor`)."""
    return capital_recovery_factor(rate, years).astype(np.asarray(rate).dtype, copy=False)


def loan_flows(draw: F32, rate: NDArray[np.floating], term_weeks: int) -> tuple[F32, F32]:
    """Level-principal amortising loan: each draw is repaid in equal weekly instalments over
    ``term_weeks`` starting the week after it; interest accrues weekly on the balance.

        principal(t) = (C(t−1) − C(t−1−n)) / n,  C = cumulative draws,  n = term_weeks
        balance(t)   = C(t) − Σ_{τ≤t} principal(τ),   interest(t) = r/52.18 · balance(t−1)

    Returns
    -------
    (principal, interest) ``[D, W]`` $B per week.
    """
    c = np.cumsum(np.asarray(draw, dtype=np.float32), axis=1)
    principal = np.zeros_like(c)  # C(t−1) − C(t−1−n), C = 0 before the first week
    principal[:, 1:] = c[:, :-1]
    if term_weeks + 1 < c.shape[1]:
        principal[:, term_weeks + 1 :] -= c[:, : -(term_weeks + 1)]
    principal /= np.float32(term_weeks)
    bal = np.cumsum(principal, axis=1)
    np.subtract(c, bal, out=bal)
    r = np.asarray(rate, dtype=np.float32)[:, None] * np.float32(7.0 / 365.25)
    interest = np.empty_like(bal)  # r · balance(t−1), balance 0 before the first week
    np.multiply(np.float32(0.0), r[:, 0], out=interest[:, 0])
    np.multiply(bal[:, :-1], r, out=interest[:, 1:])
    return principal, interest


@dataclass
class Postings:
    """A collection of postings for a batch of draws (the ledger before reduction).

    With a ``sink`` each posting is also handed to it as it is made (the engine folds it into
    balances and totals while it is still in cache); ``keep=False`` then drops the flow itself.
    """

    links: list[Link] = field(default_factory=list)
    flows: list[F32] = field(default_factory=list)
    sink: Callable[[Link, F32], None] | None = None
    keep: bool = True

    def add(self, link: Link, flow: NDArray[np.floating]) -> None:
        f = np.asarray(flow, dtype=np.float32)
        self.links.append(link)
        if self.keep:
            self.flows.append(f)
        if self.sink is not None:
            self.sink(link, f)
