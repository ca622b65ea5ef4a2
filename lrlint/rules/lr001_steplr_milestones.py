"""LR001 steplr-milestones: `milestones` given to StepLR."""

from __future__ import annotations

from typing import Iterator

from lrlint.facts.model import FileFacts, SchedulerFact
from lrlint.facts.scenarios import build_scenario
from lrlint.rules.base import ConstructorRule, Finding, RuleContext, format_list
from lrlint.rules.examples import invalid
from lrlint.rules.judging import judge_rejected_keyword
from lrlint.rules.verification import VerifyHook


class StepLRMilestones(ConstructorRule):
    code = "LR001"
    schedulers = frozenset({"StepLR"})
    verification = VerifyHook(judge_rejected_keyword("StepLR", "milestones"), rejected_keyword="milestones")
    VALID = (
        "from torch.optim.lr_scheduler import StepLR\nStepLR(opt, step_size=30, gamma=0.1)\n",
        "from torch.optim.lr_scheduler import MultiStepLR\nMultiStepLR(opt, milestones=[30, 80])\n",
        # A class of the user's own that happens to be called StepLR.
        "class StepLR:\n    def __init__(self, opt, milestones): ...\nStepLR(opt, milestones=[30])\n",
        "from torch.optim.lr_scheduler import StepLR\nStepLR(opt, step_size=args.step)\n",
        "import torch\nms = [30]\nms = 30\ntorch.optim.lr_scheduler.StepLR(opt, ms)\n",
        # A star import, but StepLR is the user's own.
        "from torch.optim.lr_scheduler import *\nclass StepLR: ...\nStepLR(opt, milestones=[30])\n",
        "from torch.optim.lr_scheduler import *\nfrom mylib import StepLR\nStepLR(opt, milestones=[30])\n",
    )
    INVALID = (
        invalid(
            "from torch.optim.lr_scheduler import StepLR\nStepLR(opt, milestones=[30, 80], gamma=0.1)\n",
            "`StepLR` has no `milestones` parameter: building it raises TypeError (unexpected keyword argument 'milestones'); use `MultiStepLR(optimizer, milestones=[30, 80])` or `StepLR(optimizer, step_size=N)`",
        ),
        invalid(
            "import torch.optim.lr_scheduler as sched\nsched.StepLR(opt, milestones=[30])\n",
            "`StepLR` has no `milestones` parameter: building it raises TypeError (unexpected keyword argument 'milestones'); use `MultiStepLR(optimizer, milestones=[30])` or `StepLR(optimizer, step_size=N)`",
        ),
        invalid(
            "import torch\ntorch.optim.lr_scheduler.StepLR(opt, [30, 80])\n",
            "`StepLR` got the milestones [30, 80] as `step_size`: the first `scheduler.step()` raises TypeError (int % list); use `MultiStepLR(optimizer, milestones=[30, 80])`",
        ),
        # The list's items are not literals, but its shape is known (found in a DETR variant).
        invalid(
            "import torch\nms = [args.lr_drop]\nif args.multi:\n    ms = [args.lr_drop, 90]\n"
            "torch.optim.lr_scheduler.StepLR(opt, ms)\n",
            "`StepLR` got a list as `step_size`: the first `scheduler.step()` raises TypeError (int % list); for a list of milestones use `MultiStepLR`",
        ),
        invalid(
            "from torch.optim.lr_scheduler import *\nStepLR(opt, milestones=[30])\n",
            "`StepLR` has no `milestones` parameter: building it raises TypeError (unexpected keyword argument 'milestones'); use `MultiStepLR(optimizer, milestones=[30])` or `StepLR(optimizer, step_size=N)`",
        ),
    )

    def check_constructor(self, fact: SchedulerFact, facts: FileFacts, context: RuleContext) -> Iterator[Finding]:
        if "milestones" in fact.unexpected:
            shown = fact.values.get("milestones")
            if isinstance(shown, int) and not isinstance(shown, bool):
                instead = f"`StepLR(optimizer, step_size={shown})`"  # one period, not a list
            else:
                written = format_list(shown) if isinstance(shown, (list, tuple)) else "[...]"
                instead = f"`MultiStepLR(optimizer, milestones={written})` or `StepLR(optimizer, step_size=N)`"
            yield Finding(
                fact.arg_span("milestones"),
                "`StepLR` has no `milestones` parameter: building it raises TypeError "
                f"(unexpected keyword argument 'milestones'); use {instead}",
                build_scenario(fact, facts),
            )
        elif isinstance(fact.values.get("step_size"), (list, tuple)):
            value = fact.values["step_size"]
            shown = format_list(value)
            yield Finding(
                fact.arg_span("step_size"),
                f"`StepLR` got the milestones {shown} as `step_size`: the first "
                f"`scheduler.step()` raises TypeError (int % {type(value).__name__}); use "
                f"`MultiStepLR(optimizer, milestones={format_list(list(value))})`",
                build_scenario(fact, facts),
            )
        elif "step_size" in fact.list_shaped and "step_size" not in fact.values:
            yield Finding(
                fact.arg_span("step_size"),
                "`StepLR` got a list as `step_size`: the first `scheduler.step()` raises "
                "TypeError (int % list); for a list of milestones use `MultiStepLR`",
                build_scenario(fact, facts),
            )


RULE = StepLRMilestones()
