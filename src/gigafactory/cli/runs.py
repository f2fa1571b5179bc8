"""The run store and the report: ``runs list|show|diff|export|delete`` and ``report``.

User mistakes raise ``GigafactoryError``; the main entry point prints it without a
traceback (exit status 2).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..errors import GigafactoryError, Problem, did_you_mean
from ..labels import fmt, label_of, unit_of, with_unit
from ..limits import MAX_DRAWS, MAX_SEED
from ..tables import Col, WideOpt, fit_table, out_console
from ..text import plain, visible
from . import app

if TYPE_CHECKING:
    from ..results.store import RunDiff, RunStore, StoredRun

StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store",
        help="Run store (DuckDB file); default $GIGAFACTORY_STORE or ~/.local/share/gigafactory/runs.duckdb.",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of tables.")]

runs_app = typer.Typer(
    help="List, show, compare, export and delete stored runs.", no_args_is_help=True
)
app.add_typer(runs_app, name="runs")


def _fmt(v: Any, unit: str = "") -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, int | float) and not isinstance(v, bool):
        return fmt(v, unit)
    return plain(v)  # scenario keys and names are data, not rich markup nor control codes


@runs_app.command("list")
def runs_list(
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    limit: Annotated[int, typer.Option(help="Show at most this many (newest first).")] = 50,
    wide: WideOpt = False,
) -> None:
    """List stored runs, newest first, with their headline results."""
    import pandas as pd

    from ..results.store import HEADLINE_LABELS, HEADLINE_METRICS, RunStore

    st = RunStore(store)
    runs = st.list_runs().head(limit)
    if as_json:
        typer.echo(runs.to_json(orient="records", date_format="iso"))
        return
    con = out_console(wide)
    if runs.empty:
        con.print(f"No runs in {plain(st.path)} yet: `gigafactory run PRESET` saves one.")
        return
    shown = [m for m in HEADLINE_METRICS if runs[m].notna().any()]
    cols = [
        Col("id", "id"),
        Col("created (UTC)", "id"),
        Col("kind", "id", drop=5),
        Col("scenario", "text"),
        Col("seed", "id", right=True, drop=7),
        Col("draws", "id", right=True, drop=6),
        Col("inputs", "id", drop=8),
        *(
            Col(_with_unit(HEADLINE_LABELS[m], m), "id", right=True, drop=len(shown) - i)
            for i, m in enumerate(shown)
        ),
    ]
    rows = [
        [
            r["run_id"],
            pd.Timestamp(r["created_at"]).strftime("%Y-%m-%d %H:%M"),
            plain(r["kind"]),
            plain(r["scenario"]),
            _fmt(r["seed"]),
            _fmt(r["draws"]),
            r["input_hash"][:8],
            *(_fmt(r[m], unit_of(m)) for m in shown),
        ]
        for _, r in runs.iterrows()
    ]
    caption = "GW: facility GW online at year end, median"
    con.print(fit_table(f"Runs in {plain(st.path)}", cols, rows, wide=wide, caption=caption))


def _with_unit(label: str, metric: str) -> str:
    """A headline label with its unit unless the label already names it (``GW 2030``)."""
    unit = unit_of(metric)
    return label if unit in ("", "date") or unit.split("/")[0] in label else with_unit(label, unit)


def _run_json(run: StoredRun) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "created_at": run.created_at.isoformat(),
        "kind": run.kind,
        "scenario": run.scenario,
        "seed": run.seed,
        "draws": run.draws,
        "version": run.version,
        "input_hash": run.input_hash,
        "note": run.note,
        "trajectories": str(run.trajectories) if run.trajectories else None,
        "summary": run.summary,
        "scenario_yaml": run.scenario_yaml,
    }


@runs_app.command("show")
def runs_show(
    run_id: Annotated[str, typer.Argument(help="Run id, a unique prefix of it, or 'latest'.")],
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    wide: WideOpt = False,
) -> None:
    """Show one run: lineage, headline results by year, what was kept."""
    from ..results.store import HEADLINE_METRICS, RunStore

    run = RunStore(store).get_run(run_id)
    if as_json:
        typer.echo(json.dumps(_run_json(run), default=str))
        return
    con = out_console(wide)
    facts: list[tuple[str, Any, str]] = [
        ("created (UTC)", run.created_at.strftime("%Y-%m-%d %H:%M:%S"), ""),
        ("kind", run.kind, ""),
        ("scenario", run.scenario, ""),
        ("seed", run.seed, ""),
        ("draws", run.draws, ""),
        ("version", run.version, ""),
        ("input hash", run.input_hash if wide else f"{run.input_hash[:12]}…", ""),
        ("note", run.note or "–", ""),
        (
            "series kept",
            f"{run.series['variable'].nunique()} variables × {run.series['week'].nunique()} weeks",
            "",
        ),
        ("trajectories", str(run.trajectories) if run.trajectories else "not kept", ""),
        *((label_of(m), run.metrics[m], unit_of(m)) for m in HEADLINE_METRICS if m in run.metrics),
    ]
    rows = [[plain(k), _fmt(v, u)] for k, v, u in facts]
    cols = [Col("", "wrap"), Col("", "wrap")]
    con.print(fit_table(f"Run {run.run_id}", cols, rows, wide=wide, show_header=False))
    years = run.summary.get("years") or {}
    if years:
        con.print(_years_table(years, wide))


def _years_table(years: dict[str, Any], wide: bool) -> Table:
    """Median and p5–p95 by year, with the two tiers binding most often."""

    def band(q: Any, unit: str) -> str:
        if not isinstance(q, dict):
            return _fmt(q, unit)
        lo, hi = fmt(q.get("p5"), unit), fmt(q.get("p95"), unit)
        return f"{fmt(q.get('p50'), unit)}\n" + escape(f"[{lo}–{hi}]")

    rows = []
    for yr, v in sorted(years.items()):
        b = v.get("binding") or {}
        rows.append(
            [
                yr,
                band(v.get("facility_gw_online"), "GW"),
                band(v.get("gw_added_per_week"), "GW/week"),
                "\n".join(f"{plain(k)} {fmt(s, '%')}" for k, s in list(b.items())[:2])
                if isinstance(b, dict)
                else _fmt(b),
            ]
        )
    cols = [
        Col("year", "id"),
        Col("facility online (GW)", "id", right=True),
        Col("added (GW/week)", "id", right=True),
        Col("binding (% of draws)", "id"),
    ]
    return fit_table(escape("By year (median [p5–p95])"), cols, rows, wide=wide)


def print_diff(d: RunDiff, con: Console, wide: bool = False) -> None:
    """Print a ``RunDiff``: lineage and settings that changed, then how the outputs moved."""
    con.print(f"[bold]Run {d.a} → run {d.b}[/bold]")
    if d.same_inputs:
        con.print("Inputs: identical (same scenario, catalog, seed and draws).")
    rows = [[plain(k), _fmt(a), _fmt(b)] for k, (a, b) in d.fields.items()]
    for k, a, b in d.settings:
        rows.append(
            [
                plain(f"scenario: {k}"),
                "(absent)" if a is None else plain(json.dumps(a, default=str)),
                "(absent)" if b is None else plain(json.dumps(b, default=str)),
            ]
        )
    if rows:
        cols = [Col("input", "wrap"), Col(d.a, "text"), Col(d.b, "text")]
        con.print(fit_table("Inputs that changed", cols, rows, wide=wide))
    out = [
        [plain(label_of(m.metric)), _fmt(m.a, u), _fmt(m.b, u), _change(m.a, m.b, m.delta, u)]
        for m in [*d.headline, *d.metrics[:15]]
        for u in [unit_of(m.metric)]
    ]
    cols = [
        Col("metric", "wrap"),
        Col(d.a, "text", right=True),
        Col(d.b, "text", right=True),
        Col("change", "id", right=True),
    ]
    con.print(fit_table("Headline outputs", cols, out, wide=wide))
    if len(d.metrics) > 15:
        con.print(f"… and {len(d.metrics) - 15} more metrics moved (--json lists them all).")


def _change(a: Any, b: Any, delta: float | None, unit: str = "") -> str:
    if delta is None:
        return "same" if a == b else "changed"
    if delta == 0:
        return "same"
    pct = f" ({100 * delta / abs(a):+.0f}%)" if isinstance(a, float) and a and unit != "%" else ""
    sign = "+" if delta > 0 else ""
    return f"{sign}{fmt(delta, unit)}{pct}"


@runs_app.command("diff")
def runs_diff(
    a: Annotated[str, typer.Argument(help="First run id (or prefix, or 'latest').")],
    b: Annotated[str, typer.Argument(help="Second run id.")],
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    wide: WideOpt = False,
) -> None:
    """Compare two runs: what changed in the inputs, and how the headline outputs moved."""
    from ..results.store import RunStore

    d = RunStore(store).diff_runs(a, b)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "a": d.a,
                    "b": d.b,
                    "fields": d.fields,
                    "settings": d.settings,
                    "yaml_diff": d.yaml_diff,
                    "headline": [m.__dict__ | {"delta": m.delta} for m in d.headline],
                    "metrics": [m.__dict__ | {"delta": m.delta} for m in d.metrics],
                },
                default=str,
            )
        )
        return
    print_diff(d, out_console(wide), wide)


@runs_app.command("export")
def runs_export(
    run_id: Annotated[str, typer.Argument(help="Run id (or prefix, or 'latest').")],
    parquet: Annotated[
        Path | None, typer.Option("--parquet", help="Folder to write the Parquet files into.")
    ] = None,
    csv: Annotated[
        Path | None, typer.Option("--csv", help="Folder to write one CSV per review table into.")
    ] = None,
    xlsx: Annotated[
        Path | None, typer.Option("--xlsx", help="Excel workbook to write (a sheet per table).")
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Export a run: Parquet tables, review tables as CSV, or an Excel workbook."""
    if parquet is None and csv is None and xlsx is None:
        raise GigafactoryError("runs export: give --csv DIR, --xlsx FILE or --parquet DIR")
    from ..results.files import check_file_target, check_out_dir
    from ..results.store import RunStore

    # every target checked before anything is read or written (a file given as a folder,
    # a folder given as the workbook): one message, exit 2, never a traceback
    for folder, flag in ((parquet, "--parquet"), (csv, "--csv")):
        if folder is not None:
            check_out_dir(folder, force=True, flag=flag)
    if xlsx is not None:
        check_file_target(xlsx, "--xlsx")

    st = RunStore(store)
    files = st.export_parquet(run_id, parquet) if parquet is not None else []
    if csv is not None or xlsx is not None:
        from ..catalog import load_catalog
        from ..results.export import write_csv, write_xlsx

        run, cat = st.get_run(run_id), load_catalog()
        files += write_csv(run, cat, csv) if csv is not None else []
        if xlsx is not None:
            xlsx.parent.mkdir(parents=True, exist_ok=True)  # as --csv and report -o do
            write_xlsx(run, cat, xlsx)
            files.append(xlsx)
    for f in files:
        typer.echo(visible(f))


@runs_app.command("delete")
def runs_delete(
    run_id: Annotated[str, typer.Argument(help="Run id (a prefix must be unique).")],
    store: StoreOpt = None,
    yes: Annotated[
        bool,
        typer.Option("--yes", "-y", help="Delete without asking (needed when not at a terminal)."),
    ] = False,
) -> None:
    """Delete a run and everything stored with it (asks first unless --yes)."""
    from ..results.store import RunStore

    st = RunStore(store)
    run = st.get_run(run_id)  # a missing or ambiguous id fails here, before any question
    if not yes:
        what = (
            f"run {run.run_id} ({plain(run.scenario)}, {run.draws} draws, "
            f"{run.created_at:%Y-%m-%d %H:%M} UTC)"
        )
        if not interactive():
            raise GigafactoryError(
                [
                    Problem(
                        "<command line>",
                        None,
                        "--yes",
                        f"not deleting {visible(what)} without confirmation: stdin is not a "
                        "terminal; add --yes to delete it",
                    )
                ]
            )
        if not typer.confirm(f"Delete {visible(what)} and everything stored with it?"):
            typer.echo(f"kept run {run.run_id}")
            raise typer.Exit(1)
    full = st.delete_run(run.run_id)
    typer.echo(f"deleted run {full}")


def interactive() -> bool:
    """Whether a person can answer a question: stdin is a terminal."""
    import sys

    return sys.stdin.isatty()


@app.command("report")
def report(
    target: Annotated[
        str,
        typer.Argument(
            help="A stored run id (or prefix, or 'latest'), a preset name, or a scenario YAML file."
        ),
    ],
    out: Annotated[Path, typer.Option("-o", "--out", help="HTML file to write.")] = Path(
        "report.html"
    ),
    png: Annotated[
        Path | None, typer.Option("--png", help="Also write static PNG charts into this folder.")
    ] = None,
    store: StoreOpt = None,
    draws: Annotated[
        int | None,
        typer.Option(
            "--draws",
            "-n",
            min=1,
            max=MAX_DRAWS,
            help="Draws, when running a preset or file (default: the scenario's).",
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed",
            "-s",
            min=0,
            max=MAX_SEED,
            help="Seed, when running a preset or file (default: the scenario's).",
        ),
    ] = None,
    save: Annotated[
        bool, typer.Option("--save/--no-save", help="Save a fresh run in the store.")
    ] = True,
    max_memory: Annotated[
        str | None,
        typer.Option("--max-memory", help="Memory budget for a fresh run, e.g. 8G (as for `run`)."),
    ] = None,
) -> None:
    """Write a self-contained HTML report of a stored run, or run a preset or scenario file and report it."""
    from ..catalog import load_catalog
    from ..report import write_stored_report
    from ..results.files import check_file_target, check_out_dir
    from ..results.store import RunStore

    check_file_target(out, "-o")  # before anything runs
    if png is not None:
        check_out_dir(png, force=True, flag="--png")
    st = RunStore(store)
    catalog = load_catalog()
    if not Path(target).is_file():
        run = _stored(st, target)
        if run is not None:
            path = write_stored_report(out, run=run, catalog=catalog, png_dir=png)
            typer.echo(visible(path.resolve()))
            return
    path, run_id = report_fresh(
        target,
        out,
        catalog=catalog,
        store=st if save else None,
        draws=draws,
        seed=seed,
        png_dir=png,
        max_memory=max_memory,
    )
    if run_id:
        typer.echo(f"saved run {run_id} in {visible(st.path)}", err=True)
    typer.echo(visible(path.resolve()))


def _stored(st: RunStore, target: str) -> StoredRun | None:
    """The stored run ``target`` names, or None when it names none (so it may be a preset)."""
    try:
        return st.get_run(target)
    except GigafactoryError as exc:
        if "ambiguous" in str(exc):
            raise
        return None


def report_fresh(
    target: str,
    out: Path,
    *,
    catalog: Any,
    store: RunStore | None,
    draws: int | None,
    seed: int | None,
    png_dir: Path | None,
    max_memory: str | None = None,
) -> tuple[Path, str | None]:
    """Run a preset or scenario file as ``gigafactory run`` does, report it, optionally store it."""
    from ..pipeline import run_scenario
    from ..report import write_report
    from ..scenario import load_scenario, preset_names, resolved_yaml

    try:
        sc = load_scenario(target, catalog)
    except GigafactoryError as exc:
        if Path(target).suffix in (".yaml", ".yml") or Path(target).exists():
            raise
        raise GigafactoryError(
            f"'{target}' is neither a stored run id, a preset ({', '.join(preset_names())}) nor a "
            f"scenario file{did_you_mean(target, preset_names())}; `gigafactory runs list` shows stored runs"
        ) from exc
    from .run import _check_memory

    _check_memory(sc, int(draws or sc.draws), finance=True, outputs=True, max_memory=max_memory)
    result = run_scenario(sc, catalog, draws, seed)
    yaml_text = resolved_yaml(sc)
    run_id = None
    if store is not None:
        run_id = store.save_run(
            result.summary,
            scenario_yaml=yaml_text,
            physical=result.physical,
            finance=result.finance,
            scenario=sc.name,
            catalog=catalog,
        )
    path = write_report(
        out,
        physical=result.physical,
        summary=result.summary,
        scenario_yaml=yaml_text,
        catalog=catalog,
        finance=result.finance,
        png_dir=png_dir,
        lineage={"run_id": run_id} if run_id else None,
    )
    return path, run_id
