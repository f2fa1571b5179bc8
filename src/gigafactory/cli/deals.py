"""``deals``: the deal web with each deal's status as of a date."""

from __future__ import annotations

import json
from typing import Any

import typer

from ..labels import fmt
from ..tables import Col, WideOpt, fit_table, out_console
from ..text import plain
from . import app


@app.command("deals")
def deals(
    as_of: str = typer.Option(
        "2026-11-01", "--as-of", help="show statuses as recorded on this date"
    ),
    as_json: bool = typer.Option(False, "--json", help="print JSON records instead of a table"),
    wide: WideOpt = False,
    coverage: bool = typer.Option(
        False,
        "--coverage",
        help="what each deal and partner drives in the model (from a small real run); "
        "flags orphans (exit 1 when any)",
    ),
    scenario: str = typer.Option(
        "announced", "--scenario", help="with --coverage: the buyer-scope scenario to run"
    ),
    draws: int = typer.Option(50, "--draws", min=10, max=2000, help="with --coverage: draws"),
) -> None:
    """The deal web with each deal's status as of a date, and its source."""
    from ..catalog import load_catalog
    from ..finance.deals import deal_table

    if coverage:
        _coverage(scenario, draws, as_json, wide)
        return
    df = deal_table(load_catalog(), as_of)
    if as_json:
        typer.echo(json.dumps(json.loads(df.to_json(orient="records")), indent=2))
        return
    rows = []
    for rec in df.to_dict("records"):
        r = _Row(rec)
        status = str(r.status) if r.status else "not yet announced"
        if r.replaced_by:
            status += f" → {r.replaced_by}"
        rows.append(
            [
                plain(r.deal),
                plain(r.kind),
                plain(f"{r.payer} → {r.payee}"),
                _num(r.gw, "GW"),
                _num(r.usd_b, "$B"),
                plain(status),
                plain(r.status_date or ""),
                plain(r.source if wide else _hosts(str(r.source))),
            ]
        )
    cols = [
        Col("deal", "id"),
        Col("kind", "text", drop=4),
        Col("payer → payee", "text", drop=1),
        Col("GW", "id", right=True),
        Col("$B", "id", right=True),
        Col("status", "text"),
        Col("since", "id", drop=3),
        Col("source", "text", drop=2),
    ]
    out_console(wide).print(fit_table(f"Deals as of {plain(as_of)}", cols, rows, wide=wide))


def _coverage(ref: str, draws: int, as_json: bool, wide: bool) -> None:
    """Print what each deal and partner drives; exit 1 when one drives nothing."""
    from ..catalog import load_catalog
    from ..coverage import coverage, orphans
    from ..errors import GigafactoryError
    from ..scenario import load_scenario

    cat = load_catalog()
    sc = load_scenario(ref, cat)
    if sc.scope.kind != "buyer":
        raise GigafactoryError(
            f"--scenario {ref}: coverage needs a buyer scope (the deal web is a buyer's); "
            "try --scenario announced"
        )
    entries = coverage(sc, cat, draws)
    bad = orphans(entries)
    if as_json:
        typer.echo(json.dumps([e.record() for e in entries], indent=2))
    else:
        _print_coverage(entries, f"{plain(sc.name)}, as of {sc.as_of}", wide, str(sc.as_of))
        typer.echo(
            "orphans (drive nothing): " + (", ".join(f"{e.kind} {e.id}" for e in bad) or "none")
        )
        for e in entries:
            for gap in e.gaps:
                typer.echo(f"partial: {e.kind} {e.id} {gap}")
    if bad:
        raise typer.Exit(1)


def _print_coverage(entries: list[Any], title: str, wide: bool, as_of: str = "") -> None:
    """One block per deal or partner: its id and status, then one line per role it drives.

    A deal not alive on ``as_of`` (superseded, cancelled) says that what follows is what it
    drove while alive, so a superseded letter's orders are not read as today's.

    A list rather than a nine-column table, so ids stay whole at 80 columns; long lines wrap at
    spaces under their role (``--wide`` leaves them unwrapped).
    """
    import shutil
    import textwrap

    from ..coverage import ROLES

    width = None if wide else min(shutil.get_terminal_size((80, 24)).columns, 100)
    typer.echo(f"What each deal and partner drives ({title})")
    for e in entries:
        mark = "ORPHAN " if e.orphan else ""
        when = (
            f"{e.status} on {as_of}; while alive, in a run as of {e.judged_as_of}, it drove:"
            if as_of and e.judged_as_of != as_of
            else e.status
        )
        typer.echo(f"\n{mark}{e.kind} {e.id} — {when}")
        for role in ROLES:
            whats = e.drives.get(role, [])
            if not whats:
                continue
            text = "; ".join(_cell(e.kind, whats).splitlines())
            head = f"  {role:<11}"
            if width is None:
                typer.echo(head + text)
            else:
                typer.echo(
                    textwrap.fill(
                        text,
                        width=width,
                        initial_indent=head,
                        subsequent_indent=" " * len(head),
                        break_long_words=False,
                        break_on_hyphens=False,
                    )
                )


def _cell(kind: str, whats: list[str]) -> str:
    """A table cell: a deal's lines in full; a partner's as its deals (``id ×lines``)."""
    if kind == "deal":
        return "\n".join(whats)
    counts: dict[str, int] = {}
    for w in whats:
        key = w.split(": ", 1)[0]
        counts[key] = counts.get(key, 0) + 1
    return "\n".join(k if n == 1 else f"{k} ×{n}" for k, n in counts.items())


class _Row:
    """Attribute access to one deal-table record (values are str, float or None)."""

    def __init__(self, rec: dict[Any, Any]) -> None:
        self._rec = rec

    def __getattr__(self, name: str) -> Any:
        v = self._rec[name]
        return None if v is None or (isinstance(v, float) and v != v) else v


def _hosts(source: str) -> str:
    """``https://www.nasdaq.com/articles/…`` → ``nasdaq.com`` (each of ``a ; b``); ``--wide`` shows the URLs."""
    from urllib.parse import urlparse

    hosts = [
        urlparse(s.strip()).netloc.removeprefix("www.") or s.strip() for s in source.split(";")
    ]
    return ", ".join(dict.fromkeys(hosts))


def _num(x: Any, unit: str) -> str:
    return "" if x is None else fmt(float(x), unit)
