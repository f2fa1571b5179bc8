"""Compile a scenario and the catalog into :class:`ModelInputs` (arrays over draw × week × …).

Pure: no file or network access; randomness comes from the generator passed in.  The same
inputs feed the simulator and the planner, so a scenario means one thing everywhere.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Mapping
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray
from scipy import special

from .catalog.schema import Catalog, DateFact, Fact, Path
from .errors import GigafactoryError, Problem
from .finance.whatif import apply_deal_whatifs, p_convert_of
from .scenario.sampling import Dist, loaded_uniforms, ppf, range_dist, uniforms
from .scenario.schema import Scenario
from .supply.inputs import ModelInputs
from .supply.leads import phase_waits, queue_position, ready_week
from .supply.regions import compile_regions, lead_slips
from .timegrid import TimeGrid, decimal_year, parse_when
from .units import H100_FP8_DENSE_TOPS, WEEKS_PER_YEAR

F = NDArray[np.float64]
PER_MONTH_TO_WEEK = 12.0 / WEEKS_PER_YEAR
#: server → IT (critical) power overhead, Epoch ai-compute-users (median 1.14)
IT_OVERHEAD = 1.14
#: a starting fleet older than this before the horizon start is refused
STALE_FLEET_WEEKS = 13
BINDING = {"definitive", "operating", "completed"}
NON_BINDING = {"announced", "loi", "mou", "term_sheet"}
DROPPED = {"superseded", "cancelled"}


class _Sampler:
    """Draw catalog facts (or their scenario overrides) for ``n`` draws."""

    def __init__(
        self,
        sc: Scenario,
        n: int,
        rng: np.random.Generator,
        median: bool,
        demand_z: F,
        given: Mapping[str, F] | None = None,
    ) -> None:
        self.sc, self.n, self.rng, self.median, self.z = sc, n, rng, median, demand_z
        self.used: set[str] = set()  # catalog paths the model read (overrides must be among them)
        #: each fact drawn on its own uniforms is drawn once: every reader sees the same draws
        self.drawn: dict[str, F] = {}
        self.drawn_u: dict[str, F] = {}  # … and the uniforms it was drawn at
        # per-draw uniforms chosen by the caller (a sensitivity design), keyed by fact path,
        # capacity-path name or ``deals.<id>.converts``
        self.given: Mapping[str, F] = given or {}
        self.keys: set[str] = set()  # the key of every random uniform drawn (see ``given``)
        #: what a deal or company drives beyond orders and money (``subject=role:what``), read
        #: by ``gigafactory.coverage``
        self.notes: list[str] = []
        #: a tier's global capacity and the buyer's effective share ``[D, W]`` (buyer scope)
        self.stash: dict[str, tuple[F, F]] = {}

    def dist(self, path: str, fact: Fact) -> Dist:
        self.used.add(path)
        over = self.sc.overrides.get(path)
        if over is None:
            return range_dist(fact.value, fact.low, fact.high, self.sc.uncertainty.catalog_ranges)
        return over if isinstance(over, Dist) else Dist(dist="fixed", value=float(over))

    def u(self, loading: float = 0.0, key: str | None = None) -> F:
        if key is not None:
            self.keys.add(key)
            if key in self.given:
                return loaded_uniforms(self.given[key], loading, self.z)
        return np.full(self.n, 0.5) if self.median else uniforms(self.rng, self.n, loading, self.z)

    def fact(self, path: str, fact: Fact, u: F | None = None) -> F:
        """Per-draw values of a fact; drawn once per path unless tied uniforms ``u`` are given."""
        if u is not None:
            return ppf(self.dist(path, fact), u)
        if path not in self.drawn:
            self.drawn_u[path] = self.u(key=path)
            self.drawn[path] = ppf(self.dist(path, fact), self.drawn_u[path])
        return self.drawn[path]

    def point(self, path: str, fact: Fact) -> float:
        """A deterministic value: the override's or fact's median."""
        return self.dist(path, fact).median


def _interp_weights(point_years: F, week_years: F, log: bool) -> tuple[F, F]:
    """Weights ``[K, W]`` interpolating point values to weeks, and years past the last point."""
    k, w = len(point_years), len(week_years)
    wts = np.zeros((k, w))
    if k == 1:
        wts[0] = 1.0
    else:
        seg = np.clip(np.searchsorted(point_years, week_years) - 1, 0, k - 2)
        y0, y1 = point_years[seg], point_years[seg + 1]
        a = (week_years - y0) / (y1 - y0)
        a = np.minimum(a, 1.0)  # hold the last point; growth takes over after it
        if not log:
            a = np.maximum(a, 0.0)  # linear (shares): hold the first point before it
        cols = np.arange(w)
        wts[seg, cols] = 1.0 - a
        wts[seg + 1, cols] += a
    past = np.maximum(week_years - point_years[-1], 0.0)
    return wts, past


def sample_path(
    sm: _Sampler, name: str, path: Path, week_years: F, loading: float = 0.0, u: F | None = None
) -> F:
    """Sample a catalog path for every draw and week: one shared quantile per draw (comonotonic).

    ``u`` (one uniform per draw) may be passed to tie several paths to the same draw.
    """
    keys = sorted(path.points, key=lambda k: parse_when(k))
    years = np.array([decimal_year(parse_when(k)) for k in keys])
    u = sm.u(loading, key=name) if u is None else u
    vals = np.stack([sm.fact(f"{name}.points.{k}", path.points[k], u) for k in keys], axis=1)
    growth = sm.fact(f"{name}.growth_after_pct_per_yr", path.growth_after_pct_per_yr, u)
    log = path.interpolation == "log"
    wts, past = _interp_weights(years, week_years, log)
    grows = np.flatnonzero(past > 0)  # weeks past the last point: only they grow (× (1+g)^0 = 1)
    after: slice | NDArray[np.intp] = grows
    if grows.size and grows[-1] - grows[0] == grows.size - 1:
        after = slice(int(grows[0]), None)  # weeks in order: a tail, a view rather than a gather
    # computed week-major ([W, D], float32 is ample for a capacity) and returned as its
    # transpose: a [D, W] view whose ``.T`` — what the engine reads — is contiguous
    if log:
        lg = (wts.T @ np.log(np.maximum(vals, 1e-12)).T).astype(np.float32)
        lg[after] += (past[after, None] * np.log1p(growth / 100.0)[None, :]).astype(np.float32)
        out = np.exp(lg, out=lg)
    else:
        lin = np.maximum(wts.T @ vals.T, 0.0)
        lin[after] *= (1.0 + growth / 100.0)[None, :] ** past[after, None]
        out = lin.astype(np.float32)
    return out.T


def _mix(
    sc: Scenario, cat: Catalog, sm: _Sampler, mix_id: str, grid: TimeGrid
) -> tuple[tuple[str, ...], F]:
    """Unit mix ``[W, S]``: CoWoS wafer shares interpolated in time, masked by availability."""
    mix = cat.mixes[mix_id]
    used = {s for pt in mix.points.values() for s in pt.shares}
    skus = tuple(s for s in cat.accelerators if s in used)
    keys = sorted(mix.points, key=lambda k: parse_when(k))
    years = np.array([decimal_year(parse_when(k)) for k in keys])
    shares = np.array(
        [
            [
                sm.point(f"mixes.{mix_id}.points.{k}.shares.{s}", mix.points[k].shares[s])
                if s in mix.points[k].shares
                else 0.0
                for s in skus
            ]
            for k in keys
        ]
    )
    shares = _designer_entry(cat, skus, shares, years)
    wy = grid.fractional_years()
    wts, _ = _interp_weights(years, wy, log=False)
    wafer = wts.T @ shares  # [W, S]
    avail = np.array(
        [
            decimal_year(parse_when(cat.accelerators[s].first_available.value, start=True))
            for s in skus
        ]
    )
    masked = np.where(wy[:, None] >= avail[None, :], wafer, 0.0)
    wafer = np.where(masked.sum(axis=1, keepdims=True) > 0, masked, wafer)
    cy = sm.point("tiers.cowos.params.yield", cat.tiers["cowos"].params["yield"])
    ppw = (
        np.array(
            [
                sm.point(
                    f"accelerators.{s}.packages_per_cowos_wafer",
                    cast(Fact, cat.accelerators[s].packages_per_cowos_wafer),
                )
                for s in skus
            ]
        )
        * cy
    )
    units = wafer * ppw[None, :]
    return skus, units / units.sum(axis=1, keepdims=True)


def _designer_entry(cat: Catalog, skus: tuple[str, ...], shares: F, years: F) -> F:
    """Back-fill a designer's first sourced share over earlier mix points it is absent from.

    A designer absent from a point because none of its accelerators was available yet (AMD
    before the MI300X, AWS before Trainium) enters at its next sourced share on its first
    availability date, instead of ramping up linearly from zero across the points; the
    availability mask in :func:`_mix` keeps it at zero before that date.  ``shares`` is
    ``[K, S]`` (points × SKUs) at decimal ``years``; the result is a new array.
    """
    out = shares.copy()
    designer = np.array([cat.accelerators[s].designer for s in skus])
    avail = np.array(
        [
            decimal_year(parse_when(cat.accelerators[s].first_available.value, start=True))
            for s in skus
        ]
    )
    for d in dict.fromkeys(designer):
        cols = np.flatnonzero(designer == d)
        present = out[:, cols].sum(axis=1) > 0
        if not present.any():
            continue
        first = int(np.argmax(present))
        for k in range(first):
            if (years[k] < avail[cols]).all():  # nothing of this designer's existed yet
                out[k, cols] = out[first, cols]
    return out


def _cum_schedule(
    points: list[tuple[float, float]], total: float, start_year: float, week_years: F
) -> F:
    """Cumulative GW by week: 0 at ``start_year``, through the dated points, then ``total``."""
    pts = [(start_year, 0.0), *sorted(points)]
    ys = np.array([p[0] for p in pts])
    vs = np.array([p[1] for p in pts])
    if len(pts) == 1:
        return np.where(week_years >= start_year, total, 0.0)
    out = np.interp(week_years, ys, vs, left=0.0, right=vs[-1])
    return np.where(week_years > ys[-1], max(total, vs[-1]), out)


def _take(sm: _Sampler, did: str, binding: bool, p: float) -> NDArray[np.bool_]:
    """Whether a deal converts in each draw: always when binding; else ``u < p`` on the deal's
    own uniform (``deals.<id>.converts``) — the median world keeps a deal that converts at least
    half the time."""
    if binding:
        return np.ones(sm.n, dtype=bool)
    if sm.median:
        return np.full(sm.n, p >= 0.5)
    return np.asarray(sm.u(key=f"deals.{did}.converts") < p)


def _deal_schedule_mw(
    sm: _Sampler, did: str, deal: Any, take: NDArray[np.bool_], wy: F, pue: F
) -> F:
    """A deal's cumulative IT MW ``[D, W]``: ``take · GW^IT · f(t) · 1e3``.

    ``f(t)`` is the deal's cumulative schedule (:func:`_cum_schedule`, points at their medians)
    as a fraction of its GW, from its first recorded status; ``GW`` is drawn per draw (the same
    draw the money side reads) and ``GW^IT = GW ÷ PUE`` for a facility-basis deal.
    """
    gw = sm.fact(f"deals.{did}.gw", deal.gw)
    start = decimal_year(min(parse_when(e.date) for e in deal.status_history))
    pts = [
        (decimal_year(parse_when(k)), sm.point(f"deals.{did}.schedule.{k}", f))
        for k, f in deal.schedule.items()
    ]
    frac = _cum_schedule(pts, deal.gw.value, start, wy) / max(deal.gw.value, 1e-9)
    it_gw = gw / pue if deal.basis == "facility" else gw
    return np.asarray((take * it_gw)[:, None] * frac[None, :] * 1e3, dtype=float)


def _orders(
    sc: Scenario,
    cat: Catalog,
    sm: _Sampler,
    vendors: tuple[str, ...],
    grid: TimeGrid,
    converted: dict[str, NDArray[np.bool_]],
    pue: F,
) -> F:
    """Cumulative contracted IT MW by vendor ``[D, W, V]`` (``inf`` where uncapped)."""
    n, w = sm.n, grid.n
    if sc.scope.kind != "buyer" or sc.scope.orders == "none":
        return np.broadcast_to(np.inf, (n, w, len(vendors)))  # no cap; a view, no memory
    wy = grid.fractional_years()
    out = np.zeros((n, w, len(vendors)))
    buyer = cat.buyers[str(sc.scope.buyer)]
    if buyer.baseline_vendor in vendors:
        # the schedule's shape at the median; its size drawn per draw (one quantile for every
        # point: a draw with more pre-existing contracts has more of them at every date)
        u = sm.u(key=f"buyers.{sc.scope.buyer}.baseline_orders")
        keys = list(buyer.baseline_orders)
        pre = f"buyers.{sc.scope.buyer}.baseline_orders"
        pts = [
            (decimal_year(parse_when(k)), sm.point(f"{pre}.{k}", buyer.baseline_orders[k]))
            for k in keys
        ]
        size = sm.fact(f"{pre}.{keys[-1]}", buyer.baseline_orders[keys[-1]], u)
        base = _cum_schedule(pts, pts[-1][1], decimal_year(grid.start) - 1 / 52, wy)
        scale = size / max(pts[-1][1], 1e-9)
        out[:, :, vendors.index(buyer.baseline_vendor)] += scale[:, None] * base[None, :] * 1e3
    for did, deal in cat.deals.items():
        if deal.kind not in ("hardware_purchase", "cloud_capacity") or deal.gw is None:
            continue
        if deal.payer != sc.scope.buyer or deal.vendor not in vendors:
            continue
        status = deal.status_as_of(sc.as_of)
        if status is None or status in DROPPED:
            continue
        p_conv = p_convert_of(deal, sc.finance.p_convert)
        take = _take(sm, did, status not in NON_BINDING, p_conv)
        converted[did] = take
        out[:, :, vendors.index(deal.vendor)] += _deal_schedule_mw(sm, did, deal, take, wy, pue)
    _letter_orders(sc, cat, sm, vendors, wy, converted, out)
    return out


def _letter_orders(
    sc: Scenario,
    cat: Catalog,
    sm: _Sampler,
    vendors: tuple[str, ...],
    wy: F,
    converted: dict[str, NDArray[np.bool_]],
    out: F,
) -> None:
    """Orders from a vendor's investment letter to deploy its systems (Nvidia's 10 GW LOI).

    While the letter is alive (not superseded or cancelled as of ``sc.as_of``) and converts in a
    draw, the buyer's cumulative orders from that vendor are at least the letter's schedule:
    ``O_v(t) = max(O_v(t), take · GW · f(t) · 1e3)`` IT MW.  A maximum, not a sum: the letter's
    systems are the ones that sit in the buyer's cloud contracts' buildings (the sources warn
    the GW figures overlap), so it adds only what the contracts do not already order.
    """
    for did, deal in cat.deals.items():
        if deal.kind != "equity_investment" or deal.gw is None or deal.vendor not in vendors:
            continue
        status = deal.status_as_of(sc.as_of)
        if deal.payee != sc.scope.buyer or status is None or status in DROPPED:
            continue
        take = _take(sm, did, status in BINDING, sc.finance.p_convert)
        converted[did] = take
        v = vendors.index(str(deal.vendor))
        letter = _deal_schedule_mw(sm, did, deal, take, wy, np.ones(sm.n))  # an IT-basis letter
        out[:, :, v] = np.maximum(out[:, :, v], letter)


def _phases(sc: Scenario, cat: Catalog, sm: _Sampler, grid: TimeGrid, pue: F) -> dict[str, object]:
    ids: list[str] = []
    site_of: list[str] = []
    onsite: list[bool] = []
    mw: list[F] = []
    planned: list[int] = []
    start: list[int] = []
    kind: list[str] = []
    energised: list[bool] = []
    deal: list[str] = []
    operator: list[str] = []
    if sc.scope.kind == "buyer":
        as_of = parse_when(sc.as_of)
        for sid, site in cat.sites.items():
            if sc.scope.buyer not in site.users or (sc.sites != "all" and sid not in sc.sites):
                continue
            known = [e for e in site.status_history if parse_when(e.date) <= as_of]
            if not known:
                continue
            status_now = max(known, key=lambda e: parse_when(e.date)).status
            if status_now in DROPPED:
                continue
            for i, ph in enumerate(site.phases):
                m = sm.fact(f"sites.{sid}.phases.{i}.mw", ph.mw)
                ids.append(f"{sid}/{i}")
                site_of.append(sid)
                onsite.append(ph.power == "onsite_gas")
                mw.append(m / pue if ph.basis == "facility" else m)
                planned.append(grid.index_of(ph.power_ready.value))
                start.append(grid.index_of(ph.construction_start.value))
                kind.append(ph.power)
                deal.append(site.deal.id if site.deal is not None else "")
                operator.append(site.operator)
                energised.append(_energised_by(ph.power_ready, status_now, as_of))
    n = sm.n
    return {
        "phase_ids": tuple(ids),
        "phase_site": tuple(site_of),
        "phase_onsite": np.array(onsite, dtype=bool),
        "phase_it_mw": np.stack(mw, axis=1) if mw else np.zeros((n, 0)),
        # the planned date until the lead times are drawn (see _phase_leads)
        "phase_power_wk": np.tile(np.array(planned, dtype=np.int64), (n, 1)),
        "phase_planned_wk": np.array(planned, dtype=np.int64),
        "phase_energised": np.array(energised, dtype=bool),
        "phase_power_kind": tuple(kind),
        "phase_deal": tuple(deal),
        "phase_operator": tuple(operator),
        "phase_plan": {"construction_start": np.array(start, dtype=np.int64)},
    }


def _phase_leads(cat: Catalog, sm: _Sampler, inp: ModelInputs) -> dict[str, Any]:
    """Each named phase's ready week from its construction and power pipelines
    (:mod:`gigafactory.supply.leads`): the realised build time, lead times and queue wait are
    drawn (once per draw, shared by the phases); the plan uses the catalog values.  Phases on
    record as energised keep their recorded date."""
    if not inp.phase_ids:
        return {}
    paths = LEAD_PATHS
    facts = _lead_facts(cat, paths)
    realised = {k: sm.fact(paths[k], f) for k, f in facts.items()}
    planned_lead: dict[str, Any] = {k: f.value for k, f in facts.items()}
    for tier, key in REGIONAL_LEADS.items():  # a phase waits in its own region's queue
        realised[tier], planned_lead[tier] = _regional_lead(
            cat, sm, inp.phase_site, key, sm.drawn_u[paths[tier]], facts[tier]
        )
    t, kinds = inp.phase_planned_wk, inp.phase_power_kind
    waits = phase_waits(t, inp.phase_plan["construction_start"], kinds, realised, planned_lead)
    known = np.asarray(inp.phase_energised, dtype=bool)[None, :]
    ready = np.where(known, t[None, :], ready_week(waits))
    onsite = np.array([k == "onsite_gas" for k in kinds])
    order = t - np.round(
        np.where(onsite, planned_lead["gas_turbines"], planned_lead["transformers"])
    ).astype(np.int64)
    request = np.where(onsite, -1, t - np.round(planned_lead["grid"])).astype(np.int64)
    plan = {
        **inp.phase_plan,
        "equipment_order": order,
        "queue_request": request,
        "queue_position": queue_position(request, onsite),
    }
    return {"phase_power_wk": ready, "phase_waits": waits, "phase_plan": plan}


#: the build time and lead times a site phase or a generic shell waits on, by tier
LEAD_PATHS = {
    "construction": "tiers.construction.params.build_weeks",
    "transformers": "tiers.transformers.params.lead_weeks",
    "gas_turbines": "tiers.gas_turbines.params.lead_weeks",
    "grid": "tiers.grid.params.wait_weeks",
}


def _lead_facts(cat: Catalog, paths: dict[str, str]) -> dict[str, Fact]:
    """The catalog facts behind ``paths`` (``tiers.<tier>.params.<name>``), by key."""
    return {k: cat.tiers[p.split(".")[1]].params[p.split(".")[-1]] for k, p in paths.items()}


#: lead tiers a region may set for the phases sited in it (catalog ``regions.<id>.<key>``)
REGIONAL_LEADS = {"grid": "grid_wait_weeks", "transformers": "transformer_lead_weeks"}


def _regional_lead(
    cat: Catalog, sm: _Sampler, sites: tuple[str, ...], key: str, u: F, tier_fact: Fact
) -> tuple[F, F]:
    """Realised ``[D, P]`` and planned ``[P]`` weeks of one lead tier, by each phase's region
    (its site's, or the scenario's ``site_regions`` what-if).  A region's figure is drawn at the
    same quantile ``u`` as the tier's global draw (one shock to every queue of a draw, so the
    random stream is unchanged); a region without one uses the tier's figure.  A scenario
    override of the tier's figure (and none of the region's) scales every region's by it:
    ``ℓ_r = ℓ_tier · ℓ̄_r ÷ ℓ̄_tier``."""
    rids = [sm.sc.site_regions.get(site, cat.sites[site].region) for site in sites]
    return _lead_by_region(cat, sm, rids, key, u, tier_fact)


def _lead_by_region(
    cat: Catalog, sm: _Sampler, rids: list[str], key: str, u: F, tier_fact: Fact
) -> tuple[F, F]:
    """Realised ``[D, len(rids)]`` and planned weeks of one lead tier in each of ``rids``
    (the rule of :func:`_regional_lead`)."""
    cols: list[F] = []
    plan: list[float] = []
    tier = ppf(sm.dist(_TIER_PATH[key], tier_fact), u)
    tier_set = _TIER_PATH[key] in sm.sc.overrides
    for rid in rids:
        f = getattr(cat.regions[rid], key) if rid in cat.regions else None
        path = f"regions.{rid}.{key}"
        if f is None:
            cols.append(tier)
            plan.append(tier_fact.value)
        elif tier_set and path not in sm.sc.overrides:  # the tier's override moves every queue
            cols.append(tier * f.value / tier_fact.value)
            plan.append(f.value)
        else:
            cols.append(sm.fact(path, f, u=u))
            plan.append(f.value)
    return np.stack(cols, axis=1), np.asarray(plan, dtype=float)


def _generic_leads(cat: Catalog, sm: _Sampler, inp: ModelInputs) -> dict[str, Any]:
    """Each region's lead slips for its generic shells, ``region_slip_wk`` ``[D, 3, R]``
    (:func:`gigafactory.supply.regions.lead_slips`): the region's grid wait and
    transformer lead (drawn at the tiers' quantiles, as for the named phases) and the turbine
    lead, realised against planned."""
    if not inp.region_ids:
        return {}
    paths = {k: p for k, p in LEAD_PATHS.items() if k != "construction"}
    facts = _lead_facts(cat, paths)
    realised: dict[str, Any] = {k: sm.fact(paths[k], f) for k, f in facts.items()}
    rids = list(inp.region_ids)
    # the plan is each lead's catalog median (the typical wait as reported), not its mode: the
    # ranges are right-skewed, so a mode-based plan would delay the median draw's every generic
    # shell by the skew (~12–34 weeks); an override moves the realised lead, not the plan
    planned: dict[str, Any] = {"gas_turbines": _catalog_median(sm, facts["gas_turbines"])}
    for tier, key in REGIONAL_LEADS.items():
        realised[tier], _ = _lead_by_region(
            cat, sm, rids, key, sm.drawn_u[paths[tier]], facts[tier]
        )
        planned[tier] = np.asarray(
            [
                _catalog_median(sm, getattr(cat.regions[r], key, None) or facts[tier])
                if r in cat.regions
                else _catalog_median(sm, facts[tier])
                for r in rids
            ]
        )
    as_of = np.datetime64(parse_when(sm.sc.as_of))
    hist = int(np.searchsorted(np.asarray(inp.grid.weeks, dtype="datetime64[D]"), as_of))
    return {
        "region_slip_wk": lead_slips(realised, planned, len(rids)),
        "generic_history_wk": hist,
    }


def _catalog_median(sm: _Sampler, f: Fact) -> float:
    """The median of a catalog fact's own range under the scenario's ``catalog_ranges``
    (overrides not applied, no draw recorded)."""
    kind = sm.sc.uncertainty.catalog_ranges
    return float(ppf(range_dist(f.value, f.low, f.high, kind), np.full(1, 0.5))[0])


_TIER_PATH = {
    "grid_wait_weeks": "tiers.grid.params.wait_weeks",
    "transformer_lead_weeks": "tiers.transformers.params.lead_weeks",
}


def _energised_by(power_ready: DateFact, status: str, as_of: dt.date) -> bool:
    """A phase is history, not forecast, when its site is operating as of the scenario date and
    its power-ready date was recorded on or after that date happened (``as_of ≥ value``)."""
    when = parse_when(power_ready.value)
    recorded = parse_when(power_ready.as_of)
    return status == "operating" and when <= as_of and recorded >= when


def _fleet(sc: Scenario, cat: Catalog, sm: _Sampler, grid: TimeGrid) -> tuple[F, F]:
    fid = "industry" if sc.scope.kind == "industry" else cat.buyers[str(sc.scope.buyer)].fleet
    fleet = cat.fleets[fid]
    start = grid.start + dt.timedelta(days=7)
    ok = [k for k in fleet.points if parse_when(k) <= start]
    if not ok:
        raise GigafactoryError(
            [
                Problem(
                    "<scenario>",
                    None,
                    "horizon.start",
                    f"no starting fleet for '{fid}' at or before {grid.start}; "
                    f"fleet points: {', '.join(sorted(fleet.points))}",
                )
            ]
        )
    k = max(ok, key=lambda x: parse_when(x))
    if (grid.start - parse_when(k)).days > 7 * STALE_FLEET_WEEKS:
        raise GigafactoryError(
            [
                Problem(
                    "<scenario>",
                    None,
                    "horizon.start",
                    f"the catalog knows the '{fid}' fleet only at {', '.join(sorted(fleet.points))}; "
                    f"a horizon starting {grid.start} would begin from the {k} fleet, which is stale. "
                    "Start the horizon within a quarter of a fleet point (or add one to the catalog)",
                )
            ]
        )
    pt = fleet.points[k]
    return (
        sm.fact(f"fleets.{fid}.points.{k}.it_gw", pt.it_gw) * 1e3,
        sm.fact(f"fleets.{fid}.points.{k}.h100e_m", pt.h100e_m) * 1e6,
    )


def _money(sc: Scenario, cat: Catalog, sm: _Sampler) -> dict[str, F]:
    """The money side's sampled facts, drawn here once, by catalog path (``[D]`` each).

    Every company fact and every deal's GW (a deal's GW is the same draw for the chips and for
    the payments); the deal values the finance pass reads as points (``usd_b``, schedule,
    payments, terms) of the deals the buyer is party to are marked as read, so a scenario may
    override them (see :func:`with_point_overrides`).
    """
    out = {
        f"companies.{who}.facts.{key}": sm.fact(f"companies.{who}.facts.{key}", f)
        for who, c in sorted(cat.companies.items())
        for key, f in sorted(c.facts.items())
    }
    parties = {sc.finance.buyer, sc.finance.legacy_provider, str(sc.scope.buyer)}
    for did, deal in sorted(cat.deals.items()):
        if deal.gw is not None:
            out[f"deals.{did}.gw"] = sm.fact(f"deals.{did}.gw", deal.gw)
        if parties & {deal.payer, deal.payee}:
            if deal.usd_b is not None:
                sm.point(f"deals.{did}.usd_b", deal.usd_b)
            for part in ("schedule", "payments", "terms"):
                for k, f in getattr(deal, part).items():
                    sm.point(f"deals.{did}.{part}.{k}", f)
    return out


#: facts the physical side draws that the economics also read: one draw serves both
SHARED_WITH_ECONOMICS = (
    "constants.capex_usd_b_per_gw_2025",
    "constants.capex_learning_pct_per_doubling",
)


def _money_shared(cat: Catalog, sm: _Sampler, inp: ModelInputs) -> ModelInputs:
    """The money facts that are also the engine's draws or only the money's (``[D]`` each):
    the capex per GW and learning rate industry demand was drawn at (the economics charge the
    very capex that bought the demand) and each region's power price (the buyer's finance and
    the economics pay it), drawn last so every physical input keeps its random stream."""
    from .economics.prices import compile_prices

    shared = {p: sm.drawn[p] for p in SHARED_WITH_ECONOMICS if p in sm.drawn}
    prices = compile_prices(cat, sm.fact)
    return dataclasses.replace(inp, money={**inp.money, **shared, **prices})


def with_point_overrides(cat: Catalog, sc: Scenario) -> Catalog:
    """The catalog with each overridden deal value replaced by the override's median.

    The finance pass reads a deal's value, schedule, payments and terms as points; this is how a
    scenario's override of one of them reaches it (sampled facts come from the compiled draws).
    """
    deals = dict(cat.deals)
    for path, over in sorted(sc.overrides.items()):
        parts = path.split(".")
        if parts[0] != "deals" or len(parts) < 3 or parts[1] not in deals:
            continue
        did, deal = parts[1], deals[parts[1]]
        med = over.median if isinstance(over, Dist) else float(over)
        fixed = {"value": med, "low": None, "high": None}
        if len(parts) == 3 and isinstance(getattr(deal, parts[2], None), Fact):
            deals[did] = deal.model_copy(
                update={parts[2]: getattr(deal, parts[2]).model_copy(update=fixed)}
            )
        elif len(parts) == 4 and parts[2] in ("schedule", "payments", "terms"):
            table = dict(getattr(deal, parts[2]))
            if parts[3] in table:
                table[parts[3]] = table[parts[3]].model_copy(update=fixed)
                deals[did] = deal.model_copy(update={parts[2]: table})
    return cat.model_copy(update={"deals": deals})


def compile_inputs(
    sc: Scenario,
    cat: Catalog,
    draws: int | None = None,
    seed: int | None = None,
    *,
    median: bool = False,
    rng: np.random.Generator | None = None,
    given: Mapping[str, F] | None = None,
) -> ModelInputs:
    """Sample every uncertain input for ``draws`` draws and lay it on the weekly grid.

    Parameters
    ----------
    sc, cat : the validated scenario and catalog.
    draws, seed : default to the scenario's.
    median : every distribution at its median (one deterministic draw per row; for the planner).
    rng : a generator to use instead of ``default_rng(seed)`` (batched runs).
    given : per-draw uniforms ``[draws]`` in (0, 1) to use instead of random ones (a sensitivity
        design), keyed by fact path, capacity-path name (``tiers.cowos.capacity``: every point and
        the growth), ``allocation``, ``deals.<id>.converts``,
        ``buyers.<id>.baseline_orders`` or ``ai_demand`` (the shared factor, ``z = Φ⁻¹(u)``).
        Capacity paths still load on the factor: ``u' = Φ(ρ·z + √(1 − ρ²)·Φ⁻¹(u))``.
    """
    cat = apply_deal_whatifs(cat, sc)  # the scenario's deal what-ifs, before anything reads a deal
    n = int(draws if draws is not None else sc.draws)
    s = int(seed if seed is not None else sc.seed)
    gen = rng if rng is not None else np.random.default_rng(s)
    grid = TimeGrid.from_bounds(sc.horizon.start, sc.horizon.end)
    demand_z = np.zeros(n) if median else gen.standard_normal(n)
    if given and "ai_demand" in given:
        demand_z = np.asarray(special.ndtri(given["ai_demand"]), dtype=float)
    sm = _Sampler(sc, n, gen, median, demand_z, given)
    # the order of the stages is the order of the random stream: keep it
    mix_id = "industry" if sc.scope.kind == "industry" else cat.buyers[str(sc.scope.buyer)].mix
    skus, mix = _mix(sc, cat, sm, mix_id, grid)
    vendors = tuple(dict.fromkeys(cat.accelerators[s].designer for s in skus))
    sh = _shared(sc, cat, sm, grid)
    converted: dict[str, NDArray[np.bool_]] = {}
    inp = ModelInputs(
        grid=grid,
        draws=n,
        seed=s,
        scope="industry" if sc.scope.kind == "industry" else str(sc.scope.buyer),
        skus=skus,
        sku_vendor=tuple(cat.accelerators[x].designer for x in skus),
        vendors=vendors,
        **_chip_fields(cat, sm, skus, sh.cowos_yield),
        mix=mix,
        **_capacity_fields(sc, cat, sm, grid, sh),
        orders_it_mw_cum=_orders(sc, cat, sm, vendors, grid, converted, sh.pue),
        **_site_fields(cat, sm),
        pue=sh.pue,
        fleet_it_mw0=sh.fleet_mw,
        fleet_h100e0=sh.fleet_h,
        demand_z=demand_z,
        deal_converted=converted,
        goal_gw_per_wk=float(sh.goal),
        goal_basis=sc.goal.basis,
        money=_money(sc, cat, sm),
        meta={"scenario": sc.name},
        **_phases(sc, cat, sm, grid, sh.pue),  # type: ignore[arg-type]
    )
    inp = dataclasses.replace(inp, **_phase_leads(cat, sm, inp))
    inp = _supply_letters(sc, cat, sm, grid, inp)
    inp = _programme_orders(sc, cat, sm, inp)
    inp = dataclasses.replace(  # drawn last: the random stream of every other input is kept
        inp,
        **compile_regions(
            cat, sm, grid.years, inp.phase_site, sc.scope.kind == "industry", sc.site_regions
        ),
    )
    from .compile_partners import contract_skus, dram_cap

    inp = dram_cap(sc, cat, sm, inp)  # after every other draw: the random stream is kept
    inp = contract_skus(sc, cat, sm, inp)  # reads the capped chip tiers
    # the generic shells' regional lead slips: after every other supply draw (their stream is
    # kept) and before the market's, so market on and off share every supply draw
    inp = dataclasses.replace(inp, **_generic_leads(cat, sm, inp))
    if sc.scope.market == "on":  # last: market on and off share every draw before it
        inp = dataclasses.replace(inp, **_market_fields(sc, cat, sm, grid, inp))
    inp = _money_shared(cat, sm, inp)  # drawn after everything the engine reads
    # which catalog values the model read: an override of anything else would change nothing
    meta = {
        **inp.meta,
        "used": "|".join(sorted(sm.used)),
        "drawn": "|".join(sorted(sm.keys)),
        "deal_drives": "|".join(sm.notes),
    }
    meta["supplier_shares"] = inp.meta.get("supplier_shares", "")
    return dataclasses.replace(inp, meta=meta)


#: the median compile the loader's check made, handed to the run's summary (one hand-off)
_MEDIAN_HANDOFF: list[tuple[Scenario, Catalog, ModelInputs]] = []
_MEDIAN_LOCK = threading.Lock()


def median_inputs(sc: Scenario, cat: Catalog, *, keep: bool = False) -> ModelInputs:
    """``compile_inputs(sc, cat, 1, sc.seed, median=True)``, compiled once per load and run.

    The median compile does not depend on ``sc.draws`` (one draw) nor on any random stream
    (every uniform is ½), so the compile the scenario loader makes to check the overrides
    (``keep=True`` leaves it for the next caller) serves the run's summary as well: the next
    call with an equal scenario (``draws`` aside) and the same catalog object takes it.
    Taken once: no compiled arrays are shared beyond one hand-off.
    """
    key = sc.model_copy(update={"draws": 1})
    with _MEDIAN_LOCK:  # of two threads (the web app), one takes it
        for i, (k, c, inp) in enumerate(_MEDIAN_HANDOFF):
            if c is cat and k == key:
                del _MEDIAN_HANDOFF[i]
                return inp
    inp = compile_inputs(sc, cat, 1, sc.seed, median=True)
    if keep:
        with _MEDIAN_LOCK:
            _MEDIAN_HANDOFF[:] = [(key, cat, inp)]
    return inp


@dataclasses.dataclass(frozen=True)
class _Shared:
    """Draws several fields depend on, sampled once (in this order) before the fields."""

    cowos_yield: F
    alloc_u: F  # the buyer's allocation quantile, the same for every tier in a draw
    ai_share: F  # [D, W] share of leading-edge logic wafers going to AI
    pue: F
    mw_per_xfmr: F  # facility MW one large power transformer energises
    fleet_mw: F
    fleet_h: F
    rack_it_mw: F  # IT MW per NVL72-class rack = rack kW × 1.14 server→IT overhead ÷ 1e3
    goal: float


def _shared(sc: Scenario, cat: Catalog, sm: _Sampler, grid: TimeGrid) -> _Shared:
    tiers, params = cat.tiers, cat.params
    cowos_yield = sm.fact("tiers.cowos.params.yield", tiers["cowos"].params["yield"])
    # the buyer's allocation share is one uncertain quantity: every tier's share path is drawn
    # at the same quantile in a draw (independent draws per tier would bias the minimum down)
    alloc_u = sm.u(key="allocation")
    ai_share = sample_path(
        sm,
        "tiers.logic_wafers.paths.ai_share",
        tiers["logic_wafers"].paths["ai_share"],
        grid.fractional_years(),
    )
    pue = sm.fact("params.pue", params["pue"])
    mw_per_xfmr = sm.fact(
        "tiers.transformers.params.mw_per_unit", tiers["transformers"].params["mw_per_unit"]
    )
    fleet_mw, fleet_h = _fleet(sc, cat, sm, grid)
    rack_it_mw = (
        sm.fact("racks.NVL72_GB200.it_kw", cat.racks["NVL72_GB200"].it_kw) * IT_OVERHEAD / 1e3
    )
    goal = (
        sc.goal.gw_per_week
        if sc.goal.gw_per_week is not None
        else sm.point("params.goal_gw_per_week", params["goal_gw_per_week"])
    )
    return _Shared(
        cowos_yield, alloc_u, ai_share, pue, mw_per_xfmr, fleet_mw, fleet_h, rack_it_mw, goal
    )


def _chip_fields(
    cat: Catalog, sm: _Sampler, skus: tuple[str, ...], cowos_yield: F
) -> dict[str, Any]:
    """Per-SKU ``[D, S]`` fields: IT W, H100e per unit (dense FP8 ÷ H100's), HBM stacks, good
    packages per CoWoS wafer (× yield) and packages per logic wafer."""

    def per_sku(attr: str) -> F:
        return np.stack(
            [sm.fact(f"accelerators.{s}.{attr}", getattr(cat.accelerators[s], attr)) for s in skus],
            axis=1,
        )

    return {
        "it_w": per_sku("it_w"),
        "h100e_per_unit": per_sku("fp8_dense_tflops") / H100_FP8_DENSE_TOPS,
        "hbm_stacks_per_unit": per_sku("hbm_stacks"),
        "good_packages_per_cowos_wafer": per_sku("packages_per_cowos_wafer") * cowos_yield[:, None],
        "packages_per_logic_wafer": per_sku("packages_per_logic_wafer"),
    }


def _capacity_fields(
    sc: Scenario, cat: Catalog, sm: _Sampler, grid: TimeGrid, sh: _Shared
) -> dict[str, Any]:
    """Weekly capacity ``[D, W]`` of every tier in model units, times the buyer's allocation
    share in buyer scope (capped at 1): wafers/month × 12/52.18, stacks M/yr × 1e6/52.18, GW/yr
    × 1e3/52.18, transformers/yr × MW per unit/52.18, racks/week × IT MW per rack."""
    tiers, wy, loading = cat.tiers, grid.fractional_years(), sc.uncertainty.demand_loading

    def cap(tier: str) -> F:
        c = sample_path(sm, f"tiers.{tier}.capacity", tiers[tier].capacity, wy, loading)
        if sc.scope.kind == "buyer":
            b = str(sc.scope.buyer)
            share = sample_path(
                sm,
                f"buyers.{b}.allocation.{tier}",
                cat.buyers[b].allocation[tier],
                wy,
                u=sh.alloc_u,
            )
            eff = np.minimum(share * sc.scope.allocation_scale, 1.0)
            sm.stash[tier] = (c, eff)
            c = c * eff
        return c  # a [D, W] view of week-major data: the engine reads ``c.T`` contiguously

    return {
        "cap_logic_wafers_per_wk": cap("logic_wafers") * sh.ai_share * PER_MONTH_TO_WEEK,
        "cap_cowos_wafers_per_wk": cap("cowos") * PER_MONTH_TO_WEEK,
        "cap_hbm_stacks_per_wk": cap("hbm") * 1e6 / WEEKS_PER_YEAR,
        "cap_rack_it_mw_per_wk": cap("rack_assembly") * sh.rack_it_mw[:, None],
        "cap_construction_it_mw_per_wk": cap("construction") * 1e3 / WEEKS_PER_YEAR,
        "cap_transformers_fac_mw_per_wk": cap("transformers")
        * sh.mw_per_xfmr[:, None]
        / WEEKS_PER_YEAR,
        "cap_gas_turbines_fac_mw_per_wk": cap("gas_turbines") * 1e3 / WEEKS_PER_YEAR,
        "cap_grid_fac_mw_per_wk": cap("grid") * 1e3 / WEEKS_PER_YEAR,
    }


def _site_fields(cat: Catalog, sm: _Sampler) -> dict[str, Any]:
    """Lead times (weeks, rounded), on-site power share, load factor and useful life (weeks)."""
    params = cat.params

    def weeks_param(key: str) -> NDArray[np.int64]:
        return np.asarray(np.round(sm.fact(f"params.{key}", params[key])), dtype=np.int64)

    return {
        "chip_lead_wk": weeks_param("chip_lead_weeks"),
        "rack_lead_wk": weeks_param("rack_lead_weeks"),
        "install_lead_wk": weeks_param("install_lead_weeks"),
        "onsite_power_share": sm.fact("params.onsite_power_share", params["onsite_power_share"]),
        "load_factor": sm.fact("params.load_factor", params["load_factor"]),
        "life_wk": np.asarray(
            np.round(sm.fact("params.life_years", params["life_years"]) * WEEKS_PER_YEAR),
            dtype=np.int64,
        ),
    }


def _market_fields(
    sc: Scenario, cat: Catalog, sm: _Sampler, grid: TimeGrid, inp: ModelInputs
) -> dict[str, Any]:
    """Demand (buyer scope with deals; industry from AI capex) and the backlog rule (industry
    scope), docs/ordering.md.

    Demand ``D[d, t] = revenue[d, t] ÷ revenue per IT GW-yr[d] × 1e3`` IT MW; the revenue path
    is drawn at the quantile ``Φ(z_d)`` of the shared AI-demand factor (no draw of its own, so
    the random stream of every earlier input is unchanged).
    """
    from scipy.special import ndtr

    out: dict[str, Any] = {}
    if sc.scope.kind == "industry":
        m = cat.market
        if "backlog_weeks" in m:
            out["backlog_wk"] = float(sm.point("market.backlog_weeks", m["backlog_weeks"]))
        if "rack_writeoff_weeks" in m:
            wk = sm.point("market.rack_writeoff_weeks", m["rack_writeoff_weeks"])
            out["rack_writeoff_wk"] = round(wk)
        if "industry" in cat.demand:
            out["demand_it_mw"] = _industry_demand(cat, sm, grid, inp)
        return out
    buyer = str(sc.scope.buyer)
    dem = cat.demand.get(buyer)
    if dem is None or dem.revenue is None or sc.scope.orders != "deals":
        return out
    assert dem.revenue_usd_b_per_it_gw_yr is not None
    u = np.asarray(ndtr(sm.z), dtype=float)
    name = f"demand.{buyer}"
    rev = sample_path(sm, f"{name}.revenue", dem.revenue, grid.fractional_years(), u=u)
    # drawn on its own (drawn with the revenue quantile it would cancel the revenue's spread)
    per_gw = sm.fact(f"{name}.revenue_usd_b_per_it_gw_yr", dem.revenue_usd_b_per_it_gw_yr)
    demand = np.asarray(rev, dtype=float) / per_gw[:, None] * 1e3
    if not np.isfinite(demand).all() or (demand < 0).any() or (per_gw <= 0).any():
        raise GigafactoryError(
            [
                Problem(
                    "<scenario>",
                    None,
                    f"overrides.{name}",
                    "a demand path must stay finite and ≥ 0 and revenue per IT GW-yr must be > 0; "
                    "check the overrides of the revenue points, growth (≥ −100 %/yr) and "
                    f"{name}.revenue_usd_b_per_it_gw_yr",
                )
            ]
        )
    out["demand_it_mw"] = demand
    return out


def _industry_demand(cat: Catalog, sm: _Sampler, grid: TimeGrid, inp: ModelInputs) -> F:
    """The industry's demand, IT MW ``[n, W]`` (:mod:`gigafactory.demand.industry`): the
    covered companies' capex path at the quantile ``Φ(z_d)`` of the shared AI-demand factor,
    times the AI share and the world multiplier, funds IT GW at the catalog's capex per GW cut
    by its learning rate; the fleet wanted is what one IT life of that spend bought."""
    from scipy.special import ndtr

    from .demand.industry import fleet_demand_mw, funded_gw_per_wk, world_ai_capex

    dem, k, name = cat.demand["industry"], cat.constants, "demand.industry"
    assert dem.capex is not None and dem.ai_share_of_capex is not None
    assert dem.world_per_covered is not None
    u = np.asarray(ndtr(sm.z), dtype=float)
    capex = sample_path(sm, f"{name}.capex", dem.capex, grid.fractional_years(), u=u)
    world = world_ai_capex(
        np.asarray(capex, dtype=float),
        sm.fact(f"{name}.ai_share_of_capex", dem.ai_share_of_capex),
        sm.fact(f"{name}.world_per_covered", dem.world_per_covered),
    )
    per_gw = sm.fact("constants.capex_usd_b_per_gw_2025", k["capex_usd_b_per_gw_2025"])
    lr = sm.fact("constants.capex_learning_pct_per_doubling", k["capex_learning_pct_per_doubling"])
    fleet0 = np.asarray(inp.fleet_it_mw0, dtype=float)
    if not (np.isfinite(world).all() and (world >= 0).all() and (per_gw > 0).all()):
        raise GigafactoryError(
            [
                Problem(
                    "<scenario>",
                    None,
                    f"overrides.{name}",
                    "the industry's AI capex must stay finite and ≥ 0 and capex per IT GW "
                    "must be > 0; check the overrides of demand.industry.capex (points, growth "
                    "≥ −100 %/yr), its shares and constants.capex_usd_b_per_gw_2025",
                )
            ]
        )
    new = funded_gw_per_wk(world, per_gw, lr, fleet0 / 1e3)
    return fleet_demand_mw(new, fleet0, inp.life_wk)


#: a supply letter's volume term → the tier whose buyer share it floors
LETTER_TIERS = {"dram_wafers_per_month": "hbm"}


def _supply_letters(
    sc: Scenario, cat: Catalog, sm: _Sampler, grid: TimeGrid, inp: ModelInputs
) -> ModelInputs:
    """Named suppliers (``supply/suppliers.py``) and what the buyer's supply letters do.

    Every letter alive on ``sc.as_of`` whose counterparty is a named supplier of a tier is noted
    as drawing on it; a letter with a stated volume also floors the buyer's share of the tier
    (:func:`_letter_floor`).  Called last, so its random draws shift no other input.
    """
    from .supply.suppliers import encode, letter_suppliers, plant_rows, plant_shares, tier_shares

    shares = tier_shares(cat, sm.point)
    for tier, row in shares.items():
        for who, v in row.items():
            sm.notes.append(f"company:{who}=suppliers:{tier}: {v:.0%} of the tier's capacity")
    plants = plant_rows(shares, plant_shares(cat, sm.point))
    for tier, prow in plants.items():
        for key, v in prow.items():
            who, _, plant = key.partition("/")
            sm.notes.append(f"company:{who}=suppliers:{tier} plant {plant}: {v:.1%} of the tier")
    caps = dict(inp.meta)
    caps["supplier_shares"] = encode(shares)
    caps["supplier_plants"] = encode(plants)
    out = dataclasses.replace(inp, meta=caps)
    for did, deal in sorted(cat.deals.items()):
        status = deal.status_as_of(sc.as_of)
        if deal.kind != "supply_mou" or status is None or status in DROPPED:
            continue
        if sc.scope.kind != "buyer" or deal.payer != sc.scope.buyer:
            continue
        for tier, row in shares.items():
            named = [w for w in letter_suppliers(deal) if w in row]
            if named:
                who = ", ".join(f"{w} {row[w]:.0%}" for w in named)
                sm.notes.append(f"deal:{did}=suppliers:{tier}: draws on {who} of capacity")
        out = _letter_floor(sc, sm, grid, did, deal, shares, out)
    return out


def _letter_floor(
    sc: Scenario,
    sm: _Sampler,
    grid: TimeGrid,
    did: str,
    deal: Any,
    shares: dict[str, dict[str, float]],
    inp: ModelInputs,
) -> ModelInputs:
    """Floor the buyer's share of a tier at a letter's stated volume, where the letter converts.

    Memory LOI: the buyer's share of the HBM tier is at least

        f(t) = φ · r(t) · Σ_{s ∈ signatories} σ_s,   r(t) = clip((t − t₀) / (T − t₀), 0, 1)

    with φ = W_letter ÷ W_global the letter's share of global DRAM wafer starts, t₀ its date,
    T the end of its full-volume year and σ_s the signatories' HBM shares: the letter's wafers
    are taken to split between HBM and other DRAM as the market's do.  Capacity
    ``C · max(a, take · f(t))``.
    """
    from .supply.suppliers import letter_suppliers

    for term, tier in LETTER_TIERS.items():
        need = (term, "global_dram_wafers_per_month", "full_volume_year")
        if tier not in sm.stash or any(k not in deal.terms for k in need):
            continue
        glob_wafers = deal.terms["global_dram_wafers_per_month"]
        phi = sm.point(f"deals.{did}.terms.{term}", deal.terms[term]) / sm.point(
            f"deals.{did}.terms.global_dram_wafers_per_month", glob_wafers
        )
        end = sm.point(f"deals.{did}.terms.full_volume_year", deal.terms["full_volume_year"]) + 1
        t0 = decimal_year(min(parse_when(e.date) for e in deal.status_history))
        sigma = sum(shares.get(tier, {}).get(w, 0.0) for w in letter_suppliers(deal))
        ramp = np.clip((grid.fractional_years() - t0) / max(end - t0, 1e-9), 0.0, 1.0)
        floor = phi * sigma * ramp  # [W]
        binding = deal.status_as_of(sc.as_of) in BINDING
        take = _take(sm, did, binding, sc.finance.p_convert)
        inp.deal_converted[did] = take
        glob, eff = sm.stash[tier]
        share_wd = np.maximum(eff.T, take[None, :] * floor[:, None])  # [W, D]
        per_wk = 1e6 / WEEKS_PER_YEAR  # million stacks/yr → stacks/week, as _capacity_fields
        cap = (glob.T * share_wd * per_wk).astype(np.float32)  # week-major, as sample_path's
        inp = dataclasses.replace(inp, cap_hbm_stacks_per_wk=cast(F, cap.T))
        sm.notes.append(
            f"deal:{did}=capacity:{tier} buyer share ≥ {phi * sigma:.0%} of the tier by end-"
            f"{end - 1:.0f} ({phi:.0%} of DRAM starts × signatories' {sigma:.0%} of HBM)"
        )
    return inp


def _programme_orders(sc: Scenario, cat: Catalog, sm: _Sampler, inp: ModelInputs) -> ModelInputs:
    """A buyer's site-development programmes (Stargate) as a floor under its total orders.

    A programme is not a chip contract: its GW overlap the cloud contracts and chip deals that
    fill its buildings.  Where the programmes alive on ``sc.as_of`` (and converted in the draw)
    schedule more than every vendor's contracts together, the shortfall is ordered from the
    buyer's baseline vendor:

        O_base(t) += max(Σ_p take_p · GW_p^IT · f_p(t) · 1e3 − Σ_v O_v(t), 0)   IT MW,

    ``GW^IT = GW ÷ PUE`` for a facility-basis programme.  Called after every other draw, so its
    conversion draws shift no other input.
    """
    if sc.scope.kind != "buyer" or sc.scope.orders == "none":
        return inp
    buyer = cat.buyers[str(sc.scope.buyer)]
    if buyer.baseline_vendor not in inp.vendors:
        return inp
    wy = inp.grid.fractional_years()
    total = np.zeros((sm.n, inp.grid.n))
    notes: list[str] = []
    for did, deal in sorted(cat.deals.items()):
        status = deal.status_as_of(sc.as_of)
        if deal.kind != "site_development" or deal.gw is None or status is None:
            continue
        if deal.payee != sc.scope.buyer or status in DROPPED:
            continue
        take = _take(sm, did, status in BINDING, sc.finance.p_convert)
        inp.deal_converted[did] = take
        total += _deal_schedule_mw(sm, did, deal, take, wy, inp.pue)
        last = max(deal.schedule, key=lambda k: parse_when(k)) if deal.schedule else "signing"
        notes.append(
            f"deal:{did}=orders:programme floor, all vendors' orders ≥ {deal.gw.value:g} GW "
            f"({deal.basis}) by {last}; the shortfall from {buyer.baseline_vendor}"
        )
    if not notes:
        return inp
    orders = np.array(inp.orders_it_mw_cum, dtype=float)  # a copy: the field may be a view
    v = inp.vendors.index(buyer.baseline_vendor)
    short = np.maximum(total - orders.sum(axis=2), 0.0)
    orders[:, :, v] += short
    most = float(short.mean(axis=0).max()) / 1e3
    sm.notes.extend(f"{n} (adds up to {most:.2g} GW IT, mean of draws)" for n in notes)
    return dataclasses.replace(inp, orders_it_mw_cum=orders)
