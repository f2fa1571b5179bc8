"""The region and energy entries of ``summary.json`` ``years[Y]`` (docs/interfaces.md).

``facility_gw_online_by_region`` and ``energy_twh`` give, per region and in ``total``, the
p5/p50/p95 over draws of AI plus conventional (non-AI) data-centre load; the ``ai_``-prefixed
twins give the AI fleet alone.  Quantiles are taken of each region's (and the total's) own
per-draw values, so the regions' medians need not add up to the total's median.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

#: summary key → (AI variable, conventional variable) of the ``[draw, year, region]`` results
REGION_KEYS: dict[str, tuple[str, str]] = {
    "facility_gw_online_by_region": (
        "ai_facility_gw_online_by_region",
        "conventional_facility_gw_by_region",
    ),
    "energy_twh": ("ai_energy_twh_by_region", "conventional_energy_twh_by_region"),
}


def _by_region(
    values: np.ndarray, regions: list[str], q: Any, q_columns: Any = None
) -> dict[str, Any]:
    """``{region: q(values[:, r]) …, "total": q(Σᵣ values)}`` for ``values`` ``[draw, region]``.

    ``q_columns(x)``, when given, is ``[q(x[:, k]) for k …]`` in one call (vectorised)."""
    if q_columns is not None:
        both = np.column_stack([values, values.sum(axis=1)])
        return dict(zip([*regions, "total"], q_columns(both), strict=True))
    out = {r: q(values[:, k]) for k, r in enumerate(regions)}
    out["total"] = q(values.sum(axis=1))
    return out


def region_year(ds: xr.Dataset, year: int, q: Any, q_columns: Any = None) -> dict[str, Any]:
    """The region entries of one year (empty when the run has no region results).

    ``q`` summarises one region's draws; ``q_columns``, when given, every region's at once
    (the same numbers: ``np.quantile`` over axis 0 is the per-column quantile)."""
    if "ai_energy_twh_by_region" not in ds or year not in ds["year"].values:
        return {}
    regions = [str(r) for r in ds["region"].values]
    out: dict[str, Any] = {}
    for key, (ai, conv) in REGION_KEYS.items():
        a = ds[ai].sel(year=year).transpose("draw", "region").values.astype(np.float64)
        c = ds[conv].sel(year=year).transpose("draw", "region").values.astype(np.float64)
        out[key] = _by_region(a + c, regions, q, q_columns)
        out[f"ai_{key}"] = _by_region(a, regions, q, q_columns)
    return out


def iea_totals(ds: xr.Dataset, year: int, *, ai_only: bool = False) -> dict[str, np.ndarray]:
    """Per-draw data-centre electricity (TWh) of ``year`` by IEA region, and ``world``.

    AI + conventional load (AI alone with ``ai_only``), the regions summed into the IEA region
    they lie in (``region_iea``), for comparison with IEA's *Energy and AI* tables.
    """
    twh = ds["ai_energy_twh_by_region"].sel(year=year)
    if not ai_only:
        twh = twh + ds["conventional_energy_twh_by_region"].sel(year=year)
    values = twh.transpose("draw", "region").values.astype(np.float64)
    iea = np.asarray(ds["region_iea"].values).astype(str)
    out = {str(i): values[:, iea == i].sum(axis=1) for i in dict.fromkeys(iea)}
    out["world"] = values.sum(axis=1)
    return out
