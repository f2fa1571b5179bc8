"""One entry point: the public API and the CLI give the same numbers; what ran is stored."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

import gigafactory as gf
from gigafactory.cli import app

runner = CliRunner()
CAT = gf.load_catalog()
ARGS = ("--draws", "40", "--seed", "3")


def test_cli_and_api_agree(tmp_path: Path) -> None:
    res = runner.invoke(app, ["run", "announced", *ARGS, "--json", "--no-store"])
    assert res.exit_code == 0, res.output
    cli = json.loads(res.output)
    api = gf.run(gf.load_scenario("announced", CAT), CAT, 40, 3).summary
    assert json.loads(json.dumps(api)) == cli
    assert "finance" in api and "delay_weeks" in api
    # the low-level path: compile → simulate → summarise gives the same physical numbers
    sc = gf.load_scenario("announced", CAT)
    ds = gf.simulate(gf.compile_inputs(sc, CAT, 40, 3))
    low = gf.summarise(ds, sc)
    # (the contracted-only counterfactual, ``contracted_it_gw``, is the pipeline's own extra run)
    assert low["years"]["2027"] == {k: cli["years"]["2027"][k] for k in low["years"]["2027"]}
    assert "it_gw_online" in low["years"]["2027"]


def test_what_ran_is_what_is_stored(tmp_path: Path, monkeypatch: object) -> None:
    f = tmp_path / "my.yaml"
    f.write_text("name: my\nextends: announced\ndraws: 2000\nseed: 9\n")
    out = tmp_path / "out"
    res = runner.invoke(app, ["run", str(f), *ARGS, "--no-store", "--out", str(out)])
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scenario_resolved"]["draws"] == 40 == summary["draws"]
    assert summary["scenario_resolved"]["seed"] == 3
    stored = yaml.safe_load((out / "scenario.yaml").read_text())
    assert (stored["draws"], stored["seed"]) == (40, 3)
