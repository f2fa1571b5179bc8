"""The shared AI-demand factor, revenue multipliers and share-price paths (GBM).

One standard Brownian motion Z(t) per draw, in years, starting at the ``as_of`` week, drives
both revenue and share prices, so a draw where demand is strong has high revenue *and* high
share prices (the circularity critics' point: warrant value and the ability to pay move together).

    revenue multiplier   M(t) = exp(σ_R Z(t) − σ_R² τ / 2)                       (E[M] = 1)
    share price          S(t) = S0 exp((μ − σ²/2) τ + σ (ρ Z(t) + √(1 − ρ²) W(t)))
with τ = years since ``as_of`` (0 before it), μ = r (risk-neutral) or 0.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

F32 = NDArray[np.float32]

#: One week in years.
WEEK_YEARS = 7.0 / 365.25


def brownian_paths(rng: np.random.Generator, draws: int, weeks: int, start_week: int) -> F32:
    """Standard Brownian motion ``[D, W]`` in √years, zero up to and including ``start_week``."""
    s = min(max(start_week, 0), weeks - 1)
    out = np.zeros((draws, weeks), dtype=np.float32)
    step = np.float32(np.sqrt(WEEK_YEARS))
    # the generator fills row after row, so blocks of rows draw the very same numbers as one
    # call; a small block buffer spares a second [draws, weeks] array
    block = max(1, min(draws, 65536 // max(weeks, 1)))
    for a in range(0, draws, block):
        inc = rng.standard_normal((min(block, draws - a), weeks - s - 1), dtype=np.float32)
        inc *= step
        np.cumsum(inc, axis=1, dtype=np.float32, out=out[a : a + len(inc), s + 1 :])  # 0 + x = x
    return out


def years_since(weeks: int, start_week: int) -> NDArray[np.float64]:
    """τ ``[W]``: years since ``start_week`` (0 before it)."""
    return np.maximum(np.arange(weeks) - start_week, 0) * WEEK_YEARS


def revenue_multiplier(z: F32, sigma: NDArray[np.floating], tau: NDArray[np.float64]) -> F32:
    """M = exp(σ_R Z − σ_R² τ/2) ``[D, W]``; ``sigma`` ``[D]`` per √yr (decimal)."""
    s = np.asarray(sigma, dtype=np.float32)[:, None]
    return np.exp(s * z - np.float32(0.5) * s * s * tau.astype(np.float32)[None, :])


def share_price_paths(
    s0: NDArray[np.floating],
    sigma: NDArray[np.floating],
    drift: float,
    rho: float,
    z: F32,
    w: F32,
    tau: NDArray[np.float64],
) -> F32:
    """GBM share prices ``[D, W]`` ($/share) correlated ρ with the demand factor ``z``.

    Parameters
    ----------
    s0, sigma : ``[D]`` start price ($/share) and volatility (decimal per √yr).
    drift : μ, decimal per year.
    rho : correlation of the price shocks with ``z``.
    z, w : ``[D, W]`` the shared and an independent standard Brownian motion.
    """
    s = np.asarray(sigma, dtype=np.float32)[:, None]
    t = tau.astype(np.float32)[None, :]
    shock = np.float32(rho) * z + np.float32(np.sqrt(max(0.0, 1.0 - rho * rho))) * w
    logp = (
        np.log(np.asarray(s0, dtype=np.float32))[:, None]
        + (np.float32(drift) - 0.5 * s * s) * t
        + s * shock
    )
    return np.exp(logp).astype(np.float32, copy=False)
