"""Demand and contracted-only views beside a run's results (``demand_it_gw``, ``contracted_it_gw``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from ..supply.engine import simulate
from ..supply.inputs import ModelInputs
from .rules import supply_only


def add_market_views(inp: ModelInputs, ds: xr.Dataset, *, engine: str = "auto") -> xr.Dataset:
    """Add ``demand_it_gw`` (what the buyer wants online) and, for a buyer, ``contracted_it_gw``
    (IT GW online that signed contracts alone deliver: the same draws re-run with demand-driven
    orders off), both ``[draw, week]``, when the inputs carry a demand; else return ``ds``
    unchanged.  The industry has no contracts, so it gets no ``contracted_it_gw`` (that second
    engine run would be the supply-pushed case, not what the name says).
    ``engine``: as ``supply.simulate``'s."""
    if inp.demand_it_mw is None:
        return ds
    ds = ds.assign(demand_it_gw=(("draw", "week"), (inp.demand_it_mw / 1e3).astype(np.float32)))
    if inp.scope == "industry":
        return ds
    # only the weekly IT GW online is read: no vendor detail, no regional post-processing
    run = simulate(supply_only(inp), vendor_detail=False, engine=engine, regions=False)
    return ds.assign(contracted_it_gw=(("draw", "week"), run["it_gw_online"].values))


def fleet_notes(ds: xr.Dataset, year_end: dict[int, int]) -> list[dict[str, Any]]:
    """Years in which the median IT fleet shrinks, and why: demand below the fleet (retiring
    accelerators are not renewed) or supply short of demand (renewals cannot be had)."""
    if "demand_it_gw" not in ds:
        return []
    from ..results.series import median_over_draws  # np.median, bit for bit, faster

    online = median_over_draws(ds["it_gw_online"].values)
    demand = median_over_draws(ds["demand_it_gw"].values)
    retired = median_over_draws(ds["it_gw_retired"].values)
    notes: list[dict[str, Any]] = []
    prev: int | None = None
    for y, i in sorted(year_end.items()):
        if prev is not None and online[i] < online[prev] - 1e-3:
            why = (
                "demand fell below the fleet: retiring accelerators are not renewed"
                if demand[i] < online[prev]
                else "demand exceeds the fleet but supply cannot renew what retires"
            )
            notes.append(
                {
                    "year": y,
                    "it_gw_online_p50": round(float(online[i]), 2),
                    "demand_it_gw_p50": round(float(demand[i]), 2),
                    "retired_it_gw_p50": round(float(retired[prev + 1 : i + 1].sum()), 2),
                    "why": why,
                }
            )
        prev = i
    return notes
