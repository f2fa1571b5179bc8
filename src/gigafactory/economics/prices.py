"""Power prices by region (catalog ``regions.<id>.power_price_usd_per_mwh``, docs/regions.md):
the energy price of a fleet is the price of each region weighted by the energy used there."""

from __future__ import annotations

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from ..catalog.schema import Catalog
from ..scenario.sampling import ppf, range_dist

F = NDArray[np.float64]


def weighted_price(twh_by_region: F, price_by_region: F, fallback: F) -> F:
    """``p[d] = Σ_r E[d, r] · p[d, r] ÷ Σ_r E[d, r]`` (USD/MWh): each region's price weighted
    by the AI energy used there over the run; a draw with no energy keeps ``fallback[d]``."""
    e = np.maximum(np.asarray(twh_by_region, dtype=float), 0.0)
    tot = e.sum(axis=1)
    p = (e * price_by_region).sum(axis=1) / np.where(tot > 0, tot, 1.0)
    return np.asarray(np.where(tot > 0, p, fallback))


def region_prices(cat: Catalog, rng: np.random.Generator, n: int, fallback: F) -> F:
    """``[n, R]`` price per draw and region (PERT over the catalog range, one draw per
    region); a region without a price uses ``fallback`` (the catalog's global price draw)."""
    cols = []
    for r in cat.regions.values():
        f = r.power_price_usd_per_mwh
        u = rng.random(n)  # drawn for every region, so a price added to one shifts no other
        cols.append(fallback if f is None else ppf(range_dist(f.value, f.low, f.high, "pert"), u))
    return np.stack(cols, axis=1)


def fleet_price(physical: xr.Dataset, cat: Catalog, rng: np.random.Generator, fallback: F) -> F:
    """The run's energy-weighted power price per draw (USD/MWh), or ``fallback`` when the run
    has no regions or the catalog no regional price."""
    has_price = any(r.power_price_usd_per_mwh is not None for r in cat.regions.values())
    if "ai_energy_twh_by_region" not in physical or not has_price:
        return fallback
    twh = physical["ai_energy_twh_by_region"].transpose("draw", "year", "region")
    by_region = twh.sum("year").sel(region=list(cat.regions)).values
    return weighted_price(by_region, region_prices(cat, rng, len(fallback), fallback), fallback)
