"""LR007 milestone-never-reached: a decay due after the last epoch of the loop that steps it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import TypeGuard

from lrlint.facts.loops import only_step, placement, untouched
from lrlint.facts.model import FileFacts, SchedulerFact
from lrlint.facts.needs import Needs
from lrlint.facts.ordering import step_ordering
from lrlint.facts.scenarios import build_scenario
from lrlint.rules.base import (
    RELATED,
    ConstructorRule,
    Finding,
    RuleContext,
    format_list,
)
from lrlint.verify.hooks import VerifyHook
from lrlint.verify.loop_evidence import judge_unreached

_HEADER = (
    "import torch\nfrom torch.optim.lr_scheduler import MultiStepLR, StepLR\n"
    "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
)
_LOOP = "for epoch in range({n}):\n    for b in loader:\n        optimizer.step()\n    scheduler.step()\n"


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


class MilestoneNeverReached(ConstructorRule):
    code = "LR007"
    schedulers = frozenset({"StepLR", "MultiStepLR"})
    needs = Needs(uses_of_classes=schedulers)  # how its variable is used (facts/loops.py)
    verification = VerifyHook(judge_unreached, ignored_keywords=("verbose",))
    VALID = (
        _HEADER + "scheduler = MultiStepLR(optimizer, milestones=[30, 60])\n" + _LOOP.format(n=90),
        _HEADER + "scheduler = StepLR(optimizer, step_size=30)\n" + _LOOP.format(n=90),
        # Per-iteration: stepped in the batch loop, its count is not the epoch count.
        _HEADER + "scheduler = StepLR(optimizer, 1000)\nfor epoch in range(20):\n    for b in loader:\n"
        "        optimizer.step()\n        scheduler.step()\n",
        # Resumed: the state restored may already be past the milestones.
        _HEADER + "scheduler = MultiStepLR(optimizer, [30, 80])\nscheduler.load_state_dict(ckpt['sched'])\n"
        + _LOOP.format(n=20),
        _HEADER + "scheduler = MultiStepLR(optimizer, [30, 80], last_epoch=start - 1)\n" + _LOOP.format(n=20),
        # A resume loop whose start is not a literal: the count is unknown.
        _HEADER + "scheduler = StepLR(optimizer, 30)\nfor epoch in range(start_epoch, 20):\n"
        "    train(optimizer)\n    scheduler.step()\n",
        # Stepped only every other epoch under a real condition.
        _HEADER + "scheduler = StepLR(optimizer, 15)\nfor epoch in range(20):\n    optimizer.step()\n"
        "    if epoch % 2:\n        scheduler.step()\n",
        # Built inside the loop: a new scheduler each epoch is another bug, not this one.
        _HEADER + "for epoch in range(20):\n    scheduler = StepLR(optimizer, 30)\n    optimizer.step()\n"
        "    scheduler.step()\n",
    )
    INVALID = (
        _HEADER + "scheduler = MultiStepLR(optimizer, milestones=[30, 80])\n" + _LOOP.format(n=20),
        _HEADER + "scheduler = StepLR(optimizer, step_size=20)\n" + _LOOP.format(n=20),
        _HEADER + "scheduler = MultiStepLR(optimizer, milestones=[30, 60, 90])\n" + _LOOP.format(n=90),
        _HEADER + "scheduler = StepLR(optimizer, 30)\nfor epoch in range(5, 25):\n    optimizer.step()\n"
        "    if scheduler is not None:\n        scheduler.step()\n",
    )

    def check_constructor(self, fact: SchedulerFact, facts: FileFacts, context: RuleContext) -> Iterator[Finding]:
        if not untouched(fact):
            return
        step = only_step(fact, facts)
        where = placement(fact, step, facts) if step is not None else None
        if step is None or where is None or not where.direct or len(where.loops) != 1:
            return
        epochs = where.loops[0].iterations
        if epochs is None or epochs <= 0:
            return
        ordering = step_ordering(step, facts)
        # A decay due at step N comes after the last epoch's training when the optimizer steps
        # first; stepped first (or in an order not seen), epoch N - 1 trains after step N.
        first_unused = epochs if ordering is not None and ordering.order == "optimizer-first" else epochs + 1
        loop = f"`{step.receiver}.step()` ({RELATED}) runs once per epoch of a {epochs}-epoch loop"
        flat = f"the learning rate stays at its initial value for all {epochs} epochs"
        if fact.cls == "StepLR":
            step_size = fact.values.get("step_size")
            if not _is_int(step_size) or step_size < first_unused:
                return
            message = f"`step_size={step_size}` is never reached: {loop}, so {flat}"
            arg = "step_size"
        else:
            milestones = fact.values.get("milestones")
            if not isinstance(milestones, (list, tuple)) or not milestones or not all(_is_int(m) for m in milestones):
                return
            unreached = sorted({m for m in milestones if m >= first_unused})
            if not unreached:
                return
            if len(unreached) == len(set(milestones)):
                message = f"milestones {format_list(milestones)} are never reached: {loop}, so {flat}"
            else:
                names = ", ".join(str(m) for m in unreached)
                plural = len(unreached) > 1
                message = (
                    f"milestone{'s' if plural else ''} {names} of {format_list(milestones)} "
                    f"{'are' if plural else 'is'} never reached: {loop}, so the decay"
                    f"{'s' if plural else ''} due there never happen{'' if plural else 's'}"
                )
            arg = "milestones"
        scenario = replace(build_scenario(fact, facts, step), epochs=epochs)
        yield Finding(fact.arg_span(arg), message, scenario, related=step.span.start)


RULE = MilestoneNeverReached()
