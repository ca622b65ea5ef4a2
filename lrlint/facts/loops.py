"""Where a scheduler's `step()` sits in the loops of the code that built it.

LR007, LR014 and LR016 reason about how often a scheduler is stepped: once per iteration of the
loops around its step that its construction is not in. That count is only known when every such
loop is a literal `range(...)` and no condition between the loop and the step can skip it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lrlint.facts.model import FileFacts, Frame, SchedulerFact, StepFact

# Uses of a scheduler's variable that may restore or replace its state (a helper it is passed to,
# `load_state_dict`, an attribute written): how often it is stepped no longer says where it is.
_PLAIN_USES = ("call:step", "call:get_last_lr", "call:get_lr", "call:state_dict", "call:print_lr", "test")


@dataclass(frozen=True)
class Placement:
    step: StepFact
    loops: tuple[Frame, ...]  # the loops around the step that the construction is not in, outermost first
    direct: bool  # nothing but presence checks between the innermost of them and the step


def untouched(fact: SchedulerFact) -> bool:
    """Built fresh (`last_epoch` absent or -1), held in one variable that is only stepped, read,
    saved or tested: nothing can resume it or step it behind lrlint's back."""
    if fact.target is None or fact.star_kwargs or fact.star_args:
        return False
    if "last_epoch" in fact.bound and fact.values.get("last_epoch") != -1:
        return False
    return all(use in _PLAIN_USES or use.startswith("attr:") for use in fact.uses)


def only_step(fact: SchedulerFact, facts: FileFacts) -> StepFact | None:
    """The one `step()` without arguments that steps this scheduler and no other."""
    if len(fact.steps) != 1 or fact.uses.count("call:step") != 1:
        return None
    step = facts.steps[fact.steps[0]]
    if step.scheduler != fact.id or set(step.alternatives) - {fact.id} or step.has_args or step.method != "step":
        return None
    return step


def placement(fact: SchedulerFact, step: StepFact, facts: FileFacts) -> Placement | None:
    """The loops that repeat `step` but not the construction; None when the two are not in one
    body (or, for `self.x`, when the construction is itself in a loop)."""
    built_in = facts.function_frame(fact.frames)
    stepped_in = facts.function_frame(step.frames)
    built_loops = _loops_after(fact.frames, built_in, facts)
    step_loops = _loops_after(step.frames, stepped_in, facts)
    if built_in == stepped_in:
        if step_loops[: len(built_loops)] != built_loops:
            return None
        extra = step_loops[len(built_loops):]
    elif fact.target is not None and fact.target.startswith("self.") and not built_loops:
        extra = step_loops
    else:
        return None
    if not extra:
        return None
    innermost = step.frames.index(extra[-1])
    direct = all(
        facts.frame(f).kind == "cond" and step.receiver in facts.frame(f).presence_checks
        for f in step.frames[innermost + 1:]
    )
    return Placement(step, tuple(facts.frame(f) for f in extra), direct)


def _loops_after(frames: tuple[int, ...], function: int, facts: FileFacts) -> list[int]:
    start = frames.index(function) if function in frames else 0
    return [f for f in frames[start + 1:] if facts.frame(f).kind == "loop"]


def optimizer_stepped_in(fact: SchedulerFact, loop: Frame, facts: FileFacts) -> bool:
    """Whether the scheduler's optimizer is stepped inside `loop` (per iteration of a batch loop)."""
    key = fact.optimizer_key
    if key is None:
        return False
    function = facts.function_frame(loop_frames(loop, facts))
    return any(
        s.steps_optimizer(key, fact.optimizer_binding) and loop.id in s.frames
        for s in facts.steps_on(function, key)
    )


def loop_frames(frame: Frame, facts: FileFacts) -> tuple[int, ...]:
    """The ids of `frame` and the frames around it, outermost first."""
    chain: list[int] = []
    current: Frame | None = frame
    while current is not None:
        chain.append(current.id)
        current = facts.frame(current.parent) if current.parent is not None else None
    return tuple(reversed(chain))


@dataclass(frozen=True)
class StepCount:
    """How many times a step call runs in one run of the code around it, read from literal loops."""

    count: int
    loops: tuple[int, ...]  # the iteration counts of the literal `range(...)` loops multiplied, outermost first


def step_count(step: StepFact, facts: FileFacts, built: tuple[int, ...] = ()) -> StepCount | None:
    """The product of the literal `range(...)` loops around `step` in its function, leaving out the
    loops that also hold the construction (`built`: its frames), which rebuild the scheduler.

    None when one of those loops is not a literal range, when a condition inside them that is not a
    presence check of the receiver may skip the step, or when no loop repeats it. A condition
    around every counted loop decides whether they run at all, not how often.
    """
    frames = step.frames
    function = facts.function_frame(frames)
    start = frames.index(function) + 1 if function in frames else 0
    shared = 0
    while shared < min(len(frames), len(built)) and frames[shared] == built[shared]:
        shared += 1
    counts: list[int] = []
    for frame_id in frames[max(start, shared):]:
        frame = facts.frame(frame_id)
        if frame.kind == "loop":
            if frame.iterations is None:
                return None
            counts.append(frame.iterations)
        elif frame.kind == "cond" and counts and step.receiver not in frame.presence_checks:
            return None
    if not counts:
        return None
    return StepCount(math.prod(counts), tuple(counts))


def may_resume(fact: SchedulerFact) -> bool:
    """Its schedule may not start from the beginning: `last_epoch` other than -1, or its state
    loaded (`load_state_dict`): then the steps a run makes say nothing about where it ends."""
    if "last_epoch" in fact.bound and fact.values.get("last_epoch") != -1:
        return True
    return "call:load_state_dict" in fact.uses


def scheduler_step_count(fact: SchedulerFact, facts: FileFacts) -> StepCount | None:
    """`step_count` of the one call that steps this scheduler and no other; None when there are
    several, or when it may resume."""
    if len(fact.steps) != 1 or may_resume(fact):
        return None
    step = facts.steps[fact.steps[0]]
    if step.scheduler != fact.id or set(step.alternatives) - {fact.id}:
        return None
    return step_count(step, facts, fact.frames)
