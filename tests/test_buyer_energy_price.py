"""A buyer's energy bill is Σ_r its energy in region r × that region's price (docs/regions.md).

Hand-built cases on a synthetic physical run: all of the energy in a cheap region, all in a
dear one, half and half, and a fleet that moves between regions year by year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from fixtures import synthetic_physical
from gigafactory.catalog import load_catalog
from gigafactory.economics.prices import price_path, weighted_price, yearly_price
from gigafactory.finance import FinanceSettings, run_finance

CAT = load_catalog()
CHEAP, DEAR = "gulf", "europe"
PRICES = {CHEAP: 50.0, DEAR: 150.0}  # USD/MWh, the run's (compiled) draws in every draw
DRAWS = 12


def _years(ds: xr.Dataset) -> np.ndarray:
    return np.asarray((ds.indexes["week"] + pd.Timedelta(days=3)).year)


def _sited(ds: xr.Dataset, share_cheap: np.ndarray) -> xr.Dataset:
    """``ds`` with its AI energy split by year: ``share_cheap[y]`` in CHEAP, the rest in DEAR,
    and the two regions' prices as the run's compiled money facts."""
    wy = _years(ds)
    years = np.unique(wy)
    twh = np.stack([ds["energy_twh"].values[:, wy == y].sum(axis=1) for y in years], axis=1)
    split = np.stack([share_cheap, 1.0 - share_cheap], axis=-1)  # [y, 2]
    by_region = twh[:, :, None] * split[None]
    facts = [price_path(r) for r in PRICES]
    return ds.assign_coords(year=years, region=list(PRICES), fact=facts).assign(
        ai_energy_twh_by_region=(("draw", "year", "region"), by_region.astype(np.float32)),
        money_facts=(("draw", "fact"), np.tile(list(PRICES.values()), (ds.sizes["draw"], 1))),
    )


def _energy_bill(ds: xr.Dataset) -> np.ndarray:
    """``[draw, year]`` what the buyer pays for the energy of its own fleet ($B)."""
    fin = run_finance(ds, FinanceSettings(), CAT, np.random.default_rng(1))
    own = fin["link_contract"].values == "own_energy"
    return np.asarray(fin["flow_usd_b"].values[:, :, own].sum(axis=2), dtype=float)


@pytest.fixture(scope="module")
def base() -> xr.Dataset:
    return synthetic_physical(DRAWS)


def test_cheap_region_costs_less_by_the_price_ratio(base: xr.Dataset) -> None:
    ny = len(np.unique(_years(base)))
    cheap = _energy_bill(_sited(base, np.ones(ny)))
    dear = _energy_bill(_sited(base, np.zeros(ny)))
    half = _energy_bill(_sited(base, np.full(ny, 0.5)))
    paid = dear > 1e-3
    assert paid.sum() > DRAWS  # the fleet uses energy in several years of every draw
    assert (cheap[paid] < dear[paid]).all()
    # the same energy at 50 rather than 150 $/MWh, and at their mean (100) when split evenly
    np.testing.assert_allclose(cheap[paid] / dear[paid], 50.0 / 150.0, rtol=1e-3)
    np.testing.assert_allclose(half[paid] / dear[paid], 100.0 / 150.0, rtol=1e-3)


def test_each_year_pays_where_its_energy_was_used(base: xr.Dataset) -> None:
    ny = len(np.unique(_years(base)))
    moving = (np.arange(ny) % 2).astype(float)  # odd years in CHEAP, even years in DEAR
    bill = _energy_bill(_sited(base, moving))
    dear = _energy_bill(_sited(base, np.zeros(ny)))
    paid = dear > 1e-3
    expected = np.where(moving[None, :] == 1.0, 50.0 / 150.0, 1.0) * dear
    np.testing.assert_allclose(bill[paid], expected[paid], rtol=1e-3)


def test_without_regions_the_global_price_is_paid(base: xr.Dataset) -> None:
    """No region variables: every week at ``companies.external.energy_usd_per_mwh`` (its
    catalog value, 57 $/MWh, when the run compiled no draw of it)."""
    ny = len(np.unique(_years(base)))
    plain = _energy_bill(base)
    dear = _energy_bill(_sited(base, np.zeros(ny)))
    glob = CAT.companies["external"].facts["energy_usd_per_mwh"].value
    paid = dear > 1e-3
    np.testing.assert_allclose(plain[paid] / dear[paid], glob / 150.0, rtol=1e-3)


def test_yearly_price_is_the_energy_weighted_mean() -> None:
    twh = np.array([[[30.0, 10.0], [0.0, 0.0]]])  # [d=1, y=2, r=2]
    prices = np.array([[100.0, 60.0]])
    got = yearly_price(twh, prices, np.array([57.0]))
    np.testing.assert_allclose(got, [[90.0, 57.0]])  # a year without energy keeps the fallback
    np.testing.assert_allclose(
        got[:, :1], weighted_price(twh[:, 0], prices, np.array([57.0]))[:, None]
    )
