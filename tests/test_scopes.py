"""Scopes are not mixed: a buyer is not measured against the industry goal, one basis leads,
and no event is dated before the scenario's as-of date."""

from __future__ import annotations

import numpy as np

from gigafactory import compile_inputs, load_catalog, simulate, summarise
from gigafactory.cli.run import summary_tables
from gigafactory.pipeline import run_money
from gigafactory.scenario.loader import load_scenario_text

CAT = load_catalog()
SHORT = "horizon: {start: 2025-W01, end: 2027-W52}\ndraws: 40\n"


def _run(preset: str) -> tuple[object, object, dict[str, object]]:
    sc = load_scenario_text(f"name: t\nextends: {preset}\n{SHORT}", CAT)
    ds = simulate(compile_inputs(sc, CAT, 40, 2))
    med = compile_inputs(sc, CAT, 1, 2, median=True)
    return sc, ds, summarise(ds, sc, med)


def test_a_buyer_is_not_measured_against_the_industry_goal() -> None:
    _, _, buyer = _run("announced")
    assert "needs" not in buyer and "scope_note" in buyer["goal"]  # type: ignore[operator]
    _, _, industry = _run("industry")
    assert "needs" in industry


def test_no_breach_before_the_as_of_date() -> None:
    sc, ds, _ = _run("announced")
    fin = run_money(sc, CAT, ds)  # type: ignore[arg-type]
    first = fin["first_breach_week"].values
    assert (first >= 0).any()  # some entity does breach in some draw: the check has teeth
    assert ((first == -1) | (first >= int(fin.attrs["as_of_week"]))).all()


def test_the_cli_table_leads_with_the_goals_basis() -> None:
    _, _, s = _run("industry")
    for basis, first in (("facility", "facility GW online"), ("it", "IT GW online")):
        s2 = {**s, "lead_basis": basis}
        cols = [c.header for c in summary_tables(s2)[0].columns]
        assert cols[1] == first
    assert s["lead_basis"] == s["goal"]["basis"]  # type: ignore[index]
    assert np.isfinite(s["years"]["2027"]["facility_gw_online"]["p50"])  # type: ignore[index]
