"""The compiled weekly loop (supply/kernel.py) agrees with the NumPy reference on every output.

Every variable ``simulate`` returns — series, binding codes and counts, phases' weeks, vendor
detail, per-SKU starts, regions — is compared: floats to 1e-6 relative (1e-9 absolute for
zeros), integers and labels exactly.  The presets cover both scopes and every rule the loop
switches on: buyer scope (orders cap, demand-driven orders, shell allowance, named phases)
and industry scope (backlog gate, write-offs), with and without the market rules.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gigafactory import compile_inputs, load_scenario, simulate
from gigafactory.catalog.schema import Catalog
from gigafactory.demand import supply_only
from gigafactory.supply import ModelInputs

RTOL = 1e-6
ATOL = 1e-9


def assert_same_run(ref: xr.Dataset, got: xr.Dataset) -> None:
    """Every variable, coordinate and attribute of two runs agrees (floats to RTOL/ATOL)."""
    assert set(ref.data_vars) == set(got.data_vars)
    assert ref.attrs == got.attrs
    for name in ref.coords:
        np.testing.assert_array_equal(ref[name].values, got[name].values, err_msg=str(name))
    for name in ref.data_vars:
        a, b = ref[name], got[name]
        assert a.dims == b.dims, name
        assert a.dtype == b.dtype, name
        if a.dtype.kind == "f":
            np.testing.assert_allclose(
                b.values.astype(float), a.values.astype(float), rtol=RTOL, atol=ATOL, err_msg=name
            )
        else:
            np.testing.assert_array_equal(b.values, a.values, err_msg=str(name))


@pytest.fixture(scope="module")
def preset_inputs(catalog: Catalog) -> dict[str, ModelInputs]:
    return {
        p: compile_inputs(load_scenario(p, catalog), catalog, draws=100, seed=11)
        for p in ("announced", "industry")
    }


@pytest.mark.parametrize("preset", ["announced", "industry"])
@pytest.mark.parametrize("market", [True, False], ids=["market", "supply_only"])
def test_engines_agree_on_every_output(
    preset_inputs: dict[str, ModelInputs], preset: str, market: bool
) -> None:
    inp = preset_inputs[preset] if market else supply_only(preset_inputs[preset])
    ref = simulate(inp, engine="numpy")
    got = simulate(inp, engine="numba")
    assert float(ref.it_gw_online.max()) > 0  # a run with something in it
    assert_same_run(ref, got)


def test_engines_agree_across_batches_without_vendor_detail(
    preset_inputs: dict[str, ModelInputs],
) -> None:
    """Several batches (columns offset in the output) and the headline-only layout."""
    inp = preset_inputs["industry"]
    ref = simulate(inp, engine="numpy", vendor_detail=False, batch=37)
    got = simulate(inp, engine="numba", vendor_detail=False, batch=37)
    assert "it_gw_online_by_vendor" not in got
    assert_same_run(ref, got)
    assert_same_run(ref, simulate(inp, engine="numba", vendor_detail=False))


def test_unknown_engine_is_refused(preset_inputs: dict[str, ModelInputs]) -> None:
    with pytest.raises(ValueError, match="engine must be one of"):
        simulate(preset_inputs["industry"], engine="fortran")


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    preset=st.sampled_from(["announced", "industry"]),
    seed=st.integers(0, 2**31 - 1),
    draws=st.integers(1, 60),
)
def test_engines_agree_on_random_seeds(
    catalog: Catalog, preset: str, seed: int, draws: int
) -> None:
    inp = compile_inputs(load_scenario(preset, catalog), catalog, draws=draws, seed=seed)
    assert_same_run(simulate(inp, engine="numpy"), simulate(inp, engine="numba"))


def test_engines_agree_on_regional_queues(preset_inputs: dict[str, ModelInputs]) -> None:
    """Regional generic shells: uneven shares, waits from none to past the horizon, a tight
    grid and tight transformers (both pro-rata rules bind somewhere)."""
    inp = preset_inputs["industry"]
    rng = np.random.default_rng(3)
    d, r = inp.draws, len(inp.region_ids)
    g = rng.dirichlet(np.ones(r), size=d) * (rng.random((d, r)) > 0.3)
    g[:, 0] += 1e-3
    slip = rng.integers(-60, 200, size=(d, 3, r))
    slip[:, 0, 1] = 10_000  # one region's grid never comes
    build = inp.cap_construction_it_mw_per_wk * inp.pue[:, None]
    hand = dataclasses.replace(
        inp,
        region_generic_share=g / g.sum(axis=1, keepdims=True),
        region_slip_wk=slip,
        cap_grid_fac_mw_per_wk=0.6 * build,
        cap_transformers_fac_mw_per_wk=0.5 * build,
    )
    ref = simulate(hand, engine="numpy")
    got = simulate(hand, engine="numba", batch=41)
    gen = ref["generic_shells_powered_gw_by_region"]
    assert float(gen.isel(year=-1).std("region").min()) > 0  # the regions differ
    assert_same_run(ref, got)
