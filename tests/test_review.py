"""An expert user's review of 0.4.0: each user mistake it found is one clear message (exit 2,
no traceback, nothing written), and each message says what to do in the user's terms."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fixtures import example_physical, example_summary
from gigafactory.catalog.schema import Catalog
from gigafactory.cli import app
from gigafactory.errors import GigafactoryError
from gigafactory.results.store import RunStore
from gigafactory.scenario import load_scenario_text
from test_harden import cli

runner = CliRunner()


@pytest.fixture
def stored(tmp_path: Path) -> tuple[Path, str]:
    """A run store holding one small run: (store path, run id)."""
    path = tmp_path / "runs.duckdb"
    phys = example_physical(draws=20, seed=1)
    rid = RunStore(path).save_run(example_summary(phys), scenario_yaml="name: a\n", physical=phys)
    return path, rid


@pytest.mark.parametrize(
    ("flag", "target", "match"),
    [
        ("--csv", "afile", "afile': exists and is not a folder"),
        ("--parquet", "afile", "afile': exists and is not a folder"),
        ("--xlsx", "adir", "adir': is a folder"),
        ("--xlsx", "afile/book.xlsx", "not a folder"),
    ],
)
def test_runs_export_onto_the_wrong_kind_of_path_is_one_message(
    tmp_path: Path, stored: tuple[Path, str], flag: str, target: str, match: str
) -> None:
    (tmp_path / "afile").write_text("mine")
    (tmp_path / "adir").mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    store, rid = stored
    code, msg = cli("runs", "export", rid, flag, str(tmp_path / target), "--store", str(store))
    assert code == 2 and flag in msg and match in msg, msg
    assert (tmp_path / "afile").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written
    assert list((tmp_path / "adir").iterdir()) == []


def test_runs_export_makes_the_workbooks_folder(tmp_path: Path, stored: tuple[Path, str]) -> None:
    store, rid = stored
    book = tmp_path / "new" / "run.xlsx"
    code, msg = cli("runs", "export", rid, "--xlsx", str(book), "--store", str(store))
    assert code == 0, msg
    assert book.is_file() and book.stat().st_size > 0


@pytest.mark.parametrize(
    ("tail", "want"),
    [
        (
            "horizon: {start: 2025-W01, end: 2035-W60}\n",
            "horizon.end: '2035-W60' is not a date; write 2026",
        ),
        ("as_of: 2026-13-01\n", "as_of: '2026-13-01' is not a date"),
        (
            "overrides:\n  params.pue: {dist: pert, low: 1.3, mode: 1.1, high: 1.2}\n",
            "need low ≤ mode ≤ high, got 1.3, 1.1, 1.2",
        ),
    ],
)
def test_a_validators_message_reads_without_pydantics_prefix(
    tail: str, want: str, catalog: Catalog
) -> None:
    with pytest.raises(GigafactoryError) as err:
        load_scenario_text("name: t\nextends: announced\n" + tail, catalog)
    msg = str(err.value)
    assert want in msg, msg
    assert "Value error" not in msg
    assert msg.count("2035-W60") <= 1 and msg.count("2026-13-01") <= 1  # said once


def test_a_value_not_in_the_message_is_still_shown(catalog: Catalog) -> None:
    with pytest.raises(GigafactoryError, match=r"valid number \(got 'high'\)"):
        load_scenario_text("name: t\nextends: announced\noverrides:\n  params.pue: high\n", catalog)


def test_a_sweep_file_given_to_run_names_the_sweep_command(tmp_path: Path) -> None:
    f = tmp_path / "sw.yaml"
    f.write_text("name: sw\nextends: announced\nsweep: {params.pue: [1.1, 1.2]}\n")
    for cmd in ("run", "validate"):
        code, msg = cli(cmd, str(f), "--no-store") if cmd == "run" else cli(cmd, str(f))
        assert code == 2 and "sw.yaml:3" in msg and "gigafactory sweep" in msg, msg
        assert "did you mean 'seed'" not in msg


def _commands() -> list[tuple[str, str]]:
    """(command path, help text) of every command and subcommand the CLI lists."""
    import typer.main

    out: list[tuple[str, str]] = []

    def walk(cmd: Any, path: str) -> None:
        out.append((path, cmd.help or ""))
        if hasattr(cmd, "list_commands"):  # a group (typer's own click): ask it, as --help does
            ctx = cmd.context_class(cmd)
            for name in cmd.list_commands(ctx):
                sub = cmd.get_command(ctx, name)
                if sub is not None:
                    walk(sub, f"{path} {name}".strip())

    walk(typer.main.get_command(app), "")
    return out


def test_every_commands_summary_is_one_paragraph_without_hard_breaks() -> None:
    """The command list prints a help's first paragraph with its line breaks kept, so a
    docstring wrapped at 100 columns showed "… chip sales" / "by designer" on two lines."""
    bad = [
        path for path, text in _commands() if path and "\n" in text.strip().split("\n\n")[0].strip()
    ]
    assert len(_commands()) > 20  # every command group was walked
    assert bad == [], bad


def test_the_first_breach_is_labelled_as_what_it_measures() -> None:
    """``first_breach`` is the first week cash falls below its floor from the deal web's flows,
    before any financing channel (Oracle: 100 % of draws, all funded by its bond channel);
    "covenant breach" told a credit reader a loan covenant had tripped."""
    from gigafactory.labels import label_of

    label = label_of("finance.first_breach")
    assert "covenant" not in label.lower()
    assert "before financing" in label


def test_coverage_says_a_dead_deal_shows_what_it_drove_while_alive(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``deals --coverage`` printed "nvidia_loi_2025 — superseded (judged 2026-02-26)" over
    10 GW of orders and $100B of equity: read as today's, that double counts Nvidia's $30B."""
    from gigafactory.cli.deals import _print_coverage
    from gigafactory.coverage import Entry

    live = Entry("deal", "amd_6gw", "definitive", "2026-11-01", {"orders": ["amd chips"]})
    dead = Entry("deal", "nvidia_loi_2025", "superseded", "2026-02-26", {"orders": ["10 GW"]})
    _print_coverage([live, dead], "announced, as of 2026-11-01", True, "2026-11-01")
    out = capsys.readouterr().out
    assert "deal amd_6gw — definitive\n" in out
    assert "nvidia_loi_2025 — superseded on 2026-11-01; while alive" in out
    assert "as of 2026-02-26" in out and "judged" not in out


@pytest.mark.parametrize(
    ("value", "text"),
    [(1.957e28, "1.96e+28"), (2.0e29, "2e+29"), (12345.6, "12,346"), (2_500_000, "2,500,000")],
)
def test_a_huge_number_prints_in_e_notation_not_float_noise(value: float, text: str) -> None:
    """The largest run's FLOP printed as 19,570,000,000,000,000,422,215,417,856: digits past a
    float's precision read as data.  Below 10¹⁵ the thousands format stays."""
    from gigafactory.labels import fmt

    assert fmt(value) == text


@pytest.mark.parametrize(
    "args",
    [
        ("sensitivity", "industry", "--method", "sobol", "--draws", "4", "--seed", "-1"),
        ("sensitivity", "industry", "--method", "morris", "--seed", str(2**63)),
    ],
)
def test_sensitivity_refuses_a_seed_out_of_range_before_running(args: tuple[str, ...]) -> None:
    """``--seed -1`` was accepted and ran for minutes; ``run`` has refused it from the start."""
    code, msg = cli(*args)
    assert code == 2 and "--seed" in msg, msg


def test_backtest_and_studies_take_run_s_short_flags() -> None:
    """``backtest announced -n 100`` said "No such option: -n" although ``run -n`` works."""
    for cmd in ("backtest", "studies"):
        res = runner.invoke(app, [cmd, "--help"], env={"COLUMNS": "200"})
        assert res.exit_code == 0
        flags = set(re.findall(r"(?<![\w-])-[a-z]\b", res.output))  # short flags only
        assert {"-n", "-s"} <= flags, res.output


def test_run_help_says_out_replaces_an_earlier_runs_files() -> None:
    """``run --out DIR`` twice silently replaces the first run's files (by design: they are
    gigafactory's own); the help said only "write … here", and the README's "--force replaces
    only gigafactory's own" read as if --force were needed for that."""
    res = runner.invoke(app, ["run", "--help"], env={"COLUMNS": "200"})
    text = " ".join(res.output.replace("│", " ").split())
    assert "earlier run's files in the folder are replaced" in text, text


@pytest.mark.parametrize(("scope", "contracts_only"), [("industry", True), ("buyer", False)])
def test_the_funding_table_says_before_financing_and_contracts_only_in_industry(
    scope: str, contracts_only: bool
) -> None:
    """The CLI's first finance table is each entity's need before financing (Oracle at 100 %
    'breach' was all funded by its bond channel); in industry scope the buyer pays only its
    signed contracts, so its gap is not comparable with ``announced``'s unless it says so."""
    from gigafactory.finance.summary import finance_tables

    q = {"p5": 1.0, "p50": 2.0, "p95": 3.0}
    entity = {
        "funding_gap_usd_b": q,
        "p_breach": 1.0,
        "first_breach": "2026-W44",
        "runway_weeks": q,
    }
    section: dict[str, Any] = {
        "buyer": "openai",
        "scope": scope,
        "as_of": "2026-11-01",
        "entities": {"oracle": entity},
        "exposure_usd_b": {},
        "circularity": {
            "finn_cycling_index": q,
            "finn_cycling_index_with_warrants": q,
            "return_probability": {},
            "vendor_financing": {},
            "loops": [],
        },
        "warrants": {},
    }
    title = str(finance_tables(section, wide=True)[0].title)
    assert "before financing" in title
    assert ("contracts only" in title) is contracts_only


def test_runs_diff_does_not_list_an_empty_section_as_a_change() -> None:
    """A saved scenario spelling out ``deals: {}`` against one without the key printed a noise
    row "scenario: deals {} → (absent)" in ``runs diff``; a real change still shows."""
    from gigafactory.results.store.diff import _setting_changes

    assert _setting_changes("draws: 10\ndeals: {}\n", "draws: 10\n") == []
    assert _setting_changes("draws: 10\n", "draws: 20\n") == [("draws", 10, 20)]


def test_the_report_prints_a_flop_count_in_e_notation() -> None:
    """The report's frontier table showed 19,570,000,000,000,000,422,215,417,856 FLOP: digits
    past a float's 17th are noise, not data."""
    from gigafactory.report.html import fmt_number

    assert fmt_number(1.957e28) == "1.96e+28"
    assert fmt_number(1234.5) == "1,234"


@pytest.mark.parametrize(
    ("scope", "words"), [("industry", "AI + conventional"), ("buyer", "AI fleet")]
)
def test_the_region_chart_says_conventional_load_only_where_it_is_added(
    scope: str, words: str
) -> None:
    """In buyer scope no conventional load is added (total = AI alone), so the title must not
    say "AI + conventional"."""
    from types import SimpleNamespace

    from gigafactory.report.region_charts import chart_by_region

    band = {"p5": 1.0, "p50": 2.0, "p95": 3.0}
    year = {
        "facility_gw_online_by_region": {"us-pjm": band, "total": band},
        "ai_facility_gw_online_by_region": {"us-pjm": band, "total": band},
    }
    summary = {"scope": scope, "scenario": "x", "draws": 10, "years": {"2030": year}}
    fig = chart_by_region(SimpleNamespace(summary=summary), "facility_gw_online_by_region")  # type: ignore[arg-type]
    assert fig is not None
    title = str(fig.layout.title.text)
    assert words in title
    assert ("conventional" in title) is (scope == "industry")


def test_the_reports_finance_headline_reads_as_labels() -> None:
    """The report's finance headline showed raw keys (max_weekly_imbalance_usd_b)."""
    from gigafactory.report.html import finance_tables

    fin = {"buyer": "openai", "max_weekly_imbalance_usd_b": 1e-5, "circularity": {}}
    _, rows = finance_tables(fin)["headline"]
    keys = [r[0] for r in rows]
    assert not any("_" in k for k in keys), keys
    assert any(k.startswith("ledger check") for k in keys)
