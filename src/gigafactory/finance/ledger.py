"""The batch ledger: postings folded into per-party net cash, per-link yearly totals,
balances, funding gaps, breaches and circularity."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import contracts as C
from .circularity import finn_cycling_index
from .inputs import (
    F32,
    Draws,
    Link,
    Plan,
)


class _Ledger:
    """Folds each posting of a batch, as it is made, into per-party net cash and per-link
    yearly totals and paid-by-``as_of`` sums, so no flow outlives its contract's code."""

    def __init__(self, plan: Plan, d: int) -> None:
        self.d, self.w = d, plan.n_weeks
        starts = np.flatnonzero(np.diff(plan.year_of_week, prepend=-1))
        # one reduceat over the years with the as-of week's end as an extra cut gives both the
        # yearly sums and the paid-by-as-of sum in one pass over the flow
        cut = plan.asof_week + 1
        self.segments = np.union1d(starts, [cut]) if cut < self.w else starts
        self.year_of_segment = np.searchsorted(starts, self.segments, side="right") - 1
        self.split = (
            int(np.flatnonzero(self.segments == cut)[0])
            if cut < self.w and cut not in starts
            else None
        )
        self.n_paid = int(np.searchsorted(self.segments, cut))  # segments before the cut
        self.net: dict[str, F32] = {}
        self.segments_sums: list[F32] = []

    def _net(self, party: str) -> F32:
        x = self.net.get(party)
        if x is None:
            x = self.net[party] = np.zeros((self.d, self.w), dtype=np.float32)
        return x

    def post(self, lk: Link, f: F32) -> None:
        if lk.kind == "cash":
            out = self._net(lk.payer)
            np.subtract(out, f, out=out)
            out = self._net(lk.payee)
            np.add(out, f, out=out)
        self.segments_sums.append(np.add.reduceat(f, self.segments, axis=1))

    def totals(self) -> tuple[F32, F32]:
        """(yearly sums ``[d, year, link]``, paid by ``as_of`` ``[d, link]``)."""
        seg = np.stack(self.segments_sums, axis=-1)
        paid = seg[:, : self.n_paid].sum(axis=1)
        if self.split is not None:  # the as-of year, cut in two
            seg[:, self.split - 1] += seg[:, self.split]
            seg = np.delete(seg, self.split, axis=1)
        return seg, paid


def _alloc(
    n: int, plan: Plan, links: list[Link], parties: list[str], extras: dict[str, Any]
) -> dict[str, Any]:
    e, w, y, nl = len(plan.tracked), plan.n_weeks, len(plan.years), len(links)
    res: dict[str, Any] = {
        "cash": np.empty((n, w, e), dtype=np.float32),  # every batch writes its rows whole
        "min_cash": np.zeros((n, e), dtype=np.float32),
        "gap": np.zeros((n, e), dtype=np.float32),
        "breach": np.full((n, e), -1, dtype=np.int32),
        "runway": np.zeros((n, e), dtype=np.float32),
        "flow": np.zeros((n, y, nl), dtype=np.float32),
        "paid": np.zeros((n, nl), dtype=np.float32),
        "fci_cash": np.zeros(n),
        "fci_all": np.zeros(n),
        "rho": np.zeros((n, len([q for q in parties if q not in C.BOUNDARY]))),
        "warrants": {},
    }
    for key, x in extras.items():
        if key.startswith("warrant:"):
            res["warrants"][key[8:]] = {
                "vest_week": np.full((n, x["vest_week"].shape[1]), -1, dtype=np.int32),
                "pv_usd_b": np.zeros(n),
                "closed_form_draw_usd_b": np.zeros(n),
            }
    return res


def _reduce(
    res: dict[str, Any],
    plan: Plan,
    dr: Draws,
    sl: slice,
    links: list[Link],
    ledger: _Ledger,
    extras: dict[str, Any],
    parties: list[str],
) -> float:
    """Fold one batch's ledger into balances, metrics and per-link totals."""
    d, w = ledger.d, ledger.w
    zero = np.zeros((d, w), dtype=np.float32)
    total = np.zeros((d, w), dtype=np.float32)
    for q in parties:  # Σ over parties of net cash, every week: 0 up to rounding
        total += ledger.net.get(q, zero)
    imbalance = float(np.abs(total).max()) if total.size else 0.0
    res["flow"][sl], res["paid"][sl] = ledger.totals()
    balances = np.empty((d, w, len(plan.tracked)), dtype=np.float32)  # one contiguous write
    for j, e in enumerate(plan.tracked):
        t0 = plan.open_weeks[e]
        mn = dr.p.get(f"{e}.min_cash_usd_b", np.zeros(d))
        # cash(t) = opening + Σ_{t0<τ≤t} net(τ); unknown (NaN) before the opening week
        # (the batch ledger is spent: its net flows become the balances in place)
        net = ledger.net.get(e)
        flows = (np.zeros((d, w), dtype=np.float32) if net is None else net)[:, t0:]
        flows[:, 0] = 0.0
        cash = np.cumsum(flows, axis=1, out=flows)
        cash += dr.p[f"{e}.cash_usd_b"].astype(np.float32)[:, None]
        balances[:, :t0, j] = np.nan
        balances[:, t0:, j] = cash
        res["min_cash"][sl, j] = mn
        # max_t (min − cash_t) is min − min_t cash_t, and min − cash_t > 0 iff cash_t < min
        # (float subtraction is monotone), so no [d, W] shortfall array is needed
        mn32 = mn.astype(np.float32)
        # gap and breach are forecasts: measured from the scenario's as-of week, never before
        s0 = max(plan.asof_week, t0) - t0
        ahead = cash[:, s0:]
        res["gap"][sl, j] = np.maximum(mn32 - ahead.min(axis=1), 0.0) if ahead.size else 0.0
        breached = ahead < mn32[:, None]
        idx = breached.argmax(axis=1)  # the first True, or 0 when there is none
        first = np.where(breached[np.arange(d), idx], idx + t0 + s0, -1)
        res["breach"][sl, j] = first
        res["runway"][sl, j] = np.where(
            first >= 0, np.maximum(first - plan.asof_week, 0), w - 1 - plan.asof_week
        )
    res["cash"][sl] = balances
    _circularity(res, links, parties, sl)
    for did, x_ in res["warrants"].items():
        ex = extras[f"warrant:{did}"]
        x_["vest_week"][sl] = ex["vest_week"]
        x_["pv_usd_b"][sl] = ex["pv_usd_b"]
        x_["closed_form_draw_usd_b"][sl] = ex["closed_form_draw_usd_b"]
        for k in ("hurdles", "gw_milestones", "shares_per_tranche", "full_at_final_hurdle_usd_b"):
            x_[k] = ex[k]  # the same in every batch
    return imbalance


def _circularity(res: dict[str, Any], links: list[Link], parties: list[str], sl: slice) -> None:
    """Finn's cycling index over the horizon, per draw (cash only, and cash + warrant shares),
    from the per-link totals of a batch."""
    internal = [q for q in parties if q not in C.BOUNDARY]
    iidx = {q: i for i, q in enumerate(internal)}
    tot = res["flow"][sl].sum(axis=1)  # [d, L]
    n = tot.shape[0]
    for key, kinds in (("fci_cash", {"cash"}), ("fci_all", {"cash", "warrant"})):
        fm = np.zeros((n, len(internal), len(internal)))
        z = np.zeros((n, len(internal)))
        x = np.zeros((n, len(internal)))
        for li, lk in enumerate(links):
            if lk.kind not in kinds:
                continue
            a, b = lk.payer in iidx, lk.payee in iidx
            if a and b:
                fm[:, iidx[lk.payer], iidx[lk.payee]] += tot[:, li]
            elif b:
                z[:, iidx[lk.payee]] += tot[:, li]
            elif a:
                x[:, iidx[lk.payer]] += tot[:, li]
        fci, rho = finn_cycling_index(fm, z, x)
        res[key][sl] = fci
        if key == "fci_cash":
            res["rho"][sl] = rho
