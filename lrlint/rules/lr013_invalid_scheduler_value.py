"""LR013 invalid-scheduler-value: literal arguments torch rejects or that defeat the schedule."""

from __future__ import annotations

from collections.abc import Iterator

from lrlint.facts.invalid_values import problems
from lrlint.facts.model import FileFacts, SchedulerFact
from lrlint.facts.scenarios import build_scenario
from lrlint.rules.base import ConstructorRule, Finding, RuleContext
from lrlint.verify.evidence import judge_invalid_value
from lrlint.verify.hooks import VerifyHook

_IMPORT = "from torch.optim.lr_scheduler import *\n"


class InvalidSchedulerValue(ConstructorRule):
    code = "LR013"
    verification = VerifyHook(judge_invalid_value, expects_failure=True)
    VALID = (
        _IMPORT + "StepLR(opt, step_size=30, gamma=0.1)\n",
        _IMPORT + "MultiStepLR(opt, milestones=[30.0, 60])\n",  # whole floats match epochs
        _IMPORT + "LinearLR(opt, start_factor=0.1, end_factor=0.0, total_iters=5)\n",
        _IMPORT + "ConstantLR(opt, factor=0.0)\n",
        _IMPORT + "OneCycleLR(opt, max_lr=0.1, epochs=10, steps_per_epoch=len(loader))\n",
        _IMPORT + "OneCycleLR(opt, 0.1, **cfg)\n",
        _IMPORT + "CosineAnnealingWarmRestarts(opt, T_0=10, T_mult=2)\n",
        _IMPORT + "SequentialLR(opt, [warm, cos], milestones=[5])\n",
        _IMPORT + "SequentialLR(opt, schedulers, milestones=[5, 10])\n",  # how many it holds is unknown
        _IMPORT + "StepLR(opt, step_size=args.step, gamma=args.gamma)\n",
        # gamma >= 1 is LR004's.
        _IMPORT + "ExponentialLR(opt, gamma=1.0)\n",
        # A typo'd keyword: the TypeError comes first (LR006), the missing total_steps never matters.
        _IMPORT + "OneCycleLR(opt, max_lr=0.1, total_step=100)\n",
    )
    INVALID = (
        _IMPORT + "StepLR(opt, step_size=0)\n",
        _IMPORT + "ExponentialLR(opt, gamma=0)\n",
        _IMPORT + "MultiStepLR(opt, milestones=[0, 30])\n",
        _IMPORT + "MultiStepLR(opt, milestones=[2.5, 7.5])\n",
        _IMPORT + "CosineAnnealingLR(opt, T_max=0)\n",
        _IMPORT + "LinearLR(opt, start_factor=0)\n",
        _IMPORT + "ConstantLR(opt, factor=2)\n",
        _IMPORT + "OneCycleLR(opt, max_lr=0.1)\n",
        _IMPORT + "SequentialLR(opt, [warm, cos], milestones=[5, 10])\n",
        _IMPORT + "CosineAnnealingWarmRestarts(opt, T_0=10, T_mult=1.5)\n",
    )

    def check_constructor(self, fact: SchedulerFact, facts: FileFacts, context: RuleContext) -> Iterator[Finding]:
        if fact.unexpected or fact.extra_positional:
            return  # Python rejects the call's shape first (LR001/LR002/LR006/LR008): no value is ever checked
        opaque = fact.star_args or fact.star_kwargs or bool(fact.extra_positional)
        present = {*fact.bound, *fact.unexpected}
        for problem in problems(fact.cls, fact.values, present, fact.lengths, opaque):
            span = fact.arg_span(problem.param) if problem.param in present else fact.span
            yield Finding(span, problem.message, build_scenario(fact, facts))


RULE = InvalidSchedulerValue()
