"""The fast paths agree with the slow ones they replaced (never a timing assertion here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

from gigafactory.cli.files import netcdf_encoding, write_netcdf
from gigafactory.results.series import (
    distributions,
    quantiles_over_draws,
    run_tables,
    trailing_mean,
)
from gigafactory.scenario.sampling import beta_ppf
from gigafactory.yamlio import load_yaml

HEAVY = ("numpy", "pandas", "xarray", "scipy", "linopy", "duckdb", "networkx", "plotly")


def test_help_loads_no_model_libraries() -> None:
    """``gigafactory --help`` imports typer and rich, not the numerical stack (which modules,
    not how long: ``python -X importtime`` lists every module imported)."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "gigafactory.cli", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Usage" in proc.stdout
    loaded = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()}
    assert "typer" in loaded
    assert sorted(m for m in loaded if m.split(".")[0] in HEAVY) == []


finite = st.floats(-1e6, 1e6, allow_nan=False, width=32)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 60),
    st.integers(1, 5),
    st.lists(finite, min_size=300, max_size=300),
    st.booleans(),
)
def test_quantiles_equal_numpy_linear(n: int, cols: int, pool: list[float], nan: bool) -> None:
    """Partition-based quantiles on float32 equal ``np.quantile`` on float64, bit for bit."""
    values = np.resize(np.asarray(pool, dtype=np.float32), (n, cols))
    if nan:
        values[n // 2, 0] = np.nan
    qs = (0.05, 0.5, 0.95)
    expected = np.quantile(values.astype(np.float64), qs, axis=0)
    np.testing.assert_array_equal(quantiles_over_draws(values, qs), expected)


def test_quantiles_keep_the_trailing_shape() -> None:
    values = np.arange(24, dtype=np.float32).reshape(4, 3, 2)
    out = quantiles_over_draws(values, (0.0, 1.0))
    assert out.shape == (2, 3, 2)
    np.testing.assert_array_equal(out[0], values[0])
    np.testing.assert_array_equal(out[1], values[-1])


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 40), st.integers(1, 20), st.integers(0, 2**32 - 1))
def test_trailing_mean_equals_xarray_rolling(weeks: int, window: int, seed: int) -> None:
    values = np.random.default_rng(seed).random((3, weeks)).astype(np.float32) * 5
    ref = xr.DataArray(values.astype(np.float64), dims=("draw", "week"))
    ref = ref.rolling(week=window, min_periods=1).mean().values
    np.testing.assert_allclose(trailing_mean(values, window), ref, rtol=1e-12, atol=1e-12)


@settings(max_examples=80, deadline=None)
@given(
    st.floats(1.0, 5.0),
    st.floats(1.0, 5.0),
    st.lists(st.one_of(st.floats(1e-30, 1.0), st.floats(0.0, 1e-30)), min_size=1, max_size=50),
)
def test_beta_ppf_equals_scipy(a: float, b: float, u: list[float]) -> None:
    """The tabulated-and-Newton inverse agrees with ``scipy.stats.beta.ppf`` (PERT shapes).

    Below 1e-30 (subnormal uniforms no generator gives) scipy's root finder can give up and
    return NaN, so there only the residual ``I_x(a, b) − u`` is checked."""
    uu = np.asarray(u)
    x = beta_ppf(uu, a, b)
    big = uu >= 1e-30
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(x[big], stats.beta.ppf(uu[big], a, b), rtol=0, atol=1e-11)
    assert ((x >= 0) & (x <= 1)).all()
    np.testing.assert_allclose(special.betainc(a, b, x[~big]), uu[~big], rtol=1e-6, atol=1e-300)


def test_beta_ppf_tails_and_ends() -> None:
    u = np.array([0.0, 1e-12, 1e-6, 0.5, 1 - 1e-6, 1 - 1e-12, 1.0])
    for a, b in ((1.0, 1.0), (1.0, 5.0), (5.0, 1.0), (1.3, 3.7), (4.2, 1.05)):
        np.testing.assert_allclose(beta_ppf(u, a, b), stats.beta.ppf(u, a, b), atol=1e-11)


def _dataset(draws: int = 50) -> xr.Dataset:
    rng = np.random.default_rng(3)
    weeks = np.datetime64("2026-01-05") + np.arange(30) * np.timedelta64(7, "D")
    return xr.Dataset(
        {
            "it_gw_online": (("draw", "week"), rng.random((draws, 30)).astype(np.float32)),
            "pue": (("draw",), rng.random(draws).astype(np.float32)),
            "gap": (("draw", "entity"), rng.random((draws, 2))),
        },
        coords={"draw": np.arange(draws), "week": weeks, "entity": ["a", "b"]},
        attrs={"seed": 1},
    )


def test_distributions_skip_weekly_variables() -> None:
    """Per-draw quantities only: a weekly series is the ``series`` table's, not a distribution."""
    d = distributions(_dataset(), source="physical")
    assert set(d["variable"]) == {"pue", "gap"}
    assert list(d.loc[d["variable"] == "gap", "key"]) == ["a", "b"]


def test_run_tables_is_what_the_store_keeps(tmp_path: Path) -> None:
    """The store saves the tables it is given, and computes the same ones when not given."""
    from gigafactory.results.store import RunStore

    ds = _dataset()
    ds.attrs.update(goal_basis="it", goal_gw_per_week=1.0)
    tables = run_tables(ds)
    store = RunStore(tmp_path / "s.duckdb")
    given_id = store.save_run({"scenario": "t"}, scenario_yaml="x: 1", physical=ds, tables=tables)
    own_id = store.save_run({"scenario": "t"}, scenario_yaml="x: 1", physical=ds)
    a, b = store.get_run(given_id), store.get_run(own_id)
    assert len(a.series) == len(tables["series"]) > 0
    np.testing.assert_allclose(a.series["p50"], b.series["p50"])
    assert a.distributions.equals(b.distributions)


def test_netcdf_round_trips_exactly_chunked_by_draw(tmp_path: Path) -> None:
    ds = _dataset(300)
    enc = netcdf_encoding(ds, compress=True)
    assert enc["it_gw_online"]["chunksizes"] == (256, 30)
    assert enc["it_gw_online"]["shuffle"] and enc["it_gw_online"]["complevel"] == 1
    assert "zlib" not in netcdf_encoding(ds)["it_gw_online"]  # off by default: CPU
    for compress in (False, True):
        write_netcdf(ds, tmp_path / "r.nc", compress=compress)
        with xr.open_dataset(tmp_path / "r.nc", engine="h5netcdf") as back:
            xr.testing.assert_identical(back.load(), ds)


def test_yaml_values_and_lines() -> None:
    data, lines = load_yaml("a: 1\nb:\n  - 2026-01-05\n  - x\nc: {d: 0.5, e: null, f: yes}\n", "f")
    assert data == {"a": 1, "b": ["2026-01-05", "x"], "c": {"d": 0.5, "e": None, "f": True}}
    assert lines[("b", 1)] == 4 and lines[("c", "d")] == 5


@pytest.mark.parametrize("text", ["a: 1\na: 2\n", "a: [1\n"])
def test_yaml_errors_still_name_the_line(text: str) -> None:
    from gigafactory.errors import GigafactoryError

    with pytest.raises(GigafactoryError) as exc:
        load_yaml(text, "f.yaml")
    assert "f.yaml:2" in str(exc.value) or "f.yaml:1" in str(exc.value)
