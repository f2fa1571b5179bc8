"""The planner: a linear programme over the same tiers and sites as the simulator.

::

    from gigafactory.plan import PlanSettings, solve_plan, bottlenecks
    res = solve_plan(inputs, PlanSettings(objective="max-gw"))
    res.schedule            # xr.Dataset, IT GW online by week (or month)
    bottlenecks(res)        # ranked shadow prices by quarter, in user units
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .bottlenecks import bottlenecks, side_by_side
    from .model import build_model
    from .settings import PlanCosts, PlanSettings
    from .solve import PlanResult, PlanSolveError, dual_objective, solve_plan

#: where each public name lives; imported on first use (PEP 562), so importing the
#: package (as every command does) loads none of its heavy dependencies
_LAZY = {
    "bottlenecks": ".bottlenecks",
    "side_by_side": ".bottlenecks",
    "build_model": ".model",
    "PlanCosts": ".settings",
    "PlanSettings": ".settings",
    "PlanResult": ".solve",
    "PlanSolveError": ".solve",
    "dual_objective": ".solve",
    "solve_plan": ".solve",
}

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


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _Package(types.ModuleType):
    """``plan.bottlenecks`` names the function, as before the imports became lazy.

    Importing the submodule ``plan.bottlenecks`` (lazily, from anywhere) makes Python set the
    package attribute of that name to the module; this binds the function instead.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "bottlenecks" and isinstance(value, types.ModuleType):
            value = value.bottlenecks
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
