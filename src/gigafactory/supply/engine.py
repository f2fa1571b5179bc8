"""The weekly supply engine, vectorised over draws.

One loop over weeks carries the state of every draw at once (arrays of length ``n`` that stay
in cache):

1. accelerators started = min over logic wafers, CoWoS and HBM of capacity ÷ requirement per
   accelerator of the week's mix (the argmin binds); in buyer scope each vendor's cumulative
   output is capped by its contracted orders, ``P(t) = min(P(t−1) + s(t), O(t))``;
2. after the chip lead time they join the accelerator inventory; rack assembly takes
   ``min(inventory, rack capacity)``; racks reach the site after the rack and install leads;
3. shells (generic construction and named site phases) queue for energisation — grid shells
   need grid interconnection, on-site shells need turbines, both need transformers;
4. racks go into free powered shells; installed IT retires after its useful life, freeing the
   shell for new racks.

Pipelines are ring buffers (FIFO); inventories mix pro rata, so H100e and vendor MW travel
with the MW.  The chip pipeline starts full (lead-time weeks of week-0 output, made before the
horizon).  Every IT MW online traces back to an accelerator produced, a rack built and a shell
built and energised.
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
#: weeks ahead of deliveries that a buyer's partners start shells (buyer scope with contracts)
SHELL_PLANNING_WK = 104
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


def first_week_reaching(cum: F, level: F) -> Int:
    """First week index where ``cum[d, :] ≥ level[d, p]`` (−1 if never); ``cum`` non-decreasing."""
    d, w = cum.shape
    scale = 1.0 / (
        np.maximum(cum[:, -1:], level.max(axis=1, keepdims=True, initial=0.0)) * (1 + 1e-9) + 1e-9
    )
    off = np.arange(d, dtype=float)[:, None]
    flat = (cum * scale + off).ravel()
    j = np.searchsorted(flat, ((level - 1e-6) * scale + off).ravel(), side="left").reshape(
        level.shape
    )
    j = j - np.arange(d)[:, None] * w
    return np.where(j < w, j, -1).astype(np.int64)


def _energised(inp: ModelInputs) -> NDArray[np.bool_]:
    """[P] phases energised in history (powered at their recorded date, not queued)."""
    if inp.phase_energised is None:
        return np.zeros(len(inp.phase_ids), dtype=bool)
    return np.asarray(inp.phase_energised, dtype=bool)


def shell_allowance(inp: ModelInputs, sl: slice = slice(None)) -> F | None:
    """How many generic shells (cumulative IT MW, ``[W, n]``) a buyer's partners may have built
    by each week, or None when they build at capacity (industry scope, or no contracts).

    Partners build for the contracts they can see: the buyer's fleet plus its cumulative orders
    due within the chain's lead time and ``SHELL_PLANNING_WK``, less the named site phases
    already arrived; the envelope never falls (a shell is not unbuilt).
    """
    orders = inp.orders_it_mw_cum[sl]
    if not np.isfinite(orders[:, -1, :]).any():
        return None
    w = inp.n_weeks
    lead = inp.chip_lead_wk[sl] + inp.rack_lead_wk[sl] + inp.install_lead_wk[sl]
    idx = np.minimum(np.arange(w)[None, :] + (lead + SHELL_PLANNING_WK)[:, None], w - 1)
    due = np.take_along_axis(orders.sum(axis=2), idx, axis=1)  # [n, W]
    named = np.zeros_like(due)
    if inp.phase_ids:
        pw, mw = inp.phase_power_wk[sl], inp.phase_it_mw[sl]
        for p in range(pw.shape[1]):  # arrived before week t (a loop over a handful of phases)
            named += np.where(np.arange(w)[None, :] > pw[:, p : p + 1], mw[:, p : p + 1], 0.0)
    return np.ascontiguousarray(np.maximum.accumulate(np.maximum(due - named, 0.0), axis=1).T)


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
class _Batch:
    """Per-batch extras not written straight into the output arrays."""

    binding: NDArray[np.int8]
    phase_week: Int
    by_sku: F  # [W, S] million accelerators started, summed over the batch's draws


def _simulate_batch(
    inp: ModelInputs,
    sl: slice,
    vendor_detail: bool,
    out: dict[str, NDArray[np.float32]],
    vendor_out: tuple[NDArray[np.float32], NDArray[np.float32]] | None,
    work: dict[str, NDArray[np.float32]] | None = None,
) -> _Batch:
    """Simulate draws ``sl``; series are written into ``out[name][:, sl]`` (time-major) and,
    with vendor detail, cumulative delivered and online IT MW by vendor into ``vendor_out``."""
    n, w = inp.pue[sl].shape[0], inp.n_weeks
    mix = inp.mix
    rows = np.arange(n)
    v = len(inp.vendors)
    onehot = (np.array(inp.sku_vendor)[:, None] == np.array(inp.vendors)[None, :]).astype(float)

    # --- per-week requirements of the mix, time-major [W, n] ----------------------------------
    reqs = (
        mix @ (1.0 / inp.packages_per_logic_wafer[sl]).T,
        mix @ (1.0 / inp.good_packages_per_cowos_wafer[sl]).T,
        mix @ inp.hbm_stacks_per_unit[sl].T,
    )
    caps = [inp.capacity(k)[sl].T for k in CHIP_TIERS]
    it_w, h_unit = inp.it_w[sl], inp.h100e_per_unit[sl]
    mw_unit = (mix @ it_w.T) / 1e6  # IT MW per accelerator of the week's mix, [W, n]
    h_per_unit = mix @ h_unit.T  # H100e per accelerator, [W, n]
    orders = inp.orders_it_mw_cum[sl]
    capped = bool(np.isfinite(orders[:, -1, :]).any())  # a capped vendor is finite at the end
    lc, lr, li = inp.chip_lead_wk[sl], inp.rack_lead_wk[sl], inp.install_lead_wk[sl]
    site_lag = lr + li
    # contracts date deliveries; production must lead them by the chain's lead time
    lead = lc + site_lag

    def by_vendor(t: int, per_unit: F) -> F:
        """[n, V]: Σ_{s∈v} m[t,s]·x[d,s] — per accelerator of week t's mix, by vendor."""
        return np.asarray(per_unit @ (mix[t][:, None] * onehot))

    rack_cap = inp.cap_rack_it_mw_per_wk[sl].T
    pue = inp.pue[sl]
    onsite = inp.onsite_power_share[sl]
    build = inp.cap_construction_it_mw_per_wk[sl].T
    # named phases join the queues at their power-ready week (added to new_g / new_o below);
    # generic shells are added in the loop, at capacity — or, for a buyer with contracts, only
    # while shells (built, queued or powered) are short of what the contracts can fill
    new_g = np.zeros((w, n))
    new_o = np.zeros((w, n))
    allowance = shell_allowance(inp, sl)
    built_generic, gen = np.zeros(n), np.empty(n)
    direct = np.zeros((w, n))  # phases energised in history: powered at their date, no queue
    if inp.phase_ids:
        pw = inp.phase_power_wk[sl]
        cols = np.broadcast_to(rows[:, None], pw.shape)
        on = np.broadcast_to(inp.phase_onsite[None, :], pw.shape)
        known = np.broadcast_to(_energised(inp)[None, :], pw.shape)
        wk = np.clip(pw, 0, w - 1)
        for target, m in (
            (new_g, (pw < w) & ~on & ~known),
            (new_o, (pw < w) & on & ~known),
            (direct, (pw < w) & known),
        ):
            np.add.at(target, (wk[m], cols[m]), inp.phase_it_mw[sl][m])
    # Transformer supply is split between grid-connected and on-site shells in the on-site
    # share: two independent queues keep energisation monotone in every capacity (a shared
    # pool served by priority would not be).
    cx = inp.cap_transformers_fac_mw_per_wk[sl].T / pue
    cxg, cxo = cx * (1.0 - onsite), cx * onsite
    cg = inp.cap_grid_fac_mw_per_wk[sl].T / pue
    ct = inp.cap_gas_turbines_fac_mw_per_wk[sl].T / pue
    life = inp.life_wk[sl]
    fleet0 = inp.fleet_it_mw0[sl].astype(float)
    h0 = inp.fleet_h100e0[sl].astype(float)
    init_step = np.where(life > 0, fleet0 / np.maximum(life, 1), fleet0)
    h_step = np.where(life > 0, h0 / np.maximum(life, 1), h0)

    # --- state ------------------------------------------------------------------------------
    # Channels carried with the flow: [IT MW, H100e, IT MW by vendor…] (vendors only if asked
    # or capped), channel-first so every per-week row is contiguous.  Pipelines are histories
    # read back at t − lag (one gather per week); float32 is ample for weekly flows, stocks
    # and cumulative totals stay float64.
    track_v = vendor_detail or capped
    if not vendor_detail:
        vendor_out = None
    k = 2 + (v if track_v else 0)
    kr = 2 + (v if vendor_detail else 0)  # channels that must be retired by vintage
    l1, l2 = int(lc.max(initial=0)), int(site_lag.max(initial=0))
    lmax = int(life.max(initial=0))
    made = _zeroed(work, "made", (k, l1 + w, n))  # accelerators started, completing at t+lc
    shipped = _zeroed(work, "shipped", (k, l2 + w, n))  # racks leaving assembly
    # installs by week, draw-major channels: the retirement gather reads rows scattered over
    # many vintages, so each draw's channels sit together in one cache line
    installed = _zeroed(work, "installed", (lmax + w, n, kr))
    acc = np.zeros((k, n))  # accelerators waiting for rack assembly
    racks = np.zeros((k, n))  # racks on site waiting for a powered shell
    prod_v_cum = np.zeros((n, v))
    # Pipelines start full: lc weeks of week-0 accelerators and site_lag weeks of racks are in
    # flight at the horizon start (made before it).  In buyer scope that work in progress
    # counts against the orders first: its weekly rate is at most orders ÷ (lc + site_lag).
    u0 = np.min([caps[j][0] / np.maximum(reqs[j][0], 1e-12) for j in range(3)], axis=0)
    vmw0 = by_vendor(0, it_w) / 1e6
    p0_v = u0[:, None] * vmw0
    if capped:
        p0_v = np.minimum(
            p0_v, orders[rows, np.minimum(lead, w - 1)] / np.maximum(lead, 1)[:, None]
        )
    p0 = p0_v.sum(axis=1)
    r0 = np.minimum(p0, rack_cap[0])
    hpm0 = by_vendor(0, h_unit) / np.where(vmw0 > 0, vmw0, np.inf)
    h_ratio0 = (p0_v * hpm0).sum(axis=1) / np.maximum(p0, 1e-12)
    comp = np.concatenate(
        [np.ones((1, n)), h_ratio0[None, :], (p0_v / np.maximum(p0, 1e-12)[:, None]).T[: k - 2]],
        axis=0,
    )
    made[:, :l1] = (p0[None, :] * comp)[:, None, :]  # rows before lc are never read
    shipped[:, :l2] = (r0[None, :] * comp)[:, None, :]
    if capped:
        prod_v_cum += ((lc * p0 + site_lag * r0)[None, :] * comp[2:]).T
    q_g, q_o = np.zeros(n), np.zeros(n)
    powered, online, h_online = fleet0.copy(), fleet0.copy(), h0.copy()
    init_left, h_init_left = fleet0.copy(), h0.copy()
    e_g, e_o, x = np.empty(n), np.empty(n), np.empty(n)
    chip_bind = np.empty((w, n), dtype=np.int8)
    rack_lim = np.empty((w, n), dtype=bool)
    shell_label = np.empty((w, n), dtype=np.int8)
    racks_wait = np.empty((w, n), dtype=bool)
    delivered_v, online_v = np.zeros((n, v)), np.zeros((n, v))
    keep_e = bool(inp.phase_ids)
    e_g_t = np.empty((w, n)) if keep_e else None
    e_o_t = np.empty((w, n)) if keep_e else None
    o = {name: arr[:, sl] for name, arr in out.items()}
    if vendor_out is not None:
        vendor_out = (vendor_out[0][sl], vendor_out[1][sl])
    by_sku = np.zeros((w, len(inp.skus)))  # million accelerators started, summed over draws
    sku_vendor = np.array([inp.vendors.index(x) for x in inp.sku_vendor])
    c_grid, c_tx, c_turb, c_cons = (
        CODE["grid"],
        CODE["transformers"],
        CODE["gas_turbines"],
        CODE["construction"],
    )

    for t in range(w):
        # 1. accelerators started this week, limited by the tightest chip tier (and orders)
        units = caps[0][t] / np.maximum(reqs[0][t], 1e-12)
        code = np.zeros(n, dtype=np.int8)
        for j in (1, 2):
            u_j = caps[j][t] / np.maximum(reqs[j][t], 1e-12)
            code[u_j < units] = j
            np.minimum(units, u_j, out=units)
        if capped:
            vmw_t = by_vendor(t, it_w) / 1e6
            sup_v = units[:, None] * vmw_t
            cap_v = orders[rows, np.minimum(t + lead, w - 1)]
            got = np.maximum(np.minimum(prod_v_cum + sup_v, cap_v) - prod_v_cum, 0.0)
            mw = got.sum(axis=1)
            code[mw < units * mw_unit[t] * (1 - 1e-9) - EPS_MW] = CODE["orders"]
            prod_v_cum += got
            made[0, l1 + t] = mw
            hpm = by_vendor(t, h_unit) / np.where(vmw_t > 0, vmw_t, np.inf)
            made[1, l1 + t] = (got * hpm).sum(axis=1)
            made[2:, l1 + t] = got.T
            # accelerators by SKU: each vendor's SKUs scaled by the share of its supply ordered
            kept = np.where(sup_v > 0, got / np.where(sup_v > 0, sup_v, 1.0), 0.0)
            by_sku[t] = (units[:, None] * kept[:, sku_vendor] * mix[t][None, :]).sum(axis=0) / 1e6
        else:
            made[0, l1 + t] = units * mw_unit[t]
            made[1, l1 + t] = units * h_per_unit[t]
            if track_v:
                made[2:, l1 + t] = (units[:, None] * (by_vendor(t, it_w) / 1e6)).T
            by_sku[t] = units.sum() * mix[t] / 1e6
        chip_bind[t] = code
        # 2. completions (started lc weeks ago) join the accelerator inventory; racks are built
        arrive = made[:, l1 + t - lc, rows]
        o["it_gw_produced"][t] = arrive[0]
        o["h100e_produced_m"][t] = arrive[1]
        acc += arrive
        built = np.minimum(acc[0], rack_cap[t])
        moved = acc * (built / np.where(acc[0] > EPS_MW, acc[0], np.inf))
        acc -= moved
        shipped[:, l2 + t] = moved
        rack_lim[t] = acc[0] > EPS_MW
        o["accelerators_waiting_gw"][t] = acc[0]
        # 3. shells queue for energisation: grid shells need grid and transformers, on-site
        #    shells need turbines and transformers
        if allowance is None:
            gen[:] = build[t]
        else:
            np.maximum(allowance[t] - built_generic, 0.0, out=gen)
            np.minimum(gen, build[t], out=gen)
            built_generic += gen
        new_g[t] += gen * (1.0 - onsite)
        new_o[t] += gen * onsite
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
        powered += direct[t]
        # 4. retirements free shells; racks on site go into free powered shells
        r_init = np.minimum(init_left, init_step)
        init_left -= r_init
        rh_init = np.minimum(h_init_left, h_step)
        h_init_left -= rh_init
        ret = installed[lmax + t - life, rows].T  # this week's retiring vintage, [kr, n]
        online -= r_init + ret[0]
        h_online -= rh_init + ret[1]
        racks += shipped[:, l2 + t - site_lag, rows]
        np.minimum(racks[0], powered - online, out=x)
        np.maximum(x, 0.0, out=x)
        inst = racks * (x / np.where(racks[0] > EPS_MW, racks[0], np.inf))
        racks -= inst
        online += x
        h_online += inst[1]
        installed[lmax + t] = inst[:kr].T
        if vendor_out is not None:
            delivered_v += inst[2:].T
            online_v += (inst[2:] - ret[2:]).T
            vendor_out[0][:, t] = delivered_v
            vendor_out[1][:, t] = online_v
        # the tier that bound installation this week (supply side is resolved after the loop)
        racks_wait[t] = racks[0] > EPS_MW
        shell_label[t] = np.where(
            q_g + q_o > EPS_MW,
            np.where(
                q_g > EPS_MW,
                np.where(cg[t] <= cxg[t], c_grid, c_tx),
                np.where(ct[t] <= cxo[t], c_turb, c_tx),
            ),
            c_cons,
        )
        if e_g_t is not None and e_o_t is not None:
            e_g_t[t], e_o_t[t] = e_g, e_o
        o["it_gw_online"][t] = online
        o["it_gw_added"][t] = x
        o["it_gw_retired"][t] = r_init + ret[0]
        o["h100e_online_m"][t] = h_online
        o["racks_waiting_gw"][t] = racks[0]
        o["shells_unpowered_gw"][t] = q_g + q_o
        o["shells_empty_gw"][t] = powered - online

    # scale to reporting units and derive the facility basis (IT × PUE) in place
    for name in (
        "it_gw_online",
        "it_gw_added",
        "it_gw_retired",
        "racks_waiting_gw",
        "shells_unpowered_gw",
        "shells_empty_gw",
        "it_gw_produced",
        "accelerators_waiting_gw",
    ):
        o[name] *= np.float32(1e-3)
    o["h100e_online_m"] *= np.float32(1e-6)
    o["h100e_produced_m"] *= np.float32(1e-6)
    np.multiply(o["it_gw_online"], pue.astype(np.float32), out=o["facility_gw_online"])
    np.multiply(o["it_gw_added"], pue.astype(np.float32), out=o["facility_gw_added"])
    np.multiply(
        o["facility_gw_online"],
        (inp.load_factor[sl] * HOURS_PER_WEEK / 1e3).astype(np.float32),
        out=o["energy_twh"],
    )

    # binding: racks left waiting ⇒ shells bound (the power tier when built shells await power,
    # else construction); otherwise supply bound (rack assembly or the chip tier upstream).
    supply_label = np.where(
        lag_tm(rack_lim, site_lag, False),
        CODE["rack_assembly"],
        lag_tm(chip_bind, site_lag + lc, chip_bind[0]),
    )
    binding = np.where(racks_wait, shell_label, supply_label).astype(np.int8)

    # named phases: energised when their queue's cumulative energisation reaches them
    phase_week = np.zeros((n, 0), dtype=np.int64)
    if inp.phase_ids and e_g_t is not None and e_o_t is not None:
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
        phase_week = np.where(_energised(inp)[None, :] & (pw < w), pw, phase_week)
    return _Batch(binding, phase_week, by_sku)


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
    vd_vo = (
        (np.empty((d, w, v), dtype=np.float32), np.empty((d, w, v), dtype=np.float32))
        if vendor_detail
        else None
    )
    pweek = np.empty((d, len(inp.phase_ids)), dtype=np.int32)
    work: dict[str, NDArray[np.float32]] = {}
    by_sku = np.zeros((w, len(inp.skus)))
    for b0 in range(0, d, batch):
        sl = slice(b0, min(d, b0 + batch))
        res = _simulate_batch(inp, sl, vendor_detail, out, vd_vo, work)
        binding[:, sl] = res.binding
        pweek[sl] = res.phase_week
        by_sku += res.by_sku
    counts = np.stack([(binding == i).sum(axis=0) for i in range(len(TIERS))], axis=1).astype(
        np.int32
    )
    coords = {
        "draw": np.arange(d),
        "week": inp.grid.weeks.values,
        "tier": list(TIERS),
        "vendor": list(inp.vendors),
        "phase": list(inp.phase_ids),
        "sku": list(inp.skus),
    }
    data: dict[str, tuple[tuple[str, ...], np.ndarray]] = {
        k: (("draw", "week"), out[k].T) for k in HEADLINE
    }
    data["binding"] = (("draw", "week"), binding.T)
    data["binding_weeks"] = (("draw", "tier"), counts)
    # mean over draws (the per-draw array would be draws × weeks × SKUs)
    data["accelerators_started_m_by_sku"] = (("week", "sku"), (by_sku / d).astype(np.float32))
    data["phase_power_week"] = (("draw", "phase"), pweek)
    data["phase_planned_week"] = (("phase",), inp.phase_planned_wk.astype(np.int32))
    data["phase_site"] = (("phase",), np.array(inp.phase_site, dtype=str))
    data["pue"] = (("draw",), inp.pue.astype(np.float32))
    data["load_factor"] = (("draw",), inp.load_factor.astype(np.float32))
    data["ai_demand_z"] = (("draw",), inp.demand_z.astype(np.float32))
    if inp.deal_converted:
        coords["deal"] = list(inp.deal_converted)
        data["deal_converted"] = (
            ("draw", "deal"),
            np.stack(list(inp.deal_converted.values()), axis=1),
        )
    if vd_vo is not None:
        for arr in vd_vo:
            arr *= np.float32(1e-3)  # MW → GW
        data["it_gw_delivered_by_vendor"] = (("draw", "week", "vendor"), vd_vo[0])
        data["it_gw_online_by_vendor"] = (("draw", "week", "vendor"), vd_vo[1])
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
