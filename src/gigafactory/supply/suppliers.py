"""Named suppliers inside the tiers: their shares of a tier's capacity, and who was short.

A tier's named suppliers are its ``share_<company>`` params (sourced fractions of the tier's
capacity, e.g. ``tiers.hbm.params.share_sk_hynix``); the rest of the tier is ``others``.  The
smallest honest supplier dimension: the engine keeps one capacity per tier, so when a tier binds
every supplier is taken to be short by the same fraction of its capacity, and the binding share of
the tier splits by capacity share,

    B_{tier, s}(y) = B_tier(y) · σ_{tier, s},    Σ_s σ_{tier, s} = 1,

where ``B_tier(y)`` is the share of draws in which the tier was the year's main binding
constraint.  A buyer's supply letters (a ``supply_mou`` to a named supplier) draw on that
supplier: the link is reported, and a letter with a stated volume (the memory LOI's DRAM wafers)
sets a floor under the buyer's share of the tier (see ``compile._letter_floor``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..catalog.schema import Catalog, Deal, Fact

OTHERS = "others"


def tier_shares(cat: Catalog, point: Callable[[str, Fact], float]) -> dict[str, dict[str, float]]:
    """``{tier: {company: σ, …, "others": 1 − Σσ}}`` for every tier with named suppliers.

    ``point(path, fact)`` gives a fact's value (the compiler's, honouring overrides).
    """
    out: dict[str, dict[str, float]] = {}
    for tid, tier in cat.tiers.items():
        named = {
            p[6:]: point(f"tiers.{tid}.params.{p}", f)
            for p, f in sorted(tier.params.items())
            if p.startswith("share_")
        }
        if named:
            total = sum(named.values())
            if total > 1.0:  # medians of ranged shares may overshoot: renormalise
                named = {c: v / total for c, v in named.items()}
            rest = max(1.0 - sum(named.values()), 0.0)
            out[tid] = {**named, **({OTHERS: rest} if rest > 1e-9 else {})}
    return out


def plant_shares(
    cat: Catalog, point: Callable[[str, Fact], float]
) -> dict[str, dict[str, dict[str, float]]]:
    """``{tier: {company: {plant: π}}}``: a named supplier's plants (``plant_<company>__<plant>``
    params), each a share π of that supplier's capacity in the tier; the tier's capacity at a
    plant is ``σ_company · π``.  The rest of the supplier's capacity is its other plants."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for tid, tier in cat.tiers.items():
        for p, f in sorted(tier.params.items()):
            if p.startswith("plant_"):
                who, _, plant = p[6:].partition("__")
                out.setdefault(tid, {}).setdefault(who, {})[plant] = point(
                    f"tiers.{tid}.params.{p}", f
                )
    return out


def plant_rows(
    shares: dict[str, dict[str, float]], plants: dict[str, dict[str, dict[str, float]]]
) -> dict[str, dict[str, float]]:
    """``{tier: {"company/plant": σ · π}}``: each plant's share of its tier's capacity."""
    return {
        tier: {
            f"{who}/{plant}": round(shares.get(tier, {}).get(who, 0.0) * pi, 4)
            for who, row in by_who.items()
            for plant, pi in row.items()
        }
        for tier, by_who in plants.items()
    }


def encode(shares: dict[str, dict[str, float]]) -> str:
    """``tier/company=σ`` entries joined by ``|`` (a ``ModelInputs.meta`` string)."""
    return "|".join(f"{t}/{c}={v:.6g}" for t, row in shares.items() for c, v in row.items())


def decode(text: str) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for item in filter(None, text.split("|")):
        key, _, v = item.partition("=")
        tier, _, company = key.partition("/")
        out.setdefault(tier, {})[company] = float(v)
    return out


def letter_suppliers(deal: Deal) -> list[str]:
    """The companies a supply letter draws on: its payee and any co-signatories."""
    return [deal.payee, *deal.parties]


def supplier_binding(
    shares: dict[str, dict[str, float]], binding_by_year: dict[str, dict[str, float]]
) -> dict[str, dict[str, dict[str, float]]]:
    """Who was short: ``{tier: {year: {supplier: B_tier(y) · σ}}}`` for tiers that bound."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for tier, row in shares.items():
        for year, binding in binding_by_year.items():
            b = binding.get(tier, 0.0)
            if b > 0:
                out.setdefault(tier, {})[year] = {s: round(b * v, 4) for s, v in row.items()}
    return out


def supplier_summary(meta: Mapping[str, str], years: dict[str, Any]) -> dict[str, Any]:
    """The summary's ``suppliers`` section from the compiled inputs' ``meta``: shares per tier,
    the binding split by supplier, the named suppliers' plants (share of the tier, and of its
    binding) and the DRAM-wafer tier behind HBM by year (``compile_partners.dram_cap``)."""
    import json

    shares = decode(str(meta.get("supplier_shares", "")))
    binding = {y: dict(v.get("binding", {})) for y, v in years.items()}
    out: dict[str, Any] = {
        "shares": {t: {c: round(v, 4) for c, v in row.items()} for t, row in shares.items()},
        "binding_by_supplier": supplier_binding(shares, binding),
        "rule": "a binding tier's share of draws split by supplier capacity share "
        "(every supplier short by the same fraction)",
    }
    if plants_text := str(meta.get("supplier_plants", "")):
        plants = decode(plants_text)  # {tier: {"company/plant": share of the tier}}
        out["plants"] = plants
        out["binding_by_plant"] = supplier_binding(plants, binding)
    if dram_text := str(meta.get("dram_tier", "")):
        out["dram_wafer_tier"] = {
            "rule": "HBM stacks/yr ≤ DRAM wafer starts × HBM's largest share × stacks per wafer; "
            "binds_share_of_draws: share of the compiled draws where the cap is below the HBM "
            "tier at year end (a run's summary compiles the median world: 0 or 1)",
            "by_year": json.loads(dram_text),
        }
    return out
