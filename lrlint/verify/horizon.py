"""How many steps --verify simulates: the steps the code makes (the product of the literal
`range(...)` loops around the scheduler's step), else the class's `horizon` (rules/schedulers.toml)
over the call's literal arguments, else a default; never past MAX_STEPS.

A horizon is an expression over parameters: numbers, names, `+`, `-`, `*`, `a or b` (a when it is
above 0, else b), `max(list)` and `last(list)`. A name holds the argument's value (torch's default
when not given) when it is a number >= 0, a list's positive whole entries under `max` and `last`;
anything else makes the expression unknown. A composite's `schedulers` holds its members' own
horizons.
"""

from __future__ import annotations

import ast
import math
import operator
from functools import cache
from typing import Any, Callable, TypeGuard

from lrlint.catalogue import schedulers
from lrlint.scenario import Scenario
from lrlint.verify.record import MAX_STEPS

DEFAULT_HORIZON = 100  # when the loop length is unknown and no argument says how far to look
MEMBERS = "schedulers"  # a composite's members: their horizons stand for them in its expression

_OPERATORS: dict[type, Callable[[int, int], int]] = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}


def literal_epochs(scenario: Scenario) -> int | None:
    """How many times the code steps the scheduler, when literal loops say so."""
    epochs = scenario.epochs
    if isinstance(epochs, int) and not isinstance(epochs, bool) and epochs >= 0:
        return epochs
    return None


def horizon_for(scenario: Scenario, args: list[Any], kwargs: dict[str, Any]) -> tuple[int, str, bool]:
    """(steps, where that number came from, capped) for a run of `scheduler(optimizer, *args, **kwargs)`."""
    epochs = literal_epochs(scenario)
    if epochs is not None:
        steps, note = epochs, loops_note(scenario.loops, epochs)
    else:
        steps, note = default_horizon(scenario.scheduler, args, kwargs, members_horizons(scenario))
    if steps > MAX_STEPS:
        return MAX_STEPS, f"{note} capped at {MAX_STEPS} steps", True
    return steps, note, False


def loops_note(loops: tuple[int, ...], steps: int) -> str:
    """`loop range(90)`, or for nested loops `loops range(10) x range(100): 1000 steps`."""
    if len(loops) <= 1:
        return f"loop range({steps})"
    return "loops " + " x ".join(f"range({n})" for n in loops) + f": {steps} steps"


def members_horizons(scenario: Scenario) -> list[int] | None:
    """The default horizon of each member of a composite, in order; None for other schedulers."""
    if not scenario.children:
        return None
    found = []
    for child in scenario.children:
        kwargs = {k: v for k, v in child.kwargs.items() if k != "optimizer"}
        found.append(default_horizon(child.scheduler, list(child.args), kwargs, members_horizons(child))[0])
    return found


def default_horizon(name: str, args: list[Any], kwargs: dict[str, Any], members: list[int] | None = None) -> tuple[int, str]:
    """How far to step when the loop length is unknown: past every period the literals name
    (`members`: a composite's members' own horizons)."""
    signature = schedulers().get(name)
    if signature is None or signature.horizon is None:
        return DEFAULT_HORIZON, f"default horizon {DEFAULT_HORIZON} epochs"
    if members is not None:
        kwargs = {**kwargs, MEMBERS: members}
    params = signature.bind(args, kwargs)
    if params is None:  # the call does not bind (it raises): what it names still says how far
        params = {**{p.name: p.default for p in signature.params}, **kwargs}
    reach = evaluate(signature.horizon, params)
    if signature.horizon_exact and reach is not None and reach >= 0:
        return reach, f"default horizon {reach} steps ({name}: {signature.horizon})"
    if reach is None or reach <= 0:
        return DEFAULT_HORIZON, f"default horizon {DEFAULT_HORIZON} epochs"
    horizon = reach + max(10, reach // 10)
    return horizon, f"default horizon {horizon} epochs (covers {signature.horizon} = {reach})"


def evaluate(expression: str, params: dict[str, Any]) -> int | None:
    """The expression's value for these arguments; None when one it needs is not known."""
    return _value(_parse(expression), params)


@cache
def _parse(expression: str) -> ast.expr:
    tree = ast.parse(expression, mode="eval").body
    for node in ast.walk(tree):
        allowed = (ast.BinOp, ast.BoolOp, ast.Name, ast.Constant, ast.Call, ast.Load, ast.Or, *_OPERATORS)
        if not isinstance(node, allowed) or (isinstance(node, ast.Call) and not _is_list_call(node)):
            raise ValueError(f"schedulers.toml: horizon {expression!r} uses {type(node).__name__}")
    return tree


_LIST_CALLS = ("max", "last")


def _is_list_call(node: ast.Call) -> bool:
    return isinstance(node.func, ast.Name) and node.func.id in _LIST_CALLS and len(node.args) == 1 and isinstance(node.args[0], ast.Name) and not node.keywords


def _finite(value: Any) -> TypeGuard[int | float]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return isinstance(value, int) or math.isfinite(value)


def names(expression: str) -> set[str]:
    """The parameters an expression reads."""
    tree = _parse(expression)
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id not in _LIST_CALLS}


def _value(node: ast.expr, params: dict[str, Any]) -> int | None:
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, int) and not isinstance(node.value, bool) else None
    if isinstance(node, ast.Name):
        value = params.get(node.id)
        if not _finite(value) or not value >= 0:
            return None
        return int(value)
    if isinstance(node, ast.Call):  # max(list) / last(list): its largest / last positive whole entry
        values = params.get(node.args[0].id)  # type: ignore[attr-defined]
        if not isinstance(values, (list, tuple)):
            return None
        ints = [int(v) for v in values if _finite(v) and v >= 1]
        if node.func.id == "last":  # type: ignore[attr-defined]
            return ints[-1] if ints and len(ints) == len(values) else None
        return max(ints) if ints else None
    if isinstance(node, ast.BoolOp):  # `a or b`: a when it is known and above 0
        for operand in node.values:
            found = _value(operand, params)
            if found:
                return found
        return None
    assert isinstance(node, ast.BinOp)
    left, right = _value(node.left, params), _value(node.right, params)
    if left is None or right is None:
        return None
    return _OPERATORS[type(node.op)](left, right)
