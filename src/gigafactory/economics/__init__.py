"""The industry's economics (see DESIGN.md, "Closing the loops"): capex per GW by component with
learning, industry capex per year, TCO per GW-year and the revenue required at a target return.

Public API::

    capital_recovery_factor(rate, years)
    capex_by_component(total, shares)          learning_multiplier(cum_gw, ref, pct)
    tco_usd_b_per_gw_yr(...)                   required_revenue_usd_b(...)
    energy_usd_b_per_gw_yr(price, pue, load)
    EconomicsDraws.sample(catalog, rng, n)     industry_economics(physical, catalog, rng)
"""

from __future__ import annotations

from .costs import (
    COMPONENTS,
    capex_by_component,
    capital_recovery_factor,
    energy_usd_b_per_gw_yr,
    learning_multiplier,
    required_revenue_usd_b,
    tco_usd_b_per_gw_yr,
)
from .industry import EconomicsDraws, industry_economics

__all__ = [
    "COMPONENTS",
    "EconomicsDraws",
    "capex_by_component",
    "capital_recovery_factor",
    "energy_usd_b_per_gw_yr",
    "industry_economics",
    "learning_multiplier",
    "required_revenue_usd_b",
    "tco_usd_b_per_gw_yr",
]
