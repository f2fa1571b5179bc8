"""The ``sites`` part of ``summary.json``: each named site phase's plan against the simulation.

Per phase: its site, deal and operator, what powers it, the planned dates (construction start,
power-equipment order and interconnection request, each a catalog lead time ahead of the
planned power-ready date; its place in the interconnection queue), and the simulated ready and
energisation dates (p5/p50/p95, ISO dates) with the slip against the plan, the wait in the
energisation queue and the share of draws each pipeline set the ready date
(:mod:`gigafactory.supply.leads`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ..supply.leads import LEAD_TIERS

QUANTILES = (0.05, 0.5, 0.95)


def _date(start: pd.Timestamp, week: float) -> str:
    """The Monday of week index ``week`` on a grid starting ``start`` (may lie outside it)."""
    return str((start + pd.Timedelta(weeks=round(week))).date())


#: stands in for "never" (inf) inside the quantiles
_NEVER = 1e12


def _quantiles(x: np.ndarray) -> list[float]:
    """p5/p50/p95 with ``inf`` (never) kept as ``inf``: where a quantile falls between a week
    and never it is the draw at that quantile (inverted CDF), never an interpolation."""
    if not x.size:
        return [np.inf] * 3
    finite = np.isfinite(x).all()
    q = np.quantile(
        np.where(np.isfinite(x), x, _NEVER),
        QUANTILES,
        method="linear" if finite else "inverted_cdf",
    )
    return [float(v) if v < _NEVER / 2 else np.inf for v in q]


def _dates(start: pd.Timestamp, weeks: np.ndarray) -> dict[str, str | None]:
    """p5/p50/p95 of per-draw week indices as dates; never (``inf``) → None."""
    return {
        f"p{round(x * 100)}": (_date(start, v) if np.isfinite(v) else None)
        for x, v in zip(QUANTILES, _quantiles(weeks), strict=True)
    }


def _weeks(x: np.ndarray) -> dict[str, float | None]:
    return {
        f"p{round(k * 100)}": (round(v, 1) if np.isfinite(v) else None)
        for k, v in zip(QUANTILES, _quantiles(x), strict=True)
    }


def sites_summary(ds: xr.Dataset) -> dict[str, dict[str, Any]]:
    """One record per named site phase, keyed ``site/phase index`` (empty when the run has
    none); see the module doc.

    Week indices are on the run's grid; a phase not energised within the horizon in a draw
    counts as never (``inf``) in the quantiles, so a p95 of None means later than the horizon.
    """
    if ds.sizes.get("phase", 0) == 0 or "phase_power_week" not in ds:
        return {}
    start = pd.Timestamp(ds["week"].values[0])
    n = ds.sizes["week"]
    energised = ds["phase_power_week"].transpose("draw", "phase").values.astype(float)
    energised[(energised < 0) | (energised >= n)] = np.inf
    ready = (
        ds["phase_ready_week"].transpose("draw", "phase").values.astype(float)
        if "phase_ready_week" in ds
        else None
    )
    out: dict[str, dict[str, Any]] = {}
    for i, pid in enumerate(str(p) for p in ds["phase"].values):
        planned = float(ds["phase_planned_week"].values[i])
        rec: dict[str, Any] = {
            "site": str(ds["phase_site"].values[i]),
            "deal": _text(ds, "phase_deal", i),
            "operator": _text(ds, "phase_operator", i),
            "power": _text(ds, "phase_power_kind", i),
            "planned": _date(start, planned),
        }
        for key in ("construction_start", "equipment_order", "queue_request"):
            var = f"phase_{key}_week"
            if var in ds:
                skip = key == "queue_request" and rec["power"] == "onsite_gas"  # no request
                rec[key] = None if skip else _date(start, float(ds[var].values[i]))
        if "phase_queue_position" in ds:
            rec["queue_position"] = int(ds["phase_queue_position"].values[i]) or None
        e = energised[:, i]
        if ready is not None:
            rec["ready"] = _dates(start, ready[:, i])
        rec["energised"] = _dates(start, e)
        rec["share_energised"] = round(float(np.isfinite(e).mean()), 4)
        rec["slip_weeks"] = _weeks(e - planned)
        if ready is not None:
            rec["queue_wait_weeks"] = _weeks(e - ready[:, i])
        if "phase_bound_by" in ds:
            code = ds["phase_bound_by"].transpose("draw", "phase").values[:, i]
            rec["bound_by"] = {
                t: round(float((code == k).mean()), 4)
                for k, t in enumerate(LEAD_TIERS)
                if (code == k).any()
            }
        out[pid] = rec
    return out


def _text(ds: xr.Dataset, var: str, i: int) -> str | None:
    if var not in ds:
        return None
    return str(ds[var].values[i]) or None
