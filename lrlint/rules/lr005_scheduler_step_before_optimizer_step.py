"""LR005 scheduler-step-before-optimizer-step: the scheduler is stepped first.

The optimizer step may be in view (`optimizer.step()`, `scaler.step(optimizer)`) or down a chain
of calls (`train_one_epoch(model, optimizer)` in another module, `self.train_step(batch)`); the
scheduler may be built in view, passed in by every caller, kept on an object
(`args.scheduler`) or declared by an annotation. See `lrlint/project/loop_order.py`.
"""

from __future__ import annotations

from collections.abc import Iterator

from lrlint.catalogue import schedulers
from lrlint.facts.model import Span
from lrlint.facts.ordering import Ordering
from lrlint.facts.scenarios import build_scenario
from lrlint.project.loop_order import LoopOrder, LoopOrders
from lrlint.project.model import Project
from lrlint.rules.base import Finding, ProjectFinding, ProjectRule, Related, RuleContext
from lrlint.rules.examples import invalid
from lrlint.rules.judging import suffix
from lrlint.rules.verification import VerifyHook
from lrlint.scenario import Scenario
from lrlint.verify.record import Run, Verdict, fmt, same

# Start of torch's own warning (torch/optim/lr_scheduler.py, LRScheduler.step).
ORDER_WARNING = "Detected call of `lr_scheduler.step()` before `optimizer.step()`"

_HEADER = (
    "import torch\nfrom torch.optim.lr_scheduler import StepLR\n"
    "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
    "scheduler = StepLR(optimizer, step_size=30)\n"
)
_TRAIN = "def train(model, optimizer):\n    for b in loader:\n        optimizer.step()\n"


# --- --verify: the judge -------------------------------------------------------------------


def _warns(cls: str | None) -> bool:
    """Whether torch warns when this class is stepped before its optimizer (unknown: it does, as
    every LRScheduler that steps through the base class)."""
    signature = schedulers().get(cls) if cls is not None else None
    return signature is None or signature.order_warning


def judge(scenario: Scenario, run: Run, reference: Run | None) -> Verdict:
    """Stepped in the order the code steps it, the schedule runs one step ahead of the
    optimizer-first reference: its first value is skipped; and torch warns, for the classes whose
    step warns."""
    assert reference is not None  # the hook's verdict() checks it first
    warned = any(ORDER_WARNING in message for message in run.warnings)
    shift = _shift(run, reference)
    skipped = reference.applied[0] if reference.applied else run.base_lr
    shifted = ""
    if shift:
        epoch, got, expected = shift
        shifted = (
            f"epoch {epoch} trains with lr {fmt(got)} instead of {fmt(expected)}: the schedule runs "
            f"one step ahead and its first value {fmt(skipped)} is skipped"
        )
    unobservable = f"the skip is not observable: lr stays {fmt(skipped)} over {run.horizon} epochs"
    if run.order == "optimizer-first" and not shift and not warned:
        return Verdict(
            "refuted",
            f"stepping optimizer-first (the observed order), torch does not warn and the schedule "
            f"is not shifted over {run.horizon} epochs",
        )
    if scenario.grad_scaler:
        caveat = "GradScaler in use: torch's warning also fires when the scaler skips a step, so"
        if shift:
            return Verdict("confirmed", f"stepping {run.order}, {shifted}{suffix(run)} ({caveat} only the step order is relied on)")
        return Verdict("inconclusive", f"{caveat} it proves nothing alone, and {unobservable}{suffix(run)}")
    if not _warns(scenario.scheduler):
        if shift:
            return Verdict("confirmed", f"{shifted} (no warning: {scenario.scheduler} does not warn){suffix(run)}")
        return Verdict("inconclusive", f"{scenario.scheduler} does not warn, and {unobservable}{suffix(run)}")
    if warned and shift:
        return Verdict("confirmed", f"torch warned: {ORDER_WARNING}; {shifted}{suffix(run)}")
    if warned:
        return Verdict("confirmed", f"torch warned: {ORDER_WARNING} ({unobservable}){suffix(run)}")
    if shift:
        return Verdict("inconclusive", f"{shifted}, but torch did not warn as the finding says{suffix(run)}")
    return Verdict("inconclusive", f"no warning from torch, and {unobservable}{suffix(run)}")


def _shift(run: Run, reference: Run) -> tuple[int, float, float] | None:
    """First epoch whose trained-with lr differs from the optimizer-first order: (epoch, got, expected)."""
    for epoch, (got, expected) in enumerate(zip(run.applied, reference.applied)):
        if not same(got, expected):
            return epoch, got, expected
    return None


class SchedulerStepBeforeOptimizerStep(ProjectRule):
    code = "LR005"
    verification = VerifyHook(judge, needs_reference=True, needs_order=True)
    VALID = (
        _HEADER + "for epoch in range(90):\n    for b in loader:\n        optimizer.step()\n    scheduler.step()\n",
        _HEADER + "for b in loader:\n    scaler.step(optimizer)\n    scaler.update()\n    scheduler.step()\n",
        # The helper steps the optimizer before the scheduler is stepped.
        _HEADER + _TRAIN + "for epoch in range(90):\n    train(model, optimizer)\n    scheduler.step()\n",
        # A helper lrlint cannot see: the order is unknown.
        _HEADER + "for epoch in range(90):\n    scheduler.step()\n    train_one_epoch(model, optimizer)\n",
        # The early step ends the previous epoch.
        _HEADER + _TRAIN + "for epoch in range(90):\n    if epoch > 0:\n        scheduler.step()\n    train(model, optimizer)\n",
        # A diffusers noise scheduler is not a learning-rate scheduler.
        _HEADER + "for b in loader:\n    x = noise_scheduler.step(out, t, x)\n    optimizer.step()\n",
        # Fast-forwarding a resumed schedule before training.
        _HEADER + "for _ in range(start):\n    scheduler.step()\nfor b in loader:\n    optimizer.step()\n    scheduler.step()\n",
    )
    INVALID = (
        invalid(
            _HEADER + "for epoch in range(90):\n    scheduler.step()\n    for b in loader:\n        optimizer.step()\n",
            "`scheduler.step()` runs before `optimizer.step()` (line 8): torch warns and skips the first value of the StepLR schedule, and every change of the rate comes one step early; step the scheduler after the optimizer",
        ),
        invalid(
            _HEADER + "for b in loader:\n    scheduler.step()\n    loss.backward()\n    scaler.step(optimizer)\n",
            "`scheduler.step()` runs before `scaler.step(optimizer)` (line 8): torch warns and skips the first value of the StepLR schedule, and every change of the rate comes one step early; step the scheduler after the optimizer",
        ),
        invalid(
            _HEADER + "for b in loader:\n    if scheduler is not None:\n        scheduler.step()\n    optimizer.step(closure)\n",
            "`scheduler.step()` runs before `optimizer.step(...)` (line 8): torch warns and skips the first value of the StepLR schedule, and every change of the rate comes one step early; step the scheduler after the optimizer",
        ),
        invalid(
            _HEADER + _TRAIN + "for epoch in range(90):\n    scheduler.step()\n    train(model, optimizer)\n",
            "`scheduler.step()` runs before `train()` (line 10) reaches `optimizer.step()` (line 7): torch warns and skips the first value of the StepLR schedule, and every change of the rate comes one step early; step the scheduler after the optimizer",
        ),
        # CosineAnnealingWarmRestarts skips its first value too, but torch does not warn for it.
        invalid(
            "import torch\nfrom torch.optim.lr_scheduler import CosineAnnealingWarmRestarts\n"
            "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\nscheduler = CosineAnnealingWarmRestarts(optimizer, T_0=10)\n"
            "for epoch in range(30):\n    scheduler.step()\n    for b in loader:\n        optimizer.step()\n",
            "`scheduler.step()` runs before `optimizer.step()` (line 8): the first value of the CosineAnnealingWarmRestarts schedule is skipped (torch does not warn for it), and every change of the rate comes one step early; step the scheduler after the optimizer",
        ),
    )

    def check_project(self, project: Project, context: RuleContext) -> Iterator[ProjectFinding]:
        orders = LoopOrders(project)
        for index, file in enumerate(project.files):
            for step in file.facts.steps:
                found = orders.of(index, step)
                if found is not None and found.scheduler_first:
                    yield ProjectFinding(file.filename, self._finding(project, index, step.receiver, step.span, found))

    def _finding(self, project: Project, file: int, receiver: str, span: Span, found: LoopOrder) -> Finding:
        hops = found.first.hops
        related = tuple(Related(h.position, h.label, None if h.file == file else project.files[h.file].filename) for h in hops)
        schedule = f"the {found.subject.cls} schedule" if found.subject.cls else "the schedule"
        if _warns(found.subject.cls):
            effect = f"torch warns and skips the first value of {schedule}"
        else:
            effect = f"the first value of {schedule} is skipped (torch does not warn for it)"
        if len(hops) == 1:
            what = f"`{hops[0].label}` ({{at0}})"
        else:
            what = f"`{hops[0].label}` ({{at0}}) reaches `{hops[-1].label}` ({{at{len(hops) - 1}}})"
        return Finding(
            span,
            f"`{receiver}.step()` runs before {what}: {effect}, and every change of the rate comes "
            "one step early; step the scheduler after the optimizer",
            self._scenario(project, found),
            related_locations=related,
        )

    def _scenario(self, project: Project, found: LoopOrder) -> Scenario | None:
        if not found.subject.schedulers:
            return None  # known by its annotation only: nothing literal to rebuild
        file, fact = found.subject.schedulers[0]
        ordering = Ordering("scheduler-first", (), found.first.through_other, found.count)
        return build_scenario(fact, project.files[file].facts, ordering=ordering)


RULE = SchedulerStepBeforeOptimizerStep()
