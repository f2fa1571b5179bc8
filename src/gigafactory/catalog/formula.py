"""Safe arithmetic over catalog keys: the machine-readable formula of a ``derived`` fact.

A formula is an arithmetic expression over numbers and dotted catalog references, e.g.
``accelerators.B200.tdp_w * constants.chip_to_server_8gpu * constants.server_to_it``.
It is parsed with :mod:`ast` and evaluated by walking the tree; only ``+ - * / **``, unary
minus, parentheses, numbers and the functions ``min``, ``max``, ``sum`` and ``log`` (natural,
or ``log(x, base)``) are allowed, so a
catalog file cannot run code.  A reference is a dotted path as :func:`~.schema.iter_facts`
yields it; path segments may be dates (``tiers.hbm.capacity.points.2024-12``) or list
indices (``sites.milam.phases.0.mw``).
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable, Mapping

#: A dotted reference: an identifier, then at least one ``.segment`` where a segment is a
#: date key (2024-12, 2025-12-31), an identifier or an index.
REF = re.compile(r"\b[A-Za-z_]\w*(?:\.(?:\d{4}-\d{2}(?:-\d{2})?(?![\w-])|\w+))+")

#: Relative tolerance between a formula's result and the value the catalog states.
REL_TOL = 0.02

_BINOPS: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_FUNCS: dict[str, Callable[[list[float]], float]] = {
    "min": min,
    "max": max,
    "sum": math.fsum,
    "log": lambda xs: math.log(*xs),
}


class FormulaError(ValueError):
    """A formula that cannot be parsed or evaluated (bad syntax, unknown key, ÷0)."""


def references(formula: str) -> list[str]:
    """The dotted catalog keys a formula reads, in order of appearance (may repeat)."""
    return REF.findall(formula)


def _parse(formula: str) -> tuple[ast.Expression, dict[str, str]]:
    names: dict[str, str] = {}

    def swap(m: re.Match[str]) -> str:
        name = f"_ref{len(names)}"
        names[name] = m.group(0)
        return name

    try:
        return ast.parse(REF.sub(swap, formula), mode="eval"), names
    except SyntaxError as exc:
        raise FormulaError(f"not an arithmetic expression ({exc.msg})") from None


def _walk(node: ast.AST, env: Mapping[str, float], names: dict[str, str]) -> float:
    if isinstance(node, ast.Expression):
        return _walk(node.body, env, names)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        if isinstance(node.value, bool):
            raise FormulaError("True/False is not a number")
        return float(node.value)
    if isinstance(node, ast.Name) and node.id in names:
        key = names[node.id]
        if key not in env:
            raise FormulaError(f"unknown catalog key '{key}'")
        return env[key]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        v = _walk(node.operand, env, names)
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        a, b = _walk(node.left, env, names), _walk(node.right, env, names)
        try:
            return _BINOPS[type(node.op)](a, b)
        except (ZeroDivisionError, OverflowError):
            raise FormulaError("division by zero or overflow") from None
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _FUNCS
        and node.args
        and not node.keywords
    ):
        try:
            return _FUNCS[node.func.id]([_walk(a, env, names) for a in node.args])
        except (ValueError, TypeError, ZeroDivisionError) as exc:
            raise FormulaError(f"{node.func.id}(…): {exc}") from None
    shown = ast.unparse(node)
    for name, key in names.items():
        shown = shown.replace(name, key)
    raise FormulaError(
        f"'{shown}' is not allowed; use numbers, catalog keys, + - * / ** and min/max/sum/log(…)"
    )


def evaluate(formula: str, env: Mapping[str, float]) -> float:
    """Value of ``formula`` with each catalog reference replaced by ``env[key]``.

    Parameters
    ----------
    formula : str
        Arithmetic over numbers and dotted catalog keys.
    env : mapping of str to float
        Stated value of every numeric catalog fact, by dotted key (units as stated).

    Raises
    ------
    FormulaError
        On a syntax error, a disallowed construct, an unknown key or a division by zero.
    """
    tree, names = _parse(formula)
    return _walk(tree, env, names)


def agrees(computed: float, stated: float, rel_tol: float = REL_TOL) -> bool:
    """``|computed − stated| ≤ rel_tol · |stated|`` (exact zero when ``stated`` is 0)."""
    return math.isclose(computed, stated, rel_tol=rel_tol, abs_tol=1e-12)
