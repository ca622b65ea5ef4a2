"""When does a scheduler step run relative to its optimizer's step?

The answer is read inside one *region*: the innermost loop around the `scheduler.step()` call (or
its function when there is no loop), narrowed to the innermost condition around the call whose
test lrlint cannot see through. Only optimizer steps inside that region, in the same function,
are compared, so the order observed is the order of the first run of that region.
"""

from __future__ import annotations

from dataclasses import dataclass

from lrlint.facts.model import FileFacts, StepFact
from lrlint.scenario import StepOrder

# ReduceLROnPlateau.step(metric) reacts to a metric; stepping it first skips nothing.
ORDER_INSENSITIVE = frozenset({"ReduceLROnPlateau"})


@dataclass(frozen=True)
class Ordering:
    order: StepOrder
    optimizer_steps: tuple[StepFact, ...]  # the matching optimizer steps in the region
    through_scaler: bool  # the optimizer is stepped through a GradScaler (or xla)
    iterations: int | None  # literal `range(N)` count of the innermost loop around the step


def region_of(step: StepFact, facts: FileFacts) -> tuple[int, int]:
    """(the function or module frame, the anchor frame the comparison is confined to), as ids."""
    kinds = [facts.frame(f).kind for f in step.frames]
    function_index = max((i for i, k in enumerate(kinds) if k in ("function", "module")), default=0)
    anchor_index = function_index
    for index in range(function_index + 1, len(kinds)):
        if kinds[index] == "loop":
            anchor_index = index
    for index in range(anchor_index + 1, len(kinds)):
        frame = facts.frame(step.frames[index])
        if frame.kind == "cond" and step.receiver not in frame.presence_checks:
            anchor_index = index
    return step.frames[function_index], step.frames[anchor_index]


def _loop_iterations(step: StepFact, facts: FileFacts) -> int | None:
    for frame_id in reversed(step.frames):
        frame = facts.frame(frame_id)
        if frame.kind in ("function", "module", "class"):
            return None
        if frame.kind == "loop":
            return frame.iterations
    return None


def step_ordering(step: StepFact, facts: FileFacts) -> Ordering | None:
    """The order of `step` (a scheduler step) and its optimizer's steps, or None when unknown."""
    schedulers = [facts.scheduler(i) for i in (step.alternatives or ((step.scheduler,) if step.scheduler is not None else ()))]
    keys = {s.optimizer_key for s in schedulers}
    bindings = {s.optimizer_binding for s in schedulers}
    if not schedulers or len(keys) != 1 or None in keys or len(bindings) != 1:
        return None
    if any(s.cls in ORDER_INSENSITIVE for s in schedulers):
        return None
    if step.has_args:
        # `scheduler.step(epoch)`: the closed form for that epoch; stepping first skips nothing.
        return None
    key = keys.pop()
    binding = bindings.pop()
    assert key is not None
    function, anchor = region_of(step, facts)
    matching = tuple(
        other
        for other in facts.steps_on(function, key)
        if other.steps_optimizer(key, binding) and anchor in other.frames and region_of(other, facts)[0] == function
    )
    if not matching:
        return None
    first = min(matching, key=lambda s: s.span.start)
    order: StepOrder = "optimizer-first" if first.span.start < step.span.start else "scheduler-first"
    return Ordering(
        order=order,
        optimizer_steps=matching,
        through_scaler=any(s.through_other(key) for s in matching),
        iterations=_loop_iterations(step, facts),
    )
