"""``run``, ``sensitivity``, ``validate``, ``presets``, ``scenario``, ``tiers``, ``version``."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from ..labels import fmt
from ..limits import MAX_DRAWS, MAX_SEED
from ..results.files import check_out_dir, publish_dir, staging_dir, temporary
from ..tables import Col, WideOpt, fit_table, out_console
from ..text import plain
from . import app, err, progress_bar

#: ``--no-store`` (``None`` means the default store)
_NO_STORE: Any = Path("/nonexistent/--no-store")


def load_catalog() -> Any:
    """The catalog (imported on first use: ``--help`` loads none of the model)."""
    from ..catalog import load_catalog as load

    return load()


def load_scenario(name: str, cat: Any = None) -> Any:
    """A preset or scenario file, resolved (imported on first use)."""
    from ..scenario import load_scenario as load

    return load(name, cat)


def _fmt_q(q: dict[str, float], unit: str) -> str:
    """Median over a dim ``(p5–p95)`` line, in the unit's one format."""
    return f"{fmt(q['p50'], unit)}\n[dim]({fmt(q['p5'], unit)}–{fmt(q['p95'], unit)})[/dim]"


#: buyer-scope market columns shown beside GW online when the summary has them
MARKET_LABELS = {"demand_it_gw": "demand IT GW", "contracted_it_gw": "contracted IT GW"}


def summary_tables(summary: dict[str, Any], wide: bool = False) -> list[Table]:
    """Rich tables of a run summary: GW by year with the binding tiers, and the goal."""
    lead = summary.get("lead_basis", summary["goal"]["basis"])
    bases = (lead, "it" if lead == "facility" else "facility")  # the goal's basis leads
    label = {"it": "IT GW online", "facility": "facility GW online"}
    first: dict[str, Any] = next(iter(summary["years"].values()), {})
    # demand and what signed contracts alone deliver, beside online (buyer scope with demand)
    market = [k for k in MARKET_LABELS if k in first]
    cols = [
        Col("year", "id"),
        Col(label[bases[0]], "id", right=True),
        Col(label[bases[1]], "id", right=True, drop=3),
        *(Col(MARKET_LABELS[k], "id", right=True, drop=2 - i) for i, k in enumerate(market)),
        # a buyer reads its fleet against demand; the GW/week pace is the industry question
        Col("GW/week added*", "id", right=True, drop=5 if market else 0),
        Col("H100e online (M)", "id", right=True, drop=4),
        Col("binding (% of draws)", "id"),
    ]
    rows = [
        [
            y,
            *(_fmt_q(v[f"{b}_gw_online"], "GW") for b in bases),
            *(_fmt_q(v[k], "GW") for k in market),
            _fmt_q(v["gw_added_per_week"], "GW/week"),
            _fmt_q(v["h100e_online_m"], "M"),
            "\n".join(f"{plain(k)} {fmt(s, '%')}" for k, s in list(v["binding"].items())[:3]),
        ]
        for y, v in summary["years"].items()
    ]
    title = (
        f"{plain(summary['scenario'])} — {plain(summary['scope'])} — "
        f"{summary['draws']:,} draws (p50 and p5–p95)"
    )
    tables = [fit_table(title, cols, rows, wide=wide), _goal_table(summary, wide)]
    needs = summary.get("needs")
    if needs:
        tables.append(_needs_table(needs, summary["goal"], wide))
    return tables


def _goal_table(summary: dict[str, Any], wide: bool) -> Table:
    """When the goal is reached, by whom, and what binds on the way."""
    goal = summary["goal"]
    reached = summary["gw_per_week_reached"]
    per = summary["gw_per_week_reached_by_draw"]
    note = f"; {goal['scope_note']}" if goal.get("scope_note") else ""
    rows = [
        ["median build rate first reaches the goal", reached or "not within the horizon"],
        ["share of draws that ever reach it", fmt(per["share_of_draws"], "%")],
    ]
    if "p50" in per:
        rows.append(
            [
                "week reached (p5 / p50 / p95 of draws that do)",
                f"{per['p5']} / {per['p50']} / {per['p95']}",
            ]
        )
    net = summary.get("gw_per_week_reached_net_by_draw")
    if net is not None:
        rows.append(
            [
                "net growth (capacity online grows ≥ goal/week): median first reaches it",
                f"{summary.get('gw_per_week_reached_net') or 'not within the horizon'}"
                f" (share of draws {fmt(net['share_of_draws'], '%')})",
            ]
        )
    bw = summary["binding_weeks_mean"]
    rows.append(
        [
            "weeks binding, mean over draws",
            ", ".join(
                f"{k} {fmt(v, 'weeks')}"
                for k, v in sorted(bw.items(), key=lambda kv: -kv[1])
                if v >= 1
            ),
        ]
    )
    delays = summary.get("delay_weeks")
    if delays:
        m = delays["_milestone"]
        ranked = sorted(
            ((k, v) for k, v in delays.items() if k != "_milestone"), key=lambda kv: -kv[1]["mean"]
        )
        rows.append(
            [
                f"weeks of delay to {fmt(m['it_gw'], 'GW')} IT GW (median at {m.get('week', '')}), by tier",
                ", ".join(f"{k} {fmt(v['mean'], 'weeks')}" for k, v in ranked if v["mean"] >= 0.5)
                or "none",
            ]
        )
    title = f"Goal: {goal['gw_per_week']:g} GW/week ({goal['basis']} basis{note}; *{goal['rate']})"
    return fit_table(
        title, [Col("k", "wrap"), Col("v", "wrap")], rows, wide=wide, show_header=False
    )


def _needs_table(needs: list[dict[str, Any]], goal: dict[str, Any], wide: bool) -> Table:
    """What the goal needs from each tier in a few years, and its share of what is available."""
    years = sorted({r["year"] for r in needs})
    pick = [y for y in years if y in (years[0], years[0] + 2, years[0] + 5, years[-1])]
    rows = []
    for tier in dict.fromkeys(r["tier"] for r in needs):
        got = {r["year"]: r for r in needs if r["tier"] == tier}
        cells = [
            f"{got[y]['needed']:,.0f}\n({fmt(got[y]['share_needed'], '%')})"
            if got[y]["share_needed"] is not None
            else f"{got[y]['needed']:,.0f}"
            for y in pick
        ]
        rows.append([plain(tier), plain(got[pick[0]]["unit"]), *cells])
    cols = [
        Col("tier", "id"),
        Col("unit", "wrap"),
        *(Col(str(y), "id", right=True, drop=len(pick) - i) for i, y in enumerate(pick)),
    ]
    title = (
        f"What {goal['gw_per_week']:g} GW/week needs from each tier "
        "(share of what is available to this scope; chip tiers at the year's accelerator "
        "mix, which holds the catalog's last roadmap point after it)"
    )
    return fit_table(title, cols, rows, wide=wide)


class PhaseClock:
    """Wall and CPU time (``time.process_time``) per phase of a command, and in total.

    With ``GIGAFACTORY_TIMINGS=FILE`` in the environment, ``write`` saves them there as JSON
    (``benchmarks/bench_cli.py`` reads it).
    """

    def __init__(self) -> None:
        self.wall0 = time.perf_counter()
        self.cpu0 = time.process_time()
        self.phases: dict[str, dict[str, float]] = {}
        self._current: tuple[str, float, float] | None = None

    def start(self, name: str) -> None:
        """Close the running phase and start ``name``."""
        self.stop()
        self._current = (name, time.perf_counter(), time.process_time())

    def stop(self) -> None:
        if self._current is not None:
            name, wall, cpu = self._current
            acc = self.phases.setdefault(name, {"wall_s": 0.0, "cpu_s": 0.0})
            acc["wall_s"] += time.perf_counter() - wall
            acc["cpu_s"] += time.process_time() - cpu
            self._current = None

    def line(self) -> str:
        """``done in 9.1 s (CPU 8.0 s): simulate 4.2 s, summary 0.3 s, …`` (wall per phase)."""
        wall = time.perf_counter() - self.wall0
        cpu = time.process_time() - self.cpu0
        parts = ", ".join(f"{k} {v['wall_s']:.1f} s" for k, v in self.phases.items())
        return f"done in {wall:.1f} s (CPU {cpu:.1f} s): {parts}"

    def write(self) -> None:
        """Save the phases as JSON to ``$GIGAFACTORY_TIMINGS`` when it is set."""
        import os

        target = os.environ.get("GIGAFACTORY_TIMINGS")
        if target:
            Path(target).write_text(json.dumps(self.phases, indent=2), encoding="utf-8")


@app.command()
def run(
    scenario: str = typer.Argument(..., help="a preset name or a scenario YAML file"),
    draws: int | None = typer.Option(
        None,
        "--draws",
        "-n",
        min=1,
        max=MAX_DRAWS,
        help="Monte Carlo draws (default: the scenario's)",
    ),
    seed: int | None = typer.Option(
        None, "--seed", "-s", min=0, max=MAX_SEED, help="random seed (default: the scenario's)"
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        "-o",
        help="write summary.json, results.nc, charts and report.html here; an earlier run's "
        "files in the folder are replaced, anything else needs --force",
    ),
    max_memory: str | None = typer.Option(
        None,
        "--max-memory",
        help="memory budget, e.g. 8G (default: half the available memory, or "
        "$GIGAFACTORY_MAX_MEMORY); a run estimated above it is refused before it starts",
    ),
    force: bool = typer.Option(
        False,
        "--force",
        help="--out may name a folder holding other files: replace only gigafactory's files there",
    ),
    as_json: bool = typer.Option(
        False, "--json", help="print summary.json to stdout instead of tables"
    ),
    no_finance: bool = typer.Option(False, "--no-finance", help="skip the money side"),
    compress: bool = typer.Option(
        False,
        "--compress",
        help="compress results.nc and finance.nc (shuffle + zlib: ~40 % smaller, ~10× the CPU to write)",
    ),
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
    wide: WideOpt = False,
) -> None:
    """Run a scenario: simulate the buildout and the money, print the summary, write the files."""
    clock = PhaseClock()
    clock.start("load")
    from .. import run as run_scenario  # the public API: the CLI and Python give one answer

    cat = load_catalog()
    sc = load_scenario(scenario, cat)
    n = int(draws if draws is not None else sc.draws)
    if out is not None:
        check_out_dir(out, force)
    chunk = _check_memory(
        sc,
        n,
        finance=not no_finance,
        outputs=out is not None,
        max_memory=max_memory,
        keep_draws=keep_draws,
    )
    runner: Any = run_scenario
    if chunk is not None:
        import functools

        from ..streamed import run_streamed

        runner = functools.partial(run_streamed, chunk_draws=chunk)
    with progress_bar(as_json) as bar:
        task = bar.add_task(f"simulating {plain(sc.name)}", total=n)

        def phase(name: str) -> None:
            clock.start(name)
            bar.update(task, description=name, total=None, completed=0)

        clock.start("simulate")
        result = runner(
            sc,
            cat,
            n,
            seed,
            with_finance=not no_finance,
            progress=lambda k: bar.advance(task, k),
            phase=phase,
        )
        summary = result.summary
        phase("quantiles")
        result.tables()
        _store_and_write(
            result, out, _NO_STORE if no_store else store, keep_draws, compress, phase=phase
        )
        if out is not None:
            summary["outputs"] = str(out)
        clock.stop()
    clock.write()
    if not as_json:
        err.print(clock.line(), highlight=False, markup=False)  # wrapped at words to the width
        if chunk is not None:
            agg = summary["aggregation"]
            err.print(
                f"{n:,} draws ran in {agg['chunks']} chunks of {agg['chunk_draws']:,}, keeping "
                "quantiles only: the summary merges the chunks' (see streamed.py for the "
                "accuracy), results.nc holds quantiles, not draws",
                highlight=False,
                markup=False,
            )
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    console = out_console(wide)
    for t in summary_tables(summary, wide):
        console.print(t)
    if result.finance is not None:
        from ..finance import finance_tables

        for t in finance_tables(summary["finance"], wide):
            console.print(t)
    if summary.get("run_id"):
        console.print(
            f"Saved as run [bold]{summary['run_id']}[/bold] (gigafactory runs show {summary['run_id']})"
        )
    if out is not None:
        console.print(
            f"Wrote {plain(out)}/: summary.json, results.nc, finance.nc, scenario.yaml, *.png"
        )
        console.print(f"Report: {plain(out / 'report.html')}", highlight=False)


def _store_and_write(
    result: Any,
    out: Path | None,
    store: Path | None,
    keep: bool,
    compress: bool = False,
    *,
    phase: Callable[[str], None] | None = None,
) -> None:
    """Write the files into a hidden folder, save the run, then publish the folder.

    A stored run always has its files: if publishing fails the run is deleted again, and an
    interrupt before the store commit leaves neither (the folder is a registered temporary).
    ``store`` is :data:`_NO_STORE` with ``--no-store``.  ``phase`` names each step as it
    starts (``netcdf``, ``report``, ``store``) for the command's timings.
    """
    from .files import write_run_files

    mark = phase or (lambda name: None)
    staged = staging_dir(out) if out is not None else None
    with temporary(staged) if staged is not None else contextlib.nullcontext():
        if staged is not None:
            write_run_files(staged, result, compress=compress, phase=mark)
        mark("store")
        run_id = _save_to_store(store, result, keep) if store is not _NO_STORE else None
        if run_id:
            result.summary["run_id"] = run_id
        if staged is not None and out is not None:
            try:
                publish_dir(staged, out)
            except BaseException:
                if run_id:  # keep store and files in step: no run without its files
                    from ..results.store import RunStore

                    RunStore(store).delete_run(run_id)
                raise


def _check_memory(
    sc: Any,
    draws: int,
    *,
    finance: bool,
    outputs: bool,
    max_memory: str | None,
    keep_draws: bool = False,
) -> int | None:
    """Draws per chunk when the run streams (``streamed.run_streamed``), else ``None``.

    A run streams above ``STREAM_DRAWS`` draws or when every draw would not fit the budget;
    it then needs the memory of one chunk (``CHUNK_DRAWS``, fewer whole batches when the
    budget is tight) and keeps no trajectories (``--keep-draws``).  What cannot fit is
    refused before anything runs.
    """
    from ..budget import budget_bytes, check_budget, estimate_bytes
    from ..pipeline import BATCH_DRAWS
    from ..scenario.loader import horizon_weeks
    from ..streamed import CHUNK_DRAWS, STREAM_DRAWS

    weeks = horizon_weeks(sc)

    def need(n: int) -> int:
        return estimate_bytes(n, weeks, finance=finance, outputs=outputs)

    budget = budget_bytes(max_memory)[0]
    if draws <= STREAM_DRAWS and need(draws) <= budget:
        return None
    if keep_draws:
        raise _flag_problem(
            "--keep-draws",
            f"{draws:,} draws run in chunks that keep only quantiles (above "
            f"{STREAM_DRAWS:,} draws, or over the memory budget), so there are no "
            "trajectories to keep; use fewer draws with --keep-draws, or drop it",
        )
    chunk = CHUNK_DRAWS
    while chunk > BATCH_DRAWS and need(chunk) > budget:
        chunk -= BATCH_DRAWS
    check_budget(chunk, weeks, finance=finance, outputs=outputs, max_memory=max_memory)
    return chunk


def _flag_problem(flag: str, message: str) -> Exception:
    from ..errors import GigafactoryError, Problem

    return GigafactoryError([Problem("<command line>", None, flag, message)])


def _save_to_store(store: Path | None, result: Any, keep_draws: bool = False) -> str | None:
    from .files import save_run_to_store

    return save_run_to_store(store, result, trajectories=keep_draws)


@app.command()
def validate(
    scenario: str = typer.Argument(..., help="a scenario YAML file or preset name"),
) -> None:
    """Check a scenario: every problem with file, line, key and a did-you-mean; nothing is run."""
    sc = load_scenario(scenario)
    out_console().print(
        f"[green]ok[/green] {plain(scenario)}: scenario '{plain(sc.name)}', scope {sc.scope.kind}"
        + (f" ({plain(sc.scope.buyer)})" if sc.scope.buyer else "")
        + f", {sc.draws} draws, {len(sc.overrides)} overrides"
    )


@app.command()
def presets(wide: WideOpt = False) -> None:
    """List the shipped presets."""
    from ..scenario import preset_names

    cat = load_catalog()
    rows = [
        [name, plain(" ".join(load_scenario(name, cat).description.split()))]
        for name in preset_names()
    ]
    cols = [Col("name", "id"), Col("description", "wrap" if wide else "text")]
    out_console(wide).print(fit_table("Presets", cols, rows, wide=wide))


@app.command()
def scenario(name: str = typer.Argument(..., help="a preset name or scenario file")) -> None:
    """Print the fully resolved scenario as YAML (what a run stores)."""
    from ..scenario import resolved_yaml

    typer.echo(resolved_yaml(load_scenario(name)))


@app.command()
def tiers() -> None:
    """The supply tiers the engine attributes binding weeks to."""
    from ..supply.inputs import TIERS

    for t in TIERS:
        typer.echo(t)


@app.command()
def version() -> None:
    """Print the version."""

    from .. import __version__  # importlib.metadata: not loaded for --help

    typer.echo(__version__)
