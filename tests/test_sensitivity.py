"""The one-at-a-time tornado: sorted swings, and a binding input outranks a slack one."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import gigafactory.sensitivity as oat
from gigafactory import load_scenario
from gigafactory.catalog.schema import Catalog
from gigafactory.cli import app
from gigafactory.sensitivity import tornado


def test_binding_power_input_outranks_slack_hbm(catalog: Catalog) -> None:
    sc = load_scenario("industry", catalog)
    paths = [
        "tiers.transformers.params.mw_per_unit",
        "tiers.hbm.capacity.points.2026-12",
        "params.pue",
    ]
    base, df = tornado(sc, catalog, "it_gw_2030", paths=paths)
    assert base > 0
    assert list(df["swing"]) == sorted(df["swing"], reverse=True)
    assert df.iloc[0]["path"] == "tiers.transformers.params.mw_per_unit"
    hbm = df.set_index("path").loc["tiers.hbm.capacity.points.2026-12"]
    assert hbm["swing"] < df.iloc[0]["swing"] / 10
    # a higher PUE means fewer IT GW for the same power equipment
    pue = df.set_index("path").loc["params.pue"]
    assert pue["at_high"] < pue["at_low"]


def test_sensitivity_cli_rejects_unknown_metric() -> None:
    res = CliRunner().invoke(app, ["sensitivity", "industry", "--metric", "it_gw_203"])
    assert res.exit_code != 0
    assert "did you mean 'it_gw_2030'" in str(res.exception)


#: four inputs ai-2027 reads with a low/high range: the CLI test varies only these (the full
#: tornado, ~160 inputs × 2 runs, took 42 s unloaded and checks nothing more about the CLI)
CLI_PATHS = {
    "tiers.transformers.params.mw_per_unit",
    "tiers.hbm.capacity.points.2026-12",
    "tiers.grid.capacity.points.2027-12",
    "params.pue",
}


def test_sensitivity_cli_json(monkeypatch: pytest.MonkeyPatch) -> None:
    full = oat.fact_paths
    monkeypatch.setattr(
        oat, "fact_paths", lambda cat: {k: v for k, v in full(cat).items() if k in CLI_PATHS}
    )
    res = CliRunner().invoke(app, ["sensitivity", "ai-2027", "--json", "--top", "3"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["metric"] == "it_gw_2030" and len(doc["rows"]) == 3 and doc["base"] > 0
    assert {r["path"] for r in doc["rows"]} <= CLI_PATHS
    swings = [r["swing"] for r in doc["rows"]]
    assert swings == sorted(swings, reverse=True) and swings[0] > 0
