"""LR005 scheduler-step-before-optimizer-step: the scheduler is stepped first."""

from __future__ import annotations

from typing import Iterator

from lrlint.facts.model import FileFacts, StepFact
from lrlint.facts.ordering import step_ordering
from lrlint.facts.scenarios import build_scenario
from lrlint.link import Project
from lrlint.rules.base import RELATED, Finding, ProjectFinding, ProjectRule, RuleContext
from lrlint.verify.evidence import judge_order
from lrlint.verify.hooks import VerifyHook

_HEADER = (
    "import torch\nfrom torch.optim.lr_scheduler import StepLR\n"
    "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
    "scheduler = StepLR(optimizer, step_size=30)\n"
)


class SchedulerStepBeforeOptimizerStep(ProjectRule):
    code = "LR005"
    verification = VerifyHook(judge_order, needs_reference=True, needs_order=True)
    VALID = (
        _HEADER + "for epoch in range(90):\n    for b in loader:\n        optimizer.step()\n    scheduler.step()\n",
        _HEADER + "for b in loader:\n    scaler.step(optimizer)\n    scaler.update()\n    scheduler.step()\n",
        # Stepped in another function: the order of the calls is not visible here.
        _HEADER + "for epoch in range(90):\n    scheduler.step()\n    train_one_epoch(model, optimizer)\n",
        # A diffusers noise scheduler is not a learning-rate scheduler.
        _HEADER + "for b in loader:\n    x = noise_scheduler.step(out, t, x)\n    optimizer.step()\n",
        # Fast-forwarding a resumed schedule before training.
        _HEADER + "for _ in range(start):\n    scheduler.step()\nfor b in loader:\n    optimizer.step()\n    scheduler.step()\n",
    )
    INVALID = (
        _HEADER + "for epoch in range(90):\n    scheduler.step()\n    for b in loader:\n        optimizer.step()\n",
        _HEADER + "for b in loader:\n    scheduler.step()\n    loss.backward()\n    scaler.step(optimizer)\n",
        _HEADER + "for b in loader:\n    if scheduler is not None:\n        scheduler.step()\n    optimizer.step(closure)\n",
    )

    def check_project(self, project: Project, context: RuleContext) -> Iterator[ProjectFinding]:
        for file in project.files:
            for finding in self._check_file(file.facts):
                yield ProjectFinding(file.filename, finding)

    def _check_file(self, facts: FileFacts) -> Iterator[Finding]:
        for step in facts.steps:
            if step.scheduler is None:
                continue
            ordering = step_ordering(step, facts)
            if ordering is None or ordering.order != "scheduler-first":
                continue
            optimizer_step: StepFact = min(ordering.optimizer_steps, key=lambda s: s.span.start)
            scheduler = facts.scheduler(step.scheduler)
            key = scheduler.optimizer_key or ""
            if optimizer_step.through_other(key):
                stepped = f"{optimizer_step.receiver}.{optimizer_step.method}({key})"
            else:
                stepped = f"{key}.step({'...' if optimizer_step.has_args else ''})"
            yield Finding(
                step.span,
                f"`{step.receiver}.step()` runs before `{stepped}` ({RELATED}): torch warns and "
                f"skips the first value of the {scheduler.cls} schedule; step the scheduler "
                "after the optimizer",
                build_scenario(scheduler, facts, step),
                related=optimizer_step.span.start,
            )


RULE = SchedulerStepBeforeOptimizerStep()
