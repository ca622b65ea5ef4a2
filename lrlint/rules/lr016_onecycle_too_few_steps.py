"""LR016 onecycle-too-few-steps: OneCycleLR sized for fewer steps than its loop makes, or
sized per batch and stepped once per epoch."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import replace

from lrlint.facts.loops import only_step, placement, untouched
from lrlint.facts.model import FileFacts, SchedulerFact
from lrlint.facts.needs import Needs
from lrlint.facts.scenarios import build_scenario
from lrlint.rules.base import RELATED, ConstructorRule, Finding, RuleContext
from lrlint.verify.hooks import VerifyHook
from lrlint.verify.loop_evidence import judge_onecycle

_HEADER = (
    "import torch\nfrom torch.optim.lr_scheduler import OneCycleLR\n"
    "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
)


def _positive_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


class OneCycleTooFewSteps(ConstructorRule):
    code = "LR016"
    schedulers = frozenset({"OneCycleLR"})
    needs = Needs(uses_of_classes=schedulers, early_exits=True)
    verification = VerifyHook(judge_onecycle, ignored_keywords=("verbose",), expects_failure=True)
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
        # Stepped under a condition: fewer steps than the loop.
        _HEADER + "scheduler = OneCycleLR(optimizer, 0.1, total_steps=500)\nfor i in range(1000):\n"
        "    optimizer.step()\n    if i % 2:\n        scheduler.step()\n",
    )
    INVALID = (
        _HEADER + "scheduler = OneCycleLR(optimizer, max_lr=0.1, total_steps=100)\nfor epoch in range(10):\n"
        "    for i in range(20):\n        optimizer.step()\n        scheduler.step()\n",
        _HEADER + "scheduler = OneCycleLR(optimizer, 0.1, epochs=10, steps_per_epoch=100)\nfor epoch in range(10):\n"
        "    for b in loader:\n        optimizer.step()\n    scheduler.step()\n",
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
        pct_start = fact.values.get("pct_start", 0.3)
        if not isinstance(pct_start, (int, float)) or isinstance(pct_start, bool) or fact.values.get("three_phase"):
            return
        warm_up_end = float(pct_start * total) - 1  # torch's last step of the warm-up phase
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
