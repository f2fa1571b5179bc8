"""The uncertain inputs a scenario reads, as the columns of a sensitivity design, and their groups.

A *key* is one independent uniform the compile step draws per draw (see ``compile_inputs``'s
``given``): a single catalog fact, a whole capacity path (its points and growth move at one
quantile), a deal's conversion, the buyer's allocation, or the shared AI-demand factor.  Keys
form *groups* (SALib's ``groups``), one variable of the analysis each:

* **a group per derivation.**  A key joins the keys its catalog ``formula`` reads, directly or
  through other facts (``accelerators.B200.packages_per_logic_wafer = H100's ÷ 2``;
  ``deals.aws_38b.gw = $38B ÷ external rent per GW-yr``), and the derivations the catalog states
  only in its notes (``DERIVED``: transformer units = data-centre MW ÷ MW per unit).  Shared
  conversion factors (``constants.*``, scenario ``params.*`` such as PUE) do not join groups:
  nearly every power figure divides by them, so following them would make one group of all.
  Two facts that merely feed a third (a mix share read from a chip's watts and its wafers) are
  not derived from one another and stay apart.
* **accelerators by what they measure.**  The catalog derives chip facts along a measure, across
  SKUs (logic-wafer packages from H100's, IT watts from a rack's kW or another SKU's IT/TDP
  ratio, TPU FLOP/s in H100 units), so a chip fact is grouped with the same measure of every SKU
  (``ATTRIBUTE``): "IT watts per accelerator" rather than "B200".
* **owners otherwise**: a company's financial facts, a deal, a fleet, a tier's capacity path.

Keys that none of the requested metrics reads are left out of the design (``unread``): the
conventional-load inputs (``energy.*``: read only by ``supply/regions.py``), the
AI-demand factor unless a demand path (a buyer's revenue, the industry's capex) is drawn at its
quantile or tier capacities load on it (``uncertainty.demand_loading`` ≠ 0), and, for the physical metrics alone, the money facts (``companies.*``, read only
by the finance pass), the regions' power prices and the load factor (energy only).  Left-out keys are drawn as usual; with
common random numbers (see ``evaluate``) they are the same in every row of a Sobol' block.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..catalog.formula import references
from ..catalog.schema import Catalog, Fact
from ..compile import compile_inputs
from ..scenario.loader import fact_paths
from ..scenario.sampling import Dist, range_dist
from ..scenario.schema import Scenario
from .metrics import FINANCE

#: Derivations the catalog states in its notes rather than as a ``formula``: key prefix → group.
DERIVED: dict[str, str] = {
    # unit counts = data-centre MW ÷ 100 MW per unit (tiers.transformers notes)
    "tiers.transformers.capacity": "transformers (units/yr × MW/unit)",
    "tiers.transformers.params.mw_per_unit": "transformers (units/yr × MW/unit)",
}
#: Accelerator (and rack) facts by measure: the catalog derives them along a measure, across SKUs.
POWER = "accelerator IT watts and rack kW"
ATTRIBUTE: dict[str, str] = {
    "it_w": POWER,
    "tdp_w": POWER,
    "packages_per_logic_wafer": "packages per logic wafer (all SKUs)",
    "packages_per_cowos_wafer": "packages per CoWoS wafer (all SKUs)",
    "hbm_stacks": "HBM stacks per package (all SKUs)",
    "fp8_dense_tflops": "FP8 TFLOP/s per accelerator (all SKUs)",
}
#: Conversion factors shared across the catalog: a formula reading them does not join groups.
SHARED = ("constants.", "params.")
#: Key prefixes no metric reads (the conventional load), and those the physical metrics
#: (``it_gw_YYYY``, ``goal_week``) do not read (the finance pass's money facts; energy only);
#: and the regions' power prices (the buyer's energy bill).  A region's share of the fleet and
#: its lead times are physical: generic shells queue by region (docs/regions.md).
UNREAD_BY_ANY = ("energy.",)
UNREAD_BY_PHYSICAL = ("companies.", "params.load_factor")
PRICE_KEY = ".power_price_usd_per_mwh"

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

    def members(self, group: str) -> tuple[str, ...]:
        """The keys of ``group``."""
        return tuple(k for k, g in zip(self.keys, self.groups, strict=True) if g == group)


def group_of(key: str) -> str:
    """A key's own group before derivations join groups: a measure, an owner, or the key.

    >>> group_of("accelerators.B200.it_w")
    'accelerator IT watts and rack kW'
    >>> group_of("companies.openai.facts.min_cash_usd_b")
    'openai finances'
    """
    for prefix, group in DERIVED.items():
        if key.startswith(prefix):
            return group
    parts = key.split(".")
    if parts[0] == "accelerators":
        return ATTRIBUTE.get(parts[-1], f"accelerators: {parts[-1]}")
    if parts[0] == "racks":  # a rack's kW is its accelerators' IT watts (catalog formulas)
        return POWER
    if parts[0] == "fleets":
        return f"starting fleet ({parts[1]})"
    if parts[0] == "regions":  # by measure across regions: power prices, shares of IEA's
        return f"regions: {parts[-1]}"
    if parts[0] == "companies":  # one entity's financial facts move together in a what-if
        return f"{parts[1]} finances"
    if parts[0] in ("deals", "sites"):
        return ".".join(parts[:2])
    return key


def unread(key: str, metrics: Sequence[str] | None, demand_read: bool) -> bool:
    """Whether none of ``metrics`` (``None``: every metric) reads ``key`` (see the module doc);
    ``demand_read``: whether anything reads the AI-demand factor."""
    if key == "ai_demand":
        return not demand_read
    if key.startswith(UNREAD_BY_ANY):
        return True
    physical_only = metrics is not None and not FINANCE & set(metrics)
    price = key.startswith("regions.") and key.endswith(PRICE_KEY)
    return physical_only and (key.startswith(UNREAD_BY_PHYSICAL) or price)


def _uncertain(sc: Scenario, known: dict[str, Fact], key: str, members: list[str]) -> bool:
    if key == "ai_demand":
        return True
    if key.endswith(".converts"):
        return 0.0 < sc.finance.p_convert < 1.0

    def dist(p: str) -> Dist:
        over = sc.overrides.get(p)
        if over is None:
            f = known[p]
            return range_dist(f.value, f.low, f.high, sc.uncertainty.catalog_ranges)
        return over if isinstance(over, Dist) else Dist(dist="fixed", value=float(over))

    return any(dist(p).dist != "fixed" for p in members if p in known)


def _ancestors(path: str, known: dict[str, Fact]) -> set[str]:
    """Every fact ``path``'s formula reads, transitively, not through ``SHARED`` factors."""
    seen: set[str] = set()
    todo = [path]
    while todo:
        f = known.get(todo.pop())
        for r in references(f.formula) if f is not None and f.formula else ():
            if r not in seen and not r.startswith(SHARED):
                seen.add(r)
                todo.append(r)
    return seen


def derived_groups(members: dict[str, list[str]], known: dict[str, Fact]) -> dict[str, str]:
    """Each key's group: ``group_of``, with groups joined where a key derives from another's facts.

    Union–find over keys and the facts their formulas read (``_ancestors``): keys sharing a fact
    (or reading each other) are one derivation, so their groups become one, named by its parts.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        parent[find(a)] = find(b)

    for key, paths in members.items():
        union("group:" + group_of(key), key)
        for p in paths:
            union(key, p)
            for a in _ancestors(p, known):
                union(p, a)
    parts: dict[str, list[str]] = {}
    for key in members:
        parts.setdefault(find(key), [])
        if group_of(key) not in parts[find(key)]:
            parts[find(key)].append(group_of(key))
    return {k: _joined(parts[find(k)]) for k in members}


def _joined(names: list[str]) -> str:
    """One name for joined groups: ``external finances + deals aws_38b, coreweave_22b``."""
    owned = {
        p: sorted(n.split(".", 1)[1] for n in names if n.startswith(p + "."))
        for p in ("deals", "sites")
    }
    rest = sorted(n for n in names if not n.startswith(("deals.", "sites.")))
    if len(names) == 1:
        return names[0]
    return " + ".join([*rest, *(f"{p} {', '.join(ids)}" for p, ids in owned.items() if ids)])


def uncertain_inputs(sc: Scenario, cat: Catalog, metrics: Iterable[str] | None = None) -> Inputs:
    """Every random key the compile step draws for ``sc`` that is not fixed and that one of
    ``metrics`` reads (``None``: any metric), grouped by derivation (see the module doc).
    """
    wanted = None if metrics is None else list(metrics)
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
        if not members[k] and not k.endswith(".converts"):
            members[k] = [k]
    known = fact_paths(cat)
    # the factor sets the demand paths' quantile (buyer revenue, industry capex) and loads tiers
    demand_read = sc.uncertainty.demand_loading != 0.0 or any(p.startswith("demand.") for p in used)
    keys = [
        k
        for k in dict.fromkeys([*sorted(members), "ai_demand"])
        if not unread(k, wanted, demand_read) and _uncertain(sc, known, k, members.get(k, []))
    ]
    groups = derived_groups({k: members.get(k, []) for k in keys}, known)
    return Inputs(tuple(keys), tuple(groups[k] for k in keys))
