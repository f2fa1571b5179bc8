"""The bottleneck report: shadow prices of the plan's limits, rolled up and in user units.

For a limit with dual ``λ_p`` (objective units per scaled right-hand-side unit in period ``p``)
the shadow price over a roll-up window ``Q`` (quarter or year) is

.. math::

    π_Q = \\sum_{p ∈ Q} λ_p \\, Δb_p

where ``Δb_p`` is how much one *user unit* raises the period's right-hand side:

* ``rate`` units (e.g. 1k CoWoS wafers/month) are held through the window:
  ``Δb_p = a · n_p`` with ``a`` the weekly amount in scaled units;
* ``quantity`` units (e.g. one transformer, 1 MW of interconnection) are delivered once,
  spread evenly over the window's weeks: ``Δb_p = a · n_p / N_Q``;
* ``cumulative`` units (orders) raise the cumulative cap in every period of the window.

Because user units differ, rows are ranked by ``value_per_gw``: the dual times the tier's
scaled units per IT GW of throughput, averaged over the window — GW-weeks (or $B) per IT GW
of extra capacity in every tier alike.
"""

from __future__ import annotations

import json
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr

from ..units import WEEKS_PER_YEAR
from .solve import PlanResult

#: Tolerance below which a shadow price counts as zero (objective units per user unit).
PRICE_TOL = 1e-7

Kind = Literal["rate", "quantity", "cumulative"]

#: limit -> (user unit, kind, amount of the user unit in scaled right-hand-side units).
#: The transformer amount is set per call from ``mw_per_transformer``.
USER_UNITS: dict[str, tuple[str, Kind, float]] = {
    "logic_wafers": ("1k logic wafers/month", "rate", 12.0 / WEEKS_PER_YEAR),
    "cowos": ("1k CoWoS wafers/month", "rate", 12.0 / WEEKS_PER_YEAR),
    "hbm": ("1M HBM stacks", "quantity", 1.0),
    "rack_assembly": ("1 MW (IT)/week of rack assembly", "rate", 1e-3),
    "construction": ("1 MW (IT) of shells", "quantity", 1e-3),
    "transformers": ("1 transformer", "quantity", 0.1),
    "gas_turbines": ("1 MW of on-site generation", "quantity", 1e-3),
    "grid": ("1 MW of interconnection", "quantity", 1e-3),
    "orders": ("1 MW (IT) of orders", "cumulative", 1e-3),
    "shell_demand": ("1 MW (IT) of shells contracted ahead", "cumulative", 1e-3),
    "phase": ("1 MW (IT) of the named phase", "quantity", 1e-3),
    "budget": ("$1B", "quantity", 1.0),
}

COLUMNS = [
    "constraint",
    "period",
    "shadow_price",
    "unit",
    "tier",
    "item",
    "value_per_gw",
    "rank",
    "sim_binding_weeks",
    "at_penalty",
]


def _windows(result: PlanResult, by: str) -> pd.Index:
    t = result.data.periods + pd.Timedelta(days=3)  # ISO convention: a week's Thursday
    return pd.Index(t.to_period("Q").astype(str) if by == "quarter" else t.year.astype(str))


def _per_gw(result: PlanResult, tier: str) -> np.ndarray:
    """Scaled right-hand-side units per IT GW of throughput, per period."""
    d = result.data
    if tier in d.coef:
        return np.asarray(d.coef[tier], dtype=float)
    fac = d.pue if tier in ("transformers", "gas_turbines", "grid") else 1.0
    return np.full(d.n, fac)


def _objective_unit(result: PlanResult) -> str:
    if result.settings.objective == "max-gw":
        return "GW-weeks gained"
    return "$B saved"


def bottlenecks(
    result: PlanResult,
    *,
    by: Literal["quarter", "year"] = "quarter",
    sim: xr.Dataset | None = None,
    mw_per_transformer: float = 100.0,
) -> pd.DataFrame:
    """Ranked shadow prices of the plan's limits, rolled up by quarter (or year).

    Parameters
    ----------
    result : PlanResult
        A solved plan.
    by : {"quarter", "year"}
        Roll-up window.
    sim : xr.Dataset, optional
        The simulator's output for the same inputs; adds ``sim_binding_weeks``, the weeks in
        the window in which the simulator found that tier binding (draw = the plan's draw).
    mw_per_transformer : float
        Facility MW one large power transformer energises (catalog
        ``tiers.transformers.params.mw_per_unit``).

    Returns
    -------
    pd.DataFrame
        Columns ``constraint`` (``cap-cowos``, ``cap-orders[nvidia]``, ``budget`` …),
        ``period`` (``2027Q3`` or ``2027``), ``shadow_price`` (objective gained per user unit,
        see ``unit``), ``unit``, ``tier``, ``item``, ``value_per_gw`` (per IT GW of extra
        capacity, comparable across tiers), ``rank`` (1 = most valuable in its window) and
        ``sim_binding_weeks`` and ``at_penalty`` (the dual equals the slack penalty: the price
        of violating the limit, not a marginal product); zero prices are left out; sorted by
        period, then rank.
    """
    d = result.data
    win = _windows(result, by)
    n_win = pd.Series(d.n_weeks, index=win).groupby(level=0).transform("sum").to_numpy()
    gain = _objective_unit(result)
    units = dict(USER_UNITS)
    units["transformers"] = (
        f"1 transformer ({mw_per_transformer:g} MW)",
        "quantity",
        mw_per_transformer / 1e3,
    )
    sim_weeks = _sim_binding(result, sim, by) if sim is not None else None
    # a dual equal to the slack penalty is the price of violating the limit, not a marginal
    # product (the limit is infeasible or its duals degenerate): flagged ``at_penalty``
    pen = result.settings.slack_penalty * (
        1.0 if result.settings.objective == "max-gw" else result.settings.shortfall_penalty
    )
    rows: list[dict[str, object]] = []
    for name, dual in result.duals.data_vars.items():
        tier = str(name).removeprefix("cap-")
        queue = ""
        if tier == "transformers_onsite":  # the on-site share of the transformer supply
            tier, queue = "transformers", "onsite"
        if tier == "budget":
            rows += _budget_rows(result, dual, pen)
        elif tier == "phase":
            rows += _phase_rows(result, dual, win, units[tier][2], pen)
        else:
            rows += _tier_rows(result, dual, tier, queue, units[tier], win, n_win, pen)
    return _ranked(rows, units, gain, sim_weeks)


def _budget_rows(result: PlanResult, dual: xr.DataArray, pen: float) -> list[dict[str, object]]:
    """One row per year whose budget binds; value per IT GW = λ × accelerator $B per IT GW."""
    rows: list[dict[str, object]] = []
    for year, lam in dual.to_series().items():
        if abs(lam) > PRICE_TOL:
            rows.append(
                {
                    "constraint": "budget",
                    "period": str(year),
                    "tier": "budget",
                    "item": "",
                    "shadow_price": float(lam),
                    "value_per_gw": float(lam) * result.settings.costs.accelerator_b_per_it_gw,
                    "at_penalty": bool(abs(lam) >= (1.0 - 1e-6) * pen),
                }
            )
    return rows


def _phase_rows(
    result: PlanResult, dual: xr.DataArray, win: pd.Index, amount: float, pen: float
) -> list[dict[str, object]]:
    """One row per named site phase whose limit binds, in the window of its first week."""
    d = result.data
    rows: list[dict[str, object]] = []
    for ph, lam in dual.to_series().items():
        first = int(d.phase_first[list(d.phase_ids).index(str(ph))])
        if abs(lam) > PRICE_TOL and first < d.n:
            rows.append(
                {
                    "constraint": f"cap-phase[{ph}]",
                    "period": win[first],
                    "tier": "phase",
                    "item": str(ph),
                    "shadow_price": float(lam) * amount,
                    "value_per_gw": float(lam),
                    "at_penalty": bool(abs(lam) >= (1.0 - 1e-6) * pen),
                }
            )
    return rows


def _tier_rows(
    result: PlanResult,
    dual: xr.DataArray,
    tier: str,
    queue: str,
    unit: tuple[str, Kind, float],
    win: pd.Index,
    n_win: np.ndarray,
    pen: float,
) -> list[dict[str, object]]:
    """Rows of a capacity tier (per vendor for orders), summed over each window: the shadow
    price per user unit is Σ_t λ_t × Δb_t, where one unit adds ``amount`` per week (a rate),
    ``amount`` spread over the window (a quantity), or ``amount`` once."""
    d = result.data
    _, kind, amount = unit
    lam2 = np.atleast_2d(np.nan_to_num(np.asarray(dual.values, dtype=float)))
    items = [str(v) for v in dual.coords["vendor"].values] if "vendor" in dual.dims else [queue]
    if kind == "rate":
        db = amount * d.n_weeks
    elif kind == "quantity":
        db = amount * d.n_weeks / n_win
    else:
        db = np.full(d.n, amount)
    g = _per_gw(result, tier)
    rows: list[dict[str, object]] = []
    for item, lam in zip(items, lam2, strict=True):
        capped = np.abs(lam) >= (1.0 - 1e-6) * pen
        frame = pd.DataFrame({"w": win, "price": lam * db, "vg": lam * g, "cap": capped})
        agg = frame.groupby("w", sort=False).agg(
            price=("price", "sum"), vg=("vg", "mean"), cap=("cap", "any")
        )
        for w, row in agg.iterrows():
            if abs(row["price"]) > PRICE_TOL:
                rows.append(
                    {
                        "constraint": f"cap-{tier}" + (f"[{item}]" if item else ""),
                        "period": str(w),
                        "tier": tier,
                        "item": item,
                        "shadow_price": float(row["price"]),
                        "value_per_gw": float(row["vg"]),
                        "at_penalty": bool(row["cap"]),
                    }
                )
    return rows


def _ranked(
    rows: list[dict[str, object]],
    units: dict[str, tuple[str, Kind, float]],
    gain: str,
    sim_weeks: dict[tuple[str, str], int] | None,
) -> pd.DataFrame:
    """The rows as a frame with units, rank per period (by value per IT GW) and the
    simulator's binding weeks; sorted by period, then rank."""
    if not rows:
        return pd.DataFrame(columns=COLUMNS)
    df = pd.DataFrame(rows)
    df["unit"] = [f"{gain} per {units[t][0]}" for t in df["tier"]]
    df["rank"] = (
        df.groupby("period")["value_per_gw"].rank(ascending=False, method="first").astype(int)
    )
    df["sim_binding_weeks"] = (
        [int(sim_weeks.get((p, t), 0)) for p, t in zip(df["period"], df["tier"], strict=True)]
        if sim_weeks is not None
        else pd.NA
    )
    return df.sort_values(["period", "rank"]).reset_index(drop=True)[COLUMNS]


def _sim_binding(result: PlanResult, sim: xr.Dataset, by: str) -> dict[tuple[str, str], int]:
    """Weeks each tier was binding in the simulator, by (window, tier), for the plan's draw."""
    codes = {int(k): v for k, v in json.loads(sim.attrs["binding_codes"]).items()}
    draw = min(result.data.draw, int(sim.sizes["draw"]) - 1)
    b = np.asarray(sim["binding"].isel(draw=draw).values)
    t = pd.DatetimeIndex(sim["week"].values) + pd.Timedelta(days=3)
    win = t.to_period("Q").astype(str) if by == "quarter" else t.year.astype(str)
    s = pd.Series(1, index=pd.MultiIndex.from_arrays([win, [codes.get(int(c), "none") for c in b]]))
    counts = s.groupby(level=[0, 1]).sum()
    return {
        (str(w), str(t)): int(v)
        for (w, t), v in zip(counts.index.tolist(), counts.tolist(), strict=True)
    }


def side_by_side(
    result: PlanResult,
    sim: xr.Dataset,
    *,
    by: Literal["quarter", "year"] = "year",
    mw_per_transformer: float = 100.0,
) -> pd.DataFrame:
    """Per window: the plan's top constraint (by ``value_per_gw``) next to the simulator's most
    often binding tier, with its share of weeks."""
    bn = bottlenecks(result, by=by, sim=sim, mw_per_transformer=mw_per_transformer)
    top = bn[bn["rank"] == 1].set_index("period")
    weeks = _sim_binding(result, sim, by)
    rows = []
    for w in _windows(result, by).unique():
        plan = top.loc[w] if w in top.index else None
        in_w = {t: n for (ww, t), n in weeks.items() if ww == w}
        sim_top, share = ("", 0.0)
        if in_w:
            sim_top = max(in_w, key=lambda t: in_w[t])
            share = in_w[sim_top] / sum(in_w.values())
        rows.append(
            {
                "period": str(w),
                "plan_constraint": "" if plan is None else str(plan["constraint"]),
                "plan_shadow_price": np.nan if plan is None else float(plan["shadow_price"]),
                "plan_unit": "" if plan is None else str(plan["unit"]),
                "sim_binding": sim_top,
                "sim_share": share,
            }
        )
    return pd.DataFrame(rows)
