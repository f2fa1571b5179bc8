"""The finance results as an ``xr.Dataset`` (see docs/interfaces.md), with committed values per link."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import xarray as xr

from . import contracts as C
from .inputs import (
    Link,
    Plan,
)
from .postings import programme_equity

#: deal kinds whose unpaid value is for capacity the seller can re-let (or systems it can resell)
RELETTABLE = ("cloud_capacity", "hardware_purchase")
#: flows derived from a contract (shares issued, strike paid, shares sold) carry no face value
_DERIVED = ("shares_issued", "warrant_strike", "share_sale")


def _committed(plan: Plan, link: Link) -> tuple[float, float]:
    """(committed, contingent) $B of the contract behind a link (0 for derived flows)."""
    if link.contract not in plan.deals or link.flow in _DERIVED:
        return 0.0, 0.0
    deal, binding = plan.deals[link.contract]
    val = deal.usd_b.value if deal.usd_b is not None else 0.0
    if deal.kind == "equity_investment" and deal.payments:
        val = max(f.value for f in deal.payments.values())
    if deal.kind == "hardware_purchase" and deal.usd_b is None:
        val = 0.0
    if deal.kind == "site_development":  # the programme's headline $ builds the sites its
        # members' contracts pay for (Oracle's $300B is Stargate capacity): only the partners'
        # equity pledges are the programme's own commitment, or its $500B would count twice
        val = sum(programme_equity(deal).values())
    extra = deal.terms["contingent_usd_b"].value if "contingent_usd_b" in deal.terms else 0.0
    return (val, extra) if binding else (0.0, val + extra)


def _primary_links(plan: Plan, links: list[Link]) -> set[int]:
    """The one link per contract that carries its face value: the first link from the deal's
    payer to its payee (else the contract's first link).  A cloud contract also drives hardware,
    facility-capex and energy links; attaching its value to each would count it again."""
    first: dict[str, int] = {}
    direct: dict[str, int] = {}
    for li, lk in enumerate(links):
        if lk.contract not in plan.deals or lk.flow in _DERIVED:
            continue
        deal = plan.deals[lk.contract][0]
        first.setdefault(lk.contract, li)
        if (lk.payer, lk.payee) == (deal.payer, deal.payee):
            direct.setdefault(lk.contract, li)
    return {direct.get(c, i) for c, i in first.items()}


def committed_by_link(plan: Plan, links: list[Link]) -> np.ndarray:
    """``[L, 2]`` (committed, contingent) $B: each contract's value once, on its primary link.

    ``Σ_links committed = Σ_contracts committed`` (the contract of ``summary.json``).
    """
    out = np.zeros((len(links), 2))
    for li in _primary_links(plan, links):
        out[li] = _committed(plan, links[li])
    return out


def _programme_equity(plan: Plan, lk: Link) -> bool:
    """An equity flow into the vehicle of one of the buyer's site-development programmes."""
    deal = plan.deals.get(lk.contract)
    return (
        deal is not None
        and deal[0].kind == "site_development"
        and lk.flow == "equity"
        and lk.payee == lk.contract
    )


def _dataset(
    res: dict[str, Any],
    plan: Plan,
    links: list[Link],
    parties: list[str],
    physical: xr.Dataset,
    imbalance: float,
) -> xr.Dataset:
    n = res["flow"].shape[0]
    ids = [f"{lk.payer}>{lk.payee}:{lk.flow}:{lk.contract}" for lk in links]
    committed = committed_by_link(plan, links)
    buyer = plan.buyer
    # counterparty exposure to the buyer: unpaid committed contracts + financing extended (at cost)
    # a partner's equity in a programme's vehicle that serves the buyer (Stargate) is exposure
    # to the buyer too (postings._post_site_development)
    jv = [_programme_equity(plan, lk) for lk in links]
    cps = sorted(
        (
            {lk.payee for lk in links if lk.payer == buyer}
            | {lk.payer for lk in links if lk.payee == buyer}
            | {lk.payer for lk, j in zip(links, jv, strict=True) if j}
        )
        - C.BOUNDARY
        - {buyer, "dc_spv"}
        - {lk.payee for lk, j in zip(links, jv, strict=True) if j}  # the vehicles themselves
    )
    expo = np.zeros((n, len(cps)), dtype=np.float32)
    relet = np.zeros_like(expo)  # the part owed for capacity the seller can re-let or resell
    equity = np.zeros_like(expo)  # the part invested in the buyer's equity (junior to claims)
    collateral = np.zeros(len(cps))
    total = res["flow"].sum(axis=1)
    for li, lk in enumerate(links):
        if lk.payer == buyer and lk.payee in cps and committed[li, 0] > 0:
            unpaid = np.maximum(committed[li, 0] - res["paid"][:, li], 0.0)
            expo[:, cps.index(lk.payee)] += unpaid
            deal = plan.deals[lk.contract][0]
            if deal.kind in RELETTABLE:
                relet[:, cps.index(lk.payee)] += unpaid
            if "collateral_usd_b" in deal.terms:
                collateral[cps.index(lk.payee)] += deal.terms["collateral_usd_b"].value
        into = lk.payee == buyer or jv[li]
        if into and lk.payer in cps and lk.kind == "cash" and lk.flow == "equity":
            expo[:, cps.index(lk.payer)] += total[:, li]
            equity[:, cps.index(lk.payer)] += total[:, li]
    internal = [q for q in parties if q not in C.BOUNDARY]
    ds = xr.Dataset(
        {
            "cash_usd_b": (("draw", "week", "entity"), res["cash"]),
            "min_cash_usd_b": (("draw", "entity"), res["min_cash"]),
            "funding_gap_usd_b": (("draw", "entity"), res["gap"]),
            "first_breach_week": (("draw", "entity"), res["breach"]),
            "runway_weeks": (("draw", "entity"), res["runway"]),
            "flow_usd_b": (("draw", "year", "link"), res["flow"]),
            "paid_by_as_of_usd_b": (("draw", "link"), res["paid"]),
            "committed_usd_b": (("link",), committed[:, 0]),
            "contingent_usd_b": (("link",), committed[:, 1]),
            "exposure_usd_b": (("draw", "counterparty"), expo),
            "exposure_relettable_usd_b": (("draw", "counterparty"), relet),
            "exposure_equity_usd_b": (("draw", "counterparty"), equity),
            "collateral_usd_b": (("counterparty",), collateral),
            "fci_cash": (("draw",), res["fci_cash"]),
            "fci_cash_and_warrants": (("draw",), res["fci_all"]),
            "return_probability": (("draw", "party"), res["rho"]),
        },
        coords={
            "draw": physical["draw"].values,
            "week": physical["week"].values,
            "entity": list(plan.tracked),
            "year": list(plan.years),
            "link": ids,
            "link_payer": ("link", [lk.payer for lk in links]),
            "link_payee": ("link", [lk.payee for lk in links]),
            "link_kind": ("link", [lk.kind for lk in links]),
            "link_flow": ("link", [lk.flow for lk in links]),
            "link_contract": ("link", [lk.contract for lk in links]),
            "link_basis": ("link", [lk.basis for lk in links]),
            "counterparty": cps,
            "party": internal,
        },
    )
    warrants: dict[str, Any] = {}
    for did, x in res["warrants"].items():
        ds[f"warrant_vest_week__{did}"] = (("draw", f"tranche__{did}"), x["vest_week"])
        ds[f"warrant_value_usd_b__{did}"] = (("draw",), x["pv_usd_b"].astype(np.float32))
        warrants[did] = {
            k: (np.asarray(x[k]).tolist() if k in ("hurdles", "gw_milestones") else x[k])
            for k in (
                "hurdles",
                "gw_milestones",
                "shares_per_tranche",
                "closed_form_usd_b",
                "full_at_final_hurdle_usd_b",
            )
        }
    ds.attrs.update(
        {
            "scope": plan.scope,
            "buyer": buyer,
            "as_of": plan.settings.as_of,
            "as_of_week": plan.asof_week,
            "max_weekly_imbalance_usd_b": imbalance,
            "warrants": json.dumps(warrants),
            "settings": plan.settings.model_dump_json(),
            "loop_length": plan.settings.loop_length,
        }
    )
    return ds
