"""Finance model: conservation, closed forms, monotonicity, toy loops and published checks."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures import synthetic_physical
from gigafactory.catalog import load_catalog
from gigafactory.errors import GigafactoryError
from gigafactory.finance import (
    FinanceSettings,
    deal_table,
    finance_tables,
    run_finance,
    summarise_finance,
)
from gigafactory.finance.circularity import finn_cycling_index, money_loops
from gigafactory.finance.contracts import capped, loan_flows
from gigafactory.finance.engine import generate_postings, make_plan, physical_batch, sample_draws
from gigafactory.finance.warrant import one_touch_share_value, one_touch_share_value_mc, vest_weeks
from ledger_check import cash_change_from_flows

#: float32 sums of ~$100B weekly flows: a few 1e-5 $B of rounding.
BALANCE_TOL = 1e-3
CAT = load_catalog()


def _run(ph: xr.Dataset, seed: int = 1, **kw: object) -> xr.Dataset:
    return run_finance(ph, FinanceSettings(**kw), CAT, np.random.default_rng(seed))  # type: ignore[arg-type]


def _postings(ph: xr.Dataset, seed: int = 1, **kw: object):  # type: ignore[no-untyped-def]
    s = FinanceSettings(**kw)  # type: ignore[arg-type]
    plan = make_plan(ph, s, CAT)
    dr = sample_draws(plan, CAT, np.random.default_rng(seed), ph.sizes["draw"])
    return generate_postings(plan, CAT, dr, physical_batch(plan, ph, slice(None), CAT, dr.convert))


@pytest.fixture(scope="module")
def fin() -> xr.Dataset:
    return _run(synthetic_physical(64))


# ---------------------------------------------------------------- conservation
def test_cash_balances_move_by_the_reported_flows(fin: xr.Dataset) -> None:
    """Each entity's weekly cash balance (the ledger's state) changes over a year by exactly its
    cash in minus cash out summed from the per-link yearly flows the dataset reports — two
    independent paths through the engine (the balance loop and the flow aggregation)."""
    checked = 0
    for e in fin.entity.values:
        change, net = cash_change_from_flows(fin, str(e))
        ok = np.isfinite(change)
        checked += int(ok.sum())
        np.testing.assert_allclose(change[ok], net[ok], atol=BALANCE_TOL * 10, rtol=1e-5)
    assert checked > 0


def test_cash_balances_follow_the_ledger(fin: xr.Dataset) -> None:
    cash = fin["cash_usd_b"].sel(entity="openai")
    t0 = int(np.argmax(np.isfinite(cash.isel(draw=0).values)))
    incoming = (
        fin["flow_usd_b"].where(fin["link_payee"] == "openai").where(fin["link_kind"] == "cash")
    )
    assert np.isfinite(cash.values[:, t0:]).all()
    assert np.isnan(cash.values[:, :t0]).all()
    assert float(incoming.sum()) > 0


def test_results_do_not_depend_on_batch_size() -> None:
    ph = synthetic_physical(20)
    a, b = _run(ph, chunk_draws=7), _run(ph, chunk_draws=20)
    np.testing.assert_allclose(a["funding_gap_usd_b"], b["funding_gap_usd_b"], rtol=1e-5)


# ---------------------------------------------------------------- warrants
def test_warrant_closed_form_matches_monte_carlo_within_3_se() -> None:
    rng = np.random.default_rng(7)
    for s0, h, r, sig, t in ((209.0, 600.0, 0.037, 0.55, 5.0), (100.0, 130.0, 0.03, 0.3, 2.0)):
        mean, se = one_touch_share_value_mc(s0, h, r, sig, t, rng, paths=40_000, steps=100)
        cf = float(one_touch_share_value(s0, h, r, sig, t))
        assert abs(mean - cf) < 3 * se, (mean, se, cf)


def test_warrant_closed_form_matches_quantlib() -> None:
    ql = pytest.importorskip("QuantLib")
    s0, h, r, sig, years = 209.0, 600.0, 0.037, 0.55, 5.0
    d0 = ql.Date(6, 10, 2025)
    ql.Settings.instance().evaluationDate = d0
    dc = ql.Actual365Fixed()
    expiry = d0 + ql.Period(round(years * 365), ql.Days)
    proc = ql.BlackScholesMertonProcess(
        ql.QuoteHandle(ql.SimpleQuote(s0)),
        ql.YieldTermStructureHandle(ql.FlatForward(d0, 0.0, dc, ql.Continuous)),
        ql.YieldTermStructureHandle(ql.FlatForward(d0, r, dc, ql.Continuous)),
        ql.BlackVolTermStructureHandle(ql.BlackConstantVol(d0, ql.NullCalendar(), sig, dc)),
    )
    opt = ql.VanillaOption(
        ql.AssetOrNothingPayoff(ql.Option.Call, h), ql.AmericanExercise(d0, expiry, False)
    )
    opt.setPricingEngine(ql.AnalyticDigitalAmericanEngine(proc))
    t = dc.yearFraction(d0, expiry)
    # QuantLib pays the hurdle H at the hit; our tranche is the share itself (worth H at the hit)
    assert float(one_touch_share_value(s0, h, r, sig, t)) == pytest.approx(opt.NPV(), rel=1e-6)


@settings(max_examples=40, deadline=None)
@given(h1=st.floats(50, 1000), dh=st.floats(0, 500), sig=st.floats(0.1, 1.0), t=st.floats(0.1, 10))
def test_higher_hurdle_never_a_more_valuable_warrant(
    h1: float, dh: float, sig: float, t: float
) -> None:
    v1, v2 = one_touch_share_value(209.0, [h1, h1 + dh], 0.037, sig, t)
    assert v2 <= v1 + 1e-9


def test_amd_warrant_full_vesting_at_600_is_96_billion() -> None:
    """The engine's posted warrant shares, in a world where AMD delivers its 6 GW and trades at
    $600, against the published full value: 160M shares × $600 = $96B ("~$100B"; UBS via
    https://wired24.co.za/2025/10/07/wall-street-analysts-predict-amds-stock-will-offset-openais-
    billion-dollar-chip-investments ; facts/deals-and-hardware.md amd.warrant_value).  The price
    path is pinned in the sampled draws, so only the engine's vesting and posting are tested."""
    ph = synthetic_physical(4, scale=2.0)  # ≥ 6 GW of AMD delivered in every draw
    assert (ph["it_gw_delivered_by_vendor"].sel(vendor="amd").isel(week=-1) >= 6.0).all()
    st_ = FinanceSettings(as_of="2025-12-31", p_convert=1.0)
    plan = make_plan(ph, st_, CAT)
    dr = sample_draws(plan, CAT, np.random.default_rng(1), 4)
    dr.prices["amd"][:] = 600.0
    post, _ = generate_postings(
        plan, CAT, dr, physical_batch(plan, ph, slice(None), CAT, dr.convert)
    )
    got = sum(
        f.sum(axis=1)
        for lk, f in zip(post.links, post.flows, strict=True)
        if lk.flow == "warrant_shares" and lk.contract == "amd_warrant"
    )
    np.testing.assert_allclose(got, 96.0, rtol=1e-4)


def test_warrant_vests_only_after_both_price_and_gw() -> None:
    price = np.array([[100, 700, 100, 100, 100]], dtype=np.float32)
    gw = np.array([[0, 0, 0, 1, 1]], dtype=np.float32)
    vest = vest_weeks(price, gw, np.array([600.0]), np.array([1.0]), 0, 4)
    assert vest[0, 0] == 3  # the price touched in week 1, the GW came in week 3


# ---------------------------------------------------------------- monotonicity
@settings(max_examples=8, deadline=None)
@given(lo=st.floats(0.2, 1.5), extra=st.floats(0.0, 1.5))
def test_more_revenue_never_a_bigger_gap(lo: float, extra: float) -> None:
    ph = synthetic_physical(8)
    a, b = _run(ph, revenue_scale=lo), _run(ph, revenue_scale=lo + extra)
    assert (
        b["funding_gap_usd_b"].sel(entity="openai")
        <= a["funding_gap_usd_b"].sel(entity="openai") + 1e-3
    ).all()


@settings(max_examples=6, deadline=None)
@given(delay=st.integers(0, 150))
def test_longer_delay_never_earlier_payments(delay: int) -> None:
    """Cumulative delivery-driven payments of a delayed build never run ahead of the base."""
    base, late = _run(synthetic_physical(6)), _run(synthetic_physical(6, delay_weeks=float(delay)))
    for flow in ("hardware", "capacity_fee", "facility_capex"):
        sel = (base["link_flow"] == flow) & (base["link_payer"] != "external")
        cb = base["flow_usd_b"].where(sel).sum("link").cumsum("year")
        cl = late["flow_usd_b"].where(sel).sum("link").cumsum("year")
        assert (cl <= cb + 1e-3).all(), flow
    never = np.iinfo(np.int32).max
    vb, vl = (
        np.where(x < 0, never, x)
        for x in (
            base["warrant_vest_week__amd_warrant"].values,
            late["warrant_vest_week__amd_warrant"].values,
        )
    )
    assert (vl >= vb).all()  # warrant tranches vest no earlier


# ---------------------------------------------------------------- circularity
def test_two_node_round_trip_cycles_half() -> None:
    """A invests 10 in B; B buys 10 from A; B has 10 of external revenue → ρ = 0.5, FCI = 0.5
    (facts/finance.md §1.3 toy check)."""
    fci, rho = finn_cycling_index(np.array([[0, 10.0], [10.0, 0]]), np.array([0.0, 10.0]))
    assert float(fci) == pytest.approx(0.5)
    np.testing.assert_allclose(rho, [0.5, 0.5])


def test_four_node_toy_network() -> None:
    """OpenAI→Oracle 30, Oracle→Nvidia 40, Nvidia→OpenAI 10, OpenAI→AMD 15; inflows OpenAI 53,
    Oracle 38 → FCI = 0.064, return probability 7% for the loop, 0 for AMD (facts/finance.md §1.3)."""
    f = np.zeros((4, 4))
    f[0, 1], f[1, 2], f[2, 0], f[0, 3] = 30, 40, 10, 15
    fci, rho = finn_cycling_index(f, np.array([53.0, 38.0, 0, 0]))
    assert float(fci) == pytest.approx(0.064, abs=5e-4)
    np.testing.assert_allclose(rho, [0.07, 0.07, 0.07, 0.0], atol=1e-3)


def test_no_loop_no_cycling_and_loops_ranked_by_bottleneck() -> None:
    fci, _ = finn_cycling_index(np.array([[0, 5.0], [0, 0]]), np.array([5.0, 0]))
    assert float(fci) == 0.0
    loops = money_loops({("a", "b"): 10, ("b", "a"): 3, ("b", "c"): 8, ("c", "a"): 9}, 4)
    assert [lp["loop"] for lp in loops] == ["a → b → c → a", "a → b → a"]
    assert loops[0]["min_flow_usd_b"] == 8


# ---------------------------------------------------------------- contracts
def test_loan_is_repaid_and_caps_hold() -> None:
    draw = np.zeros((2, 60), dtype=np.float32)
    draw[:, 3] = 10.0
    principal, interest = loan_flows(draw, np.array([0.05, 0.0]), 20)
    assert principal.sum(axis=1) == pytest.approx([10.0, 10.0], rel=1e-5)
    assert interest[1].sum() == 0
    assert interest[0].sum() > 0
    f = np.ones((2, 10), dtype=np.float32)
    assert capped(f, np.array([3.0, 20.0])).sum(axis=1) == pytest.approx([3.0, 10.0])


# ---------------------------------------------------------------- published checks
def test_nvidia_loi_is_about_100_billion() -> None:
    """10 GW × ~$10B per GW = ~$100B (https://www.mexc.fm/en-TR/news/nvidia-plans-to-invest-100-
    billion-in-openai-with-an-initial-investment-of-10-billion/105736 ; https://evertiq.com/design/
    2025-09-23-nvidia-to-invest-up-to-100-billion-in-openai)."""
    d = CAT.deals["nvidia_loi_2025"]
    assert d.gw is not None
    assert d.usd_b is not None
    assert d.gw.value * d.terms["usd_b_per_gw"].value == pytest.approx(d.usd_b.value, rel=0.05)
    ph = synthetic_physical(4, scale=2.0)  # enough Nvidia GW to deliver all 10 tranches
    fin = _run(ph, as_of="2025-12-31", p_convert=1.0)
    sel = fin["link_contract"] == "nvidia_loi_2025"
    total = fin["flow_usd_b"].where(sel & (fin["link_kind"] == "cash")).sum(["year", "link"])
    assert total.values == pytest.approx(np.full(4, 100.0), rel=1e-4)


def test_openai_commitments_cost_per_gw() -> None:
    """$1.4T for ~30 GW ≈ $46.7B per GW (https://www.newsmax.com/finance/streettalk/sam-altman-
    open-ai-trillion/2025/10/29/id/1232304/)."""
    content = CAT.companies["nvidia"].facts["content_usd_b_per_gw"].value
    facility = CAT.companies["external"].facts["facility_capex_usd_b_per_gw"].value
    assert content + facility == pytest.approx(1400.0 / 30.0, rel=0.1)


# ---------------------------------------------------------------- the as-of date
def test_as_of_switches_the_nvidia_loi_to_equity() -> None:
    early, late = (
        deal_table(CAT, "2025-12-31").set_index("deal"),
        deal_table(CAT, "2026-06-30").set_index("deal"),
    )
    assert early.loc["nvidia_loi_2025", "status"] == "loi"
    assert late.loc["nvidia_loi_2025", "status"] == "superseded"
    assert late.loc["nvidia_loi_2025", "replaced_by"] == "nvidia_equity_2026"
    assert early.loc["nvidia_equity_2026", "status"] is None or np.isnan(
        early.loc["nvidia_equity_2026", "status"]
    )
    assert late.loc["nvidia_equity_2026", "status"] == "definitive"
    ph = synthetic_physical(4)
    a, b = _run(ph, as_of="2025-12-31", p_convert=1.0), _run(ph, as_of="2026-06-30", p_convert=1.0)
    assert "nvidia_loi_2025" in set(a["link_contract"].values) - set(b["link_contract"].values)
    assert "nvidia_equity_2026" in set(b["link_contract"].values) - set(a["link_contract"].values)


def test_bad_dates_are_user_errors() -> None:
    with pytest.raises(GigafactoryError, match="not a date"):
        deal_table(CAT, "2026-13-45")
    with pytest.raises(ValueError, match="not a date"):
        FinanceSettings(as_of="yesterday")


def test_summary_has_the_contracted_keys(fin: xr.Dataset) -> None:
    s = summarise_finance(fin)
    for k in (
        "funding_gap_usd_b",
        "first_breach",
        "runway_weeks",
        "exposure_usd_b",
        "circularity",
        "warrants",
    ):
        assert k in s
    assert set(s["funding_gap_usd_b"]) == {"p5", "p50", "p95"}
    assert s["first_breach"] is None or s["first_breach"][4:6] == "-W"
    assert len(finance_tables(s)) == 4
    from rich.console import Console

    con = Console(width=80, record=True)
    for t in finance_tables(s):  # piped: laid out for 80 columns, ids whole
        con.print(t)
    text = con.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert s["warrants"], "the fixture's deal web has the AMD warrant"
    for did in s["warrants"]:
        assert did in text, did
    import json

    json.dumps(s)


@settings(max_examples=150, deadline=None)
@given(
    edges=st.sets(
        st.tuples(st.sampled_from("abcdefg"), st.sampled_from("abcdefg")).filter(
            lambda e: e[0] != e[1]
        ),
        max_size=25,
    ),
    bound=st.integers(1, 5),
)
def test_simple_cycles_are_networkx_cycles(edges: set[tuple[str, str]], bound: int) -> None:
    """The loop finder lists exactly networkx's bounded simple cycles (each once)."""
    import networkx as nx

    from gigafactory.finance.circularity import simple_cycles

    def canon(c: list[str]) -> tuple[str, ...]:
        i = c.index(min(c))
        return tuple(c[i:] + c[:i])

    g = nx.DiGraph(list(edges))
    ours = [canon(c) for c in simple_cycles(edges, bound)]
    assert len(ours) == len(set(ours))
    assert set(ours) == {canon(c) for c in nx.simple_cycles(g, length_bound=bound)}
