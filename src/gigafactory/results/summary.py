"""Headline numbers of a run: yearly quantiles, the 1 GW/week date, binding tiers, needs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ..catalog.schema import Catalog
from ..demand.views import fleet_notes
from ..scenario.schema import Scenario
from ..supply.inputs import TIERS, ModelInputs
from ..timegrid import iso_week
from ..units import WEEKS_PER_YEAR
from .regions import region_year
from .series import median_over_draws, trailing_mean

QUANTILES = {"p5": 0.05, "p50": 0.5, "p95": 0.95}
ROLLING_WEEKS = 13
MIN_YEAR_WEEKS = 4  # years with fewer weeks in the horizon are left out of the yearly table  # the build rate is a trailing quarter average: site phases arrive in lumps


def _q(x: np.ndarray) -> dict[str, float]:
    qs = np.quantile(np.asarray(x, dtype=float), list(QUANTILES.values()))
    return {k: round(float(v), 4) + 0.0 for k, v in zip(QUANTILES, qs, strict=True)}  # no -0.0


def _q_columns(x: np.ndarray) -> list[dict[str, float]]:
    """``[_q(x[:, k]) for k …]`` of ``x`` ``[draw, k]`` in one ``np.quantile`` call."""
    qs = np.quantile(np.asarray(x, dtype=float), list(QUANTILES.values()), axis=0)
    return [
        {k: round(float(v), 4) + 0.0 for k, v in zip(QUANTILES, col, strict=True)} for col in qs.T
    ]


def build_rate(ds: xr.Dataset, basis: str) -> xr.DataArray:
    """GW added per week on ``basis`` (facility|it), trailing 13-week mean, [draw, week]."""
    var = "facility_gw_added" if basis == "facility" else "it_gw_added"
    da = ds[var].transpose(..., "week")
    return xr.DataArray(
        trailing_mean(da.values, ROLLING_WEEKS),
        dims=da.dims,
        coords={d: ds[d] for d in da.dims if d in ds.coords},
    )


def goal_reached(
    ds: xr.Dataset, net: bool = False, rate: np.ndarray | None = None
) -> tuple[str | None, dict[str, Any]]:
    """First ISO week the median build rate reaches the goal; and per-draw statistics.

    ``net=False`` uses gross installs (including racks that refill shells freed by
    retirements); ``net=True`` uses the growth of capacity online.  ``rate`` is that rate
    ``[draw, week]`` when the caller has it already (``build_rate`` or ``net_rate``).
    """
    goal = float(ds.attrs["goal_gw_per_week"])
    if rate is None:
        rate = net_rate(ds) if net else build_rate(ds, str(ds.attrs["goal_basis"])).values
    weeks = pd.DatetimeIndex(ds["week"].values)
    med = median_over_draws(np.asarray(rate, dtype=np.float64))
    hit = np.nonzero(med >= goal - 1e-9)[0]
    first = iso_week(weeks[hit[0]].date()) if hit.size else None
    reached = rate >= goal - 1e-9
    any_hit = reached.any(axis=1)
    idx = np.where(any_hit, reached.argmax(axis=1), -1)
    per_draw: dict[str, Any] = {"share_of_draws": round(float(any_hit.mean()), 4)}
    if any_hit.any():
        qs = np.quantile(idx[any_hit], [0.05, 0.5, 0.95]).round().astype(int)
        per_draw.update({k: iso_week(weeks[i].date()) for k, i in zip(QUANTILES, qs, strict=True)})
    return first, per_draw


def net_rate(ds: xr.Dataset) -> np.ndarray:
    """Growth of capacity online per week on the goal's basis, trailing 13-week mean, [draw, week]."""
    var = "facility_gw_online" if ds.attrs["goal_basis"] == "facility" else "it_gw_online"
    online = ds[var].transpose("draw", "week").values.astype(np.float64)
    diff = trailing_mean(np.diff(online, axis=1), ROLLING_WEEKS)
    return np.concatenate([np.zeros((ds.sizes["draw"], 1)), diff], axis=1)


def _year_end_index(weeks: pd.DatetimeIndex) -> dict[int, int]:
    years = (weeks + pd.Timedelta(days=3)).year
    return {int(y): int(np.nonzero(years == y)[0][-1]) for y in np.unique(years)}


def needs_table(inp: ModelInputs, goal_gw_per_wk: float, basis: str) -> list[dict[str, Any]]:
    """What the goal rate needs from each tier, per year, vs the capacity available (median draw).

    For a goal G GW/week on the facility basis: IT MW/week = 1000·G/PUE; accelerators/week =
    IT MW ÷ (MW per accelerator of the year's mix); each chip tier's need = accelerators ×
    its per-unit requirement; power tiers in facility MW.
    """
    weeks = inp.grid.weeks
    pue = float(np.median(inp.pue))
    onsite = float(np.median(inp.onsite_power_share))
    it_mw = goal_gw_per_wk * 1e3 / (pue if basis == "facility" else 1.0)
    fac_mw = it_mw * pue
    med = lambda a: np.median(a, axis=0)  # noqa: E731
    mw_per_acc = med(inp.it_w @ inp.mix.T) / 1e6
    acc = it_mw / mw_per_acc
    need = {
        "logic_wafers": acc * med((1 / inp.packages_per_logic_wafer) @ inp.mix.T),
        "cowos": acc * med((1 / inp.good_packages_per_cowos_wafer) @ inp.mix.T),
        "hbm": acc * med(inp.hbm_stacks_per_unit @ inp.mix.T),
        "rack_assembly": np.full(len(weeks), it_mw),
        "construction": np.full(len(weeks), it_mw),
        "transformers": np.full(len(weeks), fac_mw),
        "gas_turbines": np.full(len(weeks), fac_mw * onsite),
        "grid": np.full(len(weeks), fac_mw * (1 - onsite)),
    }
    units = {
        "logic_wafers": "wafers/wk",
        "cowos": "wafers/wk",
        "hbm": "stacks/wk",
        "rack_assembly": "IT MW/wk",
        "construction": "IT MW/wk",
        "transformers": "facility MW/wk",
        "gas_turbines": "facility MW/wk",
        "grid": "facility MW/wk",
    }
    rows: list[dict[str, Any]] = []
    for y, i in _year_end_index(weeks).items():
        for tier, arr in need.items():
            have = float(med(inp.capacity(tier))[i])
            rows.append(
                {
                    "year": y,
                    "tier": tier,
                    "unit": units[tier],
                    "needed": round(float(arr[i]), 1),
                    "available": round(have, 1),
                    "share_needed": round(float(arr[i]) / have, 3) if have > 0 else None,
                }
            )
    return rows


def summarise(
    ds: xr.Dataset,
    sc: Scenario,
    inputs: ModelInputs | None = None,
    *,
    catalog: Catalog | None = None,
    finance: xr.Dataset | None = None,
) -> dict[str, Any]:
    """The ``summary.json`` content of a run (see docs/interfaces.md).

    Parameters
    ----------
    ds : the physical results (``simulate`` or ``simulate_scenario``).
    sc : the scenario that ran (``scenario_resolved`` records it, with the draws that ran).
    inputs : median compiled inputs, for the ``needs`` table.
    catalog : when given, also the weeks of delay by tier (``delay_weeks``).
    finance : the finance results (``run_finance``), summarised under ``finance``.
    """
    weeks = pd.DatetimeIndex(ds["week"].values)
    ye = _year_end_index(weeks)
    years_of_week = np.asarray((weeks + pd.Timedelta(days=3)).year)
    rate = build_rate(ds, str(ds.attrs["goal_basis"])).values
    net = net_rate(ds)
    binding = ds["binding"].values
    years: dict[str, Any] = {}
    for y, i in ye.items():
        sel = years_of_week == y
        if (
            sel.sum() < MIN_YEAR_WEEKS
        ):  # a horizon that clips a year to a few weeks says nothing of it
            continue
        b = binding[:, sel]
        counts = np.stack([(b == k).sum(axis=1) for k in range(len(TIERS))], axis=1)
        mode = counts.argmax(axis=1)
        shares = {TIERS[k]: round(float((mode == k).mean()), 4) for k in np.unique(mode)}
        years[str(y)] = {
            "weeks": int(sel.sum()),
            "it_gw_online": _q(ds["it_gw_online"].values[:, i]),
            "facility_gw_online": _q(ds["facility_gw_online"].values[:, i]),
            "gw_added_per_week": _q(rate[:, i]),
            "net_gw_added_per_week": _q(net[:, i]),
            "h100e_online_m": _q(ds["h100e_online_m"].values[:, i]),
            "h100e_produced_m": _q(ds["h100e_produced_m"].values[:, sel].sum(axis=1)),
            "racks_waiting_gw": _q(ds["racks_waiting_gw"].values[:, i]),
            "energy_twh": _q(ds["energy_twh"].values[:, sel].sum(axis=1)),
            "binding": dict(sorted(shares.items(), key=lambda kv: -kv[1])),
        }
        for v in ("demand_it_gw", "contracted_it_gw"):
            if v in ds:
                years[str(y)][v] = _q(ds[v].values[:, i])
        years[str(y)].update(region_year(ds, int(y), _q, _q_columns))
    first, per_draw = goal_reached(ds, rate=rate)
    first_net, per_draw_net = goal_reached(ds, net=True, rate=net)
    bw = ds["binding_weeks"].values
    out: dict[str, Any] = {
        "scenario": sc.name,
        "draws": int(ds.sizes["draw"]),
        "seed": int(ds.attrs["seed"]),
        "scope": str(ds.attrs["scope"]),
        "as_of": sc.as_of,
        "horizon": {"start": iso_week(weeks[0].date()), "end": iso_week(weeks[-1].date())},
        "goal": {
            "gw_per_week": float(ds.attrs["goal_gw_per_week"]),
            "basis": str(ds.attrs["goal_basis"]),
            "rate": f"trailing {ROLLING_WEEKS}-week mean of GW installed per week (gross: includes "
            "refilling shells freed by retirements; net growth is net_gw_added_per_week)",
        },
        "years": years,
        "gw_per_week_reached": first,
        "gw_per_week_reached_by_draw": per_draw,
        "gw_per_week_reached_net": first_net,
        "gw_per_week_reached_net_by_draw": per_draw_net,
        "binding_weeks_mean": {t: round(float(bw[:, k].mean()), 2) for k, t in enumerate(TIERS)},
    }
    if ds.sizes.get("phase", 0):
        from .sites import sites_summary

        out["sites"] = sites_summary(ds)
    if "demand_it_gw" in ds:
        out["fleet_shrinks"] = fleet_notes(ds, {int(y): i for y, i in ye.items()})
    industry = str(ds.attrs["scope"]) == "industry"
    out["lead_basis"] = str(ds.attrs["goal_basis"])  # the basis the tables and cards lead with
    if not industry:  # the goal is the industry's: a buyer's run is not measured against it
        out["goal"]["scope_note"] = "an industry-wide goal; this run is one buyer's share"
    if inputs is not None and industry:
        out["needs"] = needs_table(
            inputs, float(ds.attrs["goal_gw_per_week"]), str(ds.attrs["goal_basis"])
        )
    if inputs is not None and inputs.meta.get("supplier_shares"):
        from ..supply.suppliers import supplier_summary

        out["suppliers"] = supplier_summary(inputs.meta, years)
    if catalog is not None:
        from ..pipeline import attribute_delays

        out["delay_weeks"] = attribute_delays(sc, catalog, ds, int(ds.attrs["seed"]))
        from ..studies.frontier import frontier_section

        out["frontier"] = frontier_section(ds, catalog)  # the largest training run (issue 11)
        from ..studies.backtest import backtest_rows

        if rows := backtest_rows(ds, catalog):  # 2023–2025 against actuals (issue 11)
            out["backtest"] = rows
    if finance is not None:
        from ..finance import summarise_finance

        out["finance"] = summarise_finance(finance)
    if catalog is not None and not industry:
        from ..supply.suppliers import decode
        from .partners import partners_view

        meta = inputs.meta if inputs is not None else {}
        supplier_shares = decode(str(meta.get("supplier_shares", "")))
        plants = decode(str(meta.get("supplier_plants", "")))
        out["partners"] = partners_view(ds, finance, catalog, sc, supplier_shares, plants)
    out["scenario_resolved"] = {**sc.model_dump(mode="json"), "draws": int(ds.sizes["draw"])}
    return out


def weeks_per_year() -> float:
    return WEEKS_PER_YEAR
