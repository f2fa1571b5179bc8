"""The announced preset end to end: simulate → run_finance → summary."""

from __future__ import annotations

import numpy as np
import pytest

from gigafactory import compile_inputs, load_catalog, load_scenario, simulate
from gigafactory.finance import run_finance, summarise_finance
from ledger_check import cash_change_from_flows

#: float32 ledger rounding over 574 weeks of $B flows.
BALANCE_TOL = 1e-3


@pytest.mark.slow
# timegrid.fractional_years (not finance) still uses DatetimeIndex.dayofyear; drop once fixed
@pytest.mark.filterwarnings("ignore:DatetimeIndex.dayofyear is deprecated")
def test_announced_preset_through_finance() -> None:
    cat = load_catalog()
    sc = load_scenario("announced")
    ph = simulate(compile_inputs(sc, cat, draws=200, seed=3))
    fin = run_finance(ph, sc.finance, cat, np.random.default_rng(3))
    # the ledger's cash balances move by the flows it reports (not its own imbalance figure)
    for e in ("openai", "oracle"):
        change, net = cash_change_from_flows(fin, e)
        ok = np.isfinite(change)
        assert ok.any()
        np.testing.assert_allclose(change[ok], net[ok], atol=BALANCE_TOL * 10, rtol=1e-5)
    s = summarise_finance(fin)
    gap = s["funding_gap_usd_b"]
    assert 0 <= gap["p5"] <= gap["p50"] <= gap["p95"]
    assert s["exposure_usd_b"]["oracle"] > 0  # the $300B contract is definitive
    w = s["warrants"]["amd_warrant"]
    assert 0 <= w["economic_value_usd_b"]["p50"] <= w["full_at_final_hurdle_usd_b"] * 2
    # AMD's 8-K (2025-10-06): full vesting at 6 GW purchased — the model's schedule must let it
    # happen before the (assumed) expiry in some draws; it could not while the 6 GW point fell
    # after the expiry (P = 0 in 2,000 draws)
    assert w["p_full_vesting"] > 0
    assert 0 <= s["circularity"]["finn_cycling_index"]["p50"] < 1


def test_money_follows_the_deals_that_converted() -> None:
    """A non-binding deal converts in the same draws on the physical and the money side."""
    from gigafactory import load_catalog, load_scenario
    from gigafactory.finance.engine import make_plan, sample_draws
    from gigafactory.pipeline import simulate_scenario

    cat = load_catalog()
    sc = load_scenario("announced", cat)
    ds = simulate_scenario(sc, cat, draws=100, seed=9)
    converted = {str(k): ds["deal_converted"].sel(deal=k).values for k in ds["deal"].values}
    plan = make_plan(ds, sc.finance.model_copy(update={"as_of": sc.as_of}), cat)
    draws = sample_draws(plan, cat, np.random.default_rng(0), 100, converted)
    assert 0 < converted["broadcom_10gw"].mean() < 1
    np.testing.assert_array_equal(draws.convert["broadcom_10gw"], converted["broadcom_10gw"])
