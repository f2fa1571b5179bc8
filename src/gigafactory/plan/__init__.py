"""The planner: a linear programme over the same tiers and sites as the simulator."""

from __future__ import annotations

from .settings import PlanCosts, PlanSettings

__all__ = ["PlanCosts", "PlanSettings"]
