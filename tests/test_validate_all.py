"""`validate` lists every problem once, each at its key's own line."""

from __future__ import annotations

from pathlib import Path

import pytest

from gigafactory import load_catalog
from gigafactory.errors import GigafactoryError, Problem
from gigafactory.scenario import load_scenario

CAT = load_catalog()


def _problems(tmp_path: Path, text: str) -> list[Problem]:
    f = tmp_path / "s.yaml"
    f.write_text(text)
    with pytest.raises(GigafactoryError) as exc:
        load_scenario(str(f), CAT)
    return list(exc.value.problems)


def test_an_extends_typo_does_not_hide_the_other_problems(tmp_path: Path) -> None:
    probs = _problems(
        tmp_path,
        "name: s\n"  # 1
        "extends: anounced\n"  # 2
        "draws: 0\n"  # 3
        "overrides:\n"  # 4
        "  params.pu: 1.2\n"  # 5
        "drawz: 3\n",  # 6
    )
    got = {(p.key, p.line) for p in probs}
    assert got == {("extends", 2), ("draws", 3), ("overrides.params.pu", 5), ("drawz", 6)}
    assert "announced" in next(p.message for p in probs if p.key == "extends")


def test_the_line_is_the_keys_own_and_each_problem_is_said_once(tmp_path: Path) -> None:
    probs = _problems(
        tmp_path,
        "name: s\n"  # 1
        "extends: announced\n"  # 2
        "draws: 10\n"  # 3
        "overrides:\n"  # 4
        "  params.load_factor: 0.8\n"  # 5
        "  params.pue: {dist: pert, low: 1.1}\n",  # 6
    )
    assert [(p.key, p.line) for p in probs] == [("overrides.params.pue", 6)]
    assert "mode, high" in probs[0].message


def test_a_nested_key_reports_its_own_line(tmp_path: Path) -> None:
    probs = _problems(
        tmp_path,
        "name: s\nextends: announced\nscope:\n  kind: buyer\n  buyer: openai\n  orderz: deals\n",
    )
    assert [(p.key, p.line) for p in probs] == [("scope.orderz", 6)]
