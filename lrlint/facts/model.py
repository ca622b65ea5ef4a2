"""Facts about one module: torch schedulers and optimizers built, and `.step()` calls with the
control flow (functions, loops, conditions) around them. Rules read only these facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import libcst as cst

from lrlint.diagnostics import Position

FrameKind = Literal["module", "class", "function", "loop", "cond", "transparent"]


@dataclass(eq=False)
class Frame:
    """A block around a statement. Identity matters: two events share a frame iff `is`."""

    kind: FrameKind
    node: cst.CSTNode
    # For loops: the iteration count of a literal `range(...)` iterable, else None.
    iterations: int | None = None
    # For conditions: the dotted names the test only checks for presence (`if sched:`,
    # `if sched is not None:`); such a condition does not change the order of the first run.
    presence_checks: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Span:
    start: Position
    end: Position


@dataclass(eq=False)
class OptimizerCall:
    cls: str  # torch.optim class name, e.g. "SGD"
    node: cst.Call
    lr: Any  # literal or UNKNOWN


@dataclass(eq=False)
class SchedulerCall:
    cls: str  # torch.optim.lr_scheduler class name, e.g. "StepLR"
    node: cst.Call
    span: Span
    # Arguments bound to the signature's parameter names (the optimizer included).
    bound: dict[str, cst.Arg] = field(default_factory=dict)
    # Literal values of bound arguments; a parameter absent here but in `bound` is not literal.
    values: dict[str, Any] = field(default_factory=dict)
    # Parameters whose argument is surely a list or tuple, even when its items are not literals
    # (`[args.lr_drop]`, or a name every assignment of which is a list display).
    list_shaped: set[str] = field(default_factory=set)
    # Keywords the signature does not have, with their argument node.
    unexpected: dict[str, cst.Arg] = field(default_factory=dict)
    # Positional arguments beyond the signature.
    extra_positional: list[cst.Arg] = field(default_factory=list)
    star_args: bool = False
    star_kwargs: bool = False
    # Dotted name of the optimizer argument (`optimizer`, `self.opt`); None when not a plain name.
    optimizer_key: str | None = None
    # The variable that name refers to (scope and name), when it could be resolved.
    optimizer_binding: object | None = None
    optimizer: OptimizerCall | None = None
    # The frames around its construction.
    frames: tuple[Frame, ...] = ()
    steps: list[StepCall] = field(default_factory=list)

    def arg_span(self, name: str, spans: dict[cst.CSTNode, Span]) -> Span:
        arg = self.bound.get(name) or self.unexpected.get(name)
        return spans[arg] if arg is not None else self.span


@dataclass(eq=False)
class StepCall:
    """A call `receiver.step(...)` (or `scaler.step(optimizer)`, `xm.optimizer_step(optimizer)`)."""

    node: cst.Call
    span: Span
    receiver: str  # dotted name of the object whose method is called
    method: str  # "step" or "optimizer_step"
    first_arg: str | None  # dotted name of the first positional argument, if a plain name
    has_args: bool
    frames: tuple[Frame, ...]
    scheduler: SchedulerCall | None = None  # set when the receiver holds a torch scheduler
    # Every scheduler the receiver may hold (bound in several branches of an `if`).
    alternatives: tuple[SchedulerCall, ...] = ()
    # The variables the receiver and the first argument refer to, when resolved.
    receiver_binding: object | None = None
    first_arg_binding: object | None = None

    def steps_optimizer(self, key: str, binding: object | None = None) -> bool:
        """Whether this call steps the optimizer stored under `key` (the variable `binding`).

        `optimizer.step()` and `optimizer.step(closure)` do; so do `scaler.step(optimizer)`
        (GradScaler) and `xm.optimizer_step(optimizer)`, which step it on the caller's behalf.
        The same name bound to another variable (a parameter shadowing it) is another optimizer.
        """
        if self.scheduler is not None:
            return False
        if self.method == "step" and self.receiver == key:
            found = self.receiver_binding
        elif self.first_arg == key:
            found = self.first_arg_binding
        else:
            return False
        return binding is None or found is None or found == binding

    def through_other(self, key: str) -> bool:
        """Stepped on the optimizer's behalf (GradScaler, xla) rather than `optimizer.step()`."""
        return self.first_arg == key and self.receiver != key


@dataclass
class ModuleFacts:
    schedulers: list[SchedulerCall]
    optimizers: list[OptimizerCall]
    steps: list[StepCall]
    spans: dict[cst.CSTNode, Span]
