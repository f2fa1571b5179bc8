"""Plain labels with units, and one number format per unit: shared by the CLI and the charts.

A table header or chart title names a quantity the way a reader would ("Facility GW online
(GW)", "Large power transformers supply (units/yr)"), never by its variable path.  Numbers print
in one format per unit:

=========  =====================  ==========
unit       format                 example
=========  =====================  ==========
GW         1 decimal              ``22.5``
GW/week    2 decimals             ``0.16``
$B         thousands, 0 decimals  ``1,332``
%          share × 100, 0 dp      ``56%``
weeks      0 decimals             ``245``
M          1 decimal              ``36.9``
other      3 significant digits   ``0.004``; ≥ 10¹⁵ in e-notation ``1.96e+28``
=========  =====================  ==========
"""

from __future__ import annotations

import math
from typing import Any

#: variable (series / summary key) → (plain label, unit)
VARIABLES: dict[str, tuple[str, str]] = {
    "facility_gw_online": ("Facility GW online", "GW"),
    "it_gw_online": ("IT GW online", "GW"),
    "gw_added_per_week": ("GW added per week", "GW/week"),
    "net_gw_added_per_week": ("Net GW added per week", "GW/week"),
    "h100e_online_m": ("H100-equivalents online", "M"),
    "demand_it_gw": ("IT GW demanded", "GW"),
    "contracted_it_gw": ("IT GW contracted", "GW"),
    "funding_gap_usd_b": ("Funding gap", "$B"),
    "cash_usd_b": ("Cash", "$B"),
    "contagion_loss_usd_b": ("Contagion loss", "$B"),
    "finn_cycling_index": ("Finn cycling index (share of cash that cycles)", ""),
    "p_unfunded": ("Chance unfunded", "%"),
    "it_gw_2030": ("IT GW online, end 2030", "GW"),
    "goal_week": ("Week the goal is first reached", "weeks"),
    "funding_gap": ("Funding gap", "$B"),
    "unfunded": ("Chance unfunded", "%"),
    "ai_demand": ("AI demand (shared factor)", ""),
    "allocation": ("Buyer's share of each tier", "%"),
    "gw_per_week_reached": ("Week the goal is first reached", "date"),
    # cash below its floor before any financing channel (no loan covenant is modelled)
    "first_breach": ("First cash shortfall (before financing)", "date"),
}
#: scenario ``params.*`` → plain label
PARAMS: dict[str, str] = {
    "pue": "PUE (facility ÷ IT power)",
    "onsite_power_share": "Share of new shells on on-site power",
    "life_years": "Accelerator service life",
    "load_factor": "Load factor",
}
#: tier ``params.*`` → plain label (the catalog gives the unit)
TIER_PARAMS: dict[str, str] = {"mw_per_unit": "size", "ai_share": "share for AI"}
#: words in a variable or path → unit (last resort, after :data:`VARIABLES`)
_UNIT_WORDS = (("usd_b", "$B"), ("gw_added", "GW/week"), ("gw", "GW"), ("weeks", "weeks"))


def unit_of(name: str) -> str:
    """The unit of a variable or summary path (``years.2030.it_gw_online.p50`` → ``GW``)."""
    for part in reversed(name.split(".")):
        if part in VARIABLES:
            return VARIABLES[part][1]
    low = name.lower()
    return next((u for w, u in _UNIT_WORDS if w in low), "")


def fmt(value: Any, unit: str = "") -> str:
    """``value`` in the one format for ``unit`` (see the module table); ``–`` for missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if not isinstance(value, int | float) or isinstance(value, bool):
        return str(value)
    v = float(value)
    if unit == "GW" or unit == "M":
        return f"{v:,.1f}"
    if unit == "GW/week":
        return f"{v:.2f}"
    if unit == "$B":
        return f"{v:,.0f}"
    if unit == "%":
        return f"{100 * v:.0f}%"
    if unit == "weeks":
        return f"{v:,.0f}"
    if abs(v) >= 1e15:  # FLOP, H100e·s: a float's 17th+ digits are noise, not data
        return f"{v:.3g}"
    if isinstance(value, int) or v.is_integer():
        return f"{v:,.0f}"
    return f"{v:.3g}" if abs(v) < 1e4 else f"{v:,.0f}"


def with_unit(label: str, unit: str) -> str:
    """``label (unit)``, or the label alone when it has no unit or already ends with it."""
    if unit in ("", "date", "ratio", "fraction") or label.lower().endswith((f"({unit})", unit)):
        return label
    return f"{label} ({unit})"


def label_of(name: str, catalog: Any = None) -> str:
    """A plain label with its unit for a variable, summary path, catalog path or input group.

    >>> label_of("years.2030.it_gw_online.p50")
    'IT GW online, 2030 median (GW)'
    >>> label_of("cash_usd_b")
    'Cash ($B)'
    """
    parts = name.split(".")
    if parts[0] == "years" and len(parts) >= 3 and parts[2] in VARIABLES:
        label, unit = VARIABLES[parts[2]]
        stat = {"p50": " median", "p5": " p5", "p95": " p95", "mean": " mean"}
        return with_unit(f"{label}, {parts[1]}{stat.get(parts[-1], '')}", unit)
    if parts[-1] in VARIABLES or (len(parts) > 1 and parts[-2] in VARIABLES):
        key = parts[-1] if parts[-1] in VARIABLES else parts[-2]
        return with_unit(*VARIABLES[key])
    if parts[0] == "tiers" and len(parts) >= 3:
        return _tier_label(parts, catalog)
    if parts[0] in ("deals", "sites") and len(parts) >= 2:
        return f"{'Deal' if parts[0] == 'deals' else 'Site'} {parts[1]}" + (
            f": {' '.join(parts[2:]).replace('_', ' ')}" if len(parts) > 2 else ""
        )
    if parts[0] == "buyers" and len(parts) >= 4 and parts[2] == "allocation":
        when = f", {parts[5]}" if len(parts) > 5 and parts[4] == "points" else ""
        tier = catalog.tiers.get(parts[3]) if catalog is not None else None
        what = tier.name if tier is not None else parts[3].replace("_", " ")
        return f"{parts[1]} share of {what}{when}"
    if parts[0] == "params" and len(parts) == 2:
        fact = catalog.params.get(parts[1]) if catalog is not None else None
        unit = getattr(fact, "unit", "")
        name = PARAMS.get(parts[1], parts[1].replace("_", " ").capitalize())
        return with_unit(name, unit)
    if parts[0] == "transformers (units/yr × MW/unit)":
        return "Transformer supply (units/yr × MW per unit)"
    text = name.replace("_", " ")
    return text[:1].upper() + text[1:]


def _tier_label(parts: list[str], catalog: Any) -> str:
    """``tiers.transformers.capacity…`` → ``Large power transformers supply (units/yr)``."""
    tier = catalog.tiers.get(parts[1]) if catalog is not None else None
    name = tier.name if tier is not None else parts[1].replace("_", " ").capitalize()
    if parts[2] == "capacity":
        unit = tier.capacity.unit if tier is not None else ""
        rest = ".".join(parts[3:])
        when = f", {parts[4]}" if len(parts) > 4 and parts[3] == "points" else ""
        what = "growth after the last point" if "growth" in rest else f"supply{when}"
        return with_unit(f"{name} {what}", "%/yr" if "growth" in rest else unit)
    if parts[2] == "params" and len(parts) > 3:
        fact = tier.params.get(parts[3]) if tier is not None else None
        what = TIER_PARAMS.get(parts[3], parts[3].replace("_", " "))
        return with_unit(f"{name}: {what}", getattr(fact, "unit", ""))
    return f"{name}: {' '.join(parts[2:]).replace('_', ' ')}"
