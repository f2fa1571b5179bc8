"""The industry's unit economics: capex per GW by component, learning, TCO, required revenue.

Pure, vectorised functions (NumPy arrays broadcast over draws); every argument carries its unit.
GW here are IT (critical) GW, the basis of the catalog's capex and energy figures.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..formulas import capital_recovery_factor as capital_recovery_factor  # re-exported
from ..formulas import tco_usd_b_per_yr

F = NDArray[np.float64]

#: Components of capex per GW and the catalog share behind each (``facility`` is the rest).
COMPONENTS = ("accelerators", "servers_networking", "facility", "power_equipment")
#: Components recovered over the IT life; the others over the facility life.
IT_COMPONENTS = ("accelerators", "servers_networking")
HOURS_PER_YR = 8760.0


def capex_by_component(
    total_usd_b_per_gw: ArrayLike, shares: Mapping[str, ArrayLike]
) -> dict[str, F]:
    """Split capex per GW into ``COMPONENTS``.

    ``shares`` gives accelerators, servers_networking and power_equipment as fractions of the
    total; facility (shell, cooling, electrical other than power equipment) is 1 − their sum.
    Returns $B per IT GW for each component; the parts sum to the total.
    """
    total = np.asarray(total_usd_b_per_gw, dtype=float)
    given = {k: np.asarray(shares[k], dtype=float) for k in COMPONENTS if k != "facility"}
    rest = 1.0 - sum(given.values(), np.zeros_like(total))
    if np.any(rest < 0):
        raise ValueError("component shares exceed 1")
    out = {k: total * v for k, v in given.items()}
    out["facility"] = total * rest
    return {k: out[k] for k in COMPONENTS}


def learning_multiplier(cum_gw: ArrayLike, cum_gw_ref: float, pct_per_doubling: ArrayLike) -> F:
    """Wright's law: cost × (Q / Q₀)^−b with b = −log₂(1 − LR), LR the cut per doubling.

    Parameters
    ----------
    cum_gw : cumulative IT GW built (≥ cum_gw_ref; below it the multiplier is 1).
    cum_gw_ref : cumulative IT GW at which the catalog's cost holds.
    pct_per_doubling : % cost reduction per doubling of cumulative GW (0 = no learning).
    """
    lr = np.asarray(pct_per_doubling, dtype=float) / 100.0
    b = -np.log2(1.0 - lr)
    ratio = np.maximum(np.asarray(cum_gw, dtype=float) / cum_gw_ref, 1.0)
    return np.asarray(ratio ** (-b), dtype=float)


def energy_usd_b_per_gw_yr(
    price_usd_per_mwh: ArrayLike, pue: ArrayLike, load: ArrayLike = 1.0
) -> F:
    """Energy bill of one IT GW for a year: 8760 h × 1000 MWh/GWh × PUE × load × price, in $B."""
    p = np.asarray(price_usd_per_mwh, dtype=float)
    return np.asarray(HOURS_PER_YR * 1000.0 * np.asarray(pue) * np.asarray(load) * p / 1e9)


def tco_usd_b_per_gw_yr(
    capex_it_usd_b: ArrayLike,
    capex_facility_usd_b: ArrayLike,
    it_life_yr: ArrayLike,
    facility_life_yr: ArrayLike,
    rate: ArrayLike,
    opex_usd_b_per_yr: ArrayLike,
    energy_usd_b_per_yr: ArrayLike,
) -> F:
    """Total cost of owning one IT GW for a year.

    TCO = CRF(r, L_IT)·C_IT + CRF(r, L_fac)·C_fac + opex + energy  ($B per GW-yr), with the
    capital recovered as a level annuity over each life at the cost of capital r (decimal/yr).
    """
    return tco_usd_b_per_yr(
        capex_it_usd_b,
        capex_facility_usd_b,
        it_life_yr,
        facility_life_yr,
        opex_usd_b_per_yr,
        rate,
        energy_usd_b_per_yr,
    )


def required_revenue_usd_b(
    capex_it_usd_b_by_year: ArrayLike,
    capex_facility_usd_b_by_year: ArrayLike,
    gw_online_by_year: ArrayLike,
    it_life_yr: ArrayLike,
    facility_life_yr: ArrayLike,
    target_return: ArrayLike,
    opex_usd_b_per_gw_yr: ArrayLike,
) -> F:
    """Revenue each year that pays every vintage still in service its annuity at the target
    return, plus running costs of the fleet online.

    R_t = Σ_{v ≤ t, t − v < L_IT} CRF(r, L_IT)·K^IT_v + Σ_{v ≤ t, t − v < L_fac} CRF(r, L_fac)·K^fac_v
          + (opex + energy)·GW_t                                                     ($B/yr)

    Parameters
    ----------
    capex_*_usd_b_by_year : [..., y] capex spent in each year ($B), IT and facility parts.
    gw_online_by_year : [..., y] IT GW online (mean over the year).
    it_life_yr, facility_life_yr : [...] lives (yr; a vintage is repaid in whole years).
    target_return : [...] decimal per year.
    opex_usd_b_per_gw_yr : [...] opex and energy per IT GW-yr ($B).
    """
    kit = np.asarray(capex_it_usd_b_by_year, dtype=float)
    kfac = np.asarray(capex_facility_usd_b_by_year, dtype=float)
    y = kit.shape[-1]
    age = np.arange(y)[:, None] - np.arange(y)[None, :]  # [t, v]: years since vintage v

    def annuities(k: F, life: ArrayLike) -> F:
        lv = np.asarray(life, dtype=float)[..., None, None]
        alive = (age >= 0) & (age < np.round(lv))
        pay = capital_recovery_factor(target_return, life)[..., None] * k  # [..., v]
        return np.asarray((alive * pay[..., None, :]).sum(axis=-1))

    run = np.asarray(opex_usd_b_per_gw_yr, dtype=float)[..., None] * np.asarray(gw_online_by_year)
    return annuities(kit, it_life_yr) + annuities(kfac, facility_life_yr) + run
