"""Load and validate the catalog (every YAML file under ``catalog/data``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import GigafactoryError, Problem
from ..validation import problems_from
from ..yamlio import LineMap, load_yaml_file
from .checks import Locate, check_formulas, check_mix_sums, check_site_deals, check_source_files
from .schema import Catalog

DATA_DIR = Path(__file__).parent / "data"


def load_catalog_from(directory: Path) -> Catalog:
    """Merge the top-level sections of every ``*.yaml`` in ``directory`` and validate them.

    Raises
    ------
    GigafactoryError
        Listing every problem with file, line and key path.
    """
    merged: dict[str, dict[str, Any]] = {}
    origin: dict[tuple[str, str], tuple[str, LineMap]] = {}
    problems: list[Problem] = []
    for path in sorted(directory.glob("*.yaml")):
        data, lines = load_yaml_file(path)
        if not isinstance(data, dict):
            problems.append(
                Problem(str(path), 1, "-", "a catalog file must be a mapping of sections")
            )
            continue
        for section, items in data.items():
            if not isinstance(items, dict):
                problems.append(
                    Problem(
                        str(path),
                        lines.get((section,)),
                        section,
                        "a section must be a mapping of ids",
                    )
                )
                continue
            for key, value in items.items():
                if key in merged.setdefault(section, {}):
                    problems.append(
                        Problem(
                            str(path),
                            lines.get((section, key)),
                            f"{section}.{key}",
                            f"defined twice (also in {origin[(section, key)][0]})",
                        )
                    )
                merged[section][key] = value
                sub = {k[2:]: v for k, v in lines.items() if k[:2] == (section, key)}
                origin[(section, key)] = (str(path), sub)
    if problems:
        raise GigafactoryError(problems)
    locate = _locator(origin)
    try:
        cat = Catalog.model_validate(merged)
    except ValidationError as exc:
        out = [
            Problem(*locate(p.key), p.key, p.message)
            for p in problems_from(exc, Catalog, "<catalog>", {})
        ]
        raise GigafactoryError(out) from None
    problems = [
        *check_formulas(cat, locate),
        *check_mix_sums(cat, locate),
        *check_source_files(cat, locate),
        *check_site_deals(cat, locate),
    ]
    if problems:
        raise GigafactoryError(problems)
    return cat


def _locator(origin: dict[tuple[str, str], tuple[str, LineMap]]) -> Locate:
    """Map a dotted catalog key to (file, line of its deepest known prefix)."""

    def locate(key: str) -> tuple[str, int | None]:
        parts = key.split(".")
        file, sub = origin.get(
            (parts[0], parts[1]) if len(parts) > 1 else ("", ""), ("<catalog>", {})
        )
        path_t: tuple[str | int, ...] = tuple(int(x) if x.isdigit() else x for x in parts[2:])
        for k in range(len(path_t), -1, -1):
            if path_t[:k] in sub:
                return file, sub[path_t[:k]]
        return file, None

    return locate


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The catalog shipped with the package (cached)."""
    return load_catalog_from(DATA_DIR)
