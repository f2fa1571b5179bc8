"""The scenario schema: a preset or file that ``extends`` another and overrides catalog values."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..catalog.schema import check_when
from ..finance.settings import FinanceSettings
from ..finance.whatif import DealWhatIf
from ..limits import HORIZON_WINDOW, MAX_DRAWS, MAX_SEED
from ..plan.settings import PlanSettings
from ..timegrid import parse_when
from .sampling import Dist

#: the build rate is a 13-week trailing mean, so a shorter horizon says nothing
MIN_HORIZON_WEEKS = 13


class Model(BaseModel):
    # strict: a boolean is never a number (``draws: true``), a float never an integer;
    # allow_inf_nan=False: every number is finite
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class Scope(Model):
    """Whose buildout: the whole industry, or one buyer holding allocation shares of each tier."""

    kind: Literal["industry", "buyer"] = "industry"
    buyer: str | None = None
    orders: Literal["deals", "none"] = Field(
        "deals", description="buyer scope: cap deliveries by the buyer's contracted deals, or not"
    )
    allocation_scale: float = Field(
        1.0,
        gt=0,
        le=100.0,
        description="multiplies the buyer's allocation share of every global tier",
    )
    market: Literal["on", "off"] = Field(
        "on",
        description="on: demand-driven orders (buyer scope) and the backlog rule with write-offs "
        "(industry scope); off: supply push capped by contracts only (the planner's LP case)",
    )

    @field_validator("market", mode="before")
    @classmethod
    def _on_off(cls, v: object) -> object:
        """YAML reads a bare on/off as a boolean."""
        return {True: "on", False: "off"}.get(v, v) if isinstance(v, bool) else v

    @model_validator(mode="after")
    def _buyer(self) -> Scope:
        if self.kind == "buyer" and not self.buyer:
            raise ValueError("a buyer scope needs `buyer:` (e.g. openai)")
        if self.kind == "industry" and self.buyer:
            raise ValueError("`buyer:` only goes with `kind: buyer`")
        return self


class Horizon(Model):
    start: str = "2025-W01"
    end: str = "2035-W52"

    _v = field_validator("start", "end")(classmethod(lambda cls, v: check_when(v)))

    @model_validator(mode="after")
    def _order(self) -> Horizon:
        s, e = parse_when(self.start, start=True), parse_when(self.end)
        lo, hi = parse_when(HORIZON_WINDOW[0], start=True), parse_when(HORIZON_WINDOW[1])
        if s < lo or e > hi:
            raise ValueError(
                f"the horizon must lie within {HORIZON_WINDOW[0]} … {HORIZON_WINDOW[1]}; got {self.start} → {self.end}"
            )
        if (e - s).days < 7 * MIN_HORIZON_WEEKS:
            raise ValueError(
                f"the horizon must span at least {MIN_HORIZON_WEEKS} weeks; got {self.start} → {self.end}"
            )
        return self


class Uncertainty(Model):
    """How catalog ranges become distributions, and how tier capacities load on AI demand."""

    catalog_ranges: Literal["pert", "triangular", "uniform", "off"] = "pert"
    demand_loading: float = Field(
        0.0,
        ge=-1.0,
        le=1.0,
        description="correlation of every tier-capacity draw with the shared AI-demand factor",
    )


class Goal(Model):
    gw_per_week: float | None = Field(
        None, gt=0, le=1000.0, description="None: the catalog's goal (1 GW/week)"
    )
    basis: Literal["facility", "it"] = "facility"


class Scenario(Model):
    """A validated scenario.  Unknown keys are errors (did-you-mean), never silent defaults."""

    name: str
    description: str = ""
    extends: str | None = None
    scope: Scope = Field(default_factory=Scope)
    horizon: Horizon = Field(default_factory=Horizon)
    draws: int = Field(1000, ge=1, le=MAX_DRAWS)
    seed: int = Field(42, ge=0, le=MAX_SEED)
    as_of: str = Field(
        "2026-11-01", description="deals and sites are taken as recorded on this date"
    )
    sites: list[str] | Literal["all"] = "all"
    site_regions: dict[str, str] = Field(
        default_factory=dict, description="site id → region id: place a site elsewhere (what-if)"
    )
    overrides: dict[str, float | Dist] = Field(
        default_factory=dict, description="dotted catalog path → number or distribution"
    )
    deals: dict[str, DealWhatIf] = Field(
        default_factory=dict,
        description="deal what-ifs by deal id: status, usd_b, gw, shift_weeks, schedule, "
        "p_convert, terms (finance/whatif.py)",
    )
    uncertainty: Uncertainty = Field(default_factory=Uncertainty)
    goal: Goal = Field(default_factory=Goal)
    finance: FinanceSettings = Field(default_factory=FinanceSettings)
    plan: PlanSettings = Field(default_factory=PlanSettings)

    _v_as_of = field_validator("as_of")(classmethod(lambda cls, v: check_when(v)))
