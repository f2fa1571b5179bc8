"""The uncertain inputs a scenario reads, as the columns of a sensitivity design, and their groups.

A *key* is one independent uniform the compile step draws per draw (see ``compile_inputs``'s
``given``): a single catalog fact, a whole capacity path (its points and growth move at one
quantile), a deal's conversion, a site phase's energisation date, the buyer's allocation, or the
shared AI-demand factor.  Keys whose values were derived from one another in the catalog form one
*group* (SALib's ``groups``), so their joint effect is counted once: a group per derivation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..catalog.schema import Catalog
from ..compile import compile_inputs
from ..scenario.loader import fact_paths
from ..scenario.sampling import Dist, range_dist
from ..scenario.schema import Scenario

#: Keys the catalog derived from one another (the catalog notes give the arithmetic): each maps
#: a key prefix to the group it joins.
DERIVED: dict[str, str] = {
    # unit counts = data-centre MW ÷ 100 MW per unit (tiers.transformers notes)
    "tiers.transformers.capacity": "transformers (units/yr × MW/unit)",
    "tiers.transformers.params.mw_per_unit": "transformers (units/yr × MW/unit)",
    # H200: "same board power as H100 ⇒ H100's IT watts"
    "accelerators.H100.": "accelerators H100/H200",
    "accelerators.H200.": "accelerators H100/H200",
    # GB200 IT watts = NVL72 rack kW ÷ 72 × 1.14
    "accelerators.GB200.": "GB200 and its NVL72 rack",
    "racks.NVL72_GB200.": "GB200 and its NVL72 rack",
}

_PATH = re.compile(
    r"^(tiers\.[^.]+\.(?:capacity|paths\.[^.]+)|buyers\.[^.]+\.allocation\.[^.]+)\."
    r"(?:points\..+|growth_after_pct_per_yr)$"
)


@dataclass(frozen=True)
class Inputs:
    """The design's columns: ``keys[i]`` belongs to ``groups[i]`` (one SALib variable each)."""

    keys: tuple[str, ...]
    groups: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """Group names in first-seen order (the rows of an index table)."""
        return tuple(dict.fromkeys(self.groups))


def group_of(key: str) -> str:
    """The group a key belongs to: a declared derivation, else its owner (SKU, fleet, deal, …).

    >>> group_of("accelerators.B200.it_w")
    'accelerators B200'
    """
    for prefix, group in DERIVED.items():
        if key.startswith(prefix):
            return group
    parts = key.split(".")
    if parts[0] == "accelerators":
        return f"accelerators {parts[1]}"
    if parts[0] == "fleets":
        return f"starting fleet ({parts[1]})"
    if parts[0] == "companies":  # one entity's financial facts move together in a what-if
        return f"{parts[1]} finances"
    if parts[0] in ("deals", "sites"):
        return ".".join(parts[:2])
    if parts[0] == "regions":  # the split of generic capacity moves as one
        return "regional shares"
    if parts[0] == "energy":  # IEA's 2024 load and the conventional growth: one path
        return "conventional data-centre load"
    return key


def _uncertain(sc: Scenario, cat: Catalog, key: str, members: list[str]) -> bool:
    if key == "ai_demand":
        return True
    if key.endswith(".converts"):
        return 0.0 < sc.finance.p_convert < 1.0
    if key.endswith(".power_ready"):
        sid, _, i = key.split(".")[1:4]
        d = cat.sites[sid].phases[int(i)].power_ready
        return d.low is not None and d.high is not None
    known = fact_paths(cat)

    def dist(p: str) -> Dist:
        over = sc.overrides.get(p)
        if over is None:
            f = known[p]
            return range_dist(f.value, f.low, f.high, sc.uncertainty.catalog_ranges)
        return over if isinstance(over, Dist) else Dist(dist="fixed", value=float(over))

    return any(dist(p).dist != "fixed" for p in members if p in known)


def uncertain_inputs(sc: Scenario, cat: Catalog, *, demand: bool = True) -> Inputs:
    """Every random key the compile step draws for ``sc`` whose distribution is not fixed.

    ``demand`` adds the shared AI-demand factor (``ai_demand``) — it moves the finance side and,
    when ``uncertainty.demand_loading`` ≠ 0, every tier capacity.
    """
    meta = compile_inputs(sc, cat, 1, median=True).meta
    used = [p for p in meta["used"].split("|") if p]
    drawn = [k for k in meta["drawn"].split("|") if k]
    members: dict[str, list[str]] = {k: [] for k in drawn}
    for p in used:
        m = _PATH.match(p)
        key = ("allocation" if p.startswith("buyers.") else m.group(1)) if m else p
        if key in members:
            members[key].append(p)
    for k in members:
        if not members[k] and not k.endswith((".converts", ".power_ready")):
            members[k] = [k]
    keys = [k for k in sorted(members) if _uncertain(sc, cat, k, members[k])]
    if demand or sc.uncertainty.demand_loading != 0.0:
        keys.append("ai_demand")
    return Inputs(tuple(keys), tuple(group_of(k) for k in keys))
