"""The torch classifier: reads the walk of a module and says which calls build torch schedulers and
optimizers, which `.step()` calls step which of them, and which other calls may be linked.

Names are resolved through the module's imports and scopes, so `from torch.optim.lr_scheduler
import StepLR as S` resolves and a user's own `StepLR` does not; a name bound to something else
as well (a class that redefines an imported `StepLR`) is not torch's. What cannot be resolved
with certainty is left unresolved.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field, replace
from typing import Any

from lrlint.catalogue import SchedulerSignature, schedulers
from lrlint.diagnostics import Position
from lrlint.facts.literals import UNKNOWN, is_number, literal_value
from lrlint.facts.model import Arg, CallSite, FileFacts, FunctionFact, MethodCallFact, OptimizerFact, Ref, SavedEntry, SaveFact, SchedulerFact, Span, StepFact, Store
from lrlint.facts.scopes import Binding, BindingKey, ImportBinding, binding_id
from lrlint.facts.uses import Rows, UseIndex
from lrlint.facts.walker import (
    CallEvent,
    Context,
    Walk,
    Walker,
    dotted_name,
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
_USES_WANTED = frozenset({"StepLR", "MultiStepLR", "OneCycleLR"})  # LR007, LR014, LR016
MAX_ALIASES = 8  # `a = b`, `b = self.c`, ... followed this far
_SCHEDULER_BASES = frozenset({"LRScheduler", "_LRScheduler"})
# Scheduler methods besides `step` whose calls are recorded as MethodCallFacts (LR010).
_SCHEDULER_METHODS = ("get_lr",)
# Calls in a saved value that return plain data, not some object's whole state.
_PLAIN_METHODS = frozenset({"state_dict", "item", "cpu", "tolist", "detach", "clone", "numpy"})
_PLAIN_FUNCTIONS = frozenset({"int", "float", "str", "bool", "dict", "list", "tuple", "len", "vars", "round", "deepcopy", "copy.deepcopy"})


@dataclass
class _Scheduler:
    event: CallEvent
    signature: SchedulerSignature
    bound: dict[str, ast.expr] = field(default_factory=dict)
    bound_nodes: dict[str, ast.AST] = field(default_factory=dict)  # the argument, keyword included
    unexpected: dict[str, ast.keyword] = field(default_factory=dict)
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
    receiver: ast.expr
    candidates: list[int] = field(default_factory=list)


def collect_facts(module: ast.Module, text: str) -> FileFacts:
    return Classifier(Walker(text).run(module), module).facts()


class Classifier:
    def __init__(self, walk: Walk, module: ast.Module | None = None) -> None:
        self.walk = walk
        self.module = module
        self._restored: bool | None = None  # see _state_may_be_restored
        self._use_indexes: dict[int, UseIndex] = {}
        self._keys_of_value: dict[int, list[BindingKey]] | None = None
        self.saves: list[SaveFact] = []
        self.bindings = walk.bindings
        self.span = walk.positions.span
        self.signatures = schedulers()
        self.schedulers: list[_Scheduler] = []
        self.scheduler_ids: dict[int, int] = {}  # id(call node) -> scheduler id
        self.optimizers: list[tuple[ast.Call, str, Context]] = []
        self.optimizer_ids: dict[int, int] = {}
        self.steps: list[_Step] = []
        self.method_calls: list[_Step] = []
        self.calls: list[CallSite] = []
        self._linkable: list[tuple[CallEvent, str, list[ast.expr], list[ast.keyword], Context]] = []

    # ----------------------------------------------------------------- entry point
    def facts(self) -> FileFacts:
        for event in self.walk.calls:
            self._call(event)
        steps = [self._step_candidates(step) for step in self.steps]
        for step_id, candidates in enumerate(steps):
            for candidate in candidates:
                self.schedulers[candidate].steps.append(step_id)
        calls = tuple(self._call_site(*pending) for pending in self._linkable)
        return FileFacts(
            frames=self.walk.frozen_frames(self._loop_iterations()),
            schedulers=tuple(self._scheduler_fact(i, s) for i, s in enumerate(self.schedulers)),
            optimizers=tuple(self._optimizer_fact(i, *o) for i, o in enumerate(self.optimizers)),
            steps=tuple(self._step_fact(i, s, c) for i, (s, c) in enumerate(zip(self.steps, steps))),
            functions=tuple(self._function_facts()),
            classes=tuple(self.walk.classes),
            calls=calls,
            imports=tuple(self.walk.imports),
            constants=self._constants(),
            stores=tuple(self._stores()),
            method_calls=tuple(self._method_call_fact(i, m) for i, m in enumerate(self.method_calls)),
            saves=tuple(self.saves),
            early_exits=self._early_exits(),
        )

    def _early_exits(self) -> frozenset[int]:
        """The `for` loops with a literal count whose body can leave them before the count is up."""
        if not self.schedulers:
            return frozenset()
        found: set[int] = set()
        for index, record in enumerate(self.walk.frames):
            if record.loop_node is not None and _may_exit(record.loop_node.body):
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
        if isinstance(func, ast.Name) and func.id in self.signatures and self._star_imported(func, ctx):
            self._scheduler(event, self.signatures[func.id])
            return
        if imported in FACTORIES and "LambdaLR" in self.signatures:
            self._factory(event, imported)
            return
        if isinstance(func, ast.Attribute) and func.attr in _SCHEDULER_METHODS and not event.deferred:
            if dotted_name(func.value) is not None:
                self.method_calls.append(_Step(event, func.value))  # still a candidate for linking below
        if isinstance(func, ast.Attribute) and func.attr in _STEP_METHODS and not event.deferred:
            if dotted_name(func.value) is not None:
                self.steps.append(_Step(event, func.value))
                return
        callee = dotted_name(func)
        if callee is None or event.deferred:
            return
        partial = self._partial(func, ctx) if isinstance(func, ast.Name) else None
        if partial is not None:
            # `step = functools.partial(self.train_step, model)`, then `step(batch)`: a call of
            # `self.train_step(model, batch)`.
            target, bound_args, bound_keywords, bound_ctx = partial
            if bound_ctx.frames[:1] and self._function_frame(bound_ctx.frames) == self._function_frame(ctx.frames):
                self._linkable.append((event, bound_ctx.normalise(target), [*bound_args, *call.args], [*bound_keywords, *call.keywords], ctx))
            return
        if self._may_link(callee, ctx):
            self._linkable.append((event, ctx.normalise(callee), list(call.args), list(call.keywords), ctx))

    def _partial(self, func: ast.Name, ctx: Context) -> tuple[str, list[ast.expr], list[ast.keyword], Context] | None:
        """`name` bound once to `functools.partial(f, *args, **kwargs)` with `f` a dotted name."""
        bound = self.bindings.single(self.bindings.resolve(ctx.scope, func.id))
        if not (isinstance(bound, ast.Call) and bound.args and dotted_name(bound.args[0]) is not None):
            return None
        where = self.walk.alias_ctx.get(id(bound))
        if where is None or self._qualified(bound.func, where) != "functools.partial":
            return None
        return dotted_name(bound.args[0]) or "", list(bound.args[1:]), list(bound.keywords), where

    def _qualified(self, func: ast.expr, ctx: Context) -> str | None:
        """The absolute dotted name of a callee imported with `import` (any module)."""
        dotted = dotted_name(func)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        target = self.bindings.import_target(self.bindings.resolve(ctx.scope, head))
        if target is None:
            return None
        return f"{target}.{rest}" if rest else target

    def _call_site(self, event: CallEvent, callee: str, args: list[ast.expr], keywords: list[ast.keyword], ctx: Context) -> CallSite:
        starred = next((i for i, a in enumerate(args) if isinstance(a, ast.Starred)), None)
        if starred is not None:
            args = args[:starred]  # positions after `*args` are unknown
        return CallSite(
            span=self.span(event.node),
            frames=ctx.frames,
            callee=callee,
            args=tuple(self.ref(a, ctx) for a in args),
            keywords=tuple((k.arg, self.ref(k.value, ctx)) for k in keywords if k.arg),
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

    def torch_name(self, func: ast.expr, ctx: Context) -> str | None:
        """The qualified name of a callee under `torch.optim`, when its import says so for sure."""
        qualified = self._qualified(func, ctx)
        return qualified if qualified is not None and qualified.startswith(OPTIMIZER_MODULE) else None

    # ----------------------------------------------------------------- uses and saves
    def uses_of(self, dotted: str, rows: Rows | None) -> tuple[str, ...] | None:
        """The classified reads of a variable (see UseIndex.uses): within one function's rows, only
        that function is indexed (a second walk of the whole module costs as much as the first)."""
        root = self.walk.function_nodes.get(rows) if rows is not None else self.module
        if root is None:
            root = self.module
        if root is None:
            return None
        index = self._use_indexes.get(id(root))
        if index is None:
            index = self._use_indexes[id(root)] = UseIndex(root)
        return index.uses(dotted, rows)

    def _rows(self, ctx: Context) -> Rows | None:
        """The rows of the innermost function around `ctx`; None at module level."""
        frame = self._function_frame(ctx.frames)
        function = next((f for f in self.walk.functions if f.frame == frame), None)
        return (function.span.start.row, function.span.end.row) if function is not None else None

    def _target(self, node: ast.expr, ctx: Context) -> tuple[str, Rows | None] | None:
        """The one variable a plain assignment binds `node` to, and the rows its reads may be in."""
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
            return name, self._rows(ctx)
        if self.walk.module_scope is not None and scope_id == self.walk.module_scope.id:
            return name, None
        return None

    def _save(self, event: CallEvent) -> None:
        call, ctx = event.node, event.ctx
        positional = [a for a in call.args if not isinstance(a, ast.Starred)]
        obj = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "obj"), None)
        if obj is None or (call.args and not positional) or isinstance(obj, ast.Starred):
            return
        if isinstance(obj, ast.Name):
            # `ckpt = {...}; torch.save(ckpt, path)`: only when `ckpt` is read nowhere else.
            key = self.bindings.resolve(ctx.scope, obj.id)
            bound = self.bindings.single(key)
            target = self._target(bound, ctx) if isinstance(bound, ast.Dict) else None
            if target is None or target[0] != obj.id or self.uses_of(obj.id, target[1]) != ("other",):
                return
            obj = bound
        if not isinstance(obj, ast.Dict):
            return
        entries: list[SavedEntry] = []
        for key_node, value in zip(obj.keys, obj.values):
            if not (isinstance(key_node, ast.Constant) and isinstance(key_node.value, str)):
                return  # `**extra`, or a computed key: the dict is not known
            entries.append(self._saved_entry(key_node.value, value, ctx))
        self.saves.append(SaveFact(self.span(call), ctx.frames, tuple(entries)))

    def _saved_entry(self, key: str, value: ast.expr, ctx: Context) -> SavedEntry:
        names: set[str] = set()
        opaque = False
        for node in ast.walk(value):
            if isinstance(node, (ast.Name, ast.Attribute)) and (dotted := dotted_name(node)) is not None:
                names.add(ctx.normalise(dotted))
            elif isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Attribute) and func.attr in _PLAIN_METHODS:
                    continue
                if dotted_name(func) not in _PLAIN_FUNCTIONS:
                    opaque = True
            elif isinstance(node, (ast.Lambda, ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)):
                opaque = True
        receiver: str | None = None
        binding: str | None = None
        if (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and value.func.attr == "state_dict"
            and not value.args
            and not value.keywords
            and (dotted := dotted_name(value.func.value)) is not None
        ):
            receiver = ctx.normalise(dotted)
            binding = binding_id(self._binding_key_of(value.func.value, ctx))
        return SavedEntry(key, receiver, binding, tuple(sorted(names)), opaque)

    def _star_imported(self, func: ast.Name, ctx: Context) -> bool:
        """`from torch.optim.lr_scheduler import *`: a bare scheduler name nothing else binds."""
        return SCHEDULER_MODULE in self.walk.star_imports and self.bindings.resolve(ctx.scope, func.id) is None

    def _factory(self, event: CallEvent, factory: str) -> None:
        """`get_linear_schedule_with_warmup(optimizer, ...)`, `get_scheduler(name, optimizer, ...)`:
        a torch LambdaLR built by transformers or diffusers; only its optimizer is read."""
        call = event.node
        position = FACTORIES[factory]
        record = _Scheduler(event, self.signatures["LambdaLR"], factory=factory)
        optimizer = next((k for k in call.keywords if k.arg == "optimizer"), None)
        if optimizer is not None:
            record.bound["optimizer"], record.bound_nodes["optimizer"] = optimizer.value, optimizer
        elif len(call.args) > position and not any(isinstance(a, ast.Starred) for a in call.args[: position + 1]):
            record.bound["optimizer"] = record.bound_nodes["optimizer"] = call.args[position]
        if factory.endswith(".get_scheduler"):
            # Its class follows the name: ReduceLROnPlateau for "reduce_lr_on_plateau".
            named = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "name"), None)
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
        for arg in event.node.args:
            if isinstance(arg, ast.Starred):
                record.star_args = True
            elif record.star_args:
                pass  # positions after *args are unknown
            elif position < len(names):
                record.bound[names[position]] = arg
                record.bound_nodes[names[position]] = arg
                record.positional.append(names[position])
                position += 1
            else:
                record.extra_positional += 1
        for keyword in event.node.keywords:
            if keyword.arg is None:
                record.star_kwargs = True
            elif keyword.arg in names:
                record.bound[keyword.arg] = keyword.value
                record.bound_nodes[keyword.arg] = keyword
            else:
                record.unexpected[keyword.arg] = keyword
        self.scheduler_ids[id(event.node)] = len(self.schedulers)
        self.schedulers.append(record)

    # ----------------------------------------------------------------- resolution
    def name_resolver(self, ctx: Context) -> Any:
        def resolve(name: ast.Name) -> ast.expr | None:
            return self.bindings.single(self.bindings.resolve(ctx.scope, name.id))

        return resolve

    def _binding_key_of(self, expr: ast.expr, ctx: Context) -> BindingKey | None:
        """The variable a plain name, `self.attr` or `obj.attr` refers to; None for anything else."""
        if isinstance(expr, ast.Name):
            return self.bindings.resolve(ctx.scope, expr.id)
        if isinstance(expr, ast.Attribute):
            if isinstance(expr.value, ast.Name) and expr.value.id != ctx.self_name:
                return self.bindings.resolve(ctx.scope, f"{expr.value.id}.{expr.attr}")
            return target_key(self.bindings, expr, ctx)
        return None

    def follow(self, expr: ast.expr, ctx: Context) -> tuple[BindingKey | None, list[Binding] | None, str | None, bool]:
        """(the variable, its bindings, its origin, whether an alias was followed) for a name.

        Plain aliases bound once (`scheduler = self.scheduler`, `opt, sched = self.opt,
        self.sched`) are followed to the variable they copy. The origin is set when the value
        comes from a parameter of the enclosing function (`train(args)`: `args.scheduler`).
        """
        aliased = False
        for _ in range(MAX_ALIASES):
            key = self._binding_key_of(expr, ctx)
            bound = self.bindings.of(key)
            if bound and len(bound) == 1 and isinstance(bound[0], (ast.Name, ast.Attribute)):
                where = self.walk.alias_ctx.get(id(bound[0]))
                if where is not None:
                    expr, ctx, aliased = bound[0], where, True
                    continue
            return key, bound, self._origin(expr, ctx, key), aliased
        return None, None, None, aliased

    def _origin(self, expr: ast.expr, ctx: Context, key: BindingKey | None) -> str | None:
        function = self._function_frame(ctx.frames)
        if isinstance(expr, ast.Name):
            return expr.id if key is not None and self.walk.param_keys.get(key) == function else None
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and key is None:
            head = self.bindings.resolve(ctx.scope, expr.value.id)
            if head is not None and self.walk.param_keys.get(head) == function:
                return f"{expr.value.id}.{expr.attr}"
        return None

    def ref(self, expr: ast.expr, ctx: Context) -> Ref:
        if isinstance(expr, ast.Constant) and expr.value is None:
            return Ref(None, none=True)
        dotted = dotted_name(expr)
        if isinstance(expr, ast.Call) and id(expr) in self.scheduler_ids:
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
            if isinstance(value, ast.Constant) and value.value is None:
                continue
            scheduler = self.scheduler_ids.get(id(value)) if isinstance(value, ast.Call) else None
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
            if isinstance(value, ast.Call) and (id(value) in self.scheduler_ids or id(value) in self.optimizer_ids):
                ref = self.ref(value, self._store_ctx(scope_id))
                if id(value) in self.optimizer_ids:
                    ref = Ref(name, binding_id((scope_id, name)))
            elif where is not None and isinstance(value, ast.expr):
                ref = self.ref(value, where)
            else:
                continue
            found.append(Store(self.walk.scope_frames[scope_id], name, ref))
        return found

    def _store_ctx(self, scope_id: int) -> Context:
        scope = self.walk.module_scope
        assert scope is not None
        return Context(frames=(self.walk.scope_frames[scope_id],), scope=scope)

    def _function_facts(self) -> list[FunctionFact]:
        found = []
        for function, (annotated, ctx) in zip(self.walk.functions, self.walk.annotations):
            types = {name: kind for name, expr in annotated.items() if (kind := self._torch_type(expr, ctx)) is not None}
            found.append(replace(function, param_types=types) if types else function)
        return found

    def _torch_type(self, annotation: ast.expr, ctx: Context) -> str | None:
        """"optimizer", "scheduler" or a scheduler class for a torch annotation (`Optional[X]`,
        `X | None` included); None for anything else."""
        if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
            sides = [annotation.left, annotation.right]
            kept = [side for side in sides if not (isinstance(side, ast.Constant) and side.value is None)]
            return self._torch_type(kept[0], ctx) if len(kept) == 1 else None
        if isinstance(annotation, ast.Subscript) and self._qualified(annotation.value, ctx) in ("typing.Optional",):
            return self._torch_type(annotation.slice, ctx)
        qualified = self.torch_name(annotation, ctx)
        if qualified is None:
            return None
        cls = qualified.rsplit(".", 1)[-1]
        if qualified.startswith(SCHEDULER_MODULE + "."):
            return "scheduler" if cls in _SCHEDULER_BASES else cls if cls in self.signatures else None
        return "optimizer" if cls[:1].isupper() else None

    def _is_list_shaped(self, expr: ast.expr, ctx: Context) -> bool:
        if isinstance(expr, (ast.List, ast.Tuple, ast.ListComp)):
            return True
        if isinstance(expr, ast.Name):
            key = self.bindings.resolve(ctx.scope, expr.id)
            bound = self.bindings.table.get(key, []) if key is not None else []
            return bool(bound) and all(isinstance(b, (ast.List, ast.Tuple, ast.ListComp)) for b in bound)
        return False

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
        # Its reads cost a walk of the code that can see it: only for the rules that read them
        # (a scheduler never stepped here: LR012; the loop rules' classes; a file that saves a
        # checkpoint: LR015). Without them `target` stays None and those rules stay silent.
        wanted = not record.steps or record.signature.name in _USES_WANTED or bool(self.saves)
        target = None if record.event.deferred or not wanted else self._target(record.event.node, ctx)
        found_uses = self.uses_of(target[0], target[1]) if target is not None else None
        target_uses = found_uses or ()
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
                name: len(expr.elts)
                for name, expr in record.bound.items()
                if isinstance(expr, (ast.List, ast.Tuple)) and not any(isinstance(e, ast.Starred) for e in expr.elts)
            },
            positional=tuple(record.positional),
            factory=record.factory,
            factory_certain=record.factory_certain,
            optimizer_fresh=optimizer_expr is not None and self._optimizer_fresh(record, optimizer_expr),
            target=ctx.normalise(target[0]) if target is not None and found_uses is not None else None,
            uses=target_uses,
        )

    # ----------------------------------------------------------------- state restored?
    def _optimizer_fresh(self, record: _Scheduler, optimizer_expr: ast.expr) -> bool:
        """Whether the optimizer is surely fresh when the scheduler is built (see SchedulerFact)."""
        optimizer = self._optimizer_of(optimizer_expr, record.event.ctx)
        if optimizer is None or self._state_may_be_restored():
            return False
        built, _, built_ctx = self.optimizers[optimizer]
        body = self._function_frame(record.event.ctx.frames)
        call = record.event.node
        if self._function_frame(built_ctx.frames) != body or (built.lineno, built.col_offset) >= (call.lineno, call.col_offset):
            return False
        key = dotted_name(optimizer_expr) if not isinstance(optimizer_expr, ast.Call) else None
        for event in self.walk.calls:
            if self._function_frame(event.ctx.frames) != body or event.node is call:
                continue
            func = event.node.func
            if isinstance(func, ast.Attribute) and func.attr == "load_state_dict":
                return False
            if key is None or id(event.node) in self.scheduler_ids or event.node is built:
                continue
            handed = [*event.node.args, *(k.value for k in event.node.keywords)]
            if any(dotted_name(a.value if isinstance(a, ast.Starred) else a) == key for a in handed):
                return False  # a helper may load a checkpoint into it
        return True

    def _state_may_be_restored(self) -> bool:
        """Anywhere in the file: "initial_lr" written, param_groups assigned or extended."""
        if self.module is None:
            return True
        if self._restored is None:
            self._restored = any(_restores_state(node) for node in ast.walk(self.module))
        return self._restored

    def _optimizer_of(self, expr: ast.expr, ctx: Context) -> int | None:
        if isinstance(expr, ast.Call):
            return self.optimizer_ids.get(id(expr))
        bound = self.follow(expr, ctx)[1] if isinstance(expr, (ast.Name, ast.Attribute)) else None
        if not bound or len(bound) != 1 or not isinstance(bound[0], ast.Call):
            return None
        return self.optimizer_ids.get(id(bound[0]))

    def _optimizer_fact(self, index: int, call: ast.Call, cls: str, ctx: Context) -> OptimizerFact:
        resolve = self.name_resolver(ctx)
        positional = [a for a in call.args if not isinstance(a, ast.Starred)]
        lr_args = [k.value for k in call.keywords if k.arg == "lr"]
        lr: Any = UNKNOWN
        if lr_args:
            lr = literal_value(lr_args[0], resolve)
        elif len(positional) >= 2 and len(positional) == len(call.args):
            lr = literal_value(positional[1], resolve)
        keywords: dict[str, Any] = {}
        opaque: list[str] = ["*args"] if len(positional) != len(call.args) else []
        for keyword in call.keywords:
            value = literal_value(keyword.value, resolve) if keyword.arg else UNKNOWN
            if keyword.arg is None:
                opaque.append("**kwargs")
            elif value is UNKNOWN:
                opaque.append(keyword.arg)
            else:
                keywords[keyword.arg] = value
        params = positional[0] if positional else next((k.value for k in call.keywords if k.arg == "params"), None)
        return OptimizerFact(
            index, cls, self.span(call), lr if is_number(lr) else None, keywords, tuple(opaque), len(positional),
            params is not None and self._may_be_groups(params, ctx),
        )

    def _may_be_groups(self, params: ast.expr, ctx: Context) -> bool:
        """Whether an optimizer's params argument may hold param groups with options of their own."""
        if isinstance(params, ast.Name):
            bound = self.name_resolver(ctx)(params)
            if bound is None:
                return True  # rebound, or a parameter: cannot tell
            params = bound
        if isinstance(params, ast.Call):
            return False  # model.parameters(), filter(...), itertools.chain(...): plain tensors
        if isinstance(params, ast.Attribute):
            return False
        return any(isinstance(node, (ast.Dict, ast.DictComp)) or (isinstance(node, ast.Call) and dotted_name(node.func) == "dict") for node in ast.walk(params))

    def _step_candidates(self, step: _Step) -> list[int]:
        """The schedulers the receiver may hold, when every binding of it is one (or None)."""
        _, bound, _, aliased = self.follow(step.receiver, step.event.ctx)
        found = self._scheduler_bindings(bound)
        if isinstance(step.receiver, ast.Name) and not aliased:
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
        here = (step.event.node.lineno, step.event.node.col_offset)
        before = [(c, e) for c, e in built if (e.node.lineno, e.node.col_offset) < here]
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
        positional = [a for a in call.args if not isinstance(a, ast.Starred)]
        first = dotted_name(positional[0]) if positional else None
        receiver = self.ref(step.receiver, ctx)
        first_ref = self.ref(positional[0], ctx) if positional and first else None
        return StepFact(
            id=index,
            span=self.span(call),
            receiver=receiver.dotted or "",
            method=call.func.attr,  # type: ignore[attr-defined]
            first_arg=ctx.normalise(first) if first else None,
            has_args=bool(call.args or call.keywords),
            frames=ctx.frames,
            scheduler=candidates[-1] if candidates else None,
            alternatives=tuple(candidates),
            receiver_binding=receiver.binding,
            first_arg_binding=first_ref.binding if first_ref is not None else None,
            receiver_origin=receiver.origin,
            first_arg_origin=first_ref.origin if first_ref is not None else None,
            positional=len(positional),
            keywords=tuple(k.arg for k in call.keywords if k.arg is not None),
            unpacked=len(positional) != len(call.args) or any(k.arg is None for k in call.keywords),
            all_none=bool(call.args or call.keywords) and all(
                isinstance(a, ast.Constant) and a.value is None for a in (*call.args, *(k.value for k in call.keywords))
            ),
            args_span=self._args_span(call),
        )

    def _args_span(self, call: ast.Call) -> Span | None:
        """From the first argument (keyword included) to the end of the last, in source order."""
        nodes: list[ast.AST] = [*call.args, *call.keywords]
        if not nodes:
            return None
        nodes.sort(key=lambda n: (n.lineno, n.col_offset))  # type: ignore[attr-defined]
        return Span(self.span(nodes[0]).start, self.span(nodes[-1]).end)

    def _method_call_fact(self, index: int, record: _Step) -> MethodCallFact:
        ctx, call = record.event.ctx, record.event.node
        func = call.func
        assert isinstance(func, ast.Attribute)
        candidates = self._step_candidates(record)
        receiver = self.ref(record.receiver, ctx)
        end = self.span(func).end
        return MethodCallFact(
            id=index,
            span=self.span(call),
            receiver=ctx.normalise(dotted_name(record.receiver) or ""),
            method=func.attr,
            frames=ctx.frames,
            # The name ends where the attribute does (`a.get_lr`, even written `a . get_lr`).
            name_span=Span(Position(end.row, end.column - len(func.attr)), end),
            has_args=bool(call.args or call.keywords),
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

    def _range_length(self, expr: ast.expr, ctx: Context) -> int | None:
        if not (
            isinstance(expr, ast.Call)
            and isinstance(expr.func, ast.Name)
            and expr.func.id == "range"
            and self.bindings.resolve(ctx.scope, "range") is None  # the builtin
        ):
            return None
        if expr.keywords or any(isinstance(a, ast.Starred) for a in expr.args) or not 1 <= len(expr.args) <= 3:
            return None
        resolve = self.name_resolver(ctx)
        bounds = [literal_value(a, resolve) for a in expr.args]
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
            if scope_id != module.id or len(bound) != 1 or not isinstance(bound[0], (ast.Constant, ast.List, ast.Tuple, ast.UnaryOp, ast.BinOp)):
                continue
            value = literal_value(bound[0], resolve) if (scope_id, name) not in self.bindings.mutated else UNKNOWN
            if value is not UNKNOWN:
                found[name] = value
        return found


def _restores_state(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and node.value == "initial_lr":
        return True
    if isinstance(node, ast.Attribute) and node.attr == "add_param_group":
        return True
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        targets = [node.target]
    return any(isinstance(n, ast.Attribute) and n.attr == "param_groups" for t in targets for n in ast.walk(t))


def _may_exit(body: list[ast.stmt]) -> bool:
    """A `break` of this loop, or a `return` / `raise` anywhere in it (not in nested definitions)."""
    stack: list[tuple[ast.AST, bool]] = [(statement, False) for statement in body]
    while stack:
        node, nested_loop = stack.pop()
        if isinstance(node, (ast.Return, ast.Raise)) or (isinstance(node, ast.Break) and not nested_loop):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        inner = nested_loop or isinstance(node, (ast.For, ast.AsyncFor, ast.While))
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.stmt, ast.excepthandler, ast.match_case)):
                stack.append((child, inner))
    return False
