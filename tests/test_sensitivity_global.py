"""Global sensitivity: the design hook in compile, the input groups, and Sobol' on a known case."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import gigafactory.sweep.sensitivity as gs
from gigafactory import compile_inputs, load_scenario
from gigafactory.catalog.schema import Catalog
from gigafactory.cli import app
from gigafactory.results.store import RunStore
from gigafactory.results.sweeps import SweepStore
from gigafactory.sweep.inputs import Inputs, group_of, uncertain_inputs
from gigafactory.sweep.sensitivity import sobol, sobol_indices

#: Ishigami (a = 7, b = 0.1) analytic indices (Saltelli et al. 2008, §4.6)
ISHIGAMI_S1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
ISHIGAMI_ST = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}
INDEX_TOL = 0.05


def _ishigami(u: np.ndarray, block: int) -> dict[str, np.ndarray]:
    x = -np.pi + 2 * np.pi * u
    y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    return {"y": y}


def test_sobol_indices_reproduce_ishigami() -> None:
    prob = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[0, 1]] * 3}
    df = sobol_indices(prob, 4096, _ishigami, seed=3)["y"].set_index("input")
    for k in ISHIGAMI_S1:
        assert df.loc[k, "S1"] == pytest.approx(ISHIGAMI_S1[k], abs=INDEX_TOL)
        assert df.loc[k, "ST"] == pytest.approx(ISHIGAMI_ST[k], abs=INDEX_TOL)
    # x3 acts only through its interaction with x1: no first-order effect, a total one
    assert df.loc["x3", "ST"] - df.loc["x3", "S1"] > 0.2


def test_sobol_indices_grouped_count_a_group_once() -> None:
    # x1 and a copy-like x1b in one group behave as one input: ST of the group ≈ ST(x1)
    def model(u: np.ndarray, block: int) -> dict[str, np.ndarray]:
        return _ishigami(u[:, [0, 2, 3]] * 0.5 + u[:, [1, 2, 3]] * 0.5, block)

    prob = {
        "num_vars": 4,
        "names": ["a", "b", "x2", "x3"],
        "bounds": [[0, 1]] * 4,
        "groups": ["g", "g", "x2", "x3"],
    }
    df = sobol_indices(prob, 1024, model, seed=1)["y"]
    assert list(df["input"]) == ["g", "x2", "x3"] or set(df["input"]) == {"g", "x2", "x3"}
    assert len(df) == 3


def test_given_uniforms_at_one_half_are_the_median_world(catalog: Catalog) -> None:
    sc = load_scenario("industry", catalog)
    keys = uncertain_inputs(sc, catalog).keys
    med = compile_inputs(sc, catalog, 1, median=True)
    given = {k: np.full(3, 0.5) for k in keys}
    mid = compile_inputs(sc, catalog, 3, 0, given=given)
    for name in ("cap_transformers_fac_mw_per_wk", "cap_cowos_wafers_per_wk", "pue", "it_w"):
        a, b = np.asarray(getattr(med, name)), np.asarray(getattr(mid, name))
        np.testing.assert_allclose(b, np.broadcast_to(a, b.shape), rtol=1e-6, err_msg=name)
    # one key moved: only what reads it changes
    hi = compile_inputs(sc, catalog, 3, 0, given={**given, "params.pue": np.full(3, 0.9)})
    assert (hi.pue > mid.pue).all()
    np.testing.assert_array_equal(hi.cap_cowos_wafers_per_wk, mid.cap_cowos_wafers_per_wk)


def test_inputs_group_derived_values_once(catalog: Catalog) -> None:
    sc = load_scenario("industry", catalog)
    inp = uncertain_inputs(sc, catalog)
    by_key = dict(zip(inp.keys, inp.groups, strict=True))
    t = group_of("tiers.transformers.capacity")
    assert (
        by_key["tiers.transformers.capacity"]
        == t
        == by_key["tiers.transformers.params.mw_per_unit"]
    )
    assert by_key["accelerators.H200.it_w"] == by_key["accelerators.H100.it_w"]
    # a capacity path is one key (its points and growth are drawn at one quantile)
    assert "tiers.cowos.capacity" in by_key
    assert not any(k.startswith("tiers.cowos.capacity.points") for k in by_key)
    assert by_key["companies.openai.facts.min_cash_usd_b"] == "openai finances"
    # grouping counts each derivation once: far fewer groups than keys (~40 groups of ~90 keys)
    assert 25 <= len(inp.names) <= 0.6 * len(inp.keys)
    # an override fixes a value: it is no longer an input
    fixed = sc.model_copy(update={"overrides": {"params.pue": 1.2}})
    assert "params.pue" not in uncertain_inputs(fixed, catalog).keys


def test_sobol_on_industry_ranks_transformers_first(catalog: Catalog) -> None:
    sc = load_scenario("industry", catalog)
    res = sobol(sc, catalog, 64, ["it_gw_2030"], seed=5)["it_gw_2030"]
    top = res.iloc[0]
    assert top["input"] == "transformers (units/yr × MW/unit)"
    assert top["ST"] - top["ST_conf"] > 0.3
    # an input the 2030 answer cannot see (the Hopper SKUs are out of the mix by then)
    assert res.set_index("input").loc["accelerators H100/H200", "ST"] < 0.02


#: the input groups the CLI contract test varies (the rest are drawn at random, as any key
#: outside a design is): 5 roles × 16 rows instead of 47 roles, the same CLI path
CLI_GROUPS = ("transformers (units/yr × MW/unit)", "accelerators H100/H200", "params.pue")


def test_sensitivity_cli_sobol_json_contract(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    full = gs.uncertain_inputs

    def few(sc, cat, **kw):  # type: ignore[no-untyped-def]
        inp = full(sc, cat, **kw)
        pairs = [(k, g) for k, g in zip(inp.keys, inp.groups, strict=True) if g in CLI_GROUPS]
        return Inputs(tuple(k for k, _ in pairs), tuple(g for _, g in pairs))

    monkeypatch.setattr(gs, "uncertain_inputs", few)
    store = tmp_path / "s.duckdb"
    res = CliRunner().invoke(
        app,
        [
            "sensitivity",
            "industry",
            "--method",
            "sobol",
            "--draws",
            "16",
            "-m",
            "it_gw_2030",
            "-m",
            "goal_week",
            "--json",
            "--store",
            str(store),
        ],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert set(doc) == {"it_gw_2030", "goal_week"}
    assert set(doc["it_gw_2030"][0]) == {"input", "S1", "S1_conf", "ST", "ST_conf"}
    assert {r["input"] for r in doc["it_gw_2030"]} == set(CLI_GROUPS)
    stored = SweepStore(RunStore(store)).indices()
    assert set(stored["metric"]) == {"it_gw_2030", "goal_week"}
    assert stored.groupby("metric")["rank"].min().eq(1).all()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--method", "sobl"], "did you mean 'sobol'"),
        (["--method", "sobol", "--draws", "100"], "power of two"),
        (["--method", "sobol", "-m", "it_gw_203"], "did you mean 'it_gw_2030'"),
    ],
)
def test_sensitivity_cli_bad_input(tmp_path, args: list[str], needle: str) -> None:  # type: ignore[no-untyped-def]
    store = tmp_path / "s.duckdb"
    res = CliRunner().invoke(app, ["sensitivity", "industry", *args, "--store", str(store)])
    assert res.exit_code != 0
    assert needle in str(res.exception)
    assert not store.exists()
