"""What the finance pass reads: the draw-independent ``Plan``, the sampled ``Draws`` and the
physical drivers of a batch of draws (``Physical``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

from ..catalog.schema import Catalog, Deal, Fact
from ..economics.prices import price_path, region_twh, yearly_price
from ..errors import GigafactoryError
from ..timegrid import parse_when
from . import contracts as C
from .market import brownian_paths, share_price_paths, years_since
from .settings import FinanceSettings
from .whatif import p_convert_of

F32 = NDArray[np.float32]
F = NDArray[np.float64]
Link = C.Link

_EPS = np.float32(1e-12)


@dataclass(frozen=True)
class Plan:
    """Everything that does not depend on the draw."""

    weeks: list[dt.date]
    week_years: F
    year_of_week: NDArray[np.int64]
    years: tuple[int, ...]
    asof_week: int
    vendors: tuple[str, ...]
    buyer: str
    scope: str
    buyer_scope: bool
    baseline_vendor: str
    deals: dict[str, tuple[Deal, bool]]
    tracked: tuple[str, ...]
    open_weeks: dict[str, int]
    loan_term_weeks: int
    settings: FinanceSettings
    #: draw-independent arrays computed on first use and reused by every batch
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def n_weeks(self) -> int:
        return len(self.weeks)

    def week_index(self, day: dt.date) -> int:
        return int(np.clip((day - self.weeks[0]).days // 7, 0, self.n_weeks - 1))


def make_plan(physical: xr.Dataset, settings: FinanceSettings, cat: Catalog) -> Plan:
    """Validate the inputs and fix the draw-independent structure of the ledger."""
    try:
        as_of = parse_when(settings.as_of)
    except ValueError as exc:
        raise GigafactoryError(f"finance.as_of: {exc}") from None
    need = {"it_gw_online", "energy_twh", "it_gw_delivered_by_vendor", "it_gw_online_by_vendor"}
    missing = sorted(need - set(physical.data_vars))
    if missing:
        raise GigafactoryError(
            f"finance needs the physical variables {', '.join(missing)}; "
            "run simulate(..., vendor_detail=True)"
        )
    if settings.buyer not in cat.companies:
        raise GigafactoryError(f"finance.buyer: unknown company '{settings.buyer}'")
    if settings.legacy_provider not in cat.companies:
        raise GigafactoryError(
            f"finance.legacy_provider: unknown company '{settings.legacy_provider}'"
        )
    wk = pd.DatetimeIndex(physical["week"].values)
    weeks = [d.date() for d in wk]
    thursday = wk + pd.Timedelta(days=3)
    wy = np.asarray(thursday.year + (thursday.day_of_year - 1) / 365.25, dtype=float)
    yow = np.asarray(thursday.year, dtype=np.int64)
    scope = str(physical.attrs.get("scope", settings.buyer))
    buyer = scope if scope in cat.companies and scope != "industry" else settings.buyer
    b = cat.buyers.get(buyer)
    baseline = getattr(b, "baseline_vendor", "nvidia") if b is not None else "nvidia"
    deals = {
        k: v
        for k, v in C.active_deals(cat, settings.as_of).items()
        if buyer in (v[0].payer, v[0].payee)
    }
    parties = {"external", "lenders", "dc_spv", buyer, settings.legacy_provider}
    for d, _ in deals.values():
        parties |= {d.payer, d.payee}
    tracked = tuple(sorted(p for p in parties if "cash_usd_b" in cat.companies[p].facts))
    plan_weeks = weeks
    asof_week = int(np.clip((as_of - plan_weeks[0]).days // 7, 0, len(plan_weeks) - 1))
    open_weeks = {
        e: int(
            np.clip(
                (parse_when(cat.companies[e].facts["cash_usd_b"].as_of) - weeks[0]).days // 7,
                0,
                len(weeks) - 1,
            )
        )
        for e in tracked
    }
    term = (
        cat.companies["dc_spv"].facts.get("loan_term_years") if "dc_spv" in cat.companies else None
    )
    return Plan(
        open_weeks=open_weeks,
        loan_term_weeks=round((term.value if term else 20.0) * 52.18),
        weeks=plan_weeks,
        week_years=wy,
        year_of_week=yow,
        years=tuple(int(y) for y in np.unique(yow)),
        asof_week=asof_week,
        vendors=tuple(str(v) for v in physical["vendor"].values),
        buyer=buyer,
        scope=scope,
        buyer_scope=scope == buyer,
        baseline_vendor=baseline,
        deals=deals,
        tracked=tracked,
        settings=settings,
    )


# --------------------------------------------------------------------------- sampling
class Sampler:
    """Per-draw values of catalog facts, read from the compiled draws (one sampler per run).

    ``facts`` maps catalog paths (``companies.openai.facts.cash_usd_b``, ``deals.X.gw``) to
    ``[n]`` draws made by :func:`gigafactory.compile.compile_inputs`, so the chips and the money
    see the same draw of every fact, honouring the scenario's overrides and ``catalog_ranges``.
    A fact not compiled (a hand-made physical dataset) takes its catalog value in every draw.
    """

    def __init__(self, n: int, facts: dict[str, F] | None = None) -> None:
        self.n, self.facts = n, facts or {}

    def fact(self, path: str, f: Fact | None, default: float = 0.0) -> F:
        if path in self.facts:
            return np.asarray(self.facts[path], dtype=float)
        return np.full(self.n, default if f is None else f.value)


@dataclass
class Draws:
    """Sampled per-draw inputs for all draws (sliced per batch).

    Share prices are kept as their inputs — start price, volatility, the independent Brownian
    path and the per-draw drift — and made per batch on first use (``prices``): every price is
    a function of its own draw and week only, so a batch's prices are the same numbers, without
    [all draws, week] temporaries.
    """

    p: dict[str, F]
    convert: dict[str, NDArray[np.bool_]]
    z: F32
    price_paths: dict[str, tuple[F, F, F32]]  # who -> (s0, vol, w)
    drift_rate: F
    tau: F
    rho: float
    _prices: dict[str, F32] | None = None

    @property
    def prices(self) -> dict[str, F32]:
        """GBM share prices ``[d, W]`` ($/share) per company with a traded share."""
        if self._prices is None:
            growth = np.exp(np.outer(self.drift_rate, self.tau)).astype(np.float32)
            self._prices = {}
            for who, (s0, vol, w) in self.price_paths.items():
                # drift differs per draw only through r; apply it as an exact per-draw shift
                base = share_price_paths(s0, vol, 0.0, self.rho, self.z, w, self.tau)
                np.multiply(base, growth, out=base)
                self._prices[who] = base
        return self._prices

    def take(self, sl: slice) -> Draws:
        return Draws(
            {k: v[sl] for k, v in self.p.items()},
            {k: v[sl] for k, v in self.convert.items()},
            self.z[sl],
            {k: (s0[sl], vol[sl], w[sl]) for k, (s0, vol, w) in self.price_paths.items()},
            self.drift_rate[sl],
            self.tau,
            self.rho,
        )


def _cf(s: Sampler, cat: Catalog, who: str, key: str, default: float = 0.0) -> F:
    """Draws of ``companies.<who>.facts.<key>`` (``default`` where the catalog has no such fact)."""
    c = cat.companies.get(who)
    return s.fact(f"companies.{who}.facts.{key}", c.facts.get(key) if c else None, default)


def sample_draws(
    plan: Plan,
    cat: Catalog,
    rng: np.random.Generator,
    n: int,
    converted: dict[str, NDArray[np.bool_]] | None = None,
    facts: dict[str, F] | None = None,
) -> Draws:
    """Per-draw inputs: facts from the compiled draws, share-price paths and conversions drawn here.

    ``facts`` are the physical results' ``money_facts`` (see :class:`Sampler`).  ``converted`` (the physical results' ``deal_converted``) fixes whether a non-binding deal
    converted in each draw, so the money follows the same deals as the chips; deals it does not
    name are drawn here.
    """
    s, st = Sampler(n, facts), plan.settings
    ext, buyer = "external", plan.buyer
    p: dict[str, F] = {
        "rent": _cf(s, cat, ext, "rent_usd_b_per_gw_yr"),
        "facility": _cf(s, cat, ext, "facility_capex_usd_b_per_gw"),
        "energy_price": _cf(s, cat, ext, "energy_usd_per_mwh"),
        "rate": _cf(s, cat, ext, "risk_free_pct") / 100.0,
        "rev": _cf(s, cat, buyer, "revenue_per_gw_yr_usd_b"),
        "rev_vol": _cf(s, cat, buyer, "revenue_vol_pct_per_sqrt_yr") / 100.0,
        "opex_share": _cf(s, cat, buyer, "opex_share_of_revenue"),
        "ltc": _cf(s, cat, "dc_spv", "loan_to_cost"),
        "loan_rate": _cf(s, cat, "dc_spv", "loan_rate_pct") / 100.0,
        "fac_life": _cf(s, cat, "dc_spv", "facility_life_years", 14.0),
    }
    for rid, r in cat.regions.items():  # the buyer pays each region's price (docs/regions.md)
        if r.power_price_usd_per_mwh is not None:
            p[price_path(rid)] = s.fact(price_path(rid), r.power_price_usd_per_mwh)
    for who in sorted(cat.companies):
        for key in (
            "content_usd_b_per_gw",
            "cash_usd_b",
            "min_cash_usd_b",
            "other_cash_flow_usd_b_per_yr",
        ):
            if key in cat.companies[who].facts:
                p[f"{who}.{key}"] = _cf(s, cat, who, key)
    convert: dict[str, NDArray[np.bool_]] = {}
    for did, (deal, binding) in sorted(plan.deals.items()):
        u = rng.random(n)  # drawn even when the physical side decided, to keep the stream fixed
        if binding:
            convert[did] = np.ones(n, dtype=bool)
        elif converted is not None and did in converted:
            convert[did] = converted[did]
        else:
            convert[did] = u < p_convert_of(deal, st.p_convert)
        if deal.gw is not None:
            p[f"{did}.gw"] = s.fact(f"deals.{did}.gw", deal.gw)
    z = brownian_paths(rng, n, plan.n_weeks, plan.asof_week)
    paths: dict[str, tuple[F, F, F32]] = {}
    tau = years_since(plan.n_weeks, plan.asof_week)
    drift_rate = p["rate"] if st.share_drift == "risk_neutral" else np.zeros(n)
    for who in sorted(cat.companies):
        f = cat.companies[who].facts
        if "share_price_usd" in f and "volatility_pct" in f:
            s0 = _cf(s, cat, who, "share_price_usd")
            vol = _cf(s, cat, who, "volatility_pct") / 100.0
            paths[who] = (s0, vol, brownian_paths(rng, n, plan.n_weeks, plan.asof_week))
            p[f"{who}.share_price_usd"], p[f"{who}.volatility_pct"] = s0, vol * 100.0
    return Draws(p, convert, z, paths, drift_rate, tau, st.demand_correlation)


def energy_price_by_year(plan: Plan, physical: xr.Dataset, cat: Catalog, p: dict[str, F]) -> F:
    """``[n, Y]`` the power price the buyer pays each year (USD/MWh, ``plan.years``).

    ``p[d, y] = Σ_r E[d, y, r] · p[d, r] ÷ Σ_r E[d, y, r]`` with ``E`` the run's AI energy by
    region (``ai_energy_twh_by_region``: the buyer's own fleet in buyer scope, the industry's
    mix when the buyer is a share of it) and ``p[d, r]`` each region's compiled price draw, so a
    year's bill ``E[d, y] · p[d, y]`` is ``Σ_r E[d, y, r] · p[d, r]``
    (:func:`gigafactory.economics.prices.yearly_price`).  A run without regions, a region
    without a price and a year the regions do not cover pay the global
    ``companies.external.energy_usd_per_mwh``.
    """
    glob = p["energy_price"]
    out = np.repeat(glob[:, None], len(plan.years), axis=1)
    twh = region_twh(physical, cat)
    if twh is None:
        return out
    prices = np.stack([p.get(price_path(rid), glob) for rid in cat.regions], axis=1)
    by_year = yearly_price(twh, prices, glob)
    col = {int(y): i for i, y in enumerate(physical["year"].values)}
    for j, y in enumerate(plan.years):
        if y in col:
            out[:, j] = by_year[:, col[y]]
    return out


@dataclass
class Physical:
    """The physical drivers for a batch of draws, per vendor ``[V, d, W]`` and totals ``[d, W]``."""

    delivered: F32
    online: F32
    online_total: F32
    energy_twh: F32


def physical_batch(
    plan: Plan, physical: xr.Dataset, sl: slice, cat: Catalog, convert: dict[str, NDArray[np.bool_]]
) -> Physical:
    """Slice the physical results; for an industry scope, the buyer's share is its deal
    schedules capped by what the industry delivered (a slip anywhere still delays payments)."""
    # C-contiguous copies: the dataset stores vendor last, and every per-vendor row is then
    # read many times (strided rows make each elementwise pass several times slower)
    views = plan.memo.get("physical")
    if views is None or views[0] is not physical:  # the xarray transposes, once per run
        views = plan.memo["physical"] = (
            physical,
            physical["it_gw_delivered_by_vendor"].transpose("vendor", "draw", "week").values,
            physical["it_gw_online_by_vendor"].transpose("vendor", "draw", "week").values,
            physical["it_gw_online"].transpose("draw", "week").values,
            physical["energy_twh"].transpose("draw", "week").values,
        )
    _, g_all, o_all, tot_all, en_all = views
    g = np.ascontiguousarray(g_all[:, sl], dtype=np.float32)
    o = o_all[:, sl]
    tot = np.ascontiguousarray(tot_all[sl], dtype=np.float32)
    en = np.ascontiguousarray(en_all[sl], dtype=np.float32)
    if plan.buyer_scope:
        return Physical(g, np.ascontiguousarray(o, dtype=np.float32), tot, en)
    d = tot.shape[0]
    sched = np.zeros((len(plan.vendors), d, plan.n_weeks), dtype=np.float32)
    for did, (deal, _) in plan.deals.items():
        if (
            deal.vendor in plan.vendors
            and deal.gw is not None
            and deal.kind in ("hardware_purchase", "cloud_capacity")
        ):
            sc = C.cumulative_schedule(deal, plan.week_years).astype(np.float32)
            sched[plan.vendors.index(deal.vendor)] += convert[did][sl][:, None] * sc[None, :]
    gb = np.minimum(sched, g)
    share = np.divide(gb.sum(0), np.maximum(tot, _EPS))
    return Physical(gb, gb, gb.sum(0), (en * np.minimum(share, 1.0)).astype(np.float32))
