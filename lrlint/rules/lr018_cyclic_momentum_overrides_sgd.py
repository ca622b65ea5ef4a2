"""LR018 cyclic-momentum-overrides-sgd: OneCycleLR / CyclicLR turn on momentum for an SGD without it."""

from __future__ import annotations

from typing import Iterator

from lrlint.catalogue import schedulers
from lrlint.facts.model import FileFacts, OptimizerFact, SchedulerFact
from lrlint.facts.needs import Needs
from lrlint.facts.scenarios import build_scenario
from lrlint.rules.base import ConstructorRule, Finding, RuleContext
from lrlint.rules.examples import invalid
from lrlint.rules.verification import VerifyHook
from lrlint.scenario import Scenario
from lrlint.signatures import NO_DEFAULT
from lrlint.verify.record import Run, Verdict, fmt, same

# The schedulers that cycle the optimizer's momentum by default (`cycle_momentum=True`).
CYCLING = frozenset(name for name, signature in schedulers().items() if signature.cycles_momentum)


# --- --verify: the judge -------------------------------------------------------------------


def judge(scenario: Scenario, run: Run, reference: Run | None) -> Verdict:
    """The optimizer's momentum is 0 before the scheduler is built, and not after."""
    if run.failed:
        return Verdict("inconclusive", f"{run.failed}, before the momentum could be observed")
    momentum = run.hyperparameters.get("momentum", [])
    if len(momentum) < 2:
        return Verdict("inconclusive", f"the optimizer ({scenario.optimizer}) has no momentum to observe")
    before, after = momentum[0], momentum[1:]
    shown = " -> ".join(f"{m:.6g}" for m in after)  # 6 digits: a cycle moves it by 1e-4 a step
    if same(before, 0.0) and any(not same(m, 0.0) for m in after):
        return Verdict(
            "confirmed",
            f"{scenario.optimizer} momentum {fmt(before)} before {scenario.scheduler} is built, "
            f"then {shown} (after construction, then per step)",
        )
    if not same(before, 0.0):
        return Verdict("inconclusive", f"the optimizer was built with momentum {fmt(before)}, not 0")
    return Verdict("refuted", f"momentum stays {fmt(before)}: {scenario.scheduler} does not touch it")


_HEADER = "import torch\nfrom torch.optim.lr_scheduler import CyclicLR, OneCycleLR\n"


class CyclicMomentumOverridesSGD(ConstructorRule):
    code = "LR018"
    schedulers = CYCLING
    needs = Needs(optimizer_options=True)
    verification = VerifyHook(judge)
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
        invalid(
            _HEADER + "opt = torch.optim.SGD(model.parameters(), lr=0.1)\nOneCycleLR(opt, 0.1, total_steps=100)\n",
            "`OneCycleLR` cycles momentum by default (cycle_momentum=True) and the SGD optimizer was built without momentum: torch silently turns it on when the scheduler is built and cycles it between 0.85 and 0.95; pass `cycle_momentum=False` for plain SGD, or give SGD a momentum on purpose",
        ),
        invalid(
            _HEADER + "opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0)\nCyclicLR(opt, 0.001, 0.01)\n",
            "`CyclicLR` cycles momentum by default (cycle_momentum=True) and the SGD optimizer was built without momentum: torch silently turns it on when the scheduler is built and cycles it between 0.8 and 0.9; pass `cycle_momentum=False` for plain SGD, or give SGD a momentum on purpose",
        ),
    )

    def check_constructor(self, fact: SchedulerFact, facts: FileFacts, context: RuleContext) -> Iterator[Finding]:
        if "cycle_momentum" in fact.bound and fact.values.get("cycle_momentum") is not True:
            return  # False, or not a literal
        if fact.star_args or fact.star_kwargs:
            return
        optimizer = facts.optimizer(fact.optimizer)
        if optimizer is None or not _plain_sgd(optimizer):
            return
        signature = schedulers()[fact.cls]
        low, high = (
            fact.values.get(name, signature.default(name) if name not in fact.bound else None)
            for name in ("base_momentum", "max_momentum")
        )
        known = low not in (None, NO_DEFAULT) and high not in (None, NO_DEFAULT)
        between = f"between {low} and {high}" if known else "between base_momentum and max_momentum"
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
