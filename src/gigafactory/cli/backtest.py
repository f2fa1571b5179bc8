"""``backtest`` (a preset's 2023–2025 against what happened) and ``studies`` (the published
studies' figures beside the model's)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from ..limits import MAX_SEED
from ..text import plain
from . import app, console

#: enough draws for stable medians, few enough to run in seconds
_DRAWS = typer.Option(100, "--draws", "-n", min=20, max=2000, help="Monte Carlo draws")
_SEED = typer.Option(11, "--seed", "-s", min=0, max=MAX_SEED, help="random seed")


@app.command()
def backtest(
    preset: str = typer.Argument(..., help="a preset or scenario file (ai-2027 starts in 2023)"),
    draws: int = _DRAWS,
    seed: int = _SEED,
    as_json: bool = typer.Option(False, "--json", help="print the rows as JSON"),
    html: Path | None = typer.Option(None, "--html", help="also write the chart to this file"),
) -> None:
    """Run PRESET and print 2023–2025 model against actuals, with the error of each.

    Chip sales by designer (industry scope); OpenAI's compute and revenue (its buyer scope).
    """
    from ..catalog import load_catalog
    from ..pipeline import simulate_scenario
    from ..scenario import load_scenario
    from ..studies.backtest import backtest_rows

    cat = load_catalog()
    sc = load_scenario(preset, cat)
    rows = backtest_rows(simulate_scenario(sc, cat, draws=draws, seed=seed), cat)
    if html is not None:
        from ..studies.charts import backtest_chart

        html.write_text(backtest_chart(rows, sc.name).to_html(include_plotlyjs=True))
    if as_json:
        typer.echo(json.dumps([{k: r[k] for k in r if k != "source"} for r in rows], indent=2))
        return
    if not rows:
        console.print(
            f"{plain(sc.name)}: no 2023–2025 actuals for this scope and horizon "
            "(industry runs compare chip sales, OpenAI runs its compute and revenue)."
        )
        return
    t = Table(title=f"Back-test — {plain(sc.name)} — {draws} draws")
    t.add_column("metric", no_wrap=True)
    for c in ("year", "actual", "model p50", "error %"):
        t.add_column(c, justify="right")
    for r in rows:
        t.add_row(
            r["metric"],
            str(r["year"]),
            f"{r['actual']:g}",
            f"{r['model_p50']:.3g}",
            f"{r['error_pct']:+.1f}",
        )
    console.print(t)
    for src in dict.fromkeys(r["source"] for r in rows):
        console.print(f"source: {src}", markup=False, highlight=False, soft_wrap=True)


@app.command()
def studies(
    markdown: bool = typer.Option(False, "--markdown", help="print the README's markdown table"),
    study: str | None = typer.Option(None, "--study", help="one study preset (e.g. epoch-2030)"),
    draws: int = _DRAWS,
    seed: int = _SEED,
) -> None:
    """The published studies' figures beside the model's, and what each study lacks changes.

    The table is the one the tests hold (tests/test_studies.py).
    """
    from ..studies.table import contrast_rows, figure_rows, markdown_table

    rows = figure_rows(draws, seed, study)
    if markdown:
        typer.echo(markdown_table(rows))
        return
    t = Table(title=f"Checked against published studies — {draws} draws, seed {seed}")
    for c in ("study", "figure", "year", "published", "band", "model p50", "status"):
        t.add_column(c, overflow="fold")
    for r in rows:
        t.add_row(
            *(
                _cell(r, c)
                for c in ("study", "metric", "year", "published", "band", "model", "status")
            )
        )
    console.print(t)
    m = Table(title="What the mechanisms the studies lack change (same run, read two ways)")
    for c in ("study", "reading", "the study's way", "with the model's mechanisms", "unit"):
        m.add_column(c, overflow="fold")
    for r in contrast_rows(draws, seed, study):
        m.add_row(
            *(plain(str(r[k])) for k in ("study", "what", "study_way", "with_mechanisms", "unit"))
        )
    console.print(m)


def _cell(r: dict[str, Any], key: str) -> str:
    return plain(str(r[key]))
