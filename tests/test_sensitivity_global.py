"""Global sensitivity: the design hook in compile, the input groups, and Sobol' on a known case."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import gigafactory.sweep.sensitivity as gs
from gigafactory import compile_inputs, load_scenario
from gigafactory.catalog.formula import references
from gigafactory.catalog.schema import Catalog
from gigafactory.cli import app
from gigafactory.results.store import RunStore
from gigafactory.results.sweeps import SweepStore
from gigafactory.scenario.loader import fact_paths
from gigafactory.sweep.evaluate import evaluate, evaluate_batch
from gigafactory.sweep.inputs import POWER, SHARED, Inputs, group_of, uncertain_inputs
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
    # chip facts by measure: H200's watts are H100's, B200's logic-wafer packages H100's ÷ 2
    assert by_key["accelerators.H200.it_w"] == by_key["accelerators.H100.it_w"] == POWER
    assert by_key["racks.NVL72_GB200.it_kw"] == POWER
    assert (
        by_key["accelerators.B200.packages_per_logic_wafer"]
        == (by_key["accelerators.RUBIN.packages_per_logic_wafer"])
    )
    # a deal's GW is its dollars ÷ the external rent per GW-yr (formula): one group with it
    rent = by_key["companies.external.facts.rent_usd_b_per_gw_yr"]
    assert by_key["deals.microsoft_250b.gw"] == rent == by_key["deals.aws_38b.gw"]
    assert rent.startswith("external finances + deals ") and "microsoft_250b" in rent
    # a capacity path is one key (its points and growth are drawn at one quantile)
    assert "tiers.cowos.capacity" in by_key
    assert not any(k.startswith("tiers.cowos.capacity.points") for k in by_key)
    assert by_key["companies.openai.facts.min_cash_usd_b"] == "openai finances"
    # grouping counts each derivation once: far fewer groups than keys (~30 groups of ~100 keys)
    assert 25 <= len(inp.names) <= 0.4 * len(inp.keys)
    # an override fixes a value: it is no longer an input
    fixed = sc.model_copy(update={"overrides": {"params.pue": 1.2}})
    assert "params.pue" not in uncertain_inputs(fixed, catalog).keys


def test_every_formula_link_stays_inside_one_group(catalog: Catalog) -> None:
    for preset in ("industry", "announced"):
        inp = uncertain_inputs(load_scenario(preset, catalog), catalog)
        by_key = dict(zip(inp.keys, inp.groups, strict=True))
        known = fact_paths(catalog)
        links = [
            (k, r)
            for k in inp.keys
            if k in known and known[k].formula
            for r in references(str(known[k].formula))
            if r in by_key and not r.startswith(SHARED)
        ]
        assert len(links) >= 5, preset  # the check is not vacuous
        for k, r in links:
            assert by_key[k] == by_key[r], (preset, k, r)


def test_inputs_leave_out_what_no_metric_reads(catalog: Catalog) -> None:
    sc = load_scenario("industry", catalog)
    every = uncertain_inputs(sc, catalog).keys
    assert not any(k.startswith("energy.") for k in every)
    # a region's power price sets the buyer's energy bill: a money fact, which the physical
    # metrics do not read; its share of the fleet is physical (generic shells queue by region)
    regional = [k for k in every if k.startswith("regions.")]
    assert any(k.endswith(".power_price_usd_per_mwh") for k in regional)
    assert "ai_demand" in every  # the industry's capex path is drawn at the factor's quantile
    physical = uncertain_inputs(sc, catalog, ["it_gw_2030", "goal_week"]).keys
    assert not any(k.startswith("companies.") for k in physical)
    assert not any(k.endswith(".power_price_usd_per_mwh") for k in physical)
    assert any(k.endswith(".share_of_iea_region") for k in physical)
    assert "params.load_factor" not in physical and "params.load_factor" in every
    # without a demand path nothing reads the factor while demand_loading = 0
    off = sc.model_copy(update={"scope": sc.scope.model_copy(update={"market": "off"})})
    assert "ai_demand" not in uncertain_inputs(off, catalog, ["it_gw_2030"]).keys
    loaded = off.model_copy(
        update={"uncertainty": off.uncertainty.model_copy(update={"demand_loading": 0.5})}
    )
    assert "ai_demand" in uncertain_inputs(loaded, catalog, ["it_gw_2030"]).keys


@pytest.mark.parametrize(
    ("metrics", "left_out"),
    [
        (["it_gw_2030", "goal_week"], ("energy.", "regions.", "companies.", "params.load_factor")),
        (["funding_gap"], ("energy.",)),
    ],
)
def test_left_out_inputs_do_not_move_the_metrics(
    catalog: Catalog, metrics: list[str], left_out: tuple[str, ...]
) -> None:
    sc = load_scenario("industry", catalog)
    inp = uncertain_inputs(sc, catalog, metrics)
    out = [k for k in uncertain_inputs(sc, catalog, None).keys if k not in inp.keys]
    out += ["energy.iea_twh_2024_united_states"]
    out += ["regions.us-pjm.power_price_usd_per_mwh"] if "funding_gap" not in metrics else []
    out = [k for k in dict.fromkeys(out) if k.startswith(left_out)]
    assert out, "nothing left out: the check would be vacuous"
    keys = (*inp.keys, *out)
    u = np.random.default_rng(4).random((6, len(keys)))
    lo, hi = u.copy(), u.copy()
    lo[:, len(inp.keys) :], hi[:, len(inp.keys) :] = 0.02, 0.98
    a = evaluate_batch(sc, catalog, keys, lo, metrics, 3)
    b = evaluate_batch(sc, catalog, keys, hi, metrics, 3)
    for m in metrics:
        np.testing.assert_array_equal(a[m], b[m], err_msg=m)


def test_physical_metrics_do_not_depend_on_the_batching(catalog: Catalog) -> None:
    # without a finance metric every row is a function of its own uniforms, so Sobol' may
    # pack the rows of several roles into one batch
    sc = load_scenario("industry", catalog)
    metrics = ["it_gw_2030", "goal_week"]
    keys = uncertain_inputs(sc, catalog, metrics).keys
    u = np.random.default_rng(5).random((12, len(keys)))
    one = evaluate(sc, catalog, keys, u, metrics, 1)
    split = evaluate(sc, catalog, keys, u, metrics, 2, block=4)
    for m in metrics:
        np.testing.assert_allclose(one[m], split[m], rtol=1e-6, err_msg=m)


def test_sobol_on_industry_ranks_transformers_first(catalog: Catalog) -> None:
    sc = load_scenario("industry", catalog)
    res = sobol(sc, catalog, 64, ["it_gw_2030"], seed=5)["it_gw_2030"]
    top = res.iloc[0]
    assert top["input"] == "transformers (units/yr × MW/unit)"
    assert top["ST"] - top["ST_conf"] > 0.3
    # an input the 2030 answer cannot see (rack assembly never binds in industry)
    assert res.set_index("input").loc["tiers.rack_assembly.capacity", "ST"] < 0.02
    # the money side is no input of a physical metric
    assert not res["input"].str.contains("finances").any()


#: the input groups the CLI contract test varies (the rest are drawn at random, as any key
#: outside a design is): 5 roles × 16 rows instead of 47 roles, the same CLI path
CLI_GROUPS = ("transformers (units/yr × MW/unit)", "accelerator IT watts and rack kW", "params.pue")


def test_sensitivity_cli_sobol_json_contract(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    full = gs.uncertain_inputs

    def few(sc, cat, *args, **kw):  # type: ignore[no-untyped-def]
        inp = full(sc, cat, *args, **kw)
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


def test_a_money_only_block_reuses_the_physics_exactly(catalog: Catalog) -> None:
    sc = load_scenario("industry", catalog)
    metrics = ["it_gw_2030", "funding_gap"]
    keys = uncertain_inputs(sc, catalog, metrics).keys
    money = [j for j, k in enumerate(keys) if k.startswith("companies.openai.")]
    pue = keys.index("params.pue")
    a = np.random.default_rng(6).random((5, len(keys)))
    b_money, b_pue = a.copy(), a.copy()
    b_money[:, money] = 1.0 - a[:, money]
    b_pue[:, pue] = 1.0 - a[:, pue]
    u = np.concatenate([a, b_money, b_pue])
    fresh = evaluate(sc, catalog, keys, u, metrics, 2, block=5)
    reused = evaluate(sc, catalog, keys, u, metrics, 2, block=5, physics_of=[None, 0, None])
    for m in metrics:
        np.testing.assert_allclose(reused[m], fresh[m], rtol=1e-6, err_msg=m)
    assert not np.allclose(fresh["funding_gap"][5:10], fresh["funding_gap"][:5])  # it moved
    # the check has teeth: reusing the physics of a block whose PUE differs is wrong
    wrong = evaluate(sc, catalog, keys, u, metrics, 2, block=5, physics_of=[None, 0, 0])
    assert not np.allclose(wrong["it_gw_2030"][10:], fresh["it_gw_2030"][10:])


def test_reused_physics_on_a_local_cluster_match_in_process(catalog: Catalog) -> None:
    from gigafactory.sweep.run import connect

    sc = load_scenario("industry", catalog)
    metrics = ["it_gw_2030", "funding_gap"]
    keys = uncertain_inputs(sc, catalog, metrics).keys
    money = [j for j, k in enumerate(keys) if k.startswith("companies.")]
    a = np.random.default_rng(7).random((4, len(keys)))
    b = a.copy()
    b[:, money] = 1.0 - a[:, money]
    u = np.concatenate([a, b, 1.0 - a])
    plan = [None, 0, None]
    here = evaluate(sc, catalog, keys, u, metrics, 3, block=4, physics_of=plan)
    with connect(workers=1) as client:
        there = evaluate(sc, catalog, keys, u, metrics, 3, block=4, physics_of=plan, client=client)
    for m in metrics:
        np.testing.assert_allclose(there[m], here[m], rtol=1e-6, err_msg=m)
