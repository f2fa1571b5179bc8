"""Scenario settings for the finance model (the scenario's ``finance:`` section)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class FinanceSettings(BaseModel):
    """Settings of the finance pass.

    Attributes
    ----------
    as_of : str
        ISO date (YYYY-MM-DD); deal statuses are read as of this date.
    p_convert : float
        Probability (0..1) that a non-binding deal (announced, LOI, term sheet) converts
        into a definitive one.
    """

    model_config = ConfigDict(extra="forbid")

    as_of: str = "2026-11-01"
    p_convert: float = Field(0.5, ge=0.0, le=1.0)
