"""The command line reads well at 80 columns and piped: no line wider than the terminal, run ids
and dates whole, long text cut with an ellipsis, ``--wide`` shows all of it (issue 12, part 3)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from gigafactory.cli import app
from gigafactory.tables import Col, fit_table, out_console, width_limit

LONG = "https://example.org/" + "a-very-long-path/" * 8


def _lines(text: str) -> list[str]:
    return text.splitlines()


def _too_wide(text: str, limit: int = 80) -> list[str]:
    return [line for line in _lines(text) if len(line) > limit]


def _cli(args: list[str], columns: str | None = "80", **env: str) -> str:
    """Run the real CLI; ``columns=None`` means piped with no $COLUMNS (CliRunner is no TTY)."""
    environ = {"COLUMNS": columns, **env} if columns else dict(env)
    res = CliRunner().invoke(app, args, env=environ)  # type: ignore[arg-type]
    assert res.exit_code == 0, res.output
    return res.stdout


@pytest.fixture(autouse=True)
def _no_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A real store with two small runs (announced, two seeds)."""
    path = tmp_path_factory.mktemp("layout") / "runs.duckdb"
    for seed in ("1", "2"):
        res = CliRunner().invoke(
            app,
            ["run", "announced", "-n", "50", "--seed", seed, "--no-finance", "--store", str(path)],
            env={"COLUMNS": "80"},
        )
        assert res.exit_code == 0, res.output
        assert not _too_wide(res.stdout), _too_wide(res.stdout)
    rows = json.loads(_cli(["runs", "list", "--store", str(path), "--json"]))
    return path, [r["run_id"] for r in rows]


def render(table: Any, wide: bool = False) -> str:
    con = out_console(wide)
    with con.capture() as cap:
        con.print(table)
    return cap.get()


def test_fit_table_keeps_ids_whole_and_cuts_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    rows = [["0123456789abcdef", "2026-11-30 05:51", LONG, f"{i}.5"] for i in range(3)]
    cols = [Col("id", "id"), Col("created", "id"), Col("source", "text"), Col("GW", "id", True)]
    out = render(fit_table("t", cols, rows))
    assert not _too_wide(out)
    assert out.count("0123456789abcdef") == 3 and out.count("2026-11-30 05:51") == 3
    assert "…" in out and LONG not in out and "--wide" in out
    full = render(fit_table("t", cols, rows, wide=True), wide=True)
    assert full.count(LONG) == 3 and "…" not in full


def test_fit_table_drops_low_rank_columns_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    cols = [Col("id", "id"), Col("extra", "id", drop=1), Col("more", "id", drop=2)]
    rows = [["x" * 20, "y" * 12, "z" * 12]]
    out = render(fit_table(None, cols, rows))
    assert not _too_wide(out, 40) and "x" * 20 in out
    assert "y" * 12 in out and "z" * 12 not in out  # the higher rank went first
    assert "not shown at this width: more" in out


def test_width_is_80_when_piped_and_columns_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    assert width_limit() == 80  # pytest captures stdout: not a terminal
    monkeypatch.setenv("COLUMNS", "132")
    assert width_limit() == 132 and width_limit(wide=True) is None


@pytest.mark.parametrize("columns", ["80", None])
def test_runs_tables_fit_and_show_whole_ids(
    store: tuple[Path, list[str]], columns: str | None
) -> None:
    path, ids = store
    s = ["--store", str(path)]
    listed = _cli(["runs", "list", *s], columns)
    shown = _cli(["runs", "show", ids[0], *s], columns)
    diff = _cli(["runs", "diff", ids[0], ids[1], *s], columns)
    for out in (listed, shown, diff):
        assert not _too_wide(out), _too_wide(out)
    assert all(i in listed for i in ids) and ids[0] in shown
    assert all(i in diff for i in ids)
    first = json.loads(_cli(["runs", "list", *s, "--json"]))[0]
    created = pd.Timestamp(first["created_at"])
    assert created.strftime("%Y-%m-%d %H:%M") in listed  # the date is never split either
    wide = _cli(["runs", "list", *s, "--wide"], columns)
    hash8 = first["input_hash"][:8]  # the inputs column: dropped at 80, shown under --wide
    assert hash8 in wide and hash8 not in listed and "--wide" in listed


@pytest.mark.parametrize(
    "args",
    [
        ["catalog", "list"],
        ["catalog", "list", "sites"],
        ["catalog", "show", "GB200"],
        ["catalog", "sources"],
        ["catalog", "sources", "--weak"],
        ["deals"],
        ["presets"],
        ["validate", "announced"],
    ],
)
def test_catalog_and_deal_tables_fit_80_columns(args: list[str]) -> None:
    out = _cli(args)
    assert not _too_wide(out), _too_wide(out)


def test_deals_keep_ids_whole_and_wide_shows_the_urls() -> None:
    rows = json.loads(_cli(["deals", "--json"]))
    out = _cli(["deals"])
    assert all(r["deal"] in out for r in rows)
    assert "https://" not in out  # sources shown by host at 80 columns
    wide = _cli(["deals", "--wide"])
    assert all(r["source"].split(" ; ")[0] in wide for r in rows if r["source"])


def test_piped_subprocess_fits_80_columns() -> None:
    """The real entry point with stdout a pipe and no $COLUMNS, as in ``gigafactory deals | less``."""
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    env["PYTHONPATH"] = str(Path(__file__).parents[1] / "src")
    done = subprocess.run(
        [sys.executable, "-m", "gigafactory.cli", "catalog", "show", "GB200"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert done.stdout and not _too_wide(done.stdout), _too_wide(done.stdout)


def test_sensitivity_table_fits_and_uses_plain_labels(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tornado's table (the computation is replaced: this checks the layout, not the model)."""
    import gigafactory.sensitivity as sens

    df = pd.DataFrame(
        {
            "path": [
                "tiers.transformers.capacity.points.2026-12",
                "tiers.transformers.params.mw_per_unit",
                "tiers.transformers.capacity.growth_after_pct_per_yr",
            ],
            "unit": ["units/yr", "MW/unit", "%/yr"],
            "low": [150.0, 60.0, 5.0],
            "high": [340.0, 250.0, 20.0],
            "at_low": [16.3, 12.3, 20.9],
            "at_high": [24.5, 25.4, 23.0],
            "swing": [8.2, 13.1, 2.1],
        }
    )
    monkeypatch.setattr(sens, "tornado", lambda *a, **k: (22.0, df))
    monkeypatch.setattr(sens, "candidate_count", lambda *a, **k: 3)
    out = _cli(["sensitivity", "announced", "--method", "oat"])
    assert not _too_wide(out), _too_wide(out)
    assert "tiers." not in out and "Large power" in out and "(units/yr)" in out
