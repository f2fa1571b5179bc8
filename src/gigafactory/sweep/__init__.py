"""Global sensitivity (SALib: Sobol', Morris) and scenario sweeps on dask.distributed."""

from __future__ import annotations

from .inputs import Inputs, group_of, uncertain_inputs
from .sensitivity import METHODS, morris, sobol

__all__ = ["METHODS", "Inputs", "group_of", "morris", "sobol", "uncertain_inputs"]
