"""Scenarios that arrive over HTTP: a preset name or YAML text, never a path.

A scenario given as text may ``extends`` a shipped preset only: a file path there would let a
request read the server's disk, so it is refused before the loader sees it.
"""

from __future__ import annotations

from typing import Any

import yaml

from ..catalog.schema import Catalog
from ..errors import GigafactoryError, Problem, allowed_list, did_you_mean
from ..scenario import load_scenario, preset_names
from ..scenario.loader import load_scenario_text
from ..scenario.schema import Scenario

#: the file name problems in request text are reported against
REQUEST_FILE = "<request>"


def problems_json(exc: GigafactoryError) -> list[dict[str, Any]]:
    """The problems of an error as JSON: file, line, key, message."""
    return [
        {"file": p.file, "line": p.line, "key": p.key, "message": p.message} for p in exc.problems
    ]


def _check_extends(text: str) -> None:
    """Refuse ``extends`` values that are not preset names (they would name a file)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return  # the loader reports the syntax error with its line
    if not isinstance(data, dict) or "extends" not in data:
        return
    ext = data["extends"]
    if isinstance(ext, str) and ext in preset_names():
        return
    raise GigafactoryError(
        [
            Problem(
                REQUEST_FILE,
                None,
                "extends",
                f"'{ext}' is not a preset{did_you_mean(str(ext), preset_names())}; over HTTP a "
                f"scenario may extend a preset only: {allowed_list(preset_names())}",
            )
        ]
    )


def parse_scenario(text: str, catalog: Catalog) -> Scenario:
    """A preset name or scenario YAML text as a validated ``Scenario``.

    Raises
    ------
    GigafactoryError
        With every problem (file ``<request>``, line, key, did-you-mean).
    """
    name = text.strip()
    if "\n" not in name and ":" not in name:
        if name in preset_names():
            return load_scenario(name, catalog)
        raise GigafactoryError(
            [
                Problem(
                    REQUEST_FILE,
                    None,
                    "scenario",
                    f"no preset '{name}'{did_you_mean(name, preset_names())}; give a preset "
                    f"({allowed_list(preset_names())}) or scenario YAML text",
                )
            ]
        )
    _check_extends(text)
    return load_scenario_text(text, catalog, name=REQUEST_FILE)
