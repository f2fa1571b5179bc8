"""Compile work paid once: the median compile handed from the loader to the run, the PERT
inverse's single-quantile cache, and the attribution on the headline series only."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gigafactory import compile as compile_mod
from gigafactory.catalog.schema import Catalog
from gigafactory.compile import compile_inputs, median_inputs
from gigafactory.scenario.loader import load_scenario_text
from gigafactory.scenario.sampling import beta_ppf

BASE = """
name: compile-once
extends: industry
horizon: {start: 2025-W01, end: 2026-W52}
draws: 50
"""


def _same(a: object, b: object) -> bool:
    """Two ModelInputs equal field by field (arrays bit for bit)."""
    for f in dataclasses.fields(a):  # type: ignore[arg-type]
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, dict):
            if x.keys() != y.keys() or not all(_same_value(x[k], y[k]) for k in x):
                return False
        elif not _same_value(x, y):
            return False
    return True


def _same_value(x: object, y: object) -> bool:
    if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
        return bool(np.array_equal(np.asarray(x), np.asarray(y), equal_nan=True))
    return bool(x == y)


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    calls: list[bool] = []
    real = compile_mod.compile_inputs

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(bool(kwargs.get("median", False)))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(compile_mod, "compile_inputs", counting)
    return calls


def test_the_loaders_median_compile_serves_the_run_once(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _spy(monkeypatch)
    sc = load_scenario_text(BASE, catalog)
    assert calls == [True]  # the loader's check
    run_sc = sc.model_copy(update={"draws": 400})  # the run's draws do not matter to it
    handed = median_inputs(run_sc, catalog)
    assert calls == [True]  # taken, not recompiled
    assert _same(handed, compile_inputs(sc, catalog, 1, sc.seed, median=True))
    median_inputs(run_sc, catalog)
    assert calls == [True, True]  # taken once: a second caller compiles its own


def test_a_different_scenario_or_catalog_does_not_take_it(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    sc = load_scenario_text(BASE, catalog)
    calls = _spy(monkeypatch)
    other = load_scenario_text(BASE + "overrides:\n  params.pue: 1.3\n", catalog)
    assert calls == [True]
    # the check of ``other`` replaced the hand-off; ``sc`` is not ``other``: compiled afresh
    inp = median_inputs(sc, catalog)
    assert calls == [True, True]
    assert _same(inp, compile_inputs(sc, catalog, 1, sc.seed, median=True))
    assert float(median_inputs(other, catalog).pue[0]) == pytest.approx(1.3)
    # the same scenario with another catalog object (equal content) compiles too
    load_scenario_text(BASE, catalog)
    n = len(calls)
    median_inputs(sc, catalog.model_copy())
    assert len(calls) == n + 1


@settings(max_examples=60, deadline=None)
@given(
    a=st.floats(1.0, 9.0),
    b=st.floats(1.0, 9.0),
    u=st.floats(0.0, 1.0),
)
def test_one_quantile_is_the_vectorised_one(a: float, b: float, u: float) -> None:
    """The cached single-element path gives the very bits of the array path."""
    many = beta_ppf(np.array([u, 0.25, 0.75, 0.5]), a, b)
    one = beta_ppf(np.array([u]), a, b)
    assert one.shape == (1,)
    assert one[0] == many[0]
    assert beta_ppf(np.float64(u), a, b).shape == ()
