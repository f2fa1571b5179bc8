"""What values a catalog number may take, so a scenario cannot ask for an impossible world.

A share lies in [0, 1]; PUE is at least 1; a cost of capital or borrowing rate lies in
[0, 100] %/yr; counts, capacities (a financing channel's too), lead times and powers are not
negative; quantities the model divides by (packages per wafer, yields, watts per accelerator,
useful lives) must be positive.  Distributions must keep their whole support in the domain.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..catalog.schema import Fact
from ..errors import allowed_list, did_you_mean
from .sampling import Dist

if TYPE_CHECKING:
    from .schema import Scenario

#: path endings of quantities the engine divides by: zero is not allowed
_POSITIVE = (
    "yield",
    "packages_per_cowos_wafer",
    "packages_per_logic_wafer",
    "it_w",
    "pue",
    "life_years",
    "mw_per_unit",
    "it_kw",
    "accelerators",
    "revenue_usd_b_per_it_gw_yr",
)


#: path endings of costs of capital and borrowing rates (%/yr): 0 to 100 %, not any growth rate
_RATES = (
    "_rate_pct",
    "_cost_pct",
    "cost_of_capital_pct",
    "target_return_pct",
    "risk_free_pct",
)
#: highest cost of capital or borrowing rate a scenario may set (%/yr)
MAX_RATE_PCT = 100.0


@dataclass(frozen=True)
class Domain:
    lo: float
    hi: float
    lo_open: bool = False

    def contains(self, x: float) -> bool:
        above = x > self.lo if self.lo_open else x >= self.lo
        return math.isfinite(x) and above and x <= self.hi

    def describe(self) -> str:
        lo = f"{'>' if self.lo_open else '≥'} {self.lo:g}"
        return lo if math.isinf(self.hi) else f"{lo} and ≤ {self.hi:g}"


def domain_of(path: str, fact: Fact) -> Domain:
    """The allowed values of the catalog number at ``path``."""
    unit = fact.unit.lower()
    if "%/yr" in unit and path.endswith(_RATES):
        return Domain(0.0, MAX_RATE_PCT)
    if "%/yr" in unit:
        return Domain(-100.0, math.inf, lo_open=True)
    if path.endswith(".pue"):
        return Domain(1.0, 5.0)
    if unit == "fraction" or unit.startswith("share"):
        return Domain(0.0, 1.0, lo_open=path.endswith("yield"))
    return Domain(0.0, math.inf, lo_open=path.endswith(_POSITIVE))


def check_override(path: str, fact: Fact, over: float | Dist) -> str | None:
    """A message if the override can leave the domain, else None."""
    dom = domain_of(path, fact)
    if not isinstance(over, Dist):
        return (
            None
            if dom.contains(float(over))
            else f"{over!r} is outside the allowed values ({dom.describe()}, {fact.unit})"
        )
    if over.dist == "normal":
        if math.isfinite(dom.lo) and (over.sd or 0) > 0:
            return f"a normal distribution can fall below {dom.lo:g}; use pert, triangular, uniform or lognormal ({dom.describe()})"
        bounds = [over.mean]
    elif over.dist == "lognormal":
        bounds = [over.p10, over.p90]
        if math.isfinite(dom.hi):
            return f"a lognormal distribution is unbounded above; use pert, triangular or uniform ({dom.describe()})"
    else:
        bounds = [over.value, over.low, over.mode, over.high]
    bad = [b for b in bounds if b is not None and not dom.contains(float(b))]
    return (
        f"{bad[0]!r} is outside the allowed values ({dom.describe()}, {fact.unit})" if bad else None
    )


#: longest useful life a catalog value in years may take (vintages are tracked week by week)
MAX_YEARS = 50.0


def bound_by_horizon(path: str, fact: Fact, over: float | Dist, horizon_weeks: int) -> str | None:
    """A message when a lead time (weeks) exceeds the horizon or a life (years) exceeds 50 years.

    A lead time longer than the horizon means nothing ever arrives, and the engine sizes its
    pipelines by it: ``params.chip_lead_weeks: 1e9`` would ask for terabytes.
    """
    unit = fact.unit.lower()
    limit = float(horizon_weeks) if unit == "weeks" else MAX_YEARS if unit == "years" else None
    if limit is None:
        return None
    values = (
        [over]
        if not isinstance(over, Dist)
        else [over.value, over.high, over.p90, over.mean, over.low, over.mode]
    )
    big = [v for v in values if v is not None and float(v) > limit]
    if not big:
        return None
    what = f"the horizon ({horizon_weeks} weeks)" if unit == "weeks" else f"{MAX_YEARS:g} years"
    return f"{big[0]!r} {unit} is longer than {what}; allowed: ≤ {limit:g}"


def settings_problems(sc: Scenario, companies: Iterable[str]) -> list[tuple[str, str]]:
    """(key, message) for settings that name catalog entities that do not exist."""
    known = sorted(companies)
    out: list[tuple[str, str]] = []
    for key in ("buyer", "legacy_provider"):
        name = str(getattr(sc.finance, key))
        if name not in known:
            out.append(
                (
                    f"finance.{key}",
                    f"unknown company '{name}'{did_you_mean(name, known)}; allowed: {allowed_list(known)}",
                )
            )
    return out
