"""The published studies' figures, each with its source, tolerance and the model's reading.

One table (:data:`FIGURES`) feeds the tests (tests/test_studies.py), ``gigafactory studies``
and the README's "Checked against published studies" table, so the three cannot disagree.
A figure's band ``[low, high]`` is the study's own interval where it gives one (Epoch's 80 %
CIs, McKinsey's constrained…accelerated span), else a stated tolerance around its point value.
A figure the model cannot reach carries ``gap`` (the reason; the test is a strict xfail).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..formulas import vintage_fleet_power_gw
from .runs import StudyRun

Get = Callable[[str], StudyRun]

EPOCH = "https://epoch.ai/blog/can-ai-scaling-continue-through-2030"
AI2027 = "https://ai-2027.com/research/compute-forecast"
MCK = (
    "https://www.mckinsey.com/industries/technology-media-and-telecommunications/our-insights/"
    "the-cost-of-compute-a-7-trillion-dollar-race-to-scale-data-centers"
)
FRIAR = "https://the-decoder.com/openai-says-it-could-have-grown-even-faster-if-only-it-had-more-compute/"
ALTMAN = (
    "https://www.newsmax.com/finance/streettalk/sam-altman-open-ai-trillion/2025/10/29/id/1232304/"
)


@dataclass(frozen=True)
class Figure:
    """One published figure and how the model's output is read against it."""

    study: str  # the preset that sets the study's assumptions
    metric: str
    year: int | None
    published: float
    unit: str
    low: float
    high: float
    tolerance: str  # where the band comes from
    source: str  # URL and the page, figure or table
    model: Callable[[Get], float]
    needs: tuple[str, ...] = ()  # presets read (default: the study's own)
    gap: str | None = None  # why the model cannot reach it (strict xfail)
    in_sample: bool = False  # the figure is (or fixes) a model input: shown, not evidence

    @property
    def presets(self) -> tuple[str, ...]:
        return self.needs or (self.study,)

    def inside(self, value: float) -> bool:
        return bool(self.low <= value <= self.high)

    def error_pct(self, value: float) -> float:
        return 100.0 * (value - self.published) / self.published


def p50_of(preset: str, key: str, year: int) -> Callable[[Get], float]:
    """The model reading ``years[year][key].p50`` of ``preset``."""
    return lambda g: g(preset).p50(key, year)


def rel(value: float, tol: float) -> tuple[float, float]:
    return value * (1 - tol), value * (1 + tol)


# ------------------------------------------------------------------ AI 2027
#: AI 2027 Compute Forecast (Romeo Dean, April 2025), §1 production table, 2023–2027.
AI2027_PRODUCED_M = {2023: 2.0, 2024: 5.0, 2025: 11.0, 2026: 25.0, 2027: 60.0}
AI2027_STOCK_M = {2023: 4.0, 2024: 8.5, 2025: 18.0, 2026: 40.0, 2027: 100.0}
AI2027_KW_PER_H100E = {2023: 1.3, 2024: 1.0, 2025: 0.75, 2026: 0.70, 2027: 0.55}
AI2027_POWER_GW = {2023: 5.0, 2024: 9.0, 2025: 15.0, 2026: 29.0, 2027: 62.0}
#: the stock before 2023 (4M cumulative 2023 − 2M produced in 2023), at the table's first W.
AI2027_START_M, AI2027_START_KW = 2.0, 1.3
AI2027_TOL = 0.25
_W_GAP = (
    "AI 2027's DC power per H100e (1.0 kW in 2024, 0.75 kW in 2025, 0.70 kW in 2026) is about half "
    "the catalog's facility watts (H100 1,453 W IT × PUE 1.2 = 1.74 kW, Epoch's 1.65–1.7 kW), so "
    "the same chips draw more power in the model"
)
_STOCK_GAP = (
    "AI 2027 counts every chip produced as available; the model counts H100e online only once "
    "racked in an energised shell, and in 2027 ~20 GW of racks wait for power (transformers, "
    "construction)"
)


def ai2027_power_formula(produced_m: dict[int, float]) -> dict[int, float]:
    """AI 2027's power series from a production series, by its own formula (vintage fleet)."""
    ys = sorted(produced_m)
    gw = vintage_fleet_power_gw(
        [produced_m[y] for y in ys],
        [AI2027_KW_PER_H100E[y] for y in ys],
        [AI2027_STOCK_M[y] for y in ys],
        AI2027_START_M,
        AI2027_START_KW,
    )
    return dict(zip(ys, (float(g) for g in gw), strict=True))


def _ai2027() -> list[Figure]:
    src = f"{AI2027} — §1 'Compute production', production table"
    out = [
        Figure(
            "ai-2027",
            "H100e produced",
            y,
            v,
            "M H100e",
            *rel(v, AI2027_TOL),
            "±25 %",
            src,
            p50_of("ai-2027", "h100e_produced_m", y),
        )
        for y, v in AI2027_PRODUCED_M.items()
    ]
    out += [
        Figure(
            "ai-2027",
            "H100e in stock (online)",
            y,
            v,
            "M H100e",
            *rel(v, AI2027_TOL),
            "±25 %",
            src,
            p50_of("ai-2027", "h100e_online_m", y),
            gap=_STOCK_GAP if y == 2027 else None,
        )
        for y, v in AI2027_STOCK_M.items()
    ]
    out += [
        Figure(
            "ai-2027",
            "AI data-centre power",
            y,
            v,
            "GW (facility)",
            *rel(v, AI2027_TOL),
            "±25 %",
            src,
            p50_of("ai-2027", "facility_gw_online", y),
            gap=_W_GAP if y in (2024, 2025, 2026) else None,
        )
        for y, v in AI2027_POWER_GW.items()
    ]
    out.append(
        Figure(
            "ai-2027",
            "leading company's share of AI power",
            2027,
            10.0 / 62.0,
            "fraction",
            *rel(10.0 / 62.0, AI2027_TOL),
            "±25 %",
            f"{AI2027} — §5 'Industry metrics': leading company ~10 GW of 62 GW by Dec 2027",
            lambda g: (
                g("openai-statements").p50("facility_gw_online", 2027)
                / g("ai-2027").p50("facility_gw_online", 2027)
            ),
            needs=("ai-2027", "openai-statements"),
        )
    )
    return out


# ------------------------------------------------------------------ Epoch 2030
def _epoch() -> list[Figure]:
    ci = "Epoch's 80 % CI"
    return [
        Figure(
            "epoch-2030",
            "largest run, power-constrained",
            2030,
            1.9e29,
            "FLOP",
            2.2e28,
            1.9e30,
            ci,
            f"{EPOCH} — Figure 3 (largest distributed run)",
            lambda g: g("epoch-2030").frontier("largest_run_flop", 2030),
        ),
        Figure(
            "epoch-2030",
            "largest run, chip-constrained",
            2030,
            9.5e29,
            "FLOP",
            1.2e29,
            5.2e30,
            ci,
            f"{EPOCH} — Figure 4 (projected TSMC capacity)",
            lambda g: g("epoch-2030").frontier("largest_run_flop", 2030),
        ),
        Figure(
            "epoch-2030",
            "power of the largest run",
            2030,
            8.2,
            "GW (facility)",
            2.1,
            41.0,
            ci,
            f"{EPOCH} — Figure 3 (largest distributed run, power)",
            lambda g: g("epoch-2030").frontier("cluster_facility_gw", 2030),
        ),
        Figure(
            "epoch-2030",
            "H100e of the largest training fleet",
            2030,
            1.0e8,
            "H100e",
            2.4e7,
            4.0e8,
            ci,
            f"{EPOCH} — Figure 4 (H100e for the largest training fleet)",
            lambda g: 1e6 * g("epoch-2030").frontier("cluster_h100e_m", 2030),
        ),
    ]


# ------------------------------------------------------------------ McKinsey capex
MCK_YEARS = range(2025, 2031)
MCK_LO, MCK_HI = 3.7 / 5.2, 7.9 / 5.2  # constrained and accelerated over base


def capex_2025_2030(g: Get, parts: tuple[str, ...] | None = None) -> float:
    """Σ 2025–2030 of the yearly capex (p50 by year), $B; only ``parts`` when given."""
    eco = g("capex-2030").summary["economics"]
    if parts is None:
        return float(sum(eco["capex_usd_b"][str(y)]["p50"] for y in MCK_YEARS))
    by = eco["capex_by_component_usd_b"]
    return float(sum(by[c][str(y)] for c in parts for y in MCK_YEARS))


def gw_added_2025_2030(g: Get) -> float:
    r = g("capex-2030")
    return r.p50("it_gw_online", 2030) - r.start_it_gw()


def _mckinsey() -> list[Figure]:
    span = "McKinsey's constrained…accelerated span (−29 %…+52 %)"
    src = f"{MCK} — opening summary and exhibit 1 (docs/sources/models-and-anchors.md §5)"
    parts = ("accelerators", "servers_networking", "facility", "power_equipment")
    return [
        Figure(
            "capex-2030",
            "AI data-centre capex 2025–2030",
            None,
            5200.0,
            "$B",
            3700.0,
            7900.0,
            "McKinsey constrained $3.7T … accelerated $7.9T",
            src,
            capex_2025_2030,
        ),
        Figure(
            "capex-2030",
            "new AI capacity 2025–2030",
            None,
            125.0,
            "GW (IT)",
            125.0 * MCK_LO,
            125.0 * MCK_HI,
            span,
            src,
            gw_added_2025_2030,
        ),
        Figure(
            "capex-2030",
            "capex per new GW",
            None,
            41.6,
            "$B/GW",
            41.6 * MCK_LO,
            41.6 * MCK_HI,
            span,
            f"{src}: $5.2T ÷ 125 GW",
            lambda g: capex_2025_2030(g) / gw_added_2025_2030(g),
        ),
        Figure(
            "capex-2030",
            "technology developers' share",
            None,
            0.60,
            "fraction",
            0.50,
            0.70,
            "±10 points (McKinsey rounds to 5 points; its energisers include cooling)",
            f"{src}: 60 % technology developers, 25 % energisers, 15 % builders",
            lambda g: capex_2025_2030(g, parts[:2]) / capex_2025_2030(g, parts),
        ),
    ]


# ------------------------------------------------------------------ OpenAI's statements
_NO_2023 = (
    "the catalog has no OpenAI fleet before end-2024, so no preset can start in 2023; the "
    "end-2024 fleet is the 0.6 GW statement itself"
)


def _openai_revenue(g: Get, year: int) -> float:
    """ARR at year end: IT GW online × the catalog's revenue per GW-yr (the engine's revenue)."""
    r = g("openai-statements")
    per_gw = r.catalog.companies["openai"].facts["revenue_per_gw_yr_usd_b"].value
    gw = r.start_it_gw() if year == 2024 else r.p50("it_gw_online", year)
    return float(gw * per_gw)


def _openai_commitments(g: Get) -> float:
    fin = g("openai-statements").fin
    assert fin is not None
    return float(fin["committed_usd_b"].values.sum() + fin["contingent_usd_b"].values.sum())


def _openai() -> list[Figure]:
    s = "openai-statements"
    tol = "±25 %"
    friar = f"{FRIAR} (CFO Friar, 2026-01-19)"
    out = [
        Figure(
            s,
            "OpenAI compute",
            2023,
            0.2,
            "GW (IT)",
            *rel(0.2, 0.25),
            tol,
            friar,
            lambda g: g(s).p50("it_gw_online", 2023),
            gap=_NO_2023,
        ),
        Figure(
            s,
            "OpenAI compute",
            2024,
            0.6,
            "GW (IT)",
            *rel(0.6, 0.25),
            tol,
            friar,
            lambda g: g(s).start_it_gw(),
            in_sample=True,
        ),
        Figure(
            s,
            "OpenAI compute",
            2025,
            1.9,
            "GW (IT)",
            *rel(1.9, 0.25),
            tol,
            friar,
            lambda g: g(s).p50("it_gw_online", 2025),
        ),
        Figure(
            s,
            "OpenAI revenue (ARR)",
            2023,
            2.0,
            "$B",
            *rel(2.0, 0.25),
            tol,
            friar,
            lambda g: _openai_revenue(g, 2023),
            gap=_NO_2023,
        ),
        Figure(
            s,
            "OpenAI revenue (ARR)",
            2024,
            6.0,
            "$B",
            *rel(6.0, 0.25),
            tol,
            friar,
            lambda g: _openai_revenue(g, 2024),
            in_sample=True,
        ),
        Figure(
            s,
            "OpenAI revenue (ARR)",
            2025,
            20.0,
            "$B",
            *rel(20.0, 0.25),
            tol,
            friar,
            lambda g: _openai_revenue(g, 2025),
        ),
        Figure(
            s,
            "OpenAI compute committed (~8 years)",
            2033,
            30.0,
            "GW (IT)",
            *rel(30.0, 0.25),
            tol,
            f"{ALTMAN} (Altman, 2025-10-28: ~30 GW for ~$1.4T)",
            lambda g: g(s).p50("it_gw_online", 2033),
        ),
        Figure(
            s,
            "OpenAI commitments (~8 years)",
            2033,
            1400.0,
            "$B",
            *rel(1400.0, 0.25),
            tol,
            f"{ALTMAN}; https://www.techbuzz.ai/articles/openai-hits-20b-arr-commits-1-4t-for-ai-infrastructure",
            _openai_commitments,
            gap="the catalog records ≈ $1.0T of contracts and pledges by 2026-11-01 (Oracle $300B, "
            "Microsoft $250B, AWS $100B+, AMD …); the rest of Altman's $1.4T (TCO of ~30 GW) "
            "is not in signed contracts the catalog can source",
        ),
    ]
    return out


FIGURES: list[Figure] = [*_ai2027(), *_epoch(), *_mckinsey(), *_openai()]
#: the presets the figures read, with whether they need the finance pass
STUDY_PRESETS = {
    "ai-2027": False,
    "epoch-2030": False,
    "capex-2030": False,
    "openai-statements": True,
}
