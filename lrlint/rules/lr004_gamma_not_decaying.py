"""LR004 gamma-not-decaying: gamma > 1 on StepLR, MultiStepLR or ExponentialLR."""

from __future__ import annotations

from typing import Iterator

from lrlint.facts.model import ModuleFacts
from lrlint.facts.scenarios import build_scenario
from lrlint.rules.base import Finding, Rule

DECAYING = frozenset({"StepLR", "MultiStepLR", "ExponentialLR"})


class GammaNotDecaying(Rule):
    code = "LR004"
    VALID = (
        "from torch.optim.lr_scheduler import ExponentialLR\nExponentialLR(opt, gamma=0.95)\n",
        "from torch.optim.lr_scheduler import StepLR\nStepLR(opt, 30, args.gamma)\n",
        # CyclicLR's gamma is a different knob (exp_range scaling), 1.0 by default.
        "from torch.optim.lr_scheduler import CyclicLR\nCyclicLR(opt, 0.01, 0.1, gamma=2.0)\n",
        # gamma=1 is a deliberate constant schedule far more often than a bug (seen in real repos).
        "from torch.optim.lr_scheduler import ExponentialLR\nExponentialLR(opt, gamma=1.0)\n",
    )
    INVALID = (
        "from torch.optim.lr_scheduler import StepLR\nStepLR(opt, step_size=30, gamma=10)\n",
        "from torch.optim.lr_scheduler import ExponentialLR\nExponentialLR(opt, 1.5)\n",
        "from torch.optim.lr_scheduler import MultiStepLR\nGAMMA = 2\nMultiStepLR(opt, [30], GAMMA)\n",
    )

    def check(self, facts: ModuleFacts) -> Iterator[Finding]:
        for fact in facts.schedulers:
            gamma = fact.values.get("gamma")
            if fact.cls not in DECAYING or isinstance(gamma, bool) or not isinstance(gamma, (int, float)):
                continue
            if gamma <= 1:
                continue
            message = (
                f"`{fact.cls}` with gamma={gamma!r} multiplies the learning rate by {gamma!r} "
                f"at every decay: it grows instead of decaying; use a factor below 1 (e.g. {1 / gamma:.3g})"
            )
            yield Finding(fact.arg_span("gamma", facts.spans), message, build_scenario(fact, facts))


RULE = GammaNotDecaying()
