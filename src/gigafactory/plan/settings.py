"""PlanSettings: the ``plan:`` section of a scenario (objective, time step, costs, penalties).

Every field has a default so a scenario without a ``plan:`` section still plans.  Costs are
*settings*, clearly labelled as planner assumptions in $B per unit, not catalog facts; they only
shape the ``target`` and ``lexicographic`` objectives and never the physical model.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..timegrid import parse_when

Objective = Literal["max-gw", "target", "lexicographic"]
Step = Literal["week", "month"]


class PlanCosts(BaseModel):
    """Planner cost assumptions, $B per unit (labelled settings, not sourced facts).

    Attributes
    ----------
    accelerator_b_per_it_gw : float
        $B per IT GW of accelerators started (chips, HBM, packaging, racks). Default 30
        ($30B per IT GW ≈ $30k per kW IT of compute hardware).
    shell_b_per_it_gw : float
        $B per IT GW of data-centre shell built (civil, mechanical, electrical). Default 10.
    power_b_per_fac_gw : float
        $B per facility GW energised (interconnection, transformers, on-site plant). Default 2.
    install_b_per_it_gw : float
        $B per IT GW installed (integration, commissioning). Default 0.5.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    accelerator_b_per_it_gw: float = Field(30.0, ge=0)
    shell_b_per_it_gw: float = Field(10.0, ge=0)
    power_b_per_fac_gw: float = Field(2.0, ge=0)
    install_b_per_it_gw: float = Field(0.5, ge=0)


class PlanSettings(BaseModel):
    """How to plan the build.

    Attributes
    ----------
    objective : {"max-gw", "target", "lexicographic"}
        ``max-gw`` maximises discounted GW-weeks online Σ_t δ_t · online_t;
        ``target`` reaches the target path at least discounted cost ($B);
        ``lexicographic`` minimises shortfall against the target first, then cost.
    step : {"week", "month"}
        Model time step; ``month`` aggregates weekly capacities over each calendar month.
    discount_rate : float
        Annual discount rate as a decimal (0.07 for 7 %); weekly factor (1+r)^(-t/52.18).
    target_gw_per_wk : float or None
        Target *added* GW per week (on ``target_basis``); None uses the scenario goal.
    target_start : str
        When the target path starts to apply (date string, e.g. ``2027`` = end of 2027).
    target_path : dict[str, float] or None
        Explicit GW-online trajectory {date: GW} (on ``target_basis``), linearly interpolated;
        overrides the ``target_gw_per_wk`` ramp.
    target_basis : {"it", "facility"} or None
        Basis of the target GW; None uses the scenario goal basis.
    slack_penalty : float
        Penalty per unit of elastic slack, in objective units per (scaled) unit of violation;
        large but finite so any input stays feasible and violations are reported.
    shortfall_penalty : float
        ``target`` objective: $B per GW-week of shortfall below the target path.
    budget_b_per_yr : dict[str, float] or None
        Optional capital budget, $B per calendar year ({"2027": 400, ...}); adds ``budget``
        constraints whose duals are GW-weeks per $B.
    draw : int or None
        Which Monte Carlo draw of the compiled inputs to plan; None = the median inputs.
    costs : PlanCosts
        Cost assumptions for ``target`` / ``lexicographic`` / budgets.
    time_limit_s : float
        Solver time limit in seconds.
    lexicographic_tol : float
        Relative tolerance on the stage-1 shortfall kept in stage 2 of ``lexicographic``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    objective: Objective = "max-gw"
    step: Step = "week"
    discount_rate: float = Field(0.07, ge=0.0, lt=1.0)
    target_gw_per_wk: float | None = Field(None, ge=0)
    target_start: str = "2026"
    target_path: dict[str, float] | None = None
    target_basis: Literal["it", "facility"] | None = None
    slack_penalty: float = Field(1e3, gt=0)
    shortfall_penalty: float = Field(100.0, gt=0)
    budget_b_per_yr: dict[str, float] | None = None
    draw: int | None = Field(None, ge=0, le=99_999)
    costs: PlanCosts = Field(default_factory=PlanCosts)
    time_limit_s: float = Field(300.0, gt=0, le=86_400.0)
    lexicographic_tol: float = Field(1e-6, ge=0)

    @model_validator(mode="after")
    def _check_path(self) -> PlanSettings:
        if self.target_path is not None and any(v < 0 for v in self.target_path.values()):
            raise ValueError("target_path values are GW online and must be ≥ 0")
        # every date the planner will parse must parse now (validate checks what plan checks)
        for d in (*(self.target_path or {}), *(self.budget_b_per_yr or {})):
            parse_when(d)
        return self

    @field_validator("target_start")
    @classmethod
    def _check_start(cls, v: str) -> str:
        parse_when(v)
        return v
