"""Which inputs drive the answer: a one-at-a-time tornado over the catalog's uncertain values.

Every uncertain catalog number the model reads (one with a low/high range) is set to its low and
then its high bound, with everything else at its median, and the headline metric is recomputed
on the median draw.  The swing ``|metric(high) − metric(low)|`` ranks the drivers.  One-at-a-
time swings ignore interactions (a tier that never binds shows no swing even if it would once
another is relaxed); they say what moves the answer around the central case.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr

from .catalog.schema import Catalog, Fact
from .compile import compile_inputs
from .scenario.loader import fact_paths
from .scenario.schema import Scenario
from .supply import simulate

Metric = Literal["it_gw_2030", "goal_week"]
METRICS: dict[str, str] = {
    "it_gw_2030": "IT GW online at the end of 2030 (or the horizon)",
    "goal_week": "weeks from the start until the build rate first reaches the goal",
}


def _metric(ds: xr.Dataset, metric: str) -> float:
    if metric == "it_gw_2030":
        years = ds["week"].values.astype("datetime64[Y]").astype(int) + 1970
        idx = (
            int(np.nonzero(years <= 2030)[0][-1]) if (years <= 2030).any() else ds.sizes["week"] - 1
        )
        return float(ds["it_gw_online"].values[0, idx])
    var = "facility_gw_added" if ds.attrs["goal_basis"] == "facility" else "it_gw_added"
    rate = ds[var].astype("float64").rolling(week=13, min_periods=1).mean().values[0]
    hit = np.nonzero(rate >= float(ds.attrs["goal_gw_per_week"]) - 1e-9)[0]
    return float(hit[0]) if hit.size else float(ds.sizes["week"])


def tornado(
    sc: Scenario,
    cat: Catalog,
    metric: str = "it_gw_2030",
    paths: list[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[float, pd.DataFrame]:
    """The base value of ``metric`` and a table of swings, largest first.

    Columns: ``path, unit, low, high, at_low, at_high, swing``.
    """
    base_inp = compile_inputs(sc, cat, 1, median=True)
    base = _metric(simulate(base_inp, vendor_detail=False), metric)
    used = set(base_inp.meta.get("used", "").split("|"))
    known: dict[str, Fact] = fact_paths(cat)
    candidates = [
        p
        for p in sorted(used)
        if p in known
        and known[p].uncertain
        and p not in sc.overrides
        and (paths is None or p in paths)
    ]
    rows = []
    for p in candidates:
        f = known[p]
        vals = []
        for bound in (f.low, f.high):
            over = sc.model_copy(update={"overrides": {**sc.overrides, p: float(bound or 0.0)}})
            vals.append(
                _metric(
                    simulate(compile_inputs(over, cat, 1, median=True), vendor_detail=False), metric
                )
            )
        rows.append(
            {
                "path": p,
                "unit": f.unit,
                "low": f.low,
                "high": f.high,
                "at_low": vals[0],
                "at_high": vals[1],
                "swing": abs(vals[1] - vals[0]),
            }
        )
        if progress is not None:
            progress(1)
    df = pd.DataFrame(rows, columns=["path", "unit", "low", "high", "at_low", "at_high", "swing"])
    return base, df.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


def candidate_count(sc: Scenario, cat: Catalog) -> int:
    """How many inputs ``tornado`` will vary (for a progress bar)."""
    used = set(compile_inputs(sc, cat, 1, median=True).meta.get("used", "").split("|"))
    known = fact_paths(cat)
    return sum(1 for p in used if p in known and known[p].uncertain and p not in sc.overrides)
