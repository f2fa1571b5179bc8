"""The largest training run a fleet can host: the ``frontier`` section of ``summary.json``.

Per year-end and draw, from the fleet online (energised H100e and facility GW):

    cluster H100e     N = s_actor · s_train · H100e_online
    largest run FLOP  = training_flop(N, u, T)                 (gigafactory.formulas)
    cluster power     P = s_actor · s_train · facility GW online
    largest site      max over sites of Σ facility MW of the phases energised by then

s_actor is the largest actor's share of the industry's fleet (1 in a buyer's scope: the buyer is
the actor), s_train the share of an actor's fleet in its largest run, u the utilisation and T
the run's duration; all four are sourced catalog params (``params.frontier_*``, Epoch AI, "Can AI
Scaling Continue Through 2030?", 2024).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ..catalog.schema import Catalog
from ..formulas import training_flop
from ..units import H100E_FLOPS

PARAMS = (
    "frontier_actor_share",
    "frontier_training_share",
    "frontier_utilisation",
    "frontier_run_years",
)


def _q(x: np.ndarray) -> dict[str, float]:
    qs = np.quantile(np.asarray(x, dtype=float), [0.05, 0.5, 0.95])
    return {k: float(f"{v:.4g}") + 0.0 for k, v in zip(("p5", "p50", "p95"), qs, strict=True)}


def year_end_index(ds: xr.Dataset) -> dict[int, int]:
    """The last week of each ISO year in the horizon."""
    weeks = pd.DatetimeIndex(ds["week"].values)
    years = (weeks + pd.Timedelta(days=3)).year
    return {int(y): int(np.nonzero(years == y)[0][-1]) for y in np.unique(years)}


def cluster_share(ds: xr.Dataset, catalog: Catalog) -> float:
    """s_actor · s_train: the share of the run's fleet in its largest training run."""
    train = catalog.params["frontier_training_share"].value
    if str(ds.attrs["scope"]) == "industry":
        return float(catalog.params["frontier_actor_share"].value * train)
    return float(train)


def largest_site_gw(ds: xr.Dataset, catalog: Catalog, week: int) -> np.ndarray | None:
    """Facility GW of the largest site with its phases energised by ``week``, per draw."""
    if ds.sizes.get("phase", 0) == 0:
        return None
    pue = ds["pue"].values  # [D]
    power_week = ds["phase_power_week"].values  # [D, P]
    by_site: dict[str, np.ndarray] = {}
    for j, pid in enumerate(ds["phase"].values):
        site_id, k = str(pid).rsplit("/", 1)
        ph = catalog.sites[site_id].phases[int(k)]
        gw = ph.mw.value / 1000.0 * (pue if ph.basis == "it" else 1.0)
        on = (power_week[:, j] >= 0) & (power_week[:, j] <= week)
        by_site[site_id] = by_site.get(site_id, 0.0) + np.where(on, gw, 0.0)
    return np.max(np.stack(list(by_site.values())), axis=0)


def frontier_section(ds: xr.Dataset, catalog: Catalog) -> dict[str, Any]:
    """The ``frontier`` section: the largest run's cluster, FLOP and power by year (p5/p50/p95).

    Returns
    -------
    ``{"assumptions": {param: {value, unit, source}}, "cluster_share": s,
    "years": {year: {cluster_h100e_m, largest_run_flop, cluster_facility_gw,
    largest_site_facility_gw?}}}``; the quantiles carry the fleet's uncertainty, the shares
    are at their catalog values.
    """
    p = {k: catalog.params[k] for k in PARAMS}
    share = cluster_share(ds, catalog)
    u, t = p["frontier_utilisation"].value, p["frontier_run_years"].value
    years: dict[str, Any] = {}
    for y, i in year_end_index(ds).items():
        n = ds["h100e_online_m"].values[:, i] * share
        row = {
            "cluster_h100e_m": _q(n),
            "largest_run_flop": _q(training_flop(n * 1e6, u, t, H100E_FLOPS)),
            "cluster_facility_gw": _q(ds["facility_gw_online"].values[:, i] * share),
        }
        site = largest_site_gw(ds, catalog, i)
        if site is not None:
            row["largest_site_facility_gw"] = _q(site)
        years[str(y)] = row
    used = PARAMS if str(ds.attrs["scope"]) == "industry" else PARAMS[1:]
    return {
        "assumptions": {
            k: {"value": p[k].value, "unit": p[k].unit, "source": p[k].source} for k in used
        },
        "cluster_share": round(share, 4),
        "flops_per_h100e": H100E_FLOPS,
        "years": years,
    }
