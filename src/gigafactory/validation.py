"""Turn pydantic validation errors into precise, located problems with a did-you-mean."""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import Problem, allowed_list, did_you_mean
from .yamlio import LineMap, line_of


def _unwrap(tp: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            if arg is not type(None):
                found = _unwrap(arg)
                if isinstance(found, type) and issubclass(found, BaseModel):
                    return found
        return None
    if typing.get_origin(tp) is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    return tp


def _model_at(model: Any, loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    tp: Any = model
    for part in loc:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = tp.model_fields.get(str(part))
            if field is None:
                return None
            tp = field.annotation
            continue
        origin = typing.get_origin(tp)
        if origin in (dict, typing.Mapping) or origin is getattr(typing, "Dict", None):
            tp = typing.get_args(tp)[1]
        elif origin in (list, tuple):
            tp = typing.get_args(tp)[0]
        else:
            return None
    tp = _unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


_TAGS = {"float", "int", "str", "bool", "none", "Dist", "Fact", "DateFact", "Path"}


def _is_union_tag(part: str | int) -> bool:
    return isinstance(part, str) and (
        part in _TAGS
        or part.startswith(("function-", "literal[", "list[", "dict[", "tagged-union["))
    )


_SCALAR_TAGS = {"float", "int", "str", "bool", "none"}


def _branch_errors(exc: ValidationError) -> list[Any]:
    """The errors to report: where a value failed every branch of a union (``float | Dist``),
    only the branch its input's shape was meant for (a mapping: the model; else the scalar)."""
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not _is_union_tag(p))
        groups.setdefault(loc, []).append(err)
    out = []
    for loc, errs in groups.items():
        tags = [{p for p in e["loc"] if _is_union_tag(p)} for e in errs]
        deeper = any(len(o) > len(loc) and o[: len(loc)] == loc for o in groups)
        if deeper and all(t and t <= _SCALAR_TAGS for t in tags):
            continue  # a mapping meant as a model: its own errors (deeper) say what is wrong
        if len(errs) > 1 and any(tags):
            scalar = [t <= _SCALAR_TAGS and bool(t) for t in tags]
            want_scalar = not isinstance(errs[0].get("input"), dict)
            pick = [e for e, s in zip(errs, scalar, strict=True) if s == want_scalar]
            errs = pick or errs
        seen: set[str] = set()
        for e in errs:
            if e["msg"] not in seen:
                seen.add(e["msg"])
                out.append(e)
    return out


def problems_from(
    exc: ValidationError,
    model: type[BaseModel],
    file: str,
    lines: LineMap,
    prefix: tuple[str | int, ...] = (),
    locate: Callable[[tuple[str | int, ...]], tuple[str, int | None]] | None = None,
) -> list[Problem]:
    """One :class:`Problem` per pydantic error, with line, key path and allowed values.

    ``locate`` maps a key path to (file, line) where the input spans several files.
    """
    out: list[Problem] = []
    for err in _branch_errors(exc):
        # Drop pydantic's union-branch tags (e.g. 'float', 'Dist') from the location.
        loc = tuple(p for p in err["loc"] if not _is_union_tag(p))
        full = (*prefix, *loc)
        key = ".".join(map(str, full)) or "-"
        file, line = locate(full) if locate is not None else (file, line_of(lines, full))
        kind = err["type"]
        if kind == "extra_forbidden":
            parent = _model_at(model, loc[:-1])
            allowed = list(parent.model_fields) if parent else []
            msg = f"unknown key '{loc[-1]}'{did_you_mean(str(loc[-1]), allowed)}"
            if allowed:
                msg += f"; allowed: {allowed_list(allowed)}"
        elif kind == "missing":
            msg = "required key is missing"
        elif kind == "literal_error":
            expected = err.get("ctx", {}).get("expected", "")
            got = err.get("input")
            msg = f"'{got}' is not allowed; allowed: {expected}"
            if isinstance(got, str):
                opts = [o.strip(" '") for o in str(expected).replace(" or ", ",").split(",")]
                msg += did_you_mean(got, opts)
        else:
            msg = _own_message(err)
            got = err.get("input")
            said = isinstance(got, str) and repr(got) in msg  # the message quotes it already
            if "input" in err and not isinstance(got, dict | list) and not said:
                msg += f" (got {got!r})"
        out.append(Problem(file, line, key, msg))
    return out


def _own_message(err: Any) -> str:
    """The message a validator raised, without pydantic's "Value error, " prefix.

    A ``ValueError`` raised in a validator (a date, a distribution's low ≤ mode ≤ high)
    already says what is wrong in the user's terms; pydantic's type name before it is noise.
    """
    if err.get("type") == "value_error" and "error" in err.get("ctx", {}):
        return str(err["ctx"]["error"])
    return str(err["msg"])
