"""LR004 gamma-not-decaying: gamma >= 1 on a scheduler that decays by gamma (StepLR, MultiStepLR,
ExponentialLR: `decay` in rules/schedulers.toml)."""

from __future__ import annotations

import math
from typing import Iterator

from lrlint.catalogue import schedulers
from lrlint.facts.model import FileFacts, SchedulerFact
from lrlint.facts.scenarios import build_scenario
from lrlint.rules.base import ConstructorRule, Finding, RuleContext
from lrlint.rules.examples import invalid
from lrlint.rules.judging import overflow, suffix
from lrlint.rules.verification import VerifyHook
from lrlint.scenario import Scenario
from lrlint.verify.record import Run, Verdict, fmt, same

DECAYING = frozenset(name for name, signature in schedulers().items() if signature.decay is not None)


# --- --verify: the judge -------------------------------------------------------------------


def judge(scenario: Scenario, run: Run, reference: Run | None) -> Verdict:
    """gamma > 1: the rate grows; gamma == 1: it never changes. The gamma judged is the one torch
    was given (the run's bound arguments)."""
    start, end = run.base_lr, run.trajectory[-1]
    gamma = run.params.get("gamma")
    cut = overflow(run)
    if not math.isfinite(start):
        return Verdict("inconclusive", f"the optimizer's lr is {start} before any step: growth cannot be measured")
    grows_claimed = not (isinstance(gamma, (int, float)) and gamma == 1)
    if cut:
        # Stepping stopped at the overflow: the finite trajectory alone would read as "never applied".
        grew = run.overflow_value == math.inf and start > 0 and grows_claimed
        return Verdict(
            "confirmed" if grew else "inconclusive",
            f"lr grows {fmt(start)} -> inf: {cut} (gamma={gamma})" if grew else f"{cut} (gamma={gamma})",
        )
    span = f"over {run.horizon} epochs{suffix(run, f'gamma={gamma}')}"
    if end > start and not same(end, start):
        if grows_claimed:
            return Verdict("confirmed", f"lr grows {fmt(start)} -> {fmt(end)} {span}")
        return Verdict("refuted", f"lr grows {fmt(start)} -> {fmt(end)} {span}: the schedule is not flat")
    if not same(end, start):
        return Verdict("refuted", f"lr decays {fmt(start)} -> {fmt(end)} {span}")
    signature = schedulers().get(run.scheduler)
    due = signature.decay.first_due(run.params) if signature is not None and signature.decay is not None else None
    if due is not None and due > run.horizon:
        return Verdict(
            "inconclusive",
            f"lr stays {fmt(start)} over {run.horizon} epochs, but the first decay is only due at "
            f"epoch {due}: gamma is never applied{suffix(run)}",
        )
    if grows_claimed:
        return Verdict("inconclusive", f"lr stays {fmt(start)} {span}: a growth by gamma cannot show from this rate")
    return Verdict("confirmed", f"lr stays {fmt(start)} {span}")


class GammaNotDecaying(ConstructorRule):
    code = "LR004"
    schedulers = DECAYING
    verification = VerifyHook(judge)
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
        invalid(
            "from torch.optim.lr_scheduler import StepLR\nStepLR(opt, step_size=30, gamma=10)\n",
            "`StepLR` with gamma=10 multiplies the learning rate by 10 at every decay: it grows instead of decaying; use a factor below 1 (e.g. 0.1)",
        ),
        invalid(
            "from torch.optim.lr_scheduler import ExponentialLR\nExponentialLR(opt, 1.5)\n",
            "`ExponentialLR` with gamma=1.5 multiplies the learning rate by 1.5 at every decay: it grows instead of decaying; use a factor below 1 (e.g. 0.667)",
        ),
        invalid(
            "from torch.optim.lr_scheduler import MultiStepLR\nGAMMA = 2\nMultiStepLR(opt, [30], GAMMA)\n",
            "`MultiStepLR` with gamma=2 multiplies the learning rate by 2 at every decay: it grows instead of decaying; use a factor below 1 (e.g. 0.5)",
        ),
        invalid(
            "from torch.optim.lr_scheduler import ExponentialLR\nExponentialLR(opt, gamma=1.0)\n",
            "`ExponentialLR` with gamma=1.0 never changes the learning rate: the scheduler is a no-op; for a decay use a factor below 1 (e.g. 0.1); for a constant rate use `ConstantLR(optimizer, factor=1.0)` or no scheduler, or mark it `# noqa: LR004`",
        ),
        invalid(
            "from torch.optim.lr_scheduler import StepLR\nStepLR(opt, step_size=1, gamma=1)\n",
            "`StepLR` with gamma=1 never changes the learning rate: the scheduler is a no-op; for a decay use a factor below 1 (e.g. 0.1); for a constant rate use `ConstantLR(optimizer, factor=1.0)` or no scheduler, or mark it `# noqa: LR004`",
        ),
    )

    def check_constructor(self, fact: SchedulerFact, facts: FileFacts, context: RuleContext) -> Iterator[Finding]:
        gamma = fact.values.get("gamma")
        if isinstance(gamma, bool) or not isinstance(gamma, (int, float)):
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
