"""LR007 milestone-never-reached: a decay due after the last epoch of the loop that steps it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import TypeGuard

from lrlint.catalogue import schedulers
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
from lrlint.rules.examples import invalid
from lrlint.rules.judging import all_notes, stepped_as_the_loop
from lrlint.rules.verification import VerifyHook
from lrlint.scenario import Scenario
from lrlint.signatures import Decay
from lrlint.verify.record import Run, Verdict, fmt, same

# Schedulers that decay at epochs their arguments name: every `step_size`, at `milestones`.
DECAYS = {name: s.decay for name, s in schedulers().items() if s.decay is not None and s.decay.param is not None}

_HEADER = (
    "import torch\nfrom torch.optim.lr_scheduler import MultiStepLR, StepLR\n"
    "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
)
_LOOP = "for epoch in range({n}):\n    for b in loader:\n        optimizer.step()\n    scheduler.step()\n"


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


# --- --verify: the judge -------------------------------------------------------------------


def _ints(value: object) -> list[int] | None:
    if isinstance(value, list) and value and all(_is_int(v) for v in value):
        return value
    return None


def judge(scenario: Scenario, run: Run, reference: Run | None) -> Verdict:
    """Over the loop's N steps, the lr each epoch trains with never takes the decays due at or
    after step N (a decay at step N comes after the last epoch's training)."""
    short = stepped_as_the_loop(scenario, run)
    if short is not None:
        return short
    decay = DECAYS.get(run.scheduler)
    if decay is None or decay.param is None:
        return Verdict("inconclusive", f"{run.scheduler} does not decay at epochs its arguments name")
    n = run.horizon
    shift = 0 if run.order == "optimizer-first" else 1  # stepped first: epoch e trains after e + 1 steps
    changes = [e for e in range(1, len(run.applied)) if not same(run.applied[e], run.applied[e - 1])]
    per = f"{n} steps, one per epoch of range({n}){all_notes(run)}"
    if decay.kind == "every":
        period = run.params.get(decay.param)
        if not changes:
            return Verdict(
                "confirmed",
                f"lr stays {fmt(run.base_lr)} in all {n} epochs: {run.scheduler}'s first decay is due at step "
                f"{period}, and the loop makes {per}",
            )
        return Verdict("refuted", f"lr changes at epoch {changes[0]} of {n} ({per})")
    milestones = _ints(run.params.get(decay.param))
    if milestones is None:
        return Verdict("inconclusive", f"{run.scheduler} was built, but its {decay.param} are not a list of integers")
    distinct = sorted(set(milestones))
    effective = [m for m in distinct if 1 <= m - shift <= n - 1]  # a change visible between epochs
    unreached = [m for m in distinct if m - shift >= n]
    if len(changes) != len(effective):
        return Verdict(
            "inconclusive",
            f"the lr changes at epochs {changes[:8]} of {n}, not once per milestone before step {n} ({per})",
        )
    if not unreached:
        return Verdict("refuted", f"every milestone of {distinct} takes effect within the {n} epochs ({per})")
    if not changes:
        return Verdict(
            "confirmed",
            f"lr stays {fmt(run.base_lr)} in all {n} epochs: milestones {unreached} are never reached ({per})",
        )
    shown = ", ".join(str(c) for c in changes)
    return Verdict(
        "confirmed",
        f"lr decays at epochs {shown} only, ending at {fmt(run.applied[-1])}: milestones {unreached} "
        f"are never reached ({per})",
    )


class MilestoneNeverReached(ConstructorRule):
    code = "LR007"
    schedulers = frozenset(DECAYS)
    needs = Needs(uses_of_classes=schedulers)  # how its variable is used (facts/loops.py)
    verification = VerifyHook(judge, ignored_keywords=("verbose",))
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
        invalid(
            _HEADER + "scheduler = MultiStepLR(optimizer, milestones=[30, 80])\n" + _LOOP.format(n=20),
            "milestones [30, 80] are never reached: `scheduler.step()` (line 8) runs once per epoch of a 20-epoch loop, so the learning rate stays at its initial value for all 20 epochs",
        ),
        invalid(
            _HEADER + "scheduler = StepLR(optimizer, step_size=20)\n" + _LOOP.format(n=20),
            "`step_size=20` is never reached: `scheduler.step()` (line 8) runs once per epoch of a 20-epoch loop, so the learning rate stays at its initial value for all 20 epochs",
        ),
        invalid(
            _HEADER + "scheduler = MultiStepLR(optimizer, milestones=[30, 60, 90])\n" + _LOOP.format(n=90),
            "milestone 90 of [30, 60, 90] is never reached: `scheduler.step()` (line 8) runs once per epoch of a 90-epoch loop, so the decay due there never happens",
        ),
        invalid(
            _HEADER + "scheduler = StepLR(optimizer, 30)\nfor epoch in range(5, 25):\n    optimizer.step()\n"
            "    if scheduler is not None:\n        scheduler.step()\n",
            "`step_size=30` is never reached: `scheduler.step()` (line 8) runs once per epoch of a 20-epoch loop, so the learning rate stays at its initial value for all 20 epochs",
        ),
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
        decay: Decay = DECAYS[fact.cls]
        arg = decay.param or ""
        if decay.kind == "every":
            step_size = fact.values.get(arg)
            if not _is_int(step_size) or step_size < first_unused:
                return
            message = f"`{arg}={step_size}` is never reached: {loop}, so {flat}"
        else:
            milestones = fact.values.get(arg)
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
        scenario = replace(build_scenario(fact, facts, step), epochs=epochs)
        yield Finding(fact.arg_span(arg), message, scenario, related=step.span.start)


RULE = MilestoneNeverReached()
