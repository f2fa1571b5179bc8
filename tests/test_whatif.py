"""Deal what-ifs (the scenario's ``deals:`` section): rules on hand cases, validation, and the
physical and money sides following the restated deal."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from gigafactory.catalog import load_catalog
from gigafactory.catalog.schema import Catalog
from gigafactory.cli import app
from gigafactory.compile import compile_inputs
from gigafactory.errors import GigafactoryError
from gigafactory.finance.contracts import active_deals
from gigafactory.finance.whatif import DealWhatIf, apply_deal_whatifs, p_convert_of, restate
from gigafactory.pipeline import run_money, simulate_scenario
from gigafactory.scenario.loader import load_scenario, load_scenario_text
from gigafactory.timegrid import parse_when

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "whatif-broadcom-oracle.yaml"
AS_OF = "2026-11-01"
runner = CliRunner()


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return load_catalog()


def test_gw_zero_takes_the_value_with_it(cat: Catalog) -> None:
    d = restate(cat.deals["microsoft_250b"], DealWhatIf(gw=0.0), AS_OF)
    assert d.gw is not None and d.gw.value == 0.0 and d.gw.low is None
    assert d.usd_b is not None and d.usd_b.value == 0.0  # price per GW kept: 250 × 0/2.7
    half = restate(cat.deals["oracle_300b"], DealWhatIf(gw=2.25), AS_OF)
    assert half.usd_b is not None and half.usd_b.value == pytest.approx(150.0)
    assert half.schedule["2028-12"].value == pytest.approx(2.25)  # 4.5 × ½
    assert half.schedule["2026-12"].value == pytest.approx(0.6)  # 1.2 × ½
    repriced = restate(cat.deals["oracle_300b"], DealWhatIf(usd_b=200.0), AS_OF)
    assert repriced.usd_b is not None and repriced.usd_b.value == 200.0
    assert repriced.gw is not None and repriced.gw.value == 4.5  # a repricing keeps the GW


def test_shift_moves_every_date_and_the_ramp_start(cat: Catalog) -> None:
    src = cat.deals["oracle_300b"]
    d = restate(src, DealWhatIf(shift_weeks=52), AS_OF)
    moved = {parse_when(k) - dt.timedelta(weeks=52) for k in d.schedule}
    assert {parse_when(k) for k in src.schedule} <= moved
    start = min(parse_when(e.date) for e in src.status_history)
    zero = (start + dt.timedelta(weeks=52)).isoformat()
    assert d.schedule[zero].value == 0.0  # nothing delivered before the shifted start
    eq = restate(cat.deals["softbank_30b_2026"], DealWhatIf(shift_weeks=10), AS_OF)
    assert [parse_when(k) for k in eq.payments] == [dt.date(2026, 5, 11)]  # 2026-03-02 + 10 wk


def test_status_p_convert_and_idempotence(cat: Catalog) -> None:
    sc = load_scenario_text(
        "name: t\nextends: announced\ndeals:\n  broadcom_10gw: {p_convert: 0.9}\n"
        "  coreweave_22b: {status: cancelled}\n",
        cat,
    )
    once = apply_deal_whatifs(cat, sc)
    assert "coreweave_22b" not in active_deals(once, AS_OF)
    assert "coreweave_22b" in active_deals(cat, AS_OF)
    assert p_convert_of(once.deals["broadcom_10gw"], 0.5) == 0.9
    assert p_convert_of(cat.deals["broadcom_10gw"], 0.5) == 0.5
    twice = apply_deal_whatifs(once, sc)
    assert twice.deals == once.deals  # applying again changes nothing (compile and money both do)
    shifted = load_scenario_text(
        "name: t\nextends: announced\ndeals: {oracle_300b: {shift_weeks: 52}}\n", cat
    )
    a = apply_deal_whatifs(cat, shifted)
    assert apply_deal_whatifs(a, shifted).deals["oracle_300b"] == a.deals["oracle_300b"]


BAD = """name: bad
extends: announced
deals:
  broadcom_10g: {status: cancelled}
  oracle_300b: {status: cancel}
  microsoft_250b: {gw: -1}
  amd_warrant: {terms: {first_hurdle: 300}}
  amd_6gw: {p_convert: 0.3}
"""


def test_bad_whatifs_one_message_each(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(BAD)
    with pytest.raises(GigafactoryError) as exc:
        load_scenario(f)
    got = {p.key: p for p in exc.value.problems}
    assert "did you mean 'broadcom_10gw'" in got["deals.broadcom_10g"].message
    assert "did you mean 'cancelled'" in got["deals.oracle_300b.status"].message
    assert "greater than or equal to 0" in got["deals.microsoft_250b.gw"].message
    assert "did you mean 'first_hurdle_usd'" in got["deals.amd_warrant.terms.first_hurdle"].message
    assert {p.line for p in exc.value.problems} >= {4, 5, 6, 7}
    assert all(p.file == str(f) for p in exc.value.problems)
    # the p_convert of a binding deal is found once the schema errors are fixed
    f.write_text("name: b\nextends: announced\ndeals:\n  amd_6gw: {p_convert: 0.3}\n")
    with pytest.raises(GigafactoryError) as exc2:
        load_scenario(f)
    (p,) = exc2.value.problems
    assert p.key == "deals.amd_6gw.p_convert" and p.line == 4 and "non-binding" in p.message
    res = runner.invoke(app, ["validate", str(f)])  # main() turns this into exit 2
    assert isinstance(res.exception, GigafactoryError), res.output


def _fin(cat: Catalog, text: str, draws: int = 40):  # type: ignore[no-untyped-def]
    sc = load_scenario_text(text, cat)
    ds = simulate_scenario(sc, cat, draws=draws, seed=5)
    return sc, ds, run_money(sc, cat, ds)


def test_microsoft_at_zero_gw_leaves_no_microsoft_exposure(cat: Catalog) -> None:
    base = "name: b\nextends: announced\n"
    _, _, f0 = _fin(cat, base)
    _, _, f1 = _fin(cat, base + "deals: {microsoft_250b: {gw: 0}}\n")
    e0 = f0["exposure_usd_b"].sel(counterparty="microsoft").median().item()
    e1 = f1["exposure_usd_b"].sel(counterparty="microsoft").median().item()
    assert e0 > 200.0 and e1 == 0.0
    fee = f1["flow_usd_b"].where(f1["link_contract"] == "microsoft_250b", 0.0).sum().item()
    assert fee == 0.0  # and no cash follows the deal
    c1 = f1["committed_usd_b"].where(f1["link_contract"] == "microsoft_250b", 0.0).sum().item()
    assert c1 == 0.0


def test_cancelled_deal_leaves_the_physical_side(cat: Catalog) -> None:
    base = load_scenario("announced", cat)
    what = load_scenario(EXAMPLE, cat)
    # median draws: a cancelled deal draws no conversion, so random streams would not line up
    i0 = compile_inputs(base, cat, 1, median=True)
    i1 = compile_inputs(what, cat, 1, median=True)
    assert "broadcom_10gw" in i0.deal_converted and "broadcom_10gw" not in i1.deal_converted
    bc = i0.vendors.index("broadcom")
    assert i0.orders_it_mw_cum[0, -1, bc] > 0 and i1.orders_it_mw_cum[0, -1, bc] == 0
    k = i0.grid.index_of("2028-12")
    nv = i0.vendors.index("nvidia")
    # Oracle's 4.5 facility GW (Nvidia systems) a year late: less contracted on Nvidia by 2028
    assert (i1.orders_it_mw_cum[:, k, nv] < i0.orders_it_mw_cum[:, k, nv]).all()
    end = i0.grid.index_of("2031-12")
    np.testing.assert_allclose(i1.orders_it_mw_cum[:, end, nv], i0.orders_it_mw_cum[:, end, nv])


@pytest.mark.slow
def test_runs_diff_ranks_the_whatif_by_absolute_size(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    ids = []
    for ref in ("announced", str(EXAMPLE)):  # runs diff reads the store: no --out files
        args = ["run", ref, "--draws", "40", "--seed", "1", "--store", str(store)]
        res = runner.invoke(app, args)
        assert res.exit_code == 0, res.output
        found = re.search(r"Saved as run (\w+)", res.output)
        assert found, res.output
        ids.append(found.group(1))
    res = runner.invoke(app, ["runs", "diff", *ids, "--store", str(store), "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert {s[0] for s in d["settings"]} >= {
        "deals.broadcom_10gw.status",
        "deals.oracle_300b.shift_weeks",
    }
    moved = [m for m in d["metrics"] if m["delta"] is not None]
    from gigafactory.labels import unit_of

    # GW first, then $B; within a unit the largest absolute move first (not a % residue)
    units = [unit_of(m["metric"]) for m in moved]
    assert units[0] == "GW" and abs(moved[0]["delta"]) > 1.0, moved[0]
    for unit in ("GW", "$B"):
        sizes = [abs(m["delta"]) for m, u in zip(moved, units, strict=True) if u == unit]
        assert sizes and sizes == sorted(sizes, reverse=True), unit
    first_usd = units.index("$B")
    assert set(units[:first_usd]) == {"GW"}
    by = {m["metric"]: m for m in moved}
    assert by["years.2028.contracted_it_gw.p50"]["delta"] < 0  # Oracle late, Broadcom gone


BAD_MONEY = """name: bad-money
extends: announced
overrides:
  companies.openai.facts.equity_round_usd_b_per_yr: -5
  companies.oracle.facts.bond_rate_pct: 120
  constants.cost_of_capital_pct: 150
  companies.oracle.facts.project_finance_usd_b: {dist: triangular, low: -1, mode: 5, high: 10}
"""


def test_negative_channel_capacity_and_cost_of_capital_over_100(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(BAD_MONEY)
    with pytest.raises(GigafactoryError) as exc:
        load_scenario(f)
    got = {p.key: (p.line, p.message) for p in exc.value.problems}
    assert len(got) == 4
    assert got["overrides.companies.openai.facts.equity_round_usd_b_per_yr"][0] == 4
    assert "≥ 0" in got["overrides.companies.openai.facts.equity_round_usd_b_per_yr"][1]
    assert "≤ 100" in got["overrides.companies.oracle.facts.bond_rate_pct"][1]
    assert "≤ 100" in got["overrides.constants.cost_of_capital_pct"][1]
    assert "-1.0" in got["overrides.companies.oracle.facts.project_finance_usd_b"][1]
    # growth rates in %/yr may still exceed 100 %
    from gigafactory.scenario.domains import domain_of

    pct_yr = load_catalog().companies["external"].facts["risk_free_pct"]  # unit %/yr
    assert not domain_of("companies.external.facts.risk_free_pct", pct_yr).contains(101.0)
    assert domain_of("tiers.x.capacity.growth_pct", pct_yr).contains(150.0)


def test_a_channel_refuses_a_negative_capacity_or_a_cost_above_100() -> None:
    from gigafactory.finance.channels import Channel

    with pytest.raises(GigafactoryError, match="capacity"):
        Channel("revolver", np.array([5.0, -1.0]), np.array([6.0, 6.0]))
    with pytest.raises(GigafactoryError, match="cost"):
        Channel("ig_bond", np.array([5.0]), np.array([120.0]))
    Channel("ig_bond", np.array([0.0]), np.array([100.0]))  # the bounds themselves are fine


def test_warrant_terms_whatif_reaches_the_valuation(cat: Catalog) -> None:
    """The AMD warrant's first hurdle and term, restated: the hurdles move and the value falls."""
    from gigafactory.finance.summary import summarise_finance

    def warrant(extra: str) -> dict[str, object]:
        sc = load_scenario_text("name: w\nextends: announced\n" + extra, cat)
        ds = simulate_scenario(sc, cat, draws=20, seed=2)
        return dict(summarise_finance(run_money(sc, cat, ds))["warrants"]["amd_warrant"])

    base = warrant("")
    hard = warrant("deals: {amd_warrant: {terms: {first_hurdle_usd: 500, expiry_years: 2}}}\n")
    assert base["hurdles_usd"][0] == 250.0 and hard["hurdles_usd"][0] == 500.0  # type: ignore[index]
    assert hard["closed_form_price_only_usd_b"] < base["closed_form_price_only_usd_b"]  # type: ignore[operator]
