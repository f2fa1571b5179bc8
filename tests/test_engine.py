"""Invariants of the supply engine, recomputed from its outputs and inputs."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import GW_TOL
from gigafactory import compile_inputs, load_scenario, simulate
from gigafactory.demand import supply_only
from gigafactory.supply import TIERS, ModelInputs
from gigafactory.supply.inputs import CAPACITY_FIELDS

CAPS = CAPACITY_FIELDS


# The engine's supply-push mechanics (contracts cap, every tier monotone, the LP's case) are
# tested here with the market rules off; tests/test_demand.py tests demand-driven orders, the
# backlog rule and write-offs.
@pytest.fixture(scope="module")
def announced_inputs(announced_inputs: ModelInputs) -> ModelInputs:
    return supply_only(announced_inputs)


@pytest.fixture(scope="module")
def industry_inputs(industry_inputs: ModelInputs) -> ModelInputs:
    return supply_only(industry_inputs)


@pytest.fixture(scope="module")
def announced_run(announced_inputs: ModelInputs) -> xr.Dataset:
    return simulate(announced_inputs)


@pytest.fixture(scope="module")
def announced_base(announced_inputs: ModelInputs) -> xr.Dataset:
    """The unscaled run the monotonicity properties compare with (once, not per example)."""
    return simulate(announced_inputs, vendor_detail=False)


@pytest.fixture(scope="module")
def industry_base(industry_inputs: ModelInputs) -> xr.Dataset:
    return simulate(industry_inputs, vendor_detail=False)


def _with(inp: ModelInputs, **changes: object) -> ModelInputs:
    return dataclasses.replace(inp, **changes)  # type: ignore[arg-type]


def _scaled(inp: ModelInputs, tier: str, factor: float) -> ModelInputs:
    return _with(inp, **{CAPS[tier]: np.asfortranarray(getattr(inp, CAPS[tier]) * factor)})


@pytest.mark.parametrize("fixture", ["announced_inputs", "industry_inputs"])
def test_stock_balance_and_non_negative_stocks(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    inp: ModelInputs = request.getfixturevalue(fixture)
    ds = simulate(inp)
    online = ds.it_gw_online.values.astype(float)
    added = np.cumsum(ds.it_gw_added.values.astype(float), axis=1)
    retired = np.cumsum(ds.it_gw_retired.values.astype(float), axis=1)
    fleet0 = inp.fleet_it_mw0[:, None] / 1e3
    np.testing.assert_allclose(fleet0 + added - retired, online, atol=GW_TOL)
    for var in (
        "accelerators_waiting_gw",
        "racks_waiting_gw",
        "shells_unpowered_gw",
        "shells_empty_gw",
        "it_gw_added",
        "it_gw_retired",
        "it_gw_produced",
        "h100e_online_m",
    ):
        assert ds[var].min() >= -GW_TOL, var


def test_shells_and_energisation_respect_capacity(announced_inputs: ModelInputs) -> None:
    inp = announced_inputs
    ds = simulate(inp)
    pue = inp.pue[:, None]
    powered = (ds.it_gw_online + ds.shells_empty_gw).values.astype(float) * 1e3
    energised = np.diff(powered, axis=1, prepend=inp.fleet_it_mw0[:, None])
    # phases the catalog records as energised by the as-of date are history, powered at their
    # date outside the equipment queues: take them out before checking the capacities
    known = inp.phase_energised if inp.phase_energised is not None else []
    for p in np.flatnonzero(known):
        hit = np.arange(inp.n_weeks)[None, :] == inp.phase_power_wk[:, p : p + 1]
        energised -= np.where(hit, inp.phase_it_mw[:, p : p + 1], 0.0)
    assert np.any(known)  # the announced preset has one (Abilene phase 1)
    # every MW energised is within the week's power-equipment capacity (IT MW = facility ÷ PUE)
    power_cap = (inp.cap_grid_fac_mw_per_wk + inp.cap_gas_turbines_fac_mw_per_wk) / pue
    assert (energised <= power_cap + 1.0).all()
    assert (energised <= inp.cap_transformers_fac_mw_per_wk / pue + 1.0).all()
    onsite = inp.onsite_power_share[:, None]
    tx = inp.cap_transformers_fac_mw_per_wk
    split = np.minimum(inp.cap_grid_fac_mw_per_wk, tx * (1 - onsite)) + np.minimum(
        inp.cap_gas_turbines_fac_mw_per_wk, tx * onsite
    )
    assert (energised <= split / pue + 1.0).all()
    # every shell energised or waiting was built: named phases plus generic construction,
    # which never exceeds the construction capacity in any week
    phases = np.zeros_like(powered)
    for p in range(len(inp.phase_ids)):
        wk = inp.phase_power_wk[:, p]
        phases += np.where(
            np.arange(inp.n_weeks)[None, :] >= wk[:, None], inp.phase_it_mw[:, p : p + 1], 0.0
        )
    recomputed = powered - inp.fleet_it_mw0[:, None] + ds.shells_unpowered_gw.values * 1e3
    generic = np.diff(recomputed - phases, axis=1, prepend=0.0)
    assert (generic >= -1.0).all()
    assert (generic <= inp.cap_construction_it_mw_per_wk + 1.0).all()
    # the buyer's partners build no more shells than the contracts or the buyer's demand can
    # fill (docs/ordering.md: demand beyond the fleet it starts with)
    contracted = inp.orders_it_mw_cum[:, -1, :].sum(axis=1)
    if inp.demand_it_mw is not None:
        contracted = np.maximum(contracted, inp.demand_it_mw.max(axis=1) - inp.fleet_it_mw0)
    assert (recomputed[:, -1] - phases[:, -1] <= contracted + 1.0).all()
    # nothing is installed beyond the powered shells
    assert (ds.shells_empty_gw.values >= -GW_TOL).all()


def test_industry_builds_shells_at_capacity(industry_inputs: ModelInputs) -> None:
    inp = industry_inputs
    ds = simulate(inp, vendor_detail=False)
    powered = (ds.it_gw_online + ds.shells_empty_gw).values.astype(float) * 1e3
    built = powered - inp.fleet_it_mw0[:, None] + ds.shells_unpowered_gw.values * 1e3
    np.testing.assert_allclose(
        built, np.cumsum(inp.cap_construction_it_mw_per_wk, axis=1), atol=1.0
    )


def test_chip_output_within_every_chip_tier(industry_inputs: ModelInputs) -> None:
    inp = industry_inputs
    ds = simulate(inp)
    mix = inp.mix
    started = ds.it_gw_produced.values.astype(float) * 1e3  # completions; shift back by the lead
    mw_per_unit = (inp.it_w @ mix.T) / 1e6
    bound = np.full_like(mw_per_unit, np.inf)
    for cap, req in (
        (inp.cap_logic_wafers_per_wk, (1 / inp.packages_per_logic_wafer) @ mix.T),
        (inp.cap_cowos_wafers_per_wk, (1 / inp.good_packages_per_cowos_wafer) @ mix.T),
        (inp.cap_hbm_stacks_per_wk, inp.hbm_stacks_per_unit @ mix.T),
    ):
        bound = np.minimum(bound, cap / req * mw_per_unit)
    for d in range(inp.draws):
        lc = int(inp.chip_lead_wk[d])
        assert (started[d, lc:] <= bound[d, : inp.n_weeks - lc] * (1 + 1e-5) + 1e-6).all()
    # rack assembly: racks built per week never exceed rack capacity
    built = np.cumsum(started, axis=1) - ds.accelerators_waiting_gw.values * 1e3
    assert (
        np.diff(built, axis=1) <= inp.cap_rack_it_mw_per_wk[:, 1:] * (1 + 1e-5) + 1.0
    ).all()  # float32 outputs


@pytest.mark.parametrize("tier", ["logic_wafers", "cowos", "hbm", "rack_assembly"])
def test_zero_supply_tier_gives_zero_output(announced_inputs: ModelInputs, tier: str) -> None:
    ds = simulate(_scaled(announced_inputs, tier, 0.0))
    assert float(ds.it_gw_added.sum()) == pytest.approx(0.0, abs=GW_TOL)
    if tier != "rack_assembly":  # chips are still made without racks; they wait
        assert float(ds.it_gw_produced.sum()) == pytest.approx(0.0, abs=GW_TOL)


@pytest.mark.parametrize("tiers", [("construction",), ("transformers",), ("grid", "gas_turbines")])
def test_zero_shell_or_power_tier_gives_zero_output(
    industry_inputs: ModelInputs, tiers: tuple[str, ...]
) -> None:
    inp = _with(
        industry_inputs, fleet_it_mw0=np.zeros(industry_inputs.draws)
    )  # no shells to refill
    for t in tiers:
        inp = _scaled(inp, t, 0.0)
    ds = simulate(inp)
    assert float(ds.it_gw_added.sum()) == pytest.approx(0.0, abs=GW_TOL)
    assert float(ds.racks_waiting_gw.isel(week=-1).min()) > 0  # the chips are made, and wait


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(tier=st.sampled_from(sorted(CAPS)), factor=st.floats(1.0, 4.0))
def test_more_capacity_never_less_output(
    announced_inputs: ModelInputs, announced_base: xr.Dataset, tier: str, factor: float
) -> None:
    """Cumulative IT installed never falls when any tier grows (buyer scope, orders binding)."""
    base = announced_base
    more = simulate(_scaled(announced_inputs, tier, factor), vendor_detail=False)
    b = np.cumsum(base["it_gw_added"].values.astype(float), axis=1)
    m = np.cumsum(more["it_gw_added"].values.astype(float), axis=1)
    assert (m >= b - GW_TOL).all(), (tier, factor, float((b - m).max()))


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(tier=st.sampled_from(sorted(CAPS)), factor=st.floats(1.0, 4.0))
def test_more_capacity_never_less_output_industry(
    industry_inputs: ModelInputs, industry_base: xr.Dataset, tier: str, factor: float
) -> None:
    """Without orders, accelerators completed and IT installed both only grow with capacity.
    (With orders, work in progress charged to the contracts can shift completions; the
    installed total above is the output that must not fall.)"""
    base = industry_base
    more = simulate(_scaled(industry_inputs, tier, factor), vendor_detail=False)
    for var in ("it_gw_added", "it_gw_produced"):
        b = np.cumsum(base[var].values.astype(float), axis=1)
        m = np.cumsum(more[var].values.astype(float), axis=1)
        assert (m >= b - GW_TOL).all(), (tier, factor, var, float((b - m).max()))


def test_same_seed_same_results_other_seed_differs(catalog) -> None:  # type: ignore[no-untyped-def]
    sc = load_scenario("announced", catalog)
    a = simulate(compile_inputs(sc, catalog, draws=32, seed=3))
    b = simulate(compile_inputs(sc, catalog, draws=32, seed=3))
    c = simulate(compile_inputs(sc, catalog, draws=32, seed=4))
    xr.testing.assert_identical(a, b)
    assert not np.array_equal(a.it_gw_online.values, c.it_gw_online.values)


def test_batch_size_does_not_change_results(announced_inputs: ModelInputs) -> None:
    a = simulate(announced_inputs, batch=7)
    b = simulate(announced_inputs, batch=4096)
    xr.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_vendor_deliveries_add_up_to_installs(announced_run: xr.Dataset) -> None:
    ds = announced_run
    delivered = ds.it_gw_delivered_by_vendor.isel(week=-1).sum("vendor").values
    installed = ds.it_gw_added.sum("week").values
    np.testing.assert_allclose(delivered, installed, rtol=1e-3, atol=1e-2)


def test_binding_codes_name_tiers(announced_run: xr.Dataset) -> None:
    codes = np.unique(announced_run.binding.values)
    assert set(codes) <= set(range(len(TIERS)))
    assert (announced_run.binding_weeks.sum("tier") == announced_run.sizes["week"]).all()


def test_announced_orders_cap_deliveries(
    announced_inputs: ModelInputs, announced_run: xr.Dataset
) -> None:
    """Buyer scope: cumulative deliveries by vendor never exceed what the deals contract."""
    orders_gw = announced_inputs.orders_it_mw_cum[:, -1, :] / 1e3
    delivered = announced_run.it_gw_delivered_by_vendor.isel(week=-1).values
    assert (delivered <= orders_gw + 1e-2).all()


def test_delay_attribution_points_at_the_binding_tier(industry_inputs: ModelInputs) -> None:
    """Relaxing a tier that never binds attributes no delay; relaxing power shortens the path."""
    from gigafactory.supply.attribution import delay_weeks

    inp = _with(industry_inputs)
    ds = simulate(inp, vendor_detail=False)
    milestone = float(np.median(ds.it_gw_online.values[:, 300]))
    delays = delay_weeks(inp, milestone)
    assert "hbm" not in delays or delays["hbm"]["mean"] < 1.0
    power = sum(delays.get(t, {"mean": 0.0})["mean"] for t in ("grid", "transformers"))
    assert power > 1.0
    # choking a tier makes it the dominant delay
    choked = _scaled(inp, "construction", 0.3)
    d2 = delay_weeks(choked, milestone)
    assert max((k for k in d2 if k != "_milestone"), key=lambda k: d2[k]["mean"]) == "construction"


def test_accelerators_by_sku_respect_availability_and_orders(announced_inputs: ModelInputs) -> None:
    ds = simulate(announced_inputs, vendor_detail=False)
    by_sku = ds.accelerators_started_m_by_sku
    assert (by_sku >= 0).all()
    rubin_before = by_sku.sel(sku="RUBIN").sel(week=slice(None, "2026-06-28"))
    assert float(rubin_before.sum()) == 0.0  # Rubin ships from 2026-H2
    # AMD's MI450 never exceeds the 6 GW contracted (IT GW = accelerators × IT watts)
    it_w = float(np.median(announced_inputs.it_w[:, announced_inputs.skus.index("MI450")]))
    assert float(by_sku.sel(sku="MI450").sum()) * 1e6 * it_w / 1e9 <= 6.0 * 1.05
