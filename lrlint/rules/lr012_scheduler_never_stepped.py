"""LR012 scheduler-never-stepped: a scheduler built beside a training loop and never used."""

from __future__ import annotations

from collections.abc import Iterator

from lrlint.facts.model import FileFacts, SchedulerFact
from lrlint.facts.needs import Needs
from lrlint.rules.base import RELATED, ConstructorRule, Finding, RuleContext
from lrlint.rules.examples import invalid

_HEADER = (
    "import torch\nfrom torch.optim.lr_scheduler import CosineAnnealingLR\n"
    "def train(model, loader):\n"
    "    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
    "    scheduler = CosineAnnealingLR(optimizer, T_max=100)\n"
)
_LOOP = "    for epoch in range(100):\n        for b in loader:\n            optimizer.step()\n"


class SchedulerNeverStepped(ConstructorRule):
    code = "LR012"
    needs = Needs(uses_of_unstepped=True)
    VALID = (
        _HEADER + _LOOP + "        scheduler.step()\n",
        _HEADER + _LOOP + "    return scheduler\n",
        _HEADER + "    trainer = Trainer(model, optimizer, scheduler)\n" + _LOOP,
        _HEADER + "    schedulers.append(scheduler)\n" + _LOOP,
        _HEADER + _LOOP + "        log(lr=scheduler.get_last_lr())\n",
        # No loop steps the optimizer here: built for someone else.
        _HEADER + "    return optimizer\n",
        # A deliberate discard, or a name read through locals().
        _HEADER.replace("scheduler =", "_ =") + _LOOP,
        _HEADER + "    hooks = locals()\n" + _LOOP,
        # Built after the loop: that loop never had a schedule to run.
        (
            "import torch\nfrom torch.optim.lr_scheduler import StepLR\nopt = torch.optim.SGD(params, lr=0.1)\n"
            "for epoch in range(10):\n    opt.step()\nafter = StepLR(opt, 5)\n"
        ),
        # Stored on the object: another method may step it.
        _HEADER.replace("scheduler =", "self.scheduler =") + _LOOP,
    )
    INVALID = (
        invalid(
            _HEADER + _LOOP,
            "`scheduler` (CosineAnnealingLR) is never stepped, passed on or used after it is built: the loop stepping `optimizer` (line 8) trains without the schedule, at the learning rate the scheduler set when it was built",
        ),
        invalid(
            _HEADER + "    for b in loader:\n        loss.backward()\n        scaler.step(optimizer)\n        scaler.update()\n",
            "`scheduler` (CosineAnnealingLR) is never stepped, passed on or used after it is built: the loop stepping `optimizer` (line 8) trains without the schedule, at the learning rate the scheduler set when it was built",
        ),
    )

    def check_constructor(self, fact: SchedulerFact, facts: FileFacts, context: RuleContext) -> Iterator[Finding]:
        target, key = fact.target, fact.optimizer_key
        if target is None or "." in target or target.startswith("_") or fact.uses or fact.steps or key is None:
            return
        if not fact.factory_certain:
            return  # `get_scheduler(name, ...)`: which schedule, if any, is not known
        if fact.unexpected or fact.extra_positional:
            return  # building it raises TypeError (LR001, LR002): no loop runs after it
        function = facts.function_frame(fact.frames)
        in_loops = [
            s for s in facts.steps_on(function, key)
            if s.steps_optimizer(key, fact.optimizer_binding)
            and facts.function_frame(s.frames) == function
            and s.span.start > fact.span.end  # a loop that runs after it is built
            and any(facts.frame(f).kind == "loop" for f in s.frames)
        ]  # fmt: skip
        if not in_loops:
            return
        step = min(in_loops, key=lambda s: s.span.start)
        yield Finding(
            fact.span,
            f"`{target}` ({fact.cls}) is never stepped, passed on or used after it is built: "
            f"the loop stepping `{key}` ({RELATED}) trains without the schedule, at the learning "
            "rate the scheduler set when it was built",
            None,
            related=step.span.start,
        )


RULE = SchedulerNeverStepped()
