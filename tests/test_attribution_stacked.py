"""The delay attribution runs its counterfactuals as one stacked engine run: same numbers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from gigafactory.supply import ModelInputs, simulate
from gigafactory.supply.attribution import delay_weeks, relaxed, stacked, weeks_to_reach
from gigafactory.supply.inputs import TIERS


def _one_run_per_tier(inp: ModelInputs, milestone: float) -> dict[str, dict[str, Any]]:
    """The attribution as it was: one engine run per relaxed tier (the reference)."""
    base = weeks_to_reach(simulate(inp, vendor_detail=False).it_gw_online.values, milestone)
    out: dict[str, dict[str, Any]] = {"_milestone": {"it_gw": round(milestone, 3)}}
    for tier in TIERS:
        if tier == "orders" and not np.isfinite(inp.orders_it_mw_cum[:, -1, :]).any():
            continue
        online = simulate(relaxed(inp, tier), vendor_detail=False).it_gw_online.values
        gain = np.maximum(base - weeks_to_reach(online, milestone), 0)
        if gain.any():
            out[tier] = {
                "p50": float(np.median(gain)),
                "mean": round(float(gain.mean()), 2),
                "share_of_draws": round(float((gain > 0).mean()), 4),
            }
    return out


@pytest.mark.parametrize("name", ["announced_inputs", "industry_inputs"])
def test_stacked_attribution_equals_one_run_per_tier(
    name: str, request: pytest.FixtureRequest
) -> None:
    inp: ModelInputs = request.getfixturevalue(name)
    online = simulate(inp, vendor_detail=False).it_gw_online.values
    milestone = float(np.median(online[:, 300]))
    got = delay_weeks(inp, milestone)
    assert len(got) > 1  # some tier delays the milestone, so the comparison says something
    assert got == _one_run_per_tier(inp, milestone)


def test_stacked_rows_are_each_variants_own_run(announced_inputs: ModelInputs) -> None:
    inp = announced_inputs
    variants = [inp, relaxed(inp, "grid"), relaxed(inp, "orders")]
    both = simulate(stacked(variants), vendor_detail=False)
    for k, v in enumerate(variants):
        alone = simulate(v, vendor_detail=False)
        rows = slice(k * inp.draws, (k + 1) * inp.draws)
        for var in ("it_gw_online", "facility_gw_online", "energy_twh", "binding"):
            np.testing.assert_array_equal(both[var].values[rows], alone[var].values)


def test_stacked_refuses_an_array_without_a_draw_axis(announced_inputs: ModelInputs) -> None:
    import dataclasses

    bad = dataclasses.replace(announced_inputs, pue=announced_inputs.pue[:3])
    with pytest.raises(ValueError, match="pue"):
        stacked([bad, bad])
