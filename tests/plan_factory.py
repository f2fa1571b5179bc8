"""Small hand-built ModelInputs for planner tests (one draw, one or two SKUs)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from gigafactory.supply.inputs import ModelInputs
from gigafactory.timegrid import TimeGrid

BIG = 1e9


def make_inputs(n_weeks: int = 20, *, draws: int = 1, **over: Any) -> ModelInputs:
    """A tiny instance where every non-named limit is ``BIG`` unless overridden.

    One SKU of 1,000 IT W (so 1e6 units = 1 IT GW), 10 logic packages and 20 good CoWoS
    packages per wafer, 8 HBM stacks; no lead times, life 1,000 weeks, PUE 1, no on-site
    power, no initial fleet, no named phases, no orders cap.  Keyword arguments replace any
    field; capacity arrays may be given as scalars or ``[W]`` arrays (broadcast to ``[D, W]``).
    """
    start = dt.date(2025, 1, 6)
    grid = TimeGrid.from_bounds(start, start + dt.timedelta(weeks=n_weeks - 1))
    assert grid.n == n_weeks
    D, W = draws, n_weeks

    def dw(x: Any) -> np.ndarray:
        return np.broadcast_to(np.asarray(x, dtype=float), (D, W)).copy()

    def d_(x: Any, dtype: type = float) -> np.ndarray:
        return np.broadcast_to(np.asarray(x, dtype=dtype), (D,)).copy()

    caps = {
        k: dw(over.pop(k, BIG))
        for k in (
            "cap_logic_wafers_per_wk",
            "cap_cowos_wafers_per_wk",
            "cap_hbm_stacks_per_wk",
            "cap_rack_it_mw_per_wk",
            "cap_construction_it_mw_per_wk",
            "cap_transformers_fac_mw_per_wk",
            "cap_gas_turbines_fac_mw_per_wk",
            "cap_grid_fac_mw_per_wk",
        )
    }
    skus = over.pop("skus", ("X1",))
    S = len(skus)

    def ds(x: Any) -> np.ndarray:
        return np.broadcast_to(np.asarray(x, dtype=float), (D, S)).copy()

    base: dict[str, Any] = {
        "grid": grid,
        "draws": D,
        "seed": 0,
        "scope": "industry",
        "skus": skus,
        "sku_vendor": over.pop("sku_vendor", ("acme",) * S),
        "vendors": over.pop("vendors", ("acme",)),
        "it_w": ds(over.pop("it_w", 1000.0)),
        "h100e_per_unit": ds(over.pop("h100e_per_unit", 1.0)),
        "hbm_stacks_per_unit": ds(over.pop("hbm_stacks_per_unit", 8.0)),
        "good_packages_per_cowos_wafer": ds(over.pop("good_packages_per_cowos_wafer", 20.0)),
        "packages_per_logic_wafer": ds(over.pop("packages_per_logic_wafer", 10.0)),
        "mix": np.broadcast_to(np.asarray(over.pop("mix", np.full(S, 1.0 / S))), (W, S)).copy(),
        "orders_it_mw_cum": np.full((D, W, 1), np.inf),
        "chip_lead_wk": d_(0, np.int64),
        "rack_lead_wk": d_(0, np.int64),
        "install_lead_wk": d_(0, np.int64),
        "onsite_power_share": d_(0.0),
        "pue": d_(1.0),
        "load_factor": d_(0.5),
        "life_wk": d_(1000, np.int64),
        "fleet_it_mw0": d_(0.0),
        "fleet_h100e0": d_(0.0),
        "phase_ids": (),
        "phase_site": (),
        "phase_onsite": np.zeros(0, dtype=bool),
        "phase_it_mw": np.zeros((D, 0)),
        "demand_z": np.zeros(D),
        "phase_power_wk": np.zeros((D, 0), dtype=np.int64),
        "phase_planned_wk": np.zeros(0, dtype=np.int64),
        **caps,
    }
    for k in ("chip_lead_wk", "rack_lead_wk", "install_lead_wk", "life_wk"):
        if k in over:
            base[k] = d_(over.pop(k), np.int64)
    for k in ("onsite_power_share", "pue", "fleet_it_mw0", "fleet_h100e0"):
        if k in over:
            base[k] = d_(over.pop(k))
    base.update(over)
    return ModelInputs(**base)


def with_phases(
    inp_kw: dict[str, Any], phases: list[tuple[str, float, int, bool]]
) -> dict[str, Any]:
    """Add named phases ``(id, it_mw, power_wk, onsite)`` to factory keywords (``power_wk``:
    the week the shell is built and power is ready)."""
    out = dict(inp_kw)
    out["phase_ids"] = tuple(p[0] for p in phases)
    out["phase_site"] = tuple(p[0].split("/")[0] for p in phases)
    out["phase_onsite"] = np.asarray([p[3] for p in phases], dtype=bool)
    out["phase_it_mw"] = np.asarray([[p[1] for p in phases]], dtype=float)
    out["phase_power_wk"] = np.asarray([[p[2] for p in phases]], dtype=np.int64)
    out["phase_planned_wk"] = np.asarray([p[2] for p in phases], dtype=np.int64)
    return out
