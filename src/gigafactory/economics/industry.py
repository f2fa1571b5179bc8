"""Industry economics per draw from a physical run: capex per year, TCO per GW-yr, required revenue.

Inputs are the catalog's sourced facts (``constants.capex_*``, ``it_life_yr``,
``cost_of_capital_pct``, ``opex_ex_energy_usd_b_per_gw_yr``, ``capex_learning_pct_per_doubling``,
``target_return_pct``; ``companies.external`` energy price, ``companies.dc_spv`` facility life; ``params.pue``),
each per draw.  A fact the run's one sampler already drew (``compile``: the PUE and load
factor, the physical results' ``pue`` and ``load_factor``; the energy prices, facility life and
the capex per GW and learning rate industry demand was drawn at, their ``money_facts``) is read
from those draws, so the economics of draw *i* use the PUE, prices and capex of the chips,
demand and money of draw *i*, and a seed, an override or ``catalog_ranges`` fixes them once.
The facts only the economics read (the other ``constants``) are drawn over their low–high
range (PERT with the value as mode) on the run's economics stream
(``pipeline.stream_rng(seed, 3)``).  The energy bill is at the run's load factor.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ..catalog.schema import Catalog, Fact
from ..finance.money import money_facts
from ..scenario.sampling import fact_draws
from .costs import (
    COMPONENTS,
    IT_COMPONENTS,
    F,
    capex_by_component,
    energy_usd_b_per_gw_yr,
    learning_multiplier,
    required_revenue_usd_b,
    tco_usd_b_per_gw_yr,
)
from .prices import fleet_price

#: IT GW at which the catalog's capex per GW holds (Learning is counted from the run's first
#: week, or from this floor when the fleet online then is smaller).
MIN_REF_GW = 1.0
#: Catalog paths of the company facts the economics read (compiled by the run's sampler).
ENERGY_PRICE = "companies.external.facts.energy_usd_per_mwh"
FACILITY_LIFE = "companies.dc_spv.facts.facility_life_years"


@dataclass(frozen=True)
class EconomicsDraws:
    """Per-draw economics inputs (each [d]); units in the names."""

    capex_usd_b_per_gw: F
    shares: dict[str, F]
    it_life_yr: F
    facility_life_yr: F
    cost_of_capital: F  # decimal/yr
    target_return: F  # decimal/yr
    opex_usd_b_per_gw_yr: F  # opex + energy
    learning_pct_per_doubling: F
    pue: F
    energy_usd_per_mwh: F  # the catalog's global price (companies.external)
    opex_ex_energy_usd_b_per_gw_yr: F
    load_factor: F  # average IT load ÷ IT capacity (params.load_factor)

    @classmethod
    def sample(
        cls,
        cat: Catalog,
        rng: np.random.Generator,
        n: int,
        compiled: Mapping[str, F] | None = None,
    ) -> EconomicsDraws:
        """Every input once per draw: from ``compiled`` (the run's draws by catalog path, see
        :func:`compiled_draws`) where it holds them, else drawn on ``rng`` from its range."""
        k = cat.constants

        def draw(path: str, f: Fact) -> F:
            return fact_draws(f, rng, n, path, compiled)

        def const(key: str) -> F:
            if compiled is not None and f"constants.{key}" in compiled:
                rng.random(n)  # the run's draw is used; the other constants keep their stream
            return draw(f"constants.{key}", k[key])

        pue = draw("params.pue", cat.params["pue"])
        price = draw(ENERGY_PRICE, cat.companies["external"].facts["energy_usd_per_mwh"])
        # drawn in this order (the random stream of every input is kept)
        got: dict[str, Any] = {
            "capex_usd_b_per_gw": const("capex_usd_b_per_gw_2025"),
            "shares": {
                "accelerators": const("capex_share_accelerators"),
                "servers_networking": const("capex_share_servers_networking"),
                "power_equipment": const("capex_share_power_equipment"),
            },
            "it_life_yr": const("it_life_yr"),
            "facility_life_yr": draw(
                FACILITY_LIFE, cat.companies["dc_spv"].facts["facility_life_years"]
            ),
            "cost_of_capital": const("cost_of_capital_pct") / 100.0,
            "target_return": const("target_return_pct") / 100.0,
        }
        opex = const("opex_ex_energy_usd_b_per_gw_yr")
        learning = const("capex_learning_pct_per_doubling")
        # drawn last (a run's own draw when compiled): the bill is at the fleet's load
        load = draw("params.load_factor", cat.params["load_factor"])
        return cls(
            **got,
            opex_usd_b_per_gw_yr=opex + energy_usd_b_per_gw_yr(price, pue, load),
            learning_pct_per_doubling=learning,
            pue=pue,
            energy_usd_per_mwh=price,
            opex_ex_energy_usd_b_per_gw_yr=opex,
            load_factor=load,
        )

    def priced_at(self, usd_per_mwh: F) -> EconomicsDraws:
        """The same draws with the energy bill at another price (USD/MWh, per draw):
        ``8760 h × 1000 × PUE × load × price ÷ 1e9`` $B per IT GW-yr."""
        energy = energy_usd_b_per_gw_yr(usd_per_mwh, self.pue, self.load_factor)
        return dataclasses.replace(
            self,
            energy_usd_per_mwh=np.asarray(usd_per_mwh, dtype=float),
            opex_usd_b_per_gw_yr=self.opex_ex_energy_usd_b_per_gw_yr + energy,
        )


def compiled_draws(physical: xr.Dataset) -> dict[str, F]:
    """The run's own draws of the facts the economics read, by catalog path (``[d]`` each):
    its compiled money facts and its PUE (``params.pue``); empty for a hand-made dataset."""
    out = money_facts(physical)
    for var, path in (("pue", "params.pue"), ("load_factor", "params.load_factor")):
        if var in physical.data_vars:
            out[path] = physical[var].transpose("draw").values.astype(float)
    return out


def _q(x: F) -> dict[str, float]:
    p5, p50, p95 = np.percentile(x, [5, 50, 95])
    return {"p5": round(float(p5), 2), "p50": round(float(p50), 2), "p95": round(float(p95), 2)}


def week_years(physical: xr.Dataset) -> np.ndarray:
    """ISO year of each week (the year of its Thursday, as ``timegrid.TimeGrid.years``)."""
    weeks = pd.DatetimeIndex(physical["week"].values)
    return np.asarray((weeks + pd.Timedelta(days=3)).year, dtype=np.int64)


def yearly_capex(physical: xr.Dataset, ed: EconomicsDraws) -> tuple[list[int], dict[str, F]]:
    """Capex per year and component, [d, y] $B: IT GW installed each week × capex per GW,
    the latter cut by Wright's law on cumulative GW built since the run's first week."""
    added = physical["it_gw_added"].transpose("draw", "week").values.astype(float)
    online0 = physical["it_gw_online"].transpose("draw", "week").values[:, 0].astype(float)
    ref = np.maximum(online0, MIN_REF_GW)
    cum = ref[:, None] + np.cumsum(added, axis=1)
    mult = learning_multiplier(cum / ref[:, None], 1.0, ed.learning_pct_per_doubling[:, None])
    parts = capex_by_component(ed.capex_usd_b_per_gw, ed.shares)
    years = week_years(physical)
    uy = sorted({int(y) for y in years})
    idx = np.searchsorted(uy, years)
    spent = added * mult  # GW × learning: [d, w]
    by_year = np.zeros((len(uy), added.shape[0]))  # [y, d]: Σ over each year's weeks
    for t, k in enumerate(idx.tolist()):  # in week order, the sums of np.add.at bit for bit
        by_year[k] += spent[:, t]  # (3-4× cheaper than np.add.at's indexed loop)
    return uy, {c: parts[c][:, None] * by_year.T for c in COMPONENTS}


def industry_economics(
    physical: xr.Dataset, cat: Catalog, rng: np.random.Generator
) -> dict[str, Any]:
    """The summary.json ``economics`` section for an industry-scope run.

    Returns
    -------
    ``capex_usd_b`` {year: {p5, p50, p95}} (all components), ``capex_by_component_usd_b``
    {component: {year: p50}}, ``capex_usd_b_per_gw`` {component: {p5, p50, p95}} (before
    learning), ``tco_usd_b_per_gw_yr`` {p5, p50, p95} (at the cost of capital, before learning),
    ``required_revenue_usd_b`` {year: {p5, p50, p95}} (at the target return),
    ``energy_usd_per_mwh`` {p5, p50, p95} (the power price weighted by where the fleet's energy
    is used, :func:`gigafactory.economics.prices.fleet_price`).
    """
    n = int(physical.sizes["draw"])
    drawn = compiled_draws(physical)
    ed = EconomicsDraws.sample(cat, rng, n, drawn)
    # the price where the fleet's energy is used (docs/regions.md), the run's own draws
    ed = ed.priced_at(fleet_price(physical, cat, rng, ed.energy_usd_per_mwh, drawn))
    years, capex = yearly_capex(physical, ed)
    per_gw = capex_by_component(ed.capex_usd_b_per_gw, ed.shares)
    it = sum((per_gw[c] for c in IT_COMPONENTS), np.zeros(n))
    fac = ed.capex_usd_b_per_gw - it
    tco = tco_usd_b_per_gw_yr(
        it,
        fac,
        ed.it_life_yr,
        ed.facility_life_yr,
        ed.cost_of_capital,
        ed.opex_usd_b_per_gw_yr,
        0.0,
    )
    kit = sum((capex[c] for c in IT_COMPONENTS), np.zeros((n, len(years))))
    total = sum((capex[c] for c in COMPONENTS), np.zeros((n, len(years))))
    online = physical["it_gw_online"].transpose("draw", "week")
    wy = week_years(physical)
    gw_year = np.stack([online.values[:, np.asarray(wy == y)].mean(axis=1) for y in years], axis=1)
    req = required_revenue_usd_b(
        kit,
        total - kit,
        gw_year,
        ed.it_life_yr,
        ed.facility_life_yr,
        ed.target_return,
        ed.opex_usd_b_per_gw_yr,
    )
    return {
        "capex_usd_b": {str(y): _q(total[:, i]) for i, y in enumerate(years)},
        "capex_by_component_usd_b": {
            c: {str(y): round(float(np.median(capex[c][:, i])), 2) for i, y in enumerate(years)}
            for c in COMPONENTS
        },
        "capex_usd_b_per_gw": {c: _q(per_gw[c]) for c in COMPONENTS},
        "tco_usd_b_per_gw_yr": _q(tco),
        "required_revenue_usd_b": {str(y): _q(req[:, i]) for i, y in enumerate(years)},
        "energy_usd_per_mwh": _q(ed.energy_usd_per_mwh),
    }
