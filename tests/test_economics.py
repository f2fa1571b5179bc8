"""Economics: closed-form annuity, Epoch's TCO, component split, learning, required revenue."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures import synthetic_physical
from gigafactory.catalog import load_catalog
from gigafactory.economics import (
    COMPONENTS,
    EconomicsDraws,
    capex_by_component,
    capital_recovery_factor,
    energy_usd_b_per_gw_yr,
    industry_economics,
    learning_multiplier,
    required_revenue_usd_b,
    tco_usd_b_per_gw_yr,
)
from gigafactory.economics.industry import ENERGY_PRICE, FACILITY_LIFE, compiled_draws

CAT = load_catalog()


def test_crf_is_the_closed_form_annuity() -> None:
    """$100 over 10 yr at 8 %: payment 14.9029 (the textbook annuity, PV of 10 payments = 100)."""
    pmt = 100 * capital_recovery_factor(0.08, 10)
    assert float(pmt) == pytest.approx(14.902949, abs=1e-6)
    pv = sum(float(pmt) / 1.08**t for t in range(1, 11))
    assert pv == pytest.approx(100.0, abs=1e-9)
    assert float(capital_recovery_factor(0.0, 4)) == 0.25


@settings(max_examples=50, deadline=None)
@given(st.floats(0.001, 0.3), st.integers(1, 40))
def test_annuity_repays_the_principal(rate: float, years: int) -> None:
    """Σ_t CRF/(1+r)^t = 1 for any rate and life."""
    crf = float(capital_recovery_factor(rate, years))
    assert sum(crf / (1 + rate) ** t for t in range(1, years + 1)) == pytest.approx(1.0, rel=1e-9)


def test_tco_reproduces_epoch() -> None:
    """Epoch: $38B per GW, $0.9B/yr opex, TCO 12 / 8.5 / 7 $B per GW-yr at 3 / 5 / 7-yr IT life
    and 14-yr facility (docs/sources/finance.md#3.1: reproduced at ≈6.7 %, $25.6B IT)."""
    got = [float(tco_usd_b_per_gw_yr(25.6, 12.4, life, 14, 0.067, 0.3, 0.6)) for life in (3, 5, 7)]
    np.testing.assert_allclose(got, [12.0, 8.5, 7.0], atol=0.25)


def test_energy_bill_matches_the_catalog() -> None:
    """$57/MWh at PUE 1.2, full load: 8760 × 1000 × 1.2 × 57 = $0.599B per GW-yr."""
    assert float(energy_usd_b_per_gw_yr(57.0, 1.2)) == pytest.approx(0.5992, abs=1e-4)


def test_components_sum_to_the_total_and_reject_overfull_shares() -> None:
    parts = capex_by_component(
        np.array([45.0, 35.0]),
        {"accelerators": 0.39, "servers_networking": 0.28, "power_equipment": 0.1},
    )
    assert list(parts) == list(COMPONENTS)
    np.testing.assert_allclose(sum(parts.values()), [45.0, 35.0])
    np.testing.assert_allclose(parts["facility"], [45 * 0.23, 35 * 0.23])
    with pytest.raises(ValueError, match="exceed 1"):
        capex_by_component(
            1.0, {"accelerators": 0.7, "servers_networking": 0.3, "power_equipment": 0.1}
        )


def test_learning_halves_cost_after_one_doubling_at_50_pct() -> None:
    np.testing.assert_allclose(
        learning_multiplier([1.0, 2.0, 4.0, 0.5], 1.0, 50.0), [1, 0.5, 0.25, 1]
    )


def test_required_revenue_by_hand() -> None:
    """$10B of IT in year 0 (2-yr life) and $20B facility in year 1 (3-yr life) at 0 % return,
    1 GW online all along at $1B/GW-yr: R = 5+1, 5+6.667+1, 6.667+1, 6.667+1."""
    r = required_revenue_usd_b([10.0, 0, 0, 0], [0, 20.0, 0, 0], [1.0] * 4, 2, 3, 0.0, 1.0)
    np.testing.assert_allclose(r, [6.0, 12.6667, 7.6667, 7.6667], atol=1e-4)


def test_industry_economics_on_a_physical_run() -> None:
    eco = industry_economics(synthetic_physical(50), CAT, np.random.default_rng(3))
    tco = eco["tco_usd_b_per_gw_yr"]
    assert 5.0 < tco["p5"] <= tco["p50"] <= tco["p95"] < 20.0  # Epoch's 7–12 band, widened
    years = list(eco["capex_usd_b"])
    assert years == sorted(years) and set(years) == set(eco["required_revenue_usd_b"])
    assert all(v["p5"] <= v["p50"] <= v["p95"] for v in eco["capex_usd_b"].values())
    late = eco["required_revenue_usd_b"][years[-1]]["p50"]
    assert late > eco["required_revenue_usd_b"][years[0]]["p50"]  # the fleet grows


def test_economics_read_the_runs_own_draws() -> None:
    """PUE, load factor, energy price and facility life come from the run's compiled draws (one
    sampler): the facility life is the run's, and +$10/MWh on the run's price at its PUE 1.25
    and load factor 0.8 adds 8,760 h × 1 GW × 1.25 × 0.8 × $10 = $0.0876B per GW-yr to every
    draw's opex and TCO, all else (the constants, drawn on the same stream) equal."""
    n, rng_seed = 60, 5
    run = {
        "params.pue": np.full(n, 1.25),
        "params.load_factor": np.full(n, 0.8),
        FACILITY_LIFE: np.linspace(12.0, 18.0, n),
    }
    low = EconomicsDraws.sample(
        CAT, np.random.default_rng(rng_seed), n, run | {ENERGY_PRICE: np.full(n, 50.0)}
    )
    high = EconomicsDraws.sample(
        CAT, np.random.default_rng(rng_seed), n, run | {ENERGY_PRICE: np.full(n, 60.0)}
    )
    np.testing.assert_array_equal(low.facility_life_yr, run[FACILITY_LIFE])
    np.testing.assert_allclose(high.opex_usd_b_per_gw_yr - low.opex_usd_b_per_gw_yr, 0.0876)
    np.testing.assert_array_equal(high.capex_usd_b_per_gw, low.capex_usd_b_per_gw)
    phys = synthetic_physical(n).assign(
        pue=("draw", np.full(n, 1.25)), load_factor=("draw", np.full(n, 0.8))
    )
    assert compiled_draws(phys)["params.pue"].tolist() == [1.25] * n
    assert compiled_draws(phys)["params.load_factor"].tolist() == [0.8] * n
    assert compiled_draws(synthetic_physical(n)) == {}  # a hand-made dataset: drawn here


def test_energy_bill_is_at_the_runs_load_factor() -> None:
    """The energy per IT GW-yr is 8,760 h × PUE × load × price: halving the run's load factor
    halves every draw's energy bill (and no other cost), as the engine's TWh do."""
    n = 40
    run = {"params.pue": np.full(n, 1.2), ENERGY_PRICE: np.linspace(50.0, 90.0, n)}

    def energy(load: float) -> np.ndarray:
        ed = EconomicsDraws.sample(
            CAT, np.random.default_rng(2), n, run | {"params.load_factor": np.full(n, load)}
        )
        np.testing.assert_array_equal(ed.load_factor, load)
        return ed.opex_usd_b_per_gw_yr - ed.opex_ex_energy_usd_b_per_gw_yr

    full, half = energy(0.9), energy(0.45)
    np.testing.assert_allclose(half, full / 2.0)
    np.testing.assert_allclose(full, 8760 * 1e3 * 1.2 * 0.9 * run[ENERGY_PRICE] / 1e9)
    # the price a run pays elsewhere keeps the load: priced_at at the same price changes nothing
    ed = EconomicsDraws.sample(
        CAT, np.random.default_rng(2), n, run | {"params.load_factor": np.full(n, 0.45)}
    )
    np.testing.assert_allclose(
        ed.priced_at(run[ENERGY_PRICE]).opex_usd_b_per_gw_yr, ed.opex_usd_b_per_gw_yr
    )


def test_yearly_capex_sums_each_years_weeks_in_week_order() -> None:
    """Capex per year is Σ over the year's weeks of GW added × learning, summed in week order
    (the sums of ``np.add.at``, bit for bit), and the components add up to the total."""
    from gigafactory.economics.industry import MIN_REF_GW, week_years, yearly_capex

    phys = synthetic_physical(40)
    ed = EconomicsDraws.sample(CAT, np.random.default_rng(5), 40)
    years, capex = yearly_capex(phys, ed)
    added = phys["it_gw_added"].transpose("draw", "week").values.astype(float)
    ref = np.maximum(phys["it_gw_online"].transpose("draw", "week").values[:, 0], MIN_REF_GW)
    mult = learning_multiplier(
        (ref[:, None] + np.cumsum(added, axis=1)) / ref[:, None],
        1.0,
        ed.learning_pct_per_doubling[:, None],
    )
    want = np.zeros((40, len(years)))
    np.add.at(want.T, np.searchsorted(years, week_years(phys)), (added * mult).T)
    total = sum(capex.values(), np.zeros_like(want))
    assert want.sum() > 0 and years == sorted(set(week_years(phys).tolist()))
    np.testing.assert_allclose(total, want * ed.capex_usd_b_per_gw[:, None], rtol=1e-12)
    parts = capex_by_component(ed.capex_usd_b_per_gw, ed.shares)
    for c, x in capex.items():  # every component: its share × the same yearly sums, exactly
        np.testing.assert_array_equal(x, parts[c][:, None] * want, err_msg=c)
