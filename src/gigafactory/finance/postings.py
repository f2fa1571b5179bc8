"""Every contract's postings for one batch of draws (``generate_postings``).

One function per deal kind (``cloud_capacity``, ``hardware_purchase``, ``equity_investment``,
``warrant``) and per structural flow (legacy/direct capacity, the facility SPV, revenue and
opex, other operations); ``generate_postings`` calls them in a fixed order, so every batch
posts along the same links in the same order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..catalog.schema import Catalog, Deal
from ..timegrid import parse_when
from . import contracts as C
from .inputs import _EPS, F32, Draws, F, Link, Physical, Plan
from .market import WEEK_YEARS, revenue_multiplier, years_since
from .warrant import one_touch_share_value, tranche_hurdles, vest_weeks


def _col(x: F) -> F32:
    """A per-draw vector as a ``[d, 1]`` float32 column."""
    return np.asarray(x, dtype=np.float32)[:, None]


@dataclass
class _Batch:
    """What every posting stage of one batch reads: plan, draws, physical drivers, the sink."""

    plan: Plan
    dr: Draws
    ph: Physical
    out: C.Postings
    extras: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.d, self.w = self.ph.online_total.shape
        self.wy = np.float32(WEEK_YEARS)
        self.vidx = {v: i for i, v in enumerate(self.plan.vendors)}
        self.p = self.dr.p
        self.online = np.maximum(self.ph.online_total, _EPS)
        # energy cost ($B/week) = TWh/week × $/MWh × 1e-3, at the price of the week's year
        # where the buyer's energy is used (finance.inputs.energy_price_by_year)
        if "energy_price_by_year" in self.p:
            yi = np.searchsorted(self.plan.years, self.plan.year_of_week)
            price = self.p["energy_price_by_year"][:, yi]
        else:
            price = self.p["energy_price"][:, None]
        self.energy_usd_b = self.ph.energy_twh * (price * 1e-3).astype(np.float32)

    def content(self, v: str | None) -> F:
        """Accelerator content price of vendor ``v`` ($B per IT GW), zero when unknown."""
        return self.p.get(f"{v}.content_usd_b_per_gw", np.zeros(self.d))

    def basis(self, did: str) -> C.Basis:
        return "committed" if self.plan.deals[did][1] else "contingent"


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
    bt = _Batch(plan, dr, ph, C.Postings() if out is None else out)
    capped, alloc, over_g, over_o = _allocate(bt)
    owned_g = np.zeros((bt.d, bt.w), dtype=np.float32)
    owned_o = np.zeros((bt.d, bt.w), dtype=np.float32)
    for did, dl in capped:
        a_g, a_o, cap = alloc[did]
        if dl.kind == "cloud_capacity":
            _post_cloud_capacity(bt, did, dl, a_g, a_o, cap)
        else:
            _post_hardware_purchase(bt, did, dl, a_g)
            owned_g += a_g
            owned_o += a_o
    _post_uncovered(bt, over_g, over_o, owned_g, owned_o)
    _post_spv_facilities(bt, owned_g, owned_o)
    _post_revenue(bt)
    for did, (dl, _) in plan.deals.items():
        if dl.kind == "equity_investment" and dl.payee == plan.buyer:
            _post_equity_investment(bt, did, dl)
    for did, (dl, _) in plan.deals.items():
        if dl.kind == "warrant" and dl.payee == plan.buyer and dl.payer in dr.prices:
            _post_warrant(bt, did, dl)
    for did, (dl, _) in plan.deals.items():
        if dl.kind == "site_development" and dl.payee == plan.buyer:
            _post_site_development(bt, did, dl)
    _post_operations(bt)
    return bt.out, bt.extras


def _allocate(
    bt: _Batch,
) -> tuple[list[tuple[str, Deal]], dict[str, tuple[F32, F32, F]], F32, F32]:
    """Allocate each vendor's delivered/online GW to the buyer's capped deals, pro rata to
    their caps: ``a_v,k = min(g_v × cap_k / Σ_k cap_k, cap_k)``.

    Returns the capped deals, ``did → (delivered cum, online, cap)`` and what no deal covers
    per vendor ``[V, d, W]`` (delivered, online).
    """
    plan, dr, ph, d, w, p = bt.plan, bt.dr, bt.ph, bt.d, bt.w, bt.p
    capped = [
        (did, dl)
        for did, (dl, _) in plan.deals.items()
        if dl.kind in ("cloud_capacity", "hardware_purchase")
        and dl.gw is not None
        and dl.payer == plan.buyer
    ]
    alloc: dict[str, tuple[F32, F32, F]] = {}
    total_cap = {v: np.zeros(d) for v in plan.vendors}
    for did, dl in capped:
        if dl.vendor in bt.vidx:
            total_cap[dl.vendor] += p[f"{did}.gw"] * dr.convert[did]
    used_g = np.zeros((len(plan.vendors), d, w), dtype=np.float32)
    used_o = np.zeros_like(used_g)
    for did, dl in capped:
        cap = p[f"{did}.gw"] * dr.convert[did]
        if dl.vendor in bt.vidx:
            i = bt.vidx[dl.vendor]
            share = _col(
                np.divide(
                    cap, total_cap[dl.vendor], out=np.zeros(d), where=total_cap[dl.vendor] > 0
                )
            )
            a_g = np.multiply(ph.delivered[i], share)
            np.minimum(a_g, _col(cap), out=a_g)
            a_o = np.multiply(ph.online[i], share)
            np.minimum(a_o, _col(cap), out=a_o)
            used_g[i] += a_g
            used_o[i] += a_o
        else:  # a vendor the physical model does not track: follow the deal's own schedule
            frac = plan.memo.get(f"schedule:{did}")
            if frac is None:
                frac = plan.memo[f"schedule:{did}"] = (
                    C.cumulative_schedule(dl, plan.week_years)
                    / max(dl.gw.value if dl.gw else 1.0, 1e-9)
                ).astype(np.float32)
            a_g = _col(cap) * frac[None, :]
            a_o = a_g
        alloc[did] = (a_g, a_o, cap)
    over_g = np.maximum(np.subtract(ph.delivered, used_g, out=used_g), 0.0, out=used_g)
    over_o = np.maximum(np.subtract(ph.online, used_o, out=used_o), 0.0, out=used_o)
    return capped, alloc, over_g, over_o


def _post_builder(
    bt: _Batch, who: str, contract: str, vendor: str | None, g_cum: F32, o: F32
) -> None:
    """A cloud (or the legacy provider) building capacity it rents to the buyer: hardware at
    the vendor's content price, facility capex per GW added, energy pro rata to GW online."""
    out = bt.out
    add = C.weekly(g_cum).astype(np.float32, copy=False)
    if vendor is not None and vendor in bt.vidx:
        payee = vendor if vendor != who else "external"
        out.add(
            Link(who, payee, "cash", "hardware", contract, "operating"),
            add * _col(bt.content(vendor)),
        )
    out.add(
        Link(who, "external", "cash", "facility_capex", contract, "operating"),
        add * _col(bt.p["facility"]),
    )
    energy = np.multiply(bt.energy_usd_b, o)
    out.add(
        Link(who, "external", "cash", "energy", contract, "operating"),
        np.divide(energy, bt.online, out=energy),
    )


def _post_cloud_capacity(bt: _Batch, did: str, dl: Deal, a_g: F32, a_o: F32, cap: F) -> None:
    """A cloud contract: fee = GW online × price ($B/GW-yr) × years per week, floored by the
    minimum take once committed, capped by the contract value; the cloud builds the capacity."""
    plan, st, d, w = bt.plan, bt.plan.settings, bt.d, bt.w
    usd = dl.usd_b.value if dl.usd_b is not None else None
    yrs = dl.terms.get("years")
    price = (
        np.full(d, usd / (dl.gw.value * yrs.value))
        if (usd and yrs and dl.gw and dl.gw.value)
        else bt.p["rent"]
    )
    fee = a_o * _col(price) * bt.wy
    if plan.deals[did][1] and st.min_take_share > 0:
        first = min([C.start_date(dl), *(parse_when(k) for k in dl.schedule)])
        on = (np.arange(w) >= plan.week_index(first)).astype(np.float32)
        fee = np.maximum(fee, _col(st.min_take_share * price * cap) * bt.wy * on[None, :])
    if usd is not None:
        fee = C.capped(fee, np.full(d, usd) * bt.dr.convert[did])
    bt.out.add(Link(plan.buyer, dl.payee, "cash", "capacity_fee", did, bt.basis(did)), fee)
    _post_builder(bt, dl.payee, did, dl.vendor, a_g, a_o)


def _post_hardware_purchase(bt: _Batch, did: str, dl: Deal, a_g: F32) -> None:
    """A hardware purchase: the buyer owns the accelerators and pays on delivery."""
    usd = dl.usd_b.value if dl.usd_b is not None else None
    # a deal resized to 0 GW delivers nothing: its price per GW is moot, use the vendor content
    price = (
        np.full(bt.d, usd / dl.gw.value)
        if (usd and dl.gw and dl.gw.value)
        else bt.content(dl.payee)
    )
    pay = C.weekly(a_g).astype(np.float32, copy=False) * _col(price)
    bt.out.add(Link(bt.plan.buyer, dl.payee, "cash", "hardware", did, bt.basis(did)), pay)


def _post_uncovered(bt: _Batch, over_g: F32, over_o: F32, owned_g: F32, owned_o: F32) -> None:
    """Capacity no deal covers: the baseline vendor's is rented under pre-existing contracts
    (the legacy provider builds it); other vendors' is bought directly at the content price."""
    plan, b, p = bt.plan, bt.plan.buyer, bt.p
    for v, i in bt.vidx.items():
        if v == plan.baseline_vendor:
            lp = plan.settings.legacy_provider
            bt.out.add(
                Link(b, lp, "cash", "capacity_fee", "legacy", "operating"),
                over_o[i] * _col(p["rent"]) * bt.wy,
            )
            _post_builder(bt, lp, "legacy", v, over_g[i], over_o[i])
        else:
            bt.out.add(
                Link(
                    b, v if v != b else "external", "cash", "hardware", f"direct_{v}", "operating"
                ),
                C.weekly(over_g[i]).astype(np.float32, copy=False) * _col(bt.content(v)),
            )
            owned_g += over_g[i]
            owned_o += over_o[i]


def _post_spv_facilities(bt: _Batch, owned_g: F32, owned_o: F32) -> None:
    """Facilities for the buyer's own accelerators: an SPV builds (capex = GW added × $B/GW),
    borrows ``loan_to_cost`` of it, and leases at ``capex × CRF(rate, life)`` per GW-year."""
    out, p, b = bt.out, bt.p, bt.plan.buyer
    capex = C.weekly(owned_g).astype(np.float32, copy=False) * _col(p["facility"])
    draw = capex * _col(p["ltc"])
    principal, interest = C.loan_flows(draw, p["loan_rate"], bt.plan.loan_term_weeks)
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
        Link(b, "dc_spv", "cash", "lease", "dc_spv_lease", "operating"),
        owned_o * _col(rent) * bt.wy,
    )
    out.add(
        Link(b, "external", "cash", "energy", "own_energy", "operating"),
        bt.energy_usd_b * owned_o / bt.online,
    )


def _post_revenue(bt: _Batch) -> None:
    """Revenue = GW online × $B/GW-yr × years per week × growth^τ × the AI-demand factor;
    opex a share of it."""
    st, p, b, ph = bt.plan.settings, bt.p, bt.plan.buyer, bt.ph
    tau = years_since(bt.w, bt.plan.asof_week)
    growth = ((1.0 + st.revenue_growth_pct_per_yr / 100.0) ** tau).astype(np.float32)[None, :]
    mult = revenue_multiplier(bt.dr.z, p["rev_vol"] * st.revenue_vol_scale, tau)
    revenue = ph.online_total * _col(p["rev"] * st.revenue_scale) * bt.wy * growth * mult
    bt.out.add(Link("external", b, "cash", "revenue", "revenue", "operating"), revenue)
    bt.out.add(
        Link(b, "external", "cash", "opex", "opex", "operating"), revenue * _col(p["opex_share"])
    )
    bt.extras["revenue"] = revenue


def _post_equity_investment(bt: _Batch, did: str, dl: Deal) -> None:
    """An equity investment into the buyer: per GW the vendor delivers (capped at the deal's
    value), else on the deal's payment dates (or in full when it became binding)."""
    plan, b, w = bt.plan, bt.plan.buyer, bt.w
    conv = _col(bt.dr.convert[did].astype(float))
    per_gw = dl.terms.get("usd_b_per_gw")
    if per_gw is not None and dl.vendor in bt.vidx:
        cap_usd = dl.usd_b.value if dl.usd_b is not None else np.inf
        cum = np.minimum(
            bt.ph.delivered[bt.vidx[dl.vendor]] * np.float32(per_gw.value), np.float32(cap_usd)
        )
        flow = C.weekly(cum).astype(np.float32, copy=False) * conv
    else:
        paid = plan.memo.get(f"equity:{did}")
        if paid is None:  # draw-independent: once per run, not per batch
            if dl.payments:
                cum1 = C.cumulative_payments(dl.payments, plan.weeks)
            else:
                cum1 = np.zeros(w)
                binding = [e for e in dl.status_history if e.status in C.BINDING]
                if binding and dl.usd_b is not None:
                    cum1[plan.week_index(parse_when(binding[0].date)) :] = dl.usd_b.value
            paid = plan.memo[f"equity:{did}"] = C.weekly(cum1).astype(np.float32)
        flow = paid[None, :] * conv  # conv is 0 or 1: exact in float32
    bt.out.add(Link(dl.payer, b, "cash", "equity", did, bt.basis(did)), flow)
    bt.out.add(Link(b, dl.payer, "equity", "shares_issued", did, bt.basis(did)), flow)


#: a site-development programme's terms ``<company>_equity_usd_b``: each partner's equity pledge
EQUITY_TERM = "_equity_usd_b"


def programme_equity(dl: Deal) -> dict[str, float]:
    """``{partner: $B}`` equity pledged to a programme's joint venture (its ``*_equity_usd_b``
    terms, at their values)."""
    return {
        k[: -len(EQUITY_TERM)]: f.value
        for k, f in sorted(dl.terms.items())
        if k.endswith(EQUITY_TERM) and k != "contingent_usd_b"
    }


def _post_site_development(bt: _Batch, did: str, dl: Deal) -> None:
    """A programme's partners' equity in its joint venture (Stargate: SoftBank, OpenAI, Oracle,
    MGX), called as the programme builds:

        E_p(t) = c_d · E_p · f(t),   f(t) = G(t) ÷ G,

    with ``E_p`` partner ``p``'s pledge ($B), ``G(t)`` the programme's cumulative scheduled GW
    (0 at announcement, :func:`contracts.cumulative_schedule`), ``c_d`` whether it converted in
    the draw.  The vehicle (payee ``did``) spends what it is paid on the programme's facilities,
    so it holds no cash; the equity is junior exposure of each partner to the buyer the
    vehicle serves.
    """
    pledges = programme_equity(dl)
    if not pledges or dl.gw is None or not dl.gw.value:
        return
    frac = bt.plan.memo.get(f"programme:{did}")
    if frac is None:  # draw-independent
        cum = C.cumulative_schedule(dl, bt.plan.week_years) / dl.gw.value
        frac = bt.plan.memo[f"programme:{did}"] = C.weekly(cum).astype(np.float32)
    conv = _col(bt.dr.convert[did].astype(float))
    for who, usd in pledges.items():
        flow = frac[None, :] * np.float32(usd) * conv
        bt.out.add(Link(who, did, "cash", "equity", did, bt.basis(did)), flow)
    total = frac[None, :] * np.float32(sum(pledges.values())) * conv
    bt.out.add(Link(did, "external", "cash", "facility_capex", did, bt.basis(did)), total)


def _warrant_window(plan: Plan, dl: Deal, w: int) -> tuple[int, int]:
    """(grant week, expiry week) of a warrant; the last week when it expires after the horizon."""
    t = dl.terms
    grant = plan.week_index(C.start_date(dl))
    end = C.start_date(dl) + dt.timedelta(
        days=365.25 * (t["expiry_years"].value if "expiry_years" in t else 5.0)
    )
    expiry = plan.week_index(end)
    if end > plan.weeks[-1]:
        expiry = w - 1
    return grant, expiry


def _post_warrant(bt: _Batch, did: str, dl: Deal) -> None:
    """Milestone warrants from a supplier to the buyer: K tranches, each vesting the first week
    both its GW milestone and its share-price hurdle are met (before expiry); shares are
    valued at that week's price, discounted to ``as_of`` for the PV."""
    plan, st, p, b, d, w = bt.plan, bt.plan.settings, bt.p, bt.plan.buyer, bt.d, bt.w
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
    grant, expiry = _warrant_window(plan, dl, w)
    price = bt.dr.prices[dl.payer]
    gw = (
        bt.ph.delivered[bt.vidx[dl.vendor]]
        if dl.vendor in bt.vidx
        else np.zeros((d, w), dtype=np.float32)
    )
    vest = vest_weeks(price, gw, hurdles, miles, grant, expiry)
    vest = np.where(bt.dr.convert[did][:, None], vest, -1).astype(np.int32)
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
    bt.out.add(Link(dl.payer, b, "warrant", "warrant_shares", did, bt.basis(did)), value)
    bt.out.add(Link(b, dl.payer, "cash", "warrant_strike", did, bt.basis(did)), strike)
    if st.warrant_settlement == "sell":
        bt.out.add(Link(b, "external", "warrant", "share_sale", did, "operating"), value)
        bt.out.add(Link("external", b, "cash", "share_sale", did, "operating"), value)
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
    bt.extras[f"warrant:{did}"] = {
        "vest_week": vest,
        "pv_usd_b": pv,
        "closed_form_draw_usd_b": closed,
        "hurdles": hurdles,
        "gw_milestones": miles,
        "shares_per_tranche": shares,
        "closed_form_usd_b": float(np.median(closed)),  # of this batch
        "full_at_final_hurdle_usd_b": t["shares_m"].value * 1e6 * t["final_hurdle_usd"].value / 1e9,
    }


def _post_operations(bt: _Batch) -> None:
    """The rest of each tracked entity's business: net cash from outside the deal web."""
    for e in bt.plan.tracked:
        key = f"{e}.other_cash_flow_usd_b_per_yr"
        if key in bt.p:
            bt.out.add(
                Link("external", e, "cash", "operations", "operations", "operating"),
                np.broadcast_to(_col(bt.p[key]) * bt.wy, (bt.d, bt.w)),
            )
