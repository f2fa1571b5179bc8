"""Bounded, safe YAML loading that remembers the line of every key, for precise error messages.

A scenario file is untrusted input, so reading it is bounded in every direction:

* only a regular file is read (never a device, a FIFO or a folder: ``/dev/zero`` and named
  pipes are refused before they are opened), at most :data:`MAX_BYTES` bytes, as UTF-8;
* the YAML event stream is checked before anything is built: nesting at most
  :data:`MAX_DEPTH` levels, no tags (``!!python/object``, ``!foo``), no merge keys (``<<``),
  one document;
* building the data counts every node, aliases expanded, and stops at :data:`MAX_NODES`
  (an alias "billion laughs" bomb fails in milliseconds).

Every violation is a :class:`GigafactoryError` with file, line and what is allowed.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

from .errors import GigafactoryError, Problem

LineMap = dict[tuple[str | int, ...], int]

#: largest scenario or catalog file read, bytes (1 MB; the shipped presets are < 4 kB)
MAX_BYTES = 1_000_000
#: deepest nesting of mappings and sequences (a scenario needs 4)
MAX_DEPTH = 32
#: most YAML nodes built from one file, aliases expanded (the largest catalog file has ~5 000)
MAX_NODES = 50_000

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null")}
_PLAIN_TAGS |= {"tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"}
_STR = "tag:yaml.org,2002:str"


def _fail(file: str, line: int | None, message: str, key: str = "-") -> GigafactoryError:
    return GigafactoryError([Problem(file, line, key, message)])


def _scan(text: str, file: str) -> None:
    """Check the event stream: depth, node count, tags, merge keys (nothing is built yet)."""
    depth = nodes = docs = 0
    try:
        for ev in yaml.parse(text, Loader=_Loader):
            line = ev.start_mark.line + 1 if ev.start_mark is not None else None
            if isinstance(ev, yaml.DocumentStartEvent):
                docs += 1
                if docs > 1:
                    raise _fail(
                        file, line, "more than one YAML document; put one scenario per file"
                    )
            if isinstance(ev, yaml.NodeEvent):
                nodes += 1
                tag = getattr(ev, "tag", None)
                if tag is not None and tag not in _PLAIN_TAGS:
                    raise _fail(file, line, f"YAML tag '{tag}' is not allowed; write plain values")
                if isinstance(ev, yaml.ScalarEvent) and ev.value == "<<" and ev.implicit[0]:
                    raise _fail(
                        file, line, "YAML merge keys (<<) are not allowed; write the keys out"
                    )
            if isinstance(ev, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _fail(file, line, f"nested deeper than {MAX_DEPTH} levels")
            elif isinstance(ev, yaml.CollectionEndEvent):
                depth -= 1
            if nodes > MAX_NODES:
                raise _fail(file, line, f"more than {MAX_NODES:,} YAML nodes; not a scenario")
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, file) from None


def _yaml_error(exc: yaml.YAMLError, file: str) -> GigafactoryError:
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    return _fail(file, line, f"not valid YAML: {getattr(exc, 'problem', None) or exc}")


class _Builder:
    """Build Python data from a composed node graph, counting nodes (aliases expanded)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.lines: LineMap = {}
        self.count = 0
        self.scalars = yaml.SafeLoader("")

    def build(self, node: yaml.Node, path: tuple[str | int, ...]) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _fail(
                self.file,
                node.start_mark.line + 1,
                f"more than {MAX_NODES:,} values once aliases are expanded (an alias bomb?)",
            )
        # a key's line is the key's own (set by the caller), not the line its value starts on
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = str(self.scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else "?")
                if key in out:
                    raise _fail(
                        self.file,
                        key_node.start_mark.line + 1,
                        "duplicate key; each key may appear once",
                        ".".join(map(str, (*path, key))),
                    )
                self.lines[(*path, key)] = key_node.start_mark.line + 1
                out[key] = self.build(value_node, (*path, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(v, (*path, i)) for i, v in enumerate(node.value)]
        return self.scalar(node)

    def scalar(self, node: yaml.Node) -> Any:
        if node.tag == _STR and isinstance(node, yaml.ScalarNode):
            value = node.value  # what SafeConstructor.construct_yaml_str returns, ~4× faster
        else:
            try:
                value = self.scalars.construct_object(node)
            except (ValueError, yaml.YAMLError):  # e.g. 2026-02-30 looks like a date but is none
                value = node.value
        # Keep dates as ISO strings: the schema parses them, and errors quote them as written.
        if hasattr(value, "isoformat"):
            return value.isoformat()
        if isinstance(value, str) and _has_surrogate(value):
            raise _fail(
                self.file, node.start_mark.line + 1, "text with a lone surrogate is not valid UTF-8"
            )
        return value


def _has_surrogate(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def load_yaml(text: str, file: str) -> tuple[Any, LineMap]:
    """Parse YAML text within the limits above; return (data, {key path: line})."""
    if len(text) > MAX_BYTES:
        raise _fail(file, None, f"larger than {MAX_BYTES:,} characters; not a scenario")
    _scan(text, file)
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, file) from None
    if node is None:
        return None, {}
    b = _Builder(file)
    return b.build(node, ()), b.lines


def read_text(path: Path, limit: int = MAX_BYTES) -> str:
    """Read a regular file of at most ``limit`` bytes as UTF-8 text, or raise GigafactoryError."""
    file = str(path)
    try:
        st = os.stat(path)
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        raise _fail(
            file, None, f"cannot read file: {getattr(exc, 'strerror', None) or exc}"
        ) from None
    if not stat.S_ISREG(st.st_mode):
        raise _fail(file, None, f"not a regular file ({_kind(st.st_mode)}); give a YAML file")
    if st.st_size > limit:
        raise _fail(file, None, f"{st.st_size:,} bytes; a scenario file is at most {limit:,}")
    try:
        # O_NONBLOCK: should the path be swapped for a FIFO after the check, open never hangs
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as fh:
            regular = stat.S_ISREG(os.fstat(fh.fileno()).st_mode)
            raw = fh.read(limit + 1) if regular else b""
    except OSError as exc:
        raise _fail(file, None, f"cannot read file: {exc.strerror or exc}") from None
    if not regular:
        raise _fail(file, None, "not a regular file; give a YAML file")
    if len(raw) > limit:
        raise _fail(file, None, f"larger than {limit:,} bytes; not a scenario")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise _fail(
            file,
            line,
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); save the file as UTF-8",
        ) from None


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def load_yaml_file(path: Path) -> tuple[Any, LineMap]:
    """Read and parse one YAML file within the limits above."""
    return load_yaml(read_text(path), str(path))


def line_of(lines: LineMap, path: tuple[str | int, ...]) -> int | None:
    """Line of the deepest known prefix of ``path``."""
    for k in range(len(path), -1, -1):
        if path[:k] in lines:
            return lines[path[:k]]
    return None
