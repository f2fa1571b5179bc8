"""Named suppliers inside the tiers, the memory letter's floor, and the partners view."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import xarray as xr
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from gigafactory.catalog import load_catalog
from gigafactory.catalog.schema import Catalog
from gigafactory.compile import compile_inputs
from gigafactory.pipeline import run_money, simulate_scenario
from gigafactory.results.partners import flow_medians, partner_rows, partners_view
from gigafactory.scenario import load_scenario
from gigafactory.supply.suppliers import decode, supplier_binding, tier_shares

LOI = "samsung_sk_memory_loi"


def _point(path: str, fact: Any) -> float:
    return float(fact.value)


def test_tier_shares_name_suppliers_and_the_rest() -> None:
    shares = tier_shares(load_catalog(), _point)
    assert shares["hbm"] == pytest.approx({"sk_hynix": 0.62, "samsung": 0.17, "micron": 0.21})
    assert shares["rack_assembly"]["foxconn"] == pytest.approx(0.4)
    assert shares["transformers"]["hitachi"] + shares["transformers"]["others"] == 1.0
    for row in shares.values():
        assert sum(row.values()) == pytest.approx(1.0)


@given(
    # a tier's shares sum to 1 (tier_shares gives the remainder to "others"), so no all-zero row
    st.dictionaries(st.sampled_from(["a", "b", "c"]), st.floats(0.001, 1), min_size=1),
    st.floats(0, 1),
)
def test_binding_splits_by_capacity_share(raw: dict[str, float], b: float) -> None:
    total = sum(raw.values())
    row = {k: v / total for k, v in raw.items()}
    got = supplier_binding({"t": row}, {"2030": {"t": b}})
    if b == 0:
        assert got == {}
    else:
        assert sum(got["t"]["2030"].values()) == pytest.approx(b, abs=1e-3)


def _with_param(cat: Catalog, tier: str, key: str, value: float) -> dict[str, Any]:
    raw = cat.model_dump(mode="json", exclude_none=True)
    fact = dict(
        raw["tiers"][tier]["params"].get("share_sk_hynix")
        or raw["tiers"]["hbm"]["params"]["share_sk_hynix"]
    )
    fact.update(value=value)
    fact.pop("low", None), fact.pop("high", None)
    raw["tiers"][tier]["params"][key] = fact
    return raw


def test_the_catalog_refuses_shares_over_one_and_unknown_suppliers() -> None:
    cat = load_catalog()
    with pytest.raises(ValidationError, match="sum to"):
        Catalog.model_validate(_with_param(cat, "hbm", "share_micron", 0.5))
    with pytest.raises(ValidationError, match="unknown param"):
        Catalog.model_validate(_with_param(cat, "grid", "share_nobody", 0.1))


def _hbm(cat: Catalog, as_of: str, p_convert: float) -> tuple[np.ndarray, Any]:
    sc = load_scenario("announced", cat)
    sc = sc.model_copy(
        update={"as_of": as_of, "finance": sc.finance.model_copy(update={"p_convert": p_convert})}
    )
    inp = compile_inputs(sc, cat, 1, 1, median=True)
    return inp.cap_hbm_stacks_per_wk[0], inp


def _wafers(cat: Catalog, n: float) -> Any:
    deal = cat.deals[LOI]
    terms = dict(deal.terms)
    terms["dram_wafers_per_month"] = terms["dram_wafers_per_month"].model_copy(update={"value": n})
    return deal.model_copy(update={"terms": terms})


def test_the_memory_letter_floors_the_buyers_hbm_share_while_alive() -> None:
    """At full volume the letter's floor (40 % × 79 %) exceeds OpenAI's 20 % allocation."""
    cat = load_catalog()
    no_loi = cat.model_copy(update={"deals": {k: d for k, d in cat.deals.items() if k != LOI}})
    with_loi, inp = _hbm(cat, "2026-11-01", 1.0)
    without, _ = _hbm(no_loi, "2026-11-01", 1.0)
    wk = inp.grid.index_of("2032-06-30")  # full volume; OpenAI's allocation flat at 0.20
    hbm = decode(inp.meta["supplier_shares"])["hbm"]
    sigma = hbm["sk_hynix"] + hbm["samsung"]  # the signatories' share of HBM
    assert (with_loi >= without * (1 - 1e-6)).all()
    # (the allocation's median world is 0.204, its range being skewed: 0.10–0.33)
    assert with_loi[wk] / without[wk] == pytest.approx(0.40 * sigma / 0.20, rel=0.03)
    start = inp.grid.index_of("2025-06-30")  # before the letter: nothing changes
    assert with_loi[start] == pytest.approx(without[start])
    double = cat.model_copy(update={"deals": {**cat.deals, LOI: _wafers(cat, 1_800_000)}})
    doubled, _ = _hbm(double, "2026-11-01", 1.0)  # the letter's stated volume drives the floor
    assert doubled[wk] / without[wk] == pytest.approx(0.80 * sigma / 0.20, rel=0.03)
    not_taken, _ = _hbm(cat, "2026-11-01", 0.0)  # a letter that never converts
    assert np.allclose(not_taken, without)
    before, _ = _hbm(cat, "2025-09-01", 1.0)  # not yet signed
    assert np.allclose(before, without)


def test_partners_view_splits_a_coin_flip_deal_by_case() -> None:
    cat = load_catalog()
    sc = load_scenario("announced", cat)
    ds = simulate_scenario(sc, cat, draws=60)
    fin = run_money(sc, cat, ds)
    meta = compile_inputs(sc, cat, 1, sc.seed, median=True).meta
    view = partners_view(ds, fin, cat, sc, decode(meta["supplier_shares"]))
    case = view["broadcom"]["cases"]["broadcom_10gw"]
    assert 0 < case["p_converted"] < 1
    assert case["converted_p50"]["2030"] > case["not_converted_p50"]["2030"]
    assert view["oracle"]["paid_usd_b"]["capacity_fee (oracle_300b)"] > 0
    assert "rack_assembly: 41% of the tier's capacity" in view["foxconn"]["supplies"]
    head, rows = partner_rows(view)
    assert len(head) == 5 and {r[0] for r in rows} >= {"broadcom", "foxconn", "hitachi", "samsung"}


def _orders(cat: Catalog, as_of: str) -> tuple[np.ndarray, Any]:
    sc = load_scenario("announced", cat)
    sc = sc.model_copy(
        update={"as_of": as_of, "finance": sc.finance.model_copy(update={"p_convert": 1.0})}
    )
    inp = compile_inputs(sc, cat, 1, 1, median=True)
    return np.asarray(inp.orders_it_mw_cum[0]), inp


def test_the_stargate_programme_floors_total_orders_without_double_counting() -> None:
    """Where the contracts order less than the programme's schedule, the baseline vendor fills
    the gap; where they order more (as of 2026-11-01), the programme adds nothing."""
    cat = load_catalog()
    drop = {"stargate_programme", "stargate_uae"}
    bare = cat.model_copy(update={"deals": {k: d for k, d in cat.deals.items() if k not in drop}})
    early, inp = _orders(cat, "2025-06-01")
    early_bare, _ = _orders(bare, "2025-06-01")
    wk = inp.grid.index_of("2029-12-31")
    gw = sum(float(inp.money[f"deals.{d}.gw"][0]) for d in sorted(drop))  # the drawn GW
    programme = gw / float(inp.pue[0]) * 1e3  # facility GW → IT MW, both programmes
    # the floor is over the mix's vendors; own-supply contracts (Google's TPUs, Cerebras) sit in
    # their clouds, not the programme's buildings, and come on top (compile_partners.contract_skus)
    mixed = [i for i, v in enumerate(inp.vendors) if v not in ("google", "cerebras")]
    got, bare_sum = early[wk, mixed].sum(), early_bare[wk, mixed].sum()
    assert got == pytest.approx(max(programme, bare_sum), rel=1e-6)
    nv = inp.vendors.index("nvidia")
    assert early[wk, nv] > early_bare[wk, nv]
    other = [i for i in range(len(inp.vendors)) if i != nv]
    assert np.allclose(early[:, other], early_bare[:, other])
    late, _ = _orders(cat, "2026-11-01")
    late_bare, _ = _orders(bare, "2026-11-01")
    assert np.allclose(late, late_bare)


def test_flow_medians_are_medians_of_per_draw_totals() -> None:
    """Per-draw horizon totals of link 0: 1, 2, 10; of link 1: 10, 1, 2 (split over two
    years). Each link's median is 2; the pair's per-draw totals 11, 3, 12 have median 11, not
    the sum of medians 4 (what partners and coverage both read)."""
    per_draw = np.array([[1.0, 10.0], [2.0, 1.0], [10.0, 2.0]])  # [draw, link]
    flows = np.stack([0.25 * per_draw, 0.75 * per_draw], axis=1)  # [draw, year, link]
    fin = xr.Dataset({"flow_usd_b": (("draw", "year", "link"), flows)})
    got = flow_medians(fin, {"a": [0], "b": [1], "both": [0, 1]})
    assert got == pytest.approx({"a": 2.0, "b": 2.0, "both": 11.0})
