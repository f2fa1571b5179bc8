"""CLI commands of the finance model (registered on the main Typer app)."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from ..catalog import load_catalog
from .deals import deal_table


def register(app: typer.Typer) -> None:
    """Add ``deals`` to the app."""

    @app.command("deals")
    def deals(
        as_of: str = typer.Option("2026-11-01", "--as-of", help="show statuses as recorded on this date"),
        as_json: bool = typer.Option(False, "--json", help="print JSON records instead of a table"),
    ) -> None:
        """The deal web with each deal's status as of a date, and its source."""
        df = deal_table(load_catalog(), as_of)
        if as_json:
            typer.echo(json.dumps(json.loads(df.to_json(orient="records")), indent=2))
            return
        t = Table(title=f"Deals as of {as_of}")
        for c in ("deal", "kind", "payer → payee", "GW", "$B", "status", "since", "source"):
            t.add_column(c, justify="right" if c in ("GW", "$B") else "left", overflow="fold")
        for r in df.itertuples(index=False):
            status = r.status or "not yet announced"
            if r.replaced_by:
                status += f" → {r.replaced_by}"
            t.add_row(r.deal, r.kind, f"{r.payer} → {r.payee}", _num(r.gw), _num(r.usd_b), status,
                      r.status_date or "", r.source)
        Console().print(t)


def _num(x: float | None) -> str:
    return "" if x is None or x != x else f"{x:g}"
