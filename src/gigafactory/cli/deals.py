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
) -> None:
    """The deal web with each deal's status as of a date, and its source."""
    from ..catalog import load_catalog
    from ..finance.deals import deal_table

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
