"""Shared fixtures: the shipped catalog and small compiled runs of the presets."""

from __future__ import annotations

import pytest

from gigafactory import compile_inputs, load_catalog, load_scenario, simulate
from gigafactory.catalog.schema import Catalog
from gigafactory.supply import ModelInputs

#: Absolute tolerance on IT GW balances (the engine carries float64 inside, float32 out).
GW_TOL = 1e-3


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def announced_inputs(catalog: Catalog) -> ModelInputs:
    return compile_inputs(load_scenario("announced", catalog), catalog, draws=64, seed=7)


@pytest.fixture(scope="session")
def industry_inputs(catalog: Catalog) -> ModelInputs:
    return compile_inputs(load_scenario("industry", catalog), catalog, draws=64, seed=7)


@pytest.fixture(scope="session")
def announced_run(announced_inputs: ModelInputs):  # type: ignore[no-untyped-def]
    return simulate(announced_inputs)
