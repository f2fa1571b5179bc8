"""The planner: a linear programme over the same tiers and sites as the simulator.

::

    from gigafactory.plan import PlanSettings, solve_plan, bottlenecks
    res = solve_plan(inputs, PlanSettings(objective="max-gw"))
    res.schedule            # xr.Dataset, IT GW online by week (or month)
    bottlenecks(res)        # ranked shadow prices by quarter, in user units
"""

from __future__ import annotations

from .bottlenecks import bottlenecks, side_by_side
from .model import build_model
from .settings import PlanCosts, PlanSettings
from .solve import PlanResult, PlanSolveError, dual_objective, solve_plan

__all__ = [
    "PlanCosts",
    "PlanResult",
    "PlanSettings",
    "PlanSolveError",
    "bottlenecks",
    "build_model",
    "dual_objective",
    "side_by_side",
    "solve_plan",
]
