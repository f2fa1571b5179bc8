"""Programme equity in the ledger: Stargate's partners pay their pledges into the joint venture
as the programme builds (``finance.postings._post_site_development``), and each partner's equity
counts in its exposure to the buyer the vehicle serves."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from gigafactory.catalog import load_catalog
from gigafactory.catalog.schema import Deal
from gigafactory.finance import contracts as C
from gigafactory.finance.postings import _post_site_development, programme_equity
from gigafactory.pipeline import run_money, simulate_scenario
from gigafactory.scenario import load_scenario
from gigafactory.timegrid import TimeGrid, decimal_year, parse_when


def _programme() -> Deal:
    src = "https://example.org/programme"
    return Deal.model_validate(
        {
            "name": "a hand-built programme",
            "kind": "site_development",
            "payer": "softbank",
            "payee": "openai",
            "parties": ["mgx"],
            "basis": "facility",
            "gw": {"value": 4, "unit": "GW", "as_of": "2025-01-01", "source": src, "conf": "B"},
            "schedule": {
                "2027-01-01": {
                    "value": 4,
                    "unit": "GW",
                    "as_of": "2025-01-01",
                    "source": src,
                    "conf": "B",
                }
            },
            "terms": {
                f"{who}_equity_usd_b": {
                    "value": v,
                    "unit": "$B",
                    "as_of": "2025-01-01",
                    "source": src,
                    "conf": "C",
                }
                for who, v in (("softbank", 10.0), ("openai", 6.0), ("mgx", 4.0))
            },
            "status_history": [{"status": "announced", "date": "2025-01-01", "source": src}],
        }
    )


def test_partners_pay_their_pledges_as_the_programme_builds() -> None:
    """By hand: a 2-year linear ramp from 2025-01-01; draw 0 converted, draw 1 not."""
    deal = _programme()
    assert programme_equity(deal) == {"mgx": 4.0, "openai": 6.0, "softbank": 10.0}
    grid = TimeGrid.from_bounds("2024-12-30", "2028-12-25")
    wy = grid.fractional_years()
    bt = SimpleNamespace(
        plan=SimpleNamespace(memo={}, week_years=wy, deals={"jv": (deal, False)}),
        dr=SimpleNamespace(convert={"jv": np.array([True, False])}),
        out=C.Postings(),
        basis=lambda did: "contingent",
    )
    _post_site_development(bt, "jv", deal)  # type: ignore[arg-type]
    flows = {
        (lk.payer, lk.payee, lk.flow): f for lk, f in zip(bt.out.links, bt.out.flows, strict=True)
    }
    assert set(flows) == {
        ("softbank", "jv", "equity"),
        ("openai", "jv", "equity"),
        ("mgx", "jv", "equity"),
        ("jv", "external", "facility_capex"),
    }
    sb = flows[("softbank", "jv", "equity")]
    assert sb[0].sum() == pytest.approx(10.0, rel=1e-5)  # the whole pledge, once
    assert sb[1].sum() == 0.0  # not converted: nothing
    half = int(np.searchsorted(wy, decimal_year(parse_when("2026-01-01"))))
    assert sb[0, :half].sum() == pytest.approx(5.0, abs=0.1)  # half the GW, half the equity
    assert sb[0, np.searchsorted(wy, decimal_year(parse_when("2027-02-01"))) :].sum() == 0.0
    # the vehicle spends what it is paid: its net cash is 0 every week
    paid_in = sum(f for (_, payee, _), f in flows.items() if payee == "jv")
    assert np.allclose(paid_in, flows[("jv", "external", "facility_capex")])


def test_a_partners_programme_equity_is_exposure_to_the_buyer() -> None:
    cat = load_catalog()
    sc = load_scenario("announced", cat)
    ds = simulate_scenario(sc, cat, draws=30)
    fin = run_money(sc, cat, ds)
    conv = ds["deal_converted"].sel(deal="stargate_programme").values.astype(bool)
    assert 0 < conv.mean() < 1  # a non-binding programme: both worlds present
    mgx = fin["exposure_equity_usd_b"].sel(counterparty="mgx").values
    pledge = cat.deals["stargate_programme"].terms["mgx_equity_usd_b"].value
    # MGX has no other deal with the buyer: its exposure is its Stargate equity paid so far
    assert np.all(mgx[~conv] == 0.0)
    assert np.all((mgx[conv] > 0) & (mgx[conv] <= pledge * (1 + 1e-6)))
    assert "stargate_programme" not in [str(c) for c in fin["counterparty"].values]
