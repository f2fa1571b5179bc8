"""Finance model: contracts → ledger → metrics (see DESIGN.md, "The finance model").

Public API::

    run_finance(physical, settings, catalog, rng) -> xr.Dataset
    summarise_finance(fin) -> dict          # the summary.json "finance" section
    finance_tables(section) -> list[rich.table.Table]
    deal_table(catalog, as_of) -> pandas.DataFrame
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .deals import deal_table
    from .engine import run_finance
    from .settings import FinanceSettings
    from .summary import finance_tables, summarise_finance

#: where each public name lives; imported on first use (PEP 562), so importing the
#: package (as every command does) loads none of its heavy dependencies
_LAZY = {
    "deal_table": ".deals",
    "run_finance": ".engine",
    "FinanceSettings": ".settings",
    "finance_tables": ".summary",
    "summarise_finance": ".summary",
}

__all__ = ["FinanceSettings", "deal_table", "finance_tables", "run_finance", "summarise_finance"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
