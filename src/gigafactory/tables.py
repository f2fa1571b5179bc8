"""Tables that fit the terminal: ids and dates whole, long text cut with an ellipsis.

Every table the command line prints goes through :func:`fit_table`, which lays the columns
out itself instead of leaving it to rich (rich splits any column, ids included, when a table
is too wide).  Each column has a kind:

``id``
    run ids, dates, numbers: always shown whole, never wrapped nor cut;
``text``
    names, descriptions, sources: one line, cut with ``…`` to the width left over;
``wrap``
    short prose (lists of tiers, key/value labels): wrapped at spaces.

When even the narrowest layout is too wide, the columns with the highest ``drop`` rank are
left out (the caption names them).  The width is ``$COLUMNS`` when set, 80 when stdout is
not a terminal (piped), else the terminal's; ``--wide`` lifts the limit: every column, every
character.  A table with *n* columns and cell widths :math:`w_i` is
:math:`\\sum_i (w_i + 2) + n + 1` characters wide (one space of padding each side, a rule
between columns and at both edges).
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

Kind = Literal["id", "text", "wrap"]
#: A text column is cut no narrower than this (or its header's longest word).
MIN_TEXT = 10
#: Console width under ``--wide``: nothing is cut, lines are as long as their content.
UNLIMITED = 100_000

WideOpt = Annotated[
    bool, typer.Option("--wide", help="Show every column and all of each text (no 80-column fit).")
]


@dataclass(frozen=True)
class Col:
    """One column: header, kind, alignment and drop rank (0 = always shown; higher goes first)."""

    header: str
    kind: Kind = "text"
    right: bool = False
    drop: int = 0


def width_limit(wide: bool = False) -> int | None:
    """The width tables must fit: None under ``--wide``, else ``$COLUMNS``, 80 when piped, else the terminal's."""
    if wide:
        return None
    cols = os.environ.get("COLUMNS", "")
    if cols.isdigit() and int(cols) > 0:
        return int(cols)
    if not sys.stdout.isatty():
        return 80
    return shutil.get_terminal_size((80, 24)).columns


def out_console(wide: bool = False) -> Console:
    """A stdout console as wide as :func:`width_limit` (unlimited under ``--wide``)."""
    limit = width_limit(wide)
    return Console(highlight=False, width=limit or UNLIMITED, soft_wrap=False)


def _lines(cell: str) -> list[str]:
    return Text.from_markup(cell).plain.split("\n")


def _natural(header: str, cells: list[str]) -> int:
    return max([len(header), *(len(line) for c in cells for line in _lines(c))])


def _minimum(col: Col, cells: list[str], natural: int) -> int:
    head = max((len(w) for w in col.header.split()), default=1)
    if col.kind == "id":
        return max([head, *(len(line) for c in cells for line in _lines(c))])
    if col.kind == "text":
        return min(natural, max(head, MIN_TEXT))
    words = [len(w) for c in cells for line in _lines(c) for w in line.split()]
    return min(natural, max([head, MIN_TEXT, *words]))


def _overhead(n: int) -> int:
    return 3 * n + 1


def _layout(
    cols: Sequence[Col], nat: list[int], mins: list[int], limit: int
) -> tuple[list[int], list[int]]:
    """Columns kept (indices) and their widths: drop by rank until the minimums fit, then share."""
    keep = list(range(len(cols)))
    for idx in sorted((i for i, c in enumerate(cols) if c.drop), key=lambda i: (-cols[i].drop, -i)):
        if sum(mins[i] for i in keep) + _overhead(len(keep)) <= limit:
            break
        keep.remove(idx)
    widths = [mins[i] for i in keep]
    spare = limit - _overhead(len(keep)) - sum(widths)
    want = [nat[i] - mins[i] for i in keep]
    total = sum(want)
    if spare > 0 and total > 0:
        give = [min(w, spare * w // total) for w in want]
        left = spare - sum(give)
        for k, w in enumerate(want):  # hand out the rounding remainder left to right
            extra = min(w - give[k], left)
            give[k] += extra
            left -= extra
        widths = [w + g for w, g in zip(widths, give, strict=True)]
    return keep, widths


def fit_table(
    title: str | None,
    cols: Sequence[Col],
    rows: Sequence[Sequence[str]],
    *,
    wide: bool = False,
    caption: str | None = None,
    show_header: bool = True,
) -> Table:
    """A rich table of ``rows`` (markup strings) laid out to fit :func:`width_limit`.

    Columns of kind ``id`` keep their full width; ``text`` columns are cut with ``…`` and
    ``wrap`` columns wrapped to the width left; columns that still do not fit are dropped
    (highest ``drop`` first) and named in the caption.
    """
    cells = [[str(r[i]) for r in rows] for i in range(len(cols))]
    nat = [_natural(c.header if show_header else "", cells[i]) for i, c in enumerate(cols)]
    limit = width_limit(wide)
    if limit is None:
        keep, widths = list(range(len(cols))), nat
    else:
        mins = [_minimum(c, cells[i], nat[i]) for i, c in enumerate(cols)]
        keep, widths = _layout(cols, nat, mins, limit)
    notes = [caption] if caption else []
    hidden = [cols[i].header for i in range(len(cols)) if i not in keep]
    if hidden:
        notes.append(f"not shown at this width: {', '.join(hidden)} (--wide shows them)")
    cut = any(cols[i].kind == "text" and w < nat[i] for i, w in zip(keep, widths, strict=True))
    if cut and not hidden:
        notes.append("… = cut to fit; --wide shows all of it")
    t = Table(title=title, caption="\n".join(notes) or None, show_header=show_header)
    for i, w in zip(keep, widths, strict=True):
        c = cols[i]
        t.add_column(  # headers wrap at words; id cells fit the width, so they never wrap
            c.header,
            width=w,
            justify="right" if c.right else "left",
            overflow="fold" if c.kind == "wrap" else "ellipsis",
        )
    for r in rows:
        t.add_row(*(_cell(str(r[i]), cols[i].kind) for i in keep))
    return t


def _cell(markup: str, kind: Kind) -> Text:
    """A cell: ``text`` cells stay on one line per line and are cut with ``…``."""
    text = Text.from_markup(markup, overflow="fold" if kind == "wrap" else "ellipsis")
    text.no_wrap = kind == "text"
    return text
