"""Back-test 2023–2025: a preset's run against what happened, one row per metric and year.

Rows are ``{metric, year, actual, model_p50, error_pct, source}``:

* ``h100e_sold_cum_m:<designer>`` (industry scope) — cumulative H100e completed by each chip
  designer against Epoch AI's chip-sales history; the model counts chips started from the
  horizon start, shifted by the chip lead time, plus what the designer had sold before the start.
* ``it_gw_online:openai``, ``h100e_online_m:openai``, ``revenue_usd_b:openai`` (OpenAI's
  buyer scope) — its compute (CFO Friar; Epoch ai-compute-users) and revenue (ARR).

The chip-sales machinery is the one tests/test_anchors.py uses (issue 8's back-test).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ..catalog.schema import Catalog

YEARS = (2023, 2024, 2025)
#: Epoch AI, AI Chip Sales (github.com/epoch-research/ai-chip-counts, csv_export, generated
#: Mar 2026; docs/sources/models-and-anchors.md §1A.5): cumulative H100e sold, million, end of
#: year.  Nvidia's series starts Q1 2022, the others Q1 2023 (TPU) and Q1 2024 (AMD, Trainium).
EPOCH_CUM_H100E_M = {
    "nvidia": {2023: 1.39, 2024: 4.72, 2025: 13.66},
    "google": {2023: 0.21, 2024: 0.95, 2025: 3.81},
    "amd": {2024: 0.55, 2025: 1.24},
    "aws": {2024: 0.31, 2025: 1.02},
}
#: What each series sold before 2023: Nvidia's 2022 sales (A100, A800, H100: 0.29M H100e; Epoch
#: canonical_export/nvidia/sales_quarterly_by_chip.csv, generated 2026-09-24); 0 for the series
#: that start in 2023 or later.
EPOCH_BEFORE_2023_M = {"nvidia": 0.29, "google": 0.0, "amd": 0.0, "aws": 0.0}
CHIPS_SOURCE = "https://github.com/epoch-research/ai-chip-counts"
#: OpenAI's year-end figures: IT GW and ARR (CFO Friar, 2026-01-19), H100e (Epoch
#: ai-compute-users, year-end medians).
OPENAI_ACTUALS: dict[str, dict[int, float]] = {
    "it_gw_online": {2023: 0.2, 2024: 0.6, 2025: 1.9},
    "h100e_online_m": {2023: 0.102, 2024: 0.377, 2025: 1.72},
    "revenue_usd_b": {2023: 2.0, 2024: 6.0, 2025: 20.0},
}
OPENAI_SOURCES = {
    "it_gw_online": "https://the-decoder.com/openai-says-it-could-have-grown-even-faster-if-only-it-had-more-compute/",
    "h100e_online_m": "https://github.com/epoch-research/ai-compute-users",
    "revenue_usd_b": "https://www.neowin.net/amp/openai-cfo-defends-spending-revenue-triples-to-20b-alongside-compute-growth/",
}


def completed_h100e_by_designer(ds: xr.Dataset, catalog: Catalog, end: str) -> dict[str, float]:
    """Cumulative H100e completed from the horizon start to ``end`` by designer, million.

    ``accelerators_started_m_by_sku`` (mean over draws) shifted by the median chip lead time
    (``params.chip_lead_weeks``), plus the pipeline the engine starts full with (lead weeks of
    week-0 starts, made before the horizon), times each SKU's H100e per unit (dense FP8 ÷ 1,979).
    """
    lead = round(catalog.params["chip_lead_weeks"].value)
    started = ds["accelerators_started_m_by_sku"].values  # [W, S]
    cut = np.datetime64(end) - np.timedelta64(7 * lead, "D")
    units = started[ds.week.values <= cut].sum(axis=0) + lead * started[0]
    out: dict[str, float] = {}
    for s, u in zip(ds.sku.values, units, strict=True):
        acc = catalog.accelerators[str(s)]
        out[acc.designer] = (
            out.get(acc.designer, 0.0) + float(u) * acc.fp8_dense_tflops.value / 1979
        )
    return out


def sold_before(designer: str, start_year: int) -> float:
    """What ``designer`` had sold (Epoch, cumulative H100e, M) before ``start_year``."""
    if start_year <= 2023:
        return EPOCH_BEFORE_2023_M[designer]
    series = EPOCH_CUM_H100E_M[designer]
    return series.get(start_year - 1, 0.0)


def _row(metric: str, year: int, actual: float, model: float, source: str) -> dict[str, Any]:
    return {
        "metric": metric,
        "year": year,
        "actual": actual,
        "model_p50": round(model, 4),
        "error_pct": round(100.0 * (model - actual) / actual, 1),
        "source": source,
    }


def _years(ds: xr.Dataset) -> list[int]:
    weeks = pd.DatetimeIndex(ds["week"].values)
    first, last = (weeks[0] + pd.Timedelta(days=3)).year, weeks[-1].year
    return [y for y in YEARS if first <= y <= last]


def chip_rows(ds: xr.Dataset, catalog: Catalog) -> list[dict[str, Any]]:
    start = int((pd.Timestamp(ds["week"].values[0]) + pd.Timedelta(days=3)).year)
    rows = []
    for y in _years(ds):
        got = completed_h100e_by_designer(ds, catalog, f"{y}-12-31")
        for d, series in EPOCH_CUM_H100E_M.items():
            if y in series:
                model = got.get(d, 0.0) + sold_before(d, start)
                rows.append(_row(f"h100e_sold_cum_m:{d}", y, series[y], model, CHIPS_SOURCE))
    return rows


def openai_rows(ds: xr.Dataset, catalog: Catalog) -> list[dict[str, Any]]:
    from .frontier import year_end_index

    ye = year_end_index(ds)
    per_gw = catalog.companies["openai"].facts["revenue_per_gw_yr_usd_b"].value
    rows = []
    for y in _years(ds):
        gw = float(np.median(ds["it_gw_online"].values[:, ye[y]]))
        h = float(np.median(ds["h100e_online_m"].values[:, ye[y]]))
        model = {"it_gw_online": gw, "h100e_online_m": h, "revenue_usd_b": gw * per_gw}
        for k, actual in OPENAI_ACTUALS.items():
            rows.append(_row(f"{k}:openai", y, actual[y], model[k], OPENAI_SOURCES[k]))
    return rows


def backtest_rows(ds: xr.Dataset, catalog: Catalog) -> list[dict[str, Any]]:
    """The back-test of a run: chip sales by designer (industry scope) or OpenAI's compute and
    revenue (its buyer scope), for the years 2023–2025 inside the horizon."""
    scope = str(ds.attrs["scope"])
    if scope == "industry":
        return chip_rows(ds, catalog)
    if scope == "openai":
        return openai_rows(ds, catalog)
    return []
