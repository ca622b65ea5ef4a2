"""LR002 multisteplr-step-size: `step_size` given to MultiStepLR."""

from __future__ import annotations

from typing import Any, Iterator

from lrlint.facts.model import FileFacts, SchedulerFact
from lrlint.facts.scenarios import build_scenario
from lrlint.rules.base import ConstructorRule, Finding, RuleContext
from lrlint.rules.examples import invalid
from lrlint.rules.judging import judge_rejected_keyword
from lrlint.rules.verification import VerifyHook


class MultiStepLRStepSize(ConstructorRule):
    code = "LR002"
    schedulers = frozenset({"MultiStepLR"})
    verification = VerifyHook(judge_rejected_keyword("MultiStepLR", "step_size"), rejected_keyword="step_size")
    VALID = (
        "from torch.optim.lr_scheduler import MultiStepLR\nMultiStepLR(opt, milestones=[30, 80])\n",
        "from torch.optim.lr_scheduler import StepLR\nStepLR(opt, step_size=30)\n",
        "from torch.optim.lr_scheduler import MultiStepLR\nMultiStepLR(opt, **config)\n",
    )
    INVALID = (
        invalid(
            "from torch.optim.lr_scheduler import MultiStepLR\nMultiStepLR(opt, step_size=30)\n",
            "`MultiStepLR` has no `step_size` parameter: building it raises TypeError (unexpected keyword argument 'step_size'); use `StepLR(optimizer, step_size=30)` or `MultiStepLR(optimizer, milestones=[30, 60, ...])`",
        ),
        invalid(
            "from torch.optim import lr_scheduler\nlr_scheduler.MultiStepLR(opt, 30, gamma=0.1)\n",
            "`MultiStepLR` got the step size 30 as `milestones`: building it raises TypeError ('int' object is not iterable); use `StepLR(optimizer, step_size=30)` or `MultiStepLR(optimizer, milestones=[30])`",
        ),
    )

    def check_constructor(self, fact: SchedulerFact, facts: FileFacts, context: RuleContext) -> Iterator[Finding]:
        if "step_size" in fact.unexpected:
            value: Any = fact.values.get("step_size")
            period = value if _is_int(value) else "..."
            hint = f"milestones=[{value}, {value * 2}, ...]" if _is_int(value) else "milestones=[...]"
            yield Finding(
                fact.arg_span("step_size"),
                "`MultiStepLR` has no `step_size` parameter: building it raises TypeError "
                f"(unexpected keyword argument 'step_size'); use `StepLR(optimizer, "
                f"step_size={period})` or `MultiStepLR(optimizer, {hint})`",
                build_scenario(fact, facts),
            )
        elif _is_int(fact.values.get("milestones")):
            value = fact.values["milestones"]
            yield Finding(
                fact.arg_span("milestones"),
                f"`MultiStepLR` got the step size {value} as `milestones`: building it raises "
                f"TypeError ('int' object is not iterable); use `StepLR(optimizer, "
                f"step_size={value})` or `MultiStepLR(optimizer, milestones=[{value}])`",
                build_scenario(fact, facts),
            )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


RULE = MultiStepLRStepSize()
