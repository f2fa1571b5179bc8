"""``deals``: the deal web with each deal's status as of a date."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from . import app


@app.command("deals")
def deals(
    as_of: str = typer.Option(
        "2026-11-01", "--as-of", help="show statuses as recorded on this date"
    ),
    as_json: bool = typer.Option(False, "--json", help="print JSON records instead of a table"),
) -> None:
    """The deal web with each deal's status as of a date, and its source."""
    from ..catalog import load_catalog
    from ..finance.deals import deal_table

    df = deal_table(load_catalog(), as_of)
    if as_json:
        typer.echo(json.dumps(json.loads(df.to_json(orient="records")), indent=2))
        return
    t = Table(title=f"Deals as of {as_of}")
    for c in ("deal", "kind", "payer → payee", "GW", "$B", "status", "since", "source"):
        t.add_column(c, justify="right" if c in ("GW", "$B") else "left", overflow="fold")
    for rec in df.to_dict("records"):
        r = _Row(rec)
        status = str(r.status) if r.status else "not yet announced"
        if r.replaced_by:
            status += f" → {r.replaced_by}"
        t.add_row(
            str(r.deal),
            str(r.kind),
            f"{r.payer} → {r.payee}",
            _num(r.gw),
            _num(r.usd_b),
            status,
            str(r.status_date or ""),
            str(r.source),
        )
    Console().print(t)


class _Row:
    """Attribute access to one deal-table record (values are str, float or None)."""

    def __init__(self, rec: dict[Any, Any]) -> None:
        self._rec = rec

    def __getattr__(self, name: str) -> Any:
        v = self._rec[name]
        return None if v is None or (isinstance(v, float) and v != v) else v


def _num(x: Any) -> str:
    return "" if x is None else f"{float(x):g}"
