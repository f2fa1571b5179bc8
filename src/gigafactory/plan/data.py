"""Planner data: one draw of :class:`ModelInputs` reduced to per-period arrays in LP units.

The LP works in scaled units so that its coefficients stay within a few orders of magnitude:
power and site quantities in GW, wafers in thousands, HBM stacks in millions, accelerators in
thousands, money in $B.  The flow variable that links every tier is the IT GW of accelerators
*started* in a period; a chip tier ``k`` then needs ``a_k[p]`` of its own scaled units per IT GW:

.. math::

    a_k[p] = \\frac{10^9}{\\bar w[p]} \\sum_s m_{p,s}\\, r_{k,s} / u_k,
    \\qquad \\bar w[p] = \\sum_s m_{p,s}\\, w_s

with ``m`` the unit mix, ``w_s`` IT watts per unit, ``r_{k,s}`` tier-``k`` items per unit
(``1/packages_per_logic_wafer``, ``1/good_packages_per_cowos_wafer``, ``hbm_stacks_per_unit``)
and ``u_k`` the tier's scale (1e3 wafers, 1e6 stacks).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..errors import GigafactoryError
from ..supply.inputs import CHIP_TIERS, ModelInputs
from ..supply.physics import (
    chip_limited_units,
    chip_requirements,
    due_week,
    fleet_left,
    start_wip,
    wip_by_vendor,
)
from ..units import WEEKS_PER_YEAR
from .settings import PlanSettings

F = NDArray[np.float64]

#: Capacity tiers with a per-period limit, in report order: tier id -> (scaled unit, scale
#: dividing the ModelInputs weekly value).  ``orders`` is cumulative and handled apart.
CAP_UNITS: dict[str, tuple[str, float]] = {
    "logic_wafers": ("k wafers", 1e3),
    "cowos": ("k wafers", 1e3),
    "hbm": ("M stacks", 1e6),
    "rack_assembly": ("GW IT", 1e3),
    "construction": ("GW IT", 1e3),
    "transformers": ("GW facility", 1e3),
    "gas_turbines": ("GW facility", 1e3),
    "grid": ("GW facility", 1e3),
}


@dataclass(frozen=True)
class PlanData:
    """Per-period arrays for one draw, in LP units.

    Attributes
    ----------
    periods : pd.DatetimeIndex
        First Monday of each period.
    n_weeks : F
        Weeks in each period ``n_p``.
    week0 : NDArray[np.int64]
        Index of each period's first week on the weekly grid.
    cap : dict[str, F]
        Capacity per period in scaled units (see :data:`CAP_UNITS`), summed over the weeks.
    coef : dict[str, F]
        ``a_k[p]``: scaled tier units per IT GW of accelerators started (chip tiers); 1 for
        ``rack_assembly``, whose capacity is IT GW of racks per period.
    vendor_share : F
        ``[V, P]`` share of the IT GW started in ``p`` designed by each vendor.
    orders_gw : F
        ``[V, P]`` cumulative contracted IT GW by vendor at the end of each period (inf = none).
    h100e_m_per_gw : F
        Million H100e per IT GW started in ``p``.
    lag_chip, lag_rack, life : int
        Lead times (chip start → accelerator; rack assembly → installable at site, the rack
        and install leads together, as in the engine) and IT life, in periods.
    pue, onsite_share : float
        Facility ÷ IT power; share of generic shells powered on site.
    wip_acc_gw, wip_rack_gw : F
        Work in progress at the horizon start, arriving per period, IT GW: as in the engine the
        pipelines start full, so for the first ``chip_lead_wk`` weeks the week-0 production
        ``p0`` arrives as accelerators, and for the first ``rack + install lead`` weeks
        ``r0 = min(p0, rack capacity in week 0)`` arrives as racks at the site.
    fleet0_gw, fleet0_retired_gw : F
        Initial fleet still online at the end of each period and retired in it, IT GW (it
        retires linearly over the life, ``fleet0 / life_wk`` per week, as in the engine, and
        frees its powered shells).
    phase_it_gw : F
        ``[Ph]`` IT GW of each named phase.
    phase_first : NDArray[np.int64]
        ``[Ph]`` first period a named phase may be energised (built and power-ready);
        ``≥ P`` when outside the horizon.
    phase_onsite : NDArray[np.bool_]
        ``[Ph]`` whether a named phase is powered on site.
    discount : F
        Discount factor of each period, ``(1+r)^{-t/52.18}`` at the period's first week.
    """

    periods: pd.DatetimeIndex
    n_weeks: F
    week0: NDArray[np.int64]
    cap: dict[str, F]
    coef: dict[str, F]
    vendors: tuple[str, ...]
    vendor_share: F
    orders_gw: F
    h100e_m_per_gw: F
    lag_chip: int
    lag_rack: int
    life: int
    pue: float
    onsite_share: float
    wip_acc_gw: F
    wip_rack_gw: F
    fleet0_gw: F
    fleet0_retired_gw: F
    phase_ids: tuple[str, ...]
    phase_it_gw: F
    phase_first: NDArray[np.int64]
    phase_onsite: NDArray[np.bool_]
    discount: F
    draw: int
    #: cumulative generic shells (IT GW) the buyer's partners may have built by the end of each
    #: period (the simulator's ``shell_allowance``); None = build at capacity
    shell_allow_gw: F | None = None
    #: ``[Ph]`` phases energised in history (the simulator powers them at their date outside
    #: the equipment queues); None = none
    phase_known: NDArray[np.bool_] | None = None

    @property
    def n(self) -> int:
        return len(self.periods)


def period_groups(inp: ModelInputs, step: str) -> NDArray[np.int64]:
    """Period index of every week: the identity for ``week``, the calendar month of the
    week's Thursday for ``month``."""
    if step == "week":
        return np.arange(inp.n_weeks, dtype=np.int64)
    months = (inp.grid.weeks + pd.Timedelta(days=3)).to_period("M")
    _, idx = np.unique(np.asarray(months.asi8), return_inverse=True)
    return np.asarray(idx, dtype=np.int64)


def _sum_by(x: F, groups: NDArray[np.int64], n: int) -> F:
    return np.bincount(groups, weights=x, minlength=n).astype(np.float64)


def _check_finite(inp: ModelInputs, d: int) -> None:
    bad = [
        name
        for name in (
            "it_w",
            "hbm_stacks_per_unit",
            "good_packages_per_cowos_wafer",
            "packages_per_logic_wafer",
            "h100e_per_unit",
        )
        if not np.all(np.isfinite(getattr(inp, name)[d]))
    ]
    bad += [t for t in CAP_UNITS if np.any(np.isnan(inp.capacity(t)[d]))]
    if not np.all(np.isfinite(inp.mix)):
        bad.append("mix")
    if bad:
        raise GigafactoryError(
            f"the planner needs finite inputs; not finite in draw {d}: {', '.join(bad)}"
        )


def prepare(inp: ModelInputs, settings: PlanSettings) -> PlanData:
    """Reduce one draw of ``inp`` to per-period LP arrays (see :class:`PlanData`).

    Capacities are weekly rates summed over each period; lead times and life are converted
    from weeks to periods by rounding ``L / mean(n_p)``; the mix, per-GW coefficients and
    vendor shares are week-averages within each period.
    """
    d = 0 if settings.draw is None else settings.draw
    if not 0 <= d < inp.draws:
        raise GigafactoryError(
            f"plan.draw = {d} but the inputs hold {inp.draws} draws (0–{inp.draws - 1})"
        )
    _check_finite(inp, d)
    g = period_groups(inp, settings.step)
    n = int(g.max()) + 1
    nw = _sum_by(np.ones(inp.n_weeks), g, n)
    week0 = np.asarray([int(np.argmax(g == p)) for p in range(n)], dtype=np.int64)
    mean_n = float(nw.mean())

    mix = np.stack([_sum_by(inp.mix[:, s], g, n) for s in range(len(inp.skus))], axis=1)
    mix = mix / np.maximum(mix.sum(axis=1, keepdims=True), 1e-300)
    it_w = inp.it_w[d]
    w_bar = mix @ it_w  # W per unit
    units_per_gw = np.where(w_bar > 0, 1e9 / np.maximum(w_bar, 1e-300), 0.0)
    per_sku = (
        inp.packages_per_logic_wafer[d],
        inp.good_packages_per_cowos_wafer[d],
        inp.hbm_stacks_per_unit[d],
    )
    coef = {
        k: units_per_gw * r / CAP_UNITS[k][1]
        for k, r in zip(CHIP_TIERS, chip_requirements(mix, *per_sku), strict=True)
    }

    def lag(weeks: int) -> int:
        return round(weeks / mean_n)

    lag_chip = lag(int(inp.chip_lead_wk[d]))
    lag_rack = lag(int(inp.rack_lead_wk[d]) + int(inp.install_lead_wk[d]))
    coef["rack_assembly"] = np.ones(n)  # rack capacity is already IT MW per week

    cap = {k: _sum_by(inp.capacity(k)[d], g, n) / s for k, (_, s) in CAP_UNITS.items()}

    vendor_of = np.asarray([inp.vendors.index(v) for v in inp.sku_vendor])
    it_by_sku = mix * it_w[None, :]
    share = np.stack([it_by_sku[:, vendor_of == v].sum(axis=1) for v in range(len(inp.vendors))])
    share = share / np.maximum(share.sum(axis=0, keepdims=True), 1e-300)
    last_week = np.asarray([int(np.flatnonzero(g == p)[-1]) for p in range(n)])
    # contracts date deliveries; production leads them by the chain's lead time (as in the
    # simulator), and the work in progress at t0 counts against them first (below)
    lead = int(inp.chip_lead_wk[d]) + int(inp.rack_lead_wk[d]) + int(inp.install_lead_wk[d])
    ahead = due_week(last_week, lead, inp.n_weeks)
    orders = (
        inp.orders_it_mw_cum[d][ahead].T / 1e3
        if inp.orders_it_mw_cum.size
        else (np.full((len(inp.vendors), n), np.inf))
    )

    # work in progress: week-0 production (chip-limited, then cut by week-0 orders by vendor)
    w0 = chip_requirements(inp.mix[:1], *per_sku)
    u0 = chip_limited_units([inp.capacity(k)[d, 0] for k in CHIP_TIERS], [r[0] for r in w0])
    mw_v = np.asarray([(inp.mix[0] * it_w)[vendor_of == v].sum() for v in range(len(inp.vendors))])
    due = (
        inp.orders_it_mw_cum[d][int(due_week(0, lead, inp.n_weeks))]
        if inp.orders_it_mw_cum.size
        else np.full_like(mw_v, np.inf)
    )
    lc, site_wk = int(inp.chip_lead_wk[d]), int(inp.rack_lead_wk[d]) + int(inp.install_lead_wk[d])
    p0_v, p0, r0 = start_wip(u0, mw_v / 1e6, due, lead, float(inp.cap_rack_it_mw_per_wk[d, 0]))
    orders = orders - wip_by_vendor(p0_v, p0, r0, lc, site_wk)[:, None] / 1e3
    weeks = np.arange(inp.n_weeks)
    wip_acc = _sum_by(np.where(weeks < lc, p0 / 1e3, 0.0), g, n)
    wip_rack = _sum_by(np.where(weeks < site_wk, r0 / 1e3, 0.0), g, n)

    life = max(lag(int(inp.life_wk[d])), 1)
    f0 = float(inp.fleet_it_mw0[d]) / 1e3
    fleet0 = fleet_left(f0, inp.life_wk[d], np.cumsum(nw))  # at the end of each period

    first = inp.phase_power_wk[d] if len(inp.phase_ids) else np.zeros(0, dtype=np.int64)
    phase_first = np.asarray(
        [g[w] if 0 <= w < inp.n_weeks else (0 if w < 0 else n) for w in first], dtype=np.int64
    )
    years = week0 / WEEKS_PER_YEAR
    return PlanData(
        periods=pd.DatetimeIndex(inp.grid.weeks[week0]),
        n_weeks=nw,
        week0=week0,
        cap=cap,
        coef=coef,
        vendors=inp.vendors,
        vendor_share=share,
        orders_gw=np.asarray(orders, dtype=np.float64),
        h100e_m_per_gw=units_per_gw * (mix @ inp.h100e_per_unit[d]) / 1e6,
        lag_chip=lag_chip,
        lag_rack=lag_rack,
        life=life,
        pue=float(inp.pue[d]),
        onsite_share=float(inp.onsite_power_share[d]),
        wip_acc_gw=wip_acc,
        wip_rack_gw=wip_rack,
        fleet0_gw=fleet0,
        fleet0_retired_gw=-np.diff(fleet0, prepend=f0),
        phase_ids=inp.phase_ids,
        phase_it_gw=np.asarray(inp.phase_it_mw[d], dtype=np.float64) / 1e3,
        phase_first=phase_first,
        phase_onsite=np.asarray(inp.phase_onsite, dtype=bool),
        phase_known=None
        if inp.phase_energised is None
        else np.asarray(inp.phase_energised, dtype=bool),
        discount=(1.0 + settings.discount_rate) ** (-years),
        draw=d,
        shell_allow_gw=_shell_allowance(inp, d, g, n),
    )


def _shell_allowance(inp: ModelInputs, d: int, g: NDArray[np.int64], n: int) -> F | None:
    """The simulator's shell allowance for draw ``d`` at the last week of each period, GW."""
    from ..supply.engine import shell_allowance

    allow = shell_allowance(inp, slice(d, d + 1))
    if allow is None:
        return None
    last = np.asarray([int(np.flatnonzero(g == p)[-1]) for p in range(n)])
    return np.asarray(allow[last, 0], dtype=np.float64) / 1e3
