"""Generic shells energise by region inside the engine (docs/regions.md §Generic shells): each
region's shells wait out its own lead times and queue for its own share of the grid tier, and
the regional results come from the engine's per-region powered shells."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import xarray as xr

from gigafactory import compile_inputs, load_scenario, simulate
from gigafactory.catalog.schema import Catalog
from gigafactory.supply import ModelInputs
from gigafactory.supply.regions import generic_delays

DRAWS = 60


def _compile(catalog: Catalog, tmp_path, body: str = "") -> ModelInputs:  # type: ignore[no-untyped-def]
    f = tmp_path / "sc.yaml"
    f.write_text("name: regional\nextends: industry\n" + body)
    return compile_inputs(load_scenario(str(f), catalog), catalog, draws=DRAWS, seed=5)


@pytest.fixture(scope="module")
def industry(catalog: Catalog, tmp_path_factory) -> ModelInputs:  # type: ignore[no-untyped-def]
    return _compile(catalog, tmp_path_factory.mktemp("regions"))


def _two_regions(inp: ModelInputs, a: str, b: str, share_a: float) -> ModelInputs:
    """All generic capacity in regions ``a`` and ``b``, grid only, no waits."""
    g = np.zeros((inp.draws, len(inp.region_ids)))
    g[:, inp.region_ids.index(a)] = share_a
    g[:, inp.region_ids.index(b)] = 1.0 - share_a
    return dataclasses.replace(
        inp,
        region_generic_share=g,
        region_slip_wk=np.zeros((inp.draws, 3, len(inp.region_ids)), dtype=np.int64),
        onsite_power_share=np.zeros(inp.draws),
    )


def _generic(ds: xr.Dataset, region: str) -> np.ndarray:
    return np.asarray(ds["generic_shells_powered_gw_by_region"].sel(region=region).values)


def test_a_region_with_no_share_energises_nothing_generic(industry: ModelInputs) -> None:
    assert not industry.phase_ids  # every shell of the industry scope is generic
    ds = simulate(_two_regions(industry, "us-pjm", "china", 0.6), engine="numpy")
    idle = [r for r in industry.region_ids if r not in ("us-pjm", "china")]
    gen = ds["generic_shells_powered_gw_by_region"]
    assert float(abs(gen.sel(region=idle)).max()) == 0.0
    assert float(abs(ds["it_gw_online_by_region"].sel(region=idle)).max()) == 0.0
    pjm, china = _generic(ds, "us-pjm"), _generic(ds, "china")
    assert (pjm[:, -1] > pjm[:, 0]).all() and (china[:, -1] > china[:, 0]).all()
    # same shares of shells and grid, no waits: the two regions keep the 60:40 split
    np.testing.assert_allclose(pjm / 0.6, china / 0.4, rtol=1e-5)


def test_a_blocked_region_does_not_take_another_regions_grid(industry: ModelInputs) -> None:
    two = _two_regions(industry, "us-pjm", "china", 0.6)
    build_fac = two.cap_construction_it_mw_per_wk * two.pue[:, None]
    build = two.cap_construction_it_mw_per_wk.copy()
    build[:, 0] = 0.0  # nothing in the pipeline before the horizon (it starts at week 0's rate)
    base_inp = dataclasses.replace(  # the grid binds: half the shells built, ample transformers
        two,
        generic_history_wk=0,  # every shell is built after the as-of date (none is history)
        cap_construction_it_mw_per_wk=build,
        cap_grid_fac_mw_per_wk=0.5 * build_fac,
        cap_transformers_fac_mw_per_wk=10.0 * build_fac,
    )
    slip = base_inp.region_slip_wk.copy()  # type: ignore[union-attr]
    # china's grid connections come ever later: a shell built in week b waits b weeks (the
    # slip reaches shells built after the as-of week, here week 0, gradually)
    slip[:, 0, industry.region_ids.index("china")] = 10_000
    blocked = simulate(dataclasses.replace(base_inp, region_slip_wk=slip), engine="numpy")
    base = simulate(base_inp, engine="numpy")
    china, china0 = _generic(blocked, "china"), _generic(base, "china")
    # china's shells reach its queue at half the rate they are built …
    assert (china0[:, -1] > china[:, -1]).all()
    # … PJM proceeds, no slower, and gets no more than its 60 % of the grid tier (china's
    # spare grid is not PJM's)
    pjm, pjm0 = _generic(blocked, "us-pjm"), _generic(base, "us-pjm")
    assert (pjm[:, -1] > pjm[:, 0]).all()
    assert (pjm >= pjm0 * (1 - 1e-6) - 1e-6).all()
    grid_mw = base_inp.cap_grid_fac_mw_per_wk / base_inp.pue[:, None]
    grid_mw[:, 0] = 0.0  # nothing to energise in week 0
    grid = np.cumsum(grid_mw, axis=1) / 1e3
    years = base_inp.grid.years
    last = np.r_[np.nonzero(years[1:] != years[:-1])[0], len(years) - 1]
    start = 0.6 * base_inp.fleet_it_mw0[:, None] / 1e3  # its share of the initial fleet
    np.testing.assert_allclose(pjm - start, 0.6 * grid[:, last], rtol=1e-4)
    shells = blocked["shells_unpowered_gw"].values[:, -1]
    assert (shells > base["shells_unpowered_gw"].values[:, -1]).all()  # china's stand waiting
    # racks follow the powered shells: china's IT online stops growing with its shells
    it = blocked["it_gw_online_by_region"].sel(region="china").values
    assert (it[:, -1] <= china[:, -1] * 1.001 + 1e-6).all()


def test_a_longer_grid_wait_delays_only_that_regions_shells(
    catalog: Catalog,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    wait = catalog.regions["europe"].grid_wait_weeks
    assert wait is not None
    fixed = 'uncertainty:\n  catalog_ranges: "off"\n'  # leads at their catalog values
    base_inp = _compile(catalog, tmp_path, fixed)
    slow = _compile(
        catalog,
        tmp_path,
        fixed + f"overrides:\n  regions.europe.grid_wait_weeks: {wait.value + 52}\n",
    )
    eu = base_inp.region_ids.index("europe")
    s0, s1 = base_inp.region_slip_wk, slow.region_slip_wk
    assert s0 is not None and s1 is not None
    d0, d1 = generic_delays(s0), generic_delays(s1)
    assert (d0 == 0).all()  # on plan: no shell waits past its construction
    others = [i for i in range(len(base_inp.region_ids)) if i != eu]
    np.testing.assert_array_equal(d1[:, :, others], 0)
    assert (d1[0, :, eu] == 52).all() and (d1[1, :, eu] == 0).all()  # on-site shells: no grid
    base, late = simulate(base_inp, engine="numpy"), simulate(slow, engine="numpy")
    e0, e1 = _generic(base, "europe"), _generic(late, "europe")
    assert (e1 <= e0 * (1 + 1e-6) + 1e-6).all() and (e1 < e0 - 1e-3).any()
    for r in base_inp.region_ids:
        if r != "europe":  # no slower anywhere else (transformers may free up)
            assert (_generic(late, r) >= _generic(base, r) * (1 - 1e-6) - 1e-6).all(), r


def test_shells_built_before_the_as_of_date_do_not_wait(industry: ModelInputs) -> None:
    """History is in the record: a generic shell built before the as-of week energises as the
    grid and transformers allow, whatever a draw's lead slips; only later shells wait."""
    h = industry.generic_history_wk
    assert 0 < h < industry.n_weeks - 52
    late = industry.region_slip_wk.copy()  # type: ignore[union-attr]
    late[:, :2, :] = 10_000  # grid and transformer leads ever later for new shells
    base = simulate(industry, engine="numpy")
    stuck = simulate(dataclasses.replace(industry, region_slip_wk=late), engine="numpy")
    for eng in ("numpy", "numba"):
        got = (
            stuck
            if eng == "numpy"
            else simulate(dataclasses.replace(industry, region_slip_wk=late), engine="numba")
        )
        a = got["generic_shells_powered_gw_by_region"].sum("region").values
        b = base["generic_shells_powered_gw_by_region"].sum("region").values
        ends = np.nonzero(np.diff(industry.grid.years))[0]  # year-end weeks recorded
        before = ends[ends < h - 1]
        np.testing.assert_allclose(a[:, : len(before)], b[:, : len(before)], rtol=1e-6)
        # later shells come later: never more powered, and less in some year after it
        assert (a <= b * (1 + 1e-6) + 1e-6).all(), eng
        assert (a[:, len(before) :] < b[:, len(before) :] - 1e-3).any(), eng
