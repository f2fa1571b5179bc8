"""Financing channels: who can fund a shortfall, in which order, at what cost, within which limits.

Each week, per entity and vectorised over draws, the cash the contracts leave (the ledger's net
flow) meets the entity's channels in a fixed, documented order, the cheapest usual source first::

    cash above the minimum → revolver → bonds (IG if rated Baa3/BBB− or better, else HY)
      → project finance (a JV that owns the campus and borrows against the lease)
      → private credit → vendor financing → equity rounds

A shortfall below the minimum cash is drawn from each channel in turn up to its headroom; what
no channel covers is *unfunded* that week.  Debt channels charge interest weekly on what is
outstanding (rate/52, paid in cash), surplus cash above the minimum repays the dearest debt
first, and a share of what is left of a positive week is paid out (dividends, buybacks).
Channels here are *incremental* to the contracts already posted in the ledger (the Nvidia and
SoftBank equity, the AMD warrant, the data-centre SPV's loans are there already).

Balance sheet, per entity/week/draw (book, $B):
    assets      = cash + other assets (opening book, fixed)
    liabilities = opening debt + Σ debt channels outstanding
    equity      = opening equity + Σ (net flow − interest − payouts) + equity raised
so assets − liabilities − equity = 0 is a check that every draw, repayment, coupon and payout
was booked on both sides (``Funding.identity_gap``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from ..errors import GigafactoryError
from ..scenario.domains import MAX_RATE_PCT

F64 = NDArray[np.float64]

#: The funding order (cheapest usual source first); a stack lists its channels in this order.
ORDER = (
    "revolver",
    "ig_bond",
    "hy_bond",
    "project_finance",
    "private_credit",
    "vendor",
    "equity",
)
#: Weeks per year, for weekly interest.
WEEKS_PER_YR = 52.0
#: $B: a shortfall smaller than this is rounding, not a funding failure.
UNFUNDED_TOL = 1e-6
#: Draws from which the compiled funding loop pays for loading numba (0.5–1.3 s CPU) when the
#: run has not loaded it already; below, the NumPy twin (same results, bit for bit) is cheaper
#: (announced, 5 entities, CPU: NumPy 0.42 s at 1,000 draws, 0.92 at 4,000; the kernel 0.45 at
#: 4,000 once loaded).  The supply engine's threshold (``COMPILED_FROM_DRAWS``), so a run loads
#: numba for both or for neither.
KERNEL_FROM_DRAWS = 4000


def use_kernel(draws: int) -> bool:
    """Whether to fund ``draws`` draws with the compiled loop (finance/fund_kernel.py):
    when numba is loaded already (the supply engine of a run of ≥ 4,000 draws loads it) or
    from :data:`KERNEL_FROM_DRAWS` draws; else the NumPy twin (finance/fund_numpy.py)."""
    return "numba" in sys.modules or draws >= KERNEL_FROM_DRAWS


@dataclass(frozen=True)
class Channel:
    """One source of funds of one entity.

    Attributes
    ----------
    name : one of ``ORDER``.
    capacity_usd_b : [d] the limit ($B): outstanding at any time, or raised per calendar year
        when ``per_year``.
    rate_pct : [d] cost (%/yr): coupon for debt, required return for equity (reported, not paid).
    per_year : the capacity renews each calendar year (bond issuance, equity rounds) instead of
        capping what is outstanding (revolver, project loans).
    """

    name: str
    capacity_usd_b: F64
    rate_pct: F64
    per_year: bool = False

    def __post_init__(self) -> None:
        cap, rate = np.asarray(self.capacity_usd_b), np.asarray(self.rate_pct)
        if not np.isfinite(cap).all() or (cap < 0).any():
            raise GigafactoryError(
                f"channel '{self.name}': capacity must be a finite amount ≥ 0 $B "
                f"(got {float(np.nanmin(cap)):g})"
            )
        if not np.isfinite(rate).all() or (rate < 0).any() or (rate > MAX_RATE_PCT).any():
            bad = rate[~((rate >= 0) & (rate <= MAX_RATE_PCT))]
            raise GigafactoryError(
                f"channel '{self.name}': cost must lie in 0–{MAX_RATE_PCT:g} %/yr "
                f"(got {float(bad[0]) if bad.size else float('nan'):g})"
            )

    @property
    def kind(self) -> Literal["debt", "equity"]:
        return "equity" if self.name in ("equity", "vendor") else "debt"


@dataclass(frozen=True)
class Funding:
    """The funded cash path of one entity ([d, w] unless said; channel axis last)."""

    channels: list[str]
    cash_usd_b: F64
    drawn_usd_b: F64  # [d, w, k] net raised each week (draws − repayments)
    outstanding_usd_b: F64  # [d, w, k] debt outstanding / equity raised to date
    interest_usd_b: F64
    payouts_usd_b: F64
    unfunded_usd_b: F64  # shortfall below the minimum no channel covered
    assets_usd_b: F64
    liabilities_usd_b: F64
    equity_usd_b: F64
    cost_usd_b_per_yr: F64 = field(repr=False)  # [d, w] annual cost of what is outstanding

    @property
    def identity_gap(self) -> F64:
        """assets − liabilities − equity, every week and draw ($B; 0 up to rounding)."""
        return self.assets_usd_b - self.liabilities_usd_b - self.equity_usd_b

    @property
    def first_unfunded_week(self) -> NDArray[np.int64]:
        """[d] index of the first week with an unfunded shortfall, −1 if none."""
        return first_short_week(self.unfunded_usd_b)


def first_short_week(unfunded_usd_b: F64) -> NDArray[np.int64]:
    """[d] index of the first week whose unfunded shortfall ``[d, w]`` exceeds ``UNFUNDED_TOL``
    ($B), −1 in a draw where none does."""
    short = unfunded_usd_b > UNFUNDED_TOL
    return np.where(short.any(axis=1), short.argmax(axis=1), -1)


def _unfunded_only(
    net: F64, cash0: F64, mn: F64, debt0: F64 | float, other0: F64 | float
) -> Funding:
    """No channel and no payout: the cash path is a cumulative sum (no loop over weeks)."""
    d, w = net.shape
    cash = np.asarray(cash0, dtype=float)[:, None] + np.cumsum(net, axis=1)
    zero, none = np.zeros((d, w)), np.zeros((d, w, 0))
    debt = np.broadcast_to(np.asarray(debt0, dtype=float), (d,))[:, None] + zero
    assets = cash + np.asarray(other0, dtype=float)[..., None]
    return Funding(
        channels=[],
        cash_usd_b=cash,
        drawn_usd_b=none,
        outstanding_usd_b=none,
        interest_usd_b=zero,
        payouts_usd_b=zero,
        unfunded_usd_b=np.maximum(np.asarray(mn, dtype=float)[:, None] - cash, 0.0),
        assets_usd_b=assets,
        liabilities_usd_b=debt,
        equity_usd_b=assets - debt,
        cost_usd_b_per_yr=zero,
    )


def fund(
    net_usd_b: F64,
    cash0_usd_b: F64,
    min_cash_usd_b: F64,
    channels: Sequence[Channel],
    year_of_week: NDArray[np.int64],
    payout_share: float = 0.0,
    debt0_usd_b: F64 | float = 0.0,
    other_assets0_usd_b: F64 | float = 0.0,
) -> Funding:
    """Fund one entity's weekly net cash flows from its channels.

    Parameters
    ----------
    net_usd_b : [d, w] net cash flow of the contracts and the rest of the business ($B/week).
    cash0_usd_b, min_cash_usd_b : [d] opening and minimum cash ($B).
    channels : in funding order (see ``ORDER``); capacities and rates per draw.
    year_of_week : [w] calendar year of each week (per-year limits renew with it).
    payout_share : share (0–1) of a positive week's cash left after repaying debt that is paid
        to shareholders.
    debt0_usd_b, other_assets0_usd_b : opening book debt and non-cash assets ($B).

    Returns
    -------
    Funding.

    The week's sequence: cash += net − interest; shortfall s = max(min − cash, 0) is drawn from
    each channel k in order, d_k = min(s, headroom_k); surplus u = max(cash − min, 0) repays
    debt dearest first; a positive week pays out ``payout_share`` of what is left of it.
    """
    if len(channels) == 0 and payout_share == 0.0:
        return _unfunded_only(
            net_usd_b, cash0_usd_b, min_cash_usd_b, debt0_usd_b, other_assets0_usd_b
        )
    names, debt_k, buf, drawn_all, out_all, _ = _loop(
        net_usd_b,
        cash0_usd_b,
        min_cash_usd_b,
        channels,
        year_of_week,
        payout_share,
        debt0_usd_b,
        other_assets0_usd_b,
        full=True,
    )
    res = dict(zip(("cash", "interest", "payouts", "unfunded", "equity", "cost"), buf, strict=True))
    debt_out = (out_all * debt_k).sum(axis=2)
    return Funding(
        channels=names,
        cash_usd_b=res["cash"],
        drawn_usd_b=drawn_all,
        outstanding_usd_b=out_all,
        interest_usd_b=res["interest"],
        payouts_usd_b=res["payouts"],
        unfunded_usd_b=res["unfunded"],
        assets_usd_b=res["cash"] + np.asarray(other_assets0_usd_b, dtype=float)[..., None],
        liabilities_usd_b=np.asarray(debt0_usd_b, dtype=float)[..., None] + debt_out,
        equity_usd_b=res["equity"],
        cost_usd_b_per_yr=res["cost"],
    )


@dataclass(frozen=True)
class FundingPath:
    """What the money summary reads of a funded cash path (``fund_path``): cash, unfunded
    shortfall ``[d, w]`` and gross raised per channel ``[d, k]`` over the horizon ($B)."""

    channels: list[str]
    cash_usd_b: F64
    unfunded_usd_b: F64
    raised_usd_b: F64

    @property
    def first_unfunded_week(self) -> NDArray[np.int64]:
        """[d] index of the first week with an unfunded shortfall, −1 if none."""
        return first_short_week(self.unfunded_usd_b)


def fund_path(
    net_usd_b: F64,
    cash0_usd_b: F64,
    min_cash_usd_b: F64,
    channels: Sequence[Channel],
    year_of_week: NDArray[np.int64],
    payout_share: float = 0.0,
    debt0_usd_b: F64 | float = 0.0,
) -> FundingPath:
    """:func:`fund` keeping only cash, the unfunded shortfall and the gross raised per channel
    (the same loop; the balance-sheet arrays are never written, so never paged in)."""
    names, _, buf, _, _, raised = _loop(
        net_usd_b,
        cash0_usd_b,
        min_cash_usd_b,
        channels,
        year_of_week,
        payout_share,
        debt0_usd_b,
        0.0,
        full=False,
    )
    return FundingPath(names, buf[0], buf[3], raised)


def _loop(
    net_usd_b: F64,
    cash0_usd_b: F64,
    min_cash_usd_b: F64,
    channels: Sequence[Channel],
    year_of_week: NDArray[np.int64],
    payout_share: float,
    debt0_usd_b: F64 | float,
    other_assets0_usd_b: F64 | float,
    full: bool,
) -> tuple[list[str], NDArray[np.bool_], F64, F64, F64, F64]:
    """Run the weekly loop (compiled, finance/fund_kernel.py, or its NumPy twin, see
    :func:`use_kernel`): (names, debt flags, ``[6, d, w]``
    cash/interest/payouts/unfunded/equity/cost, drawn and outstanding ``[d, w, k]`` (written
    only when ``full``), gross raised ``[d, k]``)."""
    d, w = net_usd_b.shape
    nk = len(channels)
    names = [c.name for c in channels]
    if [n for n in ORDER if n in names] != names or len(set(names)) != nk:
        raise ValueError(f"channels must be distinct and in the order {ORDER}; got {names}")
    debt_k = np.array([c.kind == "debt" for c in channels], dtype=bool)
    rate = np.stack([c.rate_pct for c in channels], axis=1) / 100.0 if nk else np.zeros((d, 0))
    repay_order: list[int] = sorted(
        np.flatnonzero(debt_k), key=lambda j: -float(np.median(rate[:, j]))
    )
    if use_kernel(d):
        from .fund_kernel import fund_loop as kernel  # numba: compiled on first use

        fund_loop: Callable[..., None] = kernel
    else:
        from .fund_numpy import fund_loop_numpy as fund_loop

    cash0 = np.broadcast_to(np.asarray(cash0_usd_b, dtype=float), (d,))
    equity0 = np.asarray(other_assets0_usd_b, dtype=float) + cash0 - np.asarray(debt0_usd_b)
    new_year = np.zeros(w, dtype=bool)
    new_year[1:] = year_of_week[1:] != year_of_week[:-1]
    cap = np.stack([c.capacity_usd_b for c in channels], axis=1) if nk else np.zeros((d, 0))
    buf = np.empty((6, d, w))
    drawn_all, out_all = np.empty((d, w, nk)), np.empty((d, w, nk))
    raised = np.zeros((d, nk))
    fund_loop(
        np.ascontiguousarray(net_usd_b, dtype=float),
        np.ascontiguousarray(cash0),
        np.ascontiguousarray(np.broadcast_to(np.asarray(min_cash_usd_b, dtype=float), (d,))),
        np.ascontiguousarray(np.broadcast_to(cap, (d, nk)), dtype=float),
        np.ascontiguousarray(np.broadcast_to(rate, (d, nk)), dtype=float),
        np.array([c.per_year for c in channels], dtype=bool),
        debt_k,
        np.array(repay_order, dtype=np.int64),
        new_year,
        float(payout_share),
        np.ascontiguousarray(np.broadcast_to(equity0, (d,)), dtype=float),
        WEEKS_PER_YR,
        buf,
        drawn_all,
        out_all,
        raised,
        full,
    )
    return names, debt_k, buf, drawn_all, out_all, raised
