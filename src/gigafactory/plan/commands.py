"""``gigafactory plan``: solve the build plan of a scenario and explain what binds.

``register(app)`` adds the command to the main Typer app.  User mistakes raise
``GigafactoryError``, which the main entry point prints without a traceback (exit status 2).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from ..errors import GigafactoryError, did_you_mean
from .settings import PlanSettings

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


def yearly_schedule(schedule: Any, sim: Any | None = None) -> pd.DataFrame:
    """Per calendar year: IT and facility GW online at year end, facility GW added in the
    year and per week on average, and the simulator's IT GW online for the same inputs."""
    weeks = pd.DatetimeIndex(schedule["week"].values)
    year = (weeks + pd.Timedelta(days=3)).year
    df = pd.DataFrame(
        {
            "it_gw_online": schedule["it_gw_online"].values,
            "facility_gw_online": schedule["facility_gw_online"].values,
            "facility_gw_added": schedule["facility_gw_added"].values,
            "n_weeks": schedule["n_weeks"].values,
        },
        index=year,
    )
    g = df.groupby(level=0)
    out = g.last()[["it_gw_online", "facility_gw_online"]]
    out["facility_gw_added"] = g["facility_gw_added"].sum()
    out["gw_per_week"] = out["facility_gw_added"] / g["n_weeks"].sum()
    if sim is not None:
        sw = pd.DatetimeIndex(sim["week"].values)
        s = pd.Series(
            np.asarray(sim["it_gw_online"].isel(draw=0).values, dtype=float),
            index=(sw + pd.Timedelta(days=3)).year,
        )
        out["sim_it_gw_online"] = s.groupby(level=0).last().reindex(out.index)
    out.index.name = "year"
    return out


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
    out: Annotated[Path, typer.Option("--out", help="Folder to write plan.json into.")] = Path("."),
    store: Annotated[
        Path | None, typer.Option("--store", help="Run store (DuckDB file); default as for `run`.")
    ] = None,
    no_store: Annotated[
        bool, typer.Option("--no-store", help="Do not save the plan in the run store.")
    ] = False,
) -> None:
    """Plan the build as a linear programme and rank the bottlenecks by shadow price."""
    from .. import compile_inputs, load_catalog, load_scenario, simulate
    from .bottlenecks import bottlenecks
    from .solve import solve_plan

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
    out.mkdir(parents=True, exist_ok=True)
    path = out / "plan.json"
    path.write_text(json.dumps(doc, indent=2) + "\n")
    if as_json:
        typer.echo(json.dumps(doc, indent=2))
        return
    _print(doc, yearly, by_y, path)


def _records(df: pd.DataFrame, cols: list[str]) -> list[dict[str, Any]]:
    out = []
    for row in df[cols].itertuples(index=False):
        rec = {}
        for c, v in zip(cols, row, strict=True):
            if isinstance(v, np.integer | np.floating):
                v = v.item()
            rec[c] = None if v is pd.NA or (isinstance(v, float) and not np.isfinite(v)) else v
        out.append(rec)
    return out


def plan_json(
    result: Any, yearly: pd.DataFrame, by_q: pd.DataFrame, by_y: pd.DataFrame, *, scenario: str
) -> dict[str, Any]:
    """The plan.json document (see docs/interfaces.md)."""
    cols = [
        "constraint",
        "period",
        "shadow_price",
        "unit",
        "tier",
        "value_per_gw",
        "rank",
        "sim_binding_weeks",
        "at_penalty",
    ]
    return {
        "scenario": scenario,
        "objective": result.settings.objective,
        "step": result.settings.step,
        "draw": None if result.settings.draw is None else result.data.draw,
        "status": result.termination,
        "objective_value": result.objective,
        "objective_unit": (
            "discounted IT GW-weeks" if result.settings.objective == "max-gw" else "discounted $B"
        ),
        "model": {
            "variables": int(result.model.nvars),
            "constraints": int(result.model.ncons),
            "build_s": round(result.build_s, 3),
            "solve_s": round(result.solve_s, 3),
        },
        "it_gw_online": {str(y): float(v) for y, v in yearly["it_gw_online"].items()},
        "facility_gw_online": {str(y): float(v) for y, v in yearly["facility_gw_online"].items()},
        "gw_per_week": {str(y): float(v) for y, v in yearly["gw_per_week"].items()},
        "sim_it_gw_online": (
            {str(y): float(v) for y, v in yearly["sim_it_gw_online"].items()}
            if "sim_it_gw_online" in yearly
            else None
        ),
        "bottlenecks": _records(by_q, cols),
        "bottlenecks_by_year": _records(by_y, cols),
        "violations": _records(result.violations, list(result.violations.columns)),
    }


def _print(doc: dict[str, Any], yearly: pd.DataFrame, by_y: pd.DataFrame, path: Path) -> None:
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
            str(r["constraint"]),
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
                    str(r[c]) if not isinstance(r[c], float) else f"{r[c]:.4g}"
                    for c in ("constraint", "period", "item", "amount", "unit")
                )
            )
        con.print(v)
    con.print(f"wrote {path}")


def register(app: typer.Typer) -> None:
    """Add ``plan`` to the main CLI app."""
    app.command("plan")(plan_command)
