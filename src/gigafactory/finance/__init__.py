"""Finance model: contracts → ledger → metrics (see DESIGN.md, "The finance model")."""

from __future__ import annotations

from gigafactory.finance.settings import FinanceSettings

__all__ = ["FinanceSettings"]
