"""Run a study preset once and read the figures the studies publish from it.

:class:`StudyRun` holds one preset's physical results and its summary (with the ``frontier``
section, industry economics and, when asked, the finance pass); runs are cached per
(preset, draws, seed) so the figures of one study share one simulation.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import xarray as xr

from ..catalog.schema import Catalog
from .frontier import frontier_section, year_end_index


@dataclass(frozen=True)
class StudyRun:
    """One simulated preset: ``ds`` (physical), ``summary`` (summary.json content), ``fin``."""

    preset: str
    ds: xr.Dataset
    summary: dict[str, Any]
    catalog: Catalog
    fin: xr.Dataset | None = None

    def p50(self, key: str, year: int) -> float:
        """The median of a yearly summary figure (``years[year][key].p50``)."""
        return float(self.summary["years"][str(year)][key]["p50"])

    def frontier(self, key: str, year: int) -> float:
        return float(self.summary["frontier"]["years"][str(year)][key]["p50"])

    def at_year_end(self, var: str, year: int) -> np.ndarray:
        """``ds[var]`` at the last week of ``year``, per draw."""
        return np.asarray(self.ds[var].values[:, year_end_index(self.ds)[year]], dtype=float)

    def start_it_gw(self) -> float:
        """IT GW online in the first week (the recorded start fleet), median over draws."""
        return float(np.median(self.ds["it_gw_online"].values[:, 0]))


def run_preset(
    preset: str, catalog: Catalog, draws: int, seed: int, finance: bool = False
) -> StudyRun:
    """Simulate ``preset`` and summarise it (no delay attribution: studies do not read it)."""
    from ..economics import industry_economics
    from ..pipeline import run_money, simulate_scenario, stream_rng
    from ..results.summary import summarise
    from ..scenario import load_scenario

    sc = load_scenario(preset, catalog)
    ds = simulate_scenario(sc, catalog, draws=draws, seed=seed)
    fin = run_money(sc, catalog, ds) if finance else None
    summary = summarise(ds, sc)
    summary["frontier"] = frontier_section(ds, catalog)
    if sc.scope.kind == "industry":
        summary["economics"] = industry_economics(ds, catalog, stream_rng(seed, 3))
    return StudyRun(preset, ds, summary, catalog, fin)


@cache
def _cached(preset: str, draws: int, seed: int, finance: bool) -> StudyRun:
    from ..catalog import load_catalog

    return run_preset(preset, load_catalog(), draws, seed, finance)


def cached_run(preset: str, draws: int = 100, seed: int = 11, finance: bool = False) -> StudyRun:
    """:func:`run_preset` on the shipped catalog, once per (preset, draws, seed, finance)."""
    return _cached(preset, draws, seed, finance)
