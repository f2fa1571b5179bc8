"""The HTML report's content and the ``runs``/``report`` commands (the browser tests are separate)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from typer.testing import CliRunner

from fixtures import FakePlan, example_finance, example_physical, example_summary, with_regions
from gigafactory.catalog import iter_facts, load_catalog
from gigafactory.cli import app
from gigafactory.errors import GigafactoryError
from gigafactory.report import write_report, write_stored_report
from gigafactory.report.html import fmt_number, source_links, table_of
from gigafactory.results.store import RunStore

ALL_CHARTS = (
    "gw-online",
    "gw-added",
    "binding",
    "inventories",
    "sites",
    "regions",
    "energy",
    "cash",
    "funding-gap",
    "flows",
    "bottlenecks",
)
YAML = "name: example\nseed: 1\noverrides:\n  tiers.cowos.capacity: 1.2\n"


@pytest.fixture(scope="module")
def physical() -> xr.Dataset:
    return with_regions(example_physical(draws=32, seed=2))


@pytest.fixture(scope="module")
def plan(physical: xr.Dataset) -> FakePlan:
    weeks = physical["week"].values[::13]
    return FakePlan(
        schedule=xr.Dataset(
            {"facility_gw_online": ("week", np.linspace(1, 60, len(weeks)))}, coords={"week": weeks}
        ),
        bottlenecks=pd.DataFrame(
            {
                "constraint": ["cap-cowos", "cap-grid", "budget"],
                "period": ["2027Q1", "2029Q3", "2028Q2"],
                "shadow_price": [0.42, 1.7, 0.05],
                "unit": ["GW per 1k wafers/month", "GW per GW", "GW per $B"],
            }
        ),
    )


def chart_ids(html: str) -> set[str]:
    return set(re.findall(r'<div id="chart-([\w-]+)"', html))


def test_report_is_self_contained_and_complete(
    tmp_path: Path, physical: xr.Dataset, plan: FakePlan
) -> None:
    cat = load_catalog()
    path = write_report(
        tmp_path / "r" / "report.html",
        physical=physical,
        summary=example_summary(physical),
        scenario_yaml=YAML,
        catalog=cat,
        finance=example_finance(physical),
        plan=plan,
        png_dir=tmp_path / "png",
        lineage={"run_id": "abcd1234"},
    )
    html = path.read_text(encoding="utf-8")
    assert chart_ids(html) == set(ALL_CHARTS)
    assert "data-missing" not in html
    # plotly.js is inlined once and nothing is fetched: no external script, style or font.
    assert html.count("<script") == html.count("</script>")
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"(https?:)?//", html)
    # (plotly.js itself mentions cdn.plot.ly for geo maps; the browser test proves nothing is fetched.)
    assert len(html) > 3_000_000  # plotly.min.js is ~4.6 MB
    # Every sourced fact is a row, and every URL source a link.
    facts = list(iter_facts(cat))
    assert html.count("<tr><td title=") == len(facts)
    urls = {part for _, f in facts for part in f.source.split(" ; ") if part.startswith("http")}
    for url in list(urls)[:50]:
        assert f'href="{url}"' in html.replace("&amp;", "&")
    assert "abcd1234" in html
    assert "tiers.cowos.capacity: 1.2" in html
    assert "openai → oracle → nvidia → openai" in html  # named money loop
    assert "broadcom_10gw converted (50%): 0.8 / 7.3; not: 0 / 3" in html  # partners view
    pngs = sorted(p.name for p in (tmp_path / "png").iterdir())
    assert pngs == sorted(
        [
            "gw_online.png",
            "gw_added.png",
            "binding.png",
            "inventories.png",
            "sites.png",
            "finance.png",
            "bottlenecks.png",
        ]
    )
    for p in (tmp_path / "png").iterdir():
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_sections_without_data_say_so(tmp_path: Path, physical: xr.Dataset) -> None:
    bare = physical.drop_vars(["phase_power_week", "phase_planned_week"])
    html = write_report(
        tmp_path / "report.html",
        physical=bare,
        summary=example_summary(bare, finance=False),
        scenario_yaml=YAML,
        catalog=None,
    ).read_text(encoding="utf-8")
    assert chart_ids(html) == {
        "gw-online",
        "gw-added",
        "binding",
        "inventories",
        "regions",
        "energy",
    }
    missing = set(re.findall(r'data-missing="([\w-]+)"', html))
    assert missing == {
        "sites",
        "cash",
        "funding-gap",
        "flows",
        "bottlenecks",
        "finance-tables",
        "partners",
    }
    assert "No finance results" in html
    assert "No planner results" in html
    assert "No catalog given" in html


def test_stored_report_matches_fresh_one(tmp_path: Path, physical: xr.Dataset) -> None:
    store = RunStore(tmp_path / "runs.duckdb")
    cat = load_catalog()
    fin = example_finance(physical)
    rid = store.save_run(
        example_summary(physical), scenario_yaml=YAML, physical=physical, finance=fin, catalog=cat
    )
    stored = write_stored_report(
        tmp_path / "stored.html", run=store.get_run(rid), catalog=cat
    ).read_text(encoding="utf-8")
    fresh = write_report(
        tmp_path / "fresh.html",
        physical=physical,
        summary=example_summary(physical),
        scenario_yaml=YAML,
        catalog=cat,
        finance=fin,
    ).read_text(encoding="utf-8")
    assert chart_ids(stored) == chart_ids(fresh) == set(ALL_CHARTS) - {"bottlenecks"}
    assert "catalog has changed" not in stored
    # Saved without the catalog, the hash cannot match: the report warns.
    other = store.save_run(example_summary(physical), scenario_yaml=YAML, physical=physical)
    warned = write_stored_report(
        tmp_path / "w.html", run=store.get_run(other), catalog=cat
    ).read_text(encoding="utf-8")
    assert "catalog has changed" in warned


def test_formatting_helpers() -> None:
    assert fmt_number(1234.5678) == "1,235"
    assert fmt_number(0.012345) == "0.0123"
    assert fmt_number(None) == "–"
    assert fmt_number("2027-W14") == "2027-W14"
    html = str(source_links("https://www.example.com/a?b=1&c=2 ; 000_eb9f952b4c7cd3fb.txt"))
    assert 'href="https://www.example.com/a?b=1&amp;c=2"' in html
    assert ">example.com</a>" in html
    assert "<code" in html
    assert str(source_links("<script>")).count("<script>") == 0  # escaped
    assert table_of({"oracle": {"p5": 1.0, "p50": 2.0, "p95": 3.0}}, "who") == (
        ["who", "value"],
        [["oracle", "2.00 [1.00–3.00]"]],
    )
    cols, rows = table_of(
        {"openai": {"p_breach": 0.9, "gap_usd_b": {"p5": 1.0, "p50": 2.0, "p95": 3.0}}}, "entity"
    )
    assert cols == ["entity", "p breach", "gap usd b"]
    assert rows == [["openai", "0.900", "2.00 [1.00–3.00]"]]


# -- the CLI -------------------------------------------------------------------------------


@pytest.fixture
def two_runs(tmp_path: Path) -> tuple[Path, str, str]:
    store = RunStore(tmp_path / "runs.duckdb")
    a_ds, b_ds = example_physical(draws=16, seed=1), example_physical(draws=16, seed=9)
    a = store.save_run(example_summary(a_ds), scenario_yaml=YAML, physical=a_ds)
    b = store.save_run(
        example_summary(b_ds),
        scenario_yaml=YAML.replace("1.2", "2.0"),
        physical=b_ds,
        trajectories=True,
    )
    return store.path, a, b


def invoke(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_runs_commands(two_runs: tuple[Path, str, str], tmp_path: Path) -> None:
    path, a, b = two_runs
    listed = invoke("runs", "list", "--store", str(path))
    assert a in listed
    assert b in listed
    rows = json.loads(invoke("runs", "list", "--store", str(path), "--json"))
    assert [r["run_id"] for r in rows] == [b, a]
    shown = invoke("runs", "show", a[:5], "--store", str(path))
    assert a in shown
    assert "2030" in shown
    assert (
        json.loads(invoke("runs", "show", "latest", "--store", str(path), "--json"))["run_id"] == b
    )
    diff = invoke("runs", "diff", a, b, "--store", str(path))
    assert "seed" in diff
    assert "overrides.tiers.cowos.capacity" in diff
    assert "+" in diff
    d = json.loads(invoke("runs", "diff", a, b, "--store", str(path), "--json"))
    assert d["fields"]["seed"] == [1, 9]
    assert ["overrides.tiers.cowos.capacity", 1.2, 2.0] in d["settings"]
    files = invoke(
        "runs", "export", b, "--parquet", str(tmp_path / "ex"), "--store", str(path)
    ).split()
    assert any(f.endswith("series.parquet") for f in files)
    assert any(f.endswith("physical.draw-week.parquet") for f in files)
    out = tmp_path / "rep.html"
    printed = invoke(
        "report", a, "-o", str(out), "--png", str(tmp_path / "png"), "--store", str(path)
    )
    assert printed.strip().endswith(str(out.resolve()))
    assert out.stat().st_size > 1_000_000
    assert (tmp_path / "png" / "gw_online.png").exists()
    assert f"deleted run {a}" in invoke("runs", "delete", a, "--store", str(path), "--yes")
    assert [
        r["run_id"] for r in json.loads(invoke("runs", "list", "--store", str(path), "--json"))
    ] == [b]


def test_empty_store_and_user_errors(tmp_path: Path) -> None:
    path = tmp_path / "none.duckdb"
    assert "No runs in" in invoke("runs", "list", "--store", str(path))
    with pytest.raises(GigafactoryError, match="empty"):
        CliRunner().invoke(
            app, ["runs", "show", "abcd", "--store", str(path)], catch_exceptions=False
        )
    with pytest.raises(GigafactoryError, match="neither a stored run id, a preset"):
        CliRunner().invoke(
            app,
            ["report", "anounced", "--store", str(path), "-o", str(tmp_path / "x.html")],
            catch_exceptions=False,
        )


def test_cli_user_error_exits_2_without_traceback(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from gigafactory.cli import main; main()",
            "runs",
            "show",
            "zzzz",
            "--store",
            str(tmp_path / "s.duckdb"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "no run 'zzzz'" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


@pytest.mark.slow
def test_report_of_a_preset_runs_and_stores_it(tmp_path: Path) -> None:
    path = tmp_path / "runs.duckdb"
    out = tmp_path / "announced.html"
    result = CliRunner().invoke(
        app,
        [
            "report",
            "announced",
            "--draws",
            "40",
            "--seed",
            "3",
            "-o",
            str(out),
            "--store",
            str(path),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert str(out.resolve()) in result.output
    runs = RunStore(path).list_runs()
    assert list(runs["scenario"]) == ["announced"]
    assert list(runs["draws"]) == [40]
    assert list(runs["seed"]) == [3]
    html = out.read_text(encoding="utf-8")
    assert {
        "gw-online",
        "gw-added",
        "binding",
        "inventories",
        "sites",
        "cash",
        "flows",
    } <= chart_ids(html)


def test_plan_only_report_draws_the_schedule(tmp_path: Path, plan: FakePlan) -> None:
    store = RunStore(tmp_path / "runs.duckdb")
    rid = store.save_run({"scenario": "announced", "objective": 1.0}, scenario_yaml=YAML, plan=plan)
    run = store.get_run(rid)
    assert run.kind == "plan"
    html = write_stored_report(tmp_path / "plan.html", run=run, catalog=None).read_text(
        encoding="utf-8"
    )
    assert chart_ids(html) == {"gw-online", "bottlenecks"}
    assert "planner optimum" not in html  # the schedule is the main line, not an overlay
    assert "cap-grid" in html
