"""Load a preset or scenario file: resolve ``extends``, merge, validate, check overrides.

Every problem is gathered into one :class:`GigafactoryError` with file, line, key path, what is
allowed and a did-you-mean; nothing is run or written when the scenario is invalid.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..catalog.schema import Catalog, Fact, iter_facts
from ..errors import GigafactoryError, Problem, allowed_list, did_you_mean
from ..finance.whatif import raw_name_problems, whatif_problems
from ..supply.regions import site_region_problems
from ..timegrid import parse_when
from ..validation import problems_from
from ..yamlio import LineMap, line_of, load_yaml, load_yaml_file
from .domains import bound_by_horizon, check_override, settings_problems
from .sampling import Dist
from .schema import Scenario

PRESET_DIR = Path(__file__).parent / "presets"


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESET_DIR.glob("*.yaml"))


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = (
            _deep_merge(out[k], v)
            if isinstance(v, dict) and isinstance(out.get(k), dict) and k != "overrides"
            else v
        )
        if k == "overrides" and isinstance(v, dict) and isinstance(base.get(k), dict):
            out[k] = {**base[k], **v}
    return out


def _locate(ref: str, relative_to: Path | None) -> Path:
    if "/" not in ref and not ref.endswith((".yaml", ".yml")):
        if ref in preset_names():
            return PRESET_DIR / f"{ref}.yaml"
        raise GigafactoryError(
            [
                Problem(
                    "<command line>" if relative_to is None else str(relative_to),
                    None,
                    "extends" if relative_to else "scenario",
                    f"no preset or file '{ref}'{did_you_mean(ref, preset_names())}; presets: {allowed_list(preset_names())}",
                )
            ]
        )
    path = Path(ref)
    if relative_to is not None and not path.is_absolute():
        path = relative_to.parent / path
    try:
        found = path.exists()
    except (OSError, ValueError):  # a NUL byte, a name too long, a loop of links
        found = False
    if not found:
        raise GigafactoryError([Problem(str(path), None, "-", "file not found")])
    return path


#: most files in one ``extends`` chain (the file itself included)
MAX_EXTENDS = 16


def _read_chain(
    path: Path, broken: list[Problem] | None = None
) -> list[tuple[str, dict[str, Any], LineMap]]:
    """The file and its ``extends`` ancestors, child first (at most :data:`MAX_EXTENDS`).

    An ``extends`` that names no preset or file is added to ``broken`` (when given) and the
    chain stops there, so the file's other problems can still be listed with it.
    """
    chain: list[tuple[str, dict[str, Any], LineMap]] = []
    seen: set[Path] = set()
    current: Path | None = path
    while current is not None:
        if len(chain) >= MAX_EXTENDS:
            raise GigafactoryError(
                [
                    Problem(
                        str(current),
                        None,
                        "extends",
                        f"an extends chain of more than {MAX_EXTENDS} files",
                    )
                ]
            )
        resolved = current.resolve()
        if resolved in seen:
            raise GigafactoryError(
                [Problem(str(current), None, "extends", "extends itself (a cycle)")]
            )
        seen.add(resolved)
        data, lines = load_yaml_file(current)
        if data is None:
            raise GigafactoryError(
                [
                    Problem(
                        str(current),
                        None,
                        "-",
                        "the file is empty; a scenario needs at least `extends: PRESET`",
                    )
                ]
            )
        if not isinstance(data, dict):
            raise GigafactoryError(
                [Problem(str(current), 1, "-", "a scenario must be a YAML mapping")]
            )
        chain.append((str(current), data, lines))
        parent = data.get("extends")
        if parent is not None and not isinstance(parent, str):
            raise GigafactoryError(
                [
                    Problem(
                        str(current),
                        lines.get(("extends",)),
                        "extends",
                        "must be a preset name or a file path",
                    )
                ]
            )
        if parent is None:
            break
        try:
            current = _locate(parent, current)
        except GigafactoryError as exc:
            if broken is None:
                raise
            line = lines.get(("extends",))
            broken += [Problem(p.file, line, p.key, p.message) for p in exc.problems]
            return chain
    return chain


def fact_paths(catalog: Catalog) -> dict[str, Fact]:
    """Every numeric catalog fact by dotted path (the keys a scenario may override)."""
    return {p: f for p, f in iter_facts(catalog) if isinstance(f, Fact)}


def _override_file(
    key: str, chain: list[tuple[str, dict[str, Any], LineMap]]
) -> tuple[str, int | None]:
    """(file, line) of an override key: the nearest file in the chain that sets it."""
    file, lines = next(
        ((f, ln) for f, d, ln in chain if key in (d.get("overrides") or {})),
        (chain[0][0], chain[0][2]),
    )
    return file, line_of(lines, ("overrides", key))


def _unknown_override(key: str, known: dict[str, Fact], file: str, line: int | None) -> Problem:
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.5)
    prefix = key.rsplit(".", 1)[0]
    siblings = sorted({p.rsplit(".", 1)[1] for p in known if p.startswith(prefix + ".")})
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    allowed = (
        f"; allowed under '{prefix}': {allowed_list(siblings)}"
        if siblings
        else "; see `gigafactory catalog list`"
    )
    return Problem(file, line, f"overrides.{key}", f"not a catalog value{hint}{allowed}")


def _override_problems(
    overrides: dict[str, Any],
    chain: list[tuple[str, dict[str, Any], LineMap]],
    catalog: Catalog,
    weeks: int | None = None,
) -> list[Problem]:
    """Override keys that name no catalog value, and values outside a key's domain (lead times
    longer than a horizon of ``weeks`` too, when given)."""
    known = fact_paths(catalog)
    problems: list[Problem] = []
    for key, over in overrides.items():
        file, line = _override_file(key, chain)
        if key not in known:
            problems.append(_unknown_override(key, known, file, line))
        elif isinstance(over, float | int | Dist):
            msg = check_override(key, known[key], over)
            if not msg and weeks is not None:
                msg = bound_by_horizon(key, known[key], over, weeks)
            if msg:
                problems.append(Problem(file, line, f"overrides.{key}", msg))
    return problems


def _check_overrides(
    sc: Scenario, chain: list[tuple[str, dict[str, Any], LineMap]], catalog: Catalog
) -> list[Problem]:
    problems = _override_problems(dict(sc.overrides), chain, catalog, horizon_weeks(sc))
    if sc.scope.kind == "buyer" and sc.scope.buyer not in catalog.buyers:
        file, _, lines = chain[0]
        problems.append(
            Problem(
                file,
                line_of(lines, ("scope", "buyer")),
                "scope.buyer",
                f"unknown buyer '{sc.scope.buyer}'{did_you_mean(str(sc.scope.buyer), catalog.buyers)}; allowed: {allowed_list(catalog.buyers)}",
            )
        )
    for key, msg in [*settings_problems(sc, catalog.companies), *whatif_problems(sc, catalog)]:
        file, lines = _origin(chain, tuple(key.split(".")))
        problems.append(Problem(file, line_of(lines, tuple(key.split("."))), key, msg))
    problems += site_region_problems(
        sc.site_regions, catalog, lambda site: _located(chain, ("site_regions", site))
    )
    if isinstance(sc.sites, list):
        for i, s in enumerate(sc.sites):
            if s not in catalog.sites:
                problems.append(
                    Problem(
                        chain[0][0],
                        line_of(chain[0][2], ("sites", i)),
                        f"sites.{i}",
                        f"unknown site '{s}'{did_you_mean(s, catalog.sites)}; allowed: {allowed_list(catalog.sites)}",
                    )
                )
    return problems


def _origin(
    chain: list[tuple[str, dict[str, Any], LineMap]], path: tuple[str, ...]
) -> tuple[str, LineMap]:
    """The file of the chain that sets ``path`` (child first), with its line map."""
    for f, _, ln in chain:
        if path in ln:
            return f, ln
    return chain[0][0], chain[0][2]


def _located(
    chain: list[tuple[str, dict[str, Any], LineMap]], path: tuple[str, ...]
) -> tuple[str, int | None]:
    """(file, line) of ``path`` in the nearest file of the chain that sets it."""
    file, lines = _origin(chain, path)
    return file, line_of(lines, path)


def horizon_weeks(sc: Scenario) -> int:
    """Weeks in the scenario's horizon (start to end, inclusive)."""
    s = parse_when(sc.horizon.start, start=True)
    e = parse_when(sc.horizon.end)
    return (e - s).days // 7 + 1


def _locator(
    chain: list[tuple[str, dict[str, Any], LineMap]],
) -> Any:
    """(file, line) of a key path (pydantic's tuple: an override key with dots is one element),
    in the nearest file of the chain (child first) that sets it."""

    def locate(path: tuple[str | int, ...]) -> tuple[str, int | None]:
        for k in range(len(path), 0, -1):
            for f, _, ln in chain:
                if path[:k] in ln:
                    return f, ln[path[:k]]
        return chain[0][0], None

    return locate


def scenario_from_chain(
    chain: list[tuple[str, dict[str, Any], LineMap]],
    catalog: Catalog,
    broken: list[Problem] | None = None,
) -> Scenario:
    """Merge and validate a chain; every problem found (``broken``: of its ``extends``) at once."""
    broken = broken or []
    merged: dict[str, Any] = {}
    for _, data, _ in reversed(chain):
        merged = _deep_merge(merged, data)
    merged["extends"] = chain[0][1].get("extends")
    # a scenario's identity is its own: name (default: the file's stem) and description
    own = chain[0][1]
    merged["name"] = own.get("name", Path(chain[0][0]).stem)
    merged["description"] = own.get(
        "description", f"extends {own['extends']}" if own.get("extends") else ""
    )
    try:
        sc = Scenario.model_validate(merged)
    except ValidationError as exc:
        problems = problems_from(exc, Scenario, chain[0][0], {}, locate=_locator(chain))
        unmerged = {"missing"} if broken else set()  # the parent may have supplied it
        problems = [
            _sweep_hint(p)
            for p in problems
            if not (p.message == "required key is missing" and unmerged)
        ]
        raw = merged.get("overrides")
        if isinstance(raw, dict):  # unknown override keys, even when other keys are invalid
            bad = {p.key for p in problems}
            problems += [
                p
                for p in _override_problems(
                    {k: v for k, v in raw.items() if f"overrides.{k}" not in bad}, chain, catalog
                )
                if p.message.startswith("not a catalog value")
            ]
        for key, msg in raw_name_problems(merged.get("deals"), catalog):
            file, lines = _origin(chain, tuple(key.split(".")))
            problems.append(Problem(file, line_of(lines, tuple(key.split("."))), key, msg))
        raise GigafactoryError(_unique([*broken, *problems])) from None
    problems = _check_overrides(sc, chain, catalog)
    if problems or broken:
        raise GigafactoryError(_unique([*broken, *problems]))
    _check_compiles(sc, chain, catalog)
    return sc


def _unique(problems: list[Problem]) -> list[Problem]:
    """Each problem once, in order."""
    seen: set[tuple[str, int | None, str, str]] = set()
    out = []
    for p in problems:
        k = (p.file, p.line, p.key, p.message)
        if k not in seen:
            seen.add(k)
            out.append(p)
    return out


def _check_compiles(
    sc: Scenario, chain: list[tuple[str, dict[str, Any], LineMap]], catalog: Catalog
) -> None:
    """Compile one median draw: surfaces input errors now, and overrides the model never reads."""
    from ..compile import median_inputs

    inp = median_inputs(sc, catalog, keep=True)  # the run's summary takes it (one compile)
    unused = [k for k in sc.overrides if k not in inp.meta.get("used", "").split("|")]
    if unused:
        problems = []
        for key in unused:
            file, lines = next(
                ((f, ln) for f, d, ln in chain if key in (d.get("overrides") or {})),
                (chain[0][0], chain[0][2]),
            )
            problems.append(
                Problem(
                    file,
                    line_of(lines, ("overrides", key)),
                    f"overrides.{key}",
                    "a sourced catalog value that this model does not use (it is shown "
                    "for reference), so overriding it would change nothing; remove it",
                )
            )
        raise GigafactoryError(problems)


def load_scenario(ref: str | Path, catalog: Catalog | None = None) -> Scenario:
    """Load a preset by name or a scenario YAML file and validate it against the catalog."""
    from ..catalog import load_catalog

    cat = catalog if catalog is not None else load_catalog()
    broken: list[Problem] = []
    chain = _read_chain(_locate(str(ref), None), broken=broken)
    return scenario_from_chain(chain, cat, broken)


def load_scenario_text(
    text: str, catalog: Catalog | None = None, name: str = "<scenario>"
) -> Scenario:
    """Validate scenario YAML given as text (``extends`` resolves presets only)."""
    from ..catalog import load_catalog

    cat = catalog if catalog is not None else load_catalog()
    data, lines = load_yaml(text, name)
    if data is None:
        raise GigafactoryError([Problem(name, None, "-", "the scenario is empty")])
    if not isinstance(data, dict):
        raise GigafactoryError([Problem(name, 1, "-", "a scenario must be a YAML mapping")])
    chain = [(name, data, lines)]
    broken: list[Problem] = []
    if isinstance(data.get("extends"), str):
        try:
            chain += _read_chain(_locate(data["extends"], None), broken=broken)
        except GigafactoryError as exc:
            line = lines.get(("extends",))
            broken += [Problem(name, line, "extends", p.message) for p in exc.problems]
    return scenario_from_chain(chain, cat, broken)


def resolved_yaml(sc: Scenario) -> str:
    """The fully resolved scenario as YAML (stored with every run)."""
    return yaml.safe_dump(sc.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def _sweep_hint(p: Problem) -> Problem:
    """A ``sweep:`` section given to ``run``/``validate``: say which command takes it (the
    generic "unknown key 'sweep' (did you mean 'seed'?)" sent users the wrong way)."""
    if p.key != "sweep" or not p.message.startswith("unknown key"):
        return p
    return Problem(
        p.file,
        p.line,
        p.key,
        "this is a sweep file (it has a sweep: section); run it with `gigafactory sweep "
        "FILE`, or remove the section to run one scenario",
    )
