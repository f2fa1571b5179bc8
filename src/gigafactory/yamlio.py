"""YAML loading that remembers the line of every key, for precise error messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import GigafactoryError, Problem

LineMap = dict[tuple[str | int, ...], int]


def _construct(node: yaml.Node, path: tuple[str | int, ...], lines: LineMap, file: str) -> Any:
    # a key's line is the key's own (set by the caller), not the line its value starts on
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(yaml.safe_load(yaml.serialize(key_node)))
            if key in out:
                raise GigafactoryError(
                    [
                        Problem(
                            file,
                            key_node.start_mark.line + 1,
                            ".".join(map(str, (*path, key))),
                            "duplicate key; each key may appear once",
                        )
                    ]
                )
            lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = _construct(value_node, (*path, key), lines, file)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(v, (*path, i), lines, file) for i, v in enumerate(node.value)]
    value = yaml.safe_load(yaml.serialize(node))
    # Keep dates as ISO strings: the schema parses them, and errors quote them as written.
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def load_yaml(text: str, file: str) -> tuple[Any, LineMap]:
    """Parse YAML text; return (data, {key path: line})."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise GigafactoryError(
            [Problem(file, line, "-", f"not valid YAML: {getattr(exc, 'problem', exc)}")]
        ) from None
    lines: LineMap = {}
    if node is None:
        return {}, lines
    return _construct(node, (), lines, file), lines


def load_yaml_file(path: Path) -> tuple[Any, LineMap]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise GigafactoryError(
            [Problem(str(path), None, "-", f"cannot read file: {exc.strerror}")]
        ) from None
    return load_yaml(text, str(path))


def line_of(lines: LineMap, path: tuple[str | int, ...]) -> int | None:
    """Line of the deepest known prefix of ``path``."""
    for k in range(len(path), -1, -1):
        if path[:k] in lines:
            return lines[path[:k]]
    return None
