"""The partners view of a buyer's run: per partner, what it supplies, when, how much, what it is
paid and what it is exposed to.

A partner is a company on the other side of one of the buyer's deals (payer, payee, vendor or
co-signatory) or a named supplier of a tier (``supply/suppliers.py``).  Every figure is read from
the run: GW online of the partner's accelerators (``it_gw_online_by_vendor``, end of year p50),
ledger flows into and out of it (p50 of the horizon total), its exposure to the buyer (p50) and
its share of the tiers it supplies.  For a vendor whose deal is non-binding (Broadcom's term
sheet), the median over all draws mixes the worlds where the deal converted and where it did
not (a coin flip gives a median of 0); the view also gives the median *within* each case,

    p50(G_v(y) | converted_d),   p50(G_v(y) | not converted_d),   P(converted_d).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import xarray as xr

from ..catalog.schema import Catalog
from ..scenario.schema import Scenario

K = TypeVar("K")

YEARS = ("2027", "2030", "2035")


def partners_view(
    ds: xr.Dataset,
    fin: xr.Dataset | None,
    cat: Catalog,
    sc: Scenario,
    shares: dict[str, dict[str, float]] | None = None,
    plants: dict[str, dict[str, float]] | None = None,
) -> dict[str, Any]:
    """``{partner: {...}}`` for a buyer-scope run (empty for an industry run); ``plants`` is
    ``{tier: {"company/plant": share of the tier}}`` (``supply.suppliers.plant_rows``)."""
    if sc.scope.kind != "buyer":
        return {}
    buyer = str(sc.scope.buyer)
    ends = _year_ends(ds)
    out: dict[str, Any] = {}
    for who, dids in sorted(_partners(cat, buyer, shares or {}).items()):
        row: dict[str, Any] = {
            "name": cat.companies[who].name,
            "deals": {
                d: str(cat.deals[d].status_as_of(sc.as_of) or "not yet announced") for d in dids
            },
            "supplies": _supplies(cat, who, dids, shares or {}, plants or {}),
        }
        if "vendor" in ds.coords and who in [str(v) for v in ds["vendor"].values]:
            row["it_gw_online_p50"] = _gw(ds, who, ends)
            row["cases"] = _cases(ds, cat, who, ends)
        if fin is not None:
            row.update(_money(fin, who))
        out[who] = row
    return out


def _partners(
    cat: Catalog, buyer: str, shares: dict[str, dict[str, float]]
) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for did, d in sorted(cat.deals.items()):
        parties = {d.payer, d.payee, d.vendor, *d.parties}
        if buyer in parties:
            for who in parties - {None, buyer}:
                out.setdefault(str(who), []).append(did)
    for row in shares.values():
        for who in row:
            if who in cat.companies and who != buyer:
                out.setdefault(who, [])
    return out


def _supplies(
    cat: Catalog,
    who: str,
    dids: list[str],
    shares: dict[str, dict[str, float]],
    plants: dict[str, dict[str, float]],
) -> list[str]:
    out = []
    for did in dids:
        d = cat.deals[did]
        what = d.kind.replace("_", " ")
        if d.gw is not None:
            what += f", {d.gw.value:g} GW ({d.basis})"
        if d.usd_b is not None:
            what += f", ${d.usd_b.value:g}B"
        out.append(f"{did}: {what}")
    for tier, row in shares.items():
        if who in row:
            out.append(f"{tier}: {row[who]:.0%} of the tier's capacity")
    for tier, prow in plants.items():
        for key, v in prow.items():
            if key.startswith(f"{who}/"):
                out.append(f"{tier} plant {key.partition('/')[2]}: {v:.1%} of the tier's capacity")
    return out


def _year_ends(ds: xr.Dataset) -> dict[str, int]:
    weeks = pd.DatetimeIndex(ds["week"].values)
    years = np.asarray((weeks + pd.Timedelta(days=3)).year)
    return {y: int(np.nonzero(years == int(y))[0][-1]) for y in YEARS if (years == int(y)).any()}


def _gw(ds: xr.Dataset, vendor: str, ends: dict[str, int]) -> dict[str, float]:
    g = ds["it_gw_online_by_vendor"].sel(vendor=vendor).values  # [D, W]
    return {y: round(float(np.median(g[:, i])), 3) for y, i in ends.items()}


def _cases(ds: xr.Dataset, cat: Catalog, vendor: str, ends: dict[str, int]) -> dict[str, Any]:
    """Conditional medians of the vendor's GW online for each of its non-binding deals."""
    if "deal_converted" not in ds:
        return {}
    g = ds["it_gw_online_by_vendor"].sel(vendor=vendor).values
    out: dict[str, Any] = {}
    for k, did in enumerate(str(x) for x in ds["deal"].values):
        conv = ds["deal_converted"].values[:, k].astype(bool)
        if cat.deals[did].vendor != vendor or conv.all() or not conv.any():
            continue
        out[did] = {
            "p_converted": round(float(conv.mean()), 3),
            "converted_p50": {y: round(float(np.median(g[conv, i])), 3) for y, i in ends.items()},
            "not_converted_p50": {
                y: round(float(np.median(g[~conv, i])), 3) for y, i in ends.items()
            },
        }
    return out


def flow_medians(fin: xr.Dataset, groups: Mapping[K, Sequence[int]]) -> dict[K, float]:
    """Median over draws of each group's total ledger flow over the horizon, $B.

    ``groups`` maps a name to link indices: ``m_g = median_d Σ_{l ∈ g} Σ_y flow_usd_b[d, y, l]``
    (the median of the per-draw total, not a sum of medians).
    """
    per_draw = fin["flow_usd_b"].sum("year").transpose("draw", "link").values
    return {g: float(np.median(per_draw[:, list(ix)].sum(axis=1))) for g, ix in groups.items()}


def _money(fin: xr.Dataset, who: str) -> dict[str, Any]:
    """Ledger flows into and out of ``who`` and its exposure, $B over the horizon.

    Keyed ``flow (contract)`` so a deal's capped fee stands apart from the same partner's other
    business (e.g. Microsoft's legacy capacity and demand-driven renewals beside its $250B
    contract); each value is the median over draws of the per-draw total, not a sum of medians.
    """
    payer, payee = fin["link_payer"].values, fin["link_payee"].values
    flow, contract = fin["link_flow"].values, fin["link_contract"].values

    def side(mask: np.ndarray) -> dict[str, float]:
        groups: dict[str, list[int]] = {}
        for k in np.flatnonzero(mask):
            groups.setdefault(f"{flow[k]} ({contract[k]})", []).append(int(k))
        medians = flow_medians(fin, dict(sorted(groups.items())))
        return {key: round(v, 2) for key, v in medians.items() if v > 0}

    paid, pays = side(payee == who), side(payer == who)
    out: dict[str, Any] = {"paid_usd_b": paid, "pays_usd_b": pays}
    if "exposure_usd_b" in fin and who in [str(c) for c in fin["counterparty"].values]:
        out["exposure_to_buyer_usd_b_p50"] = round(
            float(fin["exposure_usd_b"].sel(counterparty=who).median("draw")), 2
        )
    return out


def partner_rows(view: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """The view as one table: partner, supplies, GW online p50 (2027/2030/2035), paid, exposure."""
    head = [
        "partner",
        "supplies",
        "IT GW online p50 (2027 / 2030 / 2035)",
        "paid $B (p50)",
        "exposure to buyer $B (p50)",
    ]
    rows = []
    for who, r in view.items():
        gw = r.get("it_gw_online_p50", {})
        gw_txt = " / ".join(f"{gw[y]:g}" for y in YEARS if y in gw)
        for did, c in r.get("cases", {}).items():
            conv, no = c["converted_p50"], c["not_converted_p50"]
            gw_txt += (
                f"; {did} converted ({c['p_converted']:.0%}): "
                + " / ".join(f"{conv[y]:g}" for y in YEARS if y in conv)
                + "; not: "
                + " / ".join(f"{no[y]:g}" for y in YEARS if y in no)
            )
        paid = ", ".join(f"{k} {v:g}" for k, v in r.get("paid_usd_b", {}).items())
        expo = r.get("exposure_to_buyer_usd_b_p50")
        rows.append(
            [who, "; ".join(r["supplies"]), gw_txt, paid, "" if expo is None else f"{expo:g}"]
        )
    return head, rows
