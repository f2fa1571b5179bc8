"""User strings as plain, visible text: never rich markup, never raw terminal control codes.

A scenario name like ``"[/bold] oops"`` is data, not markup; a name holding ``ESC [ 2 J``
must not clear the user's terminal.  :func:`visible` spells every control character out
(``\\x1b``), :func:`plain` also escapes rich markup for strings printed through rich.
"""

from __future__ import annotations

import re

from rich.markup import escape

# C0 and C1 controls (tab and newline handled apart), DEL, zero-width and bidi overrides
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def _spell(m: re.Match[str]) -> str:
    c = ord(m.group(0))
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def visible(s: object, *, newlines: bool = False) -> str:
    """``str(s)`` with control characters spelled out; ``newlines`` keeps line breaks and tabs."""
    text = _CONTROL.sub(_spell, str(s))
    if not newlines:
        text = text.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
    else:
        text = text.replace("\r", "\\r")
    # a lone surrogate cannot be encoded for the terminal either
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def plain(s: object) -> str:
    """A user string safe to embed in rich markup: visible and markup-escaped."""
    return escape(visible(s))
