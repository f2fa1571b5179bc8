"""Per-region grid queues and transformer leads (docs/regions.md): a named phase waits in its
own region's interconnection queue and gets its transformers on its region's lead time."""

from __future__ import annotations

import numpy as np
import pytest

from gigafactory import compile_inputs, load_scenario
from gigafactory.catalog.schema import Catalog
from gigafactory.errors import GigafactoryError
from gigafactory.supply.inputs import ModelInputs

DRAWS = 24


def _inputs(catalog: Catalog, tmp_path, body: str = "") -> ModelInputs:  # type: ignore[no-untyped-def]
    f = tmp_path / "sc.yaml"
    f.write_text("name: regional\nextends: announced\n" + body)
    return compile_inputs(load_scenario(str(f), catalog), catalog, draws=DRAWS, seed=11)


def _cols(inp: ModelInputs, site: str) -> list[int]:
    return [i for i, s in enumerate(inp.phase_site) if s == site]


def test_sites_wait_in_their_own_regions_queue(catalog: Catalog, tmp_path) -> None:  # type: ignore[no-untyped-def]
    base = _inputs(catalog, tmp_path)
    gulf = catalog.regions["gulf"].grid_wait_weeks
    pjm = catalog.regions["us-pjm"].grid_wait_weeks
    assert gulf is not None and pjm is not None
    uae, lordstown = _cols(base, "uae"), _cols(base, "lordstown")
    assert uae and lordstown
    # the plan: the UAE requests its connection the Gulf's wait ahead, Lordstown PJM's
    t = base.phase_planned_wk
    req = base.phase_plan["queue_request"]
    np.testing.assert_array_equal(req[uae], t[uae] - round(gulf.value))
    np.testing.assert_array_equal(req[lordstown], t[lordstown] - round(pjm.value))
    # a longer Gulf queue (a surprise: the plan stays on the catalog's 78 weeks) moves the UAE
    # phases' interconnection by exactly the change, and no other site
    slow = _inputs(
        catalog, tmp_path, f"overrides:\n  regions.gulf.grid_wait_weeks: {gulf.value + 52}\n"
    )
    grid0, grid1 = base.phase_waits["grid"], slow.phase_waits["grid"]
    np.testing.assert_array_equal(grid1[:, uae], (t[uae] + 52)[None, :].repeat(DRAWS, 0))
    others = [i for i in range(len(t)) if i not in uae]
    np.testing.assert_array_equal(grid1[:, others], grid0[:, others])
    # … and a grid-bound UAE phase energises later
    assert (slow.phase_power_wk[:, uae] >= base.phase_power_wk[:, uae]).all()
    assert (slow.phase_power_wk[:, uae] > base.phase_power_wk[:, uae]).any()
    # a PJM override moves Lordstown, not the UAE
    pjm_slow = _inputs(
        catalog, tmp_path, f"overrides:\n  regions.us-pjm.grid_wait_weeks: {pjm.value + 26}\n"
    )
    np.testing.assert_array_equal(pjm_slow.phase_waits["grid"][:, uae], grid0[:, uae])
    np.testing.assert_array_equal(
        pjm_slow.phase_waits["grid"][:, lordstown], (t[lordstown] + 26)[None, :].repeat(DRAWS, 0)
    )


def test_moving_a_site_moves_its_queue(catalog: Catalog, tmp_path) -> None:  # type: ignore[no-untyped-def]
    moved = _inputs(catalog, tmp_path, "site_regions:\n  uae: us-pjm\n")
    pjm = catalog.regions["us-pjm"].grid_wait_weeks
    assert pjm is not None
    uae = _cols(moved, "uae")
    req = moved.phase_plan["queue_request"]
    np.testing.assert_array_equal(req[uae], moved.phase_planned_wk[uae] - round(pjm.value))


def test_regions_draw_at_the_tiers_quantile(catalog: Catalog, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # one shock to every queue of a draw: the UAE's and Lordstown's waits rank the draws alike
    base = _inputs(catalog, tmp_path)
    g = base.phase_waits["grid"]
    a, b = g[:, _cols(base, "uae")[0]], g[:, _cols(base, "lordstown")[0]]
    assert np.corrcoef(np.argsort(np.argsort(a)), np.argsort(np.argsort(b)))[0, 1] > 0.95


def test_china_transformers_come_from_its_own_lead(catalog: Catalog) -> None:
    china = catalog.regions["china"].transformer_lead_weeks
    xfmr = catalog.tiers["transformers"].params["lead_weeks"]
    assert china is not None and china.value < xfmr.value


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("overrides:\n  regions.gulff.grid_wait_weeks: 100\n", "did you mean 'regions.gulf."),
        ("site_regions:\n  uae: gulff\n", "did you mean 'gulf'"),
        ("overrides:\n  regions.gulf.grid_wait_weeks: -3\n", "outside the allowed values"),
    ],
)
def test_bad_region_keys_are_refused(catalog: Catalog, tmp_path, body: str, needle: str) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "bad.yaml"
    f.write_text("name: bad\nextends: announced\n" + body)
    with pytest.raises(GigafactoryError, match="nothing was run") as e:
        load_scenario(str(f), catalog)
    assert needle in str(e.value)


def test_a_tier_override_scales_every_regions_queue(catalog: Catalog, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # the grid tier's wait fixed at half its catalog value: every region's wait is halved
    tier = catalog.tiers["grid"].params["wait_weeks"].value
    inp = _inputs(catalog, tmp_path, f"overrides:\n  tiers.grid.params.wait_weeks: {tier / 2}\n")
    t = inp.phase_planned_wk
    for site, region in (("uae", "gulf"), ("lordstown", "us-pjm")):
        f = catalog.regions[region].grid_wait_weeks
        assert f is not None
        cols = _cols(inp, site)
        want = t[cols] + np.round(f.value / 2 - f.value)
        np.testing.assert_array_equal(
            inp.phase_waits["grid"][:, cols], want[None, :].repeat(DRAWS, 0)
        )
