"""LR013 invalid-scheduler-value: literal arguments torch rejects or that defeat the schedule."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from lrlint.facts.invalid_values import Problem, problems
from lrlint.facts.model import FileFacts, SchedulerFact
from lrlint.facts.scenarios import build_scenario
from lrlint.rules.base import ConstructorRule, Finding, RuleContext
from lrlint.rules.examples import invalid
from lrlint.rules.judging import change_epochs, epochs_text, suffix
from lrlint.rules.verification import VerifyHook
from lrlint.scenario import Scenario
from lrlint.signatures import integer, number
from lrlint.verify.record import Run, Verdict, fmt, same

# --- --verify: the judge -------------------------------------------------------------------


def judge(scenario: Scenario, run: Run, reference: Run | None) -> Verdict:
    """The outcome the finding's own problem predicts (its scenario's subject), recomputed from
    the literals as rebuilt, so that the claim and its check cannot drift apart."""
    present = {*scenario.kwargs, *scenario.unknown}
    found = problems(scenario.scheduler, scenario.kwargs, present)
    problem = next((p for p in found if p.key == scenario.subject), None)
    if problem is None:
        return Verdict("inconclusive", "the literals as rebuilt hold no value the rule predicts a failure for")
    if problem.outcome == "construct":
        error = run.construct_error or ""
        if error.startswith(problem.torch_text):
            return Verdict("confirmed", f"{run.scheduler}(...) raises {error}")
        if error:
            return Verdict("inconclusive", f"{run.scheduler}(...) raises {error}, not the error about `{problem.param}` the rule predicts")
        return Verdict("refuted", f"{run.scheduler}(...) builds without error")
    if run.construct_error:
        return Verdict("inconclusive", f"construction raised {run.construct_error}, before the rule's effect could be observed")
    if problem.outcome == "zero-division":
        if run.step_error and run.step_error.startswith(problem.torch_text) and run.step_error_at == 1:
            return Verdict("confirmed", f"{run.scheduler}(...) is built, but step {run.step_error_at} raises {run.step_error}")
        if run.step_error:
            return Verdict("inconclusive", f"step {run.step_error_at} raises {run.step_error}, not ZeroDivisionError at the first step")
        return Verdict("refuted", f"{run.scheduler}(...) steps {run.horizon} times without error")
    if run.step_error:
        return Verdict("inconclusive", f"step {run.step_error_at} raises {run.step_error}, before the rule's effect could be observed")
    return _trajectory_verdict(problem, scenario, run)


def _trajectory_verdict(problem: Problem, scenario: Scenario, run: Run) -> Verdict:
    trajectory = run.trajectory
    if problem.outcome == "lr-zero":
        zero = next((i for i, lr in enumerate(trajectory) if lr == 0), None)
        if zero is None:
            return Verdict("inconclusive", f"the lr never reaches 0 over {run.horizon} epochs{suffix(run)}")
        if all(lr == 0 for lr in trajectory[zero:]):
            return Verdict("confirmed", f"lr {fmt(run.base_lr)} -> 0 at epoch {zero} and stays 0 to epoch {run.horizon}{suffix(run)}")
        return Verdict("refuted", f"lr is 0 at epoch {zero}, but not after it{suffix(run)}")
    if problem.outcome == "lr-negative":
        negative = next((i for i, lr in enumerate(trajectory) if lr < 0), None)
        if negative is None:
            return Verdict("inconclusive", f"the lr stays >= 0 over {run.horizon} epochs{suffix(run)}")
        return Verdict("confirmed", f"lr {fmt(run.base_lr)} -> {fmt(trajectory[negative])} at epoch {negative}: negative{suffix(run)}")
    if problem.outcome == "at-construction":
        if trajectory and not same(trajectory[0], run.base_lr):
            return Verdict("confirmed", f"lr is {fmt(trajectory[0])} right after construction, not the optimizer's {fmt(run.base_lr)}: decayed before the first epoch{suffix(run)}")
        return Verdict("refuted", f"lr is {fmt(run.base_lr)} after construction: no decay at milestone 0")
    if problem.outcome == "never":
        milestones = [m for m in scenario.kwargs.get(problem.param, []) if number(m)]
        # Ints compare exactly: a literal past float range (999999**64) is never converted.
        whole = [m for m in milestones if integer(m) or (isinstance(m, float) and m.is_integer())]
        bad = [m for m in milestones if m < 0 or m not in whole]
        if any(m > run.horizon for m in bad):
            return Verdict("inconclusive", f"the {run.horizon}-epoch loop ends before milestone {max(bad)!r}{suffix(run)}")
        reached = sorted({int(m) for m in whole if 1 <= m <= run.horizon})
        drops = change_epochs(trajectory)
        shown = ", ".join(repr(m) for m in bad)
        if drops == reached:
            where = f"only at epochs {epochs_text(drops)}" if drops else "never"
            return Verdict("confirmed", f"lr decays {where} over {run.horizon} epochs: milestone {shown} is never reached{suffix(run)}")
        return Verdict("refuted", f"lr changes at epochs {epochs_text(drops)}: not only at the whole milestones {reached}{suffix(run)}")
    return Verdict("skipped", "not verified: torch cannot rebuild the schedulers SequentialLR is given")

_IMPORT = "from torch.optim.lr_scheduler import *\n"


class InvalidSchedulerValue(ConstructorRule):
    code = "LR013"
    verification = VerifyHook(judge, expects_failure=True)
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
        invalid(
            _IMPORT + "StepLR(opt, step_size=0)\n",
            "`StepLR` with step_size=0: the first `scheduler.step()` raises ZeroDivisionError (epoch % step_size)",
        ),
        invalid(
            _IMPORT + "ExponentialLR(opt, gamma=0)\n",
            "`ExponentialLR` with gamma=0 sets the learning rate to 0 at the first decay: nothing is learned after it",
        ),
        invalid(
            _IMPORT + "MultiStepLR(opt, milestones=[0, 30])\n",
            "milestone 0 is reached while `MultiStepLR` is built: the learning rate is decayed before the first epoch and the initial one is never used",
        ),
        invalid(
            _IMPORT + "MultiStepLR(opt, milestones=[2.5, 7.5])\n",
            "milestones 2.5, 7.5 are never reached (MultiStepLR compares milestones with the whole epoch count): no decay happens there",
        ),
        invalid(
            _IMPORT + "CosineAnnealingLR(opt, T_max=0)\n",
            "`CosineAnnealingLR` with T_max=0: the first `scheduler.step()` raises ZeroDivisionError",
        ),
        invalid(
            _IMPORT + "LinearLR(opt, start_factor=0)\n",
            "`LinearLR` with start_factor=0: building it raises ValueError (the factor must be in (0, 1])",
        ),
        # torch stops at the first value it rejects: one finding, about start_factor.
        invalid(
            _IMPORT + "LinearLR(opt, start_factor=0, end_factor=2)\n",
            "`LinearLR` with start_factor=0: building it raises ValueError (the factor must be in (0, 1])",
        ),
        invalid(
            _IMPORT + "ConstantLR(opt, factor=2)\n",
            "`ConstantLR` with factor=2: building it raises ValueError (the factor must be in [0, 1])",
        ),
        invalid(
            _IMPORT + "OneCycleLR(opt, max_lr=0.1)\n",
            "`OneCycleLR` without `total_steps` nor both `epochs` and `steps_per_epoch`: building it raises ValueError (it cannot know the cycle's length)",
        ),
        invalid(
            _IMPORT + "SequentialLR(opt, [warm, cos], milestones=[5, 10])\n",
            "`SequentialLR` with 2 schedulers needs 1 milestone(s), got 2: building it raises ValueError",
        ),
        invalid(
            _IMPORT + "CosineAnnealingWarmRestarts(opt, T_0=10, T_mult=1.5)\n",
            "`CosineAnnealingWarmRestarts` with T_mult=1.5: building it raises ValueError (T_mult must be an int >= 1)",
        ),
    )

    def check_constructor(self, fact: SchedulerFact, facts: FileFacts, context: RuleContext) -> Iterator[Finding]:
        if fact.unexpected or fact.extra_positional:
            return  # Python rejects the call's shape first (LR001/LR002/LR006/LR008): no value is ever checked
        opaque = fact.star_args or fact.star_kwargs or bool(fact.extra_positional)
        present = {*fact.bound, *fact.unexpected}
        for problem in problems(fact.cls, fact.values, present, fact.lengths, opaque):
            span = fact.arg_span(problem.param) if problem.param in present else fact.span
            yield Finding(span, problem.message, replace(build_scenario(fact, facts), subject=problem.key))


RULE = InvalidSchedulerValue()
