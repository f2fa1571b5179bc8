"""Constants and conversions. Power has three bases (chip TDP, IT, facility); never mix them."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: H100 dense 8-bit tensor throughput, TOP/s — the H100-equivalent (H100e) yardstick
#: (Epoch AI, ai-chip-counts schema: H100e = units × 8-bit TOPS ÷ 1,979).
H100_FP8_DENSE_TOPS = 1979.0
#: FLOP/s of one H100e at 8-bit dense.
H100E_FLOPS = H100_FP8_DENSE_TOPS * 1e12

HOURS_PER_WEEK = 168.0
WEEKS_PER_YEAR = 52.1775
MW_PER_GW = 1000.0


def h100e(fp8_dense_tflops: ArrayLike) -> NDArray[np.float64]:
    """H100-equivalents per accelerator: dense 8-bit TFLOP/s ÷ 1,979."""
    return np.asarray(fp8_dense_tflops, dtype=float) / H100_FP8_DENSE_TOPS


def facility_from_it(it: ArrayLike, pue: ArrayLike) -> NDArray[np.float64]:
    """Facility (grid) power = IT (critical) power × PUE; same unit in and out."""
    return np.asarray(it, dtype=float) * np.asarray(pue, dtype=float)


def energy_twh(facility_gw: ArrayLike, load_factor: ArrayLike, hours: float) -> NDArray[np.float64]:
    """Energy in TWh = facility GW × average load factor × hours ÷ 1,000."""
    return np.asarray(facility_gw, dtype=float) * np.asarray(load_factor, dtype=float) * hours / 1e3


def training_flop(
    h100e_count: float, utilisation: float, days: float, flop_per_s: float = H100E_FLOPS
) -> float:
    """FLOP of a training run: H100e × FLOP/s per H100e × utilisation × seconds."""
    return h100e_count * flop_per_s * utilisation * days * 86400.0


def facility_w_per_accelerator(tdp_w: float, system_overhead: float, pue: float) -> float:
    """All-in facility watts per accelerator = chip TDP × server/network overhead × PUE."""
    return tdp_w * system_overhead * pue
