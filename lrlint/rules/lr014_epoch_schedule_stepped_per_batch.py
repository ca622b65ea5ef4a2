"""LR014 epoch-schedule-stepped-per-batch: an epoch-sized StepLR/MultiStepLR stepped in the batch loop."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeGuard

from lrlint.facts.loops import only_step, optimizer_stepped_in, placement, untouched
from lrlint.facts.model import FileFacts, SchedulerFact
from lrlint.facts.needs import Needs
from lrlint.facts.scenarios import build_scenario
from lrlint.rules.base import (
    RELATED,
    ConstructorRule,
    Finding,
    RuleContext,
    format_list,
)
from lrlint.verify.hooks import VerifyHook
from lrlint.verify.loop_evidence import judge_per_batch

_HEADER = (
    "import torch\nfrom torch.optim.lr_scheduler import MultiStepLR, StepLR\n"
    "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
)


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


class EpochScheduleSteppedPerBatch(ConstructorRule):
    code = "LR014"
    schedulers = frozenset({"StepLR", "MultiStepLR"})
    needs = Needs(uses_of_classes=schedulers)  # how its variable is used (facts/loops.py)
    verification = VerifyHook(judge_per_batch, ignored_keywords=("verbose",))
    VALID = (
        _HEADER + "scheduler = StepLR(optimizer, 30)\nfor epoch in range(90):\n    for b in loader:\n"
        "        optimizer.step()\n    scheduler.step()\n",
        # Sized in iterations: more steps than the epoch loop has epochs.
        _HEADER + "scheduler = MultiStepLR(optimizer, [60000, 80000])\nfor epoch in range(90):\n"
        "    for b in loader:\n        optimizer.step()\n        scheduler.step()\n",
        # Stepped every `accum` batches: the count is not per batch.
        _HEADER + "scheduler = StepLR(optimizer, 30)\nfor epoch in range(90):\n    for i, b in enumerate(loader):\n"
        "        if (i + 1) % accum == 0:\n            optimizer.step()\n            scheduler.step()\n",
        # An inner literal range: a count lrlint knows and the author chose.
        _HEADER + "scheduler = StepLR(optimizer, 30)\nfor epoch in range(90):\n    for i in range(4):\n"
        "        optimizer.step()\n        scheduler.step()\n",
        # The epoch loop's length is not a literal.
        _HEADER + "scheduler = StepLR(optimizer, 30)\nfor epoch in range(args.epochs):\n    for b in loader:\n"
        "        optimizer.step()\n        scheduler.step()\n",
    )
    INVALID = (
        _HEADER + "scheduler = StepLR(optimizer, step_size=30)\nfor epoch in range(90):\n    for b in loader:\n"
        "        optimizer.step()\n        scheduler.step()\n",
        _HEADER + "scheduler = MultiStepLR(optimizer, milestones=[30, 60])\nfor epoch in range(90):\n"
        "    for x, y in loader:\n        scaler.step(optimizer)\n        scaler.update()\n        scheduler.step()\n",
    )

    def check_constructor(self, fact: SchedulerFact, facts: FileFacts, context: RuleContext) -> Iterator[Finding]:
        if not untouched(fact):
            return
        step = only_step(fact, facts)
        where = placement(fact, step, facts) if step is not None else None
        if step is None or where is None or not where.direct or len(where.loops) != 2:
            return
        epoch_loop, batch_loop = where.loops
        epochs = epoch_loop.iterations
        if epochs is None or batch_loop.iterations is not None or not optimizer_stepped_in(fact, batch_loop, facts):
            return
        if fact.cls == "StepLR":
            step_size = fact.values.get("step_size")
            if not _is_int(step_size) or not 0 < step_size < epochs:
                return
            sized, arg, verb = f"`step_size={step_size}`", "step_size", "fits"
            effect = f"multiplied by gamma every {step_size} batches, not every {step_size} epochs"
        else:
            milestones = fact.values.get("milestones")
            if not isinstance(milestones, (list, tuple)) or not milestones or not all(_is_int(m) for m in milestones):
                return
            if not all(0 < m < epochs for m in milestones):
                return
            shown = ", ".join(str(m) for m in sorted(set(milestones)))
            sized, arg, verb = f"milestones {format_list(milestones)}", "milestones", "fit"
            effect = f"decayed after {shown} batches, not at epochs {shown}"
        yield Finding(
            step.span,
            f"`{step.receiver}.step()` runs once per batch, but {sized} ({RELATED}) {verb} the "
            f"{epochs}-epoch loop: the learning rate is {effect}; step the scheduler once per epoch",
            build_scenario(fact, facts, step),
            related=fact.arg_span(arg).start,
        )


RULE = EpochScheduleSteppedPerBatch()
