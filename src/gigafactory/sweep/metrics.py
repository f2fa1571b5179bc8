"""Per-draw scalar metrics of a run, the outputs a sensitivity analysis decomposes.

Names: ``it_gw_YYYY`` (IT GW online at the last week of year YYYY, or of the horizon),
``goal_week`` (weeks from the start until the 13-week mean build rate first reaches the goal;
the horizon's length when it never does), ``funding_gap`` (the buyer's largest shortfall below
minimum cash, $B) and ``unfunded`` (1 when the buyer's cash ever breaches its minimum, else 0;
its mean is P(unfunded)).
"""

from __future__ import annotations

import re

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from ..errors import GigafactoryError, Problem, allowed_list, did_you_mean

F = NDArray[np.float64]
#: weeks in the rolling mean of the build rate that must reach the goal (as the run summary)
GOAL_WINDOW_WK = 13
FIXED = {
    "goal_week": "weeks from the start until the 13-week mean build rate reaches the goal",
    "funding_gap": "the buyer's funding gap, $B (largest shortfall below minimum cash)",
    "unfunded": "1 if the buyer's cash ever breaches its minimum (mean = P(unfunded))",
}
_YEAR = re.compile(r"^it_gw_(\d{4})$")
FINANCE = {"funding_gap", "unfunded"}
YEARS = ["it_gw_2030"]  # the headline year, for did-you-mean


def describe(metric: str) -> str:
    m = _YEAR.match(metric)
    return f"IT GW online at the end of {m.group(1)}" if m else FIXED[metric]


def check_metrics(metrics: list[str], where: str = "--metric") -> None:
    """Refuse unknown metric names with one message (allowed: it_gw_YYYY and ``FIXED``)."""
    bad = [m for m in metrics if not (_YEAR.match(m) or m in FIXED)]
    if bad:
        allowed = ["it_gw_YYYY (e.g. it_gw_2030)", *FIXED]
        raise GigafactoryError(
            [
                Problem(
                    "<command line>",
                    None,
                    where,
                    f"unknown metric '{m}'{did_you_mean(m, [*FIXED, *YEARS])}; allowed: {allowed_list(allowed)}",
                )
                for m in bad
            ]
        )


def it_gw_by_year(ds: xr.Dataset, year: int) -> F:
    """IT GW online per draw at the last week of ``year`` (the horizon's last week if later)."""
    years = ds["week"].values.astype("datetime64[Y]").astype(int) + 1970
    idx = int(np.nonzero(years <= year)[0][-1]) if (years <= year).any() else 0
    return np.asarray(ds["it_gw_online"].values[:, idx], dtype=float)


def goal_week(ds: xr.Dataset) -> F:
    """Per draw, the first week index where the ``GOAL_WINDOW_WK``-week mean rate ≥ goal.

    ``rate[t] = (Σ_{s=t−12..t} added[s]) / min(t + 1, 13)`` GW/week, on the goal's basis;
    draws that never reach it get the horizon's length in weeks (right-censored).
    """
    var = "facility_gw_added" if ds.attrs["goal_basis"] == "facility" else "it_gw_added"
    added = np.asarray(ds[var].values, dtype=float)
    c = np.cumsum(added, axis=1)
    lagged = np.zeros_like(c)
    lagged[:, GOAL_WINDOW_WK:] = c[:, :-GOAL_WINDOW_WK]
    n = np.minimum(np.arange(1, added.shape[1] + 1), GOAL_WINDOW_WK)
    rate = (c - lagged) / n[None, :]
    hit = rate >= float(ds.attrs["goal_gw_per_week"]) - 1e-9
    return np.where(hit.any(axis=1), hit.argmax(axis=1), added.shape[1]).astype(float)


def draw_metrics(ds: xr.Dataset, metrics: list[str], fin: xr.Dataset | None = None) -> dict[str, F]:
    """Each metric per draw (arrays of length ``ds.sizes['draw']``)."""
    out: dict[str, F] = {}
    for m in metrics:
        y = _YEAR.match(m)
        if y:
            out[m] = it_gw_by_year(ds, int(y.group(1)))
        elif m == "goal_week":
            out[m] = goal_week(ds)
        else:
            assert fin is not None, "finance metrics need the finance pass"
            sel = fin.sel(entity=str(fin.attrs["buyer"]))
            if m == "funding_gap":
                out[m] = np.asarray(sel["funding_gap_usd_b"].values, dtype=float)
            else:
                out[m] = (np.asarray(sel["first_breach_week"].values) >= 0).astype(float)
    return out
