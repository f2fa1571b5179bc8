"""The weekly loop of :mod:`gigafactory.supply.batch`, compiled (numba).

The same four stages in the same order with the same precision as the NumPy reference
(``simulate(..., engine="numpy")``): stocks in float64, pipelines (accelerators started, racks
shipped, installs by vintage) rounded to float32 on write, exactly as the reference stores them.
One parallel region per week; within it the draws are split into fixed chunks (``prange``), so
the result does not depend on the number of threads (the per-SKU totals are summed per chunk,
then over chunks).  Each draw's week is the scalar form of the reference's vector step:

1. ``u = min_j cap_j / max(r_j, 1e-12)`` (argmin binds); in buyer scope per vendor
   ``got_v = max(min(P_v + u·m_v, O_v(t + lead)) − P_v, 0)`` plus demand-driven orders; in
   industry scope the backlog gate ``u ← u · min(1, max(B·f + H − WIP, 0) ÷ (u·m))``;
2. ``acc += made(t − lc)``; ``built = min(acc, rack cap)``, moved pro rata over the channels;
3. named phases first, ``e = min(queue, min(power tier, transformers))``; then generic shells
   by region: arrivals ``gen(t − δ_r)·g_r``, grid ``e_r = min(q_r, G′·g_r)·min(1, X′ ÷ Σ)``,
   on-site ``e_r = q_r·min(1, (min(T, X_o) − e_named) ÷ Σ q)`` (``batch._energise_shells``);
4. ``online −= retired``; ``x = max(min(racks, powered − online), 0)``; write-offs (FIFO).

Compiled on first use and cached on disk (``cache=True``; numba falls back to the user cache
directory when the package's ``__pycache__`` is not writable).  Arrays are passed one by one
or stacked by kind, never in tuples (numba passes a tuple of arrays by value into every call:
~10× slower per step and minutes to compile); each stage loops over a chunk's draws itself, so
calls and reference counts are paid per week and chunk, not per draw-week.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange
from numpy.typing import NDArray

F = NDArray[np.float64]
F32 = NDArray[np.float32]
I64 = NDArray[np.int64]
I32 = NDArray[np.int32]
I8 = NDArray[np.int8]
B = NDArray[np.bool_]

EPS_MW = 1e-6
MIN_REQ = 1e-12
FREED_SMOOTH_WK = 13.0
INF = np.inf

# per-draw float64 state, rows of ``s`` [N_STATE, n]
WIP, FREED, BUILT, QG, QO, QNG, QNO, POWERED, ONLINE, HONLINE, REMOVED, WRITTEN = range(12)
EG, EO, ENG, ENO, UNITS, X, RET = range(12, 19)
PEND = 19  # generic shells built, still waiting out their region's lead times
N_STATE = 20
# per-draw integers ``dv`` [4, n] (weeks) and floats ``fv`` [3, n]
LC, LAG, LEAD, LIFE = range(4)
ONSITE, FLEET0, H0 = range(3)
# flags ``opts`` [N_OPTS + V]: N_OPTS run options, then each vendor's ``pooled`` flag
N_OPTS = 7
# binding codes ``codes`` [5]
C_ORDERS, C_GRID, C_TRANSFORMERS, C_GAS, C_CONSTRUCTION = range(5)
# loop outputs, rows of ``out`` [N_OUT, W, D], written in reporting units: float32 IT MW
# × float32(1e-3) = GW, H100e × float32(1e-6) = millions (``batch.scale_units``, the same
# float32 product the reference takes after its loop)
GW = np.float32(1e-3)
MILLION = np.float32(1e-6)
O_ONLINE, O_ADDED, O_RETIRED, O_HONLINE, O_PRODUCED, O_HPROD = range(6)
O_ACCW, O_RACKSW, O_UNPOW, O_EMPTY, O_WRITTEN = range(6, 11)
N_OUT = 11
#: names of the loop outputs, in the order of the ``out`` rows
OUT_NAMES = (
    "it_gw_online",
    "it_gw_added",
    "it_gw_retired",
    "h100e_online_m",
    "it_gw_produced",
    "h100e_produced_m",
    "accelerators_waiting_gw",
    "racks_waiting_gw",
    "shells_unpowered_gw",
    "shells_empty_gw",
    "racks_written_off_gw",
)


@njit(cache=True, nogil=True, error_model="numpy")
def _chip_units(
    caps0: F32, caps1: F32, caps2: F32, req0: F, req1: F, req2: F, s: F, lab: I8,
    t: int, lo: int, hi: int,
) -> None:  # fmt: skip
    """``u = min_j cap_j / max(r_j, 1e-12)`` into ``s[UNITS]``, the argmin (0, 1, 2) into
    ``lab[0, t]``."""
    for d in range(lo, hi):
        units = caps0[t, d] / max(req0[t, d], MIN_REQ)
        code = 0
        u1 = caps1[t, d] / max(req1[t, d], MIN_REQ)
        if u1 < units:
            code = 1
            units = u1
        u2 = caps2[t, d] / max(req2[t, d], MIN_REQ)
        if u2 < units:
            code = 2
            units = u2
        s[UNITS, d] = units
        lab[0, t, d] = code


@njit(cache=True, nogil=True, error_model="numpy")
def _vendor_skus(sku_v: I64, nv: int) -> I64:
    """Each vendor's SKUs in ascending order, CSR: ``[ptr (V + 1), SKU indices (S)]``, vendor
    ``v``'s at ``ptr[v]:ptr[v + 1]`` (a sum per vendor then runs in a register, in the same
    order as the scatter ``Σ_{s∈v}`` it replaces)."""
    ns = sku_v.shape[0]
    vs = np.zeros(nv + 1 + ns, dtype=np.int64)
    for j in range(ns):
        vs[sku_v[j] + 1] += 1
    for v in range(nv):
        vs[v + 1] += vs[v]
    nxt = vs[:nv].copy()
    for j in range(ns):
        vs[nv + 1 + nxt[sku_v[j]]] = j
        nxt[sku_v[j]] += 1
    return vs


@njit(cache=True, nogil=True, error_model="numpy")
def _vendor_mw(mix: F, it_w: F, h_unit: F, vs: I64, t: int, d: int, scr: F) -> None:
    """Per accelerator of week t's mix, by vendor: IT MW ``Σ_{s∈v} m_s·w_s / 1e6`` into
    ``scr[0]`` and H100e into ``scr[1]`` (``vs``: :func:`_vendor_skus`)."""
    nv = scr.shape[1]
    for v in range(nv):
        mw = 0.0
        h = 0.0
        for i in range(vs[v], vs[v + 1]):
            j = vs[nv + 1 + i]
            mw += it_w[d, j] * mix[t, j]
            h += h_unit[d, j] * mix[t, j]
        scr[0, v] = mw / 1e6
        scr[1, v] = h


@njit(cache=True, nogil=True, error_model="numpy")
def _vendor_it_mw(mix: F, it_w: F, vs: I64, t: int, d: int, scr: F) -> None:
    """The IT MW row of :func:`_vendor_mw` alone (``scr[0]``), for industry scope, which
    reads no H100e by vendor."""
    nv = scr.shape[1]
    for v in range(nv):
        mw = 0.0
        for i in range(vs[v], vs[v + 1]):
            j = vs[nv + 1 + i]
            mw += it_w[d, j] * mix[t, j]
        scr[0, v] = mw / 1e6


@njit(cache=True, nogil=True, error_model="numpy")
def _demand_short(demand: F, dv: I64, fv: F, inst_cum: F, t: int, d: int) -> float:
    """``R(t) = D(t+L) − F0(t+L) + Ret(t+L)`` (``demand.rules.required_production``)."""
    ahead = min(t + dv[LEAD, d], demand.shape[0] - 1)
    life = dv[LIFE, d]
    f0 = fv[FLEET0, d]
    if life > 0:
        f0 = f0 * min(max(1.0 - (ahead + 1) / max(float(life), 1.0), 0.0), 1.0)
    ret_i = min(ahead - life, t - 1)
    ret = inst_cum[ret_i, d] if ret_i >= 0 else 0.0
    return demand[ahead, d] - f0 + ret


@njit(cache=True, nogil=True, error_model="numpy")
def _demand_extra(need: float, scr: F, prodv: F, d: int) -> None:
    """Demand-driven orders (``demand.rules.demand_orders``), added to ``got = scr[3]``:
    ``short = max(R − P − C, 0)``, ordered pro rata to the spare supply ``scr[2] − got``."""
    produced = 0.0
    contracted = 0.0
    total = 0.0
    for v in range(scr.shape[1]):
        produced += prodv[v, d]
        contracted += scr[3, v]
        total += scr[2, v] - scr[3, v]
    short = max(need - produced - contracted, 0.0)
    frac = min(1.0, short / (total if total > 0 else INF))
    for v in range(scr.shape[1]):
        scr[3, v] += max(scr[2, v] - scr[3, v], 0.0) * frac


@njit(cache=True, nogil=True, error_model="numpy")
def _start_capped(
    mix: F, it_w: F, h_unit: F, sku_v: I64, mw_unit: F, orders: F, demand: F, dv: I64, fv: F,
    made: F32, inst_cum: F, lab: I8, codes: I64, has_demand: bool, s: F, prodv: F, scr: F,
    bys: F, t: int, lo: int, hi: int, pooled: B, vs: I64,
) -> None:  # fmt: skip
    """Buyer scope: each vendor's cumulative output capped by its orders a lead ahead,
    ``got_v = max(min(P_v + u·m_v, O_v(t + lead)) − P_v, 0)`` (+ demand-driven orders);
    ``orders`` binds where they leave the ``pooled`` vendors' supply unused
    (``batch.pooled_vendors``)."""
    nv = scr.shape[1]
    tw = t & (made.shape[1] - 1)  # the pipeline is a ring of 2^k weeks (kernel_batch)
    for d in range(lo, hi):
        units = s[UNITS, d]
        _vendor_mw(mix, it_w, h_unit, vs, t, d, scr)
        due = min(t + dv[LEAD, d], mix.shape[0] - 1)
        for v in range(nv):
            scr[2, v] = units * scr[0, v]
            scr[3, v] = max(min(prodv[v, d] + scr[2, v], orders[d, due, v]) - prodv[v, d], 0.0)
        if has_demand:
            _demand_extra(_demand_short(demand, dv, fv, inst_cum, t, d), scr, prodv, d)
        mw = 0.0
        hmw = 0.0
        mwp = 0.0  # output of the pooled vendors
        own = 0.0  # supply of the vendors on their own allocation
        for v in range(nv):
            got = scr[3, v]
            mw += got
            if pooled[v]:
                mwp += got
            else:
                own += scr[2, v]
            prodv[v, d] += got
            hmw += got * (scr[1, v] / (scr[0, v] if scr[0, v] > 0 else INF))
            made[2 + v, tw, d] = got
        made[0, tw, d] = mw
        made[1, tw, d] = hmw
        for j in range(mix.shape[1]):
            v = sku_v[j]
            kept = scr[3, v] / scr[2, v] if scr[2, v] > 0 else 0.0
            bys[t, j] += units * kept * mix[t, j]
        if mwp < (units * mw_unit[t, d] - own) * (1 - 1e-9) - EPS_MW:
            lab[0, t, d] = codes[C_ORDERS]
        s[WIP, d] += mw


@njit(cache=True, nogil=True, error_model="numpy")
def _start_uncapped(
    mix: F, it_w: F, h_unit: F, sku_v: I64, mw_unit: F, h_per_unit: F, dv: I64, made: F32,
    lab: I8, track_v: bool, backlog_wk: float, s: F, scr: F, us: F, t: int, lo: int, hi: int,
    demand: F, fv: F, inst_cum: F, prodv: F, codes: I64, has_demand: bool, vs: I64,
) -> None:  # fmt: skip
    """Industry scope: the chip-limited units, gated by the backlog rule
    (``market.backlog_gate``): ``u ← u · min(1, a ÷ (u·m))`` with
    ``a = max(B·f + max(E, 0) + L·max(f, 0) − WIP, 0)``; where it binds, last week's shell
    label is recorded.  Then industry demand (``market.demand_gate``): starts
    ``≤ max(R − P, 0)`` with ``P`` the cumulative output (``prodv[0]``, the starting work in
    progress counted as produced); where it binds, ``orders`` is recorded."""
    tw = t & (made.shape[1] - 1)  # the pipeline is a ring of 2^k weeks (kernel_batch)
    for d in range(lo, hi):
        units = s[UNITS, d]
        if backlog_wk < INF:
            cap_mw = units * mw_unit[t, d]
            fr = s[FREED, d]
            in_sight = max(s[POWERED, d] - s[ONLINE, d], 0.0) + dv[LEAD, d] * max(fr, 0.0)
            allow = max(backlog_wk * fr + in_sight - s[WIP, d], 0.0)
            scale = min(1.0, allow / (cap_mw if cap_mw > EPS_MW else INF))
            units *= scale
            if t > 0 and scale < 1.0 - 1e-9:
                lab[0, t, d] = lab[1, t - 1, d]
        if has_demand:
            if t == 0:
                prodv[0, d] = s[WIP, d]
            cap_mw = units * mw_unit[t, d]
            short = max(_demand_short(demand, dv, fv, inst_cum, t, d) - prodv[0, d], 0.0)
            allow = max(cap_mw, 0.0) * min(1.0, short / (cap_mw if cap_mw > 0 else INF))
            scale = min(1.0, allow / (cap_mw if cap_mw > EPS_MW else INF))
            units *= scale
            if scale < 1.0 - 1e-9:
                lab[0, t, d] = codes[C_ORDERS]
            prodv[0, d] += units * mw_unit[t, d]
        made[0, tw, d] = units * mw_unit[t, d]
        s[WIP, d] += np.float64(made[0, tw, d])
        made[1, tw, d] = units * h_per_unit[t, d]
        if track_v:
            _vendor_it_mw(mix, it_w, vs, t, d, scr)
            for v in range(scr.shape[1]):
                made[2 + v, tw, d] = units * scr[0, v]
        us[t] += units


@njit(cache=True, nogil=True, error_model="numpy")
def _build(
    rack_cap: F, dv: I64, made: F32, shipped: F32, made0: F32, rack_lim: B, acc: F, out: F32,
    b0: int, t: int, lo: int, hi: int,
) -> None:  # fmt: skip
    """Stage 2: completions join the inventory; ``built = min(acc, rack cap)``, pro rata."""
    k = acc.shape[0]
    mm = made.shape[1] - 1  # rings of 2^k weeks, longer than any lag (kernel_batch)
    ms = shipped.shape[1] - 1
    for d in range(lo, hi):
        lcd = dv[LC, d]
        for ch in range(k):
            arrive = made[ch, (t - lcd) & mm, d] if t >= lcd else made0[ch, d]
            acc[ch, d] += np.float64(arrive)
        out[O_PRODUCED, t, b0 + d] = (made[0, (t - lcd) & mm, d] if t >= lcd else made0[0, d]) * GW
        out[O_HPROD, t, b0 + d] = (
            made[1, (t - lcd) & mm, d] if t >= lcd else made0[1, d]
        ) * MILLION
        a0 = acc[0, d]
        ratio = min(a0, rack_cap[t, d]) / (a0 if a0 > EPS_MW else INF)
        for ch in range(k):
            moved = acc[ch, d] * ratio
            acc[ch, d] -= moved
            shipped[ch, t & ms, d] = moved
        rack_lim[t, d] = acc[0, d] > EPS_MW
        out[O_ACCW, t, b0 + d] = np.float32(acc[0, d]) * GW


@njit(cache=True, nogil=True, error_model="numpy")
def _arrival(genh: F, d: int, t: int, hist: int, wait: int) -> float:
    """IT MW of generic shells reaching a region's queue in week ``t`` (before its share): a
    shell built in week b waits ``min(max(b − hist, 0), wait)``; with ``k = t − hist``, week
    ``t`` receives b = t (k < 0), half of b = hist + ⌊k/2⌋ (0 ≤ k < 2·wait), b = t − wait."""
    k = t - hist
    if k < 0:
        return genh[d, t]
    if k < 2 * wait:
        return 0.5 * genh[d, hist + k // 2]
    return genh[d, t - wait]


@njit(cache=True, nogil=True, error_model="numpy")
def _energise(
    build: F32, allowance: F, cg: F, ct: F, cxg: F, cxo: F, new_g: F, new_o: F, direct: F,
    fv: F, en: F, s: F, has_allow: bool, keep_e: bool, t: int, lo: int, hi: int,
    genh: F, gsh: F, dly: I32, qr: F, pg: F, pgy: F, yi: I64, hist: int,
) -> None:  # fmt: skip
    """Stage 3: named phases ready are served first, ``e = min(queue, power tier,
    transformers)``; generic shells queue by region (``batch._energise_shells``): each region
    has its share ``g_r`` of the grid tier, transformers and turbines go pro rata to what is
    ready."""
    nr = gsh.shape[1]
    y = yi[t]
    year_end = t == yi.shape[0] - 1 or yi[t + 1] != y
    for d in range(lo, hi):
        if has_allow:
            gen = min(max(allowance[t, d] - s[BUILT, d], 0.0), np.float64(build[t, d]))
            s[BUILT, d] += gen
        else:
            gen = np.float64(build[t, d])
        genh[d, t] = gen
        s[PEND, d] += gen
        en_g = 0.0
        en_o = 0.0
        if keep_e:  # named phases first (they do not touch the regional queues)
            s[QNG, d] += new_g[t, d]
            s[QNO, d] += new_o[t, d]
            en_g = min(s[QNG, d], min(cg[t, d], cxg[t, d]))
            en_o = min(s[QNO, d], min(ct[t, d], cxo[t, d]))
            s[QNG, d] -= en_g
            s[QNO, d] -= en_o
            en[0, t, d] = en_g
            en[1, t, d] = en_o
            s[ENG, d] = en_g
            s[ENO, d] = en_o
            s[POWERED, d] += en_g
            s[POWERED, d] += en_o
        on = fv[ONSITE, d]
        off = 1.0 - on
        grid_left = cg[t, d] - en_g
        want_g = 0.0
        want_o = 0.0
        arrived = 0.0
        for r in range(nr):  # arrivals after each region's wait, and what is ready
            share = gsh[d, r]
            if share == 0.0:  # no shells, no grid: nothing ever moves here
                continue
            # a shell built in week b waits min(max(b − hist, 0), δ) (batch._energise_shells)
            ag = _arrival(genh, d, t, hist, dly[d, 0, r]) * share * off
            ao = _arrival(genh, d, t, hist, dly[d, 1, r]) * share * on
            q_g = qr[d, 0, r] + ag
            q_o = qr[d, 1, r] + ao
            qr[d, 0, r] = q_g
            qr[d, 1, r] = q_o
            arrived += ag + ao
            want_g += min(q_g, grid_left * share)
            want_o += q_o
        s[PEND, d] -= arrived
        fg = min(1.0, max(cxg[t, d] - en_g, 0.0) / (want_g if want_g > 0 else INF))
        fo = min(1.0, max(min(ct[t, d], cxo[t, d]) - en_o, 0.0) / (want_o if want_o > 0 else INF))
        e_g = 0.0
        e_o = 0.0
        qg = 0.0
        qo = 0.0
        for r in range(nr):
            share = gsh[d, r]
            if share == 0.0:
                continue
            q_g = qr[d, 0, r]
            q_o = qr[d, 1, r]
            eg = min(q_g, grid_left * share) * fg
            eo = q_o * fo
            q_g -= eg
            q_o -= eo
            qr[d, 0, r] = q_g
            qr[d, 1, r] = q_o
            p = pg[d, r] + eg + eo
            pg[d, r] = p
            if year_end:
                pgy[d, y, 0, r] = p
            pgy[d, y, 1, r] += p
            e_g += eg
            e_o += eo
            qg += q_g
            qo += q_o
        s[QG, d] = qg
        s[QO, d] = qo
        s[EG, d] = e_g
        s[EO, d] = e_o
        s[POWERED, d] += e_g
        s[POWERED, d] += e_o
        s[POWERED, d] += direct[t, d]


@njit(cache=True, nogil=True, error_model="numpy")
def _fleet_retired(x0: float, life: int, t: int) -> float:
    """``physics.fleet_retired``: straight-line retirement of the initial fleet in week t."""
    lf = max(float(life), 1.0)
    left_t = x0 * min(max(1.0 - t / lf, 0.0), 1.0)
    return left_t - x0 * min(max(1.0 - (t + 1) / lf, 0.0), 1.0)


@njit(cache=True, nogil=True, error_model="numpy")
def _retire_and_arrive(
    dv: I64, fv: F, shipped: F32, shipped0: F32, installed: F32, s: F, racks: F,
    t: int, lo: int, hi: int,
) -> None:  # fmt: skip
    """Stage 4a: the initial fleet and the vintage installed ``life`` weeks ago retire
    (``s[RET]``); racks shipped ``site_lag`` weeks ago reach the site."""
    ms = shipped.shape[1] - 1  # a ring of 2^k weeks
    for d in range(lo, hi):
        life = dv[LIFE, d]
        ri = t - life
        ret0 = np.float64(installed[ri, d, 0]) if ri >= 0 else 0.0
        ret1 = np.float64(installed[ri, d, 1]) if ri >= 0 else 0.0
        r_init = _fleet_retired(fv[FLEET0, d], life, t)
        s[ONLINE, d] -= r_init + ret0
        s[HONLINE, d] -= _fleet_retired(fv[H0, d], life, t) + ret1
        s[RET, d] = r_init + ret0
        lag = dv[LAG, d]
        for ch in range(racks.shape[0]):
            racks[ch, d] += np.float64(
                shipped[ch, (t - lag) & ms, d] if t >= lag else shipped0[ch, d]
            )


@njit(cache=True, nogil=True, error_model="numpy")
def _install(
    dv: I64, installed: F32, s: F, racks: F, vend: F, vo: F32, vendor_out: bool, b0: int,
    t: int, lo: int, hi: int,
) -> None:  # fmt: skip
    """Stage 4b: racks go into free powered shells, ``x = max(min(racks, powered − online), 0)``
    (``s[X]``), pro rata over the channels."""
    nkept = installed.shape[2]
    for d in range(lo, hi):
        ri = t - dv[LIFE, d]
        r0 = racks[0, d]
        x = max(min(r0, s[POWERED, d] - s[ONLINE, d]), 0.0)
        ratio = x / (r0 if r0 > EPS_MW else INF)
        inst = racks[0, d] * ratio
        racks[0, d] -= inst
        installed[t, d, 0] = inst
        inst = racks[1, d] * ratio
        racks[1, d] -= inst
        s[HONLINE, d] += inst
        installed[t, d, 1] = inst
        if vendor_out:
            for ch in range(2, racks.shape[0]):
                inst = racks[ch, d] * ratio
                racks[ch, d] -= inst
                installed[t, d, ch] = inst
                ret_v = np.float64(installed[ri, d, ch]) if ri >= 0 else 0.0
                u = vend[0, ch - 2, d] + inst
                o = vend[1, ch - 2, d] + (inst - ret_v)
                vend[0, ch - 2, d] = u
                vend[1, ch - 2, d] = o
                vo[0, b0 + d, t, ch - 2] = u
                vo[1, b0 + d, t, ch - 2] = o
        else:
            for ch in range(2, racks.shape[0]):
                inst = racks[ch, d] * ratio
                racks[ch, d] -= inst
                if ch < nkept:
                    installed[t, d, ch] = inst
        s[ONLINE, d] += x
        s[WIP, d] -= x
        s[X, d] = x


@njit(cache=True, nogil=True, error_model="numpy")
def _cumulate(
    dv: I64, shipped: F32, shipped0: F32, cum: F, s: F, racks: F, has_demand: bool,
    writeoff_wk: int, t: int, lo: int, hi: int,
) -> None:  # fmt: skip
    """Stage 4c: cumulative installs (demand-driven orders read them) and write-offs: racks
    waiting longer than ``writeoff_wk`` go first in first out,
    ``w = clip(A(t − age) − X(t), 0, Q)`` (``demand.rules.writeoff_fifo``)."""
    ms = shipped.shape[1] - 1  # a ring of 2^k weeks
    for d in range(lo, hi):
        x = s[X, d]
        if has_demand:
            cum[0, t, d] = (cum[0, t - 1, d] if t else 0.0) + x
        if writeoff_wk > 0:
            lag = dv[LAG, d]
            arrived = np.float64(shipped[0, (t - lag) & ms, d] if t >= lag else shipped0[0, d])
            cum[1, t, d] = (cum[1, t - 1, d] if t else 0.0) + arrived
            s[REMOVED, d] += x
            aged = cum[1, t - writeoff_wk, d] if t >= writeoff_wk else 0.0
            r0 = racks[0, d]
            wo = min(max(aged - s[REMOVED, d], 0.0), r0)
            ratio = wo / (r0 if r0 > EPS_MW else INF)
            for ch in range(racks.shape[0]):
                racks[ch, d] -= racks[ch, d] * ratio
            s[REMOVED, d] += wo
            s[WIP, d] -= wo
            s[WRITTEN, d] = wo


@njit(cache=True, nogil=True, error_model="numpy")
def _record(
    cg: F, ct: F, cxg: F, cxo: F, s: F, racks: F, lab: I8, flag: B, out: F32, codes: I64,
    keep_e: bool, b0: int, t: int, lo: int, hi: int,
) -> None:  # fmt: skip
    """The week's shell label, stocks and flows, and the smoothed room the market makes,
    ``f ← f + (room − f) / 13`` with room = IT MW energised + retired."""
    for d in range(lo, hi):
        q_g = s[QG, d]
        q_o = s[QO, d]
        if keep_e:
            q_g = q_g + s[QNG, d]
            q_o = q_o + s[QNO, d]
        flag[1, t, d] = racks[0, d] > EPS_MW
        if q_g + q_o > EPS_MW:
            if q_g > EPS_MW:
                label = codes[C_GRID] if cg[t, d] <= cxg[t, d] else codes[C_TRANSFORMERS]
            else:
                label = codes[C_GAS] if ct[t, d] <= cxo[t, d] else codes[C_TRANSFORMERS]
        else:
            label = codes[C_CONSTRUCTION]
        lab[1, t, d] = label
        col = b0 + d
        r = s[RET, d]
        out[O_ONLINE, t, col] = np.float32(s[ONLINE, d]) * GW
        out[O_ADDED, t, col] = np.float32(s[X, d]) * GW
        out[O_RETIRED, t, col] = np.float32(r) * GW
        out[O_HONLINE, t, col] = np.float32(s[HONLINE, d]) * MILLION
        out[O_RACKSW, t, col] = np.float32(racks[0, d]) * GW
        out[O_UNPOW, t, col] = np.float32(q_g + q_o + s[PEND, d]) * GW
        out[O_EMPTY, t, col] = np.float32(s[POWERED, d] - s[ONLINE, d]) * GW
        out[O_WRITTEN, t, col] = np.float32(s[WRITTEN, d]) * GW
        room = s[EG, d] + s[EO, d] + r
        if keep_e:
            room = room + s[ENG, d] + s[ENO, d]
        if t == 0:
            s[FREED, d] = room
        else:
            s[FREED, d] += (room - s[FREED, d]) / FREED_SMOOTH_WK


@njit(cache=True, nogil=True, error_model="numpy")
def _run_chunk(
    caps0: F32, caps1: F32, caps2: F32, req0: F, req1: F, req2: F, mix: F, it_w: F,
    h_unit: F, sku_v: I64, mw_unit: F, h_per_unit: F, orders: F, demand: F, rack_cap: F,
    build: F32, allowance: F, cg: F, ct: F, cxg: F, cxo: F, new_g: F, new_o: F, direct: F,
    dv: I64, fv: F, fill: F32, pipe: F32, installed: F32, cum: F, lab: I8, flag: B, en: F,
    s: F, acc: F, racks: F, prodv: F, vend: F, out: F32, vo: F32, codes: I64,
    opts: B, backlog_wk: float, writeoff_wk: int, b0: int, lo: int, hi: int, bys: F, us: F,
    genh: F, gsh: F, dly: I32, qr: F, pg: F, pgy: F, yi: I64, hist: int,
) -> None:  # fmt: skip
    """Draws ``lo:hi`` through every week, stage by stage over the chunk's draws.
    ``opts`` = [capped, track_v, vendor_out, keep_e, has_allow, has_demand, gate_demand,
    *pooled] (``gate_demand``: industry demand gates uncapped chip starts; ``pooled[v]``:
    vendor ``v`` is on the pooled chip tiers, ``batch.pooled_vendors``)."""
    capped, track_v, vendor_out = opts[0], opts[1], opts[2]
    keep_e, has_allow, has_demand, gate_demand = opts[3], opts[4], opts[5], opts[6]
    made, shipped, made0, shipped0 = pipe[0], pipe[1], fill[0], fill[1]
    scr = np.zeros((4, max(prodv.shape[0], 1)))
    vs = _vendor_skus(sku_v, scr.shape[1])
    for t in range(mix.shape[0]):
        _chip_units(caps0, caps1, caps2, req0, req1, req2, s, lab, t, lo, hi)
        if capped:
            _start_capped(
                mix, it_w, h_unit, sku_v, mw_unit, orders, demand, dv, fv, made, cum[0], lab,
                codes, has_demand, s, prodv, scr, bys, t, lo, hi, opts[N_OPTS:], vs,
            )  # fmt: skip
        else:
            _start_uncapped(
                mix, it_w, h_unit, sku_v, mw_unit, h_per_unit, dv, made, lab, track_v,
                backlog_wk, s, scr, us, t, lo, hi, demand, fv, cum[0], prodv, codes,
                gate_demand, vs,
            )  # fmt: skip
        _build(rack_cap, dv, made, shipped, made0, flag[0], acc, out, b0, t, lo, hi)
        _energise(
            build, allowance, cg, ct, cxg, cxo, new_g, new_o, direct, fv, en, s, has_allow,
            keep_e, t, lo, hi, genh, gsh, dly, qr, pg, pgy, yi, hist,
        )  # fmt: skip
        _retire_and_arrive(dv, fv, shipped, shipped0, installed, s, racks, t, lo, hi)
        _install(dv, installed, s, racks, vend, vo, vendor_out, b0, t, lo, hi)
        _cumulate(dv, shipped, shipped0, cum, s, racks, has_demand, writeoff_wk, t, lo, hi)
        _record(cg, ct, cxg, cxo, s, racks, lab, flag, out, codes, keep_e, b0, t, lo, hi)


@njit(cache=True, parallel=True, error_model="numpy")
def run_weeks(
    caps0: F32, caps1: F32, caps2: F32, req0: F, req1: F, req2: F, mix: F, it_w: F,
    h_unit: F, sku_v: I64, mw_unit: F, h_per_unit: F, orders: F, demand: F, rack_cap: F,
    build: F32, allowance: F, cg: F, ct: F, cxg: F, cxo: F, new_g: F, new_o: F, direct: F,
    dv: I64, fv: F, fill: F32, pipe: F32, installed: F32, cum: F, lab: I8, flag: B, en: F,
    s: F, acc: F, racks: F, prodv: F, vend: F, out: F32, vo: F32, codes: I64,
    opts: B, backlog_wk: float, writeoff_wk: int, b0: int, bounds: I64, bys: F, us: F,
    genh: F, gsh: F, dly: I32, qr: F, pg: F, pgy: F, yi: I64, hist: int,
) -> None:  # fmt: skip
    """The weekly loop over all draws of the batch, in place: one parallel region, the draws
    split into fixed chunks (``prange``), each chunk run through every week.

    ``out`` ``[N_OUT, W, D]`` (columns ``b0 + d``), ``vo`` ``[2, D, W, V]`` when vendor detail
    is kept; ``bys`` ``[chunks, W, S]`` and ``us`` ``[chunks, W]`` collect the per-SKU totals.
    Regions, draw-major (a draw's regional state in a few cache lines): ``genh`` ``[n, W]``
    generic shells built by week, ``gsh`` ``[n, R]`` the shares, ``dly`` ``[n, 2, R]`` the
    waits, ``qr`` ``[n, 2, R]`` the queues, ``pg`` ``[n, R]`` generic powered shells, ``pgy``
    ``[n, Y, 2, R]`` those at year ends and summed per year; ``yi`` ``[W]`` each week's year.
    """
    for c in prange(bounds.shape[0] - 1):
        _run_chunk(
            caps0, caps1, caps2, req0, req1, req2, mix, it_w, h_unit, sku_v, mw_unit,
            h_per_unit, orders, demand, rack_cap, build, allowance, cg, ct, cxg, cxo, new_g,
            new_o, direct, dv, fv, fill, pipe, installed, cum, lab, flag, en, s, acc, racks,
            prodv, vend, out, vo, codes, opts, backlog_wk, writeoff_wk, b0, bounds[c],
            bounds[c + 1], bys[c], us[c], genh, gsh, dly, qr, pg, pgy, yi, hist,
        )  # fmt: skip
