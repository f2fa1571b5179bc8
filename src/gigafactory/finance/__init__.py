"""Finance model: contracts → ledger → metrics (see DESIGN.md, "The finance model").

Public API::

    run_finance(physical, settings, catalog, rng) -> xr.Dataset
    summarise_finance(fin) -> dict          # the summary.json "finance" section
    finance_tables(section) -> list[rich.table.Table]
    deal_table(catalog, as_of) -> pandas.DataFrame
"""

from __future__ import annotations

from .deals import deal_table
from .engine import run_finance
from .settings import FinanceSettings
from .summary import finance_tables, summarise_finance

__all__ = ["FinanceSettings", "deal_table", "finance_tables", "run_finance", "summarise_finance"]
