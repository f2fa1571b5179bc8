"""Scenario loading and validation: one message listing every problem; nothing runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gigafactory import GigafactoryError, compile_inputs, load_scenario
from gigafactory.catalog import load_catalog_from
from gigafactory.catalog.loader import DATA_DIR
from gigafactory.catalog.schema import Catalog, Fact, iter_facts
from gigafactory.scenario import load_scenario_text, preset_names
from gigafactory.scenario.sampling import Dist, ppf


def test_presets_load(catalog: Catalog) -> None:
    assert {"announced", "gw-per-week", "industry", "ai-2027"} <= set(preset_names())
    for name in preset_names():
        assert load_scenario(name, catalog).name == name


def test_every_catalog_number_is_sourced(catalog: Catalog) -> None:
    facts = list(iter_facts(catalog))
    assert len(facts) > 300
    for path, f in facts:
        assert f.source and f.as_of and f.conf, path
        if isinstance(f, Fact):
            assert f.unit, path
            if f.conf == "derived":
                assert f.formula, path


def test_many_problems_in_one_message_with_lines_and_suggestions(tmp_path: Path) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text(
        "name: bad\n"
        "extends: announced\n"
        "draw: 10\n"  # typo of draws
        "scope: {kind: buyer, buyer: opnai}\n"
        "overrides:\n"
        "  tiers.cowos.capacity.points.2026-12: {dist: pert, low: 1, high: 3}\n"  # missing mode
        "  tiers.cowos.capasity.points.2026-12: 5\n"  # typo in path
        "uncertainty: {catalog_ranges: perty}\n"
    )
    with pytest.raises(GigafactoryError) as exc:
        load_scenario(str(p))
    msg = str(exc.value)
    assert "draw" in msg and "did you mean 'draws'" in msg
    assert f"{p}:3" in msg
    assert "perty" in msg and "pert" in msg
    assert "mode" in msg


def test_override_paths_checked_against_catalog(tmp_path: Path) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text(
        "name: x\nextends: industry\noverrides:\n  tiers.cowos.capasity.points.2026-12: 5\n  params.peu: 1.1\n"
    )
    with pytest.raises(GigafactoryError) as exc:
        load_scenario(str(p))
    msg = str(exc.value)
    assert "2 problems" in msg
    assert "did you mean 'tiers.cowos.capacity.points.2026-12'" in msg
    assert "did you mean 'params.pue'" in msg
    assert f"{p}:4" in msg and f"{p}:5" in msg


def test_unknown_preset_suggests(catalog: Catalog) -> None:
    with pytest.raises(GigafactoryError, match="did you mean 'announced'"):
        load_scenario("anounced", catalog)


def test_overrides_and_distributions_reach_the_inputs(catalog: Catalog) -> None:
    sc = load_scenario_text(
        "name: t\nextends: industry\n"
        "overrides:\n"
        "  params.pue: 1.5\n"
        "  tiers.cowos.params.yield: {dist: uniform, low: 0.5, high: 0.6}\n",
        catalog,
    )
    inp = compile_inputs(sc, catalog, draws=200, seed=1)
    assert np.all(inp.pue == 1.5)
    base = catalog.accelerators["GB200"].packages_per_cowos_wafer
    ratio = inp.good_packages_per_cowos_wafer[:, inp.skus.index("GB200")] / base.value
    assert (
        ratio.min() > 0.5 * base.low / base.value - 1e-9
        and ratio.max() < 0.6 * base.high / base.value + 1e-9
    )


@pytest.mark.parametrize(
    ("dist", "median"),
    [
        (Dist(dist="fixed", value=3), 3.0),
        (Dist(dist="uniform", low=1, high=3), 2.0),
        (Dist(dist="triangular", low=0, mode=1, high=2), 1.0),
        (Dist(dist="pert", low=0, mode=1, high=2), 1.0),
        (Dist(dist="lognormal", p10=1, p90=100), 10.0),
        (Dist(dist="normal", mean=5, sd=2), 5.0),
    ],
)
def test_distribution_medians(dist: Dist, median: float) -> None:
    assert float(ppf(dist, np.array([0.5]))[0]) == pytest.approx(median, rel=1e-6)


def test_lognormal_p10_p90() -> None:
    d = Dist(dist="lognormal", p10=2, p90=50)
    assert ppf(d, np.array([0.1, 0.9])) == pytest.approx([2, 50], rel=1e-6)


def test_broken_catalog_reports_file_line_key(tmp_path: Path) -> None:
    for f in DATA_DIR.glob("*.yaml"):
        (tmp_path / f.name).write_text(f.read_text())
    target = tmp_path / "accelerators.yaml"
    text = target.read_text().replace(
        "    tdp_w: {value: 700, unit: W", "    tdp_watts: {value: 700, unit: W", 1
    )
    target.write_text(text)
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "tdp_watts" in ln)
    with pytest.raises(GigafactoryError) as exc:
        load_catalog_from(tmp_path)
    msg = str(exc.value)
    assert f"{target}:{line}" in msg
    assert "accelerators.H100.tdp_watts" in msg and "did you mean 'tdp_w'" in msg


def test_unsourced_number_is_rejected(tmp_path: Path) -> None:
    for f in DATA_DIR.glob("*.yaml"):
        (tmp_path / f.name).write_text(f.read_text())
    target = tmp_path / "supply.yaml"
    target.write_text(
        target.read_text().replace(
            'source: "https://epoch.ai/blog/can-ai-scaling-continue-through-2030", conf: A, low: 1.1',
            'source: "my guess", conf: A, low: 1.1',
            1,
        )
    )
    with pytest.raises(GigafactoryError, match="must be an http"):
        load_catalog_from(tmp_path)


@pytest.mark.parametrize(
    ("yaml_tail", "expected"),
    [
        ("horizon: {start: 2030-W01, end: 2026-W01}\n", "at least 13 weeks"),
        ("overrides:\n  params.pue: 0\n", "outside the allowed values"),
        ("overrides:\n  tiers.cowos.params.yield: 0\n", "outside the allowed values"),
        ("overrides:\n  params.onsite_power_share: 1.5\n", "outside the allowed values"),
        (
            "overrides:\n  params.chip_lead_weeks: {dist: normal, mean: 2, sd: 10}\n",
            "normal distribution",
        ),
        # industry reads no buyer's revenue (the grid wait now delays its generic shells)
        ("overrides:\n  demand.openai.revenue_usd_b_per_it_gw_yr: 12\n", "does not use"),
        ("overrides:\n  params.chip_lead_weeks: 1000\n", "longer than the horizon"),
        ("horizon: {start: 2030-W01, end: 2035-W52}\n", "stale"),
    ],
)
def test_impossible_worlds_are_refused_before_running(
    catalog: Catalog, yaml_tail: str, expected: str
) -> None:
    with pytest.raises(GigafactoryError, match=expected):
        load_scenario_text("name: t\nextends: industry\n" + yaml_tail, catalog)


def test_goal_override_reaches_the_inputs(catalog: Catalog) -> None:
    sc = load_scenario_text(
        "name: t\nextends: industry\noverrides:\n  params.goal_gw_per_week: 2.5\n", catalog
    )
    assert compile_inputs(sc, catalog, draws=2, seed=1).goal_gw_per_wk == pytest.approx(2.5)


def test_year_only_horizon_starts_at_the_start_of_the_year(catalog: Catalog) -> None:
    sc = load_scenario_text(
        "name: t\nextends: industry\nhorizon: {start: '2025', end: '2027'}\n", catalog
    )
    inp = compile_inputs(sc, catalog, draws=2, seed=1)
    assert inp.grid.start.isoformat() == "2024-12-30"  # the Monday of 2025-W01


def test_a_scenario_keeps_its_own_name_and_description(tmp_path: Path, catalog: Catalog) -> None:
    p = tmp_path / "my-case.yaml"
    p.write_text("extends: announced\ndraws: 10\n")
    sc = load_scenario(str(p), catalog)
    assert sc.name == "my-case"
    assert sc.description == "extends announced"
