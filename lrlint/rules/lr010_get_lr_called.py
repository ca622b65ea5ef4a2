"""LR010 get-lr-called: `scheduler.get_lr()` called by user code on a torch scheduler."""

from __future__ import annotations

from collections.abc import Iterator

from lrlint.catalogue import schedulers
from lrlint.facts.model import FileFacts, MethodCallFact
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
from lrlint.rules.judging import suffix, warned
from lrlint.rules.verification import VerifyHook
from lrlint.scenario import Scenario
from lrlint.verify.record import Run, Verdict, fmt, same

# Start of torch's own warning (torch/optim/lr_scheduler.py).
GET_LR_WARNING = "To get the last learning rate computed by the scheduler, please use `get_last_lr()`"


def _warning_get_lr(cls: str) -> bool:
    """Whether the class's `get_lr()` warns when called from outside `step()` (ReduceLROnPlateau's
    raises instead: another bug than this rule's)."""
    signature = schedulers().get(cls)
    return signature is not None and signature.get_lr

_HEADER = "from torch.optim.lr_scheduler import StepLR, ReduceLROnPlateau\n"


# What the difference looks like, for the classes where it is simple to say.
_EXAMPLE = {
    "StepLR": " (at a decay epoch it is off by a factor gamma)",
    "MultiStepLR": " (at a milestone it is off by a factor gamma)",
    "ExponentialLR": " (it is the rate times gamma)",
}


# --- --verify: the judge -------------------------------------------------------------------


def judge(scenario: Scenario, run: Run, reference: Run | None) -> Verdict:
    """torch warns, and after some step `get_lr()` is not the rate in use (`get_last_lr()`)."""
    if not warned(run, GET_LR_WARNING):
        return Verdict("refuted", f"{run.scheduler}.get_lr() was called {len(run.probes)} times without torch's warning")
    differing = [(epoch, got, last) for epoch, got, last in run.probes if not same(got, last)]
    if not differing:
        return Verdict(
            "inconclusive",
            f"torch warned: {GET_LR_WARNING}, but get_lr() equals get_last_lr() at each of the "
            f"{len(run.probes)} steps run{suffix(run)}",
        )
    epoch, got, last = differing[0]
    return Verdict(
        "confirmed",
        f"torch warned: {GET_LR_WARNING}; after step {epoch}, get_lr() returns {fmt(got)} while the lr in "
        f"use (get_last_lr()) is {fmt(last)} (differs at {len(differing)} of {len(run.probes)} steps){suffix(run)}",
    )


class GetLrCalled(ProjectRule):
    code = "LR010"
    verification = VerifyHook(judge, call="get_lr")
    VALID = (
        _HEADER + "s = StepLR(opt, 30)\nfor epoch in range(90):\n    opt.step()\n    s.step()\n    print(s.get_last_lr())\n",
        # A scheduler's own get_lr, and the parent's, inside a subclass.
        (
            "from torch.optim.lr_scheduler import StepLR\nclass Warm(StepLR):\n    def get_lr(self):\n"
            "        return [lr * 0.5 for lr in super().get_lr()]\n    def peek(self):\n        return self.get_lr()\n"
        ),
        # Not a torch scheduler.
        "lr = my_scheduler.get_lr()\n",
        # SequentialLR's get_lr raises NotImplementedError: another bug, without this warning.
        "from torch.optim.lr_scheduler import SequentialLR\ns = SequentialLR(opt, [a, b], milestones=[5])\nprint(s.get_lr())\n",
    )
    INVALID = (
        invalid(  # transformers builds a LambdaLR, whose get_lr() warns as well
            "from transformers import get_linear_schedule_with_warmup\ns = get_linear_schedule_with_warmup(opt, 10, 100)\nprint(s.get_lr())\n",
            "`s.get_lr()` on `LambdaLR`: torch warns, and outside `step()` it returns the scheduler's next internal computation, not the learning rate in use; use `s.get_last_lr()`",
        ),
        invalid(
            _HEADER + "s = StepLR(opt, 30)\nfor epoch in range(90):\n    opt.step()\n    s.step()\n    print(s.get_lr()[0])\n",
            "`s.get_lr()` on `StepLR`: torch warns, and outside `step()` it returns the scheduler's next internal computation, not the learning rate in use (at a decay epoch it is off by a factor gamma); use `s.get_last_lr()`",
        ),
        invalid(
            _HEADER + "class T:\n    def __init__(self, opt):\n        self.s = StepLR(opt, 30)\n"
            "    def log(self):\n        return self.s.get_lr()\n",
            "`self.s.get_lr()` on `StepLR`: torch warns, and outside `step()` it returns the scheduler's next internal computation, not the learning rate in use (at a decay epoch it is off by a factor gamma); use `self.s.get_last_lr()`",
        ),
    )

    def check_project(self, project: Project, context: RuleContext) -> Iterator[ProjectFinding]:
        for file in project.files:
            for call in file.facts.method_calls:
                finding = self._check_call(call, file.facts, project)
                if finding is not None:
                    yield ProjectFinding(file.filename, finding)

    def _check_call(self, call: MethodCallFact, facts: FileFacts, project: Project) -> Finding | None:
        if call.method != "get_lr" or call.has_args:
            return None
        receiver = held_by(call, facts, project)
        held = receiver.schedulers
        if not held or not all(_warning_get_lr(s.cls) for s in held):
            return None
        scheduler = held[-1]
        scenario = build_scenario(scheduler, receiver.home)
        # After the fix the rate read is the schedule's own (get_last_lr): --verify runs it.
        fix = Fix("Use `get_last_lr()`", (Edit(call.name_span.start, call.name_span.end, "get_last_lr"),), "unsafe", scenario)
        return Finding(
            call.span,
            f"`{call.receiver}.get_lr()` on `{scheduler.cls}`: torch warns, and outside `step()` "
            "it returns the scheduler's next internal computation, not the learning rate in use"
            f"{_EXAMPLE.get(scheduler.cls, '')}; use `{call.receiver}.get_last_lr()`",
            scenario,
            fix=fix,
        )


RULE = GetLrCalled()
