"""Reading literal values out of expressions, without evaluating user code.

Only numbers, strings, booleans, None, lists/tuples of them, unary signs and small arithmetic on
numbers are read. A name is followed only when the caller's resolver says it is bound once to a
literal. Everything else is UNKNOWN, and rules stay silent on UNKNOWN.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Optional

import libcst as cst


class _Unknown:
    _instance: Optional["_Unknown"] = None

    def __new__(cls) -> "_Unknown":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        return False


UNKNOWN: Any = _Unknown()

# Resolves a Name to the expression it is bound to once, or None when it cannot.
NameResolver = Callable[[cst.Name], Optional[cst.BaseExpression]]

_MAX_DEPTH = 8
_MAX_ITEMS = 10_000
_MAX_MAGNITUDE = 1e300


def literal_value(expr: cst.BaseExpression, resolve: NameResolver | None = None, _depth: int = 0) -> Any:
    """The Python value of a literal expression, or UNKNOWN."""
    if _depth > _MAX_DEPTH:
        return UNKNOWN
    depth = _depth + 1
    if isinstance(expr, cst.Integer):
        try:
            return int(expr.evaluated_value)
        except ValueError:
            return UNKNOWN
    if isinstance(expr, cst.Float):
        return float(expr.evaluated_value)
    if isinstance(expr, cst.SimpleString):
        try:
            value = expr.evaluated_value
        except Exception:  # noqa: BLE001 - odd prefixes; not a value we need
            return UNKNOWN
        return value if isinstance(value, str) else UNKNOWN
    if isinstance(expr, cst.Name):
        if expr.value in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[expr.value]
        if resolve is None:
            return UNKNOWN
        bound = resolve(expr)
        return UNKNOWN if bound is None else literal_value(bound, resolve, depth)
    if isinstance(expr, cst.UnaryOperation):
        operand = literal_value(expr.expression, resolve, depth)
        if not _is_number(operand):
            return UNKNOWN
        if isinstance(expr.operator, cst.Minus):
            return -operand
        if isinstance(expr.operator, cst.Plus):
            return +operand
        return UNKNOWN
    if isinstance(expr, cst.BinaryOperation):
        return _arithmetic(expr, resolve, depth)
    if isinstance(expr, (cst.List, cst.Tuple)):
        if len(expr.elements) > _MAX_ITEMS:
            return UNKNOWN
        items = []
        for element in expr.elements:
            if not isinstance(element, cst.Element):  # a starred element
                return UNKNOWN
            value = literal_value(element.value, resolve, depth)
            if value is UNKNOWN:
                return UNKNOWN
            items.append(value)
        return items if isinstance(expr, cst.List) else tuple(items)
    return UNKNOWN


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _arithmetic(expr: cst.BinaryOperation, resolve: NameResolver | None, depth: int) -> Any:
    left = literal_value(expr.left, resolve, depth)
    right = literal_value(expr.right, resolve, depth)
    if not (_is_number(left) and _is_number(right)):
        return UNKNOWN
    op = expr.operator
    try:
        if isinstance(op, cst.Add):
            result = left + right
        elif isinstance(op, cst.Subtract):
            result = left - right
        elif isinstance(op, cst.Multiply):
            result = left * right
        elif isinstance(op, cst.Divide):
            result = left / right
        elif isinstance(op, cst.FloorDivide):
            result = left // right
        elif isinstance(op, cst.Power):
            # Bounded so that `10 ** 10 ** 10` in a file cannot hang the linter.
            if abs(right) > 64 or abs(left) > 1e6:
                return UNKNOWN
            result = left**right
        else:
            return UNKNOWN
    except (ZeroDivisionError, OverflowError, ValueError):
        return UNKNOWN
    if isinstance(result, complex) or not _is_number(result):
        return UNKNOWN
    if isinstance(result, float) and (math.isnan(result) or abs(result) > _MAX_MAGNITUDE):
        return UNKNOWN
    return result
