"""Capacity paths grow only past their last point: the compiled inputs equal the dense formula."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

import gigafactory.compile as C
from gigafactory.catalog.schema import Catalog
from gigafactory.scenario import load_scenario


def _dense_sample_path(
    sm: Any, name: str, path: Any, week_years: Any, loading: float = 0.0, u: Any = None
) -> Any:
    """``sample_path`` as it was: the growth factor ``(1 + g)^past`` computed on every week."""
    keys = sorted(path.points, key=lambda k: C.parse_when(k))
    years = np.array([C.decimal_year(C.parse_when(k)) for k in keys])
    u = sm.u(loading, key=name) if u is None else u
    vals = np.stack([sm.fact(f"{name}.points.{k}", path.points[k], u) for k in keys], axis=1)
    growth = sm.fact(f"{name}.growth_after_pct_per_yr", path.growth_after_pct_per_yr, u)
    log = path.interpolation == "log"
    wts, past = C._interp_weights(years, week_years, log)
    if log:
        lg = (wts.T @ np.log(np.maximum(vals, 1e-12)).T).astype(np.float32)
        lg += (past[:, None] * np.log1p(growth / 100.0)[None, :]).astype(np.float32)
        return np.exp(lg, out=lg).T
    lin = np.maximum(wts.T @ vals.T, 0.0) * (1.0 + growth / 100.0)[None, :] ** past[:, None]
    return lin.astype(np.float32).T


@pytest.mark.parametrize("name", ["announced", "industry"])
def test_compiled_paths_equal_the_dense_growth_formula(
    name: str, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    sc = load_scenario(name, catalog)
    got = C.compile_inputs(sc, catalog, 40, 3)
    monkeypatch.setattr(C, "sample_path", _dense_sample_path)
    want = C.compile_inputs(sc, catalog, 40, 3)
    for f in dataclasses.fields(got):
        a, b = getattr(got, f.name), getattr(want, f.name)
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b, err_msg=f.name)
    # the horizon runs past the paths' last points, so growth is exercised
    grid = got.cap_grid_fac_mw_per_wk
    assert not np.allclose(grid[:, -1], grid[:, -60])
