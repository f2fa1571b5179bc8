"""The DRAM-wafer tier behind HBM: a cap on the HBM tier computed at compile
(``compile_partners.dram_cap``), ``C_hbm(t) ≤ W₀ (1 + g)^(t − t₀) · h · k · 12 ÷ 1e6`` million stacks/yr."""

from __future__ import annotations

import json

import numpy as np
import pytest

from gigafactory.catalog import load_catalog
from gigafactory.compile import compile_inputs
from gigafactory.scenario import load_scenario
from gigafactory.timegrid import decimal_year, parse_when
from gigafactory.units import WEEKS_PER_YEAR

K = "tiers.hbm.params.stacks_per_dram_wafer"


def _compile(preset: str, **overrides: float):  # type: ignore[no-untyped-def]
    cat = load_catalog()
    sc = load_scenario(preset, cat)
    sc = sc.model_copy(update={"overrides": {**sc.overrides, **overrides}})
    return cat, compile_inputs(sc, cat, 1, 0, median=True)


#: fixed values (a ranged fact's median is not its value when the range is lopsided)
FIXED = {
    "tiers.hbm.params.dram_wafers_per_month": 2.25e6,
    "tiers.hbm.params.dram_wafer_growth_pct_per_yr": 8.7,
    "tiers.hbm.params.hbm_share_of_dram_wafers_max": 0.3,
    K: 17.6,
}


def test_the_dram_tier_caps_hbm_by_hand() -> None:
    cat, inp = _compile("industry", **FIXED)
    _, free = _compile("industry", **{**FIXED, K: 1e6})  # never binds: the tier as it was
    p = cat.tiers["hbm"].params
    w = inp.grid.index_of("2030-12-28")
    t = inp.grid.fractional_years()[w]
    t0 = decimal_year(parse_when(p["dram_wafers_per_month"].as_of))
    cap = 2.25e6 * 1.087 ** (t - t0) * 0.3 * 17.6 * 12  # stacks/yr
    got = float(inp.cap_hbm_stacks_per_wk[0, w]) * WEEKS_PER_YEAR
    assert got == pytest.approx(
        min(cap, float(free.cap_hbm_stacks_per_wk[0, w]) * WEEKS_PER_YEAR), rel=1e-5
    )
    assert got < float(free.cap_hbm_stacks_per_wk[0, w]) * WEEKS_PER_YEAR  # it binds in 2030
    early = inp.grid.index_of("2025-06-30")  # not in 2025: 18 % of starts go to HBM, not 30 %
    assert inp.cap_hbm_stacks_per_wk[0, early] == free.cap_hbm_stacks_per_wk[0, early]
    by_year = json.loads(inp.meta["dram_tier"])
    assert by_year["2025"]["binds_share_of_draws"] == 0.0
    assert by_year["2030"]["binds_share_of_draws"] == 1.0
    assert (
        by_year["2030"]["cap_m_stacks_per_yr_p50"] < by_year["2030"]["hbm_tier_m_stacks_per_yr_p50"]
    )


def test_a_buyers_hbm_is_its_share_of_the_capped_tier() -> None:
    """OpenAI's HBM scales by the same min(1, D ÷ C) as the tier; the letter is read against it."""
    _, inp = _compile("announced")
    _, free = _compile("announced", **{K: 1e6})
    ratio = inp.cap_hbm_stacks_per_wk[0] / free.cap_hbm_stacks_per_wk[0]
    assert np.all(ratio <= 1 + 1e-6) and ratio.min() < 0.9
    notes = inp.meta["deal_drives"]
    assert "deal:samsung_sk_memory_loi=capacity:dram_wafers" in notes
