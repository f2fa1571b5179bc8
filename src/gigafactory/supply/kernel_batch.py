"""One batch of draws through the compiled weekly loop (:mod:`gigafactory.supply.kernel`).

The setup (:func:`gigafactory.supply.batch.prepare`), the initial work in flight and the
post-loop steps (units, binding tier, named phases' weeks) are the NumPy reference's own
functions; only the loop over weeks is compiled.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .batch import (
    CODE,
    BatchResult,
    _Setup,
    facility_and_energy,
    phase_weeks,
    prepare,
    wip_start,
)
from .inputs import ModelInputs
from .kernel import HONLINE, N_OUT, N_STATE, ONLINE, POWERED, WIP, run_weeks
from .kernel_labels import binding_labels

F = NDArray[np.float64]
F32 = NDArray[np.float32]
#: draws are split into this many chunks (fixed: results do not depend on the thread count)
CHUNKS = 16
_DUMMY = np.zeros((1, 1))
#: one compiled loop at a time per process: it uses every core already, and numba's fallback
#: threading layer (workqueue) is not safe for launches from several threads (web workers)
_LOOP_LOCK = threading.Lock()


def _f64(x: NDArray[Any] | None) -> F:
    """Contiguous float64, or a 1×1 dummy for an absent input."""
    return _DUMMY if x is None else np.ascontiguousarray(x, dtype=np.float64)


def _f32(x: NDArray[Any]) -> F32:
    """Contiguous float32 (the reference reads capacities and construction as float32)."""
    return np.ascontiguousarray(x, dtype=np.float32)


def _scratch(work: dict[str, F32] | None, name: str, shape: tuple[int, ...]) -> F32:
    """An uninitialised float32 buffer, reusing ``work[name]`` across batches: the loop writes
    every element of the pipelines and the installs by vintage before it reads it (week t
    reads weeks before t), so zeroing them (``batch._zeroed``) is wasted memory traffic."""
    size = int(np.prod(shape))
    buf = None if work is None else work.get(name)
    if buf is None or buf.size < size:
        buf = np.empty(size, dtype=np.float32)
        if work is not None:
            work[name] = buf
    return buf[:size].reshape(shape)


def _inputs(inp: ModelInputs, su: _Setup) -> list[Any]:
    """The kernel's read-only week-major inputs, in ``run_weeks`` order (``caps0`` … ``direct``)."""
    sku_v = np.array([inp.vendors.index(s) for s in inp.sku_vendor], dtype=np.int64)
    orders = _f64(su.orders) if su.capped else np.zeros((1, 1, 1))
    return [
        *(_f32(c) for c in su.caps),
        *(_f64(r) for r in su.reqs),
        _f64(su.mix),
        _f64(su.it_w),
        _f64(su.h_unit),
        sku_v,
        _f64(su.mw_unit),
        _f64(su.h_per_unit),
        orders,
        _f64(su.demand),
        _f64(su.rack_cap),
        _f32(su.build),
        _f64(su.allowance),
        *(_f64(x) for x in (su.cg, su.ct, su.cxg, su.cxo, su.new_g, su.new_o, su.direct)),
    ]


def _per_draw(su: _Setup, k: int) -> tuple[NDArray[np.int64], F, F32, F, F]:
    """Per-draw weeks ``dv``, floats ``fv``, the work in flight ``fill``, the initial state
    ``s``, and the cumulative output by vendor ``prodv`` ``[V, n]``."""
    made0, shipped0, prod_v0, wip0 = wip_start(su, k)
    dv = np.stack([su.lc, su.site_lag, su.lead, su.life]).astype(np.int64)
    fv = np.stack([su.onsite, su.fleet0, su.h0]).astype(np.float64)
    fill = np.stack([made0, shipped0]).astype(np.float32)
    s = np.zeros((N_STATE, su.n))
    s[POWERED] = su.fleet0
    s[ONLINE] = su.fleet0
    s[HONLINE] = su.h0
    s[WIP] = wip0
    prodv = np.zeros((su.v, su.n))
    if prod_v0 is not None:
        prodv += prod_v0.T
    return dv, fv, fill, s, prodv


def simulate_batch_numba(
    inp: ModelInputs,
    sl: slice,
    vendor_detail: bool,
    block: F32,
    vendor_block: F32 | None,
    names: tuple[str, ...],
    work: dict[str, F32] | None = None,
) -> BatchResult:
    """Simulate draws ``sl`` with the compiled loop.

    ``block`` ``[len(names), W, D]`` holds the series (rows named by ``names``, the first
    ``N_OUT`` in :data:`gigafactory.supply.kernel.OUT_NAMES` order); ``vendor_block``
    ``[2, D, W, V]`` the cumulative delivered and online IT MW by vendor (or None).
    """
    assert block.shape[0] >= N_OUT
    su = prepare(inp, sl)
    n, v, w = su.n, su.v, su.w
    track_v = vendor_detail or su.capped
    k = 2 + (v if track_v else 0)
    keep_e = bool(inp.phase_ids)
    dv, fv, fill, s, prodv = _per_draw(su, k)
    chunks = min(CHUNKS, n)
    bounds = np.linspace(0, n, chunks + 1).round().astype(np.int64)
    bys = np.zeros((chunks, w, len(inp.skus)))
    us = np.zeros((chunks, w))
    lab = np.zeros((2, w, n), dtype=np.int8)  # chip tier bound, shell label
    flag = np.zeros((2, w, n), dtype=np.bool_)  # racks limited by assembly, racks waiting
    en = np.zeros((2, w if keep_e else 1, n))  # named phases energised (grid, on-site)
    long_cum = su.demand is not None or su.writeoff_wk > 0
    args = [
        *_inputs(inp, su),
        dv,
        fv,
        fill,
        _scratch(work, "pipe", (2, k, ring_weeks(su), n)),
        _scratch(work, "installed", (w, n, 2 + (v if vendor_detail else 0))),
        # installed, arrived cumulative (week t written before it is read, like the pipelines)
        np.empty((2, w if long_cum else 1, n)),
        lab,
        flag,
        en,
        s,
        np.zeros((k, n)),
        np.zeros((k, n)),
        prodv,
        np.zeros((2, v, n)),
        block,
        vendor_block if vendor_block is not None else np.zeros((2, 1, 1, 1), dtype=np.float32),
        np.array(
            [CODE[c] for c in ("orders", "grid", "transformers", "gas_turbines", "construction")],
            dtype=np.int64,
        ),
        np.array(
            [
                su.capped,
                track_v,
                vendor_block is not None,
                keep_e,
                su.allowance is not None,
                su.demand is not None,
                su.demand is not None and su.industry,
                *su.pooled,  # after the N_OPTS run options
            ],
        ),
        float(su.backlog_wk),
        int(su.writeoff_wk),
        sl.start or 0,
        bounds,
        bys,
        us,
        *region_state(su),
    ]
    with _LOOP_LOCK:
        run_weeks(*args)
    o = {name: block[i, :, sl] for i, name in enumerate(names)}
    facility_and_energy(inp, sl, su, o)  # the loop wrote GW and millions
    labels = binding_labels(
        lab[0],
        flag[0],
        flag[1],
        lab[1],
        np.ascontiguousarray(su.site_lag, dtype=np.int64),
        np.ascontiguousarray(su.lc, dtype=np.int64),
        CODE["rack_assembly"],
    )
    e_g_t, e_o_t = (en[0], en[1]) if keep_e else (None, None)
    by_sku = (bys.sum(axis=0) + us.sum(axis=0)[:, None] * su.mix) / 1e6
    pgy = np.transpose(args[-3], (2, 1, 3, 0))  # [n, Y, 2, R] → [2, Y, R, n]
    return BatchResult(labels, phase_weeks(inp, sl, su, e_g_t, e_o_t), by_sku, pgy)


def ring_weeks(su: _Setup) -> int:
    """Weeks the pipelines keep (accelerators started, racks shipped): the loop reads them
    back ``lc`` and ``site_lag`` weeks later, so a ring of the next power of two above the
    longest lag (week t in slot ``t & (ring − 1)``) holds all it reads, in a few MB instead
    of ``[W, n]`` per channel."""
    longest = max(int(su.lc.max(initial=0)), int(su.site_lag.max(initial=0)))
    return 1 << longest.bit_length()


def region_state(su: _Setup) -> list[Any]:
    """The regions' arrays in ``run_weeks`` order, draw-major: ``genh`` ``[n, W]``, shares
    ``[n, R]``, waits ``[n, 2, R]``, queues ``[n, 2, R]``, generic powered shells ``[n, R]``
    (the initial fleet split by ``g``), their yearly record ``[n, Y, 2, R]`` and the weeks'
    year index, then the as-of week (generic shells built before it arrive unslipped)."""
    r, n = su.g.shape
    return [
        np.zeros((n, su.w)),
        _f64(su.g.T),
        np.ascontiguousarray(np.transpose(np.minimum(su.dly, 2**30), (2, 0, 1)), dtype=np.int32),
        np.zeros((n, 2, r)),
        np.ascontiguousarray((su.g * su.fleet0[None, :]).T),
        np.zeros((n, su.ny, 2, r)),
        np.ascontiguousarray(su.yi, dtype=np.int64),
        int(su.hist),
    ]
