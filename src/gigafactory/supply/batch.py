"""One batch of draws through the weekly supply engine, in named stages.

``simulate_batch`` prepares the batch's per-week arrays (:class:`_Setup`), fills the
pipelines (:class:`_State`, work in progress at the start), then runs one loop over weeks in
four stages — start accelerators, build racks, energise shells, install racks — and finally
converts units, attributes the binding tier and dates the named site phases.  See
``gigafactory.supply.engine`` for the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..units import HOURS_PER_WEEK
from .inputs import CHIP_TIERS, TIERS, ModelInputs
from .market import backlog_gate, demand_extra, demand_gate, demand_shells, write_off
from .physics import (
    chip_limited_units,
    chip_requirements,
    due_week,
    start_wip,
    transformer_split,
    wip_by_vendor,
)
from .regions import generic_delays
from .timing import energised_phases, first_week_reaching, lag_tm, shell_allowance

F = NDArray[np.float64]
F32 = NDArray[np.float32]
Int = NDArray[np.int64]
EPS_MW = 1e-6
#: weeks of the exponential mean of the room the market makes (the backlog rule's rate)
FREED_SMOOTH_WK = 13.0
CODE = {t: i for i, t in enumerate(TIERS)}
#: series reported in GW (computed in MW)
_MW_SERIES = (
    "it_gw_online",
    "it_gw_added",
    "it_gw_retired",
    "racks_waiting_gw",
    "shells_unpowered_gw",
    "shells_empty_gw",
    "it_gw_produced",
    "accelerators_waiting_gw",
    "racks_written_off_gw",
)


def _zeroed(
    work: dict[str, NDArray[np.float32]] | None, name: str, shape: tuple[int, ...]
) -> NDArray[np.float32]:
    """A zeroed float32 buffer, reusing ``work[name]`` across batches (no fresh page faults)."""
    if work is None:
        return np.zeros(shape, dtype=np.float32)
    buf = work.get(name)
    size = int(np.prod(shape))
    if buf is None or buf.size < size:
        buf = work[name] = np.zeros(size, dtype=np.float32)
    view = buf[:size].reshape(shape)
    view.fill(0.0)
    return view


@dataclass
class BatchResult:
    """Per-batch extras not written straight into the output arrays."""

    binding: NDArray[np.int8]
    phase_week: Int
    by_sku: F  # [W, S] million accelerators started, summed over the batch's draws
    #: [2, Y, R, n] IT MW of generic powered shells by region at each year's last week and
    #: summed over the year's weeks (None: the engine kept no regions)
    generic_by_region: F | None = None


@dataclass
class _Setup:
    """The batch's inputs as time-major ``[W, n]`` arrays and per-draw vectors (read only)."""

    n: int
    w: int
    mix: F
    rows: Int
    v: int
    onehot: F
    reqs: tuple[F, F, F]  # logic wafers, CoWoS wafers, HBM stacks per accelerator
    caps: list[F]  # the chip tiers' capacities
    it_w: F
    h_unit: F
    mw_unit: F  # IT MW per accelerator of the week's mix
    h_per_unit: F  # H100e per accelerator of the week's mix
    orders: F  # [n, W, V] cumulative IT MW ordered
    capped: bool  # a capped vendor is finite at the end
    industry: bool  # industry scope (its demand gates chip starts; a buyer's orders do)
    lc: Int
    site_lag: Int
    lead: Int
    rack_cap: F
    pue: F
    onsite: F
    build: F
    new_g: F  # named phases ready, joining the grid / on-site queues, [W, n]
    new_o: F
    direct: F  # phases energised in history: powered at their recorded week, no queue [W, n]
    allowance: F | None
    cxg: F
    cxo: F
    cg: F
    ct: F
    life: Int
    fleet0: F
    h0: F
    demand: F | None  # [W, n] IT MW the buyer wants online (None = no demand-driven orders)
    backlog_wk: float  # industry backlog rule (inf = off)
    writeoff_wk: int  # racks waiting longer are written off (0 = never)
    pooled: NDArray[np.bool_]  # [V] vendors on the pooled chip tiers (``pooled_vendors``)
    g: F  # [R, n] each region's share of generic shells and of the grid tier (Σᵣ = 1)
    dly: Int  # [2, R, n] weeks a region's generic shell waits for grid / on-site power
    yi: Int  # [W] index of each week's year
    ny: int
    hist: int  # weeks before the as-of date: generic shells built then arrive unslipped

    def by_vendor(self, t: int, per_unit: F) -> F:
        """[n, V]: Σ_{s∈v} m[t,s]·x[d,s] — per accelerator of week t's mix, by vendor."""
        return np.asarray(per_unit @ (self.mix[t][:, None] * self.onehot))


def prepare(inp: ModelInputs, sl: slice) -> _Setup:
    """Per-week requirements of the mix, capacities, leads and the named phases' arrivals."""
    n, w = inp.pue[sl].shape[0], inp.n_weeks
    mix = inp.mix
    rows = np.arange(n)
    onehot = (np.array(inp.sku_vendor)[:, None] == np.array(inp.vendors)[None, :]).astype(float)
    reqs = chip_requirements(
        mix,
        inp.packages_per_logic_wafer[sl],
        inp.good_packages_per_cowos_wafer[sl],
        inp.hbm_stacks_per_unit[sl],
    )
    it_w, h_unit = inp.it_w[sl], inp.h100e_per_unit[sl]
    orders = inp.orders_it_mw_cum[sl]
    lc, lr, li = inp.chip_lead_wk[sl], inp.rack_lead_wk[sl], inp.install_lead_wk[sl]
    site_lag = lr + li
    pue = inp.pue[sl]
    onsite = inp.onsite_power_share[sl]
    # named phases join the queues at their ready week (new_g / new_o; supply.leads) and are
    # energised ahead of generic shells, which are added in the loop, at capacity — or, for a
    # buyer with contracts, only while shells (built, queued or powered) are short of what the
    # contracts can fill
    new_g = np.zeros((w, n))
    new_o = np.zeros((w, n))
    direct = np.zeros((w, n))
    if inp.phase_ids:
        pw = inp.phase_power_wk[sl]
        cols = np.broadcast_to(rows[:, None], pw.shape)
        on = np.broadcast_to(inp.phase_onsite[None, :], pw.shape)
        known = np.broadcast_to(energised_phases(inp)[None, :], pw.shape)
        wk = np.clip(pw, 0, w - 1)
        for target, m in (
            (new_g, (pw < w) & ~on & ~known),
            (new_o, (pw < w) & on & ~known),
            (direct, (pw < w) & known),
        ):
            np.add.at(target, (wk[m], cols[m]), inp.phase_it_mw[sl][m])
    cxg, cxo = transformer_split(inp.cap_transformers_fac_mw_per_wk[sl].T / pue, onsite)
    life = inp.life_wk[sl]
    fleet0 = inp.fleet_it_mw0[sl].astype(float)
    h0 = inp.fleet_h100e0[sl].astype(float)
    demand = None if inp.demand_it_mw is None else np.ascontiguousarray(inp.demand_it_mw[sl].T)
    allowance = shell_allowance(inp, sl)
    if demand is not None and allowance is not None:
        allowance = np.maximum(allowance, demand_shells(inp, sl, demand, lc + site_lag, fleet0))
    return _Setup(
        n=n,
        w=w,
        mix=mix,
        rows=rows,
        v=len(inp.vendors),
        onehot=onehot,
        reqs=reqs,
        caps=[inp.capacity(k)[sl].T for k in CHIP_TIERS],
        it_w=it_w,
        h_unit=h_unit,
        mw_unit=(mix @ it_w.T) / 1e6,
        h_per_unit=mix @ h_unit.T,
        orders=orders,
        pooled=pooled_vendors(inp),
        capped=bool(np.isfinite(orders[:, -1, :]).any()),
        industry=inp.scope == "industry",
        lc=lc,
        site_lag=site_lag,
        # contracts date deliveries; production must lead them by the chain's lead time
        lead=lc + site_lag,
        rack_cap=inp.cap_rack_it_mw_per_wk[sl].T,
        pue=pue,
        onsite=onsite,
        build=inp.cap_construction_it_mw_per_wk[sl].T,
        new_g=new_g,
        new_o=new_o,
        direct=direct,
        allowance=allowance,
        cxg=cxg,
        cxo=cxo,
        cg=inp.cap_grid_fac_mw_per_wk[sl].T / pue,
        ct=inp.cap_gas_turbines_fac_mw_per_wk[sl].T / pue,
        life=life,
        fleet0=fleet0,
        h0=h0,
        demand=demand,
        backlog_wk=float(inp.backlog_wk),
        writeoff_wk=int(inp.rack_writeoff_wk),
        **region_setup(inp, sl, n),
    )


def region_setup(inp: ModelInputs, sl: slice, n: int) -> dict[str, Any]:
    """The regions' generic shares ``g`` ``[R, n]`` and waits ``dly`` ``[2, R, n]`` (one region
    holding everything, no wait, when the inputs carry none) and each week's year index."""
    g = inp.region_generic_share
    g = np.ones((n, 1)) if g is None else np.asarray(g[sl], dtype=float)
    slip = inp.region_slip_wk
    dly = np.zeros((2, n, g.shape[1]), dtype=np.int64)
    if slip is not None:
        dly = generic_delays(slip[sl])
    years = inp.grid.years
    _, yi = np.unique(years, return_inverse=True)
    return {
        "g": np.ascontiguousarray(g.T),
        "dly": np.ascontiguousarray(np.transpose(dly, (0, 2, 1)), dtype=np.int64),
        "yi": yi.astype(np.int64),
        "ny": int(yi.max(initial=0)) + 1,
        "hist": int(inp.generic_history_wk),
    }


@dataclass
class _State:
    """What the weekly loop carries (updated in place) and the per-week labels it records.

    Channels carried with the flow: [IT MW, H100e, IT MW by vendor…] (vendors only if asked
    or capped), channel-first so every per-week row is contiguous.  Pipelines are histories
    read back at t − lag (one gather per week); float32 is ample for weekly flows, stocks and
    cumulative totals stay float64.
    """

    track_v: bool
    k: int
    kr: int  # channels that must be retired by vintage
    l1: int
    l2: int
    lmax: int
    made: F32  # accelerators started, completing at t+lc, [k, l1 + W, n]
    shipped: F32  # racks leaving assembly, [k, l2 + W, n]
    installed: F32  # installs by week, draw-major channels, [lmax + W, n, kr]
    acc: F  # accelerators waiting for rack assembly
    racks: F  # racks on site waiting for a powered shell
    prod_v_cum: F
    built_generic: F
    gen: F
    genh: F  # [n, W] generic shells completed by week (they join queues after their wait)
    pend: F  # generic shells built, still waiting out their region's lead times
    q_g: F  # [R, n] generic shells waiting for grid / on-site power, by region
    q_o: F
    pg: F  # [R, n] IT MW of generic powered shells by region (the initial fleet split by g)
    pgy: F  # [2, Y, R, n] pg at each year's last week, and summed over the year's weeks
    qn_g: F  # named phases ready and waiting for grid / on-site power (served first)
    qn_o: F
    powered: F
    online: F
    h_online: F
    e_g: F
    e_o: F
    x: F
    chip_bind: NDArray[np.int8]
    rack_lim: NDArray[np.bool_]
    shell_label: NDArray[np.int8]
    racks_wait: NDArray[np.bool_]
    delivered_v: F
    online_v: F
    e_g_t: F | None  # named phases energised by week (grid / on-site queue), [W, n]
    e_o_t: F | None
    by_sku: F  # million accelerators started, summed over draws
    sku_vendor: Int
    wip: F  # IT MW started and not yet installed or written off
    freed: F  # IT MW energised + retired per week, 13-week exponential mean (backlog rule)
    inst_cum: F  # [W, n] cumulative IT MW installed
    arr_cum: F  # [W, n] cumulative IT MW of racks arrived on site
    removed_cum: F  # cumulative IT MW of racks installed or written off
    written: F  # IT MW of racks written off this week
    #: per queue (grid, on-site): the queue, its waits, each region's share of the shells
    #: ``g·(1 − on)`` / ``g·on``, the flat ``genh`` index of week 0 less the wait, and the
    #: first ``k = t − hist`` from which every region is past its ramp (``_arrival_plan``)
    arrivals: list[tuple[F, Int, F, Int, int]] = field(default_factory=list)
    #: flat indices of week 0's lagged reads, ``made``/``shipped`` rows ``(l − lag)·n + d``
    #: and ``installed`` rows ``(lmax − life)·n + d`` (add ``t·n``), and ``max(life, 1)``
    lagged: dict[str, Any] = field(default_factory=dict)


def _arrival_plan(su: _Setup, st: _State) -> list[tuple[F, Int, F, Int, int]]:
    """What :func:`_energise_shells` reads every week to move shells into the regional queues,
    computed once per batch (the shares and indices do not change over weeks)."""
    base = (su.rows * su.w)[None, :]
    return [
        (q, src, su.g * frac[None, :], base - src, 2 * int(src.max(initial=0)))
        for q, src, frac in ((st.q_g, su.dly[0], 1.0 - su.onsite), (st.q_o, su.dly[1], su.onsite))
    ]


def _init_state(
    inp: ModelInputs, su: _Setup, vendor_detail: bool, work: dict[str, F32] | None
) -> _State:
    """Zeroed state with the pipelines full (see :func:`_fill_pipelines`)."""
    n, w, v = su.n, su.w, su.v
    track_v = vendor_detail or su.capped
    k = 2 + (v if track_v else 0)
    kr = 2 + (v if vendor_detail else 0)
    l1, l2 = int(su.lc.max(initial=0)), int(su.site_lag.max(initial=0))
    lmax = int(su.life.max(initial=0))
    keep_e = bool(inp.phase_ids)
    st = _State(
        track_v=track_v,
        k=k,
        kr=kr,
        l1=l1,
        l2=l2,
        lmax=lmax,
        made=_zeroed(work, "made", (k, l1 + w, n)),
        shipped=_zeroed(work, "shipped", (k, l2 + w, n)),
        # the retirement gather reads rows scattered over many vintages, so each draw's
        # channels sit together in one cache line
        installed=_zeroed(work, "installed", (lmax + w, n, kr)),
        acc=np.zeros((k, n)),
        racks=np.zeros((k, n)),
        prod_v_cum=np.zeros((n, v)),
        built_generic=np.zeros(n),
        gen=np.empty(n),
        genh=np.zeros((n, w)),
        pend=np.zeros(n),
        q_g=np.zeros((su.g.shape[0], n)),
        q_o=np.zeros((su.g.shape[0], n)),
        pg=su.g * su.fleet0[None, :],
        pgy=np.zeros((2, su.ny, *su.g.shape)),
        qn_g=np.zeros(n),
        qn_o=np.zeros(n),
        powered=su.fleet0.copy(),
        online=su.fleet0.copy(),
        h_online=su.h0.copy(),
        e_g=np.empty(n),
        e_o=np.empty(n),
        x=np.empty(n),
        chip_bind=np.empty((w, n), dtype=np.int8),
        rack_lim=np.empty((w, n), dtype=bool),
        shell_label=np.empty((w, n), dtype=np.int8),
        racks_wait=np.empty((w, n), dtype=bool),
        delivered_v=np.zeros((n, v)),
        online_v=np.zeros((n, v)),
        e_g_t=np.empty((w, n)) if keep_e else None,
        e_o_t=np.empty((w, n)) if keep_e else None,
        by_sku=np.zeros((w, len(inp.skus))),
        sku_vendor=np.array([inp.vendors.index(s) for s in inp.sku_vendor]),
        wip=np.zeros(n),
        freed=np.zeros(n),
        inst_cum=np.zeros((w, n)) if su.demand is not None else np.zeros((1, n)),
        arr_cum=np.zeros((w, n)) if su.writeoff_wk > 0 else np.zeros((1, n)),
        removed_cum=np.zeros(n),
        written=np.zeros(n),
    )
    st.arrivals = _arrival_plan(su, st)
    st.lagged = {
        "made": (l1 - su.lc) * n + su.rows,
        "shipped": (l2 - su.site_lag) * n + su.rows,
        "installed": (lmax - su.life) * n + su.rows,
        "life": np.maximum(np.asarray(su.life, dtype=float), 1.0),
    }
    _fill_pipelines(su, st)
    return st


def _fill_pipelines(su: _Setup, st: _State) -> None:
    """Pipelines start full (see :func:`wip_start`): rows before ``lc`` / ``site_lag`` hold the
    weekly work in flight; in buyer scope it counts against each vendor's orders."""
    made0, shipped0, prod_v0, wip0 = wip_start(su, st.k)
    st.made[:, : st.l1] = made0[:, None, :]  # rows before lc are never read
    st.shipped[:, : st.l2] = shipped0[:, None, :]
    if prod_v0 is not None:
        st.prod_v_cum += prod_v0
    st.wip[:] = wip0


def wip_start(su: _Setup, k: int) -> tuple[F, F, F | None, F]:
    """Work in flight at the horizon start: lc weeks of week-0 accelerators and site_lag weeks
    of racks (made before it).  In buyer scope that work in progress counts against the orders
    first: its weekly rate is at most orders ÷ (lc + site_lag).

    Returns (accelerators per week ``[k, n]``, racks per week ``[k, n]`` over the channels
    [IT MW, H100e, IT MW by vendor…], cumulative IT MW by vendor ``[n, V]`` or None when
    uncapped, IT MW in progress ``[n]``).
    """
    n, w, rows, caps, reqs = su.n, su.w, su.rows, su.caps, su.reqs
    u0 = chip_limited_units([c[0] for c in caps], [r[0] for r in reqs])
    vmw0 = su.by_vendor(0, su.it_w) / 1e6
    due = su.orders[rows, due_week(0, su.lead, w)] if su.capped else np.inf
    p0_v, p0, r0 = start_wip(u0, vmw0, due, su.lead, su.rack_cap[0])
    hpm0 = su.by_vendor(0, su.h_unit) / np.where(vmw0 > 0, vmw0, np.inf)
    h_ratio0 = (p0_v * hpm0).sum(axis=1) / np.maximum(p0, 1e-12)
    comp = np.concatenate(
        [
            np.ones((1, n)),
            h_ratio0[None, :],
            (p0_v / np.maximum(p0, 1e-12)[:, None]).T[: k - 2],
        ],
        axis=0,
    )
    prod_v0 = wip_by_vendor(p0_v, p0, r0, su.lc, su.site_lag) if su.capped else None
    return p0[None, :] * comp, r0[None, :] * comp, prod_v0, su.lc * p0 + su.site_lag * r0


def _start_accelerators(su: _Setup, st: _State, t: int) -> None:
    """1. Accelerators started this week: ``u = min_j cap_j / req_j`` over the chip tiers (the
    argmin binds); in buyer scope each vendor's cumulative output is capped by its orders a
    lead time ahead, ``P(t) = min(P(t−1) + s(t), O(t + lead))``."""
    caps, reqs, n, rows, mix, l1 = su.caps, su.reqs, su.n, su.rows, su.mix, st.l1
    made, by_sku = st.made, st.by_sku
    units = caps[0][t] / np.maximum(reqs[0][t], 1e-12)
    code = np.zeros(n, dtype=np.int8)
    for j in (1, 2):
        u_j = caps[j][t] / np.maximum(reqs[j][t], 1e-12)
        code[u_j < units] = j
        np.minimum(units, u_j, out=units)
    if su.capped:
        vmw_t = su.by_vendor(t, su.it_w) / 1e6
        sup_v = units[:, None] * vmw_t
        cap_v = su.orders[rows, due_week(t, su.lead, su.w)]
        got = np.maximum(np.minimum(st.prod_v_cum + sup_v, cap_v) - st.prod_v_cum, 0.0)
        if su.demand is not None:
            got += demand_extra(su, st, t, got, sup_v)
        mw = got.sum(axis=1)
        # orders bind when they leave the pooled (headline) vendors' supply unused: a vendor
        # on its own allocation (Cerebras, Google contracts) with supply left does not count
        own = ~su.pooled
        mw_p = got[:, su.pooled].sum(axis=1) if own.any() else mw
        cap_p = units * su.mw_unit[t] - (sup_v[:, own].sum(axis=1) if own.any() else 0.0)
        code[mw_p < cap_p * (1 - 1e-9) - EPS_MW] = CODE["orders"]
        st.prod_v_cum += got
        made[0, l1 + t] = mw
        hpm = su.by_vendor(t, su.h_unit) / np.where(vmw_t > 0, vmw_t, np.inf)
        made[1, l1 + t] = (got * hpm).sum(axis=1)
        made[2:, l1 + t] = got.T
        # accelerators by SKU: each vendor's SKUs scaled by the share of its supply ordered
        kept = np.where(sup_v > 0, got / np.where(sup_v > 0, sup_v, 1.0), 0.0)
        by_sku[t] = (units[:, None] * kept[:, st.sku_vendor] * mix[t][None, :]).sum(axis=0) / 1e6
        st.wip += mw
    else:
        if np.isfinite(su.backlog_wk):
            backlog_gate(su, st, t, units, code)
        if su.demand is not None and su.industry:  # industry demand (docs/ordering.md §1b)
            demand_gate(su, st, t, units, code)
        made[0, l1 + t] = units * su.mw_unit[t]
        st.wip += made[0, l1 + t]
        made[1, l1 + t] = units * su.h_per_unit[t]
        if st.track_v:
            made[2:, l1 + t] = (units[:, None] * (su.by_vendor(t, su.it_w) / 1e6)).T
        by_sku[t] = units.sum() * mix[t] / 1e6
    st.chip_bind[t] = code


def _build_racks(su: _Setup, st: _State, t: int, o: dict[str, F32]) -> None:
    """2. Completions (started lc weeks ago) join the accelerator inventory; rack assembly
    takes ``min(inventory, rack capacity)``, pro rata over the channels."""
    acc = st.acc
    arrive = st.made.reshape(st.k, -1).take(st.lagged["made"] + t * su.n, axis=1)  # [k, n]
    o["it_gw_produced"][t] = arrive[0]
    o["h100e_produced_m"][t] = arrive[1]
    acc += arrive
    built = np.minimum(acc[0], su.rack_cap[t])
    moved = acc * (built / np.where(acc[0] > EPS_MW, acc[0], np.inf))
    acc -= moved
    st.shipped[:, st.l2 + t] = moved
    st.rack_lim[t] = acc[0] > EPS_MW
    o["accelerators_waiting_gw"][t] = acc[0]


def _energise_shells(su: _Setup, st: _State, t: int) -> None:
    """3. Shells queue for energisation: grid shells need grid and transformers, on-site shells
    need turbines and transformers.  Named phases that are ready (their equipment ordered a
    lead time ahead, supply.leads) are served first, ``e_named = min(named queue, cap)``;
    generic shells queue by region (docs/regions.md §Generic shells):

        arrivals   a shell built in week b waits min(max(b − h, 0), δ_r) (δ_r the region's
                   wait, weeks; h the as-of week: history is unslipped), then joins q_r · g_r
        grid       e_r = min(q_r, G′·g_r) · min(1, X′ ÷ Σᵣ min(q_r, G′·g_r))
        on-site    e_r = q_r · min(1, min(T, X_o) − e_named ÷ Σᵣ q_r)

    with ``G′ = grid cap − e_named``, ``X′ = transformers for grid − e_named``: each region
    has its share of the grid tier (a shortfall is not met by another region's spare grid);
    transformers and turbines are one world market, shared pro rata to what is ready."""
    gen, e_g, e_o = st.gen, st.e_g, st.e_o
    if su.allowance is None:
        gen[:] = su.build[t]
    else:
        np.maximum(su.allowance[t] - st.built_generic, 0.0, out=gen)
        np.minimum(gen, su.build[t], out=gen)
        st.built_generic += gen
    st.genh[:, t] = gen
    st.pend += gen
    # a shell built in week b waits min(max(b − h, 0), δ): history (b < h) arrives as built,
    # the slip reaches shells built after the as-of week h gradually (those finished soon
    # after it had their equipment on order); so week t receives, with k = t − h,
    # b = t (k < 0), half of b = h + ⌊k/2⌋ (0 ≤ k < 2δ: two weeks share one week's shells),
    # b = t − δ (k ≥ 2δ) — every shell arrives exactly once
    k = t - su.hist
    flat = st.genh.reshape(-1)  # [n·W], draw d's week b at d·W + b
    for q, src, share, lag_ix, ramp_end in st.arrivals:
        if k < 0:  # every shell arrives as built (× 1.0 below is exact, so skipped)
            arrive = gen[None, :] * share
        elif k >= ramp_end:  # every region past its ramp: b = t − δ
            arrive = flat.take(lag_ix + t) * share
        else:
            ramp = k < 2 * src
            b = np.where(ramp, su.hist + k // 2, t - src)
            arrive = flat.take(su.rows[None, :] * su.w + b) * np.where(ramp, 0.5, 1.0) * share
        q += arrive
        st.pend -= arrive.sum(axis=0)
    en_g = en_o = 0.0
    if st.e_g_t is not None and st.e_o_t is not None:  # named phases first
        st.qn_g += su.new_g[t]
        st.qn_o += su.new_o[t]
        en_g = np.minimum(st.qn_g, np.minimum(su.cg[t], su.cxg[t]))
        en_o = np.minimum(st.qn_o, np.minimum(su.ct[t], su.cxo[t]))
        st.qn_g -= en_g
        st.qn_o -= en_o
        st.e_g_t[t], st.e_o_t[t] = en_g, en_o
        st.powered += en_g
        st.powered += en_o
    ready = np.minimum(st.q_g, (su.cg[t] - en_g)[None, :] * su.g)
    total = ready.sum(axis=0)
    eg_r = ready * _pro_rata(su.cxg[t] - en_g, total)[None, :]
    total = st.q_o.sum(axis=0)
    eo_r = st.q_o * _pro_rata(np.minimum(su.ct[t], su.cxo[t]) - en_o, total)[None, :]
    st.q_g -= eg_r
    st.q_o -= eo_r
    e_g[:] = eg_r.sum(axis=0)
    e_o[:] = eo_r.sum(axis=0)
    st.pg += eg_r
    st.pg += eo_r
    y = su.yi[t]
    if t == su.w - 1 or su.yi[t + 1] != y:  # the year's last week (earlier ones are overwritten)
        st.pgy[0, y] = st.pg
    st.pgy[1, y] += st.pg
    st.powered += e_g
    st.powered += e_o
    st.powered += su.direct[t]


def _pro_rata(cap: F, want: F) -> F:
    """``min(1, cap ÷ want)`` (1 where nothing is wanted): the share of a pool each gets."""
    return np.minimum(1.0, np.maximum(cap, 0.0) / np.where(want > 0, want, np.inf))


def _fleet_retired(su: _Setup, st: _State, t: int) -> tuple[F, F]:
    """``physics.fleet_retired`` of the initial IT MW and H100e in week ``t``, the straight-line
    fractions ``clip(1 − t / max(life, 1), 0, 1)`` at t and t + 1 computed once for both."""
    life = st.lagged["life"]
    now = np.clip(1.0 - np.asarray(t) / life, 0.0, 1.0)
    nxt = np.clip(1.0 - np.asarray(t + 1) / life, 0.0, 1.0)
    return su.fleet0 * now - su.fleet0 * nxt, su.h0 * now - su.h0 * nxt


def _install_racks(
    su: _Setup, st: _State, t: int, vendor_out: tuple[F32, F32] | None
) -> tuple[F, F]:
    """4. Retirements free shells (the initial fleet straight-line over its life, installs by
    vintage after ``life``); racks on site go into free powered shells,
    ``x = max(min(racks, powered − online), 0)``.  Returns (IT MW installed, retired)."""
    n, racks, x, online = su.n, st.racks, st.x, st.online
    r_init, rh_init = _fleet_retired(su, st, t)
    # this week's retiring vintage, [kr, n]
    ret = st.installed.reshape(-1, st.kr).take(st.lagged["installed"] + t * n, axis=0).T
    online -= r_init + ret[0]
    st.h_online -= rh_init + ret[1]
    racks += st.shipped.reshape(st.k, -1).take(st.lagged["shipped"] + t * n, axis=1)
    np.minimum(racks[0], st.powered - online, out=x)
    np.maximum(x, 0.0, out=x)
    inst = racks * (x / np.where(racks[0] > EPS_MW, racks[0], np.inf))
    racks -= inst
    online += x
    st.h_online += inst[1]
    st.installed[st.lmax + t] = inst[: st.kr].T
    st.wip -= x
    if su.demand is not None:
        st.inst_cum[t] = (st.inst_cum[t - 1] if t else 0.0) + x
    if su.writeoff_wk > 0:
        write_off(su, st, t, x)
    if vendor_out is not None:
        st.delivered_v += inst[2:].T
        st.online_v += (inst[2:] - ret[2:]).T
        vendor_out[0][:, t] = st.delivered_v
        vendor_out[1][:, t] = st.online_v
    return x, r_init + ret[0]


def _record_week(su: _Setup, st: _State, t: int, o: dict[str, F32], x: F, retired: F) -> None:
    """The tier that bound installation this week (supply side is resolved after the loop),
    and the week's stocks and flows."""
    q_g, q_o = st.q_g.sum(axis=0), st.q_o.sum(axis=0)
    if st.e_g_t is not None:  # named phases waiting too
        q_g, q_o = q_g + st.qn_g, q_o + st.qn_o
    st.racks_wait[t] = st.racks[0] > EPS_MW
    st.shell_label[t] = np.where(
        q_g + q_o > EPS_MW,
        np.where(
            q_g > EPS_MW,
            np.where(su.cg[t] <= su.cxg[t], CODE["grid"], CODE["transformers"]),
            np.where(su.ct[t] <= su.cxo[t], CODE["gas_turbines"], CODE["transformers"]),
        ),
        CODE["construction"],
    )
    o["it_gw_online"][t] = st.online
    o["it_gw_added"][t] = x
    o["it_gw_retired"][t] = retired
    o["h100e_online_m"][t] = st.h_online
    o["racks_waiting_gw"][t] = st.racks[0]
    o["shells_unpowered_gw"][t] = q_g + q_o + st.pend
    o["shells_empty_gw"][t] = st.powered - st.online
    o["racks_written_off_gw"][t] = st.written
    # the room the market makes per week, smoothed (lumpy vintages must not open the tap)
    room = st.e_g + st.e_o + retired
    if st.e_g_t is not None and st.e_o_t is not None:
        room = room + st.e_g_t[t] + st.e_o_t[t]
    if t == 0:
        st.freed[:] = room
    else:
        st.freed += (room - st.freed) / FREED_SMOOTH_WK


def to_reporting_units(inp: ModelInputs, sl: slice, su: _Setup, o: dict[str, F32]) -> None:
    """MW → GW, H100e → millions, and the facility basis (IT × PUE) and energy
    (facility GW × load factor × hours per week ÷ 1e3 = TWh), in place."""
    for name in _MW_SERIES:
        o[name] *= np.float32(1e-3)
    o["h100e_online_m"] *= np.float32(1e-6)
    o["h100e_produced_m"] *= np.float32(1e-6)
    facility_and_energy(inp, sl, su, o)


def facility_and_energy(inp: ModelInputs, sl: slice, su: _Setup, o: dict[str, F32]) -> None:
    """The facility basis (IT GW × PUE) and energy (facility GW × load factor × hours per week
    ÷ 1e3 = TWh) from the series in reporting units, in place (the compiled loop writes GW
    and millions itself)."""
    np.multiply(o["it_gw_online"], su.pue.astype(np.float32), out=o["facility_gw_online"])
    np.multiply(o["it_gw_added"], su.pue.astype(np.float32), out=o["facility_gw_added"])
    np.multiply(
        o["facility_gw_online"],
        (inp.load_factor[sl] * HOURS_PER_WEEK / 1e3).astype(np.float32),
        out=o["energy_twh"],
    )


#: wafers (logic, CoWoS) and HBM stacks per accelerator below which a SKU charges nothing to
#: the pooled chip tiers: its vendor supplies it from its own allocation
#: (``compile_partners.OWN_SUPPLY_PACKAGES``)
OWN_SUPPLY_CHARGE = 1e-9


def pooled_vendors(inp: ModelInputs) -> NDArray[np.bool_]:
    """``[V]`` whether each vendor's accelerators draw on the pooled chip tiers (the headline
    ones, whose supply the buyer's orders can leave unused); a vendor whose every SKU charges
    the tiers less than ``OWN_SUPPLY_CHARGE`` per unit (``1/logic + 1/CoWoS + HBM stacks``)
    supplies from its own allocation, and its spare supply does not make ``orders`` bind."""
    charge = (
        1.0 / np.asarray(inp.packages_per_logic_wafer)
        + 1.0 / np.asarray(inp.good_packages_per_cowos_wafer)
        + np.asarray(inp.hbm_stacks_per_unit)
    ).max(axis=0)
    sku_v = np.array(inp.sku_vendor)
    return np.array([bool((charge[sku_v == v] > OWN_SUPPLY_CHARGE).any()) for v in inp.vendors])


def binding(
    su: _Setup,
    chip_bind: NDArray[np.int8],
    rack_lim: NDArray[np.bool_],
    racks_wait: NDArray[np.bool_],
    shell_label: NDArray[np.int8],
) -> NDArray[np.int8]:
    """Racks left waiting ⇒ shells bound (the power tier when built shells await power, else
    construction); otherwise supply bound (rack assembly or the chip tier upstream, lagged by
    the time its output takes to reach the site)."""
    supply_label = np.where(
        lag_tm(rack_lim, su.site_lag, False),
        CODE["rack_assembly"],
        lag_tm(chip_bind, su.site_lag + su.lc, chip_bind[0]),
    )
    return np.where(racks_wait, shell_label, supply_label).astype(np.int8)


def phase_weeks(inp: ModelInputs, sl: slice, su: _Setup, e_g_t: F | None, e_o_t: F | None) -> Int:
    """Named phases: energised when their named queue's cumulative energisation reaches them
    (first in, first out; never before their ready week); −1 when not within the horizon."""
    w = su.w
    if not (inp.phase_ids and e_g_t is not None and e_o_t is not None):
        return np.zeros((su.n, 0), dtype=np.int64)
    pw = inp.phase_power_wk[sl]
    wk = np.clip(pw, 0, w - 1)
    weeks_g = first_week_reaching(
        np.cumsum(e_g_t, axis=0).T,
        np.take_along_axis(np.cumsum(su.new_g, axis=0).T, wk, axis=1),
    )
    weeks_o = first_week_reaching(
        np.cumsum(e_o_t, axis=0).T,
        np.take_along_axis(np.cumsum(su.new_o, axis=0).T, wk, axis=1),
    )
    phase_week = np.where(inp.phase_onsite[None, :], weeks_o, weeks_g)
    phase_week = np.where((pw < w) & (phase_week >= 0), np.maximum(phase_week, pw), -1)
    return np.where(energised_phases(inp)[None, :] & (pw < w), pw, phase_week)


def simulate_batch(
    inp: ModelInputs,
    sl: slice,
    vendor_detail: bool,
    out: dict[str, F32],
    vendor_out: tuple[F32, F32] | None,
    work: dict[str, F32] | None = None,
) -> BatchResult:
    """Simulate draws ``sl``; series are written into ``out[name][:, sl]`` (time-major) and,
    with vendor detail, cumulative delivered and online IT MW by vendor into ``vendor_out``."""
    su = prepare(inp, sl)
    st = _init_state(inp, su, vendor_detail, work)
    o = {name: arr[:, sl] for name, arr in out.items()}
    vo = (vendor_out[0][sl], vendor_out[1][sl]) if vendor_detail and vendor_out else None
    for t in range(su.w):
        _start_accelerators(su, st, t)
        _build_racks(su, st, t, o)
        _energise_shells(su, st, t)
        x, retired = _install_racks(su, st, t, vo)
        _record_week(su, st, t, o, x, retired)
    to_reporting_units(inp, sl, su, o)
    labels = binding(su, st.chip_bind, st.rack_lim, st.racks_wait, st.shell_label)
    return BatchResult(labels, phase_weeks(inp, sl, su, st.e_g_t, st.e_o_t), st.by_sku, st.pgy)
