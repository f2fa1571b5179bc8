"""Published numbers the model reproduces: each test compares a model OUTPUT with an independent
published figure (never a number fed into the model), with its source and tolerance.

Calibration and test are kept apart: where a catalog value was calibrated on a published series,
the test uses another period or another source, and the catalog note says which.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import xarray as xr

from gigafactory import compile_inputs, load_scenario
from gigafactory.catalog.schema import Catalog
from gigafactory.formulas import training_flop
from gigafactory.pipeline import simulate_scenario
from gigafactory.results.summary import summarise
from gigafactory.studies.backtest import (
    EPOCH_BEFORE_2023_M,
    EPOCH_CUM_H100E_M,
    completed_h100e_by_designer,
)
from gigafactory.units import H100E_FLOPS

AI2027_TOL = 0.25
#: back-test tolerance per designer and year (issue 8)
BACKTEST_TOL = 0.20


def test_epoch_2e29_flop_run() -> None:
    """Epoch AI, "Can AI Scaling Continue Through 2030?" (2024-08-20), footnotes 59–60:
    16M H100e at 2e15 FLOP/s (FP8), 40 % utilisation, for half a year ≈ 2e29 FLOP.
    https://epoch.ai/blog/can-ai-scaling-continue-through-2030 — checks ``training_flop`` and the
    H100e yardstick against Epoch's own arithmetic; tolerance 2 %."""
    flop = float(training_flop(16e6, 0.40, 0.5, flops_per_h100e=H100E_FLOPS))
    assert flop == pytest.approx(2.0e29, rel=0.02)


# ------------------------------------------------------------------ H100 all-in power
#: Epoch 2030 report, footnote 8: 700 W TDP × 1.96 (DGX SuperPOD: 1.4 MW ÷ 1,016 GPUs ÷ 700 W,
#: server + network) × 1.2 PUE ≈ 1.65 kW per H100, facility basis.
EPOCH_H100_FACILITY_W = 1650.0
#: SemiAnalysis ("AI Datacenter Energy Dilemma", Mar 2024): DGX H100 10.2 kW ÷ 8 = 1,275 W server,
#: 1,389 W per GPU incl. storage and network — IT basis (facts/models-and-anchors.md §7).
SEMIANALYSIS_H100_IT_W = 1389.0
#: The model's H100 IT watts (1,453 W) come from a third estimate, Epoch's ai-compute-users (DGX
#: 10.2 kW ÷ 8 × 1.14 IT overhead).  The published estimates of the same quantity span ~6 %
#: (1,372 W implied by the SuperPOD figure, 1,389 W, 1,453 W), so the model must sit within 8 %.
H100_POWER_TOL = 0.08


def _h100_watts(catalog: Catalog) -> tuple[float, float]:
    """The IT and facility watts per H100 the engine uses (median draw of the compiled inputs)."""
    sc = load_scenario("industry", catalog)
    inp = compile_inputs(sc, catalog, draws=1, seed=0, median=True)
    it = float(inp.it_w[0, list(inp.skus).index("H100")])
    return it, it * float(inp.pue[0])


def test_h100_all_in_power_against_epoch(catalog: Catalog) -> None:
    """The model's facility watts per H100 (compiled IT W × PUE = 1,453 × 1.2 = 1,744 W) against
    Epoch's independent 1.65 kW all-in figure (+5.7 %): the basis differs (Epoch's 2030 report
    uses the SuperPOD server+network multiplier 1.96, the catalog Epoch's later ai-compute-users
    IT figure with its 1.14 IT overhead); within 8 %."""
    _, fac = _h100_watts(catalog)
    assert fac == pytest.approx(EPOCH_H100_FACILITY_W, rel=H100_POWER_TOL)


def test_h100_it_power_against_semianalysis(catalog: Catalog) -> None:
    """The model's IT watts per H100 against SemiAnalysis' 1,389 W incl. storage and network
    (+4.6 %); within 8 % (a server-only 1,275 W or a 2 kW input fails)."""
    it, _ = _h100_watts(catalog)
    assert it == pytest.approx(SEMIANALYSIS_H100_IT_W, rel=H100_POWER_TOL)


# ------------------------------------------------------------------ 2023 → 2025 back-test
@pytest.fixture(scope="module")
def history(catalog: Catalog) -> xr.Dataset:
    """The industry from 2023-W01 (the `ai-2027` preset's horizon, starting from the catalog's
    end-2022 fleet)."""
    return simulate_scenario(load_scenario("ai-2027", catalog), catalog, draws=200, seed=11)


@pytest.fixture(scope="module")
def ai2027_summary(history: xr.Dataset, catalog: Catalog) -> dict[str, Any]:
    return summarise(history, load_scenario("ai-2027", catalog))


@pytest.mark.parametrize(
    ("year", "published_m"), [(2023, 2), (2024, 5), (2025, 11), (2026, 25), (2027, 60)]
)
def test_ai2027_h100e_produced(
    ai2027_summary: dict[str, Any], year: int, published_m: float
) -> None:
    """AI 2027 Compute Forecast (Romeo Dean, April 2025), production table: H100e produced
    2M, 5M, 11M, 25M, 60M in 2023–2027. https://ai-2027.com/research/compute-forecast —
    reproduced by the `ai-2027` preset (median of draws) within ±25 %."""
    got = ai2027_summary["years"][str(year)]["h100e_produced_m"]["p50"]
    assert got == pytest.approx(published_m, rel=AI2027_TOL)


#: Known gaps: (designer, year) → why the model misses by more than 20 % (strict: fixing the gap
#: turns the xfail into a failure, so the marker must then be removed).
BACKTEST_GAPS = {
    ("nvidia", 2023): "the 2023 CoWoS mix (AI 2027: Nvidia 80 % of wafers, all H100) gives "
    "1.7M H100e; Epoch counts 1.1M for 2023 (A100/A800 were a quarter of Nvidia's units, and "
    "CoWoS also served chips the model does not track). AI 2027 and Epoch disagree on 2023 by ~50 %",
    ("google", 2023): "TPU's 2023 CoWoS share (0.20, AI 2027 'rest mostly TPU') is high "
    "against Epoch's 2023 TPU sales",
    ("amd", 2024): "MI300X/MI325X packages per CoWoS wafer unverified (16 assumed) and AMD's "
    "2024 CoWoS share (8 %) reaches ~half of Epoch's 2024 AMD units",
    ("amd", 2025): "as for 2024: the shortfall carries into the cumulative total",
    ("aws", 2024): "Trainium packages per CoWoS wafer unverified (20 assumed)",
}


BACKTEST_CASES = [
    pytest.param(
        d,
        y,
        v,
        marks=[pytest.mark.xfail(strict=True, reason=BACKTEST_GAPS[(d, y)])]
        if (d, y) in BACKTEST_GAPS
        else [],
        id=f"{d}-{y}",
    )
    for d, by_year in EPOCH_CUM_H100E_M.items()
    for y, v in by_year.items()
]


@pytest.mark.parametrize(("designer", "year", "published_m"), BACKTEST_CASES)
def test_backtest_against_epoch_chip_sales(
    history: xr.Dataset, catalog: Catalog, designer: str, year: int, published_m: float
) -> None:
    """Back-test from 2023: the model's cumulative H100e by designer against Epoch's AI-chip
    sales history, within ±20 % per designer and year.  TPU's per-wafer count was calibrated
    on 2024 units (catalog note), so google-2024 is in-sample; the other cases are not."""
    got = completed_h100e_by_designer(history, catalog, f"{year}-12-31")
    model = got.get(designer, 0.0) + EPOCH_BEFORE_2023_M[designer]
    assert model == pytest.approx(published_m, rel=BACKTEST_TOL)


def test_backtest_total_chip_power_end_2025(history: xr.Dataset, catalog: Catalog) -> None:
    """Epoch's four series sum to ≈19.7M H100e at end-2025; the model's all-designer total
    (plus Nvidia's 2022 start fleet) within ±20 %."""
    got = completed_h100e_by_designer(history, catalog, "2025-12-31")
    total = sum(got.values()) + sum(EPOCH_BEFORE_2023_M.values())
    assert total == pytest.approx(13.66 + 3.81 + 1.24 + 1.02, rel=BACKTEST_TOL)


# ------------------------------------------------------------------ known facts inside the band
@pytest.fixture(scope="module")
def announced(catalog: Catalog) -> tuple[xr.Dataset, dict[str, Any]]:
    sc = load_scenario("announced", catalog)
    ds = simulate_scenario(sc, catalog, draws=200, seed=5)
    return ds, summarise(ds, sc)


@pytest.mark.parametrize(
    ("key", "published"), [("it_gw_online", 1.9), ("h100e_online_m", 1.72)], ids=["gw", "h100e"]
)
def test_openai_end_2025_inside_the_band(
    announced: tuple[xr.Dataset, dict[str, Any]], key: str, published: float
) -> None:
    """OpenAI at end-2025: CFO Friar (2026-01-19) ~1.9 GW; Epoch ai-compute-users 1.72M H100e.
    https://the-decoder.com/openai-says-it-could-have-grown-even-faster-if-only-it-had-more-compute/
    The `announced` preset is calibrated on 2024 only (baseline orders from the 2023→2024 growth,
    allocation from OpenAI's share of 2024 additions); the end-2025 figures must lie inside
    its p5–p95 band and within ±25 % of its median."""
    y = announced[1]["years"]["2025"][key]
    assert y["p5"] <= published <= y["p95"]
    assert y["p50"] == pytest.approx(published, rel=0.25)


def test_abilene_phase_1_energised_on_its_date(
    announced: tuple[xr.Dataset, dict[str, Any]],
) -> None:
    """Stargate Abilene phase 1 (200 MW) was energised by 2025-06-30 (first GB200 racks;
    https://compute.institute/projects/stargate-abilene): history, so the median draw powers it
    that week, not after the model's transformer queue."""
    ds = announced[0]
    i = list(ds.phase.values).index("abilene/0")
    wk = int(np.median(ds["phase_power_week"].values[:, i]))
    assert wk >= 0
    assert ds.week.values[wk] <= np.datetime64("2025-06-30")
    assert ds.week.values[wk] > np.datetime64("2025-06-22")
