"""Exposure gross, net of collateral and re-lettable capacity, and expected loss, on a
hand-built deal web where a cancellation changes exposure by a known amount."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from fixtures import synthetic_physical
from gigafactory.catalog import load_catalog
from gigafactory.catalog.schema import Catalog, Deal
from gigafactory.finance import FinanceSettings, run_finance
from gigafactory.finance.exposure import credit_exposure, net_exposure
from gigafactory.finance.whatif import DealWhatIf, restate

CAT = load_catalog()
AS_OF = "2026-11-01"
SRC = "docs/sources/finance.md#1.1"
EXT = "companies.external.facts."


def _web(extra: dict[str, Deal]) -> Catalog:
    """OpenAI with Nvidia's $30B equity (paid 2026-03) and the deals in ``extra`` only."""
    return CAT.model_copy(
        update={"deals": {"nvidia_equity_2026": CAT.deals["nvidia_equity_2026"], **extra}}
    )


def _cloud(usd_b: float, collateral: float | None = None) -> Deal:
    """A definitive $``usd_b``B, 1 GW, 5-yr CoreWeave contract delivering from mid-2027 (after
    as_of, so nothing is paid by then); its vendor is not simulated, so it follows its schedule."""
    fact = {"unit": "$B", "as_of": "2026-01-01", "source": SRC, "conf": "estimate"}
    terms = {"years": {**fact, "value": 5.0, "unit": "years"}}
    if collateral is not None:
        terms["collateral_usd_b"] = {**fact, "value": collateral}
    return Deal.model_validate(
        {
            "name": "hand-built cloud contract",
            "kind": "cloud_capacity",
            "payer": "openai",
            "payee": "coreweave",
            "gw": {**fact, "value": 1.0, "unit": "GW"},
            "usd_b": {**fact, "value": usd_b},
            "schedule": {
                "2027-06": {**fact, "value": 0.0, "unit": "GW"},
                "2028-06": {**fact, "value": 1.0, "unit": "GW"},
            },
            "status_history": [{"status": "definitive", "date": "2026-01-01", "source": SRC}],
            "terms": terms,
        }
    )


def _fin(cat: Catalog) -> xr.Dataset:
    return run_finance(synthetic_physical(12), FinanceSettings(), cat, np.random.default_rng(0))


def _gross(fin: xr.Dataset, who: str) -> np.ndarray:
    if who not in fin["counterparty"].values:
        return np.zeros(fin.sizes["draw"])
    return fin["exposure_usd_b"].sel(counterparty=who).values.astype(float)


def test_cancelling_a_contract_removes_its_unpaid_value_exactly() -> None:
    base = _fin(_web({"cw": _cloud(100.0)}))
    np.testing.assert_allclose(_gross(base, "coreweave"), 100.0, atol=1e-4)  # nothing paid yet
    np.testing.assert_allclose(
        base["exposure_relettable_usd_b"].sel(counterparty="coreweave"), 100.0, atol=1e-4
    )
    np.testing.assert_allclose(_gross(base, "nvidia"), 30.0, atol=1e-4)  # equity, paid 2026-03
    np.testing.assert_allclose(
        base["exposure_equity_usd_b"].sel(counterparty="nvidia"), 30.0, atol=1e-4
    )
    cut = _fin(_web({"cw": restate(_cloud(100.0), DealWhatIf(status="cancelled"), AS_OF)}))
    np.testing.assert_allclose(_gross(cut, "coreweave"), 0.0, atol=1e-6)
    np.testing.assert_allclose(_gross(cut, "nvidia"), 30.0, atol=1e-4)  # the rest unchanged
    half = _fin(_web({"cw": restate(_cloud(100.0), DealWhatIf(gw=0.5), AS_OF)}))
    np.testing.assert_allclose(_gross(half, "coreweave"), 50.0, atol=1e-4)  # resized: $ follows


def test_net_and_expected_loss_by_hand() -> None:
    fin = _fin(_web({"cw": _cloud(100.0, collateral=10.0)}))
    d = fin.sizes["draw"]
    hit = np.arange(d) % 4 == 0  # the buyer defaults in a quarter of the draws
    drawn = {EXT + "relet_share": np.full(d, 0.6), EXT + "unsecured_lgd": np.full(d, 0.5)}
    out = credit_exposure(fin, CAT, hit, np.random.default_rng(0), drawn)
    # coreweave: claim = 100 − 0.6 × 100 − 10 = 30; nvidia: equity 30, no claim
    assert out["exposure_net_usd_b"]["coreweave"] == pytest.approx(30.0, abs=1e-3)
    assert out["exposure_net_usd_b"]["nvidia"] == pytest.approx(30.0, abs=1e-3)
    assert out["expected_loss_usd_b"]["coreweave"] == pytest.approx(0.25 * 0.5 * 30.0, abs=0.01)
    assert out["expected_loss_usd_b"]["nvidia"] == pytest.approx(0.25 * 30.0, abs=0.01)  # LGD 1
    assert out["credit"]["buyer_pd"] == pytest.approx(0.25)
    none = credit_exposure(fin, CAT, np.zeros(d, dtype=bool), np.random.default_rng(0), drawn)
    assert all(v == 0.0 for v in none["expected_loss_usd_b"].values())


def test_net_never_negative_nor_above_gross() -> None:
    rng = np.random.default_rng(3)
    gross = rng.uniform(0, 100, (50, 4))
    equity = gross * rng.uniform(0, 1, (50, 4))
    relet = (gross - equity) * rng.uniform(0, 1, (50, 4))
    claim, net = net_exposure(gross, relet, equity, rng.uniform(0, 200, 4), rng.uniform(0, 1, 50))
    assert (claim >= 0).all() and (net <= gross + 1e-9).all() and (net >= equity - 1e-9).all()


def test_channels_and_credit_inputs_come_from_the_one_sampler() -> None:
    from gigafactory.compile import compile_inputs
    from gigafactory.finance.money import CHANNEL_FACTS, stack_for
    from gigafactory.scenario.loader import load_scenario

    drawn = {"companies.openai.facts.equity_round_usd_b_per_yr": np.array([1.0, 2.0, 3.0])}
    eq = next(
        c
        for c in stack_for(CAT, "openai", np.random.default_rng(0), 3, drawn)
        if c.name == "equity"
    )
    np.testing.assert_array_equal(eq.capacity_usd_b, [1.0, 2.0, 3.0])
    money = compile_inputs(load_scenario("announced", CAT), CAT, 3, 1).money
    for who, c in CAT.companies.items():
        for cap, rate, _ in CHANNEL_FACTS.values():
            for key in (cap, rate):
                if key in c.facts:
                    assert f"companies.{who}.facts.{key}" in money
    assert {EXT + "relet_share", EXT + "unsecured_lgd"} <= set(money)
