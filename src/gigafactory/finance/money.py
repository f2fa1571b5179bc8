"""The money loop after the ledger: channels fund each entity's cash path, unfunded entities
default, and their unpaid commitments clear through the exposure network (Eisenberg–Noe).

``summarise_money(fin, catalog, rng)`` returns the summary.json ``finance`` keys
``p_unfunded`` ({year: P(the buyer has had an unfunded week by the end of that year)}),
``defaults`` ({entity: P(default by the horizon)}), ``contagion_loss_usd_b`` ({entity: {p5, p50,
p95}}), ``first_unfunded`` (the buyer's first unfunded week, quantiles) and ``channels_usd_b``
({entity: {channel: {p5, p50, p95}}}, gross raised over the horizon), and per counterparty of
the buyer ``exposure_net_usd_b`` (net of collateral and re-lettable capacity) and
``expected_loss_usd_b`` (PD × LGD × exposure, drawn together; finance/exposure.py).

Every sampled input (channel capacities and rates, re-let share, LGD) is read from the compiled
draws (``drawn``: the physical run's ``money_facts``) when given, so the one sampler of
``compile`` draws them; a hand-made finance dataset falls back to drawing them here.

Default rule: an entity defaults when its channels leave a week unfunded (it cannot pay what is
due), or when the clearing leaves it unable to pay its remaining commitments in the network.
At a default the network's remaining commitments (committed value less what was paid through the
default year) clear with the defaulter paying from its cash; the others from their cash, channel
headroom and the rest of their business over the remaining horizon.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ..catalog.schema import Catalog
from ..scenario.sampling import fact_draws
from .channels import Channel, FundingPath, fund_path
from .contagion import clear
from .exposure import credit_exposure

#: Channel → (capacity fact, rate fact, capacity renews each year); bonds are IG or HY by rating.
CHANNEL_FACTS: dict[str, tuple[str, str, bool]] = {
    "revolver": ("revolver_usd_b", "revolver_rate_pct", False),
    "bond": ("bond_usd_b_per_yr", "bond_rate_pct", True),
    "project_finance": ("project_finance_usd_b", "project_finance_rate_pct", False),
    "private_credit": ("private_credit_usd_b", "private_credit_rate_pct", False),
    "vendor": ("vendor_financing_usd_b", "vendor_financing_rate_pct", False),
    "equity": ("equity_round_usd_b_per_yr", "equity_cost_pct", True),
}
#: Moody's notch of Baa3, the last investment grade.
LAST_IG_NOTCH = 10


Drawn = Mapping[str, np.ndarray]


def stack_for(
    cat: Catalog, entity: str, rng: np.random.Generator, n: int, drawn: Drawn | None = None
) -> list[Channel]:
    """An entity's channels from its catalog facts, in funding order, each drawn per draw
    (from ``drawn``, the compiled ``money_facts``, when given)."""
    facts = cat.companies[entity].facts if entity in cat.companies else {}
    pre = f"companies.{entity}.facts."
    out = []
    for name, (cap, rate, per_year) in CHANNEL_FACTS.items():
        if cap not in facts:
            continue
        if name == "bond":
            notch = facts["rating_notch"].value if "rating_notch" in facts else LAST_IG_NOTCH + 1
            name = "ig_bond" if notch <= LAST_IG_NOTCH else "hy_bond"
        rates = fact_draws(facts[rate], rng, n, pre + rate, drawn) if rate in facts else np.zeros(n)
        out.append(Channel(name, fact_draws(facts[cap], rng, n, pre + cap, drawn), rates, per_year))
    return out


def money_facts(physical: xr.Dataset) -> dict[str, np.ndarray]:
    """The compiled draws of every money fact (``physical["money_facts"]``) by catalog path."""
    if "money_facts" not in physical.data_vars:
        return {}
    vals = physical["money_facts"].transpose("draw", "fact").values
    return {str(k): vals[:, i].astype(float) for i, k in enumerate(physical["fact"].values)}


def _paths(fin: xr.Dataset, entity: str) -> tuple[np.ndarray, np.ndarray]:
    """(net flow [d, w], opening cash [d]) from the ledger's cash path (NaN before it opens)."""
    cash = fin["cash_usd_b"].sel(entity=entity).transpose("draw", "week").values
    opened = np.isfinite(cash).any(axis=0)
    t0 = int(opened.argmax())
    # net(t) = cash(t) − cash(t−1) in float64 of the float32 balances, written in place (no
    # float64 copy of the balances, no diff temporary: one [d, w] array per entity)
    net = np.empty(cash.shape)
    net[:, : t0 + 1] = 0.0
    np.subtract(cash[:, t0 + 1 :], cash[:, t0:-1], out=net[:, t0 + 1 :], dtype=float)
    return net, cash[:, t0].astype(float)


def _entity_book(
    fin: xr.Dataset, cat: Catalog, entity: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """What one entity brings to its channels: net flow ``[d, w]``, opening and minimum cash
    ``[d]`` ($B) from the ledger, and opening book debt ($B; the catalog's ``debt_usd_b``, 0 if
    none)."""
    net, cash0 = _paths(fin, entity)
    facts = cat.companies[entity].facts if entity in cat.companies else {}
    debt0 = float(facts["debt_usd_b"].value) if "debt_usd_b" in facts else 0.0
    mn = fin["min_cash_usd_b"].sel(entity=entity).values.astype(float)
    return net, cash0, mn, debt0


def fund_paths(
    fin: xr.Dataset,
    cat: Catalog,
    rng: np.random.Generator,
    payout_share: float,
    drawn: Drawn | None,
    threads: int = 2,
) -> dict[str, FundingPath]:
    """Run every tracked entity's cash path through its channels, keeping only what the
    summary reads (:func:`channels.fund_path`).

    The stacks are drawn in entity order (the random stream is fixed); the entities are then
    funded on ``threads`` threads (the compiled loop releases the GIL; results do not depend on
    the thread count)."""
    years = _years(fin)
    entities = [str(x) for x in fin["entity"].values]
    stacks = {e: stack_for(cat, e, rng, fin.sizes["draw"], drawn) for e in entities}

    def one(e: str) -> FundingPath:
        net, cash0, mn, debt0 = _entity_book(fin, cat, e)
        return fund_path(net, cash0, mn, stacks[e], years, payout_share, debt0_usd_b=debt0)

    if threads > 1 and len(entities) > 1:
        with ThreadPoolExecutor(threads) as pool:
            return dict(zip(entities, pool.map(one, entities), strict=True))
    return {e: one(e) for e in entities}


def _years(fin: xr.Dataset) -> np.ndarray:
    weeks = pd.DatetimeIndex(fin["week"].values)
    return np.asarray((weeks + pd.Timedelta(days=3)).year, dtype=np.int64)


def _remaining(fin: xr.Dataset, nodes: list[str], default_year: np.ndarray) -> np.ndarray:
    """[d, n, n] committed value still unpaid after each draw's default year (or the horizon)."""
    d, n = fin.sizes["draw"], len(nodes)
    idx = {q: i for i, q in enumerate(nodes)}
    flow = fin["flow_usd_b"].transpose("draw", "year", "link").values.astype(float)
    years = np.asarray(fin["year"].values, dtype=np.int64)
    upto = years[None, :] <= default_year[:, None]  # [d, y]
    paid = np.einsum("dyl,dy->dl", flow, upto)
    lia = np.zeros((d, n, n))
    committed = fin["committed_usd_b"].values
    for li, (a, b) in enumerate(
        zip(fin["link_payer"].values, fin["link_payee"].values, strict=True)
    ):
        if committed[li] > 0 and a in idx and b in idx and a != b:
            lia[:, idx[a], idx[b]] += np.maximum(committed[li] - paid[:, li], 0.0)
    return lia


def _q(x: np.ndarray) -> dict[str, float]:
    p5, p50, p95 = np.percentile(x, [5, 50, 95]) if x.size else (0.0, 0.0, 0.0)
    return {"p5": round(float(p5), 2), "p50": round(float(p50), 2), "p95": round(float(p95), 2)}


def summarise_money(
    fin: xr.Dataset,
    cat: Catalog,
    rng: np.random.Generator,
    payout_share: float = 0.0,
    drawn: Drawn | None = None,
) -> dict[str, Any]:
    """Channels, P(unfunded) by year, defaults, contagion losses, net exposure and expected
    loss (see the module docstring).  ``drawn``: the compiled money facts (:func:`money_facts`)."""
    funded = fund_paths(fin, cat, rng, payout_share, drawn)
    buyer = str(fin.attrs["buyer"])
    years = _years(fin)
    nodes = sorted(
        set(funded)
        | {str(x) for x in fin["counterparty"].values}
        | ({buyer} if buyer not in funded else set())
    )
    d = fin.sizes["draw"]
    first = np.stack(
        [funded[q].first_unfunded_week if q in funded else np.full(d, -1) for q in nodes], axis=1
    )
    unfunded = first >= 0
    # the network clears at the first default of each draw, or at the horizon
    t_def = np.where(unfunded.any(axis=1), np.where(unfunded, first, 10**9).min(axis=1), -1)
    dyear = np.where(t_def >= 0, years[np.clip(t_def, 0, None)], years[-1])
    lia = _remaining(fin, nodes, dyear)
    assets = np.zeros((d, len(nodes)))
    remaining_yr = (years[-1] - dyear + 1).astype(float)
    for i, q in enumerate(nodes):
        if q in funded:
            f = funded[q]
            tt = np.where(t_def >= 0, t_def, f.cash_usd_b.shape[1] - 1)
            cash_t = f.cash_usd_b[np.arange(d), tt]
            other = (
                cat.companies[q].facts.get("other_cash_flow_usd_b_per_yr")
                if q in cat.companies
                else None
            )
            flow_in = (other.value if other is not None else 0.0) * remaining_yr
            assets[:, i] = np.where(
                unfunded[:, i], np.maximum(cash_t, 0.0), np.maximum(cash_t, 0.0) + flow_in
            )
        else:  # untracked (hyperscalers, developers): assumed able to pay what they owe
            assets[:, i] = lia[:, i].sum(axis=1)
    calm = t_def < 0  # no default in the draw: every commitment is paid as contracted
    assets[calm] = lia[calm].sum(axis=2)
    cl = clear(lia, assets)
    defaulted = unfunded | cl.defaulted
    by_year = {}
    bi = nodes.index(buyer)
    for y in sorted(set(years.tolist())):
        last = int(np.flatnonzero(years == y)[-1])
        by_year[str(y)] = round(float(np.mean((first[:, bi] >= 0) & (first[:, bi] <= last))), 4)
    week_labels = pd.DatetimeIndex(fin["week"].values)
    fb = first[:, bi][first[:, bi] >= 0]
    return {
        "p_unfunded": by_year,
        "first_unfunded": (
            {
                k: week_labels[int(v)].strftime("%G-W%V")
                for k, v in zip(
                    ("p5", "p50", "p95"),
                    np.percentile(fb, [5, 50, 95], method="nearest"),
                    strict=True,
                )
            }
            if fb.size
            else None
        ),
        "defaults": {q: round(float(defaulted[:, i].mean()), 4) for i, q in enumerate(nodes)},
        "contagion_loss_usd_b": {q: _q(cl.loss_usd_b[:, i]) for i, q in enumerate(nodes)},
        "channels_usd_b": {
            e: {c: _q(f.raised_usd_b[:, k]) for k, c in enumerate(f.channels)}
            for e, f in funded.items()
            if f.channels
        },
        "unfunded_usd_b": {e: _q(f.unfunded_usd_b.max(axis=1)) for e, f in funded.items()},
        **credit_exposure(fin, cat, defaulted[:, bi], rng, drawn),
    }
