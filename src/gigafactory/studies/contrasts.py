"""What the mechanisms a study lacks change: the same run read the study's way and the model's.

Each :class:`Contrast` is shown by ``gigafactory studies`` and checked by tests/test_studies.py
(the two readings differ by more than 5 %).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..formulas import training_flop
from .figures import (
    AI2027_START_M,
    Get,
    ai2027_power_formula,
    capex_2025_2030,
    gw_added_2025_2030,
)


# ------------------------------------------------------------------ the mechanisms' difference
@dataclass(frozen=True)
class Contrast:
    """The same run read the study's way and with the model's mechanisms on."""

    study: str
    what: str
    unit: str
    study_way: Callable[[Get], float]
    with_mechanisms: Callable[[Get], float]


def _flop_all_produced(g: Get) -> float:
    """Epoch's chip view: every chip made by 2030 in the fleet, racked or waiting for power."""
    r = g("epoch-2030")
    online_gw = r.at_year_end("it_gw_online", 2030)
    waiting_gw = r.at_year_end("racks_waiting_gw", 2030)
    h100e = r.at_year_end("h100e_online_m", 2030) * (1 + waiting_gw / online_gw)
    share = r.summary["frontier"]["cluster_share"]
    return float(np.median(training_flop(h100e * 1e6 * share, 0.4, 0.5)))


def _capex_no_learning(g: Get) -> float:
    """McKinsey's flat $/GW: GW added 2025–2030 at the 2025 cost per GW (no learning)."""
    per_gw = sum(
        v["p50"] for v in g("capex-2030").summary["economics"]["capex_usd_b_per_gw"].values()
    )
    return float(gw_added_2025_2030(g) * per_gw)


CONTRASTS = [
    Contrast(
        "ai-2027",
        "H100e in stock 2027: produced (AI 2027) vs online (energised)",
        "M H100e",
        lambda g: (
            AI2027_START_M + sum(g("ai-2027").p50("h100e_produced_m", y) for y in range(2023, 2028))
        ),
        lambda g: g("ai-2027").p50("h100e_online_m", 2027),
    ),
    Contrast(
        "ai-2027",
        "power 2027: AI 2027's formula on the model's chips vs the model's GW",
        "GW",
        lambda g: ai2027_power_formula(
            {y: g("ai-2027").p50("h100e_produced_m", y) for y in range(2023, 2028)}
        )[2027],
        lambda g: g("ai-2027").p50("facility_gw_online", 2027),
    ),
    Contrast(
        "epoch-2030",
        "largest run 2030: every chip made vs chips energised",
        "FLOP",
        _flop_all_produced,
        lambda g: g("epoch-2030").frontier("largest_run_flop", 2030),
    ),
    Contrast(
        "capex-2030",
        "capex 2025–2030: flat 2025 $/GW vs learning",
        "$B",
        _capex_no_learning,
        capex_2025_2030,
    ),
    Contrast(
        "openai-statements",
        "OpenAI 2030: capacity wanted vs online",
        "GW (IT)",
        lambda g: g("openai-statements").p50("demand_it_gw", 2030),
        lambda g: g("openai-statements").p50("it_gw_online", 2030),
    ),
]
