"""``catalog list|show|sources``: browse the sourced catalog."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

import typer
from rich.table import Table

from ..errors import GigafactoryError, Problem, allowed_list, did_you_mean
from ..text import plain
from . import app, console

catalog_app = typer.Typer(no_args_is_help=True, help="Browse the sourced catalog.")
app.add_typer(catalog_app, name="catalog")


def load_catalog() -> Any:
    """The catalog (imported on first use: ``--help`` loads none of the model)."""
    from ..catalog import load_catalog as load

    return load()


def _fact_rows(prefix: str = "") -> list[tuple[str, Any]]:
    from ..catalog.schema import iter_facts

    return [(p, f) for p, f in iter_facts(load_catalog()) if p.startswith(prefix)]


@catalog_app.command("list")
def catalog_list(
    section: str | None = typer.Argument(
        None, help="accelerators, racks, tiers, sites, companies, deals, …"
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List catalog entries by section (or every section with its size)."""
    cat = load_catalog()
    sections = {name: getattr(cat, name) for name in type(cat).model_fields}
    if section is None:
        t = Table(title="Catalog sections")
        t.add_column("section")
        t.add_column("entries", justify="right")
        t.add_column("ids", overflow="fold")
        for name, items in sections.items():
            t.add_row(name, str(len(items)), ", ".join(items))
        console.print(t)
        return
    if section not in sections:
        raise GigafactoryError(
            [
                Problem(
                    "<command line>",
                    None,
                    "section",
                    f"unknown section '{section}'{did_you_mean(section, sections)}; allowed: {allowed_list(sections)}",
                )
            ]
        )
    items = sections[section]
    if as_json:
        typer.echo(json.dumps({k: v.model_dump(mode="json") for k, v in items.items()}, indent=2))
        return
    from ..catalog.schema import iter_facts

    t = Table(title=f"catalog: {plain(section)}")
    t.add_column("id")
    t.add_column("name", overflow="fold")
    t.add_column("facts", justify="right")
    for k, v in items.items():
        t.add_row(
            k,
            str(getattr(v, "name", getattr(v, "description", ""))),
            str(sum(1 for _ in iter_facts(v))),
        )
    console.print(t)


@catalog_app.command("show")
def catalog_show(
    item: str = typer.Argument(..., help="an id (GB200, cowos, abilene, amd_6gw) or a dotted path"),
) -> None:
    """Every sourced number of one catalog item."""
    cat = load_catalog()
    sections = {name: getattr(cat, name) for name in type(cat).model_fields}
    matches = [
        f"{s}.{k}"
        for s, items in sections.items()
        for k in items
        if k == item or f"{s}.{k}" == item
    ]
    prefix = matches[0] if matches else item
    rows = [(p, f) for p, f in _fact_rows() if p == prefix or p.startswith(prefix + ".")]
    if not rows:
        ids = [k for items in sections.values() for k in items]
        raise GigafactoryError(
            [
                Problem(
                    "<command line>",
                    None,
                    "item",
                    f"no catalog item '{item}'{did_you_mean(item, ids)}; see `gigafactory catalog list`",
                )
            ]
        )
    t = Table(title=plain(prefix))
    for c in ("key", "value", "unit", "range", "as of", "conf", "source"):
        t.add_column(c, overflow="fold")
    for p, f in rows:
        rng = f"{f.low}–{f.high}" if f.low is not None else ""
        unit = getattr(f, "unit", "date")
        t.add_row(
            p[len(prefix) + 1 :] or p,
            f"{f.value:g}" if isinstance(f.value, float) else str(f.value),
            unit,
            rng,
            f.as_of,
            f.conf,
            f.source,
        )
    console.print(t)


@catalog_app.command("sources")
def catalog_sources(
    as_json: bool = typer.Option(False, "--json"),
    weak: bool = typer.Option(False, "--weak", help="list facts that lean on weak sources"),
) -> None:
    """Every source the catalog cites, with how many facts cite it and their grades."""
    if weak:
        _print_weak(as_json)
        return
    counts: dict[str, dict[str, int]] = {}
    for _, f in _fact_rows():
        for src in f.source.split(" ; "):
            counts.setdefault(src.strip(), {}).setdefault(f.conf, 0)
            counts[src.strip()][f.conf] += 1
    if as_json:
        typer.echo(json.dumps(counts, indent=2))
        return
    t = Table(title=f"{len(counts)} sources")
    t.add_column("source", overflow="fold")
    t.add_column("facts", justify="right")
    t.add_column("grades")
    for src, g in sorted(counts.items(), key=lambda kv: -sum(kv[1].values())):
        t.add_row(src, str(sum(g.values())), ", ".join(f"{k}:{v}" for k, v in sorted(g.items())))
    console.print(t)


def _print_weak(as_json: bool) -> None:
    from ..catalog.provenance import weak_sources

    rows = weak_sources(load_catalog())
    if as_json:
        typer.echo(json.dumps([asdict(r) for r in rows], indent=2, ensure_ascii=False))
        return
    t = Table(
        title=f"{len(rows)} facts lean on weak sources (grade C/estimate/unverified or aggregators only)"
    )
    for c in ("key", "value", "unit", "grade", "source"):
        t.add_column(c, overflow="fold")
    for r in rows:
        value = f"{r.value:g}" if isinstance(r.value, float) else r.value
        t.add_row(r.key, value, r.unit, r.conf, r.source)
    console.print(t)
