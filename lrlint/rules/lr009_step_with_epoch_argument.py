"""LR009 step-with-epoch-argument: `scheduler.step(epoch)` on a torch scheduler."""

from __future__ import annotations

from collections.abc import Iterator

from lrlint.catalogue import schedulers
from lrlint.facts.model import FileFacts, StepFact
from lrlint.facts.scenarios import build_scenario
from lrlint.project.model import Project
from lrlint.project.receivers import held as held_by
from lrlint.rules.base import (
    Edit,
    Finding,
    Fix,
    ProjectFinding,
    ProjectRule,
    RuleContext,
)
from lrlint.rules.examples import invalid
from lrlint.rules.judging import change_epochs, epochs_text, suffix, warned
from lrlint.rules.verification import VerifyHook
from lrlint.scenario import Scenario
from lrlint.verify.record import Run, Verdict

# Start of torch's own warning (torch/optim/lr_scheduler.py).
EPOCH_WARNING = "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated"


def _deprecated_epoch(cls: str) -> bool:
    """Whether `step(epoch)` is the deprecated epoch argument. Other classes' `step` takes no
    epoch (TypeError), takes the metric first, or takes a fractional epoch by design and does not
    warn (CosineAnnealingWarmRestarts): not this rule's claim."""
    signature = schedulers().get(cls)
    return signature is not None and signature.step_argument == "epoch"


# --- --verify: the judge -------------------------------------------------------------------


def judge(scenario: Scenario, run: Run, reference: Run | None) -> Verdict:
    """torch warns that the epoch parameter is deprecated; passing the loop index also shows where
    the closed form moves the rate against plain `step()`."""
    if not warned(run, EPOCH_WARNING):
        return Verdict("refuted", f"{run.scheduler}.step(epoch) ran {run.horizon} times without torch's deprecation warning")
    shifted = ""
    if reference is not None:
        got, plain = change_epochs(run.trajectory), change_epochs(reference.trajectory)
        if got != plain:
            shifted = f"; passing the 0-based loop index, the lr changes at epochs {epochs_text(got) or 'none'} instead of {epochs_text(plain) or 'none'} with step()"
        else:
            shifted = f"; the lr follows the same {run.horizon} epochs as with step()"
    return Verdict("confirmed", f"torch warned: {EPOCH_WARNING}{shifted}{suffix(run)}")

_HEADER = "from torch.optim.lr_scheduler import StepLR, ReduceLROnPlateau, CosineAnnealingWarmRestarts\n"


class StepWithEpochArgument(ProjectRule):
    code = "LR009"
    verification = VerifyHook(judge, needs_reference=True, call="epoch")
    VALID = (
        _HEADER + "s = StepLR(opt, 30)\nfor epoch in range(90):\n    opt.step()\n    s.step()\n",
        # ReduceLROnPlateau's argument is the metric.
        _HEADER + "s = ReduceLROnPlateau(opt)\nfor epoch in range(90):\n    s.step(val_loss)\n",
        # CosineAnnealingWarmRestarts documents fractional epochs and does not warn.
        _HEADER + "s = CosineAnnealingWarmRestarts(opt, 10)\nfor i in range(90):\n    s.step(epoch + i / 90)\n",
        # An explicit None is no epoch.
        _HEADER + "s = StepLR(opt, 30)\ns.step(None)\n",
        # Bound to a plateau scheduler in one branch: the argument may be its metric.
        _HEADER + "s = StepLR(opt, 30)\nif plateau:\n    s = ReduceLROnPlateau(opt)\ns.step(metric)\n",
        # Not a torch scheduler (a diffusers noise scheduler's step takes the model output).
        "x = noise_scheduler.step(out, t, x)\n",
        _HEADER + "s = StepLR(opt, 30)\ns.step(*args)\n",
    )
    INVALID = (
        invalid(
            _HEADER + "s = StepLR(opt, 30)\nfor epoch in range(90):\n    opt.step()\n    s.step(epoch)\n",
            "`s.step(...)` passes an epoch to `StepLR`: torch warns that the epoch parameter is deprecated and sets the learning rate from the closed form for that epoch instead of chaining from the current one (a scheduler chained with others, or an epoch off by one, gives another schedule); call `s.step()` once per epoch",
        ),
        invalid(
            _HEADER + "class T:\n    def __init__(self, opt):\n        self.s = StepLR(opt, 30)\n"
            "    def end(self, epoch):\n        self.s.step(epoch=epoch)\n",
            "`self.s.step(...)` passes an epoch to `StepLR`: torch warns that the epoch parameter is deprecated and sets the learning rate from the closed form for that epoch instead of chaining from the current one (a scheduler chained with others, or an epoch off by one, gives another schedule); call `self.s.step()` once per epoch",
        ),
    )

    def check_project(self, project: Project, context: RuleContext) -> Iterator[ProjectFinding]:
        for file in project.files:
            for step in file.facts.steps:
                finding = self._check_step(step, file.facts, project)
                if finding is not None:
                    yield ProjectFinding(file.filename, finding)

    def _check_step(self, step: StepFact, facts: FileFacts, project: Project) -> Finding | None:
        if step.method != "step" or step.unpacked or step.all_none:
            return None
        one_epoch = (step.positional == 1 and not step.keywords) or (step.positional == 0 and step.keywords == ("epoch",))
        if not one_epoch:
            return None
        receiver = held_by(step, facts, project)
        held = receiver.schedulers
        if not held or not all(_deprecated_epoch(s.cls) for s in held):
            return None
        scheduler = held[-1]
        classes = " or ".join(dict.fromkeys(f"`{s.cls}`" for s in held))
        scenario = build_scenario(scheduler, receiver.home, receiver.step_in_home(step, facts))
        fix = None
        if step.args_span is not None:
            # After the fix the scheduler is stepped plainly: --verify runs that schedule.
            fix = Fix(f"Call `{step.receiver}.step()` without the epoch", (Edit(step.args_span.start, step.args_span.end, ""),), "unsafe", scenario)
        return Finding(
            step.span,
            f"`{step.receiver}.step(...)` passes an epoch to {classes}: torch warns that the epoch "
            "parameter is deprecated and sets the learning rate from the closed form for that "
            "epoch instead of chaining from the current one (a scheduler chained with others, "
            f"or an epoch off by one, gives another schedule); call `{step.receiver}.step()` once per epoch",
            scenario,
            fix=fix,
        )


RULE = StepWithEpochArgument()
