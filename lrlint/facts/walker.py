"""The torch-agnostic walk: one pass over a module's CPython `ast` that records frames (module,
classes, functions, loops, branches), scopes and bindings, every call with its context, function
and class definitions and imports. `classify.py` reads torch into it afterwards.

The walk is iterative over expressions, so a 10,000-operand `a + a + ...` cannot overflow the
stack; statement nesting is bounded by CPython's own parser.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field, replace
from typing import Iterator, Sequence

from lrlint.diagnostics import Position
from lrlint.facts.model import ClassFact, Frame, FrameKind, FunctionFact, ImportFact, Span
from lrlint.facts.scopes import OTHER, Binding, BindingKey, Bindings, ImportBinding, Scope, declared

_MUTATING_METHODS = frozenset(
    {"append", "extend", "insert", "remove", "pop", "clear", "sort", "reverse", "update", "add",
     "discard", "setdefault", "popitem", "__setitem__", "__delitem__", "__iadd__"}
)  # fmt: skip
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_MATCH = getattr(ast, "Match", None)
_TRY_STAR = getattr(ast, "TryStar", None)


def dotted_name(expr: ast.AST) -> str | None:
    """`a`, `a.b.c` for names and attribute chains; None for anything else."""
    parts: list[str] = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return None
    parts.append(expr.id)
    return ".".join(reversed(parts))


@dataclass(frozen=True)
class Context:
    frames: tuple[int, ...]
    scope: Scope
    class_scope: Scope | None = None  # the class whose method we are in (for `self.x`)
    self_name: str | None = None
    qualname: str = ""  # of the enclosing function or class, within the module

    def push(self, frame: int) -> Context:
        return replace(self, frames=self.frames + (frame,))

    def normalise(self, dotted: str) -> str:
        """`self` under whatever name the method gave it."""
        if self.self_name and self.self_name != "self":
            head, _, rest = dotted.partition(".")
            if head == self.self_name:
                return "self" + ("." + rest if rest else "")
        return dotted


@dataclass(frozen=True)
class CallEvent:
    node: ast.Call
    ctx: Context
    deferred: bool  # inside a lambda: it runs later, elsewhere


@dataclass
class _FrameRecord:
    kind: FrameKind
    parent: int | None
    loop_iter: tuple[ast.expr, Context] | None = None
    loop_node: ast.For | ast.AsyncFor | None = None
    presence_checks: frozenset[str] = frozenset()
    test: str | None = None  # for `if` branches whose test reads only plain names and literals
    test_names: frozenset[str] = frozenset()
    rebinds: set[str] = field(default_factory=set)  # for loops: names bound anywhere in the body
    guard: bool = False


class Positions:
    """1-based (row, column) in characters, from CPython's (line, UTF-8 byte offset)."""

    def __init__(self, text: str) -> None:
        self._lines = text.split("\n")

    def column(self, row: int, byte_offset: int) -> int:
        if 0 < row <= len(self._lines):
            line = self._lines[row - 1]
            if not line.isascii():
                return len(line.encode("utf-8", "surrogatepass")[:byte_offset].decode("utf-8", "replace")) + 1
        return byte_offset + 1

    def span(self, node: ast.AST) -> Span:
        row, col = node.lineno, node.col_offset  # type: ignore[attr-defined]
        end_row = getattr(node, "end_lineno", None) or row
        end_col = getattr(node, "end_col_offset", None)
        end_col = col if end_col is None else end_col
        return Span(Position(row, self.column(row, col)), Position(end_row, self.column(end_row, end_col)))


@dataclass
class Walk:
    """What the walk saw; the nodes stay alive only for the classifier of the same file."""

    positions: Positions
    bindings: Bindings = field(default_factory=Bindings)
    frames: list[_FrameRecord] = field(default_factory=list)
    calls: list[CallEvent] = field(default_factory=list)
    functions: list[FunctionFact] = field(default_factory=list)
    classes: list[ClassFact] = field(default_factory=list)
    imports: list[ImportFact] = field(default_factory=list)
    star_imports: set[str] = field(default_factory=set)  # modules imported with `*`
    module_scope: Scope | None = None
    # Where a name or attribute value of an assignment was evaluated, for following aliases
    # (`scheduler = self.scheduler`), by id of the value expression.
    alias_ctx: dict[int, Context] = field(default_factory=dict)
    # Parameters: binding key -> the frame of the function that declares them.
    param_keys: dict[BindingKey, int] = field(default_factory=dict)
    # Annotated parameters of each function (parallel to `functions`), with the defining context.
    annotations: list[tuple[dict[str, ast.expr], Context]] = field(default_factory=list)
    scope_frames: dict[int, int] = field(default_factory=dict)  # function/module scope id -> frame
    # Function definitions by their (first, last) row, for indexing one function's names.
    function_nodes: dict[tuple[int, int], ast.AST] = field(default_factory=dict)

    def frozen_frames(self, iterations: dict[int, int | None]) -> tuple[Frame, ...]:
        return tuple(
            Frame(i, r.kind, r.parent, iterations.get(i), r.presence_checks, r.test, r.test_names, frozenset(r.rebinds), r.guard)
            for i, r in enumerate(self.frames)
        )


class Walker:
    def __init__(self, text: str) -> None:
        self.walk = Walk(Positions(text))
        self.bindings = self.walk.bindings

    # ----------------------------------------------------------------- entry point
    def run(self, module: ast.Module) -> Walk:
        scope = self.bindings.new_scope("module", None)
        self.walk.module_scope = scope
        root = Context(frames=(self._frame("module", None),), scope=scope)
        self.walk.scope_frames[scope.id] = 0
        self._block(module.body, root)
        return self.walk

    def _frame(self, kind: FrameKind, ctx: Context | None, **extra: object) -> int:
        parent = ctx.frames[-1] if ctx is not None else None
        self.walk.frames.append(_FrameRecord(kind, parent, **extra))  # type: ignore[arg-type]
        return len(self.walk.frames) - 1

    def _push(self, ctx: Context, kind: FrameKind, **extra: object) -> Context:
        return ctx.push(self._frame(kind, ctx, **extra))

    # ----------------------------------------------------------------- statements
    def _block(self, statements: Sequence[ast.stmt], ctx: Context) -> None:
        for statement in statements:
            self._statement(statement, ctx)

    def _statement(self, node: ast.stmt, ctx: Context) -> None:  # noqa: C901 - one branch per statement kind
        if isinstance(node, _FUNCTIONS):
            self._function(node, ctx)
        elif isinstance(node, ast.ClassDef):
            self._class(node, ctx)
        elif isinstance(node, ast.If):
            self._if(node, ctx)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self._expression(node.iter, ctx)
            self._bind_target(node.target, OTHER, ctx)
            loop = self._frame("loop", ctx)
            self.walk.frames[loop].loop_iter = (node.iter, ctx)
            self.walk.frames[loop].loop_node = node
            self._block(node.body, ctx.push(loop))
            if node.orelse:
                self._block(node.orelse, self._push(ctx, "cond"))
        elif isinstance(node, ast.While):
            self._expression(node.test, ctx)
            self._block(node.body, self._push(ctx, "loop"))
            if node.orelse:
                self._block(node.orelse, self._push(ctx, "cond"))
        elif isinstance(node, ast.Try) or (_TRY_STAR is not None and isinstance(node, _TRY_STAR)):
            self._block(node.body, ctx)
            for handler in node.handlers:
                if handler.type is not None:
                    self._expression(handler.type, ctx)
                if handler.name is not None:
                    self.bindings.bind(ctx.scope, handler.name, OTHER)
                self._block(handler.body, self._push(ctx, "cond"))
            if node.orelse:
                self._block(node.orelse, self._push(ctx, "cond"))
            self._block(node.finalbody, ctx)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                self._expression(item.context_expr, ctx)
                if item.optional_vars is not None:
                    self._bind_target(item.optional_vars, OTHER, ctx)
            self._block(node.body, ctx)
        elif _MATCH is not None and isinstance(node, _MATCH):
            self._expression(node.subject, ctx)
            for case in node.cases:
                for name in _pattern_names(case.pattern):
                    self.bindings.bind(ctx.scope, name, OTHER)
                if case.guard is not None:
                    self._expression(case.guard, ctx)
                self._block(case.body, self._push(ctx, "cond"))
        else:
            self._simple(node, ctx)

    def _simple(self, node: ast.stmt, ctx: Context) -> None:
        if isinstance(node, ast.Assign):
            self._expression(node.value, ctx)
            for target in node.targets:
                self._bind_target(target, node.value, ctx)
        elif isinstance(node, ast.AnnAssign):
            self._expression(node.annotation, ctx)
            if node.value is not None:
                self._expression(node.value, ctx)
                self._bind_target(node.target, node.value, ctx)
        elif isinstance(node, ast.AugAssign):
            self._expression(node.value, ctx)
            self._bind_target(node.target, OTHER, ctx)
            self._mark_mutated(node.target, ctx)
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                self._bind_target(target, OTHER, ctx)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname is not None:
                    self._import(ctx, alias.asname, ImportBinding(alias.name))
                else:  # `import a.b` binds `a`
                    head = alias.name.split(".", 1)[0]
                    self._import(ctx, head, ImportBinding(head))
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            for alias in node.names:
                if alias.name == "*":
                    if node.level == 0:
                        self.walk.star_imports.add(module)
                    continue
                imported = f"{module}.{alias.name}" if module else alias.name
                self._import(ctx, alias.asname or alias.name, ImportBinding(imported, node.level))
        elif isinstance(node, (ast.Global, ast.Nonlocal, ast.Pass, ast.Break, ast.Continue)):
            return
        else:  # Expr, Return, Raise, Assert, TypeAlias...
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self._expression(child, ctx)

    def _import(self, ctx: Context, name: str, binding: ImportBinding) -> None:
        self.bindings.bind(ctx.scope, name, binding)
        if ctx.scope.kind == "module":
            self.walk.imports.append(ImportFact(name, binding.target, binding.level))

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: Context) -> None:
        for decorator in node.decorator_list:
            self._expression(decorator, ctx)
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        for default in (*args.defaults, *(d for d in args.kw_defaults if d is not None)):
            self._expression(default, ctx)
        self.bindings.bind(ctx.scope, node.name, OTHER)
        scope = self.bindings.new_scope("function", ctx.scope, declared(node))
        params = [*positional, *args.kwonlyargs]
        frame = self._frame("function", ctx)
        self.walk.scope_frames[scope.id] = frame
        self.walk.function_nodes[(node.lineno, node.end_lineno or node.lineno)] = node
        annotated: dict[str, ast.expr] = {}
        for param in (*params, args.vararg, args.kwarg):
            if param is not None:
                self.bindings.bind(scope, param.arg, OTHER)
                self.walk.param_keys[(scope.id, param.arg)] = frame
                if param.annotation is not None:
                    self._expression(param.annotation, ctx)
                    annotated[param.arg] = param.annotation
        self_name: str | None = ctx.self_name
        directly_in_class = self.walk.frames[ctx.frames[-1]].kind == "class"
        if directly_in_class:
            is_static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list)
            self_name = positional[0].arg if positional and not is_static else None
        elif self_name is not None and any(p.arg == self_name for p in params):
            self_name = None  # a nested function rebinding `self`
        qualname = f"{ctx.qualname}.{node.name}" if ctx.qualname else node.name
        inner = replace(ctx, scope=scope, self_name=self_name, qualname=qualname)
        self.walk.annotations.append((annotated, ctx))
        self.walk.functions.append(
            FunctionFact(
                frame=frame,
                name=node.name,
                qualname=qualname,
                span=self.walk.positions.span(node),
                params=tuple(p.arg for p in params),
                class_name=ctx.qualname if directly_in_class else None,
                self_name=self_name if directly_in_class else None,
            )
        )
        self._block(node.body, inner.push(frame))

    def _class(self, node: ast.ClassDef, ctx: Context) -> None:
        for decorator in node.decorator_list:
            self._expression(decorator, ctx)
        for base in (*node.bases, *(k.value for k in node.keywords)):
            self._expression(base, ctx)
        self.bindings.bind(ctx.scope, node.name, OTHER)
        qualname = f"{ctx.qualname}.{node.name}" if ctx.qualname else node.name
        self.walk.classes.append(ClassFact(qualname, tuple(d for d in map(dotted_name, node.bases) if d)))
        scope = self.bindings.new_scope("class", ctx.scope)
        inner = replace(ctx, scope=scope, class_scope=scope, self_name=None, qualname=qualname)
        self._block(node.body, self._push(inner, "class"))

    def _if(self, node: ast.If, ctx: Context) -> None:
        self._expression(node.test, ctx)
        checks = self._presence_checks(node.test, ctx)
        test, names, guard = _plain_test(node.test)
        self._block(node.body, self._push(ctx, "cond", presence_checks=checks, test=test, test_names=names, guard=guard))
        if node.orelse:
            self._block(node.orelse, self._push(ctx, "cond"))

    def _presence_checks(self, test: ast.expr, ctx: Context) -> frozenset[str]:
        """The names a test only checks for presence (`x`, `x is not None`, joined by `and`).

        Empty unless the whole test is such checks: `sched is not None and epoch > 0` guards the
        first iteration, so it is a real condition.
        """
        if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
            found: frozenset[str] = frozenset()
            for value in test.values:
                checks = self._presence_checks(value, ctx)
                if not checks:
                    return frozenset()
                found |= checks
            return found
        subject: ast.expr | None = None
        if isinstance(test, (ast.Name, ast.Attribute)):
            subject = test
        elif (
            isinstance(test, ast.Compare)
            and len(test.ops) == 1
            and isinstance(test.ops[0], ast.IsNot)
            and isinstance(test.comparators[0], ast.Constant)
            and test.comparators[0].value is None
        ):
            subject = test.left
        name = dotted_name(subject) if subject is not None else None
        return frozenset({ctx.normalise(name)}) if name is not None else frozenset()

    # ----------------------------------------------------------------- expressions
    def _expression(self, expr: ast.expr, ctx: Context) -> None:
        """Record the calls, walrus targets, lambda parameters and comprehension variables."""
        for node, inner, deferred in _walk_expression(expr, ctx, self.bindings):
            if isinstance(node, ast.Call):
                self.walk.calls.append(CallEvent(node, inner, deferred))
                func = node.func
                if isinstance(func, ast.Attribute) and func.attr in _MUTATING_METHODS:
                    self._mark_mutated(func.value, inner)
            elif isinstance(node, ast.NamedExpr):
                scope = inner.scope
                while scope.kind == "comprehension" and scope.parent is not None:
                    scope = scope.parent  # a walrus in a comprehension binds in its function
                self.bindings.bind(scope, node.target.id, OTHER)

    # ----------------------------------------------------------------- bindings
    def key_for_target(self, target: ast.expr, ctx: Context) -> BindingKey | None:
        return target_key(self.bindings, target, ctx)

    def _bind_target(self, target: ast.expr, value: Binding, ctx: Context) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            # `model, opt, sched = self.model, self.opt, self.sched` binds element by element.
            values: list[Binding] = [OTHER] * len(target.elts)
            if (
                isinstance(value, (ast.Tuple, ast.List))
                and len(value.elts) == len(target.elts)
                and not any(isinstance(e, ast.Starred) for e in (*value.elts, *target.elts))
            ):
                values = list(value.elts)
            for element, element_value in zip(target.elts, values):
                self._bind_target(element, element_value, ctx)
            return
        if isinstance(target, ast.Starred):
            self._bind_target(target.value, OTHER, ctx)
            return
        if isinstance(target, ast.Subscript):
            self._expression(target.slice, ctx)
            self._mark_mutated(target.value, ctx)
            return
        key = self.key_for_target(target, ctx)
        if key is not None:
            self.bindings.table[key].append(value)
            if isinstance(value, (ast.Name, ast.Attribute, ast.Call)):
                self.walk.alias_ctx[id(value)] = ctx
            if isinstance(target, ast.Name):
                self._note_rebind(target.id, ctx)

    def _note_rebind(self, name: str, ctx: Context) -> None:
        """Record `name` as bound in the body of every loop around it, up to its function."""
        for frame_id in reversed(ctx.frames):
            record = self.walk.frames[frame_id]
            if record.kind in ("function", "class", "module"):
                return
            if record.kind == "loop":
                record.rebinds.add(name)

    def _mark_mutated(self, expr: ast.expr, ctx: Context) -> None:
        key: BindingKey | None = None
        if isinstance(expr, ast.Name):
            key = self.bindings.resolve(ctx.scope, expr.id) or self.bindings.key_in(ctx.scope, expr.id)
        elif isinstance(expr, ast.Attribute):
            key = self.key_for_target(expr, ctx)
        elif isinstance(expr, ast.Subscript):
            self._mark_mutated(expr.value, ctx)
        if key is not None:
            self.bindings.mutated.add(key)


def target_key(bindings: Bindings, target: ast.expr, ctx: Context) -> BindingKey | None:
    """The variable an assignment to `target` binds: a name in its scope, or `self.x` of the
    class whose method it is in; None for anything else."""
    if isinstance(target, ast.Name):
        return bindings.key_in(ctx.scope, target.id)
    if (
        isinstance(target, ast.Attribute)
        and isinstance(target.value, ast.Name)
        and ctx.self_name is not None
        and target.value.id == ctx.self_name
        and ctx.class_scope is not None
    ):
        return (ctx.class_scope.id, "self." + target.attr)
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id != ctx.self_name:
        # `args.scheduler = scheduler`: a store on an object the function holds (read back in
        # this function, or in a function it passes the object to).
        return bindings.key_in(ctx.scope, f"{target.value.id}.{target.attr}")
    return None


def _walk_expression(expr: ast.expr, ctx: Context, bindings: Bindings) -> Iterator[tuple[ast.AST, Context, bool]]:
    """The calls and walrus expressions of an expression, in source order, with the scope they are
    evaluated in and whether they run later (inside a lambda). Lambdas and comprehensions get
    scopes of their own, whose parameters and variables shadow outer names."""
    stack: list[tuple[ast.AST, Context, bool]] = [(expr, ctx, False)]
    while stack:
        node, inner, deferred = stack.pop()
        if isinstance(node, _LEAVES):
            continue
        if isinstance(node, (ast.Call, ast.NamedExpr)):
            yield node, inner, deferred
        elif isinstance(node, ast.Lambda):
            scope = bindings.new_scope("lambda", inner.scope)
            args = node.args
            for param in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
                if param is not None:
                    bindings.bind(scope, param.arg, OTHER)
            defaults = [*args.defaults, *(d for d in args.kw_defaults if d is not None)]
            stack.append((node.body, replace(inner, scope=scope), True))
            stack.extend((d, inner, deferred) for d in reversed(defaults))
            continue
        elif isinstance(node, _COMPREHENSIONS):
            scope = bindings.new_scope("comprehension", inner.scope)
            comp_ctx = replace(inner, scope=scope)
            for generator in node.generators:
                for name in _target_names(generator.target):
                    bindings.bind(scope, name, OTHER)
            children: list[ast.AST] = []
            for generator in node.generators:
                children.extend([generator.iter, *generator.ifs])
            children.extend([node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt])
            stack.extend((child, comp_ctx, deferred) for child in reversed(children))
            continue
        elif isinstance(node, ast.Attribute):
            stack.append((node.value, inner, deferred))  # the only child that can hold a call
            continue
        children = [child for child in ast.iter_child_nodes(node) if not isinstance(child, _LEAVES)]
        stack.extend((child, inner, deferred) for child in reversed(children))


# Nodes that hold no call, walrus, lambda or comprehension.
_LEAVES = (ast.Name, ast.Constant, ast.expr_context, ast.operator, ast.cmpop, ast.unaryop, ast.boolop)


_GUARD_OPS = (ast.Gt, ast.GtE, ast.Lt, ast.LtE, ast.NotEq)

_PLAIN_TEST_NODES = (
    ast.Name, ast.Constant, ast.Compare, ast.BoolOp, ast.UnaryOp, ast.Tuple, ast.List, ast.Load,
    ast.cmpop, ast.boolop, ast.unaryop,
)  # fmt: skip


def _plain_test(test: ast.expr) -> tuple[str | None, frozenset[str], bool]:
    """A test made of plain names and literals only (`phase == 'train'`, `is_train`), as a key
    two branches can be compared by, with the names it reads; and whether it compares by order
    or `!=` anywhere (a guard). Attributes and calls can change between two tests
    (`model.training` flips under `model.eval()`): those tests get no key."""
    names: set[str] = set()
    plain, guard = True, False
    for node in ast.walk(test):
        if isinstance(node, ast.Compare) and any(isinstance(op, _GUARD_OPS) for op in node.ops):
            guard = True
        if not isinstance(node, _PLAIN_TEST_NODES):
            plain = False
        elif isinstance(node, ast.Name):
            names.add(node.id)
    if not plain or not names:
        return None, frozenset(), guard
    return ast.dump(test), frozenset(names), guard


def _target_names(target: ast.AST) -> Iterator[str]:
    for node in ast.walk(target):
        if isinstance(node, ast.Name):
            yield node.id


def _pattern_names(pattern: ast.AST) -> Iterator[str]:
    for node in ast.walk(pattern):
        name = getattr(node, "name", None)
        if isinstance(name, str):
            yield name
        rest = getattr(node, "rest", None)
        if isinstance(rest, str):
            yield rest
