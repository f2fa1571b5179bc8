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

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from .batch import simulate_batch
from .inputs import TIERS, ModelInputs
from .leads import phase_variables
from .regions import region_results
from .timing import first_week_reaching, lag_tm, shell_allowance

__all__ = ["HEADLINE", "first_week_reaching", "lag_tm", "shell_allowance", "simulate"]

#: the engines ``simulate`` can run (the compiled loop and its NumPy reference)
ENGINES = ("auto", "numba", "numpy")
#: ``engine="auto"`` compiles from this many draws: loading the compiled loop from numba's disk
#: cache costs ~1.3 s CPU per process (its first compile ~30 s, once per install) and the
#: compiled loop saves ~0.3 ms CPU per draw (2.4× at 10,000 draws), so it pays from ~4,000
COMPILED_FROM_DRAWS = 4000
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
    "racks_written_off_gw",
    "shells_unpowered_gw",
    "shells_empty_gw",
    "energy_twh",
)


def pick_engine(draws: int) -> str:
    """``"numba"`` for a run of at least ``COMPILED_FROM_DRAWS`` draws, else ``"numpy"``.

    Decide on the whole run's draws (a run simulates in batches smaller than that).
    """
    return "numba" if draws >= COMPILED_FROM_DRAWS else "numpy"


def _block_names(engine: str) -> tuple[str, ...]:
    """The series of the output block, in its row order: the compiled loop's outputs first
    (:data:`gigafactory.supply.kernel.OUT_NAMES`, imported only for that engine: importing
    numba costs ~0.3–0.8 s CPU), the NumPy reference's by name in ``HEADLINE`` order."""
    if engine != "numba":
        return HEADLINE
    from .kernel import OUT_NAMES

    return OUT_NAMES + tuple(k for k in HEADLINE if k not in OUT_NAMES)


def simulate(
    inp: ModelInputs,
    *,
    vendor_detail: bool = True,
    batch: int = 4096,
    engine: str = "auto",
    regions: bool = True,
) -> xr.Dataset:
    """Run the weekly engine for every draw of ``inp``.

    Parameters
    ----------
    inp : compiled inputs.
    vendor_detail : keep the ``[draw, week, vendor]`` variables (drop them for very large runs).
    batch : draws processed at once (bounds memory; results do not depend on it).
    engine : ``"numba"`` (the compiled weekly loop, :mod:`gigafactory.supply.kernel`),
        ``"numpy"`` (the reference, :mod:`gigafactory.supply.batch`) or ``"auto"`` (numba from
        ``COMPILED_FROM_DRAWS`` draws, where it pays for loading the compiled code); they
        agree on every output to 1e-6 relative (tests/test_kernel.py).
    regions : add the ``[draw, year, region]`` variables (:func:`region_results`); a caller
        that reads only the weekly series (the contracted-only run) skips them.

    Returns
    -------
    xr.Dataset with the variables of docs/interfaces.md: float32 (week-major storage, exposed
    as ``[draw, week]``), ``binding`` int8 codes into the ``tier`` coordinate.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    d, w, v = inp.draws, inp.n_weeks, len(inp.vendors)
    engine = pick_engine(d) if engine == "auto" else engine
    names = _block_names(engine)
    block = np.empty((len(names), w, d), dtype=np.float32)
    out = {k: block[i] for i, k in enumerate(names)}
    binding = np.empty((w, d), dtype=np.int8)
    vblock = np.empty((2, d, w, v), dtype=np.float32) if vendor_detail else None
    vd_vo = (vblock[0], vblock[1]) if vblock is not None else None
    pweek = np.empty((d, len(inp.phase_ids)), dtype=np.int32)
    work: dict[str, NDArray[np.float32]] = {}
    by_sku = np.zeros((w, len(inp.skus)))
    gen_r: NDArray[np.float64] | None = None  # [2, Y, R, D] generic powered shells by region
    for b0 in range(0, d, batch):
        sl = slice(b0, min(d, b0 + batch))
        if engine == "numba":
            from .kernel_batch import simulate_batch_numba  # numba: loaded only when used

            res = simulate_batch_numba(inp, sl, vendor_detail, block, vblock, names, work)
        else:
            res = simulate_batch(inp, sl, vendor_detail, out, vd_vo, work)
        binding[:, sl] = res.binding
        pweek[sl] = res.phase_week
        by_sku += res.by_sku
        if res.generic_by_region is not None:
            if gen_r is None:
                gen_r = np.empty((*res.generic_by_region.shape[:-1], d))
            gen_r[..., sl] = res.generic_by_region
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
    data.update(phase_variables(inp))
    data["pue"] = (("draw",), inp.pue.astype(np.float32))
    data["load_factor"] = (("draw",), inp.load_factor.astype(np.float32))
    data["ai_demand_z"] = (("draw",), inp.demand_z.astype(np.float32))
    if inp.deal_converted:
        coords["deal"] = list(inp.deal_converted)
        data["deal_converted"] = (
            ("draw", "deal"),
            np.stack(list(inp.deal_converted.values()), axis=1),
        )
    if inp.money:
        coords["fact"] = list(inp.money)
        data["money_facts"] = (("draw", "fact"), np.stack(list(inp.money.values()), axis=1))
    if vd_vo is not None:
        for arr in vd_vo:
            arr *= np.float32(1e-3)  # MW → GW
        data["it_gw_delivered_by_vendor"] = (("draw", "week", "vendor"), vd_vo[0])
        data["it_gw_online_by_vendor"] = (("draw", "week", "vendor"), vd_vo[1])
    ds = xr.Dataset(data, coords=coords)
    if regions:
        ds = region_results(ds, inp, gen_r)
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
