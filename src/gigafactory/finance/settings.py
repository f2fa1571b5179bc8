"""Scenario settings for the finance model (the scenario's ``finance:`` section).

Every number here is a modelling *choice* (a switch, a multiplier, a sample size), not a fact:
facts (cash, prices, rents, volatilities) live in the catalog with their sources.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..timegrid import parse_when


class FinanceSettings(BaseModel):
    """Settings of the finance pass.

    Attributes
    ----------
    as_of : str
        Date (2026-11-01, 2026-Q3, 2026-W44 …); deal statuses are read as of it, stochastic
        paths (AI demand, share prices) start at its week, "funded" means paid by it.
    p_convert : float
        Probability (0–1) that a non-binding deal (announced, LOI, MoU, term sheet) converts to
        a definitive one.  Drawn once per draw and deal.
    buyer : str
        The entity whose deal web is modelled when the physical scope is the whole industry.
    revenue_scale : float
        Multiplies the catalog's revenue per GW-yr (1 = as sourced); for what-ifs.
    revenue_growth_pct_per_yr : float
        Growth of revenue per GW-yr after ``as_of`` (%/yr; 0 = flat at the sourced value).
    revenue_vol_scale : float
        Multiplies the catalog's revenue volatility (0 = deterministic revenue).
    demand_correlation : float
        Correlation (−1–1) between the shared AI-demand factor and each share price's shocks.
    share_drift : {"risk_neutral", "none"}
        Drift of share prices: the risk-free rate (risk-neutral valuation) or zero.
    min_take_share : float
        Take-or-pay minimum of definitive cloud contracts, as a share (0–1) of the contracted
        GW × price, owed from the first scheduled delivery whether or not capacity arrived.
    warrant_settlement : {"hold", "sell"}
        What the warrant holder does with vested shares: hold them, or sell them for cash.
    legacy_provider : str
        Who rents out the buyer's capacity that no catalog deal covers (pre-existing contracts).
    loop_length : int
        Longest money loop (edges) enumerated by ``circularity.simple_cycles``.
    chunk_draws : int
        Draws processed per batch (memory and cache bound; results do not depend on it).
    threads : int
        Batches processed at once on separate threads (results do not depend on it).
    funding_feedback : {"off", "cut_new_orders"}
        Whether money feeds back into orders: with ``cut_new_orders`` a buyer left unfunded
        (every channel exhausted) stops growing its demand-driven orders from its first
        unfunded week (finance/feedback.py); signed contracts are kept.
    """

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    as_of: str = "2026-11-01"
    p_convert: float = Field(0.5, ge=0.0, le=1.0)
    buyer: str = "openai"
    revenue_scale: float = Field(1.0, ge=0.0, le=100.0)
    revenue_growth_pct_per_yr: float = Field(0.0, ge=-50.0, le=100.0)
    revenue_vol_scale: float = Field(1.0, ge=0.0, le=10.0)
    demand_correlation: float = Field(0.5, ge=-1.0, le=1.0)
    share_drift: Literal["risk_neutral", "none"] = "risk_neutral"
    min_take_share: float = Field(0.0, ge=0.0, le=1.0)
    warrant_settlement: Literal["hold", "sell"] = "hold"
    legacy_provider: str = "microsoft"
    loop_length: int = Field(4, ge=2, le=8)
    chunk_draws: int = Field(250, ge=1, le=100_000)
    threads: int = Field(2, ge=1, le=64)
    funding_feedback: Literal["off", "cut_new_orders"] = "off"

    @field_validator("funding_feedback", mode="before")
    @classmethod
    def _off(cls, v: object) -> object:
        """YAML reads a bare ``off`` as a boolean."""
        return "off" if v is False else v

    @field_validator("as_of")
    @classmethod
    def _as_of(cls, v: str) -> str:
        parse_when(v)
        return v
