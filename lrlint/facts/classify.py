"""The torch classifier: reads the walk of a module and says which calls build torch schedulers and
optimizers, which `.step()` calls step which of them, and which other calls may be linked.

Names are resolved through the module's imports and scopes, so `from torch.optim.lr_scheduler
import StepLR as S` resolves and a user's own `StepLR` does not; a name bound to something else
as well (a class that redefines an imported `StepLR`) is not torch's. What cannot be resolved
with certainty is left unresolved.

It runs in three steps: every call is classified (no positions needed), the spans of the nodes
that become facts are computed in one pass (see positions.py), and the facts are built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from lrlint.catalogue import SchedulerSignature, schedulers
from lrlint.diagnostics import Position
from lrlint.facts.exits import may_exit
from lrlint.facts.literals import UNKNOWN, is_number, literal_value
from lrlint.facts.model import (
    Arg,
    CallSite,
    FileFacts,
    FunctionFact,
    MethodCallFact,
    OptimizerFact,
    Ref,
    SaveFact,
    SchedulerFact,
    Span,
    StepFact,
    Store,
)
from lrlint.facts.needs import Needs
from lrlint.facts.positions import Spans
from lrlint.facts.saves import PendingSave, saved_entry
from lrlint.facts.scopes import Binding, BindingKey, ImportBinding, binding_id
from lrlint.facts.state import restores_state
from lrlint.facts.syntax import (
    constant_value,
    descendants,
    dotted_name,
    is_constant,
    is_keyword,
    is_name,
    is_none,
    is_starred,
    keyword_args,
    keyword_name,
    keyword_value,
    positional_args,
)
from lrlint.facts.uses import UseIndex
from lrlint.facts.walker import (
    CallEvent,
    Context,
    FunctionRecord,
    Walk,
    Walker,
    target_key,
)

SCHEDULER_MODULE = "torch.optim.lr_scheduler"
OPTIMIZER_MODULE = "torch.optim."
_STEP_METHODS = ("step", "optimizer_step")
# Library functions that build a torch LambdaLR, and the position of their optimizer argument.
_HF_FACTORIES = (
    "get_linear_schedule_with_warmup", "get_cosine_schedule_with_warmup", "get_constant_schedule",
    "get_constant_schedule_with_warmup", "get_polynomial_decay_schedule_with_warmup",
    "get_cosine_with_hard_restarts_schedule_with_warmup",
)  # fmt: skip
FACTORIES: dict[str, int] = {
    **{f"{module}.{name}": 0 for module in ("transformers", "transformers.optimization", "diffusers.optimization") for name in _HF_FACTORIES},
    **{f"{module}.get_scheduler": 1 for module in ("transformers", "transformers.optimization", "diffusers.optimization")},
}
MAX_ALIASES = 8  # `a = b`, `b = self.c`, ... followed this far
_SCHEDULER_BASES = frozenset({"LRScheduler", "_LRScheduler"})
# Scheduler methods besides `step` whose calls are recorded as MethodCallFacts (LR010).
_SCHEDULER_METHODS = ("get_lr",)
_LIST_SHAPED = (cst.List, cst.Tuple, cst.ListComp)


@dataclass
class _Scheduler:
    event: CallEvent
    signature: SchedulerSignature
    bound: dict[str, cst.BaseExpression] = field(default_factory=dict)
    bound_nodes: dict[str, cst.CSTNode] = field(default_factory=dict)  # the argument, keyword included
    unexpected: dict[str, cst.Arg] = field(default_factory=dict)
    extra_positional: int = 0
    star_args: bool = False
    star_kwargs: bool = False
    steps: list[int] = field(default_factory=list)
    positional: list[str] = field(default_factory=list)
    factory: str | None = None  # `transformers.get_scheduler`: built by a library function
    factory_certain: bool = True  # the class is sure (not a `get_scheduler` name lrlint cannot read)


@dataclass
class _Step:
    event: CallEvent
    receiver: cst.BaseExpression
    candidates: list[int] = field(default_factory=list)


@dataclass
class _Linkable:
    event: CallEvent
    callee: str
    args: list[cst.Arg]  # positional, `*args` included
    keywords: list[cst.Arg]  # keyword, `**kwargs` included
    ctx: Context


def collect_facts(module: cst.Module, text: str, needs: Needs) -> FileFacts:
    """The facts of a module parsed with libcst from `text`, with the costly ones `needs` asks for."""
    return Classifier(Walker().run(module), module, text, needs).facts()


class Classifier:
    def __init__(self, walk: Walk, module: cst.Module, text: str, needs: Needs) -> None:
        self.walk = walk
        self.module = module
        self.text = text
        self.needs = needs
        self._restored: bool | None = None  # see _state_may_be_restored
        self._use_indexes: dict[int | None, UseIndex] = {}
        self._keys_of_value: dict[int, list[BindingKey]] | None = None
        self._calls_by_body: dict[int, _BodyCalls] | None = None
        self._functions_by_frame = {f.frame: f for f in walk.functions}
        self.saves: list[PendingSave] = []
        self.bindings = walk.bindings
        self.spans: Spans | None = None
        self.signatures = schedulers()
        self.schedulers: list[_Scheduler] = []
        self.scheduler_ids: dict[int, int] = {}  # id(call node) -> scheduler id
        self.optimizers: list[tuple[cst.Call, str, Context]] = []
        self.optimizer_ids: dict[int, int] = {}
        self.steps: list[_Step] = []
        self.method_calls: list[_Step] = []
        self._linkable: list[_Linkable] = []

    # ----------------------------------------------------------------- entry point
    def facts(self) -> FileFacts:
        for event in self.walk.calls:
            self._call(event)
        self.spans = Spans(self.module, self.text, self._span_nodes())
        steps = [self._step_candidates(step) for step in self.steps]
        for step_id, candidates in enumerate(steps):
            for candidate in candidates:
                self.schedulers[candidate].steps.append(step_id)
        calls = tuple(self._call_site(pending) for pending in self._linkable)
        return FileFacts(
            frames=self.walk.frozen_frames(self._loop_iterations()),
            schedulers=tuple(self._scheduler_fact(i, s) for i, s in enumerate(self.schedulers)),
            optimizers=tuple(self._optimizer_fact(i, *o) for i, o in enumerate(self.optimizers)),
            steps=tuple(self._step_fact(i, s, c) for i, (s, c) in enumerate(zip(self.steps, steps))),
            functions=tuple(self._function_fact(f) for f in self.walk.functions),
            classes=tuple(self.walk.classes),
            calls=calls,
            imports=tuple(self.walk.imports),
            constants=self._constants(),
            stores=tuple(self._stores()),
            method_calls=tuple(self._method_call_fact(i, m) for i, m in enumerate(self.method_calls)),
            saves=tuple(SaveFact(self.span(s.call), s.frames, s.entries) for s in self.saves),
            early_exits=self._early_exits(),
        )

    def span(self, node: cst.CSTNode) -> Span:
        assert self.spans is not None
        return self.spans.span(node)

    def _span_nodes(self) -> list[cst.CSTNode]:
        """Every node whose span a fact holds (and the calls whose order `_reaching` compares)."""
        nodes: list[cst.CSTNode] = [f.node for f in self.walk.functions]
        for record in self.schedulers:
            nodes.append(record.event.node)
            nodes.extend(record.bound_nodes.values())
            nodes.extend(record.unexpected.values())
        nodes.extend(call for call, _, _ in self.optimizers)
        for step in self.steps:
            nodes.append(step.event.node)
            nodes.extend(_argument_nodes(step.event.node))
        for method in self.method_calls:
            nodes.extend((method.event.node, method.event.node.func))
        nodes.extend(pending.event.node for pending in self._linkable)
        nodes.extend(save.call for save in self.saves)
        return nodes

    def _early_exits(self) -> frozenset[int]:
        """The `for` loops with a literal count whose body can leave them before the count is up."""
        if not self.schedulers or not self.needs.early_exits:
            return frozenset()
        found: set[int] = set()
        for index, record in enumerate(self.walk.frames):
            if record.loop_node is not None and may_exit(record.loop_node):
                found.add(index)
        return frozenset(found)

    # ----------------------------------------------------------------- calls
    def _call(self, event: CallEvent) -> None:
        call, ctx = event.node, event.ctx
        imported = self._qualified(call.func, ctx)  # resolved once: most calls are not imported names
        if imported == "torch.save" and not event.deferred:
            self._save(event)
            return
        qualified = imported if imported is not None and imported.startswith(OPTIMIZER_MODULE) else None
        if qualified is not None:
            if qualified.startswith(SCHEDULER_MODULE + "."):
                signature = self.signatures.get(qualified[len(SCHEDULER_MODULE) + 1:])
                if signature is not None:
                    self._scheduler(event, signature)
                return
            cls = qualified.rsplit(".", 1)[-1]
            # torch.optim.SGD, torch.optim.adamw.AdamW; not swa_utils' SWALR / AveragedModel.
            if cls[:1].isupper() and cls != "Optimizer" and ".swa_utils." not in qualified:
                self.optimizer_ids[id(call)] = len(self.optimizers)
                self.optimizers.append((call, cls, ctx))
            return
        func = call.func
        if is_name(func) and func.value in self.signatures and self._star_imported(func, ctx):
            self._scheduler(event, self.signatures[func.value])
            return
        if imported in FACTORIES and "LambdaLR" in self.signatures:
            self._factory(event, imported)
            return
        attribute = func.attr.value if type(func) is cst.Attribute else None
        if attribute in _SCHEDULER_METHODS and not event.deferred:
            if dotted_name(func.value) is not None:  # type: ignore[attr-defined]
                self.method_calls.append(_Step(event, func.value))  # type: ignore[attr-defined]  # still a candidate for linking below
        if attribute in _STEP_METHODS and not event.deferred:
            if dotted_name(func.value) is not None:  # type: ignore[attr-defined]
                self.steps.append(_Step(event, func.value))  # type: ignore[attr-defined]
                return
        callee = dotted_name(func)
        if callee is None or event.deferred:
            return
        partial = self._partial(func, ctx) if is_name(func) else None
        if partial is not None:
            # `step = functools.partial(self.train_step, model)`, then `step(batch)`: a call of
            # `self.train_step(model, batch)`.
            target, bound_args, bound_keywords, bound_ctx = partial
            if bound_ctx.frames[:1] and self._function_frame(bound_ctx.frames) == self._function_frame(ctx.frames):
                self._linkable.append(
                    _Linkable(event, bound_ctx.normalise(target), [*bound_args, *positional_args(call)], [*bound_keywords, *keyword_args(call)], ctx)
                )
            return
        if self._may_link(callee, ctx):
            self._linkable.append(_Linkable(event, ctx.normalise(callee), positional_args(call), keyword_args(call), ctx))

    def _partial(self, func: cst.Name, ctx: Context) -> tuple[str, list[cst.Arg], list[cst.Arg], Context] | None:
        """`name` bound once to `functools.partial(f, *args, **kwargs)` with `f` a dotted name."""
        bound = self.bindings.single(self.bindings.resolve(ctx.scope, func.value))
        if type(bound) is not cst.Call:
            return None
        positional = positional_args(bound)
        if not positional or is_starred(positional[0]) or dotted_name(positional[0].value) is None:
            return None
        where = self.walk.alias_ctx.get(id(bound))
        if where is None or self._qualified(bound.func, where) != "functools.partial":
            return None
        return dotted_name(positional[0].value) or "", positional[1:], keyword_args(bound), where

    def _qualified(self, func: cst.BaseExpression, ctx: Context) -> str | None:
        """The absolute dotted name of a callee imported with `import` (any module)."""
        dotted = dotted_name(func)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        target = self.bindings.import_target(self.bindings.resolve(ctx.scope, head))
        if target is None:
            return None
        return f"{target}.{rest}" if rest else target

    def _call_site(self, pending: _Linkable) -> CallSite:
        args, ctx = pending.args, pending.ctx
        starred = next((i for i, a in enumerate(args) if is_starred(a)), None)
        if starred is not None:
            args = args[:starred]  # positions after `*args` are unknown
        return CallSite(
            span=self.span(pending.event.node),
            frames=ctx.frames,
            callee=pending.callee,
            args=tuple(self.ref(a.value, ctx) for a in args),
            keywords=tuple((name, self.ref(k.value, ctx)) for k in pending.keywords if (name := keyword_name(k))),
        )

    def _may_link(self, callee: str, ctx: Context) -> bool:
        """Whether a call can reach a function of the linted tree: a name the module defines or
        imports (not from torch), or a method of `self`. Calls on local objects and builtins
        cannot, and are most calls: they are not recorded."""
        head = callee.split(".", 1)[0]
        if head == ctx.self_name:
            return True
        bound = self.bindings.of(self.bindings.resolve(ctx.scope, head))
        if not bound:
            return False
        imports = [b for b in bound if isinstance(b, ImportBinding)]
        if len(imports) == len(bound):
            return not any(b.level == 0 and (b.target == "torch" or b.target.startswith("torch.")) for b in imports)
        # A function defined here, once: a name also assigned (`train = other`) may be anything.
        return "." not in callee and len(bound) == 1

    def torch_name(self, func: cst.BaseExpression, ctx: Context) -> str | None:
        """The qualified name of a callee under `torch.optim`, when its import says so for sure."""
        qualified = self._qualified(func, ctx)
        return qualified if qualified is not None and qualified.startswith(OPTIMIZER_MODULE) else None

    # ----------------------------------------------------------------- uses and saves
    def uses_of(self, dotted: str, function: int | None) -> tuple[str, ...]:
        """The classified reads of a variable (see UseIndex.uses) in one function (by frame), or
        anywhere in the module (None): a function's variable is only read in its function."""
        index = self._use_indexes.get(function)
        if index is None:
            record = self._functions_by_frame.get(function) if function is not None else None
            index = self._use_indexes[function] = UseIndex(record.node if record is not None else self.module)
        return index.uses(dotted)

    def _target(self, node: cst.CSTNode, ctx: Context) -> tuple[str, int | None] | None:
        """The one variable a plain assignment binds `node` to, and the function (frame) its reads
        may be in: None for the whole module."""
        if self._keys_of_value is None:  # one pass over the table, not one per scheduler
            self._keys_of_value = {}
            for key, bound in self.bindings.table.items():
                for value in bound:
                    self._keys_of_value.setdefault(id(value), []).append(key)
        keys = self._keys_of_value.get(id(node), [])
        if len(keys) != 1:
            return None
        scope_id, name = keys[0]
        if name.startswith("self."):
            return name, None  # read by any method: the whole module is searched
        if scope_id == ctx.scope.id and ctx.scope.kind == "function":
            return name, self._function_frame(ctx.frames)
        if self.walk.module_scope is not None and scope_id == self.walk.module_scope.id:
            return name, None
        return None

    def _save(self, event: CallEvent) -> None:
        call, ctx = event.node, event.ctx
        positional = positional_args(call)
        if positional:
            if is_starred(positional[0]):
                return
            obj: cst.BaseExpression | None = positional[0].value
        else:
            obj = keyword_value(call, "obj")
        if obj is None:
            return
        if is_name(obj):
            # `ckpt = {...}; torch.save(ckpt, path)`: only when `ckpt` is read nowhere else.
            key = self.bindings.resolve(ctx.scope, obj.value)
            bound = self.bindings.single(key)
            target = self._target(bound, ctx) if type(bound) is cst.Dict else None
            if target is None or target[0] != obj.value or self.uses_of(obj.value, target[1]) != ("other",):
                return
            obj = bound
        if type(obj) is not cst.Dict:
            return
        entries = []
        for element in obj.elements:
            key_node = element.key if type(element) is cst.DictElement else None
            value = constant_value(key_node) if key_node is not None and is_constant(key_node) else None
            if not isinstance(value, str):
                return  # `**extra`, or a computed key: the dict is not known
            entries.append(saved_entry(value, element.value, ctx, self._binding_key_of))
        self.saves.append(PendingSave(call, ctx.frames, tuple(entries)))

    def _star_imported(self, func: cst.Name, ctx: Context) -> bool:
        """`from torch.optim.lr_scheduler import *`: a bare scheduler name nothing else binds."""
        return SCHEDULER_MODULE in self.walk.star_imports and self.bindings.resolve(ctx.scope, func.value) is None

    def _factory(self, event: CallEvent, factory: str) -> None:
        """`get_linear_schedule_with_warmup(optimizer, ...)`, `get_scheduler(name, optimizer, ...)`:
        a torch LambdaLR built by transformers or diffusers; only its optimizer is read."""
        call = event.node
        position = FACTORIES[factory]
        record = _Scheduler(event, self.signatures["LambdaLR"], factory=factory)
        positional = positional_args(call)
        optimizer = next((a for a in call.args if keyword_name(a) == "optimizer"), None)
        if optimizer is not None:
            record.bound["optimizer"], record.bound_nodes["optimizer"] = optimizer.value, optimizer
        elif len(positional) > position and not any(is_starred(a) for a in positional[: position + 1]):
            record.bound["optimizer"] = record.bound_nodes["optimizer"] = positional[position].value
        if factory.endswith(".get_scheduler"):
            # Its class follows the name: ReduceLROnPlateau for "reduce_lr_on_plateau".
            value: Any = UNKNOWN
            if positional:
                if not is_starred(positional[0]):
                    value = literal_value(positional[0].value, self.name_resolver(event.ctx))
            else:
                named = keyword_value(call, "name")
                value = literal_value(named, self.name_resolver(event.ctx)) if named is not None else UNKNOWN
            if value == "reduce_lr_on_plateau":
                return
            record.factory_certain = isinstance(value, str)
        self.scheduler_ids[id(call)] = len(self.schedulers)
        self.schedulers.append(record)

    def _scheduler(self, event: CallEvent, signature: SchedulerSignature) -> None:
        record = _Scheduler(event, signature)
        names = signature.param_names()
        position = 0
        call = event.node
        for arg in positional_args(call):
            if is_starred(arg):
                record.star_args = True
            elif record.star_args:
                pass  # positions after *args are unknown
            elif position < len(names):
                record.bound[names[position]] = arg.value
                record.bound_nodes[names[position]] = arg.value
                record.positional.append(names[position])
                position += 1
            else:
                record.extra_positional += 1
        for arg in keyword_args(call):
            name = keyword_name(arg)
            if name is None:
                record.star_kwargs = True
            elif name in names:
                record.bound[name] = arg.value
                record.bound_nodes[name] = arg
            else:
                record.unexpected[name] = arg
        self.scheduler_ids[id(call)] = len(self.schedulers)
        self.schedulers.append(record)

    # ----------------------------------------------------------------- resolution
    def name_resolver(self, ctx: Context) -> Any:
        def resolve(name: cst.Name) -> cst.BaseExpression | None:
            return self.bindings.single(self.bindings.resolve(ctx.scope, name.value))

        return resolve

    def _binding_key_of(self, expr: cst.BaseExpression, ctx: Context) -> BindingKey | None:
        """The variable a plain name, `self.attr` or `obj.attr` refers to; None for anything else."""
        if is_name(expr):
            return self.bindings.resolve(ctx.scope, expr.value)
        if type(expr) is cst.Attribute:
            value = expr.value
            if is_name(value) and value.value != ctx.self_name:
                return self.bindings.resolve(ctx.scope, f"{value.value}.{expr.attr.value}")
            return target_key(self.bindings, expr, ctx)
        return None

    def follow(self, expr: cst.BaseExpression, ctx: Context) -> tuple[BindingKey | None, list[Binding] | None, str | None, bool]:
        """(the variable, its bindings, its origin, whether an alias was followed) for a name.

        Plain aliases bound once (`scheduler = self.scheduler`, `opt, sched = self.opt,
        self.sched`) are followed to the variable they copy. The origin is set when the value
        comes from a parameter of the enclosing function (`train(args)`: `args.scheduler`).
        """
        aliased = False
        for _ in range(MAX_ALIASES):
            key = self._binding_key_of(expr, ctx)
            bound = self.bindings.of(key)
            if bound and len(bound) == 1 and (is_name(bound[0]) or type(bound[0]) is cst.Attribute):
                where = self.walk.alias_ctx.get(id(bound[0]))
                if where is not None:
                    expr, ctx, aliased = bound[0], where, True
                    continue
            return key, bound, self._origin(expr, ctx, key), aliased
        return None, None, None, aliased

    def _origin(self, expr: cst.BaseExpression, ctx: Context, key: BindingKey | None) -> str | None:
        function = self._function_frame(ctx.frames)
        if is_name(expr):
            return expr.value if key is not None and self.walk.param_keys.get(key) == function else None
        if type(expr) is cst.Attribute and is_name(expr.value) and key is None:
            head = self.bindings.resolve(ctx.scope, expr.value.value)
            if head is not None and self.walk.param_keys.get(head) == function:
                return f"{expr.value.value}.{expr.attr.value}"
        return None

    def ref(self, expr: cst.BaseExpression, ctx: Context) -> Ref:
        if is_none(expr):
            return Ref(None, none=True)
        dotted = dotted_name(expr)
        if type(expr) is cst.Call and id(expr) in self.scheduler_ids:
            return Ref(None, schedulers=(self.scheduler_ids[id(expr)],))
        if dotted is None:
            return Ref(None)
        key, bound, origin, _ = self.follow(expr, ctx)
        return Ref(ctx.normalise(dotted), binding_id(key), tuple(self._scheduler_bindings(bound)), origin)

    def _scheduler_bindings(self, bound: list[Binding] | None) -> list[int]:
        """The torch schedulers a variable holds, when every binding is one (or None)."""
        if not bound:
            return []
        found: list[int] = []
        for value in bound:
            if is_none(value):
                continue
            scheduler = self.scheduler_ids.get(id(value)) if type(value) is cst.Call else None
            if scheduler is None:
                return []
            found.append(scheduler)
        return found

    def _stores(self) -> list[Store]:
        """`obj.attr = value` in a function, for the values the link stage may look up: torch
        schedulers and optimizers, and names (aliases of them)."""
        found: list[Store] = []
        for (scope_id, name), bound in self.bindings.table.items():
            if "." not in name or name.startswith("self.") or len(bound) != 1 or scope_id not in self.walk.scope_frames:
                continue
            value = bound[0]
            where = self.walk.alias_ctx.get(id(value))
            if type(value) is cst.Call and (id(value) in self.scheduler_ids or id(value) in self.optimizer_ids):
                ref = self.ref(value, self._store_ctx(scope_id))
                if id(value) in self.optimizer_ids:
                    ref = Ref(name, binding_id((scope_id, name)))
            elif where is not None and isinstance(value, cst.BaseExpression):
                ref = self.ref(value, where)
            else:
                continue
            found.append(Store(self.walk.scope_frames[scope_id], name, ref))
        return found

    def _store_ctx(self, scope_id: int) -> Context:
        scope = self.walk.module_scope
        assert scope is not None
        return Context(frames=(self.walk.scope_frames[scope_id],), scope=scope)

    def _function_fact(self, record: FunctionRecord) -> FunctionFact:
        types = {name: kind for name, expr in record.annotations.items() if (kind := self._torch_type(expr, record.ctx)) is not None}
        return FunctionFact(
            frame=record.frame,
            name=record.node.name.value,
            qualname=record.qualname,
            span=self.span(record.node),
            params=record.params,
            class_name=record.class_name,
            self_name=record.self_name,
            param_types=types,
        )

    def _torch_type(self, annotation: cst.BaseExpression, ctx: Context) -> str | None:
        """"optimizer", "scheduler" or a scheduler class for a torch annotation (`Optional[X]`,
        `X | None` included); None for anything else."""
        if type(annotation) is cst.BinaryOperation and type(annotation.operator) is cst.BitOr:
            sides = [annotation.left, annotation.right]
            kept = [side for side in sides if not is_none(side)]
            return self._torch_type(kept[0], ctx) if len(kept) == 1 else None
        if type(annotation) is cst.Subscript and self._qualified(annotation.value, ctx) in ("typing.Optional",):
            elements = annotation.slice
            index = elements[0].slice if len(elements) == 1 else None
            if type(index) is not cst.Index or index.star is not None:
                return None
            return self._torch_type(index.value, ctx)
        qualified = self.torch_name(annotation, ctx)
        if qualified is None:
            return None
        cls = qualified.rsplit(".", 1)[-1]
        if qualified.startswith(SCHEDULER_MODULE + "."):
            return "scheduler" if cls in _SCHEDULER_BASES else cls if cls in self.signatures else None
        return "optimizer" if cls[:1].isupper() else None

    def _is_list_shaped(self, expr: cst.BaseExpression, ctx: Context) -> bool:
        if type(expr) in _LIST_SHAPED:
            return True
        if is_name(expr):
            key = self.bindings.resolve(ctx.scope, expr.value)
            bound = self.bindings.table.get(key, []) if key is not None else []
            return bool(bound) and all(type(b) in _LIST_SHAPED for b in bound)
        return False

    def _wants_uses(self, record: _Scheduler) -> bool:
        needs = self.needs
        return (
            record.signature.name in needs.uses_of_classes
            or (needs.uses_of_unstepped and not record.steps)
            or (needs.uses_when_saving and bool(self.saves))
        )

    def _scheduler_fact(self, index: int, record: _Scheduler) -> SchedulerFact:
        ctx = record.event.ctx
        resolve = self.name_resolver(ctx)
        values: dict[str, Any] = {}
        bound: dict[str, Arg] = {}
        for name, expr in record.bound.items():
            dotted = dotted_name(expr)
            bound[name] = Arg(
                self.span(record.bound_nodes[name]),
                ctx.normalise(dotted) if dotted else None,
                self._is_list_shaped(expr, ctx),
            )
        unexpected = {name: Arg(self.span(kw)) for name, kw in record.unexpected.items()}
        exprs = {**record.bound, **{name: kw.value for name, kw in record.unexpected.items()}}
        for name, expr in exprs.items():
            value = literal_value(expr, resolve)
            if value is not UNKNOWN:
                values[name] = value
        optimizer_expr = record.bound.get(record.signature.optimizer_param)
        optimizer_key = bound[record.signature.optimizer_param].dotted if optimizer_expr is not None else None
        optimizer_ref = self.ref(optimizer_expr, ctx) if optimizer_expr is not None and optimizer_key else None
        # Its reads cost a walk of the code that can see it: only for the rules that read them.
        # Without them `target` stays None and those rules stay silent.
        target = None if record.event.deferred or not self._wants_uses(record) else self._target(record.event.node, ctx)
        found_uses = self.uses_of(*target) if target is not None else None
        return SchedulerFact(
            id=index,
            cls=record.signature.name,
            span=self.span(record.event.node),
            bound=bound,
            values=values,
            unexpected=unexpected,
            extra_positional=record.extra_positional,
            star_args=record.star_args,
            star_kwargs=record.star_kwargs,
            optimizer_key=optimizer_key,
            optimizer_binding=optimizer_ref.binding if optimizer_ref is not None else None,
            optimizer=self._optimizer_of(optimizer_expr, ctx) if optimizer_expr is not None else None,
            frames=ctx.frames,
            steps=tuple(record.steps),
            optimizer_origin=optimizer_ref.origin if optimizer_ref is not None else None,
            lengths={
                name: len(expr.elements)  # type: ignore[attr-defined]
                for name, expr in record.bound.items()
                if type(expr) in (cst.List, cst.Tuple) and not any(type(e) is cst.StarredElement for e in expr.elements)  # type: ignore[attr-defined]
            },
            positional=tuple(record.positional),
            factory=record.factory,
            factory_certain=record.factory_certain,
            optimizer_fresh=optimizer_expr is not None and self.needs.optimizer_fresh and self._optimizer_fresh(record, optimizer_expr),
            target=ctx.normalise(target[0]) if target is not None and found_uses is not None else None,
            uses=found_uses or (),
        )

    # ----------------------------------------------------------------- state restored?
    def _optimizer_fresh(self, record: _Scheduler, optimizer_expr: cst.BaseExpression) -> bool:
        """Whether the optimizer is surely fresh when the scheduler is built (see SchedulerFact)."""
        optimizer = self._optimizer_of(optimizer_expr, record.event.ctx)
        if optimizer is None or self._state_may_be_restored():
            return False
        built, _, built_ctx = self.optimizers[optimizer]
        body = self._function_frame(record.event.ctx.frames)
        call = record.event.node
        if self._function_frame(built_ctx.frames) != body or not self._before(built, call):
            return False
        calls = self._body_calls(body)
        if calls.loads_state:
            return False
        key = dotted_name(optimizer_expr) if type(optimizer_expr) is not cst.Call else None
        # A helper handed the optimizer may load a checkpoint into it.
        return key is None or all(other is built for other in calls.handed.get(key, ()))

    def _body_calls(self, body: int) -> _BodyCalls:
        """What the calls of each function (or the module) do with names, indexed once: a
        module of 10,000 schedulers looks each one up instead of scanning every call per one."""
        if self._calls_by_body is None:
            self._calls_by_body = {}
            for event in self.walk.calls:
                owner = self._function_frame(event.ctx.frames)
                calls = self._calls_by_body.setdefault(owner, _BodyCalls())
                call = event.node
                func = call.func
                if type(func) is cst.Attribute and func.attr.value == "load_state_dict":
                    calls.loads_state = True
                if id(call) in self.scheduler_ids:
                    continue
                for arg in call.args:
                    dotted = dotted_name(arg.value)
                    if dotted is not None:
                        calls.handed.setdefault(dotted, []).append(call)
        return self._calls_by_body.get(body) or _BodyCalls()

    def _before(self, first: cst.CSTNode, second: cst.CSTNode) -> bool:
        """Whether `first` starts before `second` in the text."""
        a, b = self.span(first).start, self.span(second).start
        return (a.row, a.column) < (b.row, b.column)

    def _state_may_be_restored(self) -> bool:
        """Anywhere in the file: "initial_lr" written, param_groups assigned or extended."""
        if self._restored is None:
            self._restored = restores_state(self.module)
        return self._restored

    def _optimizer_of(self, expr: cst.BaseExpression, ctx: Context) -> int | None:
        if type(expr) is cst.Call:
            return self.optimizer_ids.get(id(expr))
        bound = self.follow(expr, ctx)[1] if is_name(expr) or type(expr) is cst.Attribute else None
        if not bound or len(bound) != 1 or type(bound[0]) is not cst.Call:
            return None
        return self.optimizer_ids.get(id(bound[0]))

    def _optimizer_fact(self, index: int, call: cst.Call, cls: str, ctx: Context) -> OptimizerFact:
        resolve = self.name_resolver(ctx)
        given = positional_args(call)
        positional = [a.value for a in given if not is_starred(a)]
        lr_args = [a.value for a in call.args if keyword_name(a) == "lr"]
        lr: Any = UNKNOWN
        if lr_args:
            lr = literal_value(lr_args[0], resolve)
        elif len(positional) >= 2 and len(positional) == len(given):
            lr = literal_value(positional[1], resolve)
        keywords: dict[str, Any] = {}
        opaque: list[str] = []
        params = positional[0] if positional else keyword_value(call, "params")
        groups = False
        if self.needs.optimizer_options:
            opaque = ["*args"] if len(positional) != len(given) else []
            for arg in keyword_args(call):
                name = keyword_name(arg)
                value = literal_value(arg.value, resolve) if name else UNKNOWN
                if name is None:
                    opaque.append("**kwargs")
                elif value is UNKNOWN:
                    opaque.append(name)
                else:
                    keywords[name] = value
            groups = params is not None and self._may_be_groups(params, ctx)
        return OptimizerFact(index, cls, self.span(call), lr if is_number(lr) else None, keywords, tuple(opaque), len(positional), groups)

    def _may_be_groups(self, params: cst.BaseExpression, ctx: Context) -> bool:
        """Whether an optimizer's params argument may hold param groups with options of their own."""
        if is_name(params):
            bound = self.name_resolver(ctx)(params)
            if bound is None:
                return True  # rebound, or a parameter: cannot tell
            params = bound
        if type(params) in (cst.Call, cst.Attribute):
            return False  # model.parameters(), filter(...), itertools.chain(...): plain tensors
        return any(
            type(node) in (cst.Dict, cst.DictComp) or (type(node) is cst.Call and dotted_name(node.func) == "dict")
            for node in descendants(params)
        )

    def _step_candidates(self, step: _Step) -> list[int]:
        """The schedulers the receiver may hold, when every binding of it is one (or None)."""
        _, bound, _, aliased = self.follow(step.receiver, step.event.ctx)
        found = self._scheduler_bindings(bound)
        if is_name(step.receiver) and not aliased:
            found = self._reaching(found, step)
        return found

    def _reaching(self, candidates: list[int], step: _Step) -> list[int]:
        """The constructions of a local name that can reach `step`, in the same body.

        `sched = StepLR(...)`, a loop stepping it, then `sched = ExponentialLR(...)` and another
        loop: each loop steps the scheduler built last before it. A construction under a condition
        the step is not under may or may not have run, so it stays a candidate beside the last one
        that surely ran. Across functions the order of calls is unknown: all candidates stay.
        """
        frames = step.event.ctx.frames
        body = self._function_frame(frames)
        built = [(c, self.schedulers[c].event) for c in candidates]
        if any(self._function_frame(e.ctx.frames) != body for _, e in built):
            return candidates
        before = [(c, e) for c, e in built if self._before(e.node, step.event.node)]
        surely_ran = [
            i for i, (_, e) in enumerate(before)
            if len(e.ctx.frames) <= len(frames) and e.ctx.frames == frames[: len(e.ctx.frames)]
        ]  # fmt: skip
        chosen = before[surely_ran[-1]:] if surely_ran else before
        return [c for c, _ in chosen]

    def _function_frame(self, frames: tuple[int, ...]) -> int:
        return next(f for f in reversed(frames) if self.walk.frames[f].kind in ("function", "module"))

    def _step_fact(self, index: int, step: _Step, candidates: list[int]) -> StepFact:
        ctx, call = step.event.ctx, step.event.node
        given = positional_args(call)
        positional = [a.value for a in given if not is_starred(a)]
        keywords = keyword_args(call)
        first = dotted_name(positional[0]) if positional else None
        receiver = self.ref(step.receiver, ctx)
        first_ref = self.ref(positional[0], ctx) if positional and first else None
        return StepFact(
            id=index,
            span=self.span(call),
            receiver=receiver.dotted or "",
            method=call.func.attr.value,  # type: ignore[attr-defined]
            first_arg=ctx.normalise(first) if first else None,
            has_args=bool(call.args),
            frames=ctx.frames,
            scheduler=candidates[-1] if candidates else None,
            alternatives=tuple(candidates),
            receiver_binding=receiver.binding,
            first_arg_binding=first_ref.binding if first_ref is not None else None,
            receiver_origin=receiver.origin,
            first_arg_origin=first_ref.origin if first_ref is not None else None,
            positional=len(positional),
            keywords=tuple(name for k in keywords if (name := keyword_name(k)) is not None),
            unpacked=len(positional) != len(given) or any(keyword_name(k) is None for k in keywords),
            all_none=bool(call.args) and all(is_none(a.value) and not is_starred(a) for a in call.args),
            args_span=self._args_span(call),
        )

    def _args_span(self, call: cst.Call) -> Span | None:
        """From the first argument (keyword included) to the end of the last, in source order."""
        nodes = _argument_nodes(call)
        if not nodes:
            return None
        return Span(self.span(nodes[0]).start, self.span(nodes[-1]).end)

    def _method_call_fact(self, index: int, record: _Step) -> MethodCallFact:
        ctx, call = record.event.ctx, record.event.node
        func = call.func
        assert type(func) is cst.Attribute
        candidates = self._step_candidates(record)
        receiver = self.ref(record.receiver, ctx)
        end = self.span(func).end
        method = func.attr.value
        return MethodCallFact(
            id=index,
            span=self.span(call),
            receiver=ctx.normalise(dotted_name(record.receiver) or ""),
            method=method,
            frames=ctx.frames,
            # The name ends where the attribute does (`a.get_lr`, even written `a . get_lr`).
            name_span=Span(Position(end.row, end.column - len(method)), end),
            has_args=bool(call.args),
            scheduler=candidates[-1] if candidates else None,
            alternatives=tuple(candidates),
            receiver_binding=receiver.binding,
            receiver_origin=receiver.origin,
        )

    def _loop_iterations(self) -> dict[int, int | None]:
        found: dict[int, int | None] = {}
        for index, record in enumerate(self.walk.frames):
            if record.loop_iter is not None:
                found[index] = self._range_length(*record.loop_iter)
        return found

    def _range_length(self, expr: cst.BaseExpression, ctx: Context) -> int | None:
        if not (
            type(expr) is cst.Call
            and is_name(expr.func)
            and expr.func.value == "range"
            and self.bindings.resolve(ctx.scope, "range") is None  # the builtin
        ):
            return None
        args = expr.args
        if any(is_keyword(a) or is_starred(a) for a in args) or not 1 <= len(args) <= 3:
            return None
        resolve = self.name_resolver(ctx)
        bounds = [literal_value(a.value, resolve) for a in args]
        if not all(isinstance(b, int) and not isinstance(b, bool) for b in bounds):
            return None
        try:
            return len(range(*bounds))
        except (ValueError, OverflowError):
            return None

    def _constants(self) -> dict[str, Any]:
        """Module-level names bound exactly once, to a literal."""
        module = self.walk.module_scope
        if module is None:
            return {}
        found: dict[str, Any] = {}
        root = Context(frames=(0,), scope=module)
        resolve = self.name_resolver(root)
        for (scope_id, name), bound in self.bindings.table.items():
            if scope_id != module.id or len(bound) != 1:
                continue
            value = bound[0]
            if not isinstance(value, cst.BaseExpression):
                continue
            if not (is_constant(value) or type(value) in (cst.List, cst.Tuple, cst.UnaryOperation, cst.BinaryOperation)):
                continue
            literal = literal_value(value, resolve) if (scope_id, name) not in self.bindings.mutated else UNKNOWN
            if literal is not UNKNOWN:
                found[name] = literal
        return found


@dataclass
class _BodyCalls:
    loads_state: bool = False  # some call is `<x>.load_state_dict(...)`
    # Dotted names handed as arguments to calls that are not scheduler constructions.
    handed: dict[str, list[cst.Call]] = field(default_factory=dict)


def _argument_nodes(call: cst.Call) -> list[cst.CSTNode]:
    """The arguments of a call in source order, each as Python's tree spans it: a positional
    argument is its expression (parentheses around it excluded), a keyword, `*args` or
    `**kwargs` the whole argument."""
    return [arg if arg.keyword is not None or arg.star else arg.value for arg in call.args]
