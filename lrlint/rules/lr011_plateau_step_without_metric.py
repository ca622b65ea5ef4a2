"""LR011 plateau-step-without-metric: `ReduceLROnPlateau.step()` called without the metric."""

from __future__ import annotations

from collections.abc import Iterator

from lrlint.catalogue import schedulers
from lrlint.facts.model import FileFacts, StepFact
from lrlint.facts.scenarios import build_scenario
from lrlint.project.model import Project
from lrlint.project.receivers import held as held_by
from lrlint.rules.base import Finding, ProjectFinding, ProjectRule, RuleContext
from lrlint.rules.examples import invalid
from lrlint.rules.verification import VerifyHook
from lrlint.scenario import Scenario
from lrlint.verify.record import Run, Verdict


def _takes_metric(cls: str) -> bool:
    """Whether the class's `step` requires the monitored metric (ReduceLROnPlateau)."""
    signature = schedulers().get(cls)
    return signature is not None and signature.step_argument == "metric"


# --- --verify: the judge -------------------------------------------------------------------


def judge(scenario: Scenario, run: Run, reference: Run | None) -> Verdict:
    """The first bare `step()` raises TypeError about the missing 'metrics'."""
    if run.construct_error:
        return Verdict("inconclusive", f"construction raised {run.construct_error}, before any step")
    if run.step_error and run.step_error.startswith("TypeError:") and "'metrics'" in run.step_error and run.step_error_at == 1:
        return Verdict("confirmed", f"{run.scheduler}(...) is built, but step {run.step_error_at} raises {run.step_error}")
    if run.step_error:
        return Verdict("inconclusive", f"step {run.step_error_at} raises {run.step_error}, not the missing-metric TypeError")
    return Verdict("refuted", f"{run.scheduler}.step() ran {run.horizon} times without a metric and without error")

_HEADER = "from torch.optim.lr_scheduler import ReduceLROnPlateau, StepLR\n"


class PlateauStepWithoutMetric(ProjectRule):
    code = "LR011"
    verification = VerifyHook(judge, expects_failure=True, call="no-metric")
    VALID = (
        _HEADER + "s = ReduceLROnPlateau(opt)\nfor epoch in range(90):\n    s.step(val_loss)\n",
        _HEADER + "s = ReduceLROnPlateau(opt)\ns.step(metrics=val_loss)\n",
        # Either scheduler, by configuration: the bare step may be StepLR's.
        _HEADER + "s = StepLR(opt, 30)\nif args.plateau:\n    s = ReduceLROnPlateau(opt)\ns.step()\n",
        _HEADER + "s = ReduceLROnPlateau(opt)\ns.step(**kwargs)\n",
        "scheduler.step()\n",
    )
    INVALID = (
        invalid(
            _HEADER + "s = ReduceLROnPlateau(opt, mode='min')\nfor epoch in range(90):\n    train()\n    s.step()\n",
            "`s.step()` on `ReduceLROnPlateau` without the monitored metric: it raises TypeError (missing 1 required positional argument: 'metrics') at the first call; pass the validation metric, e.g. `s.step(val_loss)`",
        ),
        invalid(
            _HEADER + "class T:\n    def __init__(self, opt):\n        self.s = ReduceLROnPlateau(opt)\n"
            "    def end(self):\n        self.s.step()\n",
            "`self.s.step()` on `ReduceLROnPlateau` without the monitored metric: it raises TypeError (missing 1 required positional argument: 'metrics') at the first call; pass the validation metric, e.g. `self.s.step(val_loss)`",
        ),
    )

    def check_project(self, project: Project, context: RuleContext) -> Iterator[ProjectFinding]:
        for file in project.files:
            for step in file.facts.steps:
                finding = self._check_step(step, file.facts, project)
                if finding is not None:
                    yield ProjectFinding(file.filename, finding)

    def _check_step(self, step: StepFact, facts: FileFacts, project: Project) -> Finding | None:
        if step.method != "step" or step.has_args:
            return None
        receiver = held_by(step, facts, project)
        held = receiver.schedulers
        if not held or not all(_takes_metric(s.cls) for s in held):
            return None
        classes = " or ".join(dict.fromkeys(f"`{s.cls}`" for s in held))
        return Finding(
            step.span,
            f"`{step.receiver}.step()` on {classes} without the monitored metric: it "
            "raises TypeError (missing 1 required positional argument: 'metrics') at the first "
            f"call; pass the validation metric, e.g. `{step.receiver}.step(val_loss)`",
            build_scenario(held[-1], receiver.home, receiver.step_in_home(step, facts)),
        )


RULE = PlateauStepWithoutMetric()
