"""Demand: each buyer's compute demand (GW over time) and the rules that turn it into orders."""

from __future__ import annotations

from .rules import (
    backlog_allowance,
    demand_orders,
    power_in_sight,
    required_production,
    supply_only,
    writeoff_fifo,
)

__all__ = [
    "backlog_allowance",
    "demand_orders",
    "power_in_sight",
    "required_production",
    "supply_only",
    "writeoff_fifo",
]
