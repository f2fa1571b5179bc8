"""CLI commands: ``sensitivity`` (sobol | morris | oat), ``sweep FILE`` and ``runs sweep ID``.

``register(app)`` adds them to the main app (``sweep`` and ``sensitivity`` at the top level,
``sweep`` under ``runs``).  User mistakes raise ``GigafactoryError`` (exit 2, nothing run).
"""

from __future__ import annotations

import json
import math
from typing import Annotated, Any

import typer
from rich.console import Console

from ..errors import GigafactoryError, Problem, allowed_list, did_you_mean
from ..labels import fmt, label_of, unit_of
from ..limits import MAX_SEED
from ..tables import Col, WideOpt, fit_table, out_console
from ..text import plain

err = Console(stderr=True)

StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="Run store (DuckDB file); default $GIGAFACTORY_STORE or ~/.local/share/gigafactory/runs.duckdb.",
    ),
]
WorkersOpt = Annotated[
    int | None, typer.Option("--workers", min=1, help="local dask workers (one process each)")
]
SchedOpt = Annotated[
    str | None, typer.Option("--scheduler", help="an existing dask scheduler, tcp://HOST:PORT")
]
DEFAULT_METRICS = ["it_gw_2030", "goal_week", "funding_gap"]


def _bar(disable: bool = False) -> Any:
    from ..cli import progress_bar

    return progress_bar(disable)


def _check_method(method: str, workers: int | None, scheduler: str | None) -> None:
    from .sensitivity import METHODS

    problems = []
    if method not in METHODS:
        problems.append(
            Problem(
                "<command line>",
                None,
                "--method",
                f"unknown method '{method}'{did_you_mean(method, METHODS)}; allowed: {allowed_list(METHODS)}",
            )
        )
    if workers is not None and scheduler is not None:
        problems.append(
            Problem(
                "<command line>",
                None,
                "--workers",
                "give --workers (a local cluster) or --scheduler (an existing one), not both",
            )
        )
    if problems:
        raise GigafactoryError(problems)


def _clean(v: Any) -> Any:
    return None if isinstance(v, float) and math.isnan(v) else v


def sensitivity(
    scenario: Annotated[str, typer.Argument(help="a preset name or a scenario YAML file")],
    method: Annotated[
        str, typer.Option("--method", help="sobol | morris | oat (one-at-a-time tornado)")
    ] = "oat",
    metric: Annotated[
        list[str] | None,
        typer.Option(
            "--metric",
            "-m",
            help="repeatable: it_gw_YYYY, goal_week, funding_gap, unfunded (oat: it_gw_2030 | goal_week)",
        ),
    ] = None,
    draws: Annotated[
        int,
        typer.Option(
            "--draws",
            min=2,
            help="Sobol': base samples N (a power of two; runs N·(groups+2) draws); Morris: "
            "trajectories; oat: not used (the tornado varies each input around the median draw)",
        ),
    ] = 512,
    seed: Annotated[
        int,
        typer.Option(
            "--seed", min=0, max=MAX_SEED, help="random seed (sobol, morris; oat has no draws)"
        ),
    ] = 0,
    workers: WorkersOpt = None,
    scheduler: SchedOpt = None,
    store: StoreOpt = None,
    top: Annotated[int, typer.Option("--top", min=1, help="rows to show")] = 15,
    html: Annotated[
        str | None, typer.Option("--html", help="also write the indices chart to this HTML file")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    wide: WideOpt = False,
) -> None:
    """Which inputs drive the answer: Sobol' indices, Morris screening or a one-at-a-time tornado.

    Sobol' indices come with 95 % intervals; derived inputs are grouped so nothing counts twice.
    """
    from ..catalog import load_catalog
    from ..scenario import load_scenario

    _check_method(method, workers, scheduler)
    if method == "oat":
        return _oat(scenario, (metric or ["it_gw_2030"])[0], top, as_json, wide)
    from ..results.store import RunStore
    from ..results.sweeps import SweepStore
    from .metrics import check_metrics
    from .sensitivity import morris, row_count, sobol

    metrics = metric or DEFAULT_METRICS
    check_metrics(metrics)
    if method == "sobol" and (draws & (draws - 1)):
        raise GigafactoryError(
            [
                Problem(
                    "<command line>",
                    None,
                    "--draws",
                    f"Sobol' needs a power of two; got {draws} (try {1 << (draws.bit_length() - 1)} or {1 << draws.bit_length()})",
                )
            ]
        )
    cat = load_catalog()
    sc = load_scenario(scenario, cat)
    fn = sobol if method == "sobol" else morris
    with _bar(as_json) as bar:
        task = bar.add_task(f"{method} draws", total=row_count(sc, cat, draws, method, metrics))

        def go(client: Any) -> dict[str, Any]:
            return fn(
                sc,
                cat,
                draws,
                metrics,
                seed,
                client=client,
                progress=lambda k: bar.advance(task, k),
            )

        if workers is None and scheduler is None:
            tables = go(None)
        else:
            from .run import connect

            with connect(workers, scheduler) as client:
                tables = go(client)
    aid = SweepStore(RunStore(store)).save_indices(sc.name, method, draws, tables)
    if html:
        from ..report.sweep_charts import chart_indices, write_html

        kind = "base samples" if method == "sobol" else "trajectories"
        sub = f"{sc.name} — {method}, {draws:,} {kind}"
        figure = chart_indices(tables, top, subtitle=sub, catalog=cat)
        write_html(html, f"{sc.name}: {method} sensitivity", [figure])
    cols = (
        ["input", "S1", "S1_conf", "ST", "ST_conf"]
        if method == "sobol"
        else ["input", "mu_star", "mu_star_conf", "sigma"]
    )
    if as_json:
        typer.echo(
            json.dumps(
                {
                    m: [{k: _clean(v) for k, v in r.items()} for r in df[cols].to_dict("records")]
                    for m, df in tables.items()
                },
                indent=2,
            )
        )
        return
    out = out_console(wide)
    kind = "base samples" if method == "sobol" else "trajectories"
    for m, df in tables.items():
        rows = [
            [
                plain(label_of(str(r[0]), cat)),
                *(f"{v:.3f}" if not math.isnan(v) else "–" for v in r[1 : len(cols)]),
            ]
            for r in df.head(top).itertuples(index=False)
        ]
        heads = [Col("input", "wrap"), *(Col(c, "id", right=True) for c in cols[1:])]
        title = f"{plain(sc.name)}: {method} on {plain(label_of(m))} — {draws:,} {kind}"
        out.print(fit_table(title, heads, rows, wide=wide))
    out.print(f"indices stored as analysis {aid}")


def _oat(scenario: str, metric: str, top: int, as_json: bool, wide: bool = False) -> None:
    """The one-at-a-time tornado (``gigafactory.sensitivity``)."""
    from ..catalog import load_catalog
    from ..scenario import load_scenario
    from ..sensitivity import METRICS, candidate_count, tornado

    if metric not in METRICS:
        raise GigafactoryError(
            [
                Problem(
                    "<command line>",
                    None,
                    "--metric",
                    f"unknown metric '{metric}' for oat{did_you_mean(metric, METRICS)}; allowed: {allowed_list(METRICS)}",
                )
            ]
        )
    cat = load_catalog()
    sc = load_scenario(scenario, cat)
    with _bar(as_json) as bar:
        task = bar.add_task("varying inputs", total=candidate_count(sc, cat))
        base, df = tornado(sc, cat, metric, progress=lambda k: bar.advance(task, k))
    if as_json:
        typer.echo(
            json.dumps(
                {"metric": metric, "base": base, "rows": df.head(top).to_dict("records")}, indent=2
            )
        )
        return
    rows = [
        [
            plain(label_of(str(r.path), cat)),
            plain(f"{r.low:.3g} → {r.high:.3g} {r.unit}"),
            f"{r.at_low:.3g}",
            f"{r.at_high:.3g}",
            f"{r.swing:.3g}",
        ]
        for r in df.head(top).itertuples(index=False)
    ]
    cols = [
        Col("input", "wrap"),
        Col("low → high", "wrap", right=True, drop=1),
        Col("metric at low", "id", right=True),
        Col("metric at high", "id", right=True),
        Col("swing", "id", right=True),
    ]
    title = (
        f"{plain(sc.name)}: {plain(METRICS[metric])} — median case {base:.3g}; "
        "each input at its low and high bound"
    )
    out_console(wide).print(fit_table(title, cols, rows, wide=wide))


def sweep(
    file: Annotated[str, typer.Argument(help="a scenario YAML file with a `sweep:` section")],
    workers: WorkersOpt = None,
    scheduler: SchedOpt = None,
    store: StoreOpt = None,
    draws: Annotated[
        int | None, typer.Option("--draws", min=1, help="draws per point (default: the scenario's)")
    ] = None,
    finance: Annotated[
        bool, typer.Option("--finance/--no-finance", help="run the finance pass on every batch")
    ] = True,
) -> None:
    """Run every point of a grid or Latin-hypercube sweep as a full Monte Carlo run on dask.

    Each point is stored as a run as soon as it completes.  The last word printed is the sweep id.
    """
    from ..catalog import load_catalog
    from ..results.store import RunStore
    from ..results.sweeps import SweepStore
    from .run import batch_sizes, connect, run_sweep
    from .spec import load_sweep

    _check_method("sobol", workers, scheduler)
    cat = load_catalog()
    spec = load_sweep(file, cat)
    ss = SweepStore(RunStore(store))
    total = sum(sum(batch_sizes(int(draws or sc.draws))) for sc in spec.scenarios)
    state: dict[str, Any] = {"id": None, "stored": 0}
    with connect(workers, scheduler) as client:
        err.print(
            f"{len(spec.points)} points on {len(client.scheduler_info().get('workers', {}))} workers ({client.scheduler_info().get('address', '?')})"
        )
        with _bar() as bar:
            task = bar.add_task("draws", total=total)

            def stored(i: int, run_id: str) -> None:
                state["stored"] += 1
                bar.console.print(f"point {i} {spec.points[i]} → run {run_id}")

            try:
                state["id"] = run_sweep(
                    spec,
                    cat,
                    ss,
                    client,
                    draws=draws,
                    finance=finance,
                    progress=lambda k: bar.advance(task, k),
                    on_point=stored,
                )
            except KeyboardInterrupt:
                err.print(
                    f"interrupted: {state['stored']} of {len(spec.points)} points are stored (`gigafactory runs sweep` lists them); the rest were cancelled"
                )
                raise typer.Exit(130) from None
    out_console().print(f"{len(spec.points)} points stored; sweep {state['id']}")


def runs_sweep(
    sweep_id: Annotated[str, typer.Argument(help="a sweep id (printed by `gigafactory sweep`)")],
    store: StoreOpt = None,
    metric: Annotated[
        str, typer.Option("--metric", help="summary path shown and drawn")
    ] = "years.2030.it_gw_online.p50",
    html: Annotated[
        str | None,
        typer.Option(
            "--html", help="write a heatmap of --metric over the first two swept parameters"
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    wide: WideOpt = False,
) -> None:
    """Summarise a sweep: one row per stored point with its parameters and a metric."""
    from ..report.sweep_charts import chart_heatmap, sweep_frame, write_html
    from ..results.store import RunStore
    from ..results.sweeps import SweepStore

    sw = SweepStore(RunStore(store)).sweep(sweep_id)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "sweep_id": sweep_id,
                    "n_points": sw["n_points"],
                    "points": [
                        {k: p[k] for k in ("run_id", "params", "summary")} for p in sw["points"]
                    ],
                }
            )
        )
        return
    params = sw["spec"]["params"]
    if html and len(params) < 2:  # before anything is printed or written
        raise GigafactoryError(
            [
                Problem(
                    "<command line>",
                    None,
                    "--html",
                    f"a heatmap needs a sweep over at least two parameters; sweep {sweep_id} "
                    f"varies {len(params)} ({', '.join(params)})",
                )
            ]
        )
    df = sweep_frame(sw["points"], metric)
    cat = None
    if any(k.startswith(("tiers.", "buyers.")) for k in params):  # their labels name the tier
        from ..catalog import load_catalog

        cat = load_catalog()
    unit = unit_of(metric)
    rows = [
        [str(p["point"]), p["run_id"], *(f"{r[k]:.4g}" for k in params), fmt(r[metric], unit)]
        for p, (_, r) in zip(sw["points"], df.iterrows(), strict=True)
    ]
    cols = [
        Col("point", "id", right=True),
        Col("run", "id"),
        *(Col(plain(label_of(k, cat)), "id", right=True, drop=1) for k in params),
        Col(plain(label_of(metric)), "id", right=True),
    ]
    title = (
        f"sweep {sweep_id} of {plain(sw['scenario'])}: "
        f"{len(sw['points'])} of {sw['n_points']} points stored"
    )
    out = out_console(wide)
    out.print(fit_table(title, cols, rows, wide=wide))
    if html:
        draws = sorted({p["summary"].get("draws") for p in sw["points"]} - {None})
        each = f", {'/'.join(f'{d:,}' for d in draws)} draws each" if draws else ""
        sub = f"{sw['scenario']} — sweep {sweep_id}: {len(sw['points'])} points{each}"
        figure = chart_heatmap(df, params[0], params[1], metric, subtitle=sub, catalog=cat)
        write_html(html, f"sweep {sweep_id} of {sw['scenario']}", [figure])
        out.print(f"heatmap written to {html}")


def register(app: typer.Typer) -> None:
    """Add ``sensitivity``, ``sweep`` and ``runs sweep`` to the main app (after ``runs``)."""
    from ..cli.runs import runs_app

    app.command("sensitivity")(sensitivity)
    app.command("sweep")(sweep)
    runs_app.command("sweep")(runs_sweep)
