"""Test-only generators shared by the tests and the benchmarks (not part of the package).

* ``example_physical`` / ``example_finance`` / ``example_summary``: synthetic result datasets
  with the shapes of docs/interfaces.md, so the store and the report can be tested without
  running the engine.  Plausible in scale only: a logistic build-out of IT GW per draw, a
  binding tier that moves from chips to power, inventories that pile up when power lags.
* ``synthetic_physical``: S-curve deployments by vendor with a per-draw delay and every
  variable the finance pass reads, so finance can be exercised without the supply engine.
* ``FakePlan``: the two ``PlanResult`` attributes the store and the report read.

Nothing here is a forecast.  Tests import it as ``from fixtures import …`` (pytest puts
``tests/`` on the path); the benchmarks insert ``tests/`` into ``sys.path``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from gigafactory.results.regions import region_year
from gigafactory.supply.inputs import TIERS


@dataclass
class FakePlan:
    """The two ``PlanResult`` attributes the store and the report read."""

    schedule: xr.Dataset
    bottlenecks: pd.DataFrame


EXAMPLE_VENDORS: tuple[str, ...] = ("nvidia", "amd", "broadcom")
EXAMPLE_PHASES: tuple[str, ...] = (
    "abilene.phase 1",
    "abilene.phase 2",
    "shackelford.first phase",
    "michigan.phase 1",
)
EXAMPLE_ENTITIES: tuple[str, ...] = ("openai", "oracle", "nvidia", "amd", "coreweave", "softbank")


def example_physical(
    draws: int = 64, seed: int = 0, *, weeks: int = 574, start: str = "2025-01-06"
) -> xr.Dataset:
    """A physical results dataset shaped like ``simulate``'s output (see docs/interfaces.md).

    Parameters
    ----------
    draws : int
        Number of Monte Carlo draws.
    seed : int
        Seed of the ``numpy.random.Generator``; same seed, same dataset.
    weeks : int
        Length of the weekly grid (574 = 2025-W02 … 2035-W52 style horizon).
    start : str
        First Monday of the grid.
    """
    rng = np.random.default_rng(seed)
    week = pd.date_range(start, periods=weeks, freq="7D")
    t = np.arange(weeks, dtype=float)[None, :]
    cap = rng.uniform(20.0, 60.0, (draws, 1))  # IT GW plateau
    mid = rng.uniform(150.0, 300.0, (draws, 1))  # week of fastest growth
    rate = rng.uniform(0.015, 0.03, (draws, 1))
    online = cap / (1.0 + np.exp(-rate * (t - mid)))
    added = np.diff(online, axis=1, prepend=0.0)
    pue = rng.uniform(1.15, 1.35, draws)
    tiers = (*TIERS, "none")
    # Chips bind early, power later: the switch week varies by draw.
    switch = rng.integers(100, 350, (draws, 1))
    chip = rng.choice([tiers.index("cowos"), tiers.index("hbm")], (draws, weeks))
    power = rng.choice(
        [tiers.index("grid"), tiers.index("transformers"), tiers.index("gas_turbines")],
        (draws, weeks),
    )
    binding = np.where(t < switch, chip, power).astype(np.int8)
    waiting = np.clip(
        np.cumsum(rng.normal(0.0, 0.05, (draws, weeks)), axis=1)
        + 0.02 * np.maximum(t - switch, 0) ** 0.7,
        0,
        None,
    )
    share = np.array([0.7, 0.2, 0.1])
    planned = np.array([26, 80, 104, 150], dtype=np.int32)[: len(EXAMPLE_PHASES)]
    slip = rng.gamma(2.0, 8.0, (draws, len(planned))).astype(np.int32)
    power_week = np.where(planned + slip < weeks, planned + slip, -1).astype(np.int32)
    f32 = np.float32
    ds = xr.Dataset(
        {
            "it_gw_online": (("draw", "week"), online.astype(f32)),
            "facility_gw_online": (("draw", "week"), (online * pue[:, None]).astype(f32)),
            "it_gw_added": (("draw", "week"), added.astype(f32)),
            "facility_gw_added": (("draw", "week"), (added * pue[:, None]).astype(f32)),
            "it_gw_retired": (("draw", "week"), np.zeros((draws, weeks), f32)),
            "h100e_online_m": (("draw", "week"), (online * 0.9).astype(f32)),
            "h100e_produced_m": (("draw", "week"), (added * 1.1).astype(f32)),
            "accelerators_waiting_gw": (("draw", "week"), (0.3 * waiting).astype(f32)),
            "racks_waiting_gw": (("draw", "week"), waiting.astype(f32)),
            "shells_unpowered_gw": (("draw", "week"), (0.5 * waiting[:, ::-1]).astype(f32)),
            "shells_empty_gw": (
                ("draw", "week"),
                np.clip(0.4 - 0.2 * waiting, 0, None).astype(f32),
            ),
            "binding": (("draw", "week"), binding),
            "binding_weeks": (
                ("draw", "tier"),
                np.stack([(binding == i).sum(axis=1) for i in range(len(tiers))], axis=1).astype(
                    np.int32
                ),
            ),
            "energy_twh": (("draw", "week"), (online * pue[:, None] * 0.8 * 168 / 1e3).astype(f32)),
            "it_gw_online_by_vendor": (
                ("draw", "week", "vendor"),
                (online[:, :, None] * share).astype(f32),
            ),
            "it_gw_delivered_by_vendor": (
                ("draw", "week", "vendor"),
                (np.cumsum(added, axis=1)[:, :, None] * share).astype(f32),
            ),
            "phase_power_week": (("draw", "phase"), power_week),
            "phase_planned_week": (("phase",), planned),
            "pue": (("draw",), pue.astype(f32)),
            "load_factor": (("draw",), rng.uniform(0.7, 0.9, draws).astype(f32)),
        },
        coords={
            "draw": np.arange(draws),
            "week": week,
            "vendor": list(EXAMPLE_VENDORS),
            "tier": list(tiers),
            "phase": list(EXAMPLE_PHASES),
        },
        attrs={
            "scenario": "example",
            "scope": "openai",
            "seed": seed,
            "draws": draws,
            "goal_gw_per_week": 1.0,
            "goal_basis": "facility",
            "binding_codes": json.dumps(list(tiers)),
        },
    )
    return ds


def example_finance(physical: xr.Dataset, seed: int = 0) -> xr.Dataset:
    """A finance dataset laid out like ``run_finance``'s: cash by entity, gaps, flows per link ($B)."""
    rng = np.random.default_rng(seed + 1)
    draws = physical.sizes["draw"]
    ents = list(EXAMPLE_ENTITIES)
    burn = rng.uniform(0.05, 0.4, (draws, 1, len(ents)))
    income = physical["it_gw_online"].values[:, :, None] * rng.uniform(
        0.005, 0.02, (draws, 1, len(ents))
    )
    cash = 20.0 + np.cumsum(income - burn, axis=1)
    cash[:, :8, ents.index("coreweave")] = np.nan  # an entity not yet tracked shows as NaN
    links = [
        ("openai", "oracle", 300),
        ("oracle", "nvidia", 180),
        ("nvidia", "openai", 100),
        ("openai", "amd", 90),
        ("amd", "openai", 30),
        ("openai", "coreweave", 22),
        ("coreweave", "nvidia", 15),
        ("softbank", "openai", 40),
    ]
    years = sorted(set((pd.to_datetime(physical["week"].values) + pd.Timedelta(days=3)).year))
    share = rng.dirichlet(np.ones(len(years)), len(links))  # [link, year]
    flow = np.stack(
        [
            usd * share[i][None, :] * rng.uniform(0.7, 1.3, (draws, 1))
            for i, (_, _, usd) in enumerate(links)
        ],
        axis=2,
    )
    cps = ["oracle", "nvidia", "amd", "coreweave"]
    return xr.Dataset(
        {
            "cash_usd_b": (("draw", "week", "entity"), cash),
            "funding_gap_usd_b": (
                ("draw", "entity"),
                np.clip(-cash.min(axis=1, initial=np.inf, where=~np.isnan(cash)), 0, None),
            ),
            "runway_weeks": (("draw", "entity"), rng.uniform(20, 400, (draws, len(ents)))),
            "flow_usd_b": (("draw", "year", "link"), flow.astype(np.float32)),
            "exposure_usd_b": (("draw", "counterparty"), rng.uniform(10, 300, (draws, len(cps)))),
            "fci_cash": (("draw",), rng.uniform(0.0, 0.02, draws)),
        },
        coords={
            "draw": physical["draw"].values,
            "week": physical["week"].values,
            "entity": ents,
            "year": years,
            "link": [f"{a}>{b}:deal" for a, b, _ in links],
            "link_payer": ("link", [a for a, _, _ in links]),
            "link_payee": ("link", [b for _, b, _ in links]),
            "link_kind": ("link", ["cash"] * len(links)),
            "counterparty": cps,
        },
    )


def _quantiles(a: np.ndarray) -> dict[str, float]:
    return {f"p{round(q * 100)}": float(np.quantile(a, q)) for q in (0.05, 0.5, 0.95)}


def example_summary(physical: xr.Dataset, *, finance: bool = True) -> dict[str, Any]:
    """A summary.json-shaped dict for a physical dataset (plus a finance section)."""
    years: dict[str, Any] = {}
    iso_year = (pd.to_datetime(physical["week"].values) + pd.Timedelta(days=3)).year
    for y in sorted(set(iso_year))[:-1]:
        last = int(np.flatnonzero(iso_year == y)[-1])
        sel = physical.isel(week=last)
        yearly = physical["facility_gw_added"].isel(week=np.flatnonzero(iso_year == y)).mean("week")
        years[str(y)] = {
            v: {f"p{round(q * 100)}": float(np.quantile(a, q)) for q in (0.05, 0.5, 0.95)}
            for v, a in (
                ("it_gw_online", sel["it_gw_online"].values),
                ("facility_gw_online", sel["facility_gw_online"].values),
                ("gw_added_per_week", yearly.values),
            )
        }
        years[str(y)].update(region_year(physical, int(y), _quantiles))
    out: dict[str, Any] = {
        "scenario": physical.attrs.get("scenario", "example"),
        "draws": int(physical.sizes["draw"]),
        "seed": int(physical.attrs.get("seed", 0)),
        "scope": physical.attrs.get("scope", "openai"),
        "years": years,
        "gw_per_week_reached": None,
    }
    if finance:
        out["partners"] = {  # the shape of results.partners.partners_view
            "broadcom": {
                "name": "Broadcom",
                "deals": {"broadcom_10gw": "term_sheet"},
                "supplies": ["broadcom_10gw: hardware purchase, 10 GW (it)"],
                "it_gw_online_p50": {"2027": 0.4, "2030": 5.1},
                "cases": {
                    "broadcom_10gw": {
                        "p_converted": 0.5,
                        "converted_p50": {"2027": 0.8, "2030": 7.3},
                        "not_converted_p50": {"2027": 0.0, "2030": 3.0},
                    }
                },
                "paid_usd_b": {"hardware": 400.0},
                "pays_usd_b": {},
                "exposure_to_buyer_usd_b_p50": 0.0,
            }
        }
        out["finance"] = {
            "buyer": "openai",
            "funding_gap_usd_b": {"p5": 40.0, "p50": 120.0, "p95": 310.0},
            "first_breach": "2027-W14",
            "runway_weeks": {"p5": 60.0, "p50": 110.0, "p95": 170.0},
            "entities": {
                "openai": {
                    "funding_gap_usd_b": {"p5": 40.0, "p50": 120.0, "p95": 310.0},
                    "p_breach": 0.9,
                    "first_breach": "2027-W14",
                },
                "oracle": {
                    "funding_gap_usd_b": {"p5": 0.0, "p50": 20.0, "p95": 60.0},
                    "p_breach": 0.6,
                    "first_breach": "2028-W02",
                },
            },
            "exposure_usd_b": {"oracle": 300.0, "nvidia": 100.0, "amd": 30.0},
            "circularity": {
                "finn_cycling_index": {"p5": 0.004, "p50": 0.006, "p95": 0.008},
                "return_probability": {"nvidia": 0.004, "openai": 0.012},
                "vendor_financing": {
                    "nvidia": {
                        "hardware_sales_usd_b": 180.0,
                        "financing_funded_usd_b": 100.0,
                        "round_trip_share": 0.56,
                    }
                },
                "loops": [
                    {
                        "loop": "openai → oracle → nvidia → openai",
                        "entities": ["openai", "oracle", "nvidia"],
                        "min_flow_usd_b": 100.0,
                    }
                ],
            },
            "warrants": {"amd_warrant": {"value_usd_b": {"p5": 0.0, "p50": 12.0, "p95": 60.0}}},
        }
    return out


# --- finance: a synthetic physical dataset ----------------------------------------
SYNTHETIC_VENDORS: tuple[str, ...] = ("nvidia", "amd", "broadcom", "google", "aws")
#: IT GW each vendor reaches at the end of the ramp (OpenAI-scale deal web).
FINAL_GW: dict[str, float] = {
    "nvidia": 12.0,
    "amd": 6.0,
    "broadcom": 10.0,
    "google": 0.0,
    "aws": 2.0,
}


def synthetic_physical(
    draws: int = 100,
    weeks: int = 574,
    seed: int = 0,
    delay_weeks: float = 0.0,
    scale: float = 1.0,
    start: str = "2025-01-06",
    scope: str = "openai",
    initial_gw: float = 1.0,
) -> xr.Dataset:
    """Logistic ramps ``G_v(t) = final_v · scale / (1 + exp(−(t − t_mid − delay − δ_d)/k))``.

    Parameters
    ----------
    draws, weeks : sizes.
    seed : seeds the per-draw delay δ_d ~ N(0, 26 weeks).
    delay_weeks : extra delay added to every draw (weeks).
    scale : multiplies every vendor's final GW.
    initial_gw : IT GW of pre-existing Nvidia fleet online at the start.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(weeks, dtype=np.float32)
    jitter = rng.normal(0.0, 26.0, draws).astype(np.float32)
    mid = (150.0 + delay_weeks + jitter)[:, None]
    # the offset does not depend on the delay: a delayed build is a pure shift, never ahead
    offset = 1.0 / (1.0 + np.exp((150.0 + jitter[:, None]) / 40.0))
    ramp = np.maximum(1.0 / (1.0 + np.exp(-(t[None, :] - mid) / 40.0)) - offset, 0.0)
    final = np.array([FINAL_GW[v] for v in SYNTHETIC_VENDORS], dtype=np.float32) * np.float32(scale)
    delivered = (ramp[:, :, None] * final[None, None, :]).astype(np.float32)
    online = delivered.copy()
    online[:, :, 0] += np.float32(initial_gw)
    it = online.sum(axis=2)
    energy = it * np.float32(1.2 * 0.8 * 7 * 24 / 1000.0)  # PUE 1.2, load 0.8: GW × h → TWh
    wk = pd.date_range(start, periods=weeks, freq="7D")
    return xr.Dataset(
        {
            "it_gw_online": (("draw", "week"), it),
            "it_gw_added": (
                ("draw", "week"),
                np.diff(delivered.sum(2), axis=1, prepend=0.0).astype(np.float32),
            ),
            "facility_gw_online": (("draw", "week"), (it * 1.2).astype(np.float32)),
            "energy_twh": (("draw", "week"), energy.astype(np.float32)),
            "it_gw_delivered_by_vendor": (("draw", "week", "vendor"), delivered),
            "it_gw_online_by_vendor": (("draw", "week", "vendor"), online),
        },
        coords={"draw": np.arange(draws), "week": wk.values, "vendor": list(SYNTHETIC_VENDORS)},
        attrs={"scope": scope, "seed": seed, "draws": draws},
    )


#: regions of ``with_regions`` (a subset of the catalog's)
EXAMPLE_REGIONS: tuple[str, ...] = ("us-ercot", "us-pjm", "gulf")


def with_regions(ds: xr.Dataset, seed: int = 0) -> xr.Dataset:
    """``ds`` with the ``[draw, year, region]`` variables of ``supply.regions.region_results``:
    the AI fleet split 0.5/0.4/0.1 and a conventional load of 10/20/1 TWh/yr growing 9 %/yr."""
    rng = np.random.default_rng(seed)
    week_years = np.asarray((ds.indexes["week"] + pd.Timedelta(days=3)).year)
    years = np.unique(week_years)
    last = [int(np.nonzero(week_years == y)[0][-1]) for y in years]
    share = np.array([0.5, 0.4, 0.1])
    it = ds["it_gw_online"].values[:, last][:, :, None] * share
    twh = np.stack([ds["energy_twh"].values[:, week_years == y].sum(axis=1) for y in years], 1)
    conv = (
        np.array([10.0, 20.0, 1.0])[None, None, :]
        * 1.09 ** (years - years[0])[None, :, None]
        * rng.uniform(0.9, 1.1, (ds.sizes["draw"], 1, 1))
    )
    lf = ds["load_factor"].values[:, None, None]
    dims = ("draw", "year", "region")
    f32 = np.float32
    return ds.assign_coords(year=years, region=list(EXAMPLE_REGIONS)).assign(
        it_gw_online_by_region=(dims, it.astype(f32)),
        ai_facility_gw_online_by_region=(dims, (it * ds["pue"].values[:, None, None]).astype(f32)),
        ai_energy_twh_by_region=(dims, (twh[:, :, None] * share).astype(f32)),
        conventional_facility_gw_by_region=(dims, (conv / (8.766 * lf)).astype(f32)),
        conventional_energy_twh_by_region=(dims, conv.astype(f32)),
    )
