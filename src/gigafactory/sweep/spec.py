"""A sweep file: a scenario with a ``sweep:`` section, parsed and checked before anything runs.

Grid (every combination, first key slowest)::

    sweep: {params.pue: [1.1, 1.2, 1.3], finance.p_convert: [0.3, 0.6]}

Latin hypercube (``points`` draws stratified on every axis, seeded by ``seed`` or the
scenario's seed)::

    sweep: {method: lhs, points: 24, ranges: {params.pue: [1.1, 1.4]}}

A path is either a catalog value the model reads (it becomes ``overrides[path]``) or a
scenario setting (``finance.p_convert``, ``scope.allocation_scale``, ``goal.gw_per_week``…).
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel
from scipy.stats import qmc

from ..catalog.schema import Catalog
from ..compile import compile_inputs
from ..errors import GigafactoryError, Problem, allowed_list, did_you_mean
from ..scenario.loader import _locate, _read_chain, fact_paths, scenario_from_chain
from ..scenario.schema import Scenario
from ..yamlio import LineMap, line_of

LHS_KEYS = {"method", "points", "ranges", "seed"}
#: scenario settings a sweep may not vary (they identify the run rather than parametrise it)
FIXED_SETTINGS = {"name", "description", "extends", "overrides", "draws", "seed"}


@dataclass(frozen=True)
class Sweep:
    """The checked sweep: the base scenario and one validated scenario per point."""

    name: str
    file: str
    method: str
    params: tuple[str, ...]
    points: tuple[dict[str, float], ...]
    scenarios: tuple[Scenario, ...]
    base: Scenario

    def spec(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "file": self.file,
            "method": self.method,
            "params": list(self.params),
            "points": list(self.points),
        }


def _setting_paths(model: type[BaseModel] = Scenario, prefix: str = "") -> list[str]:
    """Dotted paths of every scalar scenario setting (``finance.p_convert``, …)."""
    out: list[str] = []
    for name, f in model.model_fields.items():
        if not prefix and name in FIXED_SETTINGS:
            continue
        tp = f.annotation
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            out += _setting_paths(tp, f"{prefix}{name}.")
        else:
            out.append(f"{prefix}{name}")
    return out


def _problem(file: str, lines: LineMap, key: tuple[str, ...], msg: str) -> Problem:
    return Problem(file, line_of(lines, key) or line_of(lines, key[:1]), ".".join(key), msg)


def _check_paths(
    paths: list[tuple[str, tuple[str, ...]]],
    base: Scenario,
    cat: Catalog,
    file: str,
    lines: LineMap,
) -> list[Problem]:
    known = fact_paths(cat)
    used = set(compile_inputs(base, cat, 1, median=True).meta["used"].split("|"))
    settings = _setting_paths()
    problems = []
    for path, key in paths:
        if path in settings:
            continue
        if path in known and path not in used:
            msg = (
                f"'{path}' is a catalog value this model does not read (shown for reference), "
                "so sweeping it would change nothing; sweep a value the model reads"
            )
        elif path not in known:
            msg = (
                f"'{path}' is neither a catalog value nor a scenario setting"
                f"{did_you_mean(path, [*used, *settings])}; allowed: a catalog path the model reads "
                f"(see `gigafactory catalog`) or a setting: {allowed_list(settings, 8)}"
            )
        else:
            continue
        problems.append(_problem(file, lines, key, msg))
    return problems


def _numbers(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _grid(
    raw: dict[str, Any], file: str, lines: LineMap
) -> tuple[list[dict[str, float]], list[Problem]]:
    problems = []
    for k, v in raw.items():
        if not (isinstance(v, list) and v and all(_numbers(x) for x in v)):
            problems.append(
                _problem(
                    file,
                    lines,
                    ("sweep", k),
                    "a grid axis is a non-empty list of numbers, e.g. [1.1, 1.2]",
                )
            )
    if problems:
        return [], problems
    keys = list(raw)
    return [
        dict(zip(keys, map(float, combo), strict=True))
        for combo in itertools.product(*raw.values())
    ], []


def _lhs(
    raw: dict[str, Any], seed: int, file: str, lines: LineMap
) -> tuple[list[dict[str, float]], list[Problem]]:
    problems = []
    extra = sorted(set(raw) - LHS_KEYS)
    if extra:
        problems.append(
            _problem(
                file,
                lines,
                ("sweep", extra[0]),
                f"a Latin hypercube takes {allowed_list(LHS_KEYS)}; not '{extra[0]}'{did_you_mean(extra[0], LHS_KEYS)}",
            )
        )
    n = raw.get("points")
    if not (isinstance(n, int) and not isinstance(n, bool) and n >= 1):
        problems.append(
            _problem(
                file, lines, ("sweep", "points"), f"points must be a whole number ≥ 1; got {n!r}"
            )
        )
    ranges = raw.get("ranges")
    if not (isinstance(ranges, dict) and ranges):
        problems.append(
            _problem(file, lines, ("sweep", "ranges"), "ranges must map each path to [low, high]")
        )
        return [], problems
    for k, v in ranges.items():
        if not (isinstance(v, list) and len(v) == 2 and all(_numbers(x) for x in v)):
            problems.append(
                _problem(
                    file,
                    lines,
                    ("sweep", "ranges", k),
                    f"a range is [low, high] (two numbers); got {v!r}",
                )
            )
        elif v[0] > v[1]:
            problems.append(
                _problem(
                    file,
                    lines,
                    ("sweep", "ranges", k),
                    f"low > high ({v[0]} > {v[1]}); write [low, high] with low ≤ high",
                )
            )
    if problems:
        return [], problems
    u = qmc.LatinHypercube(d=len(ranges), seed=int(raw.get("seed", seed))).random(int(n))  # type: ignore[arg-type]
    lo = np.array([float(v[0]) for v in ranges.values()])
    hi = np.array([float(v[1]) for v in ranges.values()])
    x = lo + (hi - lo) * u
    return [dict(zip(ranges, map(float, row), strict=True)) for row in x], []


def _apply(own: dict[str, Any], point: dict[str, float], settings: set[str]) -> dict[str, Any]:
    """The sweep file's own data with one point's values written in."""
    data = copy.deepcopy(own)
    for path, value in point.items():
        if path in settings:
            node = data
            *head, last = path.split(".")
            for part in head:
                node = node.setdefault(part, {})
            node[last] = value
        else:
            data.setdefault("overrides", {})[path] = value
    return data


def load_sweep(ref: str | Path, cat: Catalog) -> Sweep:
    """Parse and check a sweep file; every point's scenario is validated before returning.

    A file (or preset) without a ``sweep:`` section is one point: a large run in batches.

    Raises ``GigafactoryError`` (every problem, with file and line) on a missing or malformed
    ``sweep:`` section, a path the model does not read, a range with low > high, or a point
    whose values the scenario schema refuses.
    """
    chain = _read_chain(_locate(str(ref), None))
    file, data, lines = chain[0]
    own = {k: v for k, v in data.items() if k != "sweep"}
    raw = data.get("sweep")
    if raw is None:  # a plain scenario: one point, its draws spread over the workers
        sc = scenario_from_chain(chain, cat)
        return Sweep(sc.name, file, "single", (), ({},), (sc,), sc)
    if not isinstance(raw, dict) or not raw:
        raise GigafactoryError(
            [
                Problem(
                    file,
                    line_of(lines, ("sweep",)),
                    "sweep",
                    "a sweep file needs a `sweep:` section: a grid {path: [values]} or {method: lhs, points: N, ranges: {path: [low, high]}}",
                )
            ]
        )
    base_chain = [(file, own, lines), *chain[1:]]
    base = scenario_from_chain(base_chain, cat)
    lhs = raw.get("method") == "lhs"
    if "method" in raw and raw["method"] not in ("lhs", "grid"):
        raise GigafactoryError(
            [
                _problem(
                    file,
                    lines,
                    ("sweep", "method"),
                    f"method is 'grid' or 'lhs'; got {raw['method']!r}{did_you_mean(str(raw['method']), ['grid', 'lhs'])}",
                )
            ]
        )
    axes = raw.get("ranges", {}) if lhs else {k: v for k, v in raw.items() if k != "method"}
    keys: list[tuple[str, tuple[str, ...]]] = [
        (str(k), ("sweep", "ranges", str(k)) if lhs else ("sweep", str(k)))
        for k in (axes if isinstance(axes, dict) else {})
    ]
    problems = _check_paths(keys, base, cat, file, lines)
    points, more = _lhs(raw, base.seed, file, lines) if lhs else _grid(axes, file, lines)
    problems += more
    if problems:
        raise GigafactoryError(problems)
    settings = set(_setting_paths())
    scenarios = []
    for i, pt in enumerate(points):
        try:
            scenarios.append(
                scenario_from_chain([(file, _apply(own, pt, settings), lines), *chain[1:]], cat)
            )
        except GigafactoryError as exc:
            problems += [
                Problem(p.file, p.line, p.key, f"at sweep point {i} ({pt}): {p.message}")
                for p in exc.problems
            ]
    if problems:
        raise GigafactoryError(problems)
    return Sweep(
        base.name,
        file,
        "lhs" if lhs else "grid",
        tuple(points[0]),
        tuple(points),
        tuple(scenarios),
        base,
    )
