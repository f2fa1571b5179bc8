"""Power prices by region (catalog ``regions.<id>.power_price_usd_per_mwh``, docs/regions.md):
the energy price of a fleet is the price of each region weighted by the energy used there.

Each region's price is drawn once per draw by the run's one sampler (``compile``, stored with
the money facts under its catalog path), so the industry's economics and a buyer's finance
pay the same price in a draw; a hand-made dataset without those draws falls back to drawing
them here (:func:`gigafactory.scenario.sampling.fact_draws`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from ..catalog.schema import Catalog, Fact
from ..scenario.sampling import fact_draws

F = NDArray[np.float64]


def price_path(region: str) -> str:
    """The catalog path of a region's power price (the key of its compiled draws)."""
    return f"regions.{region}.power_price_usd_per_mwh"


def compile_prices(cat: Catalog, fact: Callable[[str, Fact], F]) -> dict[str, F]:
    """Every region's price draws ``[n]`` by catalog path, from the run's sampler ``fact``
    (``compile``'s ``_Sampler.fact``: overrides and ``catalog_ranges`` honoured)."""
    return {
        price_path(rid): fact(price_path(rid), r.power_price_usd_per_mwh)
        for rid, r in cat.regions.items()
        if r.power_price_usd_per_mwh is not None
    }


def weighted_price(twh_by_region: F, price_by_region: F, fallback: F) -> F:
    """``p[d] = Σ_r E[d, r] · p[d, r] ÷ Σ_r E[d, r]`` (USD/MWh): each region's price weighted
    by the AI energy used there over the run; a draw with no energy keeps ``fallback[d]``.

    Also per year: ``E`` ``[d, y, r]`` gives ``p[d, y]`` (``price_by_region`` ``[d, 1, r]``,
    ``fallback`` ``[d, 1]``), so ``E_y · p[d, y] = Σ_r E[d, y, r] · p[d, r]`` exactly.
    """
    e = np.maximum(np.asarray(twh_by_region, dtype=float), 0.0)
    tot = e.sum(axis=-1)
    p = (e * price_by_region).sum(axis=-1) / np.where(tot > 0, tot, 1.0)
    return np.asarray(np.where(tot > 0, p, fallback))


def region_prices(
    cat: Catalog,
    rng: np.random.Generator,
    n: int,
    fallback: F,
    compiled: Mapping[str, F] | None = None,
) -> F:
    """``[n, R]`` price per draw and region: the run's compiled draws (``compiled``, by
    :func:`price_path`) where it holds them, else drawn here (PERT over the catalog range);
    a region without a price uses ``fallback`` (the catalog's global price draw)."""
    cols = []
    for rid, r in cat.regions.items():
        f = r.power_price_usd_per_mwh
        cols.append(fallback if f is None else fact_draws(f, rng, n, price_path(rid), compiled))
    return np.stack(cols, axis=1)


def region_twh(physical: xr.Dataset, cat: Catalog) -> F | None:
    """``[d, y, r]`` AI TWh by year and catalog region, or None without regions or prices."""
    has_price = any(r.power_price_usd_per_mwh is not None for r in cat.regions.values())
    if "ai_energy_twh_by_region" not in physical or not has_price:
        return None
    twh = physical["ai_energy_twh_by_region"].transpose("draw", "year", "region")
    # a catalog region the run does not name uses no energy there
    twh = twh.reindex(region=list(cat.regions), fill_value=0.0)
    return np.asarray(twh.values, dtype=float)


def fleet_price(
    physical: xr.Dataset,
    cat: Catalog,
    rng: np.random.Generator,
    fallback: F,
    compiled: Mapping[str, F] | None = None,
) -> F:
    """The run's energy-weighted power price per draw (USD/MWh), or ``fallback`` when the run
    has no regions or the catalog no regional price."""
    twh = region_twh(physical, cat)
    if twh is None:
        return fallback
    prices = region_prices(cat, rng, len(fallback), fallback, compiled)
    return weighted_price(twh.sum(axis=1), prices, fallback)


def yearly_price(twh_by_region: F, price_by_region: F, fallback: F) -> F:
    """``[d, y]`` power price per draw and year (USD/MWh) from the AI TWh ``[d, y, r]`` of
    :func:`region_twh` and the prices ``[d, r]`` of its regions:
    ``p[d, y] = Σ_r E[d, y, r] · p[d, r] ÷ Σ_r E[d, y, r]``, so a year's bill
    ``E[d, y] · p[d, y]`` is ``Σ_r E[d, y, r] · p[d, r]``; a year without energy keeps
    ``fallback[d]``."""
    return weighted_price(twh_by_region, price_by_region[:, None, :], fallback[:, None])
