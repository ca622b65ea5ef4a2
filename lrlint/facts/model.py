"""What one file does, as plain data: positions and ids, never syntax-tree nodes.

A `FileFacts` is frozen and picklable: it is computed once per file content (in a worker process,
or read back from the cache) and is all that the rules and the link stage ever see. Identity is by
id: two events share a loop iff the loop's frame id is in both `frames` tuples.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import Any, Literal, Mapping, TypeVar

from lrlint.diagnostics import Position

FrameKind = Literal["module", "class", "function", "loop", "cond"]
T = TypeVar("T")


def compact(cls: type[T]) -> type[T]:
    """Pickle as (class, field values): a third of the default size and time, which the cache
    and the worker processes pay for every fact of every file."""
    names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]

    def reduce(self: T) -> tuple[type[T], tuple[Any, ...]]:
        return (cls, tuple(getattr(self, name) for name in names))

    cls.__reduce__ = reduce  # type: ignore[assignment,method-assign]
    return cls


@compact
@dataclass(frozen=True)
class Span:
    start: Position
    end: Position


@compact
@dataclass(frozen=True)
class Frame:
    """A block around a statement: the module, a class or function body, a loop, a branch."""

    id: int
    kind: FrameKind
    parent: int | None
    # For loops: the iteration count of a literal `range(...)` iterable, else None.
    iterations: int | None = None
    # For conditions: the dotted names the test only checks for presence (`if sched:`,
    # `if sched is not None:`); such a condition does not change the order of the first run.
    presence_checks: frozenset[str] = frozenset()
    # For `if` branches testing plain names only (`phase == 'train'`): the test, comparable with
    # another branch's, and the names it reads. Two branches with the same test on names not
    # rebound between them take the same way.
    test: str | None = None
    test_names: frozenset[str] = frozenset()
    # For loops: the names bound anywhere in the body (the loop's own target excluded).
    rebinds: frozenset[str] = frozenset()
    # For `if` branches: the test compares by order or `!=` (`if epoch >= 1:`): it may be false
    # on the first run, so a step under it may not run then.
    guard: bool = False


@compact
@dataclass(frozen=True)
class Arg:
    """One argument of a call, bound to a parameter name (or an unexpected keyword)."""

    span: Span
    dotted: str | None = None  # the argument as a dotted name (`optimizer`, `self.opt`)
    list_shaped: bool = False  # surely a list or tuple, even when its items are not literals


@compact
@dataclass(frozen=True)
class Ref:
    """What a name at one place holds, as far as its own file can tell."""

    dotted: str | None  # as written, `self` normalised
    binding: str | None = None  # the variable, after following plain aliases (`opt = self.opt`)
    schedulers: tuple[int, ...] = ()  # the torch schedulers it is bound to, when every binding is one
    # `param` or `param.attr` of the enclosing function when that is where the value comes from:
    # what it holds is what the callers pass (the link stage answers that).
    origin: str | None = None
    none: bool = False  # the literal `None`


@compact
@dataclass(frozen=True)
class Store:
    """`args.scheduler = scheduler` in a function: an attribute of an object it holds."""

    frame: int  # the function (or module) frame
    path: str  # `args.scheduler`
    ref: Ref


@compact
@dataclass(frozen=True)
class OptimizerFact:
    id: int
    cls: str  # torch.optim class name, e.g. "SGD"
    span: Span
    lr: int | float | None = None  # the literal lr, when there is one
    # Literal values of the keywords given (`momentum=0.9`); a keyword whose value is not a literal
    # is in `opaque`, with "*args" / "**kwargs" when the call has them.
    keywords: Mapping[str, Any] = field(default_factory=dict)
    opaque: tuple[str, ...] = ()
    positional: int = 0  # positional arguments, the parameters included
    # The parameters may be param groups with options of their own (dicts written out, or a name
    # lrlint cannot follow to what it holds).
    param_groups: bool = False


@compact
@dataclass(frozen=True)
class SchedulerFact:
    id: int
    cls: str  # torch.optim.lr_scheduler class name, e.g. "StepLR"
    span: Span
    # Arguments bound to the signature's parameter names (the optimizer included).
    bound: Mapping[str, Arg] = field(default_factory=dict)
    # Literal values of bound (and unexpected) arguments; absent when not a literal.
    values: Mapping[str, Any] = field(default_factory=dict)
    # Keywords the signature does not have.
    unexpected: Mapping[str, Arg] = field(default_factory=dict)
    extra_positional: int = 0  # positional arguments beyond the signature
    star_args: bool = False
    star_kwargs: bool = False
    # Dotted name of the optimizer argument (`optimizer`, `self.opt`); None when not a plain name.
    optimizer_key: str | None = None
    # The variable that name refers to, when it could be resolved (an opaque id).
    optimizer_binding: str | None = None
    optimizer: int | None = None  # id of the OptimizerFact it was built on, when in view
    frames: tuple[int, ...] = ()  # ids of the frames around the construction, outermost first
    steps: tuple[int, ...] = ()  # ids of the StepFacts that may step it
    optimizer_origin: str | None = None  # the optimizer argument is (an attribute of) a parameter
    # Item counts of arguments written as a list or tuple display (`schedulers=[a, b]`), even when
    # the items are not literals.
    lengths: Mapping[str, int] = field(default_factory=dict)
    positional: tuple[str, ...] = ()  # the parameters bound positionally, in order
    # The optimizer was built in view, in the same body, before this construction, and nothing in
    # the file may have restored its state (no `load_state_dict` call in that body, the optimizer
    # handed to no other call there, its param_groups never assigned, "initial_lr" never written).
    optimizer_fresh: bool = False
    # Built by a library function (`transformers.get_linear_schedule_with_warmup`), a LambdaLR;
    # `factory_certain` is False for `get_scheduler(name, ...)` with a name lrlint cannot read.
    factory: str | None = None
    factory_certain: bool = True
    # The variable a plain `x = Sched(...)` / `self.x = Sched(...)` binds it to (dotted, `self`
    # normalised); None when it is built in any other way (nested in a call, several targets...).
    target: str | None = None
    # How that variable is used in the code that can see it (see facts/uses.py): "call:<method>",
    # "attr:<name>", "test", "other". Counted by name, so shadowed names add uses, never hide one.
    uses: tuple[str, ...] = ()

    def arg_span(self, name: str) -> Span:
        arg = self.bound.get(name) or self.unexpected.get(name)
        return arg.span if arg is not None else self.span

    @property
    def list_shaped(self) -> frozenset[str]:
        return frozenset(name for name, arg in self.bound.items() if arg.list_shaped)


@compact
@dataclass(frozen=True)
class StepFact:
    """A call `receiver.step(...)` (or `scaler.step(optimizer)`, `xm.optimizer_step(optimizer)`)."""

    id: int
    span: Span
    receiver: str  # dotted name of the object whose method is called
    method: str  # "step" or "optimizer_step"
    first_arg: str | None  # dotted name of the first positional argument, if a plain name
    has_args: bool
    frames: tuple[int, ...]
    scheduler: int | None = None  # id of the torch scheduler the receiver holds, if known
    # Every scheduler the receiver may hold (bound in several branches of an `if`).
    alternatives: tuple[int, ...] = ()
    # The variables the receiver and the first argument refer to, when resolved.
    receiver_binding: str | None = None
    first_arg_binding: str | None = None
    # `param` / `param.attr` the receiver (first argument) comes from, for the link stage.
    receiver_origin: str | None = None
    first_arg_origin: str | None = None
    # The arguments as written: plain positional count, keyword names, `*`/`**` unpacking, whether
    # every argument is a literal None, and the span from the first argument to the last.
    positional: int = 0
    keywords: tuple[str, ...] = ()
    unpacked: bool = False
    all_none: bool = False
    args_span: Span | None = None

    def steps_optimizer(self, key: str, binding: str | None = None) -> bool:
        """Whether this call steps the optimizer stored under `key` (the variable `binding`).

        `optimizer.step()` and `optimizer.step(closure)` do; so do `scaler.step(optimizer)`
        (GradScaler) and `xm.optimizer_step(optimizer)`, which step it on the caller's behalf.
        The same name bound to another variable (a parameter shadowing it) is another optimizer;
        another name for the same variable (`opt = self.opt`) is the same one.
        """
        if self.scheduler is not None:
            return False
        if self.method == "step" and self.receiver == key:
            found = self.receiver_binding
        elif self.first_arg == key:
            found = self.first_arg_binding
        elif binding is not None:
            return (self.method == "step" and self.receiver_binding == binding) or self.first_arg_binding == binding
        else:
            return False
        return binding is None or found is None or found == binding

    @property
    def receiver_ref(self) -> Ref:
        return Ref(self.receiver, self.receiver_binding, (), self.receiver_origin)

    @property
    def first_arg_ref(self) -> Ref | None:
        return Ref(self.first_arg, self.first_arg_binding, (), self.first_arg_origin) if self.first_arg else None

    def through_other(self, key: str) -> bool:
        """Stepped on the optimizer's behalf (GradScaler, xla) rather than `optimizer.step()`."""
        return self.first_arg == key and self.receiver != key


@compact
@dataclass(frozen=True)
class MethodCallFact:
    """A call of a scheduler method other than `step` (`sched.get_lr()`) on a plain receiver."""

    id: int
    span: Span
    receiver: str  # dotted name, `self` normalised
    method: str
    frames: tuple[int, ...]
    name_span: Span  # the method's name after the dot
    has_args: bool = False
    scheduler: int | None = None  # id of the torch scheduler the receiver holds, if known
    alternatives: tuple[int, ...] = ()  # every scheduler it may hold
    receiver_binding: str | None = None
    receiver_origin: str | None = None  # `param` / `param.attr` it comes from, for the link stage

    @property
    def receiver_ref(self) -> Ref:
        return Ref(self.receiver, self.receiver_binding, (), self.receiver_origin)


@compact
@dataclass(frozen=True)
class FunctionFact:
    """A function or method definition, for the link stage."""

    frame: int  # id of its function frame
    name: str
    qualname: str  # within its module: `train`, `Trainer.fit`
    span: Span
    params: tuple[str, ...]  # in order, positional and keyword-only
    class_name: str | None = None  # the class it is defined in, for methods
    self_name: str | None = None  # name of its `self` parameter, for methods
    # Parameters annotated with a torch type: name -> "optimizer", "scheduler" (any torch
    # scheduler) or a scheduler class name (`StepLR`).
    param_types: Mapping[str, str] = field(default_factory=dict)


@compact
@dataclass(frozen=True)
class CallSite:
    """A call of something that is not a torch scheduler or optimizer: a candidate for linking."""

    span: Span
    frames: tuple[int, ...]
    callee: str  # the callee as a dotted name, `self` normalised (`train`, `self.train_epoch`)
    # What each positional argument (up to a `*args`) and each keyword argument holds.
    args: tuple[Ref, ...] = ()
    keywords: tuple[tuple[str, Ref], ...] = ()


@compact
@dataclass(frozen=True)
class ImportFact:
    """`import a.b as c` or `from .a import b as c`: `name` is bound to `target`."""

    name: str
    target: str  # dotted, relative to `level` packages up (0: absolute)
    level: int = 0


@compact
@dataclass(frozen=True)
class ClassFact:
    name: str
    bases: tuple[str, ...]  # dotted names as written


@compact
@dataclass(frozen=True)
class SavedEntry:
    """One `key: value` of a dict literal given to `torch.save`."""

    key: str
    # The receiver of a `<receiver>.state_dict()` value, dotted (`optimizer`, `self.opt`).
    state_dict_of: str | None = None
    state_dict_binding: str | None = None  # the variable that receiver refers to, when resolved
    names: tuple[str, ...] = ()  # every dotted name the value mentions
    opaque: bool = False  # the value calls something that may hold any state (not `.state_dict()`)


@compact
@dataclass(frozen=True)
class SaveFact:
    """A `torch.save(obj, ...)` call whose `obj` is a dict literal with string keys (directly, or
    through a name bound once to one, never mutated and used nowhere else)."""

    span: Span
    frames: tuple[int, ...]
    entries: tuple[SavedEntry, ...]


@compact
@dataclass(frozen=True)
class FileFacts:
    frames: tuple[Frame, ...]
    schedulers: tuple[SchedulerFact, ...] = ()
    optimizers: tuple[OptimizerFact, ...] = ()
    steps: tuple[StepFact, ...] = ()
    functions: tuple[FunctionFact, ...] = ()
    classes: tuple[ClassFact, ...] = ()
    calls: tuple[CallSite, ...] = ()
    imports: tuple[ImportFact, ...] = ()
    # Module-level names bound exactly once, to a literal.
    constants: Mapping[str, Any] = field(default_factory=dict)
    stores: tuple[Store, ...] = ()
    # Calls of scheduler methods other than `step` (`get_lr`), receivers resolved like steps'.
    method_calls: tuple[MethodCallFact, ...] = ()
    saves: tuple[SaveFact, ...] = ()  # `torch.save` of a literal dict
    # Ids of the `for` loops whose body may leave them early (`break`, `return`, `raise`): their
    # literal count is an upper bound, not the number of iterations run.
    early_exits: frozenset[int] = frozenset()

    def frame(self, frame_id: int) -> Frame:
        return self.frames[frame_id]

    def function_frame(self, frames: tuple[int, ...]) -> int:
        """The innermost function (or the module) among `frames`: the body an event runs in."""
        return next((f for f in reversed(frames) if self.frames[f].kind in ("function", "module")), 0)

    # Indexes built on first use (cached_property keeps them out of the pickled fields): comparing
    # each step with every step of the file would be quadratic on long files.
    @cached_property
    def _functions_by_frame(self) -> dict[int, FunctionFact]:
        return {f.frame: f for f in self.functions}

    @cached_property
    def _steps_by_function(self) -> dict[int, tuple[StepFact, ...]]:
        grouped: dict[int, list[StepFact]] = {}
        for step in self.steps:
            grouped.setdefault(self.function_frame(step.frames), []).append(step)
        return {owner: tuple(steps) for owner, steps in grouped.items()}

    @cached_property
    def _steps_by_name(self) -> dict[tuple[int, str], tuple[StepFact, ...]]:
        grouped: dict[tuple[int, str], list[StepFact]] = {}
        for step in self.steps:
            owner = self.function_frame(step.frames)
            for key in {k for k in (step.receiver, step.first_arg) if k is not None}:
                grouped.setdefault((owner, key), []).append(step)
        return {key: tuple(steps) for key, steps in grouped.items()}

    @cached_property
    def _steps_by_binding(self) -> dict[tuple[int, str], tuple[StepFact, ...]]:
        grouped: dict[tuple[int, str], list[StepFact]] = {}
        for step in self.steps:
            owner = self.function_frame(step.frames)
            for key in {k for k in (step.receiver_binding, step.first_arg_binding) if k is not None}:
                grouped.setdefault((owner, key), []).append(step)
        return {key: tuple(steps) for key, steps in grouped.items()}

    @cached_property
    def _schedulers_by_optimizer(self) -> dict[tuple[int | None, int | None], tuple[SchedulerFact, ...]]:
        grouped: dict[tuple[int | None, int | None], list[SchedulerFact]] = {}
        for fact in self.schedulers:
            # Built on a known optimizer: grouped by it; on an unknown one: by its function.
            key = (fact.optimizer, None) if fact.optimizer is not None else (None, self.function_frame(fact.frames))
            grouped.setdefault(key, []).append(fact)
        return {key: tuple(facts) for key, facts in grouped.items()}

    def schedulers_on(self, optimizer: int) -> tuple[SchedulerFact, ...]:
        """The schedulers built on the optimizer `optimizer` (an OptimizerFact id)."""
        return self._schedulers_by_optimizer.get((optimizer, None), ())

    def schedulers_on_unknown(self, function_frame: int) -> tuple[SchedulerFact, ...]:
        """The schedulers of a function (or the module) built on an optimizer not in view."""
        return self._schedulers_by_optimizer.get((None, function_frame), ())

    def steps_bound(self, function_frame: int, binding: str) -> tuple[StepFact, ...]:
        """The step calls in a function on the variable `binding`, under whatever name."""
        return self._steps_by_binding.get((function_frame, binding), ())

    def guarded(self, frames: tuple[int, ...]) -> bool:
        """Whether an event sits, within its function, under a comparison (`if epoch >= 1:`)."""
        for frame_id in reversed(frames):
            frame = self.frames[frame_id]
            if frame.kind in ("function", "module", "class"):
                return False
            if frame.guard:
                return True
        return False

    def function_at(self, frame: int) -> FunctionFact | None:
        """The function whose body is `frame`."""
        return self._functions_by_frame.get(frame)

    def steps_in(self, function_frame: int) -> tuple[StepFact, ...]:
        """The step calls whose innermost function (or the module) is `function_frame`."""
        return self._steps_by_function.get(function_frame, ())

    def steps_on(self, function_frame: int, name: str) -> tuple[StepFact, ...]:
        """The step calls in a function whose receiver or first argument is `name`: the only ones
        that can step the optimizer stored under it."""
        return self._steps_by_name.get((function_frame, name), ())

    def scheduler(self, scheduler_id: int) -> SchedulerFact:
        return self.schedulers[scheduler_id]

    def optimizer(self, optimizer_id: int | None) -> OptimizerFact | None:
        return None if optimizer_id is None else self.optimizers[optimizer_id]
