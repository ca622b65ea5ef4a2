"""LR010 get-lr-called: `scheduler.get_lr()` called by user code on a torch scheduler."""

from __future__ import annotations

from collections.abc import Iterator

from lrlint.facts.model import FileFacts, MethodCallFact
from lrlint.facts.receivers import held as held_by
from lrlint.facts.scenarios import build_scenario
from lrlint.link import Project
from lrlint.rules.base import (
    Edit,
    Finding,
    Fix,
    ProjectFinding,
    ProjectRule,
    RuleContext,
)
from lrlint.verify.evidence import judge_get_lr
from lrlint.verify.hooks import VerifyHook

# ReduceLROnPlateau has no `get_lr` (AttributeError), and is not an LRScheduler that warns.
NO_GET_LR = frozenset({"ReduceLROnPlateau"})

_HEADER = "from torch.optim.lr_scheduler import StepLR, ReduceLROnPlateau\n"


# What the difference looks like, for the classes where it is simple to say.
_EXAMPLE = {
    "StepLR": " (at a decay epoch it is off by a factor gamma)",
    "MultiStepLR": " (at a milestone it is off by a factor gamma)",
    "ExponentialLR": " (it is the rate times gamma)",
}


class GetLrCalled(ProjectRule):
    code = "LR010"
    verification = VerifyHook(judge_get_lr, call="get_lr")
    VALID = (
        _HEADER + "s = StepLR(opt, 30)\nfor epoch in range(90):\n    opt.step()\n    s.step()\n    print(s.get_last_lr())\n",
        # A scheduler's own get_lr, and the parent's, inside a subclass.
        (
            "from torch.optim.lr_scheduler import StepLR\nclass Warm(StepLR):\n    def get_lr(self):\n"
            "        return [lr * 0.5 for lr in super().get_lr()]\n    def peek(self):\n        return self.get_lr()\n"
        ),
        # Not a torch scheduler.
        "lr = my_scheduler.get_lr()\n",
        "from transformers import get_linear_schedule_with_warmup\ns = get_linear_schedule_with_warmup(opt, 10, 100)\nprint(s.get_lr())\n",
    )
    INVALID = (
        _HEADER + "s = StepLR(opt, 30)\nfor epoch in range(90):\n    opt.step()\n    s.step()\n    print(s.get_lr()[0])\n",
        _HEADER + "class T:\n    def __init__(self, opt):\n        self.s = StepLR(opt, 30)\n"
        "    def log(self):\n        return self.s.get_lr()\n",
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
        if not held or any(s.cls in NO_GET_LR for s in held):
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
