"""Supply tiers, sites and the vectorised weekly engine."""

from .engine import simulate
from .inputs import CHIP_TIERS, POWER_TIERS, TIERS, ModelInputs

__all__ = ["CHIP_TIERS", "POWER_TIERS", "TIERS", "ModelInputs", "simulate"]
