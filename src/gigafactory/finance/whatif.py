"""Deal what-ifs: a scenario's ``deals:`` section overriding catalog deals before anything reads them.

A what-if restates a deal as of the scenario's ``as_of`` date::

    deals:
      broadcom_10gw: {status: cancelled}
      oracle_300b: {shift_weeks: 52}
      microsoft_250b: {gw: 0}
      amd_warrant: {terms: {first_hurdle_usd: 300}}

:func:`apply_deal_whatifs` returns the catalog with each named deal replaced, and both the
physical side (``compile_inputs``: orders, conversions, the deal's GW draws) and the money side
(``run_money``: payments, committed values, exposure) read that catalog, so a deal means one
thing everywhere.  The rules:

- ``status``: the deal's status from ``as_of`` on (events recorded after ``as_of`` are dropped);
  ``cancelled``/``superseded`` take it out of orders, payments and exposure.
- ``gw``: the deal's size; its schedule points scale by ``gw_new / gw_old`` and, unless
  ``usd_b`` is also given, its $ value too (the price per GW is kept): ``usd_b' = usd_b ×
  gw'/gw``.  So a Microsoft deal at 0 GW leaves no Microsoft exposure.
- ``usd_b``: the deal's $ value (a repricing: GW unchanged unless given).
- ``shift_weeks``: every dated schedule point and payment moves by that many weeks, and the
  ramp's start too (a point at 0 GW at the old start + shift), so the whole curve moves.
- ``schedule``: replaces the schedule (cumulative GW by date).
- ``p_convert``: this non-binding deal's conversion probability (instead of ``finance.p_convert``).
- ``terms``: replaces named terms (e.g. the AMD warrant's ``first_hurdle_usd``, ``expiry_years``).

Overridden values are fixed (no range) except a scaled GW or $ value, whose range scales too.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, cast

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..catalog.schema import Catalog, Deal, Fact, StatusEvent, check_when
from ..catalog.schema import DealStatus as Status
from ..timegrid import parse_when

if TYPE_CHECKING:
    from ..scenario.schema import Scenario

#: the source of the status event a what-if adds; it also marks a deal as already restated
WHATIF_SOURCE = "scenario:deals"
#: longest schedule shift either way (weeks); the model's window is 2023–2040
MAX_SHIFT_WEEKS = 520


class DealWhatIf(BaseModel):
    """One deal's what-if (every field optional; unknown keys are errors)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    status: Status | None = Field(None, description="the deal's status from as_of on")
    usd_b: float | None = Field(None, ge=0.0, le=10_000.0, description="$ value ($B)")
    gw: float | None = Field(None, ge=0.0, le=1_000.0, description="size (GW, the deal's basis)")
    shift_weeks: int | None = Field(
        None,
        ge=-MAX_SHIFT_WEEKS,
        le=MAX_SHIFT_WEEKS,
        description="move every dated schedule point and payment by this many weeks",
    )
    schedule: dict[str, float] | None = Field(
        None, description="replace the schedule: cumulative GW by date"
    )
    p_convert: float | None = Field(
        None, ge=0.0, le=1.0, description="conversion probability of this non-binding deal"
    )
    terms: dict[str, float] = Field({}, description="replace named terms (the deal's own keys)")

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, v: dict[str, float] | None) -> dict[str, float] | None:
        for k, x in (v or {}).items():
            check_when(k)
            if x < 0:
                raise ValueError(f"schedule.{k}: cumulative GW must be ≥ 0 (got {x})")
        return v

    @field_validator("terms")
    @classmethod
    def _terms(cls, v: dict[str, float]) -> dict[str, float]:
        for k, x in v.items():
            if x < 0:
                raise ValueError(f"terms.{k}: must be ≥ 0 (got {x})")
        return v


def _fixed(f: Fact | None, value: float, unit: str, as_of: str) -> Fact:
    """A scenario value: no range, sourced to the scenario (its unit kept from ``f``)."""
    return Fact.model_construct(
        value=float(value),
        unit=f.unit if f is not None else unit,
        as_of=as_of,
        source=WHATIF_SOURCE,
        conf="estimate",
        low=None,
        high=None,
        note="scenario what-if",
        formula=None,
    )


def _scaled(f: Fact, ratio: float) -> Fact:
    """A fact resized by ``ratio`` (its range too)."""
    return f.model_copy(
        update={
            "value": f.value * ratio,
            "low": f.low * ratio if f.low is not None else None,
            "high": f.high * ratio if f.high is not None else None,
        }
    )


def _shift_key(key: str, weeks: int) -> str:
    return (parse_when(key) + dt.timedelta(weeks=weeks)).isoformat()


def _shifted(deal: Deal, weeks: int) -> dict[str, dict[str, Fact]]:
    """Schedule and payments moved by ``weeks``, with the ramp's start moved too."""
    start = min(parse_when(e.date) for e in deal.status_history)
    sched = {_shift_key(k, weeks): f for k, f in deal.schedule.items()}
    if deal.gw is not None and weeks > 0:
        zero = deal.gw.model_copy(update={"value": 0.0, "low": None, "high": None})
        sched.setdefault((start + dt.timedelta(weeks=weeks)).isoformat(), zero)
        if not deal.schedule:  # the default ramp: to the full GW a year after the start
            full = (start + dt.timedelta(weeks=weeks + 52)).isoformat()
            sched.setdefault(full, deal.gw.model_copy(update={"low": None, "high": None}))
    pays = {_shift_key(k, weeks): f for k, f in deal.payments.items()}
    return {"schedule": sched, "payments": pays}


def restate(deal: Deal, w: DealWhatIf, as_of: str) -> Deal:
    """``deal`` with the what-if ``w`` applied as of ``as_of`` (module docstring: the rules)."""
    up: dict[str, object] = {}
    day = parse_when(as_of)
    if w.shift_weeks:
        up.update(_shifted(deal, w.shift_weeks))
    if w.gw is not None:
        old = deal.gw.value if deal.gw is not None else 0.0
        ratio = w.gw / old if old > 0 else 0.0
        up["gw"] = _fixed(deal.gw, w.gw, "GW", as_of)
        sched = up.get("schedule", deal.schedule)
        assert isinstance(sched, dict)
        up["schedule"] = {k: _scaled(f, ratio) for k, f in sched.items()}
        if w.usd_b is None and deal.usd_b is not None:
            up["usd_b"] = _scaled(deal.usd_b, ratio)
    if w.usd_b is not None:
        up["usd_b"] = _fixed(deal.usd_b, w.usd_b, "$B", as_of)
    if w.schedule is not None:
        up["schedule"] = {
            k: _fixed(deal.schedule.get(k), v, "GW", as_of) for k, v in w.schedule.items()
        }
    terms = dict(deal.terms)
    for k, v in w.terms.items():
        terms[k] = _fixed(terms.get(k), v, "", as_of)
    if w.p_convert is not None:
        terms["p_convert"] = _fixed(None, w.p_convert, "probability", as_of)
    up["terms"] = terms
    status = cast(Status, w.status or deal.status_as_of(as_of) or "announced")
    past = [e for e in deal.status_history if parse_when(e.date) < day]
    mark = StatusEvent.model_construct(
        status=status, date=day.isoformat(), source=WHATIF_SOURCE, note="scenario what-if"
    )
    up["status_history"] = [*past, mark]
    return deal.model_copy(update=up)


def is_restated(deal: Deal) -> bool:
    return any(e.source == WHATIF_SOURCE for e in deal.status_history)


def apply_deal_whatifs(cat: Catalog, sc: Scenario) -> Catalog:
    """The catalog with the scenario's deal what-ifs applied (idempotent: a deal already
    restated is left as it is).  Deals the scenario does not name are untouched."""
    whatifs = getattr(sc, "deals", None) or {}
    if not whatifs:
        return cat
    deals = dict(cat.deals)
    for did, w in whatifs.items():
        if did in deals and not is_restated(deals[did]):
            deals[did] = restate(deals[did], w, sc.as_of)
    return cat.model_copy(update={"deals": deals})


def p_convert_of(deal: Deal, default: float) -> float:
    """A deal's conversion probability: its what-if's, else the scenario's ``finance.p_convert``."""
    f = deal.terms.get("p_convert")
    return float(f.value) if f is not None and f.source == WHATIF_SOURCE else default


def _name_problems(did: str, terms: object, cat: Catalog) -> list[tuple[str, str]]:
    """A what-if naming no deal, or a term its deal does not have (did-you-mean each)."""
    from ..errors import allowed_list, did_you_mean

    key = f"deals.{did}"
    deal = cat.deals.get(did)
    if deal is None:
        return [
            (
                key,
                f"unknown deal '{did}'{did_you_mean(did, cat.deals)}; allowed: "
                f"{allowed_list(cat.deals)} (`gigafactory deals` lists them)",
            )
        ]
    opts = sorted(deal.terms)
    return [
        (
            f"{key}.terms.{k}",
            f"'{did}' has no term '{k}'{did_you_mean(str(k), opts)}; allowed: "
            f"{allowed_list(opts) or 'none (this deal has no terms)'}",
        )
        for k in (terms if isinstance(terms, dict) else {})
        if k not in deal.terms
    ]


def raw_name_problems(raw: object, cat: Catalog) -> list[tuple[str, str]]:
    """:func:`_name_problems` over an unvalidated ``deals:`` mapping (reported beside the
    schema's own errors, so one pass lists every problem)."""
    if not isinstance(raw, dict):
        return []
    return [
        p
        for did, w in raw.items()
        for p in _name_problems(str(did), w.get("terms") if isinstance(w, dict) else None, cat)
    ]


def whatif_problems(sc: Scenario, cat: Catalog) -> list[tuple[str, str]]:
    """``(key, message)`` for each what-if that names no deal, no term of its deal, a deal not
    yet announced on ``as_of``, a GW on a deal without one, or a ``p_convert`` on a deal that
    is binding (it would change nothing)."""
    out: list[tuple[str, str]] = []
    for did, w in sc.deals.items():
        key = f"deals.{did}"
        out += _name_problems(did, w.terms, cat)
        deal = cat.deals.get(did)
        if deal is None:
            continue
        now = deal.status_as_of(sc.as_of)
        if now is None:
            out.append(
                (key, f"'{did}' is not yet announced on as_of {sc.as_of}; nothing to restate")
            )
        if (w.gw is not None or w.schedule is not None) and deal.gw is None:
            out.append((key, f"'{did}' ({deal.kind}) has no GW to resize or schedule"))
        status = w.status or now
        if w.p_convert is not None and status not in ("announced", "loi", "mou", "term_sheet"):
            out.append(
                (
                    f"{key}.p_convert",
                    f"'{did}' is {status} on {sc.as_of}: only a non-binding deal (announced, loi, "
                    "mou, term_sheet) converts; set its status too, or remove p_convert",
                )
            )
    return out
