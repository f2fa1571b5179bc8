"""Site phases belong to a deal and an operator; the summary and the store carry each phase's
planned against simulated energisation (issue 9, part 4)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from gigafactory import compile_inputs, load_catalog, simulate
from gigafactory.catalog.loader import DATA_DIR, load_catalog_from
from gigafactory.demand.views import add_market_views
from gigafactory.errors import GigafactoryError
from gigafactory.results.store import RunStore
from gigafactory.results.summary import summarise
from gigafactory.scenario.loader import load_scenario_text

CAT = load_catalog()
SC = load_scenario_text(
    "name: sites\nextends: announced\nhorizon: {start: 2025-W01, end: 2030-W52}\ndraws: 80\n", CAT
)


def test_stargate_sites_of_the_oracle_contract_carry_its_deal() -> None:
    for sid in ("abilene", "shackelford", "dona_ana", "port_washington", "saline"):
        site = CAT.sites[sid]
        assert site.deal is not None and site.deal.id == "oracle_300b", sid
        assert site.operator == "oracle"
        assert site.deal.source.startswith("https://")


def test_an_unknown_deal_is_a_load_error_with_a_suggestion(tmp_path: Path) -> None:
    for f in DATA_DIR.glob("*.yaml"):
        (tmp_path / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    sites = tmp_path / "sites.yaml"
    text = sites.read_text(encoding="utf-8")
    old = '    deal: {id: oracle_300b, source: "https://www.channelnewsasia.com'
    assert text.count(old) == 1
    line = text[: text.index(old)].count("\n") + 1
    sites.write_text(text.replace(old, old.replace("oracle_300b", "oracle_30b")), encoding="utf-8")
    with pytest.raises(GigafactoryError) as exc:
        load_catalog_from(tmp_path)
    msg = str(exc.value)
    assert f"{sites}:{line}" in msg
    assert "sites.saline.deal.id: unknown deal 'oracle_30b' (did you mean 'oracle_300b'?)" in msg
    assert len(exc.value.problems) == 1


@pytest.fixture(scope="module")
def summary() -> dict:  # type: ignore[type-arg]
    inp = compile_inputs(SC, CAT, 80, 4)
    return summarise(add_market_views(inp, simulate(inp, vendor_detail=False)), SC)


def test_summary_sites_compare_plan_and_simulation(summary: dict) -> None:  # type: ignore[type-arg]
    sites = summary["sites"]
    saline = sites["saline/0"]
    assert (saline["deal"], saline["operator"], saline["power"]) == (
        "oracle_300b",
        "oracle",
        "grid",
    )
    assert saline["planned"] == "2027-12-27"  # the catalog's power_ready (2027-12-31), its Monday
    assert sites["milam/0"]["deal"] is None  # a SoftBank lease: no deal in the catalog yet
    for pid, rec in sites.items():
        q = rec["energised"]
        got = [dt.date.fromisoformat(q[k]) for k in ("p5", "p50", "p95") if q[k] is not None]
        assert got == sorted(got), pid
        # the plan: equipment ordered a lead time ahead, construction started before the date
        assert rec["equipment_order"] < rec["planned"], pid
        assert rec["construction_start"] <= rec["planned"], pid
        if rec["power"] == "onsite_gas":
            assert rec["queue_request"] is None and rec["queue_position"] is None
        else:
            # requested a region's queue wait ahead: before the equipment order where the
            # queue is longer than the transformer lead (the US), after it in the Gulf
            assert rec["queue_request"] < rec["planned"] and rec["queue_position"] >= 1
    # history stays on its date; a phase still to come slips by its pipelines and the queue
    assert sites["abilene/0"]["energised"] == {"p5": "2025-06-30"} | dict.fromkeys(
        ("p50", "p95"), "2025-06-30"
    )
    assert sites["saline/0"]["slip_weeks"]["p50"] > 0
    assert sum(sites["saline/0"]["bound_by"].values()) == pytest.approx(1.0)
    places = sorted(r["queue_position"] for r in sites.values() if r["queue_position"])
    assert places == list(range(1, len(places) + 1))


def test_the_store_keeps_the_sites(tmp_path: Path, summary: dict) -> None:  # type: ignore[type-arg]
    store = RunStore(tmp_path / "runs.duckdb")
    inp = compile_inputs(SC, CAT, 40, 4)
    ds = simulate(inp, vendor_detail=False)
    rid = store.save_run(summarise(ds, SC), scenario_yaml="name: sites\n", physical=ds)
    run = store.get_run(rid)
    assert run.summary["sites"]["saline/0"]["deal"] == "oracle_300b"
    assert run.metrics["sites.saline/0.slip_weeks.p50"] == pytest.approx(
        run.summary["sites"]["saline/0"]["slip_weeks"]["p50"]
    )
    phases = run.phases.set_index("phase")
    assert str(phases.loc["saline/0", "planned"])[:10] == "2027-12-27"
    med = np.median(ds["phase_power_week"].sel(phase="saline/0").values)
    assert str(phases.loc["saline/0", "p50"])[:10] == str(
        (ds["week"].values[0] + np.timedelta64(round(med), "W")).astype("datetime64[D]")
    )


def test_the_run_table_shows_demand_and_contracted_beside_online(summary: dict) -> None:  # type: ignore[type-arg]
    from rich.console import Console

    from gigafactory.cli.run import summary_tables

    table = summary_tables(summary, wide=True)[0]
    cols = [str(c.header) for c in table.columns]
    # at 80 columns (piped) the demand and contracted columns outrank facility GW and H100e
    narrow = [str(c.header) for c in summary_tables(summary)[0].columns]
    assert "demand IT GW" in narrow and "contracted IT GW" in narrow, narrow
    assert cols[3:5] == ["demand IT GW", "contracted IT GW"]
    con = Console(width=250, record=True)
    con.print(table)
    text = con.export_text()
    y = summary["years"]["2029"]
    row = next(ln for ln in text.splitlines() if ln.strip("│ ").startswith("2029"))
    for k in ("it_gw_online", "demand_it_gw", "contracted_it_gw"):
        assert f"{y[k]['p50']:.1f}" in row, k
