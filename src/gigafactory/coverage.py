"""What each deal and partner in the catalog drives in the model, from a real (small) run.

Nothing here is a hand list: a deal *drives orders* when the compiled inputs carry its conversion
(``deal_converted``, the chips it orders), *cash flows* or *equity* when the finance ledger posts
a nonzero flow under its contract, *capacity* when the compiler reports reading it for a tier
(``meta["deal_drives"]``), and *sites* when a site phase names it.  A partner (a company party to
a deal, other than the buyer) drives what its deals drive, plus the sites it owns or operates
and the tier capacity it is named for as a supplier.  A deal or partner that drives nothing is an
**orphan**: a catalog entry no computation reads.

A deal not alive on the scenario's ``as_of`` (superseded, cancelled, not yet announced) is judged
on a run as of the last day it was alive (or its first status date): it must drive something
while active, and nothing after.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from .catalog.schema import Catalog, Deal
from .finance.contracts import status_class
from .scenario.schema import Scenario
from .timegrid import parse_when

ROLES = ("orders", "capacity", "suppliers", "cash flows", "equity", "sites")
#: ledger flows that move ownership rather than cash for goods or services
EQUITY_FLOWS = {"equity", "shares_issued", "warrant_shares", "warrant_strike"}


@dataclass
class Entry:
    """One deal's or partner's coverage: ``drives`` maps a role to what it drives there."""

    kind: str  # "deal" or "partner"
    id: str
    status: str
    judged_as_of: str
    drives: dict[str, list[str]] = field(default_factory=dict)
    #: what the entry states but the model does not do (e.g. GW paid for but never ordered)
    gaps: list[str] = field(default_factory=list)

    @property
    def orphan(self) -> bool:
        return not any(self.drives.values())

    def add(self, role: str, what: str) -> None:
        self.drives.setdefault(role, []).append(what)

    def record(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "id": self.id,
            "status": self.status,
            "judged_as_of": self.judged_as_of,
            "drives": {r: self.drives[r] for r in ROLES if self.drives.get(r)},
            "orphan": self.orphan,
            "gaps": self.gaps,
        }


@dataclass(frozen=True)
class _Run:
    """What one small run shows: conversions, per-deal money facts, ledger flows, compile notes."""

    as_of: str
    converted: dict[str, float]  # deal → share of draws in which it ordered chips
    gw: dict[str, float]  # deal → median GW drawn
    flows: list[tuple[str, str, str, str, float, float]]  # (…, p50 $B, share of draws)
    notes: dict[str, list[tuple[str, str]]]  # deal or company → [(role, what)]
    phases: tuple[str, ...]  # site phases compiled ("site/i")


def coverage(sc: Scenario, cat: Catalog, draws: int = 50) -> list[Entry]:
    """Every deal and partner with what it drives (see the module docstring).

    Parameters
    ----------
    sc : a buyer-scope scenario (the deal web is a buyer's); its ``as_of`` dates the statuses.
    cat : the catalog.
    draws : draws of each small run (the physical run and the finance pass).
    """
    runs: dict[str, _Run] = {}

    def run_at(day: str) -> _Run:
        if day not in runs:
            runs[day] = _run(sc.model_copy(update={"as_of": day}), cat, draws)
        return runs[day]

    deals = [_deal_entry(did, d, sc.as_of, run_at) for did, d in sorted(cat.deals.items())]
    now = run_at(sc.as_of)
    partners = _partner_entries(cat, sc, deals, now)
    return deals + partners


def _judge_date(deal: Deal, as_of: str) -> str:
    """``as_of`` when the deal is alive then; else the last day it was alive, or its first date."""
    if status_class(deal.status_as_of(as_of)) in ("binding", "non_binding"):
        return as_of
    events = sorted(deal.status_history, key=lambda e: parse_when(e.date))
    alive = [e for e in events if status_class(e.status) in ("binding", "non_binding")]
    if not alive:
        return as_of
    if parse_when(alive[0].date) > parse_when(as_of):  # not yet announced
        return parse_when(alive[0].date).isoformat()
    later = [e for e in events if parse_when(e.date) > parse_when(alive[-1].date)]
    if not later:
        return as_of
    return (parse_when(later[0].date) - dt.timedelta(days=1)).isoformat()


def _deal_entry(did: str, deal: Deal, as_of: str, run_at: object) -> Entry:
    day = _judge_date(deal, as_of)
    run = run_at(day)  # type: ignore[operator]
    status = deal.status_as_of(as_of) or "not yet announced"
    e = Entry("deal", did, status, day)
    for role, what in _deal_drives(did, deal, run):
        e.add(role, what)
    chips = deal.kind in ("cloud_capacity", "hardware_purchase")
    if chips and deal.gw is not None and not e.drives.get("orders"):
        why = f"vendor {deal.vendor} is not in the buyer's mix" if deal.vendor else "no vendor"
        e.gaps.append(f"states {deal.gw.value:g} GW but orders no chips ({why})")
    return e


def _deal_drives(did: str, deal: Deal, run: _Run) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    share = run.converted.get(did, 0.0)
    if share > 0 and deal.vendor is not None:
        gw = run.gw.get(did, float("nan"))
        out.append(
            ("orders", f"{deal.vendor} chips, {gw:.3g} GW ({deal.basis}) in {share:.0%} of draws")
        )
    for contract, flow, payer, payee, usd, moves in run.flows:
        if contract == did:
            role = "equity" if flow in EQUITY_FLOWS else "cash flows"
            where = "" if moves == 1.0 else f" where it flows ({moves:.0%} of draws)"
            out.append((role, f"{flow} {payer}→{payee} ${usd:.3g}B p50 to horizon end{where}"))
    for role, what in run.notes.get(f"deal:{did}", []):
        if did in run.converted and role in ("capacity", "orders"):  # not the median world's
            what += f" (converts in {share:.0%} of draws)"
        out.append((role, what))
    return out


def _partner_entries(cat: Catalog, sc: Scenario, deals: list[Entry], now: _Run) -> list[Entry]:
    buyer = str(sc.scope.buyer)
    by_id = {e.id: e for e in deals}
    partners: dict[str, list[str]] = {}
    for did, d in sorted(cat.deals.items()):
        for who in {d.payer, d.payee, d.vendor, *d.parties} - {None, buyer}:
            partners.setdefault(str(who), []).append(did)
    out = []
    for who, dids in sorted(partners.items()):
        e = Entry("partner", who, cat.companies[who].kind, sc.as_of)
        for did in dids:
            if by_id[did].judged_as_of == sc.as_of:  # what its live deals drive now
                for role, whats in by_id[did].drives.items():
                    for what in whats:
                        e.add(role, f"{did}: {what}")
        for role, what in now.notes.get(f"company:{who}", []):
            e.add(role, what)
        for sid, site in sorted(cat.sites.items()):
            if who in (site.owner, site.operator):
                n = sum(p.startswith(f"{sid}/") for p in now.phases)
                if n:
                    e.add(
                        "sites",
                        f"{sid}: {n} phase(s) as {'owner' if who == site.owner else 'operator'}",
                    )
        out.append(e)
    return out


def _run(sc: Scenario, cat: Catalog, draws: int) -> _Run:
    """One small physical run and its finance pass, as of ``sc.as_of``."""
    from .compile import median_inputs
    from .pipeline import run_money, simulate_scenario

    ds = simulate_scenario(sc, cat, draws=draws)
    fin = run_money(sc, cat, ds)
    median = median_inputs(sc, cat)  # its deal notes and, when the run has none, phase ids
    return _Run(
        sc.as_of,
        _converted(ds),
        _median_gw(ds),
        _flows(fin),
        _notes(median.meta.get("deal_drives", "")),
        tuple(str(p) for p in ds["phase"].values) if "phase" in ds.coords else median.phase_ids,
    )


def _converted(ds: xr.Dataset) -> dict[str, float]:
    if "deal_converted" not in ds:
        return {}
    v = ds["deal_converted"].values.astype(float)
    return {str(d): float(v[:, i].mean()) for i, d in enumerate(ds["deal"].values)}


def _median_gw(ds: xr.Dataset) -> dict[str, float]:
    if "money_facts" not in ds:
        return {}
    out = {}
    for i, f in enumerate(ds["fact"].values):
        parts = str(f).split(".")
        if parts[0] == "deals" and parts[-1] == "gw":
            out[parts[1]] = float(np.median(ds["money_facts"].values[:, i]))
    return out


def _flows(fin: xr.Dataset) -> list[tuple[str, str, str, str, float, float]]:
    """Each link that moves money in some draw: (contract, flow, payer, payee, p50 $B over the
    draws where it flows, share of draws where it flows) — a non-binding deal's flows exist
    only where it converted, and a median over every draw would hide a coin flip."""
    total = fin["flow_usd_b"].sum("year").transpose("draw", "link").values
    out = []
    for k in range(fin.sizes["link"]):
        moves = np.abs(total[:, k]) > 1e-9
        if moves.any():
            out.append(
                (
                    str(fin["link_contract"].values[k]),
                    str(fin["link_flow"].values[k]),
                    str(fin["link_payer"].values[k]),
                    str(fin["link_payee"].values[k]),
                    float(np.median(total[moves, k])),
                    float(moves.mean()),
                )
            )
    return out


def _notes(text: str) -> dict[str, list[tuple[str, str]]]:
    """Parse the compiler's ``deal_drives`` note: ``subject=role:what`` entries joined by ``|``."""
    out: dict[str, list[tuple[str, str]]] = {}
    for item in filter(None, text.split("|")):
        subject, _, rest = item.partition("=")
        role, _, what = rest.partition(":")
        out.setdefault(subject, []).append((role, what))
    return out


def orphans(entries: list[Entry]) -> list[Entry]:
    """The entries that drive nothing."""
    return [e for e in entries if e.orphan]
