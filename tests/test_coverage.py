"""``deals --coverage``: what each deal and partner drives, from a real small run; orphans flagged."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from gigafactory.catalog import load_catalog
from gigafactory.catalog.schema import Catalog, Company, Deal
from gigafactory.cli import app
from gigafactory.compile import compile_inputs
from gigafactory.coverage import Entry, coverage, orphans
from gigafactory.errors import GigafactoryError
from gigafactory.scenario import load_scenario

DRAWS = 20


def _with_deal(cat: Catalog, did: str, body: dict[str, Any]) -> Catalog:
    return cat.model_copy(update={"deals": {**cat.deals, did: Deal.model_validate(body)}})


def _by_id(entries: list[Entry]) -> dict[tuple[str, str], Entry]:
    return {(e.kind, e.id): e for e in entries}


@pytest.fixture(scope="module")
def shipped() -> list[Entry]:
    cat = load_catalog()
    return coverage(load_scenario("announced", cat), cat, DRAWS)


def test_an_unread_deal_and_its_partner_are_orphans() -> None:
    """A letter to a company nothing else names: no orders, no ledger flow, no capacity read."""
    base = load_catalog()
    acme = Company.model_validate({"name": "Acme Compute", "kind": "cloud"})
    base = base.model_copy(update={"companies": {**base.companies, "acme": acme}})
    cat = _with_deal(
        base,
        "acme_letter",
        {
            "name": "an unread letter",
            "kind": "supply_mou",
            "payer": "openai",
            "payee": "acme",
            "status_history": [
                {"status": "loi", "date": "2026-01-05", "source": "https://example.org/letter"}
            ],
        },
    )
    got = _by_id(coverage(load_scenario("announced", cat), cat, DRAWS))
    assert got[("deal", "acme_letter")].orphan
    assert got[("partner", "acme")].orphan
    assert ("deal", "acme_letter") in {(e.kind, e.id) for e in orphans(list(got.values()))}


def test_a_deal_drives_what_the_run_shows(shipped: list[Entry]) -> None:
    got = _by_id(shipped)
    oracle = got[("deal", "oracle_300b")].drives
    assert any("nvidia chips" in w for w in oracle["orders"])
    assert any(w.startswith("capacity_fee openai→oracle") for w in oracle["cash flows"])
    assert any("amd→openai" in w for w in got[("deal", "amd_warrant")].drives["equity"])
    assert got[("partner", "oracle")].drives["sites"]  # operator of compiled site phases


def test_a_superseded_letter_ordered_while_alive_and_not_after(shipped: list[Entry]) -> None:
    """Nvidia's 10 GW LOI (superseded 2026-02-27) orders chips as of 2026-02-26, not after."""
    loi = _by_id(shipped)[("deal", "nvidia_loi_2025")]
    assert loi.judged_as_of == "2026-02-26" and loi.status == "superseded"
    assert any("nvidia chips, 10 GW" in w for w in loi.drives["orders"])
    cat = load_catalog()
    sc = load_scenario("announced", cat)
    assert "nvidia_loi_2025" not in compile_inputs(sc, cat, 4, 1).deal_converted
    alive = sc.model_copy(update={"as_of": "2026-02-26"})
    assert "nvidia_loi_2025" in compile_inputs(alive, cat, 4, 1).deal_converted


def test_the_letter_raises_orders_only_where_the_contracts_fall_short() -> None:
    """A maximum, not a sum: Nvidia GW in the cloud contracts sit inside the letter's 10 GW."""
    cat = load_catalog()
    sc = load_scenario("announced", cat).model_copy(update={"as_of": "2026-02-26"})
    sc = sc.model_copy(update={"finance": sc.finance.model_copy(update={"p_convert": 1.0})})
    inp = compile_inputs(sc, cat, 1, 1, median=True)
    v = inp.vendors.index("nvidia")
    nv = inp.orders_it_mw_cum[0, :, v]
    no_loi = cat.model_copy(
        update={"deals": {k: d for k, d in cat.deals.items() if k != "nvidia_loi_2025"}}
    )
    base = compile_inputs(sc, no_loi, 1, 1, median=True).orders_it_mw_cum[0, :, v]
    assert (nv >= base - 1e-6).all() and nv[-1] > base[-1]
    assert nv[-1] <= max(base[-1], 10_000.0) + 1e-6  # never contracts + letter


def test_cli_lists_orphans_and_exits_1() -> None:
    res = CliRunner().invoke(
        app, ["deals", "--coverage", "--draws", "10", "--scenario", "announced"]
    )
    assert "orphans (drive nothing):" in res.output
    assert res.exit_code in (0, 1)
    assert (res.exit_code == 1) == ("orphans (drive nothing): none" not in res.output)


def test_cli_refuses_an_industry_scope_cleanly() -> None:
    """A user mistake: one GigafactoryError (``main`` prints it and exits 2), nothing run."""
    res = CliRunner().invoke(app, ["deals", "--coverage", "--scenario", "industry"])
    assert isinstance(res.exception, GigafactoryError)
    assert "needs a buyer scope" in str(res.exception)


def test_the_shipped_catalog_has_no_orphan(shipped: list[Entry]) -> None:
    """Every deal and partner in the catalog drives something the run shows (issue 16)."""
    assert [f"{e.kind} {e.id}" for e in orphans(shipped)] == []
    got = _by_id(shipped)
    for who in ("foxconn", "hitachi", "samsung", "sk_hynix"):
        assert got[("partner", who)].drives.get("suppliers"), who
    assert got[("deal", "samsung_sk_memory_loi")].drives["capacity"]
    # Cerebras is paid (capacity fees) and its 0.75 GW are ordered as CS-3 systems (no gap)
    cerebras = got[("deal", "cerebras_10b")]
    assert cerebras.drives["cash flows"] and not cerebras.gaps
    assert any("cerebras chips" in w for w in cerebras.drives["orders"])
    assert any("as CS3" in w for w in cerebras.drives["orders"])
    google = got[("deal", "google_cloud_2025")]
    assert any("google chips" in w for w in google.drives["orders"]) and not google.gaps
    # Stargate's partners' equity in the joint venture is in the ledger
    equity = got[("deal", "stargate_programme")].drives["equity"]
    assert {w.split(" ")[1].split("→")[0] for w in equity} >= {"softbank", "openai", "mgx"}
    assert not got[("deal", "oracle_300b")].gaps
