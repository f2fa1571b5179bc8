"""Scenarios: presets, files that extend them, overrides and distributions."""

from .loader import load_scenario, load_scenario_text, preset_names, resolved_yaml
from .sampling import Dist
from .schema import Scenario

__all__ = [
    "Dist",
    "Scenario",
    "load_scenario",
    "load_scenario_text",
    "preset_names",
    "resolved_yaml",
]
