"""Milestone warrants: closed form for price-only one-touch hurdles, Monte Carlo otherwise.

A tranche of N shares with strike ≈ 0 that vests when the share price S first touches a
hurdle H before expiry T is an up-and-in asset-or-nothing one-touch.  With no dividend (q = 0)
receiving the share at the hit and holding it is worth receiving S_T at T, so by change of
numeraire (facts/finance.md §2.2)

    V = N · S0 · P^S(max_{t≤T} S_t ≥ H),   b = ln(H/S0),  ν = r + σ²/2,
    P^S = Φ((−b + νT)/(σ√T)) + exp(2νb/σ²) · Φ((−b − νT)/(σ√T)).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..formulas import one_touch_share_value as one_touch_share_value  # the one implementation

F = NDArray[np.float64]


def one_touch_share_value_mc(
    s0: float,
    hurdle: float,
    rate: float,
    sigma: float,
    years: float,
    rng: np.random.Generator,
    paths: int = 100_000,
    steps: int = 250,
) -> tuple[float, float]:
    """Monte Carlo of :func:`one_touch_share_value` with a Brownian-bridge crossing correction.

    Each step's chance that the continuous path crossed H between two sub-H endpoints x0, x1
    (in log price) is ``exp(−2 (b − x0)(b − x1) / (σ² Δt))``; the estimator
    ``e^{−rT} S_T · (1 − Π(1 − p_i))`` is then unbiased for continuous monitoring.

    Returns
    -------
    (mean, standard error), $/share.
    """
    b = np.log(hurdle / s0)
    if b <= 0:
        return float(s0), 0.0
    dt = years / steps
    drift = (rate - 0.5 * sigma**2) * dt
    vol = sigma * np.sqrt(dt)
    x = np.zeros(paths)
    log_miss = np.zeros(paths)
    hit = np.zeros(paths, dtype=bool)
    for _ in range(steps):  # state (x, miss) carries forward step to step
        x1 = x + drift + vol * rng.standard_normal(paths)
        hit |= x1 >= b
        p = np.exp(-2.0 * np.maximum(b - x, 0) * np.maximum(b - x1, 0) / (sigma**2 * dt))
        log_miss += np.log1p(-np.minimum(p, 1.0 - 1e-16))
        x = x1
    p_hit = np.where(hit, 1.0, -np.expm1(log_miss))
    est = np.exp(-rate * years) * s0 * np.exp(x) * p_hit
    return float(est.mean()), float(est.std(ddof=1) / np.sqrt(paths))


def tranche_hurdles(first: float, final: float, n: int) -> F:
    """Hurdles rising geometrically from ``first`` to ``final`` over ``n`` tranches, $/share."""
    if n == 1:
        return np.array([final], dtype=float)
    return np.asarray(first * (final / first) ** (np.arange(n) / (n - 1)), dtype=float)


def vest_weeks(
    price: NDArray[np.floating],
    gw_cum: NDArray[np.floating],
    hurdles: F,
    gw_milestones: F,
    start_week: int,
    expiry_week: int,
) -> NDArray[np.int32]:
    """Week each tranche vests: the first week ≥ ``start_week`` with both S ≥ H_k and GW ≥ G_k.

    Parameters
    ----------
    price : ``[D, W]`` share price, $/share (weekly monitoring).
    gw_cum : ``[D, W]`` cumulative GW delivered under the deal.
    hurdles, gw_milestones : ``[K]`` price hurdle ($/share) and GW milestone of each tranche.
    start_week, expiry_week : grant and expiry week indices.

    Returns
    -------
    ``[D, K]`` int32 week index of vesting, −1 where it never vests by expiry.
    τ_k = max(τ^price_k, τ^GW_k) — both conditions need only be met once (one-touch).
    """
    d, w = price.shape
    lo, hi = max(start_week, 0), min(expiry_week, w - 1)
    out = np.full((d, len(hurdles)), -1, dtype=np.int32)
    if lo > hi:
        return out
    # running maxima over the live weeks make each condition monotone (once met, met for
    # good), so the first week it holds is lo + the count of live weeks where it does not,
    # and the first week both hold is the later of the two
    pmax = np.maximum(price[:, lo : hi + 1], 0.0)
    np.maximum.accumulate(pmax, axis=1, out=pmax)
    gmax = np.maximum(gw_cum[:, lo : hi + 1], 0.0)
    np.maximum.accumulate(gmax, axis=1, out=gmax)
    n = hi + 1 - lo
    for k, (h, g) in enumerate(zip(hurdles, gw_milestones, strict=True)):  # K ≤ ~10 tranches
        first = np.maximum(
            np.count_nonzero(pmax < h, axis=1), np.count_nonzero(gmax < g - 1e-9, axis=1)
        )
        out[:, k] = np.where(first < n, first + lo, -1)
    return out
