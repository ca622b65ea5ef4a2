"""Reading literal values out of expressions, without evaluating user code.

Only numbers, strings, booleans, None, lists/tuples of them, unary signs and small arithmetic on
numbers are read. A name is followed only when the caller's resolver says it is bound once to a
literal. Everything else is UNKNOWN, and rules stay silent on UNKNOWN.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Optional, TypeGuard

import libcst as cst

from lrlint.facts.syntax import NOT_A_CONSTANT, constant_value, is_constant, is_name


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

    def __reduce__(self) -> str:
        return "UNKNOWN"  # pickles as the module-level singleton


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
    kind = type(expr)
    if is_constant(expr):
        value = constant_value(expr)
        if value is NOT_A_CONSTANT:
            return UNKNOWN
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        return UNKNOWN  # bytes, complex, Ellipsis
    if kind is cst.Name:
        if resolve is None or not is_name(expr):
            return UNKNOWN
        bound = resolve(expr)
        return UNKNOWN if bound is None else literal_value(bound, resolve, depth)
    if kind is cst.UnaryOperation:
        operand = literal_value(expr.expression, resolve, depth)  # type: ignore[attr-defined]
        if not is_number(operand):
            return UNKNOWN
        operator = type(expr.operator)  # type: ignore[attr-defined]
        if operator is cst.Minus:
            return -operand
        if operator is cst.Plus:
            return +operand
        return UNKNOWN
    if kind is cst.BinaryOperation:
        return _arithmetic(expr, resolve, depth)  # type: ignore[arg-type]
    if kind in (cst.List, cst.Tuple):
        elements = expr.elements  # type: ignore[attr-defined]
        if len(elements) > _MAX_ITEMS:
            return UNKNOWN
        items = []
        for element in elements:
            if type(element) is cst.StarredElement:
                return UNKNOWN
            value = literal_value(element.value, resolve, depth)
            if value is UNKNOWN:
                return UNKNOWN
            items.append(value)
        return items if kind is cst.List else tuple(items)
    return UNKNOWN


def is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_OPERATORS: dict[type, Callable[[Any, Any], Any]] = {
    cst.Add: lambda a, b: a + b,
    cst.Subtract: lambda a, b: a - b,
    cst.Multiply: lambda a, b: a * b,
    cst.Divide: lambda a, b: a / b,
    cst.FloorDivide: lambda a, b: a // b,
}


def _arithmetic(expr: cst.BinaryOperation, resolve: NameResolver | None, depth: int) -> Any:
    left = literal_value(expr.left, resolve, depth)
    right = literal_value(expr.right, resolve, depth)
    if not (is_number(left) and is_number(right)):
        return UNKNOWN
    operator = type(expr.operator)
    try:
        if operator is cst.Power:
            # Bounded so that `10 ** 10 ** 10` in a file cannot hang the linter.
            if abs(right) > 64 or abs(left) > 1e6:
                return UNKNOWN
            result = left**right
        elif operator in _OPERATORS:
            if operator is cst.Multiply and _too_big_product(left, right):
                return UNKNOWN
            result = _OPERATORS[operator](left, right)
        else:
            return UNKNOWN
    except (ZeroDivisionError, OverflowError, ValueError):
        return UNKNOWN
    if isinstance(result, complex) or not is_number(result):
        return UNKNOWN
    if isinstance(result, float) and (math.isnan(result) or abs(result) > _MAX_MAGNITUDE):
        return UNKNOWN
    return result


def _too_big_product(left: Any, right: Any) -> bool:
    # Multiplying two huge ints costs quadratic time; no schedule needs numbers this large.
    return isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > 4096
