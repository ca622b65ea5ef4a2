"""How a variable holding a scheduler is used: by name, over the code that can see it.

The walk records bindings, not reads. Some rules need the reads: a scheduler never read again is
never stepped (LR012); one handed to a helper may be resumed there (LR007, LR015). This module
indexes every variable name and attribute of a module (or of one function) once, and classifies
each read of a variable by what is done with it. It errs towards more uses: a read is matched by
name alone, so a shadowing name in a nested function, or `other.scheduler` for
`self.scheduler`, counts as a use.
"""

from __future__ import annotations

from collections import defaultdict

import libcst as cst

from lrlint.facts.syntax import (
    NAME_CONSTANTS,
    STRINGS,
    child_fields,
    expression_children,
    is_none,
    string_constants,
)

# Calls that can read or write any variable by a string: a scope that makes one hides its uses.
_DYNAMIC = frozenset({"locals", "vars", "globals", "eval", "exec"})
# Nodes whose parent `_kind` and `_is_test` look up.
_ASKED = frozenset({cst.Name, cst.Attribute, cst.Comparison, cst.UnaryOperation, cst.BooleanOperation})
LOAD, STORE, DEL, INHERIT = 0, 1, 2, 3
# Fields whose expression is assigned to (deleted from): their names and attributes are not read.
_STORES = {(cst.AssignTarget, "target"), (cst.AnnAssign, "target"), (cst.AugAssign, "target"), (cst.For, "target"),
           (cst.CompFor, "target"), (cst.NamedExpr, "target"), (cst.WithItem, "asname")}  # fmt: skip
# Targets pass their context on to their elements (`a, (b, *c) = ...`).
_UNPACKED = (cst.Tuple, cst.List, cst.Element, cst.StarredElement)
_SKIPPED = (str, type(None), cst.MaybeSentinel)
_NUMBERS = frozenset({cst.Integer, cst.Float, cst.Imaginary, cst.Ellipsis})
_RULES: dict[type, tuple[tuple[str, int], ...]] = {}


def _rules(kind: type) -> tuple[tuple[str, int], ...]:
    """(field, the context its children are in) for the fields `children` reads."""
    found = _RULES.get(kind)
    if found is None:
        found = _RULES[kind] = tuple(
            (name, STORE if (kind, name) in _STORES else DEL if kind is cst.Del else INHERIT if kind in _UNPACKED else LOAD)
            for name in child_fields(kind)
        )
    return found


class UseIndex:
    """The reads of variables in `root`: a module, or a function (its decorators run outside it,
    so their names are not its reads, though attributes and strings anywhere still count)."""

    def __init__(self, root: cst.CSTNode) -> None:
        self.parent: dict[int, cst.CSTNode] = {}
        self.context: dict[int, int] = {}  # id of a stored or deleted name or attribute -> STORE/DEL
        self.names: dict[str, list[cst.Name]] = defaultdict(list)
        self.attributes: dict[str, list[cst.Attribute]] = defaultdict(list)
        self.strings: set[str] = set()
        self.dynamic = False
        outside = {id(d) for d in root.decorators} if type(root) is cst.FunctionDef else None
        parent, context, names, attributes = self.parent, self.context, self.names, self.attributes
        # (node, its context, whether it is outside the region whose names are read); one
        # explicit loop over the fields (a generic walk costs twice as much)
        stack: list[tuple[cst.CSTNode, int, bool]] = [(root, LOAD, False)]
        pop, push = stack.pop, stack.append
        while stack:
            node, ctx, out = pop()
            kind = type(node)
            if kind is cst.Name:
                if not out and node.value not in NAME_CONSTANTS:  # type: ignore[attr-defined]
                    names[node.value].append(node)  # type: ignore[attr-defined,arg-type]
                if ctx:
                    context[id(node)] = ctx
                continue
            if kind in _NUMBERS:
                continue
            if kind is cst.Attribute:
                attributes[node.attr.value].append(node)  # type: ignore[attr-defined,arg-type]
                if ctx:
                    context[id(node)] = ctx
            elif kind in STRINGS:
                for value in string_constants(node):  # type: ignore[arg-type]
                    if type(value) is str and value.isidentifier():
                        self.strings.add(value)
                for child in expression_children(node):  # the f-strings' expressions
                    push((child, LOAD, out))
                continue
            elif kind is cst.Call and not out:
                func = node.func  # type: ignore[attr-defined]
                if type(func) is cst.Name and func.value in _DYNAMIC:
                    self.dynamic = True
            for field, rule in _rules(kind):
                value = getattr(node, field)
                if isinstance(value, _SKIPPED):
                    continue
                child_ctx = ctx if rule == INHERIT else rule
                for child in value if type(value) in (tuple, list) else (value.name if type(value) is cst.AsName else value,):
                    if type(child) in _ASKED:
                        parent[id(child)] = node
                    push((child, child_ctx, out or (outside is not None and id(child) in outside)))

    def uses(self, dotted: str) -> tuple[str, ...]:
        """The reads of `dotted` (a plain name, or `self.x` / `obj.x`), classified.

        For an attribute, every `<anything>.x` counts, and a string "x" anywhere
        (`getattr(self, "x")`) is an unknown use.
        """
        found: list[str] = []
        head, _, attr = dotted.rpartition(".")
        nodes: list[cst.BaseExpression]
        if head:
            nodes = list(self.attributes.get(attr, ()))
            if attr in self.strings:
                found.append("other")
        else:
            nodes = list(self.names.get(dotted, ()))
        for node in nodes:
            kind = self._kind(node)
            if kind is not None:
                found.append(kind)
        if self.dynamic:
            found.append("other")
        return tuple(found)

    def _kind(self, node: cst.BaseExpression) -> str | None:
        context = self.context.get(id(node), LOAD)
        if context == STORE:
            return None  # the construction itself, or a rebinding: not a read
        if context == DEL:
            return "other"
        parent = self.parent.get(id(node))
        if type(parent) is cst.Attribute and parent.value is node:
            if self.context.get(id(parent), LOAD) != LOAD:
                return "other"  # `sched.last_epoch = 5` changes it
            grand = self.parent.get(id(parent))
            attr = parent.attr.value
            if type(grand) is cst.Call and grand.func is parent:
                return f"call:{attr}"
            return f"attr:{attr}"
        if self._is_test(node, parent):
            return "test"
        return "other"

    def _is_test(self, node: cst.CSTNode, parent: cst.CSTNode | None) -> bool:
        """`if sched:`, `if sched is not None and ...:`, `while sched`: only its presence is read."""
        if type(parent) is cst.Comparison and parent.left is node and len(parent.comparisons) == 1:
            target = parent.comparisons[0]
            if type(target.operator) in (cst.Is, cst.IsNot) and is_none(target.comparator):
                node, parent = parent, self.parent.get(id(parent))
            else:
                return False
        elif type(parent) is cst.UnaryOperation and type(parent.operator) is cst.Not:
            node, parent = parent, self.parent.get(id(parent))
        while type(parent) is cst.BooleanOperation:
            node, parent = parent, self.parent.get(id(parent))
        return type(parent) in (cst.If, cst.While, cst.IfExp, cst.Assert) and parent.test is node  # type: ignore[union-attr]
