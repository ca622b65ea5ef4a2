"""Python's name scopes and what each name is bound to, for one module's libcst tree.

A name used in a function refers to the innermost enclosing function (or the module) that binds
it anywhere, as Python decides at compile time; class bodies are not seen from their methods.
`self.x` in a method is a variable of its class. Bindings are recorded during the walk and read
after it, once every binding of the module is known.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal, Union

import libcst as cst

ScopeKind = Literal["module", "class", "function", "lambda", "comprehension"]


class _Other:
    """A binding that is not a plain assignment: a parameter, loop target, `del`, `+=`, ..."""

    def __repr__(self) -> str:
        return "OTHER"


OTHER: Any = _Other()


@dataclass(frozen=True)
class ImportBinding:
    """A name bound by an import: `import a.b as c` binds c to `a.b` (level 0 is absolute)."""

    target: str
    level: int = 0


Binding = Union[cst.BaseExpression, ImportBinding, Any]  # Any: OTHER
BindingKey = tuple[int, str]  # (scope id, name) or (class scope id, "self.attr")


@dataclass(eq=False)
class Scope:
    id: int
    kind: ScopeKind
    parent: Scope | None
    # For functions: the names it declares `global`, added as the walk meets the declaration
    # (CPython rejects a function that binds or reads a name before declaring it global).
    global_names: set[str] = field(default_factory=set)

    @property
    def module(self) -> Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope


@dataclass
class Bindings:
    """Every binding of the module, by variable."""

    table: dict[BindingKey, list[Binding]] = field(default_factory=lambda: defaultdict(list))
    mutated: set[BindingKey] = field(default_factory=set)
    _scopes: list[Scope] = field(default_factory=list)

    def new_scope(self, kind: ScopeKind, parent: Scope | None) -> Scope:
        scope = Scope(len(self._scopes), kind, parent)
        self._scopes.append(scope)
        return scope

    def key_in(self, scope: Scope, name: str) -> BindingKey:
        """Where an assignment to `name` in `scope` binds: the module for `global` names, and the
        enclosing function for a comprehension's walrus target."""
        if name in scope.global_names:
            return (scope.module.id, name)
        return (scope.id, name)

    def bind(self, scope: Scope, name: str, value: Binding) -> None:
        self.table[self.key_in(scope, name)].append(value)

    def resolve(self, scope: Scope, name: str) -> BindingKey | None:
        """The variable a use of `name` in `scope` refers to; None for builtins and unknowns."""
        current: Scope | None = scope
        first = True
        while current is not None:
            if not (current.kind == "class" and not first):  # methods do not see class names
                key = (current.id, name)
                if key in self.table:
                    return key
            current = current.parent
            first = False
        return None

    def of(self, key: BindingKey | None) -> list[Binding] | None:
        """Every binding of a variable, or None when it is unknown or mutated in place."""
        if key is None or key in self.mutated:
            return None
        return self.table.get(key)

    def single(self, key: BindingKey | None) -> cst.BaseExpression | None:
        """The expression a variable is bound to exactly once and never mutated, else None."""
        bound = self.of(key)
        if not bound or len(bound) != 1 or not isinstance(bound[0], cst.BaseExpression):
            return None
        return bound[0]

    def import_target(self, key: BindingKey | None) -> str | None:
        """The dotted target when every binding of the variable imports the same absolute name."""
        bound = self.of(key)
        if not bound:
            return None
        targets = {b.target for b in bound if isinstance(b, ImportBinding) and b.level == 0}
        if len(targets) != 1 or not all(isinstance(b, ImportBinding) for b in bound):
            return None
        return targets.pop()


def binding_id(key: BindingKey | None) -> str | None:
    """An opaque, picklable id of a variable, for comparing variables across facts."""
    return None if key is None else f"{key[0]}:{key[1]}"

