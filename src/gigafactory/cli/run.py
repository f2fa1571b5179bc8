"""``run``, ``sensitivity``, ``validate``, ``presets``, ``scenario``, ``tiers``, ``version``."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .. import __version__
from ..catalog import load_catalog
from ..scenario import load_scenario, preset_names, resolved_yaml
from . import app, console, err


def _fmt_q(q: dict[str, float], digits: int = 1) -> str:
    return f"{q['p50']:.{digits}f}  [dim]({q['p5']:.{digits}f}–{q['p95']:.{digits}f})[/dim]"


def summary_tables(summary: dict[str, Any]) -> list[Table]:
    """Rich tables of a run summary: GW by year with the binding tiers, and the goal."""
    lead = summary.get("lead_basis", summary["goal"]["basis"])
    bases = (lead, "it" if lead == "facility" else "facility")  # the goal's basis leads
    label = {"it": "IT GW online", "facility": "facility GW online"}
    t = Table(
        title=f"{summary['scenario']} — {summary['scope']} — {summary['draws']} draws (p50 and p5–p95)"
    )
    for c in (
        "year",
        *(label[b] for b in bases),
        "GW/week added*",
        "H100e online (M)",
        "binding (share of draws)",
    ):
        t.add_column(c, justify="left" if c.startswith("binding") else "right")
    for y, v in summary["years"].items():
        bind = ", ".join(f"{k} {s:.0%}" for k, s in list(v["binding"].items())[:3])
        t.add_row(
            y,
            *(_fmt_q(v[f"{b}_gw_online"]) for b in bases),
            _fmt_q(v["gw_added_per_week"], 2),
            _fmt_q(v["h100e_online_m"]),
            bind,
        )
    goal = summary["goal"]
    reached = summary["gw_per_week_reached"]
    per = summary["gw_per_week_reached_by_draw"]
    note = f"; {goal['scope_note']}" if goal.get("scope_note") else ""
    g = Table(
        title=f"Goal: {goal['gw_per_week']:g} GW/week ({goal['basis']} basis{note}; *{goal['rate']})",
        show_header=False,
    )
    g.add_column("k")
    g.add_column("v")
    g.add_row("median build rate first reaches the goal", reached or "not within the horizon")
    g.add_row("share of draws that ever reach it", f"{per['share_of_draws']:.0%}")
    if "p50" in per:
        g.add_row(
            "week reached (p5 / p50 / p95 of draws that do)",
            f"{per['p5']} / {per['p50']} / {per['p95']}",
        )
    net = summary.get("gw_per_week_reached_net_by_draw")
    if net is not None:
        g.add_row(
            "net growth (capacity online grows ≥ goal/week): median first reaches it",
            f"{summary.get('gw_per_week_reached_net') or 'not within the horizon'}"
            f" (share of draws {net['share_of_draws']:.0%})",
        )
    bw = summary["binding_weeks_mean"]
    g.add_row(
        "weeks binding, mean over draws",
        ", ".join(f"{k} {v:.0f}" for k, v in sorted(bw.items(), key=lambda kv: -kv[1]) if v >= 1),
    )
    delays = summary.get("delay_weeks")
    if delays:
        m = delays["_milestone"]
        ranked = sorted(
            ((k, v) for k, v in delays.items() if k != "_milestone"), key=lambda kv: -kv[1]["mean"]
        )
        g.add_row(
            f"weeks of delay to {m['it_gw']:g} IT GW (median at {m.get('week', '')}), by tier",
            ", ".join(f"{k} {v['mean']:.0f}" for k, v in ranked if v["mean"] >= 0.5) or "none",
        )
    tables = [t, g]
    needs = summary.get("needs")
    if needs:
        years = sorted({r["year"] for r in needs})
        pick = [y for y in years if y in (years[0], years[0] + 2, years[0] + 5, years[-1])]
        n = Table(
            title=f"What {goal['gw_per_week']:g} GW/week needs from each tier (share of what is available to this scope)"
        )
        n.add_column("tier")
        n.add_column("unit")
        for y in pick:
            n.add_column(str(y), justify="right")
        for tier in dict.fromkeys(r["tier"] for r in needs):
            rows = {r["year"]: r for r in needs if r["tier"] == tier}
            cells = [
                f"{rows[y]['needed']:,.0f} ({rows[y]['share_needed']:.0%})"
                if rows[y]["share_needed"] is not None
                else f"{rows[y]['needed']:,.0f}"
                for y in pick
            ]
            n.add_row(tier, rows[pick[0]]["unit"], *cells)
        tables.append(n)
    return tables


@app.command()
def run(
    scenario: str = typer.Argument(..., help="a preset name or a scenario YAML file"),
    draws: int | None = typer.Option(
        None, "--draws", "-n", min=1, help="Monte Carlo draws (default: the scenario's)"
    ),
    seed: int | None = typer.Option(
        None, "--seed", "-s", min=0, help="random seed (default: the scenario's)"
    ),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="write summary.json, results.nc, charts and report.html here"
    ),
    as_json: bool = typer.Option(
        False, "--json", help="print summary.json to stdout instead of tables"
    ),
    no_finance: bool = typer.Option(False, "--no-finance", help="skip the money side"),
    store: Path | None = typer.Option(
        None,
        "--store",
        help="run store (DuckDB file); default $GIGAFACTORY_STORE or the user data dir",
    ),
    no_store: bool = typer.Option(False, "--no-store", help="do not save the run in the store"),
    keep_draws: bool = typer.Option(
        False,
        "--keep-draws",
        help="also store every draw's trajectories (Parquet beside the store)",
    ),
) -> None:
    """Run a scenario: simulate the buildout and the money, print the summary, write the files."""
    from .. import run as run_scenario  # the public API: the CLI and Python give one answer

    cat = load_catalog()
    sc = load_scenario(scenario, cat)
    n = int(draws if draws is not None else sc.draws)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=as_json,
    ) as bar:
        task = bar.add_task(f"simulating {sc.name}", total=n)
        result = run_scenario(
            sc, cat, n, seed, with_finance=not no_finance, progress=lambda k: bar.advance(task, k)
        )
    summary = result.summary
    # the store first (one transaction): if it fails, nothing has been written anywhere
    run_id = None if no_store else _save_to_store(store, result, keep_draws)
    if run_id:
        summary["run_id"] = run_id
    if out is not None:
        try:
            _write_outputs(out, result)
        except BaseException:
            if run_id:  # keep store and files in step: no run without its files
                from ..results.store import RunStore

                RunStore(store).delete_run(run_id)
            raise
        summary["outputs"] = str(out)
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    for t in summary_tables(summary):
        console.print(t)
    if result.finance is not None:
        from ..finance import finance_tables

        for t in finance_tables(summary["finance"]):
            console.print(t)
    if summary.get("run_id"):
        console.print(
            f"Saved as run [bold]{summary['run_id']}[/bold] (gigafactory runs show {summary['run_id']})"
        )
    if out is not None:
        console.print(f"Wrote {out}/: summary.json, results.nc, finance.nc, scenario.yaml, *.png")
        console.print(f"Report: {out / 'report.html'}", highlight=False)


def _write_outputs(out: Path, result: Any) -> None:
    """Write every file into a temporary directory, then move it into place (nothing half-written)."""
    from .files import write_run_files

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        write_run_files(tmp, result)
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _save_to_store(store: Path | None, result: Any, keep_draws: bool = False) -> str | None:
    from .files import save_run_to_store

    return save_run_to_store(store, result, trajectories=keep_draws)


@app.command()
def validate(
    scenario: str = typer.Argument(..., help="a scenario YAML file or preset name"),
) -> None:
    """Check a scenario: every problem with file, line, key and a did-you-mean; nothing is run."""
    sc = load_scenario(scenario)
    console.print(
        f"[green]ok[/green] {scenario}: scenario '{sc.name}', scope {sc.scope.kind}"
        + (f" ({sc.scope.buyer})" if sc.scope.buyer else "")
        + f", {sc.draws} draws, {len(sc.overrides)} overrides"
    )


@app.command()
def presets() -> None:
    """List the shipped presets."""
    t = Table(title="Presets")
    t.add_column("name")
    t.add_column("description", overflow="fold")
    cat = load_catalog()
    for name in preset_names():
        t.add_row(name, load_scenario(name, cat).description.strip())
    console.print(t)


@app.command()
def scenario(name: str = typer.Argument(..., help="a preset name or scenario file")) -> None:
    """Print the fully resolved scenario as YAML (what a run stores)."""
    typer.echo(resolved_yaml(load_scenario(name)))


@app.command()
def tiers() -> None:
    """The supply tiers the engine attributes binding weeks to."""
    from ..supply.inputs import TIERS

    for t in TIERS:
        console.print(t)


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)
