"""LR004 gamma-not-decaying: gamma >= 1 on StepLR, MultiStepLR or ExponentialLR."""

from __future__ import annotations

from typing import Iterator

from lrlint.facts.model import FileFacts, SchedulerFact
from lrlint.facts.scenarios import build_scenario
from lrlint.verify.evidence import judge_gamma
from lrlint.verify.hooks import VerifyHook
from lrlint.rules.base import ConstructorRule, Finding, RuleContext

DECAYING = frozenset({"StepLR", "MultiStepLR", "ExponentialLR"})


class GammaNotDecaying(ConstructorRule):
    code = "LR004"
    schedulers = DECAYING
    verification = VerifyHook(judge_gamma)
    VALID = (
        "from torch.optim.lr_scheduler import ExponentialLR\nExponentialLR(opt, gamma=0.95)\n",
        "from torch.optim.lr_scheduler import StepLR\nStepLR(opt, 30, args.gamma)\n",
        # CyclicLR's gamma is a different knob (exp_range scaling), 1.0 by default.
        "from torch.optim.lr_scheduler import CyclicLR\nCyclicLR(opt, 0.01, 0.1, gamma=2.0)\n",
        # A deliberate constant schedule, said so.
        "from torch.optim.lr_scheduler import ExponentialLR\nExponentialLR(opt, gamma=1.0)  # noqa: LR004\n",
        "from torch.optim.lr_scheduler import ConstantLR\nConstantLR(opt, factor=1.0)\n",
    )
    INVALID = (
        "from torch.optim.lr_scheduler import StepLR\nStepLR(opt, step_size=30, gamma=10)\n",
        "from torch.optim.lr_scheduler import ExponentialLR\nExponentialLR(opt, 1.5)\n",
        "from torch.optim.lr_scheduler import MultiStepLR\nGAMMA = 2\nMultiStepLR(opt, [30], GAMMA)\n",
        "from torch.optim.lr_scheduler import ExponentialLR\nExponentialLR(opt, gamma=1.0)\n",
        "from torch.optim.lr_scheduler import StepLR\nStepLR(opt, step_size=1, gamma=1)\n",
    )

    def check_constructor(self, fact: SchedulerFact, facts: FileFacts, context: RuleContext) -> Iterator[Finding]:
        gamma = fact.values.get("gamma")
        if fact.cls not in DECAYING or isinstance(gamma, bool) or not isinstance(gamma, (int, float)):
            return
        if gamma < 1:
            return
        if gamma == 1:
            message = (
                f"`{fact.cls}` with gamma={gamma!r} never changes the learning rate: the scheduler is "
                "a no-op; for a decay use a factor below 1 (e.g. 0.1); for a constant rate use "
                "`ConstantLR(optimizer, factor=1.0)` or no scheduler, or mark it `# noqa: LR004`"
            )
        else:
            message = (
                f"`{fact.cls}` with gamma={gamma!r} multiplies the learning rate by {gamma!r} "
                f"at every decay: it grows instead of decaying; use a factor below 1 (e.g. {1 / gamma:.3g})"
            )
        yield Finding(fact.arg_span("gamma"), message, build_scenario(fact, facts))


RULE = GammaNotDecaying()
