"""Walks a libcst module once and collects the facts rules read (see model.py).

Names are resolved with libcst's QualifiedNameProvider (so aliases of torch imports resolve and a
user's own `StepLR` does not) and ScopeProvider (so a `scheduler` in one function is not the
`scheduler` of another). What cannot be resolved with certainty is left unresolved.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any, Collection, Iterable, Optional, Sequence, Union

import libcst as cst
from libcst.metadata import (
    ClassScope,
    GlobalScope,
    MetadataWrapper,
    PositionProvider,
    QualifiedName,
    QualifiedNameProvider,
    Scope,
    ScopeProvider,
)

from lrlint.catalogue import SchedulerSignature, schedulers
from lrlint.diagnostics import Position
from lrlint.facts.literals import UNKNOWN, literal_value
from lrlint.facts.model import Frame, ModuleFacts, OptimizerCall, SchedulerCall, Span, StepCall

SCHEDULER_MODULE = "torch.optim.lr_scheduler."
OPTIMIZER_MODULE = "torch.optim."
_MUTATING_METHODS = frozenset(
    {"append", "extend", "insert", "remove", "pop", "clear", "sort", "reverse", "update", "add",
     "discard", "setdefault", "popitem", "__setitem__", "__delitem__", "__iadd__"}
)
_STEP_METHODS = ("step", "optimizer_step")

# What a name or attribute was bound to: an expression, or OTHER for bindings that are not
# plain assignments (parameters, loop targets, imports, augmented assignments, ...).
OTHER: Any = object()
BindingKey = tuple[object, str]
Binding = Union[cst.BaseExpression, Any]


@dataclass(frozen=True)
class _Context:
    frames: tuple[Frame, ...]
    class_node: cst.ClassDef | None = None  # the class whose method we are in (for `self.x`)
    self_name: str | None = None
    global_names: frozenset[str] = frozenset()

    def push(self, frame: Frame) -> _Context:
        return replace(self, frames=self.frames + (frame,))


@dataclass
class _Tables:
    bindings: dict[BindingKey, list[Binding]] = field(default_factory=lambda: defaultdict(list))
    mutated: set[BindingKey] = field(default_factory=set)


def dotted_name(expr: cst.BaseExpression) -> str | None:
    """`a`, `a.b.c` for names and attribute chains; None for anything else."""
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        base = dotted_name(expr.value)
        return None if base is None else f"{base}.{expr.attr.value}"
    return None


class _CallFinder(cst.CSTVisitor):
    """Calls, walrus targets, lambdas and comprehension targets inside one expression tree, in
    source order. Calls inside a lambda are `deferred`: they run later, elsewhere, so they say
    nothing about the order of steps, but a scheduler built there is still built wrong."""

    def __init__(self) -> None:
        self.calls: list[cst.Call] = []
        self.deferred: list[cst.Call] = []
        self.walrus: list[cst.NamedExpr] = []
        self.lambdas: list[cst.Lambda] = []
        self.comprehension_targets: list[cst.BaseAssignTargetExpression] = []
        self._lambda_depth = 0

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.lambdas.append(node)
        self._lambda_depth += 1

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._lambda_depth -= 1

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self.comprehension_targets.append(node.target)

    def visit_Call(self, node: cst.Call) -> None:
        (self.deferred if self._lambda_depth else self.calls).append(node)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self.walrus.append(node)


class FactCollector:
    def __init__(self, wrapper: MetadataWrapper) -> None:
        self.module = wrapper.module
        self.qnames = wrapper.resolve(QualifiedNameProvider)
        self.scopes = wrapper.resolve(ScopeProvider)
        self.positions = wrapper.resolve(PositionProvider)
        self.signatures = schedulers()
        self.tables = _Tables()
        self.schedulers: list[SchedulerCall] = []
        self.scheduler_by_node: dict[cst.Call, SchedulerCall] = {}
        self.optimizers: dict[cst.Call, OptimizerCall] = {}
        self.steps: list[StepCall] = []
        self.spans: dict[cst.CSTNode, Span] = {}
        # Pending resolution: scheduler constructions with the context they were built in.
        self._scheduler_ctx: list[tuple[SchedulerCall, _Context]] = []
        self._step_ctx: list[tuple[StepCall, cst.BaseExpression, _Context]] = []
        # `from torch.optim.lr_scheduler import *`: bare scheduler names that nothing else binds
        # are torch's (libcst does not resolve star imports).
        self._star_import = False
        self._star_candidates: list[tuple[cst.Call, SchedulerSignature, _Context]] = []

    # ----------------------------------------------------------------- entry point
    def collect(self) -> ModuleFacts:
        root = _Context(frames=(Frame("module", self.module),))
        self._block(self.module.body, root)
        self._resolve()
        return ModuleFacts(
            schedulers=self.schedulers,
            optimizers=list(self.optimizers.values()),
            steps=self.steps,
            spans=self.spans,
        )

    # ----------------------------------------------------------------- positions
    def span(self, node: cst.CSTNode) -> Span:
        found = self.spans.get(node)
        if found is None:
            rng = self.positions[node]
            found = Span(
                Position(rng.start.line, rng.start.column + 1),
                Position(rng.end.line, rng.end.column + 1),
            )
            self.spans[node] = found
        return found

    # ----------------------------------------------------------------- statements
    def _block(self, statements: Sequence[cst.CSTNode], ctx: _Context) -> None:
        for statement in statements:
            self._statement(statement, ctx)

    def _suite(self, suite: cst.BaseSuite, ctx: _Context) -> None:
        # An indented block holds statements; `if x: y()` on one line holds small statements,
        # which _statement handles as a line of its own.
        if isinstance(suite, cst.IndentedBlock):
            self._block(suite.body, ctx)
        else:
            for small in suite.body:
                self._small_statement(small, ctx)

    def _statement(self, node: cst.CSTNode, ctx: _Context) -> None:
        if isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                self._small_statement(small, ctx)
        elif isinstance(node, cst.FunctionDef):
            self._function(node, ctx)
        elif isinstance(node, cst.ClassDef):
            for decorator in node.decorators:
                self._expression(decorator.decorator, ctx)
            for arg in (*node.bases, *node.keywords):
                self._expression(arg.value, ctx)
            self._bind_name(node.name, OTHER, ctx)
            inner = replace(ctx, class_node=node, self_name=None)
            self._suite(node.body, inner.push(Frame("class", node)))
        elif isinstance(node, cst.If):
            self._if(node, ctx)
        elif isinstance(node, cst.For):
            self._expression(node.iter, ctx)
            self._bind_target(node.target, OTHER, ctx)
            loop = Frame("loop", node, iterations=self._range_length(node.iter))
            self._suite(node.body, ctx.push(loop))
            if node.orelse is not None:
                self._suite(node.orelse.body, ctx.push(Frame("cond", node.orelse)))
        elif isinstance(node, cst.While):
            self._expression(node.test, ctx)
            self._suite(node.body, ctx.push(Frame("loop", node)))
            if node.orelse is not None:
                self._suite(node.orelse.body, ctx.push(Frame("cond", node.orelse)))
        elif isinstance(node, (cst.Try, cst.TryStar)):
            self._suite(node.body, ctx)
            for handler in node.handlers:
                if handler.type is not None:
                    self._expression(handler.type, ctx)
                if handler.name is not None:
                    self._bind_target(handler.name.name, OTHER, ctx)
                self._suite(handler.body, ctx.push(Frame("cond", handler)))
            if node.orelse is not None:
                self._suite(node.orelse.body, ctx.push(Frame("cond", node.orelse)))
            if node.finalbody is not None:
                self._suite(node.finalbody.body, ctx)
        elif isinstance(node, cst.With):
            for item in node.items:
                self._expression(item.item, ctx)
                if item.asname is not None:
                    self._bind_target(item.asname.name, OTHER, ctx)
            self._suite(node.body, ctx)
        elif isinstance(node, cst.Match):
            self._expression(node.subject, ctx)
            for case in node.cases:
                self._suite(case.body, ctx.push(Frame("cond", case)))

    def _function(self, node: cst.FunctionDef, ctx: _Context) -> None:
        for decorator in node.decorators:
            self._expression(decorator.decorator, ctx)
        params = node.params
        all_params = [*params.posonly_params, *params.params, *params.kwonly_params]
        for param in all_params:
            if param.default is not None:
                self._expression(param.default, ctx)
        self._bind_name(node.name, OTHER, ctx)
        for param in all_params:
            self._bind_name(param.name, OTHER, ctx)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                self._bind_name(star.name, OTHER, ctx)
        inner = ctx
        directly_in_class = ctx.frames[-1].kind == "class"
        if directly_in_class:
            is_static = any(
                isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod"
                for d in node.decorators
            )
            first = all_params[0].name.value if all_params and not is_static else None
            inner = replace(ctx, self_name=first)
        elif ctx.self_name is not None and any(p.name.value == ctx.self_name for p in all_params):
            inner = replace(ctx, self_name=None)  # a nested function rebinding `self`
        global_names = frozenset(_declared_globals(node))
        inner = replace(inner, global_names=global_names)
        self._suite(node.body, inner.push(Frame("function", node)))

    def _if(self, node: cst.If, ctx: _Context) -> None:
        self._expression(node.test, ctx)
        checks = self._presence_checks(node.test, ctx)
        self._suite(node.body, ctx.push(Frame("cond", node.body, presence_checks=checks)))
        if isinstance(node.orelse, cst.If):
            self._if(node.orelse, ctx.push(Frame("cond", node.orelse)))
        elif isinstance(node.orelse, cst.Else):
            self._suite(node.orelse.body, ctx.push(Frame("cond", node.orelse)))

    def _small_statement(self, node: cst.BaseSmallStatement, ctx: _Context) -> None:
        if isinstance(node, cst.Assign):
            self._expression(node.value, ctx)
            for target in node.targets:
                self._bind_target(target.target, node.value, ctx)
        elif isinstance(node, cst.AnnAssign):
            if node.value is not None:
                self._expression(node.value, ctx)
                self._bind_target(node.target, node.value, ctx)
        elif isinstance(node, cst.AugAssign):
            self._expression(node.value, ctx)
            self._bind_target(node.target, OTHER, ctx)
            self._mark_mutated(node.target, ctx)
        elif isinstance(node, cst.Del):
            self._bind_target(node.target, OTHER, ctx)
        elif isinstance(node, (cst.Import, cst.ImportFrom)):
            if isinstance(node, cst.ImportFrom) and isinstance(node.names, cst.ImportStar):
                module = dotted_name(node.module) if node.module is not None else None
                if module is not None and f"{module}." == SCHEDULER_MODULE:
                    self._star_import = True
            if isinstance(node.names, Sequence):
                scope = self.scopes.get(node)  # libcst gives the alias names no scope of their own
                for alias in node.names:
                    bound = alias.asname.name if alias.asname is not None else alias.name
                    while isinstance(bound, cst.Attribute):  # `import a.b` binds `a`
                        bound = bound.value
                    if isinstance(bound, cst.Name) and scope is not None:
                        self.tables.bindings[self._key_in(scope, bound.value, ctx)].append(OTHER)
        else:
            for child in node.children:
                if isinstance(child, cst.BaseExpression):
                    self._expression(child, ctx)

    # ----------------------------------------------------------------- expressions
    def _expression(self, expr: cst.BaseExpression, ctx: _Context) -> None:
        finder = _CallFinder()
        expr.visit(finder)
        for walrus in finder.walrus:
            self._bind_target(walrus.target, OTHER, ctx)
        # Lambda parameters and comprehension variables shadow outer names: never constants.
        for function in finder.lambdas:
            params = function.params
            for param in (*params.posonly_params, *params.params, *params.kwonly_params):
                self._bind_name(param.name, OTHER, ctx)
            for star in (params.star_arg, params.star_kwarg):
                if isinstance(star, cst.Param):
                    self._bind_name(star.name, OTHER, ctx)
        for target in finder.comprehension_targets:
            self._bind_target(target, OTHER, ctx)
        for call in finder.calls:
            self._call(call, ctx)
        for call in finder.deferred:
            self._call(call, ctx, deferred=True)

    def _call(self, call: cst.Call, ctx: _Context, deferred: bool = False) -> None:
        qualified = self._torch_name(call.func)
        if qualified is not None:
            if qualified.startswith(SCHEDULER_MODULE):
                signature = self.signatures.get(qualified[len(SCHEDULER_MODULE):])
                if signature is not None:
                    self._scheduler(call, signature, ctx)
                return
            cls = qualified.rsplit(".", 1)[-1]
            # torch.optim.SGD, torch.optim.adamw.AdamW; not swa_utils' SWALR / AveragedModel.
            if cls[:1].isupper() and cls != "Optimizer" and ".swa_utils." not in qualified:
                self.optimizers[call] = OptimizerCall(cls, call, UNKNOWN)
            return
        func = call.func
        if isinstance(func, cst.Name) and func.value in self.signatures:
            self._star_candidates.append((call, self.signatures[func.value], ctx))
            return
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            receiver = dotted_name(func.value)
            if receiver is None:
                return
            if method in _MUTATING_METHODS:
                self._mark_mutated(func.value, ctx)
            if method in _STEP_METHODS and not deferred:
                positional = [a for a in call.args if a.keyword is None and not a.star]
                first = dotted_name(positional[0].value) if positional else None
                step = StepCall(
                    node=call,
                    span=self.span(call),
                    receiver=self._normalise(receiver, ctx),
                    method=method,
                    first_arg=self._normalise(first, ctx) if first else None,
                    has_args=bool(call.args),
                    frames=ctx.frames,
                )
                self.steps.append(step)
                self._step_ctx.append((step, func.value, ctx))

    def _qualified_names(self, node: cst.CSTNode) -> Collection[QualifiedName]:
        # libcst computes qualified names lazily; only call targets we look at pay for it.
        value = self.qnames.get(node, ())
        return value() if callable(value) else value

    def _torch_name(self, func: cst.BaseExpression) -> str | None:
        for qualified in self._qualified_names(func):
            if qualified.name.startswith(OPTIMIZER_MODULE):
                return qualified.name
        return None

    def _scheduler(self, call: cst.Call, signature: SchedulerSignature, ctx: _Context) -> None:
        fact = SchedulerCall(cls=signature.name, node=call, span=self.span(call), frames=ctx.frames)
        names = signature.param_names()
        position = 0
        for arg in call.args:
            if arg.star == "*":
                fact.star_args = True
            elif arg.star == "**":
                fact.star_kwargs = True
            elif arg.keyword is not None:
                keyword = arg.keyword.value
                if keyword in names:
                    fact.bound[keyword] = arg
                else:
                    fact.unexpected[keyword] = arg
            elif fact.star_args:
                pass  # positions after *args are unknown
            elif position < len(names):
                fact.bound[names[position]] = arg
                position += 1
            else:
                fact.extra_positional.append(arg)
        for arg in fact.bound.values():
            self.span(arg)
        for arg in fact.unexpected.values():
            self.span(arg)
        optimizer_arg = fact.bound.get(signature.optimizer_param)
        if optimizer_arg is not None:
            key = dotted_name(optimizer_arg.value)
            fact.optimizer_key = self._normalise(key, ctx) if key else None
        self.schedulers.append(fact)
        self.scheduler_by_node[call] = fact
        self._scheduler_ctx.append((fact, ctx))

    def _range_length(self, expr: cst.BaseExpression) -> int | None:
        if not isinstance(expr, cst.Call) or not any(
            q.name == "builtins.range" for q in self._qualified_names(expr.func)
        ):
            return None
        if any(a.keyword is not None or a.star for a in expr.args) or not 1 <= len(expr.args) <= 3:
            return None
        bounds = [literal_value(a.value, self._name_resolver) for a in expr.args]
        if not all(isinstance(b, int) and not isinstance(b, bool) for b in bounds):
            return None
        try:
            return len(range(*bounds))
        except (ValueError, OverflowError):
            return None

    def _presence_checks(self, test: cst.BaseExpression, ctx: _Context) -> frozenset[str]:
        """The names a test only checks for presence (`x`, `x is not None`, joined by `and`).

        Empty unless the whole test is such checks: `sched is not None and epoch > 0` guards the
        first iteration, so it is a real condition.
        """
        if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
            left = self._presence_checks(test.left, ctx)
            right = self._presence_checks(test.right, ctx)
            return left | right if left and right else frozenset()
        subject: cst.BaseExpression | None = None
        if isinstance(test, (cst.Name, cst.Attribute)):
            subject = test
        elif (
            isinstance(test, cst.Comparison)
            and len(test.comparisons) == 1
            and isinstance(test.comparisons[0].operator, cst.IsNot)
            and isinstance(test.comparisons[0].comparator, cst.Name)
            and test.comparisons[0].comparator.value == "None"
        ):
            subject = test.left
        name = dotted_name(subject) if subject is not None else None
        return frozenset({self._normalise(name, ctx)}) if name is not None else frozenset()

    # ----------------------------------------------------------------- bindings
    def _normalise(self, dotted: str, ctx: _Context) -> str:
        """`self` under whatever name the method gave it."""
        if ctx.self_name and ctx.self_name != "self":
            head, _, rest = dotted.partition(".")
            if head == ctx.self_name:
                return "self" + ("." + rest if rest else "")
        return dotted

    def _key_for_name(self, name: cst.Name, ctx: _Context) -> BindingKey | None:
        scope = self.scopes.get(name)
        return None if scope is None else self._key_in(scope, name.value, ctx)

    @staticmethod
    def _key_in(scope: Scope, name: str, ctx: _Context) -> BindingKey:
        """Where an assignment to `name` in `scope` binds: the module for `global` names."""
        return (scope.globals if name in ctx.global_names else scope, name)

    def _key_for_target(self, target: cst.BaseExpression, ctx: _Context) -> BindingKey | None:
        if isinstance(target, cst.Name):
            return self._key_for_name(target, ctx)
        if (
            isinstance(target, cst.Attribute)
            and isinstance(target.value, cst.Name)
            and ctx.self_name is not None
            and target.value.value == ctx.self_name
            and ctx.class_node is not None
        ):
            return (ctx.class_node, "self." + target.attr.value)
        return None

    def _bind_name(self, name: cst.Name, value: Binding, ctx: _Context) -> None:
        key = self._key_for_name(name, ctx)
        if key is not None:
            self.tables.bindings[key].append(value)

    def _bind_target(self, target: cst.BaseExpression, value: Binding, ctx: _Context) -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                inner = element.value
                self._bind_target(inner, OTHER, ctx)
            return
        if isinstance(target, cst.StarredElement):
            self._bind_target(target.value, OTHER, ctx)
            return
        if isinstance(target, cst.Subscript):
            self._mark_mutated(target.value, ctx)
            return
        key = self._key_for_target(target, ctx)
        if key is not None:
            self.tables.bindings[key].append(value)

    def _mark_mutated(self, expr: cst.BaseExpression, ctx: _Context) -> None:
        key: BindingKey | None = None
        if isinstance(expr, cst.Name):
            key = self._resolved_key(expr)
        elif isinstance(expr, cst.Attribute):
            key = self._key_for_target(expr, ctx)
        elif isinstance(expr, cst.Subscript):
            self._mark_mutated(expr.value, ctx)
        if key is not None:
            self.tables.mutated.add(key)

    def _resolved_key(self, name: cst.Name) -> BindingKey | None:
        """The binding a use of `name` refers to, walking out through enclosing scopes."""
        scope: Optional[Scope] = self.scopes.get(name)
        first = True
        while scope is not None:
            if not (isinstance(scope, ClassScope) and not first):  # methods do not see class names
                key = (scope, name.value)
                if key in self.tables.bindings:
                    return key
            if isinstance(scope, GlobalScope):
                return None
            scope = scope.parent
            first = False
        return None

    def _binding_key_of(self, expr: cst.BaseExpression, ctx: _Context) -> BindingKey | None:
        """The variable a plain name or `self.attr` refers to; None for anything else."""
        if isinstance(expr, cst.Name):
            return self._resolved_key(expr)
        if isinstance(expr, cst.Attribute):
            return self._key_for_target(expr, ctx)
        return None

    def _bindings_of(self, expr: cst.BaseExpression, ctx: _Context) -> list[Binding] | None:
        if isinstance(expr, cst.Name):
            key = self._resolved_key(expr)
        else:
            key = self._key_for_target(expr, ctx)
        if key is None or key in self.tables.mutated:
            return None
        return self.tables.bindings.get(key)

    def _name_resolver(self, name: cst.Name) -> cst.BaseExpression | None:
        """A simple constant: a name bound exactly once, to an expression, and never mutated."""
        key = self._resolved_key(name)
        if key is None or key in self.tables.mutated:
            return None
        bound = self.tables.bindings.get(key, [])
        if len(bound) != 1 or bound[0] is OTHER:
            return None
        return bound[0]

    # ----------------------------------------------------------------- resolution
    def _resolve(self) -> None:
        if self._star_import:
            for call, signature, ctx in self._star_candidates:
                if isinstance(call.func, cst.Name) and self._resolved_key(call.func) is None:
                    self._scheduler(call, signature, ctx)
        # Literals are read after the walk, once every binding in the module is known.
        for fact, ctx in self._scheduler_ctx:
            for name, arg in fact.bound.items():
                if self._is_list_shaped(arg.value):
                    fact.list_shaped.add(name)
            for name, arg in (*fact.bound.items(), *fact.unexpected.items()):
                value = literal_value(arg.value, self._name_resolver)
                if value is not UNKNOWN:
                    fact.values[name] = value
            fact.optimizer = self._optimizer_of(fact, ctx)
            optimizer_arg = fact.bound.get(self.signatures[fact.cls].optimizer_param)
            if optimizer_arg is not None:
                fact.optimizer_binding = self._binding_key_of(optimizer_arg.value, ctx)
        for optimizer in self.optimizers.values():
            positional = [a for a in optimizer.node.args if a.keyword is None and not a.star]
            lr_args = [a for a in optimizer.node.args if a.keyword is not None and a.keyword.value == "lr"]
            if lr_args:
                optimizer.lr = literal_value(lr_args[0].value, self._name_resolver)
            elif len(positional) >= 2 and not any(a.star for a in optimizer.node.args):
                optimizer.lr = literal_value(positional[1].value, self._name_resolver)
        for step, receiver, ctx in self._step_ctx:
            step.receiver_binding = self._binding_key_of(receiver, ctx)
            positional = [a for a in step.node.args if a.keyword is None and not a.star]
            if positional:
                step.first_arg_binding = self._binding_key_of(positional[0].value, ctx)
            candidates = self._schedulers_bound(receiver, ctx)
            if isinstance(receiver, cst.Name):
                candidates = _reaching(candidates, step)
            if candidates:
                step.scheduler = candidates[-1]
                step.alternatives = tuple(candidates)
                for candidate in candidates:
                    candidate.steps.append(step)

    def _is_list_shaped(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, (cst.List, cst.Tuple, cst.ListComp)):
            return True
        if isinstance(expr, cst.Name):
            key = self._resolved_key(expr)
            bound = self.tables.bindings.get(key, []) if key is not None else []
            return bool(bound) and all(isinstance(b, (cst.List, cst.Tuple, cst.ListComp)) for b in bound)
        return False

    def _schedulers_bound(self, expr: cst.BaseExpression, ctx: _Context) -> list[SchedulerCall]:
        """The torch schedulers `expr` may hold, when every binding of it is one (or None)."""
        bound = self._bindings_of(expr, ctx)
        if not bound:
            return []
        found: list[SchedulerCall] = []
        for value in bound:
            if isinstance(value, cst.Name) and value.value == "None":
                continue
            fact = self.scheduler_by_node.get(value) if isinstance(value, cst.Call) else None
            if fact is None:
                return []
            found.append(fact)
        return found

    def _optimizer_of(self, fact: SchedulerCall, ctx: _Context) -> OptimizerCall | None:
        signature = self.signatures[fact.cls]
        arg = fact.bound.get(signature.optimizer_param)
        if arg is None:
            return None
        if isinstance(arg.value, cst.Call):
            return self.optimizers.get(arg.value)
        bound = self._bindings_of(arg.value, ctx) if isinstance(arg.value, (cst.Name, cst.Attribute)) else None
        if not bound or len(bound) != 1 or not isinstance(bound[0], cst.Call):
            return None
        return self.optimizers.get(bound[0])


def _function_frame(frames: tuple[Frame, ...]) -> Frame:
    return next(f for f in reversed(frames) if f.kind in ("function", "module"))


def _reaching(candidates: list[SchedulerCall], step: StepCall) -> list[SchedulerCall]:
    """The constructions of a local name that can reach `step`, in the same body.

    `sched = StepLR(...)`, a loop stepping it, then `sched = ExponentialLR(...)` and another
    loop: each loop steps the scheduler built last before it. A construction under a condition the
    step is not under may or may not have run, so it stays a candidate beside the last one that
    surely ran. Across functions the order of calls is unknown: all candidates stay.
    """
    body = _function_frame(step.frames)
    if any(_function_frame(c.frames) is not body for c in candidates):
        return candidates
    before = [c for c in candidates if c.span.start < step.span.start]
    surely_ran = [
        i for i, c in enumerate(before)
        if len(c.frames) <= len(step.frames) and all(a is b for a, b in zip(c.frames, step.frames))
    ]  # fmt: skip
    return before[surely_ran[-1]:] if surely_ran else before


def _declared_globals(function: cst.FunctionDef) -> Iterable[str]:
    """Names a function declares `global` (not looking into nested functions)."""
    stack: list[cst.CSTNode] = [function.body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Global):
            for item in node.names:
                yield item.name.value
            continue
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) and node is not function:
            continue
        stack.extend(node.children)


def collect_facts(wrapper: MetadataWrapper) -> ModuleFacts:
    return FactCollector(wrapper).collect()
