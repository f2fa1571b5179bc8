"""The planner's outputs by calendar year and the ``plan.json`` document (docs/interfaces.md)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def yearly_schedule(schedule: Any, sim: Any | None = None) -> pd.DataFrame:
    """Per calendar year: IT and facility GW online at year end, facility GW added in the
    year and per week on average, and the simulator's IT GW online for the same inputs."""
    weeks = pd.DatetimeIndex(schedule["week"].values)
    year = (weeks + pd.Timedelta(days=3)).year
    df = pd.DataFrame(
        {
            "it_gw_online": schedule["it_gw_online"].values,
            "facility_gw_online": schedule["facility_gw_online"].values,
            "facility_gw_added": schedule["facility_gw_added"].values,
            "n_weeks": schedule["n_weeks"].values,
        },
        index=year,
    )
    g = df.groupby(level=0)
    out = g.last()[["it_gw_online", "facility_gw_online"]]
    out["facility_gw_added"] = g["facility_gw_added"].sum()
    out["gw_per_week"] = out["facility_gw_added"] / g["n_weeks"].sum()
    if sim is not None:
        sw = pd.DatetimeIndex(sim["week"].values)
        s = pd.Series(
            np.asarray(sim["it_gw_online"].isel(draw=0).values, dtype=float),
            index=(sw + pd.Timedelta(days=3)).year,
        )
        out["sim_it_gw_online"] = s.groupby(level=0).last().reindex(out.index)
    out.index.name = "year"
    return out


def _records(df: pd.DataFrame, cols: list[str]) -> list[dict[str, Any]]:
    out = []
    for row in df[cols].itertuples(index=False):
        rec = {}
        for c, v in zip(cols, row, strict=True):
            if isinstance(v, np.integer | np.floating):
                v = v.item()
            rec[c] = None if v is pd.NA or (isinstance(v, float) and not np.isfinite(v)) else v
        out.append(rec)
    return out


def plan_json(
    result: Any, yearly: pd.DataFrame, by_q: pd.DataFrame, by_y: pd.DataFrame, *, scenario: str
) -> dict[str, Any]:
    """The plan.json document (see docs/interfaces.md)."""
    cols = [
        "constraint",
        "period",
        "shadow_price",
        "unit",
        "tier",
        "value_per_gw",
        "rank",
        "sim_binding_weeks",
        "at_penalty",
    ]
    return {
        "scenario": scenario,
        "objective": result.settings.objective,
        "step": result.settings.step,
        "draw": None if result.settings.draw is None else result.data.draw,
        "status": result.termination,
        "objective_value": result.objective,
        "objective_unit": (
            "discounted IT GW-weeks" if result.settings.objective == "max-gw" else "discounted $B"
        ),
        "model": {
            "variables": int(result.model.nvars),
            "constraints": int(result.model.ncons),
            "build_s": round(result.build_s, 3),
            "solve_s": round(result.solve_s, 3),
        },
        "it_gw_online": {str(y): float(v) for y, v in yearly["it_gw_online"].items()},
        "facility_gw_online": {str(y): float(v) for y, v in yearly["facility_gw_online"].items()},
        "gw_per_week": {str(y): float(v) for y, v in yearly["gw_per_week"].items()},
        "sim_it_gw_online": (
            {str(y): float(v) for y, v in yearly["sim_it_gw_online"].items()}
            if "sim_it_gw_online" in yearly
            else None
        ),
        "bottlenecks": _records(by_q, cols),
        "bottlenecks_by_year": _records(by_y, cols),
        "violations": _records(result.violations, list(result.violations.columns)),
    }
