"""The weekly supply engine, vectorised over draws.

The chain is a tandem of lossless FIFO stages (chips → racks → installation), so the cumulative
output of each capacity-limited stage has the closed min-plus form (network calculus)

    B(t) = CR(t) + min(0, min_{τ≤t} [A(τ) − CR(τ)])

where ``A`` is the stage's cumulative input and ``CR`` its cumulative capacity.  That makes chip
production and rack assembly array operations over weeks.  Shell energisation and installation
share state (free powered space depends on retirements), so they run in a loop over weeks —
still vectorised over draws.  Arrays are time-major (``[W, n]``) inside the engine so every
per-week read and write is contiguous.  Every IT MW online traces back to an accelerator
produced, a rack built, and a shell built and energised.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from ..units import HOURS_PER_WEEK
from .inputs import CHIP_TIERS, TIERS, ModelInputs

F = NDArray[np.float64]
Int = NDArray[np.int64]
EPS_MW = 1e-6
CODE = {t: i for i, t in enumerate(TIERS)}
HEADLINE = (
    "it_gw_online",
    "facility_gw_online",
    "it_gw_added",
    "facility_gw_added",
    "it_gw_retired",
    "h100e_online_m",
    "h100e_produced_m",
    "it_gw_produced",
    "accelerators_waiting_gw",
    "racks_waiting_gw",
    "shells_unpowered_gw",
    "shells_empty_gw",
    "energy_twh",
)


def lag_tm(x: NDArray[Any], lag: Int, fill: Any = 0.0) -> NDArray[Any]:
    """Time-major lag: ``out[t, d] = x[t − lag[d], d]``, ``fill`` (scalar or per draw) before t=0."""
    w = x.shape[0]
    idx = np.arange(w)[:, None] - lag[None, :]
    out = np.take_along_axis(
        x, np.clip(idx, 0, w - 1).reshape(idx.shape + (1,) * (x.ndim - 2)), axis=0
    )
    before = (idx < 0).reshape(idx.shape + (1,) * (x.ndim - 2))
    fill_arr = np.asarray(fill)
    if fill_arr.ndim == 1:
        fill_arr = fill_arr.reshape((1, -1) + (1,) * (x.ndim - 2))
    return np.where(before, fill_arr, out)


def minplus_tm(cum_in: F, cum_cap: F) -> F:
    """Cumulative output of a lossless FIFO stage with capacity, time on axis 0."""
    return cum_cap + np.minimum.accumulate(np.minimum(cum_in - cum_cap, 0.0), axis=0)


def fifo_position(level: F, cum_in: F) -> tuple[Int, Int, F]:
    """Where cumulative flow ``level`` falls in the non-decreasing ``cum_in`` (both [n, W]).

    FIFO accounting: the first ``level`` MW out of a chain are the first ``level`` MW in, so any
    quantity carried with the flow (H100e, vendor MW) follows by interpolation at this position.
    Returns flat (lo, hi) indices into rows ``[0, cum_in]`` of width W+1, and the fraction.
    """
    d, w = cum_in.shape
    xs = np.concatenate([np.zeros((d, 1)), cum_in], axis=1)
    # rows become [d, d+1): one sorted array, searched once, precise to ~1e-12 of each row
    scale = 1.0 / (xs[:, -1:] * (1 + 1e-9) + 1e-9)
    off = np.arange(d, dtype=float)[:, None]
    flat = (xs * scale + off).ravel()
    q = (np.minimum(level, xs[:, -1:]) * scale + off).ravel()
    n = w + 1
    first = np.repeat(np.arange(d) * n, level.shape[1])
    j = np.searchsorted(flat, q, side="left")
    lo = np.clip(j - 1, first, first + n - 1)
    hi = np.clip(j, first, first + n - 1)
    span = flat[hi] - flat[lo]
    frac = np.clip(np.where(span > 0, (q - flat[lo]) / np.where(span > 0, span, 1.0), 1.0), 0.0, 1.0)
    return lo, hi, frac.reshape(level.shape)


def fifo_values(pos: tuple[Int, Int, F], cum_vals: NDArray[np.floating]) -> NDArray[np.floating]:
    """Interpolate cumulative quantities ``cum_vals`` [n, W, K] at FIFO positions → [n, W, K]."""
    lo, hi, frac = pos
    d, w, k = cum_vals.shape
    vs = np.concatenate([np.zeros((d, 1, k), dtype=cum_vals.dtype), cum_vals], axis=1).reshape(
        d * (w + 1), k
    )
    a = vs[lo]
    out = a + frac.reshape(-1, 1).astype(cum_vals.dtype) * (vs[hi] - a)
    return out.reshape((*frac.shape, k))


def first_week_reaching(cum: F, level: F) -> Int:
    """First week index where ``cum[d, :] ≥ level[d, p]`` (−1 if never); ``cum`` non-decreasing."""
    d, w = cum.shape
    big = float(np.max(cum, initial=0.0)) + float(np.max(level, initial=0.0)) + 1.0
    off = np.arange(d, dtype=float)[:, None] * big
    flat = (cum + off).ravel()
    j = np.searchsorted(flat, (level - 1e-6 + off).ravel(), side="left").reshape(level.shape)
    j = j - np.arange(d)[:, None] * w
    return np.where(j < w, j, -1).astype(np.int64)


@dataclass
class _Batch:
    """Per-batch results: time-major [W, n] columns, vendor arrays [n, W, V]."""

    cols: dict[str, F]
    binding: NDArray[np.int8]
    vendor_online: NDArray[np.float32] | None
    vendor_delivered: NDArray[np.float32] | None
    phase_week: Int


def _chips(
    inp: ModelInputs, sl: slice, vendor_detail: bool
) -> tuple[F, F, NDArray[np.int8], NDArray[np.floating] | None]:
    """Tiers 1–4: accelerators completed per week, IT MW and H100e, and the binding chip tier.

    units(t) = min_k cap_k(t) / Σ_s m[t,s]·r_{k,s}   (accelerators per week)

    with r_logic = 1/packages per logic wafer, r_cowos = 1/good packages per CoWoS wafer,
    r_hbm = HBM stacks per package.  In buyer scope, cumulative IT MW by vendor is capped by the
    contracted orders: P(t) = S(t) + min(0, min_{τ≤t}[O(τ) − S(τ)]).
    Returns time-major ``prod_mw``, ``prod_h``, ``chip_bind``; cumulative vendor MW including the
    pipeline work in progress at t0, ``[n, W, V]`` (or None); and that work in progress, IT MW,
    in total ``[n]`` and by vendor ``[n, V]`` (or None).
    """
    mix = inp.mix
    n, w = inp.pue[sl].shape[0], inp.n_weeks
    onehot = (np.array(inp.sku_vendor)[:, None] == np.array(inp.vendors)[None, :]).astype(float)
    reqs = (
        mix @ (1.0 / inp.packages_per_logic_wafer[sl]).T,
        mix @ (1.0 / inp.good_packages_per_cowos_wafer[sl]).T,
        mix @ inp.hbm_stacks_per_unit[sl].T,
    )
    units = np.full((w, n), np.inf)
    chip_bind = np.zeros((w, n), dtype=np.int8)
    for k, tier in enumerate(CHIP_TIERS):
        u_k = inp.capacity(tier)[sl].T / np.maximum(reqs[k], 1e-12)
        chip_bind[u_k < units] = CODE[tier]
        np.minimum(units, u_k, out=units)
    it_w, h_unit = inp.it_w[sl], inp.h100e_per_unit[sl]
    mw_unit = (mix @ it_w.T) / 1e6
    lc = inp.chip_lead_wk[sl].astype(float)
    orders = inp.orders_it_mw_cum[sl]
    capped = bool(np.isfinite(orders).any())
    if capped:
        # contracts date deliveries; production must lead them by the chain's lead time
        lead = (inp.chip_lead_wk[sl] + inp.rack_lead_wk[sl] + inp.install_lead_wk[sl])[:, None]
        ahead = np.minimum(np.arange(inp.n_weeks)[None, :] + lead, inp.n_weeks - 1)
        orders = np.take_along_axis(orders, ahead[..., None], axis=1)
    if not (capped or vendor_detail):
        prod_mw = units * mw_unit
        return prod_mw, units * (mix @ h_unit.T), chip_bind, None, lc * prod_mw[0], None
    # IT MW per accelerator by vendor: Σ_{s∈v} m[t,s]·it_w[d,s]  → [n, W, V]
    vmw = np.stack([(it_w * onehot[:, j]) @ mix.T for j in range(onehot.shape[1])], axis=2) / 1e6
    supply_v = units.T[..., None] * vmw
    if not capped:  # vendor detail only: float32 is plenty for reporting deliveries by vendor
        prod_mw = units * mw_unit
        wip_v = lc[:, None] * supply_v[:, 0, :]
        cum = np.cumsum(supply_v.astype(np.float32), axis=1) + wip_v[:, None, :].astype(np.float32)
        return prod_mw, units * (mix @ h_unit.T), chip_bind, cum, lc * prod_mw[0], wip_v.astype(np.float32)
    # The pipeline starts full (lc weeks of week-0 output, made before the horizon); it counts
    # against the orders first.  Cumulative production including it, capped by orders O:
    #   P(t) = S(t) + min(0, min_{τ≤t} [O(τ) − S(τ)]),  S(−1) = lc·s(0)
    s_ext = np.concatenate([(lc[:, None] * supply_v[:, 0, :])[:, None, :], supply_v], axis=1)
    s_cum = np.cumsum(s_ext, axis=1)
    o_ext = np.concatenate([orders[:, :1, :], orders], axis=1)
    p_cum = s_cum + np.minimum.accumulate(np.minimum(o_ext - s_cum, 0.0), axis=1)
    p_cum = np.maximum.accumulate(np.maximum(p_cum, 0.0), axis=1)
    prod_v = np.diff(p_cum, axis=1, prepend=0.0)
    wip_v = prod_v[:, 0, :]
    prod_v = prod_v[:, 1:, :]
    vh = np.stack([(h_unit * onehot[:, j]) @ mix.T for j in range(onehot.shape[1])], axis=2)
    h_per_mw = np.where(vmw > 0, vh / np.where(vmw > 0, vmw, 1.0), 0.0)
    prod_mw = prod_v.sum(axis=2).T
    prod_h = (prod_v * h_per_mw).sum(axis=2).T
    chip_bind[prod_mw < units * mw_unit * (1 - 1e-9) - EPS_MW] = CODE["orders"]
    return prod_mw, prod_h, chip_bind, p_cum[:, 1:, :], wip_v.sum(axis=1), wip_v.astype(np.float32)


def _simulate_batch(inp: ModelInputs, sl: slice, vendor_detail: bool) -> _Batch:
    n, w = inp.pue[sl].shape[0], inp.n_weeks
    prod_mw, prod_h, chip_bind, prod_v_cum, wip, wip_v = _chips(inp, sl, vendor_detail)
    prod_cum = np.cumsum(prod_mw, axis=0)

    # --- tier 5: racks (IT MW per week), fed by accelerators after the chip lead time ---------
    # The chip pipeline starts full: ``wip`` MW (lc weeks of week-0 output, made before the
    # horizon) complete during the first lc weeks, so early weeks are not starved by the lead.
    lc, lr, li = inp.chip_lead_wk[sl], inp.rack_lead_wk[sl], inp.install_lead_wk[sl]
    t_idx = np.arange(w)[:, None]
    p0 = np.where(lc > 0, wip / np.maximum(lc, 1), 0.0)
    a1 = lag_tm(prod_cum, lc) + np.minimum(t_idx + 1, lc[None, :]) * p0[None, :]
    b_cum = minplus_tm(a1, np.cumsum(inp.cap_rack_it_mw_per_wk[sl].T, axis=0))
    acc_waiting = a1 - b_cum
    site_lag = lr + li
    a2 = np.diff(lag_tm(b_cum, site_lag), axis=0, prepend=0.0)  # racks on site, ready to install
    # if racks run short at t, the stage that limited them upstream is to blame
    supply_label = np.where(
        lag_tm(acc_waiting > EPS_MW, site_lag, 0.0) > 0,
        CODE["rack_assembly"],
        lag_tm(chip_bind, site_lag + lc, chip_bind[0]),
    )

    # --- tiers 6-7: shells (generic construction + named phases) awaiting energisation -------
    pue = inp.pue[sl]
    onsite = inp.onsite_power_share[sl]
    build = inp.cap_construction_it_mw_per_wk[sl].T
    new_g = build * (1.0 - onsite)[None, :]
    new_o = build * onsite[None, :]
    if inp.phase_ids:
        pw = inp.phase_power_wk[sl]
        pmw = inp.phase_it_mw[sl]
        cols = np.broadcast_to(np.arange(n)[:, None], pw.shape)
        on = np.broadcast_to(inp.phase_onsite[None, :], pw.shape)
        wk = np.clip(pw, 0, w - 1)
        for target, m in ((new_g, (pw < w) & ~on), (new_o, (pw < w) & on)):
            np.add.at(target, (wk[m], cols[m]), pmw[m])
    # Transformer supply is split between grid-connected and on-site shells in the proportion
    # new shells are powered (the on-site share): two independent queues keep energisation
    # monotone in every capacity (a shared pool served by priority would not be).
    cx = inp.cap_transformers_fac_mw_per_wk[sl].T / pue
    cxg, cxo = cx * (1.0 - onsite)[None, :], cx * onsite[None, :]
    cg = inp.cap_grid_fac_mw_per_wk[sl].T / pue
    ct = inp.cap_gas_turbines_fac_mw_per_wk[sl].T / pue

    # --- tiers 8-9: energisation, installation, retirement — week by week ------------------
    life = inp.life_wk[sl]
    fleet0 = inp.fleet_it_mw0[sl]
    init_step = np.where(life > 0, fleet0 / np.maximum(life, 1), fleet0)
    init_online = np.maximum(fleet0[None, :] - init_step[None, :] * (t_idx + 1), 0.0)
    r_init = -np.diff(init_online, axis=0, prepend=fleet0[None, :])  # initial fleet retiring
    rows = np.arange(n)
    ret_sched = np.zeros((w + int(life.max(initial=0)) + 1, n))
    q_g, q_o, rack_inv = np.zeros(n), np.zeros(n), np.zeros(n)
    powered, online = fleet0.astype(float).copy(), fleet0.astype(float).copy()
    e_g, e_o, x = np.empty(n), np.empty(n), np.empty(n)
    inst, e_g_t, e_o_t, qg_t, qo_t, rack_t, online_t, powered_t = (
        np.empty((w, n)) for _ in range(8)
    )
    for t in range(w):
        q_g += new_g[t]
        q_o += new_o[t]
        np.minimum(q_g, cg[t], out=e_g)
        np.minimum(e_g, cxg[t], out=e_g)
        np.minimum(q_o, ct[t], out=e_o)
        np.minimum(e_o, cxo[t], out=e_o)
        q_g -= e_g
        q_o -= e_o
        powered += e_g
        powered += e_o
        online -= r_init[t]
        online -= ret_sched[t]
        rack_inv += a2[t]
        np.minimum(rack_inv, powered - online, out=x)
        np.maximum(x, 0.0, out=x)
        rack_inv -= x
        online += x
        ret_sched[t + life, rows] += x  # this vintage retires after its useful life
        inst[t], e_g_t[t], e_o_t[t], qg_t[t], qo_t[t] = x, e_g, e_o, q_g, q_o
        rack_t[t], online_t[t], powered_t[t] = rack_inv, online, powered
    retired = r_init + ret_sched[:w]

    # binding: racks left waiting ⇒ shells bound (the power tier when built shells await power,
    # else construction); otherwise supply bound (rack assembly or the chip tier upstream).
    power_label = np.where(
        qg_t > EPS_MW,
        np.where(cg <= cx, CODE["grid"], CODE["transformers"]),
        np.where(ct <= cx - e_g_t, CODE["gas_turbines"], CODE["transformers"]),
    )
    shell_label = np.where(qg_t + qo_t > EPS_MW, power_label, CODE["construction"])
    binding = np.where(rack_t > EPS_MW, shell_label, supply_label).astype(np.int8)

    # --- carry H100e and vendor MW with the flow (FIFO from production to installation) ------
    # The source is [pipeline WIP at t0 (week-0 composition), then production week by week].
    h_ratio0 = np.where(prod_mw[0] > 0, prod_h[0] / np.where(prod_mw[0] > 0, prod_mw[0], 1.0), 0.0)
    src_cum = np.concatenate([wip[:, None], wip[:, None] + prod_cum.T], axis=1)
    pos = fifo_position(np.cumsum(inst, axis=0).T, src_cum)
    h_wip = (wip * h_ratio0)[:, None]
    h_src = np.concatenate([h_wip, h_wip + np.cumsum(prod_h, axis=0).T], axis=1)
    inst_h_cum = fifo_values(pos, h_src[..., None])[..., 0].T
    h0 = inp.fleet_h100e0[sl]
    h_step = np.where(life > 0, h0 / np.maximum(life, 1), h0)
    h_online = (
        np.maximum(h0[None, :] - h_step[None, :] * (t_idx + 1), 0.0)
        + inst_h_cum
        - lag_tm(inst_h_cum, life)
    )
    vendor_online = vendor_delivered = None
    if vendor_detail and prod_v_cum is not None and wip_v is not None:
        v_src = np.concatenate([wip_v[:, None, :], prod_v_cum.astype(np.float32, copy=False)], axis=1)
        vendor_delivered = fifo_values(pos, v_src)
        vendor_online = vendor_delivered - np.swapaxes(lag_tm(np.swapaxes(vendor_delivered, 0, 1), life), 0, 1)

    # --- named phases: energised when their queue's cumulative energisation reaches them -----
    phase_week = np.zeros((n, 0), dtype=np.int64)
    if inp.phase_ids:
        pw = inp.phase_power_wk[sl]
        wk = np.clip(pw, 0, w - 1)
        weeks_g = first_week_reaching(
            np.cumsum(e_g_t, axis=0).T, np.take_along_axis(np.cumsum(new_g, axis=0).T, wk, axis=1)
        )
        weeks_o = first_week_reaching(
            np.cumsum(e_o_t, axis=0).T, np.take_along_axis(np.cumsum(new_o, axis=0).T, wk, axis=1)
        )
        phase_week = np.where(inp.phase_onsite[None, :], weeks_o, weeks_g)
        phase_week = np.where((pw < w) & (phase_week >= 0), np.maximum(phase_week, pw), -1)

    fac = pue[None, :]
    cols_out = {
        "it_gw_online": online_t / 1e3,
        "facility_gw_online": online_t * fac / 1e3,
        "it_gw_added": inst / 1e3,
        "facility_gw_added": inst * fac / 1e3,
        "it_gw_retired": retired / 1e3,
        "h100e_online_m": h_online / 1e6,
        "h100e_produced_m": lag_tm(prod_h, lc, p0 * h_ratio0) / 1e6,  # counted when completed
        "it_gw_produced": lag_tm(prod_mw, lc, p0) / 1e3,
        "accelerators_waiting_gw": acc_waiting / 1e3,
        "racks_waiting_gw": rack_t / 1e3,
        "shells_unpowered_gw": (qg_t + qo_t) / 1e3,
        "shells_empty_gw": (powered_t - online_t) / 1e3,
        "energy_twh": online_t * (fac * inp.load_factor[sl][None, :] * HOURS_PER_WEEK / 1e6),
    }
    return _Batch(
        cols_out,
        binding,
        None if vendor_online is None else vendor_online / np.float32(1e3),
        None if vendor_delivered is None else vendor_delivered / np.float32(1e3),
        phase_week,
    )


def simulate(inp: ModelInputs, *, vendor_detail: bool = True, batch: int = 4096) -> xr.Dataset:
    """Run the weekly engine for every draw of ``inp``.

    Parameters
    ----------
    inp : compiled inputs.
    vendor_detail : keep the ``[draw, week, vendor]`` variables (drop them for very large runs).
    batch : draws processed at once (bounds memory; results do not depend on it).

    Returns
    -------
    xr.Dataset with the variables of docs/interfaces.md: float32 (week-major storage, exposed
    as ``[draw, week]``), ``binding`` int8 codes into the ``tier`` coordinate.
    """
    d, w, v = inp.draws, inp.n_weeks, len(inp.vendors)
    out = {k: np.empty((w, d), dtype=np.float32) for k in HEADLINE}
    binding = np.empty((w, d), dtype=np.int8)
    vo = np.empty((d, w, v), dtype=np.float32) if vendor_detail else None
    vd = np.empty((d, w, v), dtype=np.float32) if vendor_detail else None
    pweek = np.empty((d, len(inp.phase_ids)), dtype=np.int32)
    for b0 in range(0, d, batch):
        sl = slice(b0, min(d, b0 + batch))
        res = _simulate_batch(inp, sl, vendor_detail)
        for k, arr in res.cols.items():
            out[k][:, sl] = arr
        binding[:, sl] = res.binding
        if (
            vo is not None
            and vd is not None
            and res.vendor_online is not None
            and res.vendor_delivered is not None
        ):
            vo[sl] = res.vendor_online
            vd[sl] = res.vendor_delivered
        pweek[sl] = res.phase_week
    counts = np.stack([(binding == i).sum(axis=0) for i in range(len(TIERS))], axis=1).astype(
        np.int32
    )
    coords = {
        "draw": np.arange(d),
        "week": inp.grid.weeks.values,
        "tier": list(TIERS),
        "vendor": list(inp.vendors),
        "phase": list(inp.phase_ids),
    }
    data: dict[str, tuple[tuple[str, ...], np.ndarray]] = {
        k: (("draw", "week"), out[k].T) for k in HEADLINE
    }
    data["binding"] = (("draw", "week"), binding.T)
    data["binding_weeks"] = (("draw", "tier"), counts)
    data["phase_power_week"] = (("draw", "phase"), pweek)
    data["phase_planned_week"] = (("phase",), inp.phase_planned_wk.astype(np.int32))
    data["phase_site"] = (("phase",), np.array(inp.phase_site, dtype=str))
    data["pue"] = (("draw",), inp.pue.astype(np.float32))
    data["load_factor"] = (("draw",), inp.load_factor.astype(np.float32))
    data["ai_demand_z"] = (("draw",), inp.demand_z.astype(np.float32))
    if vo is not None and vd is not None:
        data["it_gw_online_by_vendor"] = (("draw", "week", "vendor"), vo)
        data["it_gw_delivered_by_vendor"] = (("draw", "week", "vendor"), vd)
    ds = xr.Dataset(data, coords=coords)
    ds.attrs.update(
        scenario=inp.meta.get("scenario", ""),
        scope=inp.scope,
        seed=inp.seed,
        draws=d,
        goal_gw_per_week=inp.goal_gw_per_wk,
        goal_basis=inp.goal_basis,
        binding_codes=json.dumps(dict(enumerate(TIERS))),
        fleet_it_gw0_mean=float(inp.fleet_it_mw0.mean() / 1e3),
    )
    return ds
