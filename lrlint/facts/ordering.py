"""When does a scheduler step run relative to its optimizer's step?

The answer is read inside one *region*: the innermost loop around the `scheduler.step()` call (or
its function when there is no loop), narrowed to the innermost condition around the call whose
test lrlint cannot see through. Only optimizer steps inside that region, in the same function,
are compared, so the order observed is the order of the first run of that region.

Two conditions that test the same plain names the same way (`if phase == 'train':`), with the
names not rebound in the loop, take the same way: a step under the first and a step under the
second are in one region, ordered as written.
"""

from __future__ import annotations

from dataclasses import dataclass

from lrlint.catalogue import schedulers
from lrlint.facts.loops import StepCount, step_count
from lrlint.facts.model import FileFacts, StepFact
from lrlint.scenario import StepOrder


def order_insensitive(cls: str | None) -> bool:
    """Stepping it before its optimizer skips nothing (ReduceLROnPlateau follows its metric)."""
    signature = schedulers().get(cls) if cls is not None else None
    return signature is not None and signature.order_insensitive


@dataclass(frozen=True)
class Ordering:
    order: StepOrder
    optimizer_steps: tuple[StepFact, ...]  # the matching optimizer steps in the region
    through_scaler: bool  # the optimizer is stepped through a GradScaler (or xla)
    count: StepCount | None  # how often the step runs, from the literal loops around it


@dataclass(frozen=True)
class Region:
    function: int  # the function (or module) frame the step runs in
    anchor: int  # the loop or condition the comparison is confined to
    tests: tuple[str, ...] = ()  # plain tests between the anchor and the step: the other must meet them too

    def contains(self, frames: tuple[int, ...], facts: FileFacts) -> bool:
        """Whether an event with these frames runs in the region (in the same first run)."""
        if self.anchor not in frames or facts.function_frame(frames) != self.function:
            return False
        if not self.tests:
            return True
        inner = frames[frames.index(self.anchor) + 1:]
        met = {facts.frame(f).test for f in inner}
        return all(test in met for test in self.tests)


def region(frames: tuple[int, ...], receiver: str, facts: FileFacts) -> Region:
    kinds = [facts.frame(f).kind for f in frames]
    function_index = max((i for i, k in enumerate(kinds) if k in ("function", "module")), default=0)
    anchor_index = function_index
    for index in range(function_index + 1, len(kinds)):
        if kinds[index] == "loop":
            anchor_index = index
    tests: list[str] = []
    for index in range(anchor_index + 1, len(kinds)):
        frame = facts.frame(frames[index])
        if frame.kind != "cond" or receiver in frame.presence_checks:
            continue
        anchor = facts.frame(frames[anchor_index])
        if frame.test is not None and anchor.kind == "loop" and not (frame.test_names & anchor.rebinds):
            tests.append(frame.test)
            continue
        anchor_index, tests = index, []
    return Region(frames[function_index], frames[anchor_index], tuple(tests))


def region_of(step: StepFact, facts: FileFacts) -> tuple[int, int]:
    """(the function or module frame, the anchor frame the comparison is confined to), as ids."""
    found = region(step.frames, step.receiver, facts)
    return found.function, found.anchor


def step_ordering(step: StepFact, facts: FileFacts) -> Ordering | None:
    """The order of `step` (a scheduler step) and its optimizer's steps, or None when unknown."""
    found = [facts.scheduler(i) for i in (step.alternatives or ((step.scheduler,) if step.scheduler is not None else ()))]
    keys = {s.optimizer_key for s in found}
    bindings = {s.optimizer_binding for s in found}
    if not found or len(keys) != 1 or None in keys or len(bindings) != 1:
        return None
    if any(order_insensitive(s.cls) for s in found):
        return None
    if step.has_args:
        # `scheduler.step(epoch)`: the closed form for that epoch; stepping first skips nothing.
        return None
    key = keys.pop()
    binding = bindings.pop()
    assert key is not None
    where = region(step.frames, step.receiver, facts)
    candidates = facts.steps_on(where.function, key)
    if binding is not None:
        candidates = tuple({s.id: s for s in (*candidates, *facts.steps_bound(where.function, binding))}.values())
    matching = tuple(
        other for other in candidates if other.steps_optimizer(key, binding) and where.contains(other.frames, facts)
    )
    if not matching:
        return None
    first = min(matching, key=lambda s: s.span.start)
    order: StepOrder = "optimizer-first" if first.span.start < step.span.start else "scheduler-first"
    return Ordering(
        order=order,
        optimizer_steps=matching,
        through_scaler=any(s.through_other(key) or (s.first_arg_binding == binding and s.receiver_binding != binding) for s in matching),
        count=step_count(step, facts, found[0].frames if len(found) == 1 else ()),
    )
