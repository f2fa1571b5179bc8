"""The money loop on a finance run: channels, P(unfunded), defaults and contagion losses."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from fixtures import synthetic_physical
from gigafactory.catalog import load_catalog
from gigafactory.catalog.schema import Catalog
from gigafactory.finance import FinanceSettings, run_finance
from gigafactory.finance.money import stack_for, summarise_money

CAT = load_catalog()


@pytest.fixture(scope="module")
def fin() -> xr.Dataset:
    return run_finance(synthetic_physical(80), FinanceSettings(), CAT, np.random.default_rng(1))


def _scaled(cat: Catalog, entity: str, key: str, k: float) -> Catalog:
    out = cat.model_copy(deep=True)
    f = out.companies[entity].facts[key]
    out.companies[entity].facts[key] = f.model_copy(
        update={
            "value": f.value * k,
            "low": (f.low or f.value) * k,
            "high": (f.high or f.value) * k,
        }
    )
    return out


def test_contract_keys_and_bounds(fin: xr.Dataset) -> None:
    s = summarise_money(fin, CAT, np.random.default_rng(2))
    p = list(s["p_unfunded"].values())
    assert all(0.0 <= x <= 1.0 for x in p) and p == sorted(p)  # "by the end of the year"
    assert set(s["defaults"]) >= {"openai", "oracle", "nvidia"}
    assert s["defaults"]["openai"] >= p[-1]
    for q in s["contagion_loss_usd_b"].values():
        assert 0.0 <= q["p5"] <= q["p50"] <= q["p95"]
    assert set(s["channels_usd_b"]["oracle"]) == {"ig_bond", "project_finance"}  # Baa2: IG


def test_oracle_bonds_are_high_yield_below_baa3() -> None:
    cat = _scaled(CAT, "oracle", "rating_notch", 12 / 9)  # Ba3
    names = [c.name for c in stack_for(cat, "oracle", np.random.default_rng(0), 4)]
    assert names == ["hy_bond", "project_finance"]


def test_more_equity_capacity_never_raises_p_unfunded(fin: xr.Dataset) -> None:
    base = summarise_money(fin, CAT, np.random.default_rng(2))["p_unfunded"]
    more = summarise_money(
        fin, _scaled(CAT, "openai", "equity_round_usd_b_per_yr", 3.0), np.random.default_rng(2)
    )["p_unfunded"]
    none = summarise_money(
        fin, _scaled(CAT, "openai", "equity_round_usd_b_per_yr", 0.0), np.random.default_rng(2)
    )["p_unfunded"]
    for y in base:
        assert none[y] >= base[y] >= more[y]
    assert none[max(none)] > more[max(more)]  # the channel matters on this run


def test_losses_are_what_defaulters_leave_unpaid(fin: xr.Dataset) -> None:
    """With no channel the buyer defaults more often, and creditors lose more (p95 total)."""
    s0 = summarise_money(
        fin, _scaled(CAT, "openai", "equity_round_usd_b_per_yr", 0.0), np.random.default_rng(2)
    )
    s1 = summarise_money(fin, CAT, np.random.default_rng(2))
    assert s0["defaults"]["openai"] >= s1["defaults"]["openai"]
    assert (
        s0["contagion_loss_usd_b"]["oracle"]["p50"] >= s1["contagion_loss_usd_b"]["oracle"]["p50"]
    )


def test_entity_paths_rebuild_the_ledgers_cash(fin: xr.Dataset) -> None:
    """What the channels fund is the ledger's own path: opening cash + Σ weekly net flows is
    the balance every week from the opening on, and nothing flows before it."""
    from gigafactory.finance.money import _paths

    for e in fin["entity"].values:
        cash = fin["cash_usd_b"].sel(entity=e).transpose("draw", "week").values.astype(float)
        t0 = int(np.isfinite(cash).any(axis=0).argmax())
        net, cash0 = _paths(fin, str(e))
        assert net.dtype == cash0.dtype == np.float64 and net.shape == cash.shape
        assert (net[:, : t0 + 1] == 0).all() and np.abs(net).max() > 0
        np.testing.assert_array_equal(cash0, cash[:, t0])
        np.testing.assert_allclose(
            cash0[:, None] + np.cumsum(net, axis=1)[:, t0:], cash[:, t0:], rtol=1e-6, atol=1e-6
        )
