"""A synthetic physical-results dataset with the variables the finance pass reads.

For tests and benchmarks only: S-curve deployments by vendor with a per-draw delay, so the
finance model can be exercised without running the supply engine.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

VENDORS: tuple[str, ...] = ("nvidia", "amd", "broadcom", "google", "aws")
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
    final = np.array([FINAL_GW[v] for v in VENDORS], dtype=np.float32) * np.float32(scale)
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
        coords={"draw": np.arange(draws), "week": wk.values, "vendor": list(VENDORS)},
        attrs={"scope": scope, "seed": seed, "draws": draws},
    )
