"""LR014 epoch-schedule-stepped-per-batch: an epoch-sized StepLR/MultiStepLR stepped in the batch loop."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeGuard

from lrlint.catalogue import schedulers
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
from lrlint.rules.examples import invalid
from lrlint.rules.judging import all_notes, change_epochs
from lrlint.rules.verification import VerifyHook
from lrlint.scenario import Scenario
from lrlint.verify.record import Run, Verdict, fmt

# Schedulers that decay at epochs their arguments name: every `step_size`, at `milestones`.
DECAYS = {name: s.decay for name, s in schedulers().items() if s.decay is not None and s.decay.param is not None}

_HEADER = (
    "import torch\nfrom torch.optim.lr_scheduler import MultiStepLR, StepLR\n"
    "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
)


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


# --- --verify: the judge -------------------------------------------------------------------


def judge(scenario: Scenario, run: Run, reference: Run | None) -> Verdict:
    """Stepped once per batch, the decays come after that many batches."""
    decay = DECAYS.get(run.scheduler)
    due = decay.due(run.params, run.horizon) if decay is not None else None
    if not due:
        return Verdict("inconclusive", f"no decay is due within the {run.horizon} steps run{all_notes(run)}")
    changes = change_epochs(run.trajectory)
    if changes != due:
        return Verdict("refuted", f"torch changes the lr at steps {changes[:8]}, not at {due[:8]}{all_notes(run)}")
    first = due[0]
    before, after = run.trajectory[first - 1], run.trajectory[first]
    shown = ", ".join(str(d) for d in due[:8]) + (" ..." if len(due) > 8 else "")
    return Verdict(
        "confirmed",
        f"stepped once per batch, the lr decays {fmt(before)} -> {fmt(after)} after {first} batches "
        f"(decays at steps {shown}, ending at {fmt(run.trajectory[-1])}): within the first epoch "
        f"whenever the loader yields more than {first} batches{all_notes(run)}",
    )


class EpochScheduleSteppedPerBatch(ConstructorRule):
    code = "LR014"
    schedulers = frozenset(DECAYS)
    needs = Needs(uses_of_classes=schedulers)  # how its variable is used (facts/loops.py)
    verification = VerifyHook(judge, ignored_keywords=("verbose",))
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
        invalid(
            _HEADER + "scheduler = StepLR(optimizer, step_size=30)\nfor epoch in range(90):\n    for b in loader:\n"
            "        optimizer.step()\n        scheduler.step()\n",
            "`scheduler.step()` runs once per batch, but `step_size=30` (line 4) fits the 90-epoch loop: the learning rate is multiplied by gamma every 30 batches, not every 30 epochs; step the scheduler once per epoch",
        ),
        invalid(
            _HEADER + "scheduler = MultiStepLR(optimizer, milestones=[30, 60])\nfor epoch in range(90):\n"
            "    for x, y in loader:\n        scaler.step(optimizer)\n        scaler.update()\n        scheduler.step()\n",
            "`scheduler.step()` runs once per batch, but milestones [30, 60] (line 4) fit the 90-epoch loop: the learning rate is decayed after 30, 60 batches, not at epochs 30, 60; step the scheduler once per epoch",
        ),
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
        decay = DECAYS[fact.cls]
        arg = decay.param or ""
        if decay.kind == "every":
            step_size = fact.values.get(arg)
            if not _is_int(step_size) or not 0 < step_size < epochs:
                return
            sized, verb = f"`{arg}={step_size}`", "fits"
            effect = f"multiplied by gamma every {step_size} batches, not every {step_size} epochs"
        else:
            milestones = fact.values.get(arg)
            if not isinstance(milestones, (list, tuple)) or not milestones or not all(_is_int(m) for m in milestones):
                return
            if not all(0 < m < epochs for m in milestones):
                return
            shown = ", ".join(str(m) for m in sorted(set(milestones)))
            sized, verb = f"{arg} {format_list(milestones)}", "fit"
            effect = f"decayed after {shown} batches, not at epochs {shown}"
        yield Finding(
            step.span,
            f"`{step.receiver}.step()` runs once per batch, but {sized} ({RELATED}) {verb} the "
            f"{epochs}-epoch loop: the learning rate is {effect}; step the scheduler once per epoch",
            build_scenario(fact, facts, step),
            related=fact.arg_span(arg).start,
        )


RULE = EpochScheduleSteppedPerBatch()
