"""``gigafactory plan``: solve the build plan of a scenario and explain what binds.

User mistakes raise ``GigafactoryError``, which the main entry point prints without a
traceback (exit status 2).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import GigafactoryError, did_you_mean
from ..labels import fmt
from ..results.files import check_out_dir, write_file
from ..tables import Col, WideOpt, fit_table, out_console
from ..text import plain
from . import app

if TYPE_CHECKING:
    import pandas as pd

OBJECTIVES = ("max-gw", "target", "lexicographic")
STEPS = ("week", "month")
#: Bottlenecks shown per year in the table (all are written to plan.json).
TOP_PER_YEAR = 3


def _choice(flag: str, value: str | None, allowed: tuple[str, ...]) -> str | None:
    if value is None or value in allowed:
        return value
    raise GigafactoryError(
        f"{flag} '{value}' is not one of {', '.join(allowed)}{did_you_mean(value, allowed)}"
    )


@app.command("plan")
def plan_command(
    scenario: Annotated[str, typer.Argument(help="Preset name or scenario YAML file.")],
    objective: Annotated[
        str | None,
        typer.Option(
            help="max-gw | target | lexicographic (default: the scenario's plan.objective)."
        ),
    ] = None,
    step: Annotated[
        str | None, typer.Option(help="week | month (default: the scenario's plan.step).")
    ] = None,
    draw: Annotated[
        int | None, typer.Option(help="Plan this Monte Carlo draw instead of the median inputs.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print plan.json instead of tables.")
    ] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder to write plan.json into (none: no file).")
    ] = None,
    max_memory: Annotated[
        str | None, typer.Option("--max-memory", help="Memory budget, e.g. 8G (as for `run`).")
    ] = None,
    store: Annotated[
        Path | None, typer.Option("--store", help="Run store (DuckDB file); default as for `run`.")
    ] = None,
    no_store: Annotated[
        bool, typer.Option("--no-store", help="Do not save the plan in the run store.")
    ] = False,
    wide: WideOpt = False,
) -> None:
    """Plan the build as a linear programme and rank the bottlenecks by shadow price."""
    from .. import compile_inputs, load_catalog, load_scenario, simulate
    from ..plan.bottlenecks import bottlenecks
    from ..plan.output import plan_json, yearly_schedule
    from ..plan.settings import PlanSettings
    from ..plan.solve import solve_plan

    objective = _choice("--objective", objective, OBJECTIVES)
    step = _choice("--step", step, STEPS)
    cat = load_catalog()
    sc = load_scenario(scenario, cat)
    base: PlanSettings = getattr(sc, "plan", None) or PlanSettings()
    update = {
        k: v
        for k, v in {"objective": objective, "step": step, "draw": draw}.items()
        if v is not None
    }
    settings = _settings(base, update)
    if out is not None:
        check_out_dir(out, force=True)
    from .run import _check_memory

    n = 1 if settings.draw is None else settings.draw + 1
    _check_memory(sc, n, finance=False, outputs=False, max_memory=max_memory)
    if settings.draw is None:
        inp = compile_inputs(sc, cat, draws=1, median=True)
    else:
        inp = compile_inputs(sc, cat, draws=settings.draw + 1)
    result = solve_plan(inp, settings)
    sim = simulate(inp, vendor_detail=False)
    mw_tx = float(cat.tiers["transformers"].params["mw_per_unit"].value)
    by_q = bottlenecks(result, sim=sim, mw_per_transformer=mw_tx)
    by_y = bottlenecks(result, by="year", sim=sim, mw_per_transformer=mw_tx)
    yearly = yearly_schedule(result.schedule, sim.isel(draw=[result.data.draw]))
    doc = plan_json(result, yearly, by_q, by_y, scenario=getattr(sc, "name", scenario))
    if not no_store:
        from ..results.store import RunStore
        from ..scenario import resolved_yaml

        doc["run_id"] = RunStore(store).save_run(
            doc,
            scenario_yaml=resolved_yaml(sc),
            plan=result,
            kind="plan",
            scenario=sc.name,
            catalog=cat,
        )
    path = None
    if out is not None:
        path = write_file(out / "plan.json", json.dumps(doc, indent=2) + "\n", "--out")
    if as_json:
        typer.echo(json.dumps(doc, indent=2))
        return
    _print(doc, yearly, by_y, path, wide)


def _settings(base: Any, update: dict[str, Any]) -> Any:
    """The scenario's plan settings with the command-line options applied (checked)."""
    from pydantic import ValidationError

    from ..plan.settings import PlanSettings
    from ..validation import problems_from

    try:
        return PlanSettings.model_validate({**base.model_dump(), **update})
    except ValidationError as exc:
        raise GigafactoryError(
            problems_from(exc, PlanSettings, "<command line>", {}, prefix=("plan",))
        ) from None


def _print(
    doc: dict[str, Any],
    yearly: pd.DataFrame,
    by_y: pd.DataFrame,
    path: Path | None,
    wide: bool = False,
) -> None:
    import numpy as np
    import pandas as pd
    from rich.markup import escape

    con = out_console(wide)
    con.print(
        f"[bold]{plain(doc['scenario'])}[/] — objective {doc['objective']}, step {doc['step']}, "
        f"status {doc['status']}, {doc['model']['variables']:,} variables, "
        f"{doc['model']['constraints']:,} constraints, "
        f"{doc['model']['build_s'] + doc['model']['solve_s']:.1f} s"
    )
    rows = []
    for y, r in yearly.iterrows():
        sim = r.get("sim_it_gw_online", np.nan)
        rows.append(
            [
                str(y),
                fmt(r["it_gw_online"], "GW"),
                fmt(r["facility_gw_online"], "GW"),
                fmt(r["gw_per_week"], "GW/week"),
                "" if not np.isfinite(sim) else fmt(sim, "GW"),
            ]
        )
    heads = ("year", "IT GW online", "facility GW online", "facility GW/week", "sim IT GW online")
    cols = [Col(h, "id", right=True) for h in heads]
    con.print(fit_table("Plan by year (end of year)", cols, rows, wide=wide))
    gain = "GW-weeks gained" if doc["objective"] == "max-gw" else "$B saved"
    rows = []
    for _, r in by_y[by_y["rank"] <= TOP_PER_YEAR].iterrows():
        sbw = r["sim_binding_weeks"]
        rows.append(
            [
                str(r["period"]),
                escape(str(r["constraint"])),  # cap-transformers[onsite] is not markup
                f"{r['shadow_price']:.3g}",
                escape(str(r["unit"]).split(" per ", 1)[-1]),
                "" if sbw is pd.NA else str(sbw),
            ]
        )
    cols = [
        Col("year", "id"),
        Col("constraint", "id"),
        Col("shadow price", "id", right=True),
        Col("per", "wrap"),
        Col("sim weeks binding", "id", right=True, drop=1),
    ]
    title = (
        f"Top {TOP_PER_YEAR} bottlenecks per year, ranked by value per IT GW "
        f"(shadow price = {gain} per unit)"
    )
    con.print(fit_table(title, cols, rows, wide=wide))
    if doc["violations"]:
        heads = ("constraint", "period", "item", "amount", "unit")
        rows = [
            [escape(str(r[c])) if not isinstance(r[c], float) else f"{r[c]:.3g}" for c in heads]
            for r in doc["violations"]
        ]
        cols = [Col(h, "wrap" if h == "unit" else "id", right=h == "amount") for h in heads]
        title = "Limits the plan had to violate (elastic slack)"
        con.print(fit_table(title, cols, rows, wide=wide))
    if path is not None:
        con.print(f"wrote {plain(path)}")
