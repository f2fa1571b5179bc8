"""Checks that need the whole catalog: derived formulas, mix sums and cited repository files.

Each check returns a list of :class:`~gigafactory.errors.Problem` located by a ``locate``
function (dotted key → file and line), so the loader can report all of them at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from ..errors import Problem, allowed_list, did_you_mean
from .formula import REL_TOL, FormulaError, agrees, evaluate
from .schema import REPO_SOURCE, Catalog, Fact, iter_facts, source_parts

Locate = Callable[[str], tuple[str, int | None]]

#: Tolerance on the sum of a mix's shares at one date.
MIX_SUM_TOL = 1e-6

#: The repository root when running from a source checkout (``src/gigafactory/catalog``).
REPO_ROOT = Path(__file__).resolve().parents[3]


def numeric_facts(cat: Catalog) -> dict[str, Fact]:
    """Every numeric fact by dotted key (dates excluded)."""
    return {k: f for k, f in iter_facts(cat) if isinstance(f, Fact)}


def check_formulas(cat: Catalog, locate: Locate) -> list[Problem]:
    """Each derived fact's formula, evaluated on the stated values, gives its value ±2 %.

    Formulas read the *stated* values of the keys they reference, so every check is local
    and the order of evaluation does not matter.
    """
    facts = numeric_facts(cat)
    env = {k: f.value for k, f in facts.items()}
    out: list[Problem] = []
    for key, f in facts.items():
        if f.formula is None:
            continue
        file, line = locate(key)
        try:
            got = evaluate(f.formula, env)
        except FormulaError as exc:
            out.append(Problem(file, line, key, f"formula '{f.formula}': {exc}"))
            continue
        if not agrees(got, f.value):
            out.append(
                Problem(
                    file,
                    line,
                    key,
                    f"formula '{f.formula}' gives {got:.6g}, but the value is {f.value:g} "
                    f"({(got / f.value - 1) * 100 if f.value else math.inf:+.1f} %; allowed "
                    f"±{REL_TOL:.0%}); fix the value or the formula",
                )
            )
    return out


def check_mix_sums(cat: Catalog, locate: Locate) -> list[Problem]:
    """The shares of every mix at every date sum to 1 (±1e-6); nothing is renormalised."""
    out: list[Problem] = []
    for mid, mix in cat.mixes.items():
        for when, pt in mix.points.items():
            total = math.fsum(f.value for f in pt.shares.values())
            if abs(total - 1.0) > MIX_SUM_TOL:
                key = f"mixes.{mid}.points.{when}.shares"
                file, line = locate(key)
                parts = " + ".join(f"{s} {f.value:g}" for s, f in pt.shares.items())
                out.append(Problem(file, line, key, f"shares sum to {total:.6g}, not 1: {parts}"))
    return out


def check_source_files(cat: Catalog, locate: Locate, root: Path = REPO_ROOT) -> list[Problem]:
    """Every source that is a repository path names a file that exists under ``root``.

    Skipped (returns no problems) when ``root`` holds no ``docs/sources`` folder, i.e. for an
    installed package without the repository; the test suite always runs it.
    """
    if not (root / "docs" / "sources").is_dir():
        return []
    out: list[Problem] = []
    for key, f in iter_facts(cat):
        for part in source_parts(f.source):
            if not REPO_SOURCE.match(part):
                continue
            path = part.split("#", 1)[0]
            if not (root / path).is_file():
                file, line = locate(key)
                out.append(
                    Problem(file, line, key, f"source '{path}' is not a file in the repository")
                )
    return out


def check_site_deals(cat: Catalog, locate: Locate) -> list[Problem]:
    """Every site's ``deal.id`` names a deal of the catalog (with a did-you-mean)."""
    out: list[Problem] = []
    for sid, site in cat.sites.items():
        if site.deal is None or site.deal.id in cat.deals:
            continue
        key = f"sites.{sid}.deal.id"
        file, line = locate(key)
        got = site.deal.id
        out.append(
            Problem(
                file,
                line,
                key,
                f"unknown deal '{got}'{did_you_mean(got, cat.deals)}; "
                f"allowed: {allowed_list(cat.deals)}",
            )
        )
    return out
