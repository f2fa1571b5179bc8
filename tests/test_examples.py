"""The scripts in examples/ run as a user would run them, so they never rot."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SRC = Path(__file__).resolve().parents[1] / "src"

#: what each script must print (a regular expression per line it must contain)
EXPECTED = {
    "gw_per_week.py": [
        r"gw-per-week: 30 draws, goal 1 GW/week",
        r"median build rate first reaches the goal: (\d{4}-W\d\d|not by )",
        r"2030: facility GW online \d+\.\d \(p5–p95",
    ],
    "deal_whatif.py": [
        r"as announced +\d+\.\d\d +\d+\.\d\d +\d+",
        r"without AMD 6 GW +\d+\.\d\d",
        r"every non-binding deal converts +\d+\.\d\d",
    ],
    "compare_runs.py": [
        r"run [0-9a-f]{8} \(announced\) → run [0-9a-f]{8} \(slower transformers\), 30 draws",
        r"input  scenario: overrides.tiers.transformers.params.mw_per_unit: None → 80.0",
        r"output years\.\d{4}\.[\w.]+: [\d.]+ → [\d.]+ GW",
    ],
}


def test_every_example_is_tested() -> None:
    assert {p.name for p in EXAMPLES.glob("*.py")} == set(EXPECTED)


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(EXPECTED))
def test_example_runs(script: str, tmp_path: Path) -> None:
    env = os.environ | {
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
        "GIGAFACTORY_EXAMPLE_DRAWS": "30",
        "GIGAFACTORY_STORE": str(tmp_path / "runs.duckdb"),
    }
    out = subprocess.run(
        [sys.executable, str(EXAMPLES / script)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    for pattern in EXPECTED[script]:
        assert re.search(pattern, out.stdout), f"{pattern!r} not in:\n{out.stdout}"


def test_deal_whatif_removing_a_deal_lowers_gw(tmp_path: Path) -> None:
    """The what-if's numbers move the way its text says: without AMD, signed contracts deliver
    less GW in 2030 (demand-driven orders then go to the suppliers with spare capacity)."""
    from gigafactory.catalog import load_catalog
    from gigafactory.pipeline import simulate_scenario
    from gigafactory.scenario.loader import load_scenario_text

    cat = load_catalog()
    texts = {
        "base": "name: a\nextends: announced\n",
        "no_amd": (
            "name: b\nextends: announced\noverrides:\n  deals.amd_6gw.gw: 0\n"
            "  deals.amd_6gw.schedule.2026-12: 0\n  deals.amd_6gw.schedule.2029-12: 0\n"
        ),
    }
    end = {}
    for k, t in texts.items():
        ds = simulate_scenario(load_scenario_text(t, cat), cat, draws=20, seed=1)
        end[k] = float(ds["contracted_it_gw"].sel(week="2030-12").median())
    assert end["no_amd"] < end["base"]
