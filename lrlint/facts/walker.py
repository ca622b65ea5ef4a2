"""The torch-agnostic walk: one pass over a module's libcst tree that records frames (module,
classes, functions, loops, branches), scopes and bindings, every call with its context, function
and class definitions and imports. `classify.py` reads torch into it afterwards.

Events are recorded in the order Python's own tree lists them (an assignment's value before its
targets, a call's keyword arguments after its positional ones), which is what the ids of calls,
schedulers and steps follow. The walk is iterative over expressions, so a 10,000-operand
`a + a + ...` cannot overflow the stack; statements nest as deep as the indentation allows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import libcst as cst

from lrlint.facts.model import ClassFact, Frame, FrameKind, ImportFact
from lrlint.facts.scopes import (
    OTHER,
    Binding,
    BindingKey,
    Bindings,
    ImportBinding,
    Scope,
)
from lrlint.facts.syntax import (
    COMPREHENSIONS,
    NOT_A_CONSTANT,
    body_of,
    boolean_operands,
    children,
    comprehension_parts,
    constant_value,
    defaults,
    descendants,
    dotted_name,
    expression_children,
    is_constant,
    is_name,
    is_none,
    orelse_body,
    parameters,
    statements,
    string_parts,
)

_MUTATING_METHODS = frozenset(
    {"append", "extend", "insert", "remove", "pop", "clear", "sort", "reverse", "update", "add",
     "discard", "setdefault", "popitem", "__setitem__", "__delitem__", "__iadd__"}
)  # fmt: skip


class Context(NamedTuple):
    """Where an event is: its frames (outermost first), scope, and enclosing class and method."""

    frames: tuple[int, ...]
    scope: Scope
    class_scope: Scope | None = None  # the class whose method we are in (for `self.x`)
    self_name: str | None = None
    qualname: str = ""  # of the enclosing function or class, within the module

    def push(self, frame: int) -> Context:
        return Context(self.frames + (frame,), self.scope, self.class_scope, self.self_name, self.qualname)

    def normalise(self, dotted: str) -> str:
        """`self` under whatever name the method gave it."""
        if self.self_name and self.self_name != "self":
            head, _, rest = dotted.partition(".")
            if head == self.self_name:
                return "self" + ("." + rest if rest else "")
        return dotted


@dataclass(frozen=True)
class CallEvent:
    node: cst.Call
    ctx: Context
    deferred: bool  # inside a lambda: it runs later, elsewhere


@dataclass
class _FrameRecord:
    kind: FrameKind
    parent: int | None
    loop_iter: tuple[cst.BaseExpression, Context] | None = None
    loop_node: cst.For | None = None
    presence_checks: frozenset[str] = frozenset()
    test: str | None = None  # for `if` branches whose test reads only plain names and literals
    test_names: frozenset[str] = frozenset()
    rebinds: set[str] = field(default_factory=set)  # for loops: names bound anywhere in the body
    guard: bool = False


@dataclass
class FunctionRecord:
    """A function definition as the walk saw it; its span is computed once positions are."""

    node: cst.FunctionDef
    frame: int
    qualname: str
    params: tuple[str, ...]
    class_name: str | None
    self_name: str | None
    annotations: dict[str, cst.BaseExpression]  # annotated parameters
    ctx: Context  # where the definition is evaluated


@dataclass
class Walk:
    """What the walk saw; the nodes stay alive only for the classifier of the same file."""

    bindings: Bindings = field(default_factory=Bindings)
    frames: list[_FrameRecord] = field(default_factory=list)
    calls: list[CallEvent] = field(default_factory=list)
    functions: list[FunctionRecord] = field(default_factory=list)
    classes: list[ClassFact] = field(default_factory=list)
    imports: list[ImportFact] = field(default_factory=list)
    star_imports: set[str] = field(default_factory=set)  # modules imported with `*`
    module_scope: Scope | None = None
    # Where a name or attribute value of an assignment was evaluated, for following aliases
    # (`scheduler = self.scheduler`), by id of the value expression.
    alias_ctx: dict[int, Context] = field(default_factory=dict)
    # Parameters: binding key -> the frame of the function that declares them.
    param_keys: dict[BindingKey, int] = field(default_factory=dict)
    scope_frames: dict[int, int] = field(default_factory=dict)  # function/module scope id -> frame

    def frozen_frames(self, iterations: dict[int, int | None]) -> tuple[Frame, ...]:
        return tuple(
            Frame(i, r.kind, r.parent, iterations.get(i), r.presence_checks, r.test, r.test_names, frozenset(r.rebinds), r.guard)
            for i, r in enumerate(self.frames)
        )


class Walker:
    def __init__(self) -> None:
        self.walk = Walk()
        self.bindings = self.walk.bindings

    # ----------------------------------------------------------------- entry point
    def run(self, module: cst.Module) -> Walk:
        scope = self.bindings.new_scope("module", None)
        self.walk.module_scope = scope
        root = Context(frames=(self._frame("module", None),), scope=scope)
        self.walk.scope_frames[scope.id] = 0
        self._block(statements(module.body), root)
        return self.walk

    def _frame(self, kind: FrameKind, ctx: Context | None, **extra: object) -> int:
        parent = ctx.frames[-1] if ctx is not None else None
        self.walk.frames.append(_FrameRecord(kind, parent, **extra))  # type: ignore[arg-type]
        return len(self.walk.frames) - 1

    def _push(self, ctx: Context, kind: FrameKind, **extra: object) -> Context:
        return ctx.push(self._frame(kind, ctx, **extra))

    # ----------------------------------------------------------------- statements
    def _block(self, body: Sequence[cst.CSTNode], ctx: Context) -> None:
        for statement in body:
            self._statement(statement, ctx)

    def _statement(self, node: cst.CSTNode, ctx: Context) -> None:  # noqa: C901 - one branch per statement kind
        if type(node) is cst.FunctionDef:
            self._function(node, ctx)
        elif type(node) is cst.ClassDef:
            self._class(node, ctx)
        elif type(node) is cst.If:
            self._if(node, ctx)
        elif type(node) is cst.For:
            self._expression(node.iter, ctx)
            self._bind_target(node.target, OTHER, ctx)
            loop = self._frame("loop", ctx)
            self.walk.frames[loop].loop_iter = (node.iter, ctx)
            self.walk.frames[loop].loop_node = node
            self._block(body_of(node), ctx.push(loop))
            if node.orelse is not None:
                self._block(orelse_body(node), self._push(ctx, "cond"))
        elif type(node) is cst.While:
            self._expression(node.test, ctx)
            self._block(body_of(node), self._push(ctx, "loop"))
            if node.orelse is not None:
                self._block(orelse_body(node), self._push(ctx, "cond"))
        elif isinstance(node, (cst.Try, cst.TryStar)):
            self._block(body_of(node), ctx)
            for handler in node.handlers:
                if handler.type is not None:
                    self._expression(handler.type, ctx)
                if handler.name is not None:
                    self.bindings.bind(ctx.scope, _as_name(handler.name), OTHER)
                self._block(body_of(handler), self._push(ctx, "cond"))
            if node.orelse is not None:
                self._block(orelse_body(node), self._push(ctx, "cond"))
            if node.finalbody is not None:
                self._block(body_of(node.finalbody), ctx)
        elif type(node) is cst.With:
            for item in node.items:
                self._expression(item.item, ctx)
                if item.asname is not None:
                    self._bind_target(item.asname.name, OTHER, ctx)
            self._block(body_of(node), ctx)
        elif type(node) is cst.Match:
            self._expression(node.subject, ctx)
            for case in node.cases:
                for name in _pattern_names(case.pattern):
                    self.bindings.bind(ctx.scope, name, OTHER)
                if case.guard is not None:
                    self._expression(case.guard, ctx)
                self._block(body_of(case), self._push(ctx, "cond"))
        else:
            self._simple(node, ctx)

    def _simple(self, node: cst.CSTNode, ctx: Context) -> None:  # noqa: C901 - one branch per statement kind
        if type(node) is cst.Assign:
            value = node.value
            self._expression(value, ctx)
            for target in node.targets:
                self._bind_target(target.target, value, ctx)
        elif type(node) is cst.AnnAssign:
            self._expression(node.annotation.annotation, ctx)
            if node.value is not None:
                self._expression(node.value, ctx)
                self._bind_target(node.target, node.value, ctx)
        elif type(node) is cst.AugAssign:
            self._expression(node.value, ctx)
            self._bind_target(node.target, OTHER, ctx)
            self._mark_mutated(node.target, ctx)
        elif type(node) is cst.Del:
            self._bind_target(node.target, OTHER, ctx)
        elif type(node) is cst.Import:
            for alias in node.names:
                name = dotted_name(alias.name) or ""
                if alias.asname is not None:
                    self._import(ctx, _as_name(alias.asname), ImportBinding(name))
                else:  # `import a.b` binds `a`
                    head = name.split(".", 1)[0]
                    self._import(ctx, head, ImportBinding(head))
        elif type(node) is cst.ImportFrom:
            module = (dotted_name(node.module) or "") if node.module is not None else ""
            level = len(node.relative)
            if isinstance(node.names, cst.ImportStar):
                if level == 0:
                    self.walk.star_imports.add(module)
                return
            for alias in node.names:
                name = dotted_name(alias.name) or ""
                imported = f"{module}.{name}" if module else name
                bound = _as_name(alias.asname) if alias.asname is not None else name
                self._import(ctx, bound, ImportBinding(imported, level))
        elif type(node) is cst.Global:
            if ctx.scope.kind == "function":
                ctx.scope.global_names.update(item.name.value for item in node.names)
        elif type(node) in (cst.Nonlocal, cst.Pass, cst.Break, cst.Continue):
            return
        elif type(node) is cst.Expr:
            self._expression(node.value, ctx)
        elif type(node) is cst.Return:
            if node.value is not None:
                self._expression(node.value, ctx)
        elif type(node) is cst.Raise:
            if node.exc is not None:
                self._expression(node.exc, ctx)
            if node.cause is not None:
                self._expression(node.cause.item, ctx)
        elif type(node) is cst.Assert:
            self._expression(node.test, ctx)
            if node.msg is not None:
                self._expression(node.msg, ctx)
        else:  # a statement of a newer Python (`type X = ...`): its expressions
            for _, child in children(node):
                if isinstance(child, cst.BaseExpression):
                    self._expression(child, ctx)

    def _import(self, ctx: Context, name: str, binding: ImportBinding) -> None:
        self.bindings.bind(ctx.scope, name, binding)
        if ctx.scope.kind == "module":
            self.walk.imports.append(ImportFact(name, binding.target, binding.level))

    def _function(self, node: cst.FunctionDef, ctx: Context) -> None:
        for decorator in node.decorators:
            self._expression(decorator.decorator, ctx)
        positional, star, keyword_only, star_star = parameters(node.params)
        for default in defaults(node.params):
            self._expression(default, ctx)
        name = node.name.value
        self.bindings.bind(ctx.scope, name, OTHER)
        scope = self.bindings.new_scope("function", ctx.scope)
        params = [*positional, *keyword_only]
        frame = self._frame("function", ctx)
        self.walk.scope_frames[scope.id] = frame
        annotated: dict[str, cst.BaseExpression] = {}
        for param in (*params, star, star_star):
            if param is not None:
                param_name = param.name.value
                self.bindings.bind(scope, param_name, OTHER)
                self.walk.param_keys[(scope.id, param_name)] = frame
                if param.annotation is not None:
                    self._expression(param.annotation.annotation, ctx)
                    annotated[param_name] = param.annotation.annotation
        self_name: str | None = ctx.self_name
        directly_in_class = self.walk.frames[ctx.frames[-1]].kind == "class"
        if directly_in_class:
            is_static = any(is_name(d.decorator) and d.decorator.value == "staticmethod" for d in node.decorators)
            self_name = positional[0].name.value if positional and not is_static else None
        elif self_name is not None and any(p.name.value == self_name for p in params):
            self_name = None  # a nested function rebinding `self`
        qualname = f"{ctx.qualname}.{name}" if ctx.qualname else name
        inner = ctx._replace(scope=scope, self_name=self_name, qualname=qualname)
        self.walk.functions.append(
            FunctionRecord(
                node=node,
                frame=frame,
                qualname=qualname,
                params=tuple(p.name.value for p in params),
                class_name=ctx.qualname if directly_in_class else None,
                self_name=self_name if directly_in_class else None,
                annotations=annotated,
                ctx=ctx,
            )
        )
        self._block(body_of(node), inner.push(frame))

    def _class(self, node: cst.ClassDef, ctx: Context) -> None:
        for decorator in node.decorators:
            self._expression(decorator.decorator, ctx)
        for base in (*node.bases, *node.keywords):
            self._expression(base.value, ctx)
        name = node.name.value
        self.bindings.bind(ctx.scope, name, OTHER)
        qualname = f"{ctx.qualname}.{name}" if ctx.qualname else name
        bases = (dotted_name(b.value) if not b.star else None for b in node.bases)
        self.walk.classes.append(ClassFact(qualname, tuple(d for d in bases if d)))
        scope = self.bindings.new_scope("class", ctx.scope)
        inner = ctx._replace(scope=scope, class_scope=scope, self_name=None, qualname=qualname)
        self._block(body_of(node), self._push(inner, "class"))

    def _if(self, node: cst.If, ctx: Context) -> None:
        self._expression(node.test, ctx)
        checks = self._presence_checks(node.test, ctx)
        test, names, guard = plain_test(node.test)
        self._block(body_of(node), self._push(ctx, "cond", presence_checks=checks, test=test, test_names=names, guard=guard))
        if node.orelse is not None:
            self._block(orelse_body(node), self._push(ctx, "cond"))

    def _presence_checks(self, test: cst.BaseExpression, ctx: Context) -> frozenset[str]:
        """The names a test only checks for presence (`x`, `x is not None`, joined by `and`).

        Empty unless the whole test is such checks: `sched is not None and epoch > 0` guards the
        first iteration, so it is a real condition.
        """
        if type(test) is cst.BooleanOperation and type(test.operator) is cst.And:
            found: frozenset[str] = frozenset()
            for value in boolean_operands(test):
                checks = self._presence_checks(value, ctx)
                if not checks:
                    return frozenset()
                found |= checks
            return found
        subject: cst.BaseExpression | None = None
        if type(test) in (cst.Name, cst.Attribute):
            subject = test
        elif type(test) is cst.Comparison and len(test.comparisons) == 1:
            target = test.comparisons[0]
            if type(target.operator) is cst.IsNot and is_none(target.comparator):
                subject = test.left
        name = dotted_name(subject) if subject is not None else None
        return frozenset({ctx.normalise(name)}) if name is not None else frozenset()

    # ----------------------------------------------------------------- expressions
    def _expression(self, expr: cst.BaseExpression, ctx: Context) -> None:
        """Record the calls, walrus targets, lambda parameters and comprehension variables of an
        expression, in Python's tree order, with the scope each is evaluated in and whether it
        runs later (inside a lambda). Lambdas and comprehensions get scopes of their own, whose
        parameters and variables shadow outer names. Iterative: no chain is too long."""
        bindings, calls = self.bindings, self.walk.calls
        stack: list[tuple[cst.CSTNode, Context, bool]] = [(expr, ctx, False)]
        pop, push = stack.pop, stack.append
        while stack:
            node, inner, deferred = pop()
            kind = type(node)
            if kind in _LEAVES:
                continue
            if kind is cst.Call:
                calls.append(CallEvent(node, inner, deferred))  # type: ignore[arg-type]
                func = node.func  # type: ignore[attr-defined]
                if type(func) is cst.Attribute and func.attr.value in _MUTATING_METHODS:
                    self._mark_mutated(func.value, inner)
            elif kind is cst.NamedExpr:
                scope = inner.scope
                while scope.kind == "comprehension" and scope.parent is not None:
                    scope = scope.parent  # a walrus in a comprehension binds in its function
                bindings.bind(scope, node.target.value, OTHER)  # type: ignore[attr-defined]
            elif kind is cst.Lambda:
                scope = bindings.new_scope("lambda", inner.scope)
                params = node.params  # type: ignore[attr-defined]
                positional, star, keyword_only, star_star = parameters(params)
                for param in (*positional, *keyword_only, star, star_star):
                    if param is not None:
                        bindings.bind(scope, param.name.value, OTHER)
                push((node.body, inner._replace(scope=scope), True))  # type: ignore[attr-defined]
                stack.extend((d, inner, deferred) for d in reversed(defaults(params)))
                continue
            elif kind in COMPREHENSIONS:
                scope = bindings.new_scope("comprehension", inner.scope)
                comp_ctx = inner._replace(scope=scope)
                clauses, results = comprehension_parts(node)  # type: ignore[arg-type]
                for clause in clauses:
                    for name in target_names(clause.target):
                        bindings.bind(scope, name, OTHER)
                parts: list[cst.CSTNode] = []
                for clause in clauses:
                    parts.extend([clause.iter, *(c.test for c in clause.ifs)])
                parts.extend(results)
                stack.extend((part, comp_ctx, deferred) for part in reversed(parts))
                continue
            children = expression_children(node)
            if children:
                stack.extend((child, inner, deferred) for child in reversed(children))

    # ----------------------------------------------------------------- bindings
    def key_for_target(self, target: cst.BaseExpression, ctx: Context) -> BindingKey | None:
        return target_key(self.bindings, target, ctx)

    def _bind_target(self, target: cst.BaseExpression, value: Binding, ctx: Context) -> None:
        kind = type(target)
        if kind in (cst.Tuple, cst.List):
            # `model, opt, sched = self.model, self.opt, self.sched` binds element by element.
            elements = target.elements  # type: ignore[attr-defined]
            values: list[Binding] = [OTHER] * len(elements)
            if (
                isinstance(value, (cst.Tuple, cst.List))
                and len(value.elements) == len(elements)
                and not any(type(e) is cst.StarredElement for e in (*value.elements, *elements))
            ):
                values = [e.value for e in value.elements]
            for element, element_value in zip(elements, values):
                if type(element) is cst.StarredElement:
                    self._bind_target(element.value, OTHER, ctx)
                else:
                    self._bind_target(element.value, element_value, ctx)
            return
        if kind is cst.StarredElement:
            self._bind_target(target.value, OTHER, ctx)  # type: ignore[attr-defined]
            return
        if kind is cst.Subscript:
            for element in target.slice:  # type: ignore[attr-defined]
                index = element.slice
                if type(index) is cst.Index:
                    self._expression(index.value, ctx)
                else:
                    for part in (index.lower, index.upper, index.step):
                        if part is not None:
                            self._expression(part, ctx)
            self._mark_mutated(target.value, ctx)  # type: ignore[attr-defined]
            return
        key = self.key_for_target(target, ctx)
        if key is not None:
            self.bindings.table[key].append(value)
            if type(value) in (cst.Name, cst.Attribute, cst.Call) and not is_constant(value):
                self.walk.alias_ctx[id(value)] = ctx
            if is_name(target):
                self._note_rebind(target.value, ctx)

    def _note_rebind(self, name: str, ctx: Context) -> None:
        """Record `name` as bound in the body of every loop around it, up to its function."""
        for frame_id in reversed(ctx.frames):
            record = self.walk.frames[frame_id]
            if record.kind in ("function", "class", "module"):
                return
            if record.kind == "loop":
                record.rebinds.add(name)

    def _mark_mutated(self, expr: cst.BaseExpression, ctx: Context) -> None:
        key: BindingKey | None = None
        kind = type(expr)
        if is_name(expr):
            key = self.bindings.resolve(ctx.scope, expr.value) or self.bindings.key_in(ctx.scope, expr.value)
        elif kind is cst.Attribute:
            key = self.key_for_target(expr, ctx)
        elif kind is cst.Subscript:
            self._mark_mutated(expr.value, ctx)  # type: ignore[attr-defined]
        if key is not None:
            self.bindings.mutated.add(key)


def _as_name(alias: cst.AsName) -> str:
    """The name after `as` in an import or an `except` clause (always a plain name there)."""
    return alias.name.value if isinstance(alias.name, cst.Name) else ""


def target_key(bindings: Bindings, target: cst.BaseExpression, ctx: Context) -> BindingKey | None:
    """The variable an assignment to `target` binds: a name in its scope, or `self.x` of the
    class whose method it is in; None for anything else."""
    if is_name(target):
        return bindings.key_in(ctx.scope, target.value)
    if type(target) is not cst.Attribute or not is_name(target.value):
        return None
    head, attr = target.value.value, target.attr.value
    if ctx.self_name is not None and head == ctx.self_name and ctx.class_scope is not None:
        return (ctx.class_scope.id, "self." + attr)
    if head != ctx.self_name:
        # `args.scheduler = scheduler`: a store on an object the function holds (read back in
        # this function, or in a function it passes the object to).
        return bindings.key_in(ctx.scope, f"{head}.{attr}")
    return None


# Nodes that hold no call, walrus, lambda or comprehension.
_LEAVES = frozenset({cst.Name, cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.Ellipsis})

_GUARD_OPERATORS = (cst.GreaterThan, cst.GreaterThanEqual, cst.LessThan, cst.LessThanEqual, cst.NotEqual)
_OPERATOR_NAMES: dict[type, str] = {
    cst.Equal: "Eq", cst.NotEqual: "NotEq", cst.LessThan: "Lt", cst.LessThanEqual: "LtE", cst.GreaterThan: "Gt",
    cst.GreaterThanEqual: "GtE", cst.Is: "Is", cst.IsNot: "IsNot", cst.In: "In", cst.NotIn: "NotIn",
    cst.And: "And", cst.Or: "Or", cst.Not: "Not", cst.Minus: "USub", cst.Plus: "UAdd", cst.BitInvert: "Invert",
}  # fmt: skip


def plain_test(test: cst.BaseExpression) -> tuple[str | None, frozenset[str], bool]:
    """A test made of plain names and literals only (`phase == 'train'`, `is_train`), as a key
    two branches can be compared by, with the names it reads; and whether it compares by order
    or `!=` anywhere (a guard). Attributes and calls can change between two tests
    (`model.training` flips under `model.eval()`): those tests get no key.

    The key is the test as CPython's `ast.dump` writes it, so that it compares as it always has.
    """
    names: set[str] = set()
    guard = any(
        type(target.operator) in _GUARD_OPERATORS
        for node in descendants(test)
        if type(node) is cst.Comparison
        for target in node.comparisons
    )
    key = _dump(test, names)
    if key is None or not names:
        return None, frozenset(), guard
    return key, frozenset(names), guard


def _dump(node: cst.BaseExpression, names: set[str]) -> str | None:
    """`ast.dump` of a plain test; None when it holds anything but names, constants,
    comparisons, boolean and unary operations, tuples and lists."""
    if is_constant(node):
        value = constant_value(node)
        if value is NOT_A_CONSTANT:
            return None
        first = string_parts(node)[0] if type(node) is cst.ConcatenatedString else node
        unicode = type(first) is cst.SimpleString and first.value[:1] in "uU"
        return f"Constant(value={value!r}{', kind=' + repr('u') if unicode else ''})"
    kind = type(node)
    if kind is cst.Name:
        names.add(node.value)  # type: ignore[attr-defined]
        return f"Name(id={node.value!r}, ctx=Load())"  # type: ignore[attr-defined]
    if kind is cst.Comparison:
        left = _dump(node.left, names)  # type: ignore[attr-defined]
        targets = node.comparisons  # type: ignore[attr-defined]
        comparators = [_dump(t.comparator, names) for t in targets]
        if left is None or None in comparators:
            return None
        ops = ", ".join(f"{_OPERATOR_NAMES[type(t.operator)]}()" for t in targets)
        return f"Compare(left={left}, ops=[{ops}], comparators=[{', '.join(comparators)}])"  # type: ignore[arg-type]
    if kind is cst.BooleanOperation:
        values = [_dump(v, names) for v in boolean_operands(node)]  # type: ignore[arg-type]
        if None in values:
            return None
        return f"BoolOp(op={_OPERATOR_NAMES[type(node.operator)]}(), values=[{', '.join(values)}])"  # type: ignore[arg-type,attr-defined]
    if kind is cst.UnaryOperation:
        operand = _dump(node.expression, names)  # type: ignore[attr-defined]
        return None if operand is None else f"UnaryOp(op={_OPERATOR_NAMES[type(node.operator)]}(), operand={operand})"  # type: ignore[attr-defined]
    if kind in (cst.Tuple, cst.List):
        elements = node.elements  # type: ignore[attr-defined]
        if any(type(e) is cst.StarredElement for e in elements):
            return None
        items = [_dump(e.value, names) for e in elements]
        if None in items:
            return None
        return f"{kind.__name__}(elts=[{', '.join(items)}], ctx=Load())"  # type: ignore[arg-type]
    return None


def target_names(target: cst.BaseExpression) -> Iterator[str]:
    """Every variable name in an assignment target (`a, b.c, d[i]`: a, b, d, i)."""
    for node in descendants(target):
        if is_name(node):
            yield node.value


def _pattern_names(pattern: cst.MatchPattern) -> Iterator[str]:
    stack: list[cst.CSTNode] = [pattern]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind in (cst.MatchAs, cst.MatchStar) and node.name is not None:  # type: ignore[attr-defined]
            yield node.name.value  # type: ignore[attr-defined]
        elif kind is cst.MatchMapping and node.rest is not None:  # type: ignore[attr-defined]
            yield node.rest.value  # type: ignore[attr-defined]
        stack.extend(child for _, child in children(node))
