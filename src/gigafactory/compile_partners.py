"""What the partners' deals add to the compiled inputs, after every other draw (issue 16).

``contract_skus``: a buyer's contracts with vendors outside its CoWoS mix (Cerebras, Google)
deliver from the vendor's own chip supply; ``dram_cap``: the DRAM-wafer tier behind HBM caps the
HBM tier.  Both are called last by :func:`gigafactory.compile.compile_inputs`, so their draws
shift no other input.
"""

from __future__ import annotations

import dataclasses
from typing import Any, cast

import numpy as np

from .catalog.schema import Catalog
from .compile import BINDING, DROPPED, F, _deal_schedule_mw, _Sampler
from .errors import GigafactoryError
from .scenario.schema import Scenario
from .supply.inputs import ModelInputs
from .timegrid import decimal_year, parse_when
from .units import H100_FP8_DENSE_TOPS, WEEKS_PER_YEAR

#: packages per wafer charged to the buyer's pooled logic and CoWoS tiers by a contracted SKU
#: that its vendor supplies from its own allocation (``1 / 1e12`` wafers per unit: nothing, but
#: finite for the planner's checks)
OWN_SUPPLY_PACKAGES = 1e12


def contract_skus(sc: Scenario, cat: Catalog, sm: _Sampler, inp: ModelInputs) -> ModelInputs:
    """A buyer's contracts with vendors absent from its CoWoS mix (Cerebras, Google) deliver.

    For each such vendor ``v`` with a live contract (cloud capacity or hardware purchase) the
    vendor's newest accelerator available by the contract's first scheduled date joins the
    fleet: its orders are the contracts' schedules (:func:`_deal_schedule_mw`), and it enters
    the unit mix at the share that supplies them.  Its chips come from the vendor's own
    allocation (Cerebras's wafer-scale engines from its own TSMC wafers, no CoWoS or HBM;
    Google's TPUs from Google's CoWoS share), so they charge nothing to the buyer's pooled
    logic, CoWoS and HBM tiers; downstream (racks, shells, power) they compete like any other.

    Unit share: with ``u'(t)`` the units the chip tiers allow for the mix without them (median
    over draws) and ``n_v(t) = ΔO_v(t + L) ÷ w_v`` the units the orders need a lead time ``L``
    ahead (``w_v`` IT MW per unit), ``r_v = n_v ÷ u'`` and

        m_s ← m_s ÷ (1 + Σ_v r_v),   m_v = r_v ÷ (1 + Σ_v r_v),

    which leaves every other vendor's units unchanged (the tiers' requirements per unit fall by
    the same factor).  Called last: its draws shift no other input.
    """
    from .supply.physics import chip_units_of

    if sc.scope.kind != "buyer" or sc.scope.orders == "none":
        return inp
    live = contract_deals(sc, cat, inp.vendors)
    if not live:
        return inp
    wy = inp.grid.fractional_years()
    new_skus: list[str] = []
    orders: list[F] = []
    for v, dids in live.items():
        first = min(min(parse_when(k) for k in cat.deals[d].schedule) for d in dids)
        sku = newest_sku(cat, v, decimal_year(first))
        take = np.ones(sm.n, dtype=bool)
        o = sum((_deal_schedule_mw(sm, d, cat.deals[d], take, wy, inp.pue) for d in dids), 0.0)
        for d in dids:
            inp.deal_converted[d] = take
            gw = cat.deals[d].gw.value  # type: ignore[union-attr]
            sm.notes.append(
                f"deal:{d}=orders:{v} {gw:g} GW delivered as {sku} ({cat.accelerators[sku].name}) "
                "from the vendor's own chip supply"
            )
        new_skus.append(sku)
        orders.append(np.asarray(o, dtype=float))
    acc = [cat.accelerators[k] for k in new_skus]
    k_new = len(new_skus)
    fields = {
        "it_w": np.stack(
            [sm.fact(f"accelerators.{k}.it_w", a.it_w) for k, a in zip(new_skus, acc, strict=True)],
            axis=1,
        ),
        "h100e_per_unit": np.stack(
            [
                sm.fact(f"accelerators.{k}.fp8_dense_tflops", a.fp8_dense_tflops)
                for k, a in zip(new_skus, acc, strict=True)
            ],
            axis=1,
        )
        / H100_FP8_DENSE_TOPS,
        "hbm_stacks_per_unit": np.zeros((sm.n, k_new)),
        "good_packages_per_cowos_wafer": np.full((sm.n, k_new), OWN_SUPPLY_PACKAGES),
        "packages_per_logic_wafer": np.full((sm.n, k_new), OWN_SUPPLY_PACKAGES),
    }
    units = np.median(chip_units_of(inp), axis=1)  # [W]
    lead = int(np.median(inp.chip_lead_wk + inp.rack_lead_wk + inp.install_lead_wk))
    ratio = np.zeros((inp.grid.n, len(new_skus)))
    for j, o in enumerate(orders):
        # IT MW due a lead time ahead, per week (what was due before week 0 in week 0)
        due = o.mean(axis=0)[np.minimum(np.arange(inp.grid.n) + lead, inp.grid.n - 1)]
        ahead = np.diff(due, prepend=0.0)
        per_unit = float(np.median(fields["it_w"][:, j])) / 1e6
        ratio[:, j] = ahead / per_unit / np.maximum(units, 1e-9)
    mix = np.concatenate([inp.mix, ratio], axis=1) / (1.0 + ratio.sum(axis=1, keepdims=True))
    per_sku: dict[str, Any] = {
        k: np.concatenate([getattr(inp, k), fields[k]], axis=1) for k in fields
    }
    order_cols = np.stack(orders, axis=2)
    return dataclasses.replace(
        inp,
        skus=(*inp.skus, *new_skus),
        sku_vendor=(*inp.sku_vendor, *live),
        vendors=(*inp.vendors, *live),
        mix=mix,
        orders_it_mw_cum=np.concatenate([np.asarray(inp.orders_it_mw_cum), order_cols], axis=2),
        **per_sku,
    )


def contract_deals(sc: Scenario, cat: Catalog, vendors: tuple[str, ...]) -> dict[str, list[str]]:
    """``{vendor: [deal, …]}``: the buyer's live binding contracts with vendors not in its mix."""
    out: dict[str, list[str]] = {}
    for did, deal in sorted(cat.deals.items()):
        if deal.kind not in ("hardware_purchase", "cloud_capacity") or deal.gw is None:
            continue
        if deal.payer != sc.scope.buyer or deal.vendor is None or deal.vendor in vendors:
            continue
        if deal.status_as_of(sc.as_of) not in BINDING or not deal.schedule:
            continue
        out.setdefault(deal.vendor, []).append(did)
    return out


def newest_sku(cat: Catalog, vendor: str, year: float) -> str:
    """The vendor's newest accelerator available by ``year`` (else its first one)."""
    skus = sorted(
        (decimal_year(parse_when(a.first_available.value, start=True)), sid)
        for sid, a in cat.accelerators.items()
        if a.designer == vendor
    )
    if not skus:
        raise GigafactoryError(f"deals: vendor '{vendor}' has no accelerator in the catalog")
    ready = [sid for y, sid in skus if y <= year]
    return ready[-1] if ready else skus[0][1]


#: the DRAM-wafer tier's facts (``tiers.hbm.params``)
DRAM_PARAMS = (
    "dram_wafers_per_month",
    "dram_wafer_growth_pct_per_yr",
    "hbm_share_of_dram_wafers_max",
    "stacks_per_dram_wafer",
)


def dram_cap(sc: Scenario, cat: Catalog, sm: _Sampler, inp: ModelInputs) -> ModelInputs:
    """The DRAM-wafer tier behind HBM, as a cap on the HBM tier's capacity (issue 16).

    HBM stacks are cut from DRAM wafers, so the tier's global capacity is at most

        D(t) = W₀ · (1 + g)^(t − t₀) · h · k · 12 ÷ 1e6   million stacks/yr,

    with ``W₀`` DRAM wafer starts per month at ``t₀`` (2025), ``g`` their growth, ``h`` the
    largest share of them HBM takes and ``k`` good stacks per wafer (``tiers.hbm.params``, drawn
    per draw).  The buyer's capacity scales by the same ``min(1, D ÷ C)``: its share (and a
    memory letter's floor under it, :func:`_letter_floor`) is a share of the capped tier.  The
    cap, the tier and the share of draws where the cap binds are kept by year in
    ``meta["dram_tier"]``.  Called after every other draw but the contract SKUs'.
    """
    import json

    params = cat.tiers["hbm"].params
    if any(k not in params for k in DRAM_PARAMS):
        return inp
    w0, g, h, k = (sm.fact(f"tiers.hbm.params.{p}", params[p]) for p in DRAM_PARAMS)
    t0 = decimal_year(parse_when(params["dram_wafers_per_month"].as_of))
    wy = inp.grid.fractional_years()
    wafers = w0[:, None] * (1.0 + g[:, None] / 100.0) ** (wy[None, :] - t0)  # [D, W] /month
    cap = wafers * (h * k)[:, None] * 12.0 / 1e6  # million stacks/yr
    per_wk = 1e6 / WEEKS_PER_YEAR
    if sc.scope.kind == "buyer" and "hbm" in sm.stash:
        tier = np.asarray(sm.stash["hbm"][0], dtype=float)
    else:
        tier = np.asarray(inp.cap_hbm_stacks_per_wk, dtype=float) / per_wk
    ratio = np.minimum(1.0, cap / np.maximum(tier, 1e-12))
    capped = (np.asarray(inp.cap_hbm_stacks_per_wk, dtype=float) * ratio).T.astype(np.float32)
    by_year: dict[str, dict[str, float]] = {}
    years = inp.grid.years
    for y in np.unique(years):
        i = int(np.nonzero(years == y)[0][-1])
        by_year[str(int(y))] = {
            "dram_wafers_per_month_p50": round(float(np.median(wafers[:, i])), -3),
            "cap_m_stacks_per_yr_p50": round(float(np.median(cap[:, i])), 1),
            "hbm_tier_m_stacks_per_yr_p50": round(float(np.median(tier[:, i])), 1),
            "binds_share_of_draws": round(float((ratio[:, i] < 1.0).mean()), 3),
        }
    meta = {**inp.meta, "dram_tier": json.dumps(by_year)}
    first = next((y for y, v in by_year.items() if v["binds_share_of_draws"] >= 0.5), None)
    for did, deal in sorted(cat.deals.items()):
        status = deal.status_as_of(sc.as_of)
        if "dram_wafers_per_month" not in deal.terms or status is None or status in DROPPED:
            continue
        if sc.scope.kind != "buyer" or deal.payer != sc.scope.buyer:
            continue
        end = sm.point(f"deals.{did}.terms.full_volume_year", deal.terms["full_volume_year"])
        i = int(np.nonzero(years <= end)[0][-1]) if (years <= end).any() else -1
        vol = sm.point(
            f"deals.{did}.terms.dram_wafers_per_month", deal.terms["dram_wafers_per_month"]
        )
        sm.notes.append(
            f"deal:{did}=capacity:dram_wafers {vol / np.median(wafers[:, i]):.0%} of the DRAM-"
            f"wafer tier's starts by end-{end:.0f}; the tier caps HBM (binds in most draws from "
            f"{first or 'no year of the horizon'})"
        )
    return dataclasses.replace(inp, cap_hbm_stacks_per_wk=cast(F, capped.T), meta=meta)
