"""``gigafactory plan``: solve the build plan of a scenario and explain what binds.

User mistakes raise ``GigafactoryError``, which the main entry point prints without a
traceback (exit status 2).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ..errors import GigafactoryError, did_you_mean
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
    store: Annotated[
        Path | None, typer.Option("--store", help="Run store (DuckDB file); default as for `run`.")
    ] = None,
    no_store: Annotated[
        bool, typer.Option("--no-store", help="Do not save the plan in the run store.")
    ] = False,
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
    settings = PlanSettings.model_validate({**base.model_dump(), **update})
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
        out.mkdir(parents=True, exist_ok=True)
        path = out / "plan.json"
        path.write_text(json.dumps(doc, indent=2) + "\n")
    if as_json:
        typer.echo(json.dumps(doc, indent=2))
        return
    _print(doc, yearly, by_y, path)


def _print(
    doc: dict[str, Any], yearly: pd.DataFrame, by_y: pd.DataFrame, path: Path | None
) -> None:
    import numpy as np
    import pandas as pd
    from rich.markup import escape

    con = Console()
    con.print(
        f"[bold]{doc['scenario']}[/] — objective {doc['objective']}, step {doc['step']}, "
        f"status {doc['status']}, {doc['model']['variables']:,} variables, "
        f"{doc['model']['constraints']:,} constraints, "
        f"{doc['model']['build_s'] + doc['model']['solve_s']:.1f} s"
    )
    t = Table(title="Plan by year (end of year)")
    for c in ("year", "IT GW online", "facility GW online", "facility GW/week", "sim IT GW online"):
        t.add_column(c, justify="right")
    for y, r in yearly.iterrows():
        sim = r.get("sim_it_gw_online", np.nan)
        t.add_row(
            str(y),
            f"{r['it_gw_online']:.1f}",
            f"{r['facility_gw_online']:.1f}",
            f"{r['gw_per_week']:.2f}",
            "" if not np.isfinite(sim) else f"{sim:.1f}",
        )
    con.print(t)
    gain = "GW-weeks gained" if doc["objective"] == "max-gw" else "$B saved"
    b = Table(
        title=f"Top {TOP_PER_YEAR} bottlenecks per year, ranked by value per IT GW "
        f"(shadow price = {gain} per unit)"
    )
    for c in ("year", "constraint", "shadow price", "per", "sim weeks binding"):
        b.add_column(c, no_wrap=c != "per")
    for _, r in by_y[by_y["rank"] <= TOP_PER_YEAR].iterrows():
        sbw = r["sim_binding_weeks"]
        b.add_row(
            str(r["period"]),
            escape(str(r["constraint"])),  # cap-transformers[onsite] is not markup
            f"{r['shadow_price']:.4g}",
            str(r["unit"]).split(" per ", 1)[-1],
            "" if sbw is pd.NA else str(sbw),
        )
    con.print(b)
    if doc["violations"]:
        v = Table(title="Limits the plan had to violate (elastic slack)")
        for c in ("constraint", "period", "item", "amount", "unit"):
            v.add_column(c)
        for r in doc["violations"]:
            v.add_row(
                *(
                    escape(str(r[c])) if not isinstance(r[c], float) else f"{r[c]:.4g}"
                    for c in ("constraint", "period", "item", "amount", "unit")
                )
            )
        con.print(v)
    if path is not None:
        con.print(f"wrote {path}")
