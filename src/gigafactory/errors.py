"""The one domain exception: a user mistake, reported without a traceback."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem found in a user input.

    Attributes
    ----------
    file : str
        The file the problem is in ("<scenario>" when built in memory).
    line : int or None
        1-based line number, where known.
    key : str
        Dotted key path of the offending item (``overrides.tiers.cowos``).
    message : str
        What is wrong, what is allowed and how to fix it.
    """

    file: str
    line: int | None
    key: str
    message: str

    def render(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key}: {self.message}"


class GigafactoryError(ValueError):
    """A user-facing error listing every problem found; nothing has been run or written."""

    def __init__(self, problems: Iterable[Problem] | str) -> None:
        if isinstance(problems, str):
            problems = [Problem("<input>", None, "-", problems)]
        self.problems: list[Problem] = list(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} found; nothing was run or written:"
        super().__init__("\n".join([head, *("  - " + p.render() for p in self.problems)]))


def did_you_mean(word: str, allowed: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest allowed word, or ``""``."""
    close = difflib.get_close_matches(word, list(allowed), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def allowed_list(allowed: Iterable[str], most: int = 12) -> str:
    items = sorted(allowed)
    shown = ", ".join(items[:most])
    return shown + (f", … ({len(items)} in all)" if len(items) > most else "")
