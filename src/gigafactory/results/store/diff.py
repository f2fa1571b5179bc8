"""Comparing two stored runs: lineage, scenario settings and summary metrics that moved."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from .read import StoreReader
from .schema import HEADLINE_METRICS


@dataclass(frozen=True)
class MetricChange:
    metric: str
    a: float | str | None
    b: float | str | None

    @property
    def delta(self) -> float | None:
        if isinstance(self.a, float) and isinstance(self.b, float):
            return self.b - self.a
        return None


@dataclass(frozen=True)
class RunDiff:
    """What changed between two runs: inputs first, then outputs.

    Attributes
    ----------
    a, b : str
        Run ids.
    fields : dict[str, tuple]
        Lineage fields that differ (``seed``, ``draws``, ``scenario``, ``version``, ``input_hash``).
    settings : list[tuple[str, Any, Any]]
        Dotted scenario keys whose value differs (``overrides.tiers.cowos.capacity`` …);
        ``None`` stands for "absent".
    yaml_diff : list[str]
        Unified diff of the resolved scenario YAML texts.
    headline : list[MetricChange]
        The ``HEADLINE_METRICS`` of both runs (changed or not).
    metrics : list[MetricChange]
        Every other summary metric that moved: by unit (GW, $B, GW/week, weeks, others), largest
        absolute move first within a unit.
    """

    a: str
    b: str
    fields: dict[str, tuple[Any, Any]]
    settings: list[tuple[str, Any, Any]]
    yaml_diff: list[str]
    headline: list[MetricChange]
    metrics: list[MetricChange] = field(default_factory=list)

    @property
    def same_inputs(self) -> bool:
        return not self.fields and not self.settings


class StoreDiffer(StoreReader):
    """Comparing two stored runs."""

    def diff_runs(self, a: str, b: str) -> RunDiff:
        """Compare two runs: which inputs changed, and how the summary metrics moved."""
        ra, rb = self.get_run(a), self.get_run(b)
        fields = {
            k: (getattr(ra, k), getattr(rb, k))
            for k in ("kind", "scenario", "seed", "draws", "version", "input_hash")
            if getattr(ra, k) != getattr(rb, k)
        }
        settings = _setting_changes(ra.scenario_yaml, rb.scenario_yaml)
        yaml_diff = list(
            difflib.unified_diff(
                ra.scenario_yaml.splitlines(),
                rb.scenario_yaml.splitlines(),
                f"run {ra.run_id}",
                f"run {rb.run_id}",
                lineterm="",
            )
        )
        headline = [
            MetricChange(m, ra.metrics.get(m), rb.metrics.get(m))
            for m in HEADLINE_METRICS
            if m in ra.metrics or m in rb.metrics
        ]
        moved = [
            MetricChange(m, ra.metrics.get(m), rb.metrics.get(m))
            for m in dict.fromkeys([*ra.metrics, *rb.metrics])
            if m not in HEADLINE_METRICS
            and m not in ("seed", "draws")
            and ra.metrics.get(m) != rb.metrics.get(m)
        ]
        moved.sort(key=_absolute_move, reverse=True)
        return RunDiff(ra.run_id, rb.run_id, fields, settings, yaml_diff, headline, moved)


def _flatten_yaml(text: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return {}
    if not isinstance(data, Mapping):
        return {}
    flat: dict[str, Any] = {}

    def walk(obj: Any, prefix: str) -> None:
        if isinstance(obj, Mapping) and obj:
            for k, v in obj.items():
                walk(v, f"{prefix}.{k}" if prefix else str(k))
        else:
            flat[prefix] = obj

    walk(data, "")
    return flat


def _setting_changes(a: str, b: str) -> list[tuple[str, Any, Any]]:
    """Scenario settings that differ; an empty section (``deals: {}``) counts as absent, so a
    saved scenario that spells out an empty default is not a change."""
    fa, fb = _flatten_yaml(a), _flatten_yaml(b)

    def get(f: dict[str, Any], k: str) -> Any:
        v = f.get(k)
        return None if v == {} or v == [] else v

    keys = sorted(set(fa) | set(fb))
    return [(k, get(fa, k), get(fb, k)) for k in keys if get(fa, k) != get(fb, k)]


#: units in the order a what-if is read: capacity, then money, then time; others after
_UNIT_RANK = {"GW": 4, "$B": 3, "GW/week": 2, "weeks": 1}


def _absolute_move(c: MetricChange) -> tuple[int, float]:
    """Sort key for moved metrics: text changes first, then by unit (GW, $B, GW/week, weeks,
    then the rest) and within a unit the absolute change in that unit, largest first; metrics
    present in only one run (a tier that never binds in the other) last.  A percentage would
    put a 3e-5 rounding residue that moved +148 % above a $100B gap that moved 20 %; one
    absolute scale across units would put a 1e29-FLOP training run above every GW."""
    if isinstance(c.a, str) and isinstance(c.b, str):
        return (9, float("inf"))
    if c.delta is None:
        return (-1, 0.0)
    from ...labels import unit_of

    return (_UNIT_RANK.get(unit_of(c.metric), 0), abs(c.delta))
