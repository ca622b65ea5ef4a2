"""LR016 onecycle-too-few-steps: OneCycleLR sized for fewer steps than its loop makes, or
sized per batch and stepped once per epoch."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import replace

from lrlint.catalogue import schedulers
from lrlint.facts.loops import only_step, placement, untouched
from lrlint.facts.model import FileFacts, SchedulerFact
from lrlint.facts.needs import Needs
from lrlint.facts.scenarios import build_scenario
from lrlint.rules.base import RELATED, ConstructorRule, Finding, RuleContext
from lrlint.rules.examples import invalid
from lrlint.rules.judging import all_notes, stepped_as_the_loop
from lrlint.rules.verification import VerifyHook
from lrlint.scenario import Scenario
from lrlint.verify.record import Run, Verdict, fmt, same

_HEADER = (
    "import torch\nfrom torch.optim.lr_scheduler import OneCycleLR\n"
    "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
)


def _positive_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


# --- --verify: the judge -------------------------------------------------------------------


def judge(scenario: Scenario, run: Run, reference: Run | None) -> Verdict:
    """Past its total steps OneCycleLR raises; stepped once per epoch it stays in warm-up."""
    if run.construct_error:
        return Verdict("inconclusive", f"construction raised {run.construct_error}")
    short = stepped_as_the_loop(scenario, run)
    total = run.params.get("total_steps")
    if total is None and isinstance(run.params.get("epochs"), int) and isinstance(run.params.get("steps_per_epoch"), int):
        total = run.params["epochs"] * run.params["steps_per_epoch"]
    if run.step_error is not None:
        if run.step_error.startswith("ValueError: Tried to step") and run.step_error_at == (total or 0) + 1:
            return Verdict(
                "confirmed",
                f"step {run.step_error_at} of the loop's {scenario.epochs} raises {run.step_error}{all_notes(run)}",
            )
        return Verdict("inconclusive", f"step {run.step_error_at} raises {run.step_error}, not the error predicted")
    if short is not None:
        return short
    max_lr = run.params.get("max_lr")
    values = run.trajectory
    rising = all(b > a or same(a, b) for a, b in zip(values, values[1:]))
    if not isinstance(max_lr, (int, float)) or isinstance(max_lr, bool):
        return Verdict("inconclusive", f"max_lr is not a single number ({max_lr!r}){all_notes(run)}")
    if rising and values[-1] < max_lr and not same(values[-1], max_lr):
        return Verdict(
            "confirmed",
            f"after {run.horizon} steps (one per epoch) the lr has only risen {fmt(values[0])} -> "
            f"{fmt(values[-1])}, still warming up towards max_lr {fmt(float(max_lr))}: the cycle has "
            f"{total} steps{all_notes(run)}",
        )
    return Verdict(
        "refuted",
        f"over {run.horizon} steps the lr goes {fmt(values[0])} -> {fmt(max(values))} (peak) -> "
        f"{fmt(values[-1])}: the cycle gets past its warm-up{all_notes(run)}",
    )


class OneCycleTooFewSteps(ConstructorRule):
    code = "LR016"
    schedulers = frozenset({"OneCycleLR"})
    needs = Needs(uses_of_classes=schedulers, early_exits=True)
    verification = VerifyHook(judge, ignored_keywords=("verbose",), expects_failure=True)
    VALID = (
        _HEADER + "scheduler = OneCycleLR(optimizer, max_lr=0.1, total_steps=1000)\nfor i in range(1000):\n"
        "    optimizer.step()\n    scheduler.step()\n",
        _HEADER + "scheduler = OneCycleLR(optimizer, 0.1, epochs=10, steps_per_epoch=100)\nfor epoch in range(10):\n"
        "    for i in range(100):\n        optimizer.step()\n        scheduler.step()\n",
        # Per batch over a loader: the count is not known.
        _HEADER + "scheduler = OneCycleLR(optimizer, 0.1, epochs=10, steps_per_epoch=len(loader))\n"
        "for epoch in range(10):\n    for b in loader:\n        optimizer.step()\n        scheduler.step()\n",
        # Sized for one step per epoch on purpose.
        _HEADER + "scheduler = OneCycleLR(optimizer, 0.1, epochs=30, steps_per_epoch=1)\nfor epoch in range(30):\n"
        "    for b in loader:\n        optimizer.step()\n    scheduler.step()\n",
        # Stopped by a `break` once the budget is spent.
        _HEADER + "scheduler = OneCycleLR(optimizer, 0.1, total_steps=500)\nfor i in range(1000):\n"
        "    optimizer.step()\n    scheduler.step()\n    if i + 1 == 500:\n        break\n",
        # Its warm-up's share is not a literal: how far the rate rises is not known.
        _HEADER + "scheduler = OneCycleLR(optimizer, 0.1, epochs=30, steps_per_epoch=100, pct_start=args.warm)\n"
        "for epoch in range(30):\n    for b in loader:\n        optimizer.step()\n    scheduler.step()\n",
        # Stepped under a condition: fewer steps than the loop.
        _HEADER + "scheduler = OneCycleLR(optimizer, 0.1, total_steps=500)\nfor i in range(1000):\n"
        "    optimizer.step()\n    if i % 2:\n        scheduler.step()\n",
    )
    INVALID = (
        invalid(
            _HEADER + "scheduler = OneCycleLR(optimizer, max_lr=0.1, total_steps=100)\nfor epoch in range(10):\n"
            "    for i in range(20):\n        optimizer.step()\n        scheduler.step()\n",
            "`OneCycleLR` is sized for `total_steps=100` but `scheduler.step()` (line 8) runs 200 times: step 101 raises ValueError (Tried to step 101 times)",
        ),
        invalid(
            _HEADER + "scheduler = OneCycleLR(optimizer, 0.1, epochs=10, steps_per_epoch=100)\nfor epoch in range(10):\n"
            "    for b in loader:\n        optimizer.step()\n    scheduler.step()\n",
            "`OneCycleLR` is sized for `epochs=10` x `steps_per_epoch=100` = 1000 steps but `scheduler.step()` (line 8) runs once per epoch: only 10 of its 1000 steps run, and the learning rate never gets past the warm-up to max_lr",
        ),
    )

    def check_constructor(self, fact: SchedulerFact, facts: FileFacts, context: RuleContext) -> Iterator[Finding]:
        if not untouched(fact):
            return
        step = only_step(fact, facts)
        where = placement(fact, step, facts) if step is not None else None
        if step is None or where is None or not where.direct:
            return
        total_steps = _positive_int(fact.values.get("total_steps"))
        epochs = _positive_int(fact.values.get("epochs"))
        per_epoch = _positive_int(fact.values.get("steps_per_epoch"))
        if "total_steps" in fact.bound and fact.values.get("total_steps") is not None:
            if total_steps is None:
                return  # given, but not a literal
            total, sized, arg = total_steps, f"`total_steps={total_steps}`", "total_steps"
        elif epochs is not None and per_epoch is not None:
            total = epochs * per_epoch
            sized, arg = f"`epochs={epochs}` x `steps_per_epoch={per_epoch}` = {total} steps", "steps_per_epoch"
        else:
            return
        counts = [loop.iterations for loop in where.loops]
        # A loop that may end early (`break`, `return`) runs at most its count: no crash is sure.
        if all(c is not None for c in counts) and not any(loop.id in facts.early_exits for loop in where.loops):
            count = math.prod(c for c in counts if c is not None)
            if count > total:
                yield Finding(
                    fact.arg_span(arg),
                    f"`OneCycleLR` is sized for {sized} but `{step.receiver}.step()` ({RELATED}) runs "
                    f"{count} times: step {total + 1} raises ValueError (Tried to step {total + 1} times)",
                    replace(build_scenario(fact, facts, step), epochs=count),
                    related=step.span.start,
                )
                return
        # Sized per batch, stepped once per epoch: only `epochs` of its steps run.
        if arg != "steps_per_epoch" or per_epoch is None or per_epoch < 2 or len(where.loops) != 1:
            return
        epoch_loop = where.loops[0]
        if epoch_loop.iterations is None or not _batch_loop_inside(fact, epoch_loop.id, facts):
            return
        if any(name in fact.bound and name not in fact.values for name in ("pct_start", "three_phase")):
            return  # not literals: the warm-up's length is not known
        pct_start = fact.values.get("pct_start", schedulers()[fact.cls].default("pct_start"))
        if not isinstance(pct_start, (int, float)) or isinstance(pct_start, bool) or fact.values.get("three_phase"):
            return
        try:
            warm_up_end = float(pct_start * total) - 1  # torch's last step of the warm-up phase
        except OverflowError:
            return  # past float range: torch's own float() fails first
        if epoch_loop.iterations > warm_up_end:
            return
        yield Finding(
            fact.arg_span(arg),
            f"`OneCycleLR` is sized for {sized} but `{step.receiver}.step()` ({RELATED}) runs once per "
            f"epoch: only {epoch_loop.iterations} of its {total} steps run, and the learning rate never "
            "gets past the warm-up to max_lr",
            replace(build_scenario(fact, facts, step), epochs=epoch_loop.iterations),
            related=step.span.start,
            severity="warning",  # it trains, at the wrong rates: not a crash
        )


def _batch_loop_inside(fact: SchedulerFact, epoch_loop: int, facts: FileFacts) -> bool:
    """The optimizer is stepped in a loop nested in the epoch loop: that loop is the batch loop."""
    key = fact.optimizer_key
    if key is None:
        return False
    for other in facts.steps:
        if not other.steps_optimizer(key, fact.optimizer_binding) or epoch_loop not in other.frames:
            continue
        inner = other.frames[other.frames.index(epoch_loop) + 1:]
        if any(facts.frame(f).kind == "loop" for f in inner):
            return True
    return False


RULE = OneCycleTooFewSteps()
