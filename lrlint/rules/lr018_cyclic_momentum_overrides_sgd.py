"""LR018 cyclic-momentum-overrides-sgd: OneCycleLR / CyclicLR turn on momentum for an SGD without it."""

from __future__ import annotations

from typing import Iterator

from lrlint.facts.model import FileFacts, OptimizerFact, SchedulerFact
from lrlint.facts.needs import Needs
from lrlint.facts.scenarios import build_scenario
from lrlint.rules.base import ConstructorRule, Finding, RuleContext
from lrlint.verify.evidence import judge_cyclic_momentum
from lrlint.verify.hooks import VerifyHook

# torch's defaults: (base_momentum, max_momentum)
DEFAULT_MOMENTUM = {"OneCycleLR": (0.85, 0.95), "CyclicLR": (0.8, 0.9)}
_HEADER = "import torch\nfrom torch.optim.lr_scheduler import CyclicLR, OneCycleLR\n"


class CyclicMomentumOverridesSGD(ConstructorRule):
    code = "LR018"
    schedulers = frozenset(DEFAULT_MOMENTUM)
    needs = Needs(optimizer_options=True)
    verification = VerifyHook(judge_cyclic_momentum)
    VALID = (
        _HEADER + "opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)\nOneCycleLR(opt, 0.1, total_steps=100)\n",
        _HEADER + "opt = torch.optim.SGD(model.parameters(), lr=0.1)\nOneCycleLR(opt, 0.1, total_steps=100, cycle_momentum=False)\n",
        _HEADER + "opt = torch.optim.SGD(model.parameters(), lr=0.1)\nCyclicLR(opt, 0.01, 0.1, cycle_momentum=args.cycle)\n",
        _HEADER + "opt = torch.optim.Adam(model.parameters(), lr=0.1)\nOneCycleLR(opt, 0.1, total_steps=100)\n",
        _HEADER + "opt = torch.optim.SGD(model.parameters(), 0.1, 0.9)\nOneCycleLR(opt, 0.1, total_steps=100)\n",
        _HEADER + "opt = torch.optim.SGD(model.parameters(), lr=0.1, **cfg)\nOneCycleLR(opt, 0.1, total_steps=100)\n",
        _HEADER + "opt = torch.optim.SGD([{'params': a, 'momentum': 0.9}], lr=0.1)\nOneCycleLR(opt, 0.1, total_steps=100)\n",
    )
    INVALID = (
        _HEADER + "opt = torch.optim.SGD(model.parameters(), lr=0.1)\nOneCycleLR(opt, 0.1, total_steps=100)\n",
        _HEADER + "opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0)\nCyclicLR(opt, 0.001, 0.01)\n",
    )

    def check_constructor(self, fact: SchedulerFact, facts: FileFacts, context: RuleContext) -> Iterator[Finding]:
        if "cycle_momentum" in fact.bound and fact.values.get("cycle_momentum") is not True:
            return  # False, or not a literal
        if fact.star_args or fact.star_kwargs:
            return
        optimizer = facts.optimizer(fact.optimizer)
        if optimizer is None or not _plain_sgd(optimizer):
            return
        base, top = DEFAULT_MOMENTUM[fact.cls]
        low = fact.values.get("base_momentum", base if "base_momentum" not in fact.bound else None)
        high = fact.values.get("max_momentum", top if "max_momentum" not in fact.bound else None)
        between = f"between {low} and {high}" if low is not None and high is not None else "between base_momentum and max_momentum"
        yield Finding(
            fact.span,
            f"`{fact.cls}` cycles momentum by default (cycle_momentum=True) and the SGD optimizer was "
            f"built without momentum: torch silently turns it on when the scheduler is built and "
            f"cycles it {between}; pass "
            "`cycle_momentum=False` for plain SGD, or give SGD a momentum on purpose",
            build_scenario(fact, facts),
        )


def _plain_sgd(optimizer: OptimizerFact) -> bool:
    """SGD built in view without momentum: no momentum keyword (or a literal 0), no third positional,
    nothing opaque that could carry one."""
    if optimizer.cls != "SGD" or optimizer.opaque or optimizer.positional > 2 or optimizer.param_groups:
        return False
    momentum = optimizer.keywords.get("momentum", 0)
    return not isinstance(momentum, bool) and isinstance(momentum, (int, float)) and momentum == 0


RULE = CyclicMomentumOverridesSGD()
