"""How a variable holding a scheduler is used: by name, over the code that can see it.

The walk records bindings, not reads. Some rules need the reads: a scheduler never read again is
never stepped (LR012); one handed to a helper may be resumed there (LR007, LR015). This module
indexes every `Name` and `Attribute` of a module once, and classifies each read of a variable by
what is done with it. It errs towards more uses: a read is matched by name alone, so a shadowing
name in a nested function, or `other.scheduler` for `self.scheduler`, counts as a use.
"""

from __future__ import annotations

import ast
from collections import defaultdict

# Calls that can read or write any variable by a string: a scope that makes one hides its uses.
_DYNAMIC = frozenset({"locals", "vars", "globals", "eval", "exec"})
Rows = tuple[int, int]  # first and last row of a region, inclusive
# Nodes whose parent `_kind` and `_is_test` look up, and leaves never worth descending into.
_ASKED = (ast.Name, ast.Attribute, ast.Compare, ast.UnaryOp, ast.BoolOp)
_SKIP = (ast.expr_context, ast.operator, ast.cmpop, ast.unaryop, ast.boolop)


class UseIndex:
    def __init__(self, module: ast.AST) -> None:
        self.parent: dict[int, ast.AST] = {}
        self.names: dict[str, list[ast.Name]] = defaultdict(list)
        self.attributes: dict[str, list[ast.Attribute]] = defaultdict(list)
        self.strings: set[str] = set()
        self.dynamic_rows: list[int] = []
        # One explicit walk (ast.walk + iter_child_nodes cost twice as much), keeping the parents
        # of the only nodes whose parents are asked for.
        parent, stack = self.parent, [module]
        while stack:
            node = stack.pop()
            for field in node._fields:
                value = getattr(node, field, None)
                if isinstance(value, list):
                    for item in value:
                        if isinstance(item, ast.AST) and not isinstance(item, _SKIP):
                            if isinstance(item, _ASKED):
                                parent[id(item)] = node
                            stack.append(item)
                elif isinstance(value, ast.AST) and not isinstance(value, _SKIP):
                    if isinstance(value, _ASKED):
                        parent[id(value)] = node
                    stack.append(value)
            if isinstance(node, ast.Name):
                self.names[node.id].append(node)
            elif isinstance(node, ast.Attribute):
                self.attributes[node.attr].append(node)
            elif isinstance(node, ast.Constant):
                if isinstance(node.value, str) and node.value.isidentifier():
                    self.strings.add(node.value)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _DYNAMIC:
                self.dynamic_rows.append(node.lineno)

    def uses(self, dotted: str, rows: Rows | None) -> tuple[str, ...]:
        """The reads of `dotted` (a plain name within `rows`, or `self.x` anywhere), classified.

        `rows` None means the whole module. For `self.x`, every `<anything>.x` counts, and a
        string "x" anywhere (`getattr(self, "x")`) is an unknown use.
        """
        found: list[str] = []
        head, _, attr = dotted.rpartition(".")
        nodes: list[ast.expr]
        if head:
            nodes = list(self.attributes.get(attr, ()))
            if attr in self.strings:
                found.append("other")
        else:
            nodes = [n for n in self.names.get(dotted, ()) if rows is None or rows[0] <= n.lineno <= rows[1]]
        for node in nodes:
            kind = self._kind(node)
            if kind is not None:
                found.append(kind)
        if any(rows is None or rows[0] <= row <= rows[1] for row in self.dynamic_rows):
            found.append("other")
        return tuple(found)

    def _kind(self, node: ast.expr) -> str | None:
        context = getattr(node, "ctx", None)
        if isinstance(context, ast.Store):
            return None  # the construction itself, or a rebinding: not a read
        if isinstance(context, ast.Del):
            return "other"
        parent = self.parent.get(id(node))
        if isinstance(parent, ast.Attribute) and parent.value is node:
            if not isinstance(parent.ctx, ast.Load):
                return "other"  # `sched.last_epoch = 5` changes it
            grand = self.parent.get(id(parent))
            if isinstance(grand, ast.Call) and grand.func is parent:
                return f"call:{parent.attr}"
            return f"attr:{parent.attr}"
        if self._is_test(node, parent):
            return "test"
        return "other"

    def _is_test(self, node: ast.expr, parent: ast.AST | None) -> bool:
        """`if sched:`, `if sched is not None and ...:`, `while sched`: only its presence is read."""
        if isinstance(parent, ast.Compare) and parent.left is node and len(parent.ops) == 1:
            if isinstance(parent.ops[0], (ast.Is, ast.IsNot)) and _is_none(parent.comparators[0]):
                node, parent = parent, self.parent.get(id(parent))
            else:
                return False
        elif isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.Not):
            node, parent = parent, self.parent.get(id(parent))
        while isinstance(parent, ast.BoolOp):
            node, parent = parent, self.parent.get(id(parent))
        return isinstance(parent, (ast.If, ast.While, ast.IfExp, ast.Assert)) and parent.test is node


def _is_none(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is None
