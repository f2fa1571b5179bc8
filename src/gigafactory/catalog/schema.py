"""The catalog schema: every number carries value, unit, as-of date, source and confidence.

Attribute tables (``TIER_SPEC``, accelerator fields) carry units and meaning next to names,
so the compile step is driven by tables rather than chains of ifs.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..timegrid import parse_when

#: Confidence grades: A primary text (filing, 8-K, company release, official statistics, a
#: study's own publication); B reputable secondary (a news report of a deal); C aggregator,
#: news digest or analyst estimate;
#: derived = our arithmetic on catalog facts, stated as a machine-readable ``formula`` that is
#: checked when the catalog loads; estimate = our judgement within the range of the cited
#: figures (no formula gives it); unverified = background figure not found in a source read.
Confidence = Literal["A", "B", "C", "derived", "estimate", "unverified"]

#: A repository file a source may cite instead of a URL (our own fact sheets, copied in).
REPO_SOURCE = re.compile(r"^docs/sources/[\w.-]+\.md(#[\w.-]*)?$")


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def source_parts(s: str) -> list[str]:
    """The individual sources of a ``source`` field (several are separated by ' ; ')."""
    return [p.strip() for p in s.split(" ; ")]


def check_source(s: str) -> str:
    """A source is one or more of: an http(s) URL, or a file under ``docs/sources/``."""
    for part in source_parts(s):
        if not (part.startswith(("http://", "https://")) or REPO_SOURCE.match(part)):
            raise ValueError(
                f"source '{part}' must be an http(s) URL or a file in the repository under "
                "docs/sources/ (docs/sources/finance.md#2.3); separate several with ' ; '"
            )
    return s


def check_when(s: str) -> str:
    parse_when(s)
    return s


class Fact(Model):
    """One sourced number.

    ``low``/``high`` give the plausible range where uncertain: the spread of the published
    estimates, used as the bounds of the sampling distribution (PERT by default, mode ``value``).
    """

    value: float
    unit: str
    as_of: str
    source: str
    conf: Confidence
    low: float | None = None
    high: float | None = None
    note: str | None = None
    formula: str | None = Field(
        None,
        description="arithmetic over catalog keys giving value (±2 %); required when derived",
    )

    _v_source = field_validator("source")(classmethod(lambda cls, v: check_source(v)))
    _v_when = field_validator("as_of")(classmethod(lambda cls, v: check_when(v)))

    @model_validator(mode="after")
    def _check(self) -> Fact:
        if (self.low is None) != (self.high is None):
            raise ValueError("give both low and high, or neither")
        if (
            self.low is not None
            and self.high is not None
            and not (self.low <= self.value <= self.high)
        ):
            raise ValueError(
                f"need low ≤ value ≤ high, got {self.low} ≤ {self.value} ≤ {self.high}"
            )
        if self.conf == "derived" and not self.formula:
            raise ValueError(
                "a derived fact needs a formula over catalog keys "
                '(formula: "accelerators.B200.tdp_w * 1.82"); a judgement is conf: estimate'
            )
        if self.formula and self.conf != "derived":
            raise ValueError(f"a formula is given, so conf must be 'derived' (not '{self.conf}')")
        return self

    @property
    def uncertain(self) -> bool:
        return self.low is not None and self.high is not None and self.high > self.low


class DateFact(Model):
    """A sourced date (first availability, construction start, energisation)."""

    value: str
    as_of: str
    source: str
    conf: Confidence
    low: str | None = None
    high: str | None = None
    note: str | None = None

    _v_source = field_validator("source")(classmethod(lambda cls, v: check_source(v)))
    _v_when = field_validator("value", "as_of", "low", "high")(
        classmethod(lambda cls, v: v if v is None else check_when(v))
    )

    @field_validator("conf")
    @classmethod
    def _no_date_formula(cls, v: str) -> str:
        if v == "derived":
            raise ValueError("a date has no formula: grade a judged date 'estimate'")
        return v


class Path(Model):
    """A quantity over time: sourced points, interpolated between, extrapolated by a growth rate."""

    unit: str
    points: dict[str, Fact]
    growth_after_pct_per_yr: Fact
    interpolation: Literal["log", "linear"] = "log"

    @field_validator("points")
    @classmethod
    def _points(cls, v: dict[str, Fact]) -> dict[str, Fact]:
        if not v:
            raise ValueError("a path needs at least one point")
        for k in v:
            check_when(k)
        return v


class Accelerator(Model):
    name: str
    designer: str
    family: str
    node: str
    rack: str
    first_available: DateFact
    tdp_w: Fact
    it_w: Fact = Field(
        description="IT (critical) watts per accelerator incl. host, network, storage share"
    )
    fp8_dense_tflops: Fact
    hbm_stacks: Fact
    packages_per_cowos_wafer: Fact | None = Field(
        None, description="None: not packaged on CoWoS (a wafer-scale engine is its own package)"
    )
    packages_per_logic_wafer: Fact


class Rack(Model):
    name: str
    accelerators: Fact
    it_kw: Fact


#: Tier id -> (capacity unit, description, required params with their units).
TIER_SPEC: dict[str, tuple[str, str, dict[str, str]]] = {
    "logic_wafers": (
        "wafers/month",
        "leading-edge logic wafer starts (N5/N4/N3/N2)",
        {"ai_share": "share of leading-edge wafers available to AI accelerators (path)"},
    ),
    "cowos": (
        "wafers/month",
        "advanced packaging (CoWoS-S/L and equivalents)",
        {"yield": "good packages ÷ packages per wafer"},
    ),
    "hbm": (
        "million stacks/yr",
        "HBM stacks, all suppliers",
        {
            "share_sk_hynix": "share of shipments",
            "share_samsung": "share of shipments",
            "share_micron": "share of shipments",
            # the DRAM-wafer tier behind HBM (compile_partners.dram_cap)
            "dram_wafers_per_month": "global DRAM wafer starts at the fact's date",
            "dram_wafer_growth_pct_per_yr": "growth of DRAM wafer starts, %/yr",
            "hbm_share_of_dram_wafers_max": "largest share of DRAM wafer starts HBM takes",
            "stacks_per_dram_wafer": "good HBM stacks per DRAM wafer",
        },
    ),
    "rack_assembly": ("racks/week", "rack-scale systems assembled and tested (NVL72-class)", {}),
    "construction": (
        "GW/yr",
        "data-centre shells completed (IT GW)",
        {"build_weeks": "weeks from construction start to shell complete"},
    ),
    "transformers": (
        "units/yr",
        "large power transformers delivered to data centres",
        {
            "mw_per_unit": "facility MW energised per large power transformer",
            "lead_weeks": "order-to-delivery lead time",
        },
    ),
    "gas_turbines": (
        "GW/yr",
        "gas turbines and engines delivered for on-site data-centre power",
        {"lead_weeks": "order-to-delivery lead time"},
    ),
    "grid": (
        "GW/yr",
        "new grid interconnection energised for data centres (facility GW)",
        {"wait_weeks": "interconnection queue wait"},
    ),
}


def _supplier_share_problems(tid: str, tier: Tier, companies: dict[str, Company]) -> list[str]:
    """Named supplier shares (``share_<company>``) must be fractions summing to at most 1."""
    shares = {p: f.value for p, f in tier.params.items() if p.startswith("share_")}
    errs = [
        f"tiers.{tid}.params.{p}: a supplier share must be within [0, 1], got {v:g}"
        for p, v in sorted(shares.items())
        if not 0.0 <= v <= 1.0
    ]
    if sum(shares.values()) > 1.0 + 1e-6:
        errs.append(
            f"tiers.{tid}.params: supplier shares sum to {sum(shares.values()):g} > 1 "
            f"({', '.join(sorted(shares))})"
        )
    # a named supplier's plants: ``plant_<company>__<plant>``, shares of that supplier's capacity
    plants: dict[str, float] = {}
    for p, f in sorted(tier.params.items()):
        if not p.startswith("plant_"):
            continue
        who, sep, _ = p[6:].partition("__")
        if not sep or f"share_{who}" not in tier.params:
            errs.append(
                f"tiers.{tid}.params.{p}: a plant is plant_<company>__<plant> of a named "
                f"supplier of the tier (share_<company>); suppliers: "
                f"{', '.join(sorted(k[6:] for k in shares)) or 'none'}"
            )
        elif not 0.0 <= f.value <= 1.0:
            errs.append(f"tiers.{tid}.params.{p}: a plant share must be within [0, 1]")
        plants[who] = plants.get(who, 0.0) + f.value
    errs += [
        f"tiers.{tid}.params: {who}'s plant shares sum to {v:g} > 1"
        for who, v in sorted(plants.items())
        if v > 1.0 + 1e-6
    ]
    return errs


class Tier(Model):
    name: str
    description: str
    capacity: Path
    params: dict[str, Fact] = {}
    paths: dict[str, Path] = {}


#: the status vocabulary of deals and sites (a scenario's deal what-if uses the same)
DealStatus = Literal[
    "announced",
    "loi",
    "mou",
    "term_sheet",
    "definitive",
    "operating",
    "superseded",
    "cancelled",
    "completed",
]


class StatusEvent(Model):
    status: DealStatus
    date: str
    source: str
    note: str | None = None

    _v_source = field_validator("source")(classmethod(lambda cls, v: check_source(v)))
    _v_when = field_validator("date")(classmethod(lambda cls, v: check_when(v)))


class Phase(Model):
    name: str
    mw: Fact
    basis: Literal["it", "facility"]
    construction_start: DateFact
    power_ready: DateFact
    power: Literal["grid", "onsite_gas", "mixed"]


class SiteDeal(Model):
    """The catalog deal a site's capacity is sold under (``deals.<id>``), with the source that
    ties the site to it."""

    id: str
    source: str
    note: str | None = None

    _v_source = field_validator("source")(classmethod(lambda cls, v: check_source(v)))


class Site(Model):
    name: str
    country: str
    region: str = Field(description="a key of the catalog's regions (us-ercot, gulf, …)")
    owner: str
    operator: str
    users: list[str]
    deal: SiteDeal | None = None
    status_history: list[StatusEvent]
    phases: list[Phase]
    note: str | None = None


#: The IEA's regions in *Energy and AI* (2025); each of our regions lies in one of them.
IeaRegion = Literal["united_states", "china", "europe", "asia_pacific", "rest_of_world"]
#: Tolerance on the sum of the shares splitting one IEA region.
REGION_SUM_TOL = 1e-6


class Region(Model):
    """A region where sites and generic capacity sit (US regions are grid regions)."""

    name: str
    iea_region: IeaRegion
    share_of_iea_region: Fact | None = Field(
        None, description="share of the IEA region's 2024 data-centre electricity; None = all"
    )
    grid_wait_weeks: Fact | None = Field(
        None,
        description="interconnection wait of a large load here (weeks); None = the grid tier's",
    )
    transformer_lead_weeks: Fact | None = Field(
        None, description="power-transformer lead time here (weeks); None = the tier's"
    )
    power_price_usd_per_mwh: Fact | None = Field(
        None, description="electricity price a data centre pays here (USD/MWh)"
    )
    note: str | None = None

    @model_validator(mode="after")
    def _positive(self) -> Region:
        for key in ("grid_wait_weeks", "transformer_lead_weeks", "power_price_usd_per_mwh"):
            f = getattr(self, key)
            if f is not None and (f.value < 0 or (f.low is not None and f.low < 0)):
                raise ValueError(f"{key} cannot be negative")
        return self


class Company(Model):
    name: str
    kind: Literal[
        "lab",
        "chip_designer",
        "foundry",
        "memory",
        "odm",
        "cloud",
        "neocloud",
        "investor",
        "developer",
        "utility",
        "equipment",
        "spv",
        "lender",
        "external",
    ]
    ticker: str | None = None
    facts: dict[str, Fact] = {}


class Deal(Model):
    name: str
    kind: Literal[
        "hardware_purchase",
        "cloud_capacity",
        "equity_investment",
        "warrant",
        "lease",
        "loan",
        "bond",
        "supply_mou",
        "site_development",
    ]
    payer: str
    payee: str
    vendor: str | None = Field(
        None, description="accelerator designer whose chips the deal delivers"
    )
    basis: Literal["it", "facility"] = Field(
        "it",
        description="power basis of gw and schedule ('4.5 GW of data-centre power' is facility)",
    )
    parties: list[str] = Field(
        [], description="other named parties: co-signatories of a letter, a programme's partners"
    )
    gw: Fact | None = None
    usd_b: Fact | None = None
    schedule: dict[str, Fact] = Field({}, description="cumulative GW by date")
    status_history: list[StatusEvent]
    replaced_by: str | None = None
    terms: dict[str, Fact] = {}
    payments: dict[str, Fact] = Field(
        {}, description="cumulative $B paid by date (dated equity tranches, lump sums)"
    )
    note: str | None = None

    @field_validator("payments", "schedule")
    @classmethod
    def _dated_keys(cls, v: dict[str, Fact]) -> dict[str, Fact]:
        for k in v:
            check_when(k)
        return v

    def status_as_of(self, when: str) -> str | None:
        """Latest status on or before ``when``; None when not yet announced."""
        day = parse_when(when)
        known = [e for e in self.status_history if parse_when(e.date) <= day]
        return max(known, key=lambda e: parse_when(e.date)).status if known else None


class MixPoint(Model):
    shares: dict[str, Fact] = Field(description="share of CoWoS wafers by accelerator SKU")


class Mix(Model):
    description: str
    points: dict[str, MixPoint]


class FleetPoint(Model):
    it_gw: Fact
    h100e_m: Fact


class Fleet(Model):
    description: str
    points: dict[str, FleetPoint]


class Buyer(Model):
    name: str
    mix: str
    fleet: str
    baseline_vendor: str = Field(description="designer whose systems fill pre-existing contracts")
    baseline_orders: dict[str, Fact] = Field(
        description="cumulative IT GW contracted before the deal web (by date), on top of the deals"
    )
    allocation: dict[str, Path] = Field(
        description="share of each global tier available to the buyer"
    )


class Demand(Model):
    """A buyer's compute demand (docs/ordering.md §1), from one of two paths.

    - a buyer: an annualised revenue path and the revenue one GW of IT earns,
      ``D(t) [IT GW] = revenue(t) [USD B/yr] ÷ revenue_usd_b_per_it_gw_yr``;
    - the industry: the AI capex of the hyperscalers and neoclouds that publish guidance
      (``capex``, USD B/yr), the AI data-centre share of it and the world's spend per dollar
      of theirs; the capacity it funds is ``capex ÷ capex per IT GW`` (``demand.industry``).
    """

    description: str
    revenue: Path | None = None
    revenue_usd_b_per_it_gw_yr: Fact | None = None
    capex: Path | None = Field(None, description="capex of the covered companies, USD B/yr")
    ai_share_of_capex: Fact | None = Field(
        None, description="share of that capex spent on AI data-centre capacity (fraction)"
    )
    world_per_covered: Fact | None = Field(
        None, description="world AI data-centre capex ÷ the covered companies' (ratio ≥ 1)"
    )

    @model_validator(mode="after")
    def _non_negative(self) -> Demand:
        by_revenue = self.revenue is not None and self.revenue_usd_b_per_it_gw_yr is not None
        by_capex = (
            self.capex is not None
            and self.ai_share_of_capex is not None
            and self.world_per_covered is not None
        )
        if by_revenue == by_capex:
            raise ValueError(
                "give either revenue and revenue_usd_b_per_it_gw_yr (a buyer) or capex, "
                "ai_share_of_capex and world_per_covered (the industry)"
            )
        path, what = (self.revenue, "revenue") if by_revenue else (self.capex, "capex")
        assert path is not None
        for k, f in path.points.items():
            if f.value < 0 or (f.low is not None and f.low < 0):
                raise ValueError(f"{what}.points.{k}: a demand path cannot fall below zero")
        if by_revenue:
            assert self.revenue_usd_b_per_it_gw_yr is not None
            if self.revenue_usd_b_per_it_gw_yr.value <= 0:
                raise ValueError("revenue_usd_b_per_it_gw_yr must be positive")
        else:
            assert self.ai_share_of_capex is not None and self.world_per_covered is not None
            share = self.ai_share_of_capex
            if not 0 < share.value <= 1 or (share.low is not None and share.low <= 0):
                raise ValueError("ai_share_of_capex must lie in (0, 1]")
            if share.high is not None and share.high > 1:
                raise ValueError("ai_share_of_capex.high must be ≤ 1")
            w = self.world_per_covered
            if w.value < 1 or (w.low is not None and w.low < 1):
                raise ValueError("world_per_covered must be ≥ 1 (the world spends at least that)")
        return self


class Catalog(Model):
    constants: dict[str, Fact] = Field(
        {}, description="sourced inputs of derived facts that the model does not read itself"
    )
    accelerators: dict[str, Accelerator]
    racks: dict[str, Rack]
    tiers: dict[str, Tier]
    params: dict[str, Fact]
    mixes: dict[str, Mix]
    fleets: dict[str, Fleet]
    buyers: dict[str, Buyer]
    sites: dict[str, Site]
    companies: dict[str, Company]
    deals: dict[str, Deal]
    demand: dict[str, Demand] = Field(
        {}, description="compute demand by buyer id ('industry' for the industry scope)"
    )
    market: dict[str, Fact] = Field(
        {}, description="supply-answers-its-market rules: backlog_weeks, rack_writeoff_weeks"
    )
    regions: dict[str, Region] = Field({}, description="regions by id (regions.yaml)")
    energy: dict[str, Fact] = Field(
        {}, description="IEA data-centre electricity and the conventional load (regions.yaml)"
    )

    @model_validator(mode="after")
    def _cross_refs(self) -> Catalog:
        errs: list[str] = []
        for tid, tier in self.tiers.items():
            if tid not in TIER_SPEC:
                errs.append(f"tiers.{tid}: unknown tier; allowed: {', '.join(TIER_SPEC)}")
                continue
            need = set(TIER_SPEC[tid][2])
            have = set(tier.params) | set(tier.paths)
            for p in sorted(need - have):
                errs.append(f"tiers.{tid}.params.{p}: required ({TIER_SPEC[tid][2][p]})")
            errs += _supplier_share_problems(tid, tier, self.companies)
            for p in sorted(have - need):
                if p.startswith("share_") and p[6:] in self.companies:
                    continue  # a named supplier's share of the tier (supply/suppliers.py)
                if p.startswith("plant_"):
                    continue  # one of its plants (checked in _supplier_share_problems)
                errs.append(
                    f"tiers.{tid}.params.{p}: unknown param; allowed: {', '.join(sorted(need)) or 'none'}"
                )
        for tid in TIER_SPEC:
            if tid not in self.tiers:
                errs.append(f"tiers.{tid}: required tier is missing")
        for sid, acc in self.accelerators.items():
            if acc.rack not in self.racks:
                errs.append(f"accelerators.{sid}.rack: unknown rack '{acc.rack}'")
        for mid, mix in self.mixes.items():
            for when, pt in mix.points.items():
                check_when(when)
                for sku in pt.shares:
                    if sku not in self.accelerators:
                        errs.append(f"mixes.{mid}.points.{when}.shares.{sku}: unknown accelerator")
                    elif self.accelerators[sku].packages_per_cowos_wafer is None:
                        errs.append(
                            f"mixes.{mid}.points.{when}.shares.{sku}: a mix is shares of CoWoS "
                            "wafers; this accelerator is not packaged on CoWoS (it enters a "
                            "buyer's fleet through its contracts, compile_partners.contract_skus)"
                        )
        for bid, b in self.buyers.items():
            if b.mix not in self.mixes:
                errs.append(f"buyers.{bid}.mix: unknown mix '{b.mix}'")
            if b.fleet not in self.fleets:
                errs.append(f"buyers.{bid}.fleet: unknown fleet '{b.fleet}'")
            for t in b.allocation:
                if t not in TIER_SPEC:
                    errs.append(f"buyers.{bid}.allocation.{t}: unknown tier")
        for did, d in self.deals.items():
            for who in (d.payer, d.payee, *d.parties):
                if who not in self.companies:
                    errs.append(f"deals.{did}: unknown company '{who}'")
            if d.replaced_by and d.replaced_by not in self.deals:
                errs.append(f"deals.{did}.replaced_by: unknown deal '{d.replaced_by}'")
        errs += self._region_errors()
        if errs:
            raise ValueError("; ".join(errs))
        return self

    def _region_errors(self) -> list[str]:
        """Every site sits in a known region; the shares splitting an IEA region sum to 1."""
        from ..errors import allowed_list, did_you_mean

        errs = [
            f"sites.{sid}.region: unknown region '{s.region}'"
            f"{did_you_mean(s.region, self.regions)}; allowed: {allowed_list(self.regions)}"
            for sid, s in self.sites.items()
            if self.regions and s.region not in self.regions
        ]
        by_iea: dict[str, list[float]] = {}
        for r in self.regions.values():
            share = r.share_of_iea_region
            by_iea.setdefault(r.iea_region, []).append(1.0 if share is None else share.value)
        for iea, shares in by_iea.items():
            if abs(sum(shares) - 1.0) > REGION_SUM_TOL:
                errs.append(
                    f"regions: the shares of IEA region '{iea}' sum to {sum(shares):.6g}, not 1"
                )
        return errs


def iter_facts(obj: Any, path: tuple[str, ...] = ()) -> Any:
    """Yield (dotted path, Fact | DateFact) for every sourced leaf in a catalog subtree."""
    if isinstance(obj, Fact | DateFact):
        yield ".".join(path), obj
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from iter_facts(getattr(obj, name), (*path, name))
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from iter_facts(v, (*path, str(k)))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from iter_facts(v, (*path, str(i)))
