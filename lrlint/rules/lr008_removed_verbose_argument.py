"""LR008 removed-verbose-argument: `verbose` given to a scheduler (deprecated in torch 2.2, removed in 2.7)."""

from __future__ import annotations

from dataclasses import replace
from typing import Literal, Iterator

from lrlint.catalogue import release, schedulers
from lrlint.facts.model import FileFacts, SchedulerFact
from lrlint.facts.scenarios import build_scenario, call_scenario
from lrlint.rules.base import ConstructorRule, Edit, Finding, Fix, RuleContext
from lrlint.rules.examples import invalid
from lrlint.rules.releases import release_of, target_name, target_text, torch_name
from lrlint.rules.verification import VerifyHook
from lrlint.scenario import Scenario
from lrlint.verify.record import Run, Verdict

VERBOSE = "verbose"
VERBOSE_WARNING = "The verbose parameter is deprecated"


# --- --verify: the judge -------------------------------------------------------------------


def judge(scenario: Scenario, run: Run, reference: Run | None) -> Verdict:
    """torch rejects `verbose` (2.7 and later) or warns about it (2.2 to 2.6), as the release the
    finding is about does."""
    signature = schedulers().get(scenario.scheduler)
    param = signature.param(VERBOSE) if signature is not None else None
    if param is None:
        return Verdict("inconclusive", f"{scenario.scheduler} has no `verbose` parameter in lrlint's table")
    target = release_of(scenario.torch_target)
    claims_error = not param.accepted(target)
    where = f"torch {run.torch_version}"
    error = run.construct_error
    by_position = VERBOSE not in scenario.kwargs  # passed positionally: Python counts, never names it
    rejected = bool(
        error and error.startswith("TypeError:")
        and ("'verbose'" in error or (by_position and "positional argument" in error))
    )
    warned = next((w for w in run.warnings if VERBOSE_WARNING in w), None)
    if rejected:
        if claims_error:
            return Verdict("confirmed", f"{scenario.scheduler}(..., verbose=...) raises {error}")
        return Verdict("inconclusive", f"{where} raises {error}; the finding is about {target_name(scenario)}, which only warns")
    if error:
        return Verdict("inconclusive", f"{scenario.scheduler}(...) raises {error}, not a TypeError about `verbose`")
    if warned:
        if not claims_error:
            return Verdict("confirmed", f"{where} warns: {warned}")
        return Verdict("inconclusive", f"{where} only warns ({warned}); the finding is about {target_name(scenario)}")
    installed = release_of(run.torch_version)
    if installed is not None and param.deprecated is not None and installed < release(param.deprecated):
        return Verdict("inconclusive", f"{where} predates the deprecation of `verbose` ({param.deprecated}): it cannot show it")
    return Verdict("refuted", f"{scenario.scheduler}(..., verbose=...) builds in {where} without a warning or an error")


class RemovedVerboseArgument(ConstructorRule):
    code = "LR008"
    verification = VerifyHook(judge, shape_claim=True)
    VALID = (
        "from torch.optim.lr_scheduler import StepLR\nStepLR(opt, 30, 0.1)\n",
        "from torch.optim.lr_scheduler import ReduceLROnPlateau\nReduceLROnPlateau(opt, 'min', patience=5)\n",
        # Another library's scheduler that still takes verbose.
        "from mmengine.optim import StepLR\nStepLR(opt, step_size=30, verbose=True)\n",
        "from torch.optim.lr_scheduler import StepLR\nStepLR(opt, 30, **options)\n",
    )
    INVALID = (
        invalid(
            "from torch.optim.lr_scheduler import ReduceLROnPlateau\nReduceLROnPlateau(opt, 'min', verbose=True)\n",
            "`verbose` was removed from `ReduceLROnPlateau` in torch 2.7: in current torch, building it raises TypeError (unexpected keyword argument 'verbose'); delete the argument and print `scheduler.get_last_lr()` to see the rate",
        ),
        invalid(
            "from torch.optim.lr_scheduler import StepLR\nStepLR(opt, 30, 0.1, -1, True)\n",
            "`verbose` (passed positionally) was removed from `StepLR` in torch 2.7: in current torch, building it raises TypeError (too many positional arguments); delete the argument and print `scheduler.get_last_lr()` to see the rate",
        ),
        invalid(
            "import torch\ntorch.optim.lr_scheduler.MultiStepLR(opt, [30, 80], verbose=False)\n",
            "`verbose` was removed from `MultiStepLR` in torch 2.7: in current torch, building it raises TypeError (unexpected keyword argument 'verbose'); delete the argument and print `scheduler.get_last_lr()` to see the rate",
        ),
    )

    def check_constructor(self, fact: SchedulerFact, facts: FileFacts, context: RuleContext) -> Iterator[Finding]:
        signature = schedulers()[fact.cls]
        param = signature.param(VERBOSE)
        target = context.torch_version
        if param is None or VERBOSE not in fact.bound or not signature.exists_in(target):
            return
        removed = param.removed is not None and (target is None or target >= release(param.removed))
        if not removed and not param.deprecated_in(target):
            return  # before 2.2 verbose is an ordinary parameter (before 1.8, LR006's question)
        positional = VERBOSE in fact.positional
        written = "`verbose` (passed positionally)" if positional else "`verbose`"
        if removed:
            raised = "too many positional arguments" if positional else "unexpected keyword argument 'verbose'"
            message = (
                f"{written} was removed from `{fact.cls}` in torch {param.removed}: in {torch_name(target)}, "
                f"building it raises TypeError ({raised}); delete the argument and print "
                "`scheduler.get_last_lr()` to see the rate"
            )
            severity: Literal["error", "warning"] = "error"
        else:
            message = (
                f"{written} is deprecated on `{fact.cls}` since torch {param.deprecated}: in "
                f"{torch_name(target)}, building it warns and the argument does nothing; torch "
                f"{param.removed} rejects it with TypeError; delete the argument"
            )
            severity = "warning"
        # The call up to `verbose`: nothing else in it that torch could reject first.
        keep = fact.positional.index(VERBOSE) + 1 if positional else len(fact.positional)
        keywords = {n for n in fact.bound if n not in fact.positional}
        yield Finding(
            fact.arg_span(VERBOSE),
            message,
            call_scenario(fact, facts, target_text(target), keep, keywords),
            fix=self._delete(fact, facts, target_text(target)),
            severity=severity,
        )

    @staticmethod
    def _delete(fact: SchedulerFact, facts: FileFacts, target: str | None) -> Fix | None:
        """Delete the argument with the comma before it (`, verbose=False`), when that comma is on
        the same line; else with the comma after it, up to the next argument. Nothing is offered
        when neither is sure (a trailing comma or a comment could be in between)."""
        spans = sorted(
            [arg.span for arg in fact.bound.values()] + [arg.span for arg in fact.unexpected.values()],
            key=lambda s: (s.start, s.end),
        )
        mine = fact.arg_span(VERBOSE)
        index = spans.index(mine)
        edit: Edit | None = None
        if index > 0 and spans[index - 1].end.row == mine.start.row:
            edit = Edit(spans[index - 1].end, mine.end, "")
        elif index + 1 < len(spans):
            edit = Edit(mine.start, spans[index + 1].start, "")
        if edit is None or fact.star_args or fact.star_kwargs:
            return None
        if VERBOSE in fact.positional and (fact.positional[-1] != VERBOSE or fact.extra_positional):
            return None  # arguments after it would move up into its place: not this fix's to decide
        built = build_scenario(fact, facts)
        after = replace(
            built,
            kwargs={k: v for k, v in built.kwargs.items() if k != VERBOSE},
            unknown=tuple(u for u in built.unknown if u != VERBOSE),
            torch_target=target,
        )
        return Fix("Delete the `verbose` argument", (edit,), "safe", after)


RULE = RemovedVerboseArgument()
