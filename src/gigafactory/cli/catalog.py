"""``catalog list|show|sources``: browse the sourced catalog."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

import typer

from ..errors import GigafactoryError, Problem, allowed_list, did_you_mean
from ..tables import Col, WideOpt, fit_table, out_console
from ..text import plain
from . import app

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
    wide: WideOpt = False,
) -> None:
    """List catalog entries by section (or every section with its size)."""
    cat = load_catalog()
    sections = {name: getattr(cat, name) for name in type(cat).model_fields}
    con = out_console(wide)
    if section is None:
        rows = [
            [name, str(len(items)), plain(", ".join(items))] for name, items in sections.items()
        ]
        cols = [Col("section", "id"), Col("entries", "id", right=True), Col("ids", "wrap")]
        con.print(fit_table("Catalog sections", cols, rows, wide=wide))
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

    rows = [
        [
            plain(k),
            plain(getattr(v, "name", getattr(v, "description", ""))),
            str(sum(1 for _ in iter_facts(v))),
        ]
        for k, v in items.items()
    ]
    cols = [Col("id", "id"), Col("name", "text"), Col("facts", "id", right=True)]
    con.print(fit_table(f"catalog: {plain(section)}", cols, rows, wide=wide))


@catalog_app.command("show")
def catalog_show(
    item: str = typer.Argument(
        ..., help="an id (GB200, cowos, abilene, amd_6gw; any case) or a dotted path"
    ),
    wide: WideOpt = False,
) -> None:
    """Every sourced number of one catalog item."""
    cat = load_catalog()
    sections = {name: getattr(cat, name) for name in type(cat).model_fields}
    prefix = _resolve(item, sections)
    rows = [(p, f) for p, f in _fact_rows() if p == prefix or p.startswith(prefix + ".")]
    if not rows:
        ids = {k.lower(): k for items in sections.values() for k in items}
        hint = did_you_mean(item.lower(), ids)  # in any case: 'gb20' → 'GB200'
        for low, k in ids.items():
            hint = hint.replace(f"'{low}'", f"'{k}'")
        raise GigafactoryError(
            [
                Problem(
                    "<command line>",
                    None,
                    "item",
                    f"no catalog item '{item}'{hint}; see `gigafactory catalog list`",
                )
            ]
        )
    cells = []
    for p, f in rows:
        rng = f"{f.low:g}–{f.high:g}" if f.low is not None else ""
        cells.append(
            [
                plain(p[len(prefix) + 1 :] or p),
                f"{f.value:g}" if isinstance(f.value, float) else plain(f.value),
                plain(getattr(f, "unit", "date")),
                rng,
                plain(f.as_of),
                plain(f.conf),
                plain(f.source),
            ]
        )
    cols = [
        Col("key", "id"),
        Col("value", "id", right=True),
        Col("unit", "text"),
        Col("range", "id", right=True, drop=2),
        Col("as of", "id", drop=3),
        Col("grade", "id", drop=1),
        Col("source", "text"),
    ]
    out_console(wide).print(fit_table(plain(prefix), cols, cells, wide=wide))


def _resolve(item: str, sections: dict[str, Any]) -> str:
    """The dotted path ``item`` names: an id or ``section.id`` (exact first, then in any case),
    optionally followed by ``.key`` into the item (``gb200.tdp_w`` → ``accelerators.GB200.tdp_w``)."""
    paths = {f"{s}.{k}": k for s, items in sections.items() for k in items}
    exact = [p for p, k in paths.items() if item in (k, p)]
    if exact:
        return exact[0]
    low = item.lower()
    for p, k in paths.items():
        for lead in (p, k):
            if low == lead.lower():
                return p
            if low.startswith(lead.lower() + "."):
                return p + item[len(lead) :]
    return item


@catalog_app.command("sources")
def catalog_sources(
    as_json: bool = typer.Option(False, "--json"),
    weak: bool = typer.Option(False, "--weak", help="list facts that lean on weak sources"),
    wide: WideOpt = False,
) -> None:
    """Every source the catalog cites, with how many facts cite it and their grades."""
    if weak:
        _print_weak(as_json, wide)
        return
    counts: dict[str, dict[str, int]] = {}
    for _, f in _fact_rows():
        for src in f.source.split(" ; "):
            counts.setdefault(src.strip(), {}).setdefault(f.conf, 0)
            counts[src.strip()][f.conf] += 1
    if as_json:
        typer.echo(json.dumps(counts, indent=2))
        return
    rows = [
        [plain(src), str(sum(g.values())), ", ".join(f"{k}:{v}" for k, v in sorted(g.items()))]
        for src, g in sorted(counts.items(), key=lambda kv: -sum(kv[1].values()))
    ]
    cols = [Col("source", "text"), Col("facts", "id", right=True), Col("grades", "wrap")]
    out_console(wide).print(fit_table(f"{len(counts)} sources", cols, rows, wide=wide))


def _print_weak(as_json: bool, wide: bool) -> None:
    from ..catalog.provenance import weak_sources

    rows = weak_sources(load_catalog())
    if as_json:
        typer.echo(json.dumps([asdict(r) for r in rows], indent=2, ensure_ascii=False))
        return
    cells = [
        [
            plain(r.key),
            f"{r.value:g}" if isinstance(r.value, float) else plain(r.value),
            plain(r.unit),
            plain(r.conf),
            plain(r.source),
        ]
        for r in rows
    ]
    cols = [
        Col("key", "text"),
        Col("value", "id", right=True),
        Col("unit", "text", drop=1),
        Col("grade", "id", drop=2),
        Col("source", "text"),
    ]
    title = (
        f"{len(rows)} facts lean on weak sources (grade C/estimate/unverified or aggregators only)"
    )
    out_console(wide).print(fit_table(title, cols, cells, wide=wide))
