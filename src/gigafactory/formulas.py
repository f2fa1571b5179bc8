"""The closed-form formulas the engine and the study presets use, public and documented.

Each is a pure, vectorised function (NumPy arrays broadcast over draws) with its units in its
argument names, and each is reachable from the command line as ``gigafactory calc NAME``
(:data:`CALCS`).  The engine calls these, not private copies: ``economics`` (capital recovery,
TCO), ``finance`` (the SPV lease's annuity, milestone warrants) and the ``frontier`` section of
the summary (training FLOP, facility watts).

=====================  ==================================================  ============
name                   formula                                             unit
=====================  ==================================================  ============
training-flop          N_H100e · F · u · T · 365.25 · 86,400               FLOP
facility-watts         TDP · overhead · PUE                                W
crf                    i / (1 − (1 + i)^−n)                                1/yr
tco                    CRF(i, L_IT)·C_IT + CRF(i, L_fac)·C_fac + opex      $B/yr
one-touch              S0 · P^S(max S ≥ H)                                 $/share
fleet-power            Σ_v n_v · w_v, oldest vintages retired first        GW
=====================  ==================================================  ============
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import log_ndtr, ndtr

from .units import H100E_FLOPS

F = NDArray[np.float64]
#: Seconds in a Julian year (365.25 days), the year of :func:`training_flop`.
SECONDS_PER_YEAR = 365.25 * 86_400.0


def training_flop(
    h100e: ArrayLike,
    utilisation: ArrayLike,
    years: ArrayLike,
    flops_per_h100e: ArrayLike = H100E_FLOPS,
) -> F:
    """FLOP of a training run on a cluster of H100-equivalents.

    FLOP = N · F · u · T · 31,557,600 s/yr

    Parameters
    ----------
    h100e : N, accelerators in the run, H100-equivalents.
    utilisation : u, model FLOP utilisation, fraction (0.4 for Epoch's and AI 2027's 40 %).
    years : T, duration of the run, years (0.5 for six months).
    flops_per_h100e : F, peak FLOP/s of one H100e (default the dense 8-bit 1.979e15; Epoch's
        2030 report rounds to 2e15).

    Returns
    -------
    FLOP, floating point operations of the run.

    Examples
    --------
    Epoch's 2030 arithmetic: 16M H100e × 2e15 × 0.4 × ½ yr ≈ 2e29 FLOP.

    >>> f"{float(training_flop(16e6, 0.4, 0.5, 2e15)):.2e}"
    '2.02e+29'
    """
    n, u, t, f = (np.asarray(x, dtype=float) for x in (h100e, utilisation, years, flops_per_h100e))
    return np.asarray(n * f * u * t * SECONDS_PER_YEAR, dtype=float)


def facility_w_per_accelerator(tdp_w: ArrayLike, system_overhead: ArrayLike, pue: ArrayLike) -> F:
    """All-in facility watts per accelerator.

    W_facility = TDP · k_system · PUE

    Parameters
    ----------
    tdp_w : chip thermal design power, W (700 for an H100 SXM).
    system_overhead : k_system, server + network watts per chip watt (1.96 for a DGX SuperPOD:
        1.4 MW ÷ 1,016 GPUs ÷ 700 W; 1.82 for a DGX H100 server alone).
    pue : power usage effectiveness, facility W per IT W (1.2 for an AI data centre).

    Returns
    -------
    Facility watts per accelerator, W (Epoch: 700 × 1.96 × 1.2 ≈ 1,650 W per H100).
    """
    tdp, k, p = (np.asarray(x, dtype=float) for x in (tdp_w, system_overhead, pue))
    return np.asarray(tdp * k * p, dtype=float)


def capital_recovery_factor(rate: ArrayLike, years: ArrayLike) -> F:
    """The level annuity that repays 1 over ``years`` at ``rate``.

    CRF(i, n) = i / (1 − (1 + i)^−n),   and 1/n when i = 0.

    Parameters
    ----------
    rate : i, cost of capital, decimal per year (0.07 for 7 %).
    years : n, life in years (> 0).

    Returns
    -------
    Payment per year per unit of capital, 1/yr.
    """
    i, n = np.asarray(rate, dtype=float), np.asarray(years, dtype=float)
    safe = np.where(np.abs(i) < 1e-12, 1.0, i)
    return np.asarray(
        np.where(np.abs(i) < 1e-12, 1.0 / n, safe / (1.0 - (1.0 + safe) ** (-n))), dtype=float
    )


def tco_usd_b_per_yr(
    it_capex_usd_b: ArrayLike,
    facility_capex_usd_b: ArrayLike,
    it_life_yr: ArrayLike,
    facility_life_yr: ArrayLike,
    opex_usd_b_per_yr: ArrayLike,
    rate: ArrayLike,
    energy_usd_b_per_yr: ArrayLike = 0.0,
) -> F:
    """Annual total cost of owning a data centre: capital as level annuities plus running costs.

    TCO = CRF(i, L_IT) · C_IT + CRF(i, L_fac) · C_fac + opex + energy

    Parameters
    ----------
    it_capex_usd_b : C_IT, up-front IT capex (accelerators, servers, network), $B.
    facility_capex_usd_b : C_fac, up-front facility capex (shell, power, cooling), $B.
    it_life_yr, facility_life_yr : L_IT, L_fac, recovery lives, years.
    opex_usd_b_per_yr : operating cost other than energy, $B/yr.
    rate : i, cost of capital, decimal per year.
    energy_usd_b_per_yr : the energy bill, $B/yr (0 when opex includes it).

    Returns
    -------
    $B per year (per GW when the capex and opex are per GW).
    """
    return np.asarray(
        capital_recovery_factor(rate, it_life_yr) * np.asarray(it_capex_usd_b, dtype=float)
        + capital_recovery_factor(rate, facility_life_yr)
        * np.asarray(facility_capex_usd_b, dtype=float)
        + np.asarray(opex_usd_b_per_yr, dtype=float)
        + np.asarray(energy_usd_b_per_yr, dtype=float),
        dtype=float,
    )


def one_touch_share_value(
    s0: ArrayLike, hurdle: ArrayLike, rate: ArrayLike, sigma: ArrayLike, years: ArrayLike
) -> F:
    """Value per share of a price-only one-touch tranche paying the share when S first hits H.

    With no dividend, receiving the share at the hit equals receiving S_T at T, so by change of
    numeraire (docs/sources/finance.md §2.2), b = ln(H/S0), ν = r + σ²/2:

    V / N = S0 · P^S,   P^S = Φ((−b + νT)/(σ√T)) + exp(2νb/σ²) · Φ((−b − νT)/(σ√T)).

    Parameters
    ----------
    s0 : spot share price, $/share.
    hurdle : price hurdle H, $/share.
    rate : r, continuously compounded risk-free rate, decimal per year (0.037 for 3.7 %).
    sigma : σ, volatility, decimal per √year (0.55 for 55 %).
    years : T, time to expiry, years.

    Returns
    -------
    $/share; S0 when S0 ≥ H, 0 when T ≤ 0 and S0 < H.
    """
    s0, h, r, sig, t = np.broadcast_arrays(
        *(np.asarray(x, dtype=float) for x in (s0, hurdle, rate, sigma, years))
    )
    b = np.log(np.maximum(h, 1e-300) / s0)
    nu = r + 0.5 * sig**2
    st = sig * np.sqrt(np.maximum(t, 1e-300))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        a1 = ndtr((-b + nu * t) / st)
        # exp(2νb/σ²)·Φ(·) in log space: the exponential alone overflows for far hurdles
        a2 = np.exp(2.0 * nu * b / sig**2 + log_ndtr((-b - nu * t) / st))
    p = np.clip(a1 + a2, 0.0, 1.0)
    p = np.where(b <= 0, 1.0, np.where(t <= 0, 0.0, p))
    return np.asarray(s0 * p, dtype=float)


def vintage_fleet_power_gw(
    produced_m: ArrayLike,
    kw_per_h100e: ArrayLike,
    stock_m: ArrayLike,
    start_m: float,
    start_kw: float,
) -> F:
    """Power of a fleet tracked by vintage, retiring the oldest first (AI 2027's power series).

    Each year's production keeps the watts per H100e of its year; the fleet is trimmed to the
    stated stock by retiring the oldest vintages first:

        P_t = Σ_v n_{v,t} · w_v,   n_{v,t} = surviving H100e of vintage v at the end of year t,
        Σ_v n_{v,t} = S_t (retire oldest first when Σ produced exceeds the stock).

    With AI 2027's rows (production 2, 5, 11, 25, 60M; stock 4, 8.5, 18, 40, 100M; 1.3, 1.0,
    0.75, 0.70, 0.55 kW per H100e; 2M pre-2023 H100e at 1.3 kW) this gives 5.2, 9.55, 15.85,
    29.75, 62.75 GW against its published 5, 9, 15, 29, 62 GW (within 7 %); stock × the year’s
    kW misses by up to 11 % (13.5 GW in 2025, 55 GW in 2027).

    Parameters
    ----------
    produced_m : H100e produced in each year, million.
    kw_per_h100e : data-centre kW per H100e of each year's production.
    stock_m : the fleet at each year end, million H100e (≥ what survives is kept).
    start_m, start_kw : the fleet before the first year, million H100e, and its kW per H100e.

    Returns
    -------
    GW at each year end (million H100e × kW = GW).
    """
    prod = np.asarray(produced_m, dtype=float)
    kw = np.asarray(kw_per_h100e, dtype=float)
    stock = np.asarray(stock_m, dtype=float)
    n = np.concatenate([[start_m], np.zeros(prod.size)])  # surviving H100e by vintage
    w = np.concatenate([[start_kw], kw])
    out = np.empty(prod.size)
    for t in range(prod.size):  # a loop over years
        n[t + 1] = prod[t]
        excess = max(n.sum() - stock[t], 0.0)
        for v in range(t + 2):  # oldest first
            cut = min(n[v], excess)
            n[v] -= cut
            excess -= cut
        out[t] = float(n @ w)
    return out
