"""The quantile tables' selection: the same numbers as ``np.quantile``, bit for bit, whichever
way a column is ordered (constant, tied → sorted, distinct → single-rank partitions)."""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gigafactory.results.series import (
    QUANTILES,
    _draw_quantiles,
    median_over_draws,
    quantiles_over_draws,
)


def _columns(seed: int, n: int) -> np.ndarray:
    """``[n, 6]`` float32: distinct, mostly zero, few levels, constant, one NaN, all NaN."""
    rng = np.random.default_rng(seed)
    x = np.empty((n, 6), dtype=np.float32)
    x[:, 0] = rng.normal(size=n)
    x[:, 1] = np.where(rng.random(n) < 0.9, 0.0, rng.random(n))
    x[:, 2] = rng.integers(0, 4, n)
    x[:, 3] = 2.5
    x[:, 4] = rng.lognormal(size=n)
    x[rng.integers(0, n), 4] = np.nan
    x[:, 5] = np.nan
    return x


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 400),
    st.integers(0, 2**32 - 1),
    st.lists(st.floats(0.0, 1.0), min_size=1, max_size=5),
)
def test_quantiles_equal_numpy_on_every_kind_of_column(n: int, seed: int, qs: list[float]) -> None:
    values = _columns(seed, n)
    kept = values.copy()
    expected = np.quantile(values.astype(np.float64), qs, axis=0)
    np.testing.assert_array_equal(quantiles_over_draws(values, qs), expected)
    np.testing.assert_array_equal(values, kept)  # the caller's draws keep their order


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 300), st.integers(0, 2**32 - 1))
def test_draw_quantiles_skip_nan_draws_like_nanquantile(n: int, seed: int) -> None:
    values = _columns(seed, n)
    q, mean = _draw_quantiles(values)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the all-NaN column
        expected = np.nanquantile(values.astype(np.float64), list(QUANTILES), axis=0)
        expected_mean = np.nanmean(values.astype(np.float64), axis=0)
    np.testing.assert_array_equal(q, expected)
    np.testing.assert_allclose(mean, expected_mean, rtol=1e-12)


def test_quantiles_of_integer_and_week_shaped_draws() -> None:
    rng = np.random.default_rng(7)
    weeks = rng.integers(-1, 50, (500, 4, 3)).astype(np.int32)
    out = quantiles_over_draws(weeks, QUANTILES)
    assert out.shape == (3, 4, 3)
    np.testing.assert_array_equal(out, np.quantile(weeks.astype(np.float64), QUANTILES, axis=0))
    assert quantiles_over_draws(np.empty((0, 2), np.float32), QUANTILES).shape == (3, 2)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 300), st.integers(0, 2**32 - 1), st.sampled_from([np.float32, np.float64]))
def test_median_equals_numpy_median_bit_for_bit(n: int, seed: int, dtype: type) -> None:
    """``median_over_draws`` gives ``np.median``'s numbers and dtype (the mean of the two
    middle draws for even ``n``, in the array's dtype), on every kind of column."""
    values = _columns(seed, n).astype(dtype)
    values[:, 0] *= np.asarray(1e30, dtype)  # large: the sum of the middle pair rounds
    expected = np.median(values, axis=0)
    got = median_over_draws(values)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


def test_median_of_a_middle_pair_straddling_binades() -> None:
    """The middle pair's mean as numpy rounds it, ``(x + y) / 2``, not ``x + (y − x) / 2``
    (they differ here in the last bit)."""
    for dtype, x, y in (
        (np.float32, -0.13210485875606537, 0.5148724317550659),
        (np.float64, 1.9878846938120014, 7.184693091535991),
    ):
        values = np.array([[-5.0], [y], [x], [9.0]], dtype=dtype)
        assert median_over_draws(values)[0] == np.median(values, axis=0)[0]
        assert median_over_draws(values)[0] != values[2, 0] + (values[1, 0] - values[2, 0]) / 2


def test_binding_shares_count_each_weeks_codes() -> None:
    """Shares per week and tier from a small hand-made ``binding``: -1 (nothing bound) is
    not a tier, a code beyond the names is ``code k``, tiers that never bind are omitted."""
    import pandas as pd
    import xarray as xr

    from gigafactory.results.series import binding_shares

    codes = np.array([[0, 2, 2, -1], [0, 0, 3, 3], [2, 2, 2, 2]], dtype=np.int8)  # [draw, week]
    weeks = pd.date_range("2027-01-04", periods=4, freq="7D")
    ds = xr.Dataset(
        {"binding": (("draw", "week"), codes)},
        coords={"week": weeks, "tier": ["a", "b", "c"]},
    )
    got = binding_shares(ds)
    assert list(got["tier"].unique()) == ["a", "c", "code 3"]
    share = got.set_index(["tier", "week"])["share"]
    assert share[("a", weeks[0])] == 2 / 3
    assert share[("c", weeks[1])] == 2 / 3
    assert share[("c", weeks[3])] == 1 / 3  # one draw had -1 there
    assert share[("code 3", weeks[2])] == 1 / 3
    assert len(got) == 3 * 4
