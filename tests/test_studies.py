"""The study presets hold the model to the published studies' figures, each within the study's
own interval or a stated tolerance (the figure's ``source`` names the page, figure or table).

The figures live in ``gigafactory.studies.figures.FIGURES`` — the same table that
``gigafactory studies --markdown`` prints for the README — so the README cannot claim a figure
the tests do not check.  A figure the model cannot reach is a strict xfail carrying the reason.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from gigafactory.cli import app
from gigafactory.formulas import vintage_fleet_power_gw
from gigafactory.studies.contrasts import CONTRASTS, Contrast
from gigafactory.studies.figures import (
    AI2027_KW_PER_H100E,
    AI2027_POWER_GW,
    AI2027_PRODUCED_M,
    AI2027_STOCK_M,
    FIGURES,
    STUDY_PRESETS,
    Figure,
    ai2027_power_formula,
)
from gigafactory.studies.runs import StudyRun, cached_run

#: small, fixed draws: the medians the tests read are deterministic for this seed
DRAWS, SEED = 100, 11


def get(preset: str) -> StudyRun:
    return cached_run(preset, DRAWS, SEED, STUDY_PRESETS[preset])


def _case(f: Figure) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=f.gap)] if f.gap else []
    return pytest.param(f, marks=marks, id=f"{f.study}:{f.metric}:{f.year or 'all'}")


@pytest.mark.parametrize("fig", [_case(f) for f in FIGURES])
def test_published_figure(fig: Figure) -> None:
    """The model's median lies in the study's band [low, high] (see the figure's source)."""
    value = fig.model(get)
    assert fig.inside(value), (
        f"{fig.metric} {fig.year}: model {value:.4g} {fig.unit} outside "
        f"[{fig.low:.4g}, {fig.high:.4g}] ({fig.tolerance}; published {fig.published:.4g}; {fig.source})"
    )


def test_every_figure_is_sourced_and_banded() -> None:
    for f in FIGURES:
        assert f.source.startswith("http"), f
        assert f.low <= f.published <= f.high, f
        assert f.study in STUDY_PRESETS and set(f.presets) <= set(STUDY_PRESETS)


def test_ai2027_power_is_a_vintage_fleet_not_stock_times_watts() -> None:
    """AI 2027 §1: 'Total AI DC power' 5, 9, 15, 29, 62 GW.  Its own production, stock and kW per
    H100e rows reproduce it within 7 % (its table rounds to whole GW) when each year's chips keep their year's watts and the
    oldest retire first (``formulas.vintage_fleet_power_gw``); stock × the year's kW misses
    2025 and 2027 by 10–11 %."""
    ys = sorted(AI2027_POWER_GW)
    got = ai2027_power_formula(AI2027_PRODUCED_M)
    for y in ys:
        assert got[y] == pytest.approx(AI2027_POWER_GW[y], rel=0.07), y
    naive = {y: AI2027_STOCK_M[y] * AI2027_KW_PER_H100E[y] for y in ys}
    assert max(abs(naive[y] / AI2027_POWER_GW[y] - 1) for y in ys) > 0.10


def test_vintage_power_by_hand() -> None:
    """Two vintages: 1M at 2 kW, then 1M at 1 kW with the stock held at 1M: the old retire first
    (1 GW, not 2 GW); with no retirement both stay (3 GW)."""
    assert list(vintage_fleet_power_gw([1.0], [1.0], [1.0], 1.0, 2.0)) == [1.0]
    assert list(vintage_fleet_power_gw([1.0], [1.0], [2.0], 1.0, 2.0)) == [3.0]


@pytest.mark.parametrize("c", CONTRASTS, ids=[c.study for c in CONTRASTS])
def test_the_mechanisms_the_study_lacks_make_a_difference(c: object) -> None:
    """The same run read the study's way and with the model's mechanisms on differ by > 5 %
    (the preset's description names the mechanism)."""
    assert isinstance(c, Contrast)
    a, b = c.study_way(get), c.with_mechanisms(get)
    assert a > 0 and b > 0
    assert abs(b / a - 1) > 0.05, (c.what, a, b)


def test_presets_lists_the_studies() -> None:
    res = CliRunner().invoke(app, ["presets"])
    assert res.exit_code == 0, res.output
    for name in STUDY_PRESETS:
        assert name in res.output
