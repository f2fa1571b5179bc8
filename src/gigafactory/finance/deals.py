"""The deal table: each deal's terms and its status as recorded on a date."""

from __future__ import annotations

import pandas as pd

from ..catalog.schema import Catalog
from ..errors import GigafactoryError
from ..timegrid import parse_when

COLUMNS = [
    "deal",
    "kind",
    "payer",
    "payee",
    "gw",
    "usd_b",
    "status",
    "status_date",
    "replaced_by",
    "source",
]


def deal_table(catalog: Catalog, as_of: str) -> pd.DataFrame:
    """All deals with their status as of ``as_of`` (None = not yet announced).

    Columns: deal, kind, payer, payee, gw (IT GW), usd_b ($B), status, status_date,
    replaced_by, source (of the latest status).

    Raises
    ------
    GigafactoryError
        When ``as_of`` is not a date.
    """
    try:
        day = parse_when(as_of)
    except ValueError as exc:
        raise GigafactoryError(f"--as-of: {exc}") from None
    rows = []
    for did, d in sorted(catalog.deals.items()):
        known = [e for e in d.status_history if parse_when(e.date) <= day]
        last = max(known, key=lambda e: parse_when(e.date)) if known else None
        rows.append(
            {
                "deal": did,
                "kind": d.kind,
                "payer": d.payer,
                "payee": d.payee,
                "gw": d.gw.value if d.gw is not None else None,
                "usd_b": d.usd_b.value if d.usd_b is not None else None,
                "status": last.status if last else None,
                "status_date": last.date if last else None,
                "replaced_by": d.replaced_by if last and last.status == "superseded" else None,
                "source": last.source if last else d.status_history[0].source,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)
