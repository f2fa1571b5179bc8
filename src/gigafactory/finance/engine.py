"""The finance pass: catalog deals + physical results → postings → ledger → metrics.

``run_finance`` is pure: arrays in, an ``xr.Dataset`` out, randomness only from the
``numpy.random.Generator`` passed in.  Draws are processed in batches (``chunk_draws``); weeks
are never looped over — balances, loans and caps are cumulative sums.
"""

from __future__ import annotations

import datetime as dt
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

from ..catalog.schema import Catalog, Deal, Fact
from ..errors import GigafactoryError
from ..timegrid import parse_when
from . import contracts as C
from .circularity import finn_cycling_index
from .market import WEEK_YEARS, brownian_paths, revenue_multiplier, share_price_paths, years_since
from .settings import FinanceSettings
from .warrant import one_touch_share_value, tranche_hurdles, vest_weeks

F32 = NDArray[np.float32]
F = NDArray[np.float64]
Link = C.Link

_EPS = np.float32(1e-12)


# --------------------------------------------------------------------------- the plan
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
    """Per-draw values of catalog facts: triangular(low, value, high) where a range is given.

    Every call consumes one uniform per draw whatever the fact, so the random stream — and
    therefore every other draw — does not depend on which facts are uncertain or on settings.
    """

    def __init__(self, rng: np.random.Generator, n: int) -> None:
        self.rng, self.n = rng, n

    def fact(self, f: Fact | None, default: float = 0.0) -> F:
        u = self.rng.random(self.n)
        if f is None:
            return np.full(self.n, default)
        if not f.uncertain or f.low is None or f.high is None:
            return np.full(self.n, f.value)
        a, c, b = f.low, f.value, f.high
        fc = (c - a) / (b - a)
        lo = a + np.sqrt(u * (b - a) * (c - a))
        hi = b - np.sqrt((1 - u) * (b - a) * (b - c))
        return np.where(u < fc, lo, hi)


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


def _cf(cat: Catalog, who: str, key: str) -> Fact | None:
    c = cat.companies.get(who)
    return c.facts.get(key) if c is not None else None


def sample_draws(
    plan: Plan,
    cat: Catalog,
    rng: np.random.Generator,
    n: int,
    converted: dict[str, NDArray[np.bool_]] | None = None,
) -> Draws:
    """Draw every uncertain input once per draw, in a fixed order.

    ``converted`` (the physical results' ``deal_converted``) fixes whether a non-binding deal
    converted in each draw, so the money follows the same deals as the chips; deals it does not
    name are drawn here.
    """
    s, st = Sampler(rng, n), plan.settings
    ext = "external"
    p: dict[str, F] = {
        "rent": s.fact(_cf(cat, ext, "rent_usd_b_per_gw_yr")),
        "facility": s.fact(_cf(cat, ext, "facility_capex_usd_b_per_gw")),
        "energy_price": s.fact(_cf(cat, ext, "energy_usd_per_mwh")),
        "rate": s.fact(_cf(cat, ext, "risk_free_pct")) / 100.0,
        "rev": s.fact(_cf(cat, plan.buyer, "revenue_per_gw_yr_usd_b")),
        "rev_vol": s.fact(_cf(cat, plan.buyer, "revenue_vol_pct_per_sqrt_yr")) / 100.0,
        "opex_share": s.fact(_cf(cat, plan.buyer, "opex_share_of_revenue")),
        "ltc": s.fact(_cf(cat, "dc_spv", "loan_to_cost")),
        "loan_rate": s.fact(_cf(cat, "dc_spv", "loan_rate_pct")) / 100.0,
        "fac_life": s.fact(_cf(cat, "dc_spv", "facility_life_years"), 14.0),
    }
    for who in sorted(cat.companies):
        for key in (
            "content_usd_b_per_gw",
            "cash_usd_b",
            "min_cash_usd_b",
            "other_cash_flow_usd_b_per_yr",
        ):
            if key in cat.companies[who].facts:
                p[f"{who}.{key}"] = s.fact(cat.companies[who].facts[key])
    convert: dict[str, NDArray[np.bool_]] = {}
    for did, (deal, binding) in sorted(plan.deals.items()):
        u = rng.random(n)  # drawn even when the physical side decided, to keep the stream fixed
        if binding:
            convert[did] = np.ones(n, dtype=bool)
        elif converted is not None and did in converted:
            convert[did] = converted[did]
        else:
            convert[did] = u < st.p_convert
        if deal.gw is not None:
            p[f"{did}.gw"] = s.fact(deal.gw)
    z = brownian_paths(rng, n, plan.n_weeks, plan.asof_week)
    paths: dict[str, tuple[F, F, F32]] = {}
    tau = years_since(plan.n_weeks, plan.asof_week)
    drift_rate = p["rate"] if st.share_drift == "risk_neutral" else np.zeros(n)
    for who in sorted(cat.companies):
        f = cat.companies[who].facts
        if "share_price_usd" in f and "volatility_pct" in f:
            s0, vol = s.fact(f["share_price_usd"]), s.fact(f["volatility_pct"]) / 100.0
            paths[who] = (s0, vol, brownian_paths(rng, n, plan.n_weeks, plan.asof_week))
            p[f"{who}.share_price_usd"], p[f"{who}.volatility_pct"] = s0, vol * 100.0
    return Draws(p, convert, z, paths, drift_rate, tau, st.demand_correlation)


# --------------------------------------------------------------------------- postings
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


def generate_postings(
    plan: Plan, cat: Catalog, dr: Draws, ph: Physical, out: C.Postings | None = None
) -> tuple[C.Postings, dict[str, Any]]:
    """Every contract's postings for one batch of draws.

    Parameters
    ----------
    out : where to post (default a new :class:`~.contracts.Postings` that keeps every flow).

    Returns
    -------
    (postings, extras) — extras carry warrant vesting weeks and values.
    """
    st, b = plan.settings, plan.buyer
    out = C.Postings() if out is None else out
    extras: dict[str, Any] = {}
    d, w = ph.online_total.shape
    wy = np.float32(WEEK_YEARS)
    vidx = {v: i for i, v in enumerate(plan.vendors)}
    p = dr.p
    online = np.maximum(ph.online_total, _EPS)
    energy_usd_b = ph.energy_twh * (p["energy_price"][:, None] * 1e-3).astype(np.float32)

    def content(v: str | None) -> F:
        return p.get(f"{v}.content_usd_b_per_gw", np.zeros(d))

    def basis(did: str) -> C.Basis:
        return "committed" if plan.deals[did][1] else "contingent"

    def col(x: F) -> F32:
        return np.asarray(x, dtype=np.float32)[:, None]

    # ---- allocate each vendor's delivered/online GW to its deals, pro rata to their caps
    capped_deals = [
        (did, dl)
        for did, (dl, _) in plan.deals.items()
        if dl.kind in ("cloud_capacity", "hardware_purchase")
        and dl.gw is not None
        and dl.payer == b
    ]
    alloc: dict[str, tuple[F32, F32, F]] = {}  # did -> (delivered cum, online, cap)
    total_cap = {v: np.zeros(d) for v in plan.vendors}
    for did, dl in capped_deals:
        if dl.vendor in vidx:
            total_cap[dl.vendor] += p[f"{did}.gw"] * dr.convert[did]
    used_g = np.zeros((len(plan.vendors), d, w), dtype=np.float32)
    used_o = np.zeros_like(used_g)
    for did, dl in capped_deals:
        cap = p[f"{did}.gw"] * dr.convert[did]
        if dl.vendor in vidx:
            i = vidx[dl.vendor]
            share = col(
                np.divide(
                    cap, total_cap[dl.vendor], out=np.zeros(d), where=total_cap[dl.vendor] > 0
                )
            )
            a_g = np.multiply(ph.delivered[i], share)
            np.minimum(a_g, col(cap), out=a_g)
            a_o = np.multiply(ph.online[i], share)
            np.minimum(a_o, col(cap), out=a_o)
            used_g[i] += a_g
            used_o[i] += a_o
        else:  # a vendor the physical model does not track: follow the deal's own schedule
            frac = plan.memo.get(f"schedule:{did}")
            if frac is None:
                frac = plan.memo[f"schedule:{did}"] = (
                    C.cumulative_schedule(dl, plan.week_years)
                    / max(dl.gw.value if dl.gw else 1.0, 1e-9)
                ).astype(np.float32)
            a_g = col(cap) * frac[None, :]
            a_o = a_g
        alloc[did] = (a_g, a_o, cap)
    over_g = np.maximum(np.subtract(ph.delivered, used_g, out=used_g), 0.0, out=used_g)
    over_o = np.maximum(np.subtract(ph.online, used_o, out=used_o), 0.0, out=used_o)

    def builder(
        who: str, contract: str, vendor: str | None, g_cum: F32, o: F32, bas: C.Basis
    ) -> None:
        """A cloud (or the legacy provider) building capacity it rents to the buyer."""
        add = C.weekly(g_cum).astype(np.float32, copy=False)
        if vendor is not None and vendor in vidx:
            payee = vendor if vendor != who else "external"
            out.add(
                Link(who, payee, "cash", "hardware", contract, "operating"),
                add * col(content(vendor)),
            )
        out.add(
            Link(who, "external", "cash", "facility_capex", contract, "operating"),
            add * col(p["facility"]),
        )
        energy = np.multiply(energy_usd_b, o)
        out.add(
            Link(who, "external", "cash", "energy", contract, "operating"),
            np.divide(energy, online, out=energy),
        )

    owned_g = np.zeros((d, w), dtype=np.float32)
    owned_o = np.zeros((d, w), dtype=np.float32)
    for did, dl in capped_deals:
        a_g, a_o, cap = alloc[did]
        usd = dl.usd_b.value if dl.usd_b is not None else None
        if dl.kind == "cloud_capacity":
            yrs = dl.terms.get("years")
            price = (
                np.full(d, usd / (dl.gw.value * yrs.value))
                if (usd and yrs and dl.gw)
                else p["rent"]
            )
            fee = a_o * col(price) * wy
            if plan.deals[did][1] and st.min_take_share > 0:
                first = min([C.start_date(dl), *(parse_when(k) for k in dl.schedule)])
                on = (np.arange(w) >= plan.week_index(first)).astype(np.float32)
                fee = np.maximum(fee, col(st.min_take_share * price * cap) * wy * on[None, :])
            if usd is not None:
                fee = C.capped(fee, np.full(d, usd) * dr.convert[did])
            out.add(Link(b, dl.payee, "cash", "capacity_fee", did, basis(did)), fee)
            builder(dl.payee, did, dl.vendor, a_g, a_o, "operating")
        else:  # hardware purchase: the buyer owns the accelerators, pays on delivery
            price = np.full(d, usd / dl.gw.value) if (usd and dl.gw) else content(dl.payee)
            pay = C.weekly(a_g).astype(np.float32, copy=False) * col(price)
            out.add(Link(b, dl.payee, "cash", "hardware", did, basis(did)), pay)
            owned_g += a_g
            owned_o += a_o
    for v, i in vidx.items():
        if (
            v == plan.baseline_vendor
        ):  # capacity no deal covers: rented under pre-existing contracts
            lp = st.legacy_provider
            out.add(
                Link(b, lp, "cash", "capacity_fee", "legacy", "operating"),
                over_o[i] * col(p["rent"]) * wy,
            )
            builder(lp, "legacy", v, over_g[i], over_o[i], "operating")
        else:  # bought directly at the designer's content price
            out.add(
                Link(
                    b, v if v != b else "external", "cash", "hardware", f"direct_{v}", "operating"
                ),
                C.weekly(over_g[i]).astype(np.float32, copy=False) * col(content(v)),
            )
            owned_g += over_g[i]
            owned_o += over_o[i]

    # ---- facilities for the buyer's own accelerators: an SPV builds, borrows and leases
    capex = C.weekly(owned_g).astype(np.float32, copy=False) * col(p["facility"])
    draw = capex * col(p["ltc"])
    principal, interest = C.loan_flows(draw, p["loan_rate"], plan.loan_term_weeks)
    out.add(Link("dc_spv", "external", "cash", "facility_capex", "dc_spv", "operating"), capex)
    out.add(Link("lenders", "dc_spv", "cash", "loan_draw", "dc_spv_loan", "operating"), draw)
    out.add(
        Link("external", "dc_spv", "cash", "equity", "dc_spv_sponsors", "operating"), capex - draw
    )
    out.add(
        Link("dc_spv", "lenders", "cash", "debt_principal", "dc_spv_loan", "operating"), principal
    )
    out.add(
        Link("dc_spv", "lenders", "cash", "debt_interest", "dc_spv_loan", "operating"), interest
    )
    rent = p["facility"] * C.crf(p["loan_rate"], p["fac_life"])
    out.add(
        Link(b, "dc_spv", "cash", "lease", "dc_spv_lease", "operating"), owned_o * col(rent) * wy
    )
    out.add(
        Link(b, "external", "cash", "energy", "own_energy", "operating"),
        energy_usd_b * owned_o / online,
    )

    # ---- revenue and opex, moved by the AI-demand factor
    tau = years_since(w, plan.asof_week)
    growth = ((1.0 + st.revenue_growth_pct_per_yr / 100.0) ** tau).astype(np.float32)[None, :]
    mult = revenue_multiplier(dr.z, p["rev_vol"] * st.revenue_vol_scale, tau)
    revenue = ph.online_total * col(p["rev"] * st.revenue_scale) * wy * growth * mult
    out.add(Link("external", b, "cash", "revenue", "revenue", "operating"), revenue)
    out.add(
        Link(b, "external", "cash", "opex", "opex", "operating"), revenue * col(p["opex_share"])
    )
    extras["revenue"] = revenue

    # ---- equity investments into the buyer
    dates = plan.weeks
    for did, (dl, _) in plan.deals.items():
        if dl.kind != "equity_investment" or dl.payee != b:
            continue
        conv = col(dr.convert[did].astype(float))
        per_gw = dl.terms.get("usd_b_per_gw")
        if per_gw is not None and dl.vendor in vidx:
            cap_usd = dl.usd_b.value if dl.usd_b is not None else np.inf
            cum = np.minimum(
                ph.delivered[vidx[dl.vendor]] * np.float32(per_gw.value), np.float32(cap_usd)
            )
            flow = C.weekly(cum).astype(np.float32, copy=False) * conv
        else:
            paid = plan.memo.get(f"equity:{did}")
            if paid is None:  # draw-independent: once per run, not per batch
                if dl.payments:
                    cum1 = C.cumulative_payments(dl.payments, dates)
                else:
                    cum1 = np.zeros(w)
                    binding = [e for e in dl.status_history if e.status in C.BINDING]
                    if binding and dl.usd_b is not None:
                        cum1[plan.week_index(parse_when(binding[0].date)) :] = dl.usd_b.value
                paid = plan.memo[f"equity:{did}"] = C.weekly(cum1).astype(np.float32)
            flow = paid[None, :] * conv  # conv is 0 or 1: exact in float32
        out.add(Link(dl.payer, b, "cash", "equity", did, basis(did)), flow)
        out.add(Link(b, dl.payer, "equity", "shares_issued", did, basis(did)), flow)

    # ---- milestone warrants from suppliers to the buyer
    for did, (dl, _) in plan.deals.items():
        if dl.kind != "warrant" or dl.payee != b or dl.payer not in dr.prices:
            continue
        t = dl.terms
        k = int(t["tranches"].value) if "tranches" in t else 1
        shares = t["shares_m"].value * 1e6 / k
        hurdles = tranche_hurdles(
            t["first_hurdle_usd"].value if "first_hurdle_usd" in t else t["final_hurdle_usd"].value,
            t["final_hurdle_usd"].value,
            k,
        )
        full = t["full_vesting_gw"].value if "full_vesting_gw" in t else 0.0
        miles = full * np.arange(1, k + 1) / k
        grant = plan.week_index(C.start_date(dl))
        expiry = plan.week_index(
            C.start_date(dl)
            + dt.timedelta(days=365.25 * (t["expiry_years"].value if "expiry_years" in t else 5.0))
        )
        if (
            C.start_date(dl)
            + dt.timedelta(days=365.25 * (t["expiry_years"].value if "expiry_years" in t else 5.0))
            > dates[-1]
        ):
            expiry = w - 1
        price = dr.prices[dl.payer]
        gw = (
            ph.delivered[vidx[dl.vendor]]
            if dl.vendor in vidx
            else np.zeros((d, w), dtype=np.float32)
        )
        conv_b = dr.convert[did]
        vest = vest_weeks(price, gw, hurdles, miles, grant, expiry)
        vest = np.where(conv_b[:, None], vest, -1).astype(np.int32)
        value = np.zeros((d, w), dtype=np.float32)
        strike = np.zeros((d, w), dtype=np.float32)
        rows = np.arange(d)
        pv = np.zeros(d)
        for j in range(k):  # K tranches (6)
            ok = vest[:, j] >= 0
            tj = np.where(ok, vest[:, j], 0)
            val = shares * price[rows, tj].astype(float) / 1e9
            value[rows[ok], tj[ok]] += val[ok].astype(np.float32)
            strike[rows[ok], tj[ok]] += np.float32(
                shares * t["strike_usd"].value / 1e9 if "strike_usd" in t else 0.0
            )
            pv += np.where(ok, val * np.exp(-p["rate"] * (tj - plan.asof_week) * WEEK_YEARS), 0.0)
        out.add(Link(dl.payer, b, "warrant", "warrant_shares", did, basis(did)), value)
        out.add(Link(b, dl.payer, "cash", "warrant_strike", did, basis(did)), strike)
        if st.warrant_settlement == "sell":
            out.add(Link(b, "external", "warrant", "share_sale", did, "operating"), value)
            out.add(Link("external", b, "cash", "share_sale", did, "operating"), value)
        s0 = p[f"{dl.payer}.share_price_usd"]
        vol = p[f"{dl.payer}.volatility_pct"] / 100.0
        t_left = max((expiry - plan.asof_week) * WEEK_YEARS, 0.0)
        closed = (
            shares
            * one_touch_share_value(
                s0[:, None], hurdles[None, :], p["rate"][:, None], vol[:, None], t_left
            ).sum(1)
            / 1e9
        )
        extras[f"warrant:{did}"] = {
            "vest_week": vest,
            "pv_usd_b": pv,
            "closed_form_draw_usd_b": closed,
            "hurdles": hurdles,
            "gw_milestones": miles,
            "shares_per_tranche": shares,
            "closed_form_usd_b": float(np.median(closed)),  # of this batch
            "full_at_final_hurdle_usd_b": t["shares_m"].value
            * 1e6
            * t["final_hurdle_usd"].value
            / 1e9,
        }

    # ---- the rest of each tracked entity's business (net cash from outside the deal web)
    for e in plan.tracked:
        key = f"{e}.other_cash_flow_usd_b_per_yr"
        if key in p:
            out.add(
                Link("external", e, "cash", "operations", "operations", "operating"),
                np.broadcast_to(col(p[key]) * wy, (d, w)),
            )
    return out, extras


# --------------------------------------------------------------------------- reduction
def _committed(plan: Plan, link: Link) -> tuple[float, float]:
    """(committed, contingent) $B of the contract behind a link (0 for derived flows)."""
    if link.contract not in plan.deals or link.flow in (
        "shares_issued",
        "warrant_strike",
        "share_sale",
    ):
        return 0.0, 0.0
    deal, binding = plan.deals[link.contract]
    val = deal.usd_b.value if deal.usd_b is not None else 0.0
    if deal.kind == "equity_investment" and deal.payments:
        val = max(f.value for f in deal.payments.values())
    if deal.kind == "hardware_purchase" and deal.usd_b is None:
        val = 0.0
    extra = deal.terms["contingent_usd_b"].value if "contingent_usd_b" in deal.terms else 0.0
    return (val, extra) if binding else (0.0, val + extra)


def run_finance(
    physical: xr.Dataset, settings: FinanceSettings, catalog: Catalog, rng: np.random.Generator
) -> xr.Dataset:
    """The finance pass over every draw of a physical run.

    Parameters
    ----------
    physical : the supply engine's results (dims draw, week, vendor; see docs/interfaces.md).
    settings : the scenario's ``finance:`` section.
    catalog : sourced facts (companies, deals).
    rng : the only source of randomness.

    Returns
    -------
    xr.Dataset with cash per tracked entity (draw, week, entity), funding gap, first breach and
    runway (draw, entity), flows per link and year ($B), committed/contingent values per link,
    counterparty exposure, circularity and warrant results.  Every week's cash postings sum to
    zero over all parties (``attrs["max_weekly_imbalance_usd_b"]`` records the check).
    """
    plan = make_plan(physical, settings, catalog)
    n = int(physical.sizes["draw"])
    converted = (
        {
            str(k): physical["deal_converted"].sel(deal=k).values.astype(bool)
            for k in physical["deal"].values
        }
        if "deal_converted" in physical.data_vars
        else None
    )
    dr = sample_draws(plan, catalog, rng, n, converted)
    res: dict[str, Any] = {}

    def batch(sl: slice) -> tuple[list[Link], dict[str, Any], _Ledger, Draws]:
        dd = dr.take(sl)
        ph = physical_batch(plan, physical, sl, catalog, dr.convert)
        ledger = _Ledger(plan, sl.stop - sl.start)
        post, extras = generate_postings(
            plan, catalog, dd, ph, C.Postings(sink=ledger.post, keep=False)
        )
        return post.links, extras, ledger, dd

    def fold(sl: slice) -> float:
        lks, extras, ledger, dd = batch(sl)
        if lks != links:
            raise AssertionError("every batch must post along the same links")
        return _reduce(res, plan, dd, sl, lks, ledger, extras, parties)

    slices = [slice(a, min(n, a + settings.chunk_draws)) for a in range(0, n, settings.chunk_draws)]
    # the first batch fixes the links and fills the per-run memo; the rest are independent
    # (each writes its own rows of res), so they may run on several threads
    links, extras, ledger, dd = batch(slices[0])
    parties = sorted({lk.payer for lk in links} | {lk.payee for lk in links})
    res = _alloc(n, plan, links, parties, extras)
    imbalance = _reduce(res, plan, dd, slices[0], links, ledger, extras, parties)
    if settings.threads > 1 and len(slices) > 2:
        with ThreadPoolExecutor(settings.threads) as pool:
            imbalance = max([imbalance, *pool.map(fold, slices[1:])])
    else:
        imbalance = max([imbalance, *map(fold, slices[1:])])
    for x in res["warrants"].values():  # the median over every draw, not over a batch
        x["closed_form_usd_b"] = float(np.median(x["closed_form_draw_usd_b"]))
    return _dataset(res, plan, links, parties, physical, imbalance)


class _Ledger:
    """Folds each posting of a batch, as it is made, into per-party net cash and per-link
    yearly totals and paid-by-``as_of`` sums, so no flow outlives its contract's code."""

    def __init__(self, plan: Plan, d: int) -> None:
        self.d, self.w = d, plan.n_weeks
        starts = np.flatnonzero(np.diff(plan.year_of_week, prepend=-1))
        # one reduceat over the years with the as-of week's end as an extra cut gives both the
        # yearly sums and the paid-by-as-of sum in one pass over the flow
        cut = plan.asof_week + 1
        self.segments = np.union1d(starts, [cut]) if cut < self.w else starts
        self.year_of_segment = np.searchsorted(starts, self.segments, side="right") - 1
        self.split = (
            int(np.flatnonzero(self.segments == cut)[0])
            if cut < self.w and cut not in starts
            else None
        )
        self.n_paid = int(np.searchsorted(self.segments, cut))  # segments before the cut
        self.net: dict[str, F32] = {}
        self.segments_sums: list[F32] = []

    def _net(self, party: str) -> F32:
        x = self.net.get(party)
        if x is None:
            x = self.net[party] = np.zeros((self.d, self.w), dtype=np.float32)
        return x

    def post(self, lk: Link, f: F32) -> None:
        if lk.kind == "cash":
            out = self._net(lk.payer)
            np.subtract(out, f, out=out)
            out = self._net(lk.payee)
            np.add(out, f, out=out)
        self.segments_sums.append(np.add.reduceat(f, self.segments, axis=1))

    def totals(self) -> tuple[F32, F32]:
        """(yearly sums ``[d, year, link]``, paid by ``as_of`` ``[d, link]``)."""
        seg = np.stack(self.segments_sums, axis=-1)
        paid = seg[:, : self.n_paid].sum(axis=1)
        if self.split is not None:  # the as-of year, cut in two
            seg[:, self.split - 1] += seg[:, self.split]
            seg = np.delete(seg, self.split, axis=1)
        return seg, paid


def _alloc(
    n: int, plan: Plan, links: list[Link], parties: list[str], extras: dict[str, Any]
) -> dict[str, Any]:
    e, w, y, nl = len(plan.tracked), plan.n_weeks, len(plan.years), len(links)
    res: dict[str, Any] = {
        "cash": np.empty((n, w, e), dtype=np.float32),  # every batch writes its rows whole
        "min_cash": np.zeros((n, e), dtype=np.float32),
        "gap": np.zeros((n, e), dtype=np.float32),
        "breach": np.full((n, e), -1, dtype=np.int32),
        "runway": np.zeros((n, e), dtype=np.float32),
        "flow": np.zeros((n, y, nl), dtype=np.float32),
        "paid": np.zeros((n, nl), dtype=np.float32),
        "fci_cash": np.zeros(n),
        "fci_all": np.zeros(n),
        "rho": np.zeros((n, len([q for q in parties if q not in C.BOUNDARY]))),
        "warrants": {},
    }
    for key, x in extras.items():
        if key.startswith("warrant:"):
            res["warrants"][key[8:]] = {
                "vest_week": np.full((n, x["vest_week"].shape[1]), -1, dtype=np.int32),
                "pv_usd_b": np.zeros(n),
                "closed_form_draw_usd_b": np.zeros(n),
            }
    return res


def _reduce(
    res: dict[str, Any],
    plan: Plan,
    dr: Draws,
    sl: slice,
    links: list[Link],
    ledger: _Ledger,
    extras: dict[str, Any],
    parties: list[str],
) -> float:
    """Fold one batch's ledger into balances, metrics and per-link totals."""
    d, w = ledger.d, ledger.w
    zero = np.zeros((d, w), dtype=np.float32)
    total = np.zeros((d, w), dtype=np.float32)
    for q in parties:  # Σ over parties of net cash, every week: 0 up to rounding
        total += ledger.net.get(q, zero)
    imbalance = float(np.abs(total).max()) if total.size else 0.0
    res["flow"][sl], res["paid"][sl] = ledger.totals()
    balances = np.empty((d, w, len(plan.tracked)), dtype=np.float32)  # one contiguous write
    for j, e in enumerate(plan.tracked):
        t0 = plan.open_weeks[e]
        mn = dr.p.get(f"{e}.min_cash_usd_b", np.zeros(d))
        # cash(t) = opening + Σ_{t0<τ≤t} net(τ); unknown (NaN) before the opening week
        # (the batch ledger is spent: its net flows become the balances in place)
        net = ledger.net.get(e)
        flows = (np.zeros((d, w), dtype=np.float32) if net is None else net)[:, t0:]
        flows[:, 0] = 0.0
        cash = np.cumsum(flows, axis=1, out=flows)
        cash += dr.p[f"{e}.cash_usd_b"].astype(np.float32)[:, None]
        balances[:, :t0, j] = np.nan
        balances[:, t0:, j] = cash
        res["min_cash"][sl, j] = mn
        # max_t (min − cash_t) is min − min_t cash_t, and min − cash_t > 0 iff cash_t < min
        # (float subtraction is monotone), so no [d, W] shortfall array is needed
        mn32 = mn.astype(np.float32)
        res["gap"][sl, j] = np.maximum(mn32 - cash.min(axis=1), 0.0)
        breached = cash < mn32[:, None]
        idx = breached.argmax(axis=1)  # the first True, or 0 when there is none
        first = np.where(breached[np.arange(d), idx], idx + t0, -1)
        res["breach"][sl, j] = first
        res["runway"][sl, j] = np.where(
            first >= 0, np.maximum(first - plan.asof_week, 0), w - 1 - plan.asof_week
        )
    res["cash"][sl] = balances
    _circularity(res, links, parties, sl)
    for did, x_ in res["warrants"].items():
        ex = extras[f"warrant:{did}"]
        x_["vest_week"][sl] = ex["vest_week"]
        x_["pv_usd_b"][sl] = ex["pv_usd_b"]
        x_["closed_form_draw_usd_b"][sl] = ex["closed_form_draw_usd_b"]
        for k in ("hurdles", "gw_milestones", "shares_per_tranche", "full_at_final_hurdle_usd_b"):
            x_[k] = ex[k]  # the same in every batch
    return imbalance


def _circularity(res: dict[str, Any], links: list[Link], parties: list[str], sl: slice) -> None:
    """Finn's cycling index over the horizon, per draw (cash only, and cash + warrant shares),
    from the per-link totals of a batch."""
    internal = [q for q in parties if q not in C.BOUNDARY]
    iidx = {q: i for i, q in enumerate(internal)}
    tot = res["flow"][sl].sum(axis=1)  # [d, L]
    n = tot.shape[0]
    for key, kinds in (("fci_cash", {"cash"}), ("fci_all", {"cash", "warrant"})):
        fm = np.zeros((n, len(internal), len(internal)))
        z = np.zeros((n, len(internal)))
        x = np.zeros((n, len(internal)))
        for li, lk in enumerate(links):
            if lk.kind not in kinds:
                continue
            a, b = lk.payer in iidx, lk.payee in iidx
            if a and b:
                fm[:, iidx[lk.payer], iidx[lk.payee]] += tot[:, li]
            elif b:
                z[:, iidx[lk.payee]] += tot[:, li]
            elif a:
                x[:, iidx[lk.payer]] += tot[:, li]
        fci, rho = finn_cycling_index(fm, z, x)
        res[key][sl] = fci
        if key == "fci_cash":
            res["rho"][sl] = rho


def _dataset(
    res: dict[str, Any],
    plan: Plan,
    links: list[Link],
    parties: list[str],
    physical: xr.Dataset,
    imbalance: float,
) -> xr.Dataset:
    n = res["flow"].shape[0]
    ids = [f"{lk.payer}>{lk.payee}:{lk.flow}:{lk.contract}" for lk in links]
    committed = np.array([_committed(plan, lk) for lk in links]).reshape(len(links), 2)
    buyer = plan.buyer
    # counterparty exposure to the buyer: unpaid committed contracts + financing extended (at cost)
    cps = sorted(
        (
            {lk.payee for lk in links if lk.payer == buyer}
            | {lk.payer for lk in links if lk.payee == buyer}
        )
        - C.BOUNDARY
        - {buyer, "dc_spv"}
    )
    expo = np.zeros((n, len(cps)), dtype=np.float32)
    total = res["flow"].sum(axis=1)
    for li, lk in enumerate(links):
        if lk.payer == buyer and lk.payee in cps and committed[li, 0] > 0:
            expo[:, cps.index(lk.payee)] += np.maximum(committed[li, 0] - res["paid"][:, li], 0.0)
        if lk.payee == buyer and lk.payer in cps and lk.kind == "cash" and lk.flow == "equity":
            expo[:, cps.index(lk.payer)] += total[:, li]
    internal = [q for q in parties if q not in C.BOUNDARY]
    ds = xr.Dataset(
        {
            "cash_usd_b": (("draw", "week", "entity"), res["cash"]),
            "min_cash_usd_b": (("draw", "entity"), res["min_cash"]),
            "funding_gap_usd_b": (("draw", "entity"), res["gap"]),
            "first_breach_week": (("draw", "entity"), res["breach"]),
            "runway_weeks": (("draw", "entity"), res["runway"]),
            "flow_usd_b": (("draw", "year", "link"), res["flow"]),
            "paid_by_as_of_usd_b": (("draw", "link"), res["paid"]),
            "committed_usd_b": (("link",), committed[:, 0]),
            "contingent_usd_b": (("link",), committed[:, 1]),
            "exposure_usd_b": (("draw", "counterparty"), expo),
            "fci_cash": (("draw",), res["fci_cash"]),
            "fci_cash_and_warrants": (("draw",), res["fci_all"]),
            "return_probability": (("draw", "party"), res["rho"]),
        },
        coords={
            "draw": physical["draw"].values,
            "week": physical["week"].values,
            "entity": list(plan.tracked),
            "year": list(plan.years),
            "link": ids,
            "link_payer": ("link", [lk.payer for lk in links]),
            "link_payee": ("link", [lk.payee for lk in links]),
            "link_kind": ("link", [lk.kind for lk in links]),
            "link_flow": ("link", [lk.flow for lk in links]),
            "link_contract": ("link", [lk.contract for lk in links]),
            "link_basis": ("link", [lk.basis for lk in links]),
            "counterparty": cps,
            "party": internal,
        },
    )
    warrants: dict[str, Any] = {}
    for did, x in res["warrants"].items():
        ds[f"warrant_vest_week__{did}"] = (("draw", f"tranche__{did}"), x["vest_week"])
        ds[f"warrant_value_usd_b__{did}"] = (("draw",), x["pv_usd_b"].astype(np.float32))
        warrants[did] = {
            k: (np.asarray(x[k]).tolist() if k in ("hurdles", "gw_milestones") else x[k])
            for k in (
                "hurdles",
                "gw_milestones",
                "shares_per_tranche",
                "closed_form_usd_b",
                "full_at_final_hurdle_usd_b",
            )
        }
    ds.attrs.update(
        {
            "scope": plan.scope,
            "buyer": buyer,
            "as_of": plan.settings.as_of,
            "as_of_week": plan.asof_week,
            "max_weekly_imbalance_usd_b": imbalance,
            "warrants": json.dumps(warrants),
            "settings": plan.settings.model_dump_json(),
            "loop_length": plan.settings.loop_length,
        }
    )
    return ds
