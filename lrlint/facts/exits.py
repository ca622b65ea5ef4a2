"""Whether a `for` loop's body can leave it before its count is up."""

from __future__ import annotations

import libcst as cst

from lrlint.facts.syntax import LOOPS, body_of, nested_statements

_DEFINITIONS = (cst.FunctionDef, cst.ClassDef)


def may_exit(loop: cst.For) -> bool:
    """A `break` of this loop, or a `return` / `raise` anywhere in it (not in nested definitions)."""
    stack: list[tuple[cst.CSTNode, bool]] = [(statement, False) for statement in body_of(loop)]
    while stack:
        node, nested_loop = stack.pop()
        kind = type(node)
        if kind in (cst.Return, cst.Raise) or (kind is cst.Break and not nested_loop):
            return True
        if kind in _DEFINITIONS:
            continue
        inner = nested_loop or kind in LOOPS
        stack.extend((child, inner) for child in nested_statements(node))
    return False
