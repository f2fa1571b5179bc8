"""One sampler: every uncertain fact is drawn once (compile) and read by both sides."""

from __future__ import annotations

import numpy as np
import pytest

from gigafactory import compile_inputs, load_catalog, simulate
from gigafactory.compile import with_point_overrides
from gigafactory.errors import GigafactoryError
from gigafactory.finance.engine import make_plan, sample_draws
from gigafactory.scenario.loader import load_scenario_text

CAT = load_catalog()
DRAWS = 64
BASE = """
name: one-sampler
extends: announced
horizon: {start: 2025-W01, end: 2027-W52}
draws: 64
"""


def _scenario(extra: str = "") -> object:
    return load_scenario_text(BASE + extra, CAT)


def _both_sides(sc: object) -> tuple[object, object, dict[str, np.ndarray]]:
    inp = compile_inputs(sc, CAT, DRAWS, 5)  # type: ignore[arg-type]
    ph = simulate(inp)
    facts = {str(k): ph["money_facts"].values[:, i] for i, k in enumerate(ph["fact"].values)}
    settings = sc.finance.model_copy(update={"as_of": sc.as_of})  # type: ignore[attr-defined]
    plan = make_plan(ph, settings, CAT)
    dr = sample_draws(plan, CAT, np.random.default_rng(1), DRAWS, None, facts)
    return inp, dr, facts


def test_a_deals_gw_is_the_same_draw_for_chips_and_money() -> None:
    sc = _scenario("overrides:\n  deals.amd_6gw.gw: {dist: uniform, low: 3, high: 6}\n")
    inp, dr, _ = _both_sides(sc)
    money_gw = dr.p["amd_6gw.gw"]  # type: ignore[attr-defined]
    assert np.ptp(money_gw) > 1.0  # the override's spread reaches the money side
    # the physical side: AMD's contracted IT MW at the horizon's end is gw × a fixed
    # schedule fraction (the deal is definitive and AMD's only one), so it is ∝ the same draw
    amd = inp.vendors.index("amd")  # type: ignore[attr-defined]
    ordered = inp.orders_it_mw_cum[:, -1, amd]  # type: ignore[attr-defined]
    ratio = ordered / money_gw
    assert np.ptp(ratio) < 1e-9 * ratio.mean()


def test_catalog_ranges_off_reaches_the_money_side() -> None:
    _, _, facts_on = _both_sides(_scenario())
    assert np.ptp(facts_on["companies.openai.facts.revenue_per_gw_yr_usd_b"]) > 0
    _, dr_off, facts_off = _both_sides(_scenario("uncertainty: {catalog_ranges: 'off'}\n"))
    for path, x in facts_off.items():
        assert np.ptp(x) == 0, path
    assert np.ptp(dr_off.p["rev"]) == 0  # type: ignore[attr-defined]


def test_finance_facts_can_be_overridden() -> None:
    sc = _scenario("overrides:\n  companies.openai.facts.cash_usd_b: 123.0\n")
    _, dr, _ = _both_sides(sc)
    assert np.all(dr.p["openai.cash_usd_b"] == 123.0)  # type: ignore[attr-defined]


def test_deal_value_overrides_reach_the_finance_catalog() -> None:
    sc = _scenario("overrides:\n  deals.amd_6gw.usd_b: 70\n")
    cat = with_point_overrides(CAT, sc)  # type: ignore[arg-type]
    usd = cat.deals["amd_6gw"].usd_b
    assert usd is not None and usd.value == 70 and usd.low is None
    assert CAT.deals["amd_6gw"].usd_b.value == 90  # type: ignore[union-attr]


def test_an_override_nothing_reads_is_still_refused() -> None:
    with pytest.raises(GigafactoryError, match="does not use"):
        _scenario("overrides:\n  accelerators.H100.tdp_w: 650\n")
