"""Lead times are delays (issue 9, part 4): a named site phase's energisation date comes out of
its construction, equipment and interconnection pipelines and the energisation queue."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from gigafactory import compile_inputs, load_catalog, simulate
from gigafactory.cli import app
from gigafactory.errors import GigafactoryError
from gigafactory.scenario.loader import load_scenario_text
from gigafactory.supply.attribution import relaxed
from gigafactory.supply.inputs import ModelInputs
from gigafactory.supply.leads import (
    NEVER,
    NOT_NEEDED,
    phase_waits,
    queue_position,
    ready_week,
    relaxed_waits,
)

CAT = load_catalog()
DRAWS = 150
#: the planned (catalog) values the hand cases plan on
PLAN = {"construction": 65.0, "transformers": 128.0, "gas_turbines": 104.0, "grid": 208.0}
#: a transformer-bound world: construction and the grid queue at their fastest, fixed
FAST = "  tiers.construction.params.build_weeks: 52\n  tiers.grid.params.wait_weeks: 104\n"
XFMR = (
    "  tiers.transformers.params.lead_weeks: {{dist: pert, low: {lo}, mode: {mode}, high: {hi}}}\n"
)


def _realised(**late: float) -> dict[str, np.ndarray]:
    return {k: np.array([v + late.get(k, 0.0)]) for k, v in PLAN.items()}


def test_ready_week_on_hand_cases() -> None:
    planned, start = np.array([100, 100, 100]), np.array([40, 40, 40])
    kinds = ["grid", "onsite_gas", "mixed"]
    # everything as planned: ready at the planned week
    assert ready_week(phase_waits(planned, start, kinds, _realised(), PLAN)).tolist() == [
        [100, 100, 100]
    ]
    # transformers 10 weeks late: the grid and mixed phases slip 10, behind-the-meter does not
    w = phase_waits(planned, start, kinds, _realised(transformers=10), PLAN)
    assert ready_week(w).tolist() == [[110, 100, 110]]
    assert w["transformers"][0, 1] == NOT_NEEDED and w["gas_turbines"][0, 0] == NEVER
    # grid queue 50 late, turbines 5 late: on-site generation bridges the mixed phase's queue
    w = phase_waits(planned, start, kinds, _realised(grid=50, gas_turbines=5), PLAN)
    assert ready_week(w).tolist() == [[150, 105, 105]]
    # construction 20 % slower: the shell slips 20 % of its 60-week build
    w = phase_waits(planned, start, kinds, _realised(construction=13), PLAN)
    assert ready_week(w).tolist() == [[112, 112, 112]]
    # relaxing a pipeline meets the requirement at once, but never powers a phase by a source
    # it cannot use (a grid phase has no turbines)
    w = phase_waits(planned, start, kinds, _realised(transformers=30, grid=40), PLAN)
    assert ready_week(relaxed_waits(w, "transformers")).tolist() == [[140, 100, 100]]
    assert ready_week(relaxed_waits(w, "gas_turbines")).tolist() == [[140, 100, 130]]
    assert ready_week(relaxed_waits(w, "grid")).tolist() == [[130, 100, 130]]
    # queue places by request date; behind-the-meter phases are not in the queue
    onsite = np.array([False, True, False, False])
    assert queue_position(np.array([30, 5, 10, 30]), onsite).tolist() == [2, 0, 1, 3]


def _inputs(extra: str) -> ModelInputs:
    sc = load_scenario_text(
        "name: leads\nextends: announced\nhorizon: {start: 2025-W01, end: 2030-W52}\n"
        f"overrides:\n{extra}",
        CAT,
    )
    return compile_inputs(sc, CAT, DRAWS, 11)


def _energised(inp: ModelInputs) -> np.ndarray:
    wk = simulate(inp, vendor_detail=False).phase_power_week.values.astype(float)
    return np.where(wk < 0, np.inf, wk)


@pytest.fixture(scope="module")
def lead_pair() -> tuple[ModelInputs, np.ndarray, np.ndarray]:
    """The same draws with the transformer lead as catalogued and 26 weeks longer."""
    base = _inputs(FAST + XFMR.format(lo=80, mode=128, hi=210))
    longer = _inputs(FAST + XFMR.format(lo=106, mode=154, hi=236))
    return base, _energised(base), _energised(longer)


def test_longer_transformer_lead_delays_a_transformer_bound_site(
    lead_pair: tuple[ModelInputs, np.ndarray, np.ndarray],
) -> None:
    inp, base, longer = lead_pair
    ids = list(inp.phase_ids)
    # Stargate UK's first phase is transformer-bound here and alone in its queue: its median
    # energisation moves by the 26 weeks, ± 2 weeks (rounding and the queue's weekly capacity)
    uk = ids.index("uk/0")
    assert abs(np.median(longer[:, uk]) - np.median(base[:, uk]) - 26) <= 2
    # every grid-connected phase still in the queue slips, by at most the 26 weeks (+2): a
    # congested energisation queue absorbs part of a late delivery, never adds to it
    kinds = np.array(inp.phase_power_kind)
    known = np.asarray(inp.phase_energised, dtype=bool)
    for p in np.flatnonzero((kinds != "onsite_gas") & ~known):
        lo, hi = base[:, p], longer[:, p]
        both = np.isfinite(lo) & np.isfinite(hi)
        if both.mean() < 0.5:
            continue
        delay = np.median(hi[both]) - np.median(lo[both])
        assert 0 < delay <= 28, (ids[p], delay)


def test_longer_transformer_lead_leaves_behind_the_meter_sites_alone(
    lead_pair: tuple[ModelInputs, np.ndarray, np.ndarray],
) -> None:
    inp, base, longer = lead_pair
    onsite = np.flatnonzero(np.array(inp.phase_power_kind) == "onsite_gas")
    assert onsite.size >= 2  # Shackelford's first phase and Project Jupiter run on gas
    # served from their own queue, ahead of generic shells: the same week in every draw
    np.testing.assert_array_equal(base[:, onsite], longer[:, onsite])


def test_a_site_on_record_as_energised_is_held_fixed() -> None:
    slow = "  tiers.grid.params.wait_weeks: 260\n" + XFMR.format(lo=150, mode=200, hi=260)
    inp = _inputs("  tiers.construction.params.build_weeks: 187\n" + slow)
    known = np.flatnonzero(np.asarray(inp.phase_energised, dtype=bool))
    assert [inp.phase_ids[p] for p in known] == ["abilene/0"]  # energised 2025-06-30
    wk = _energised(inp)
    for p in known:
        assert (wk[:, p] == inp.phase_planned_wk[p]).all()
    # while a phase not yet energised slips behind its plan in every draw
    p2 = inp.phase_ids.index("abilene/1")
    assert (wk[:, p2] > inp.phase_planned_wk[p2] + 26).all()


def test_delay_attribution_relaxes_the_pipelines(
    lead_pair: tuple[ModelInputs, np.ndarray, np.ndarray],
) -> None:
    inp = lead_pair[0]
    ready = inp.phase_power_wk
    for tier in ("construction", "transformers", "gas_turbines", "grid"):
        assert (relaxed(inp, tier).phase_power_wk <= ready).all(), tier
    # in a transformer-bound world, relaxing transformers brings the grid phases forward
    grid = np.flatnonzero(
        (np.array(inp.phase_power_kind) == "grid") & ~np.asarray(inp.phase_energised)
    )
    assert (relaxed(inp, "transformers").phase_power_wk[:, grid] < ready[:, grid]).mean() > 0.5


# --- bad input: one message each from validate, nothing run -----------------------------------


@pytest.mark.parametrize(
    ("override", "message"),
    [
        # a demand path below zero
        (
            "demand.openai.revenue.points.2030-12: -5",
            "revenue.points.2030-12: -5.0 is outside the allowed values (≥ 0, USD B/yr)",
        ),
        # a spending rule above 100 % of revenue (the buyer's opex as a share of its revenue)
        (
            "companies.openai.facts.opex_share_of_revenue: 1.2",
            "opex_share_of_revenue: 1.2 is\noutside the allowed values (≥ 0 and ≤ 1, fraction)",
        ),
        # a lead time longer than the horizon (574 weeks)
        (
            "tiers.transformers.params.lead_weeks: 700",
            "lead_weeks: 700.0 weeks is \nlonger than the horizon (574 weeks); allowed: ≤ 574",
        ),
    ],
)
def test_bad_input_is_one_message_and_nothing_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, override: str, message: str
) -> None:
    store = tmp_path / "runs.duckdb"
    monkeypatch.setenv("GIGAFACTORY_STORE", str(store))
    monkeypatch.setenv("COLUMNS", "80")
    f = tmp_path / "bad.yaml"
    f.write_text(f"name: bad\nextends: announced\noverrides:\n  {override}\n")
    for args in (
        ["validate", str(f)],
        ["run", str(f), "--draws", "10", "--out", str(tmp_path / "out")],
    ):
        res = CliRunner().invoke(app, args)
        assert isinstance(res.exception, GigafactoryError), res.output
        msg = str(res.exception)
        assert len(res.exception.problems) == 1, msg
        assert f"{f}:4" in msg and " ".join(message.split()) in " ".join(msg.split())
    assert not store.exists() and not (tmp_path / "out").exists()


def test_a_lead_time_within_the_horizon_is_read_by_the_model() -> None:
    # before lead times were delays the engine ignored them, so validate refused an override
    inp = _inputs("  tiers.transformers.params.lead_weeks: 300\n")
    assert "tiers.transformers.params.lead_weeks" in inp.meta["used"].split("|")
