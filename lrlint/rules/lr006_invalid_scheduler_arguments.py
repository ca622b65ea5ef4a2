"""LR006 invalid-scheduler-arguments: a call torch's signature rejects, for the targeted release."""

from __future__ import annotations

import difflib
from typing import Any, Iterator

from lrlint.catalogue import Param, Release, SchedulerSignature, release, schedulers
from lrlint.facts.model import FileFacts, SchedulerFact, Span
from lrlint.facts.scenarios import call_scenario
from lrlint.rules.base import ConstructorRule, Finding, RuleContext
from lrlint.rules.examples import invalid
from lrlint.rules.releases import release_of, target_name, target_text, torch_name
from lrlint.rules.verification import VerifyHook
from lrlint.scenario import Scenario
from lrlint.verify.record import Run, Verdict

# What LR001 and LR002 report under their own codes.
OWNED_ELSEWHERE = frozenset({("StepLR", "milestones"), ("MultiStepLR", "step_size")})
VERBOSE = "verbose"  # LR008's


# --- --verify: the judge -------------------------------------------------------------------


def binding_error(scheduler: str, args: list[Any], kwargs: dict[str, Any], target: Release | None) -> tuple[str, ...] | None:
    """What Python's argument binding rejects first when `scheduler(optimizer, *args, **kwargs)` is
    called in torch `target` (by lrlint's signature table), as fragments of its TypeError; None
    when the call binds. Python checks the positional count, then the keywords, then what is missing."""
    signature = schedulers().get(scheduler)
    if signature is None:
        return None
    accepted = signature.params_for(target)
    names = [p.name for p in accepted]
    given = 1 + len(args)  # the optimizer, always passed first
    if given > len(names):
        return ("positional argument", f"but {given + 1} were given")  # Python counts `self`
    for name in kwargs:
        if name not in names:
            return (f"unexpected keyword argument '{name}'",)
        if name in names[:given]:
            return (f"multiple values for argument '{name}'",)
    bound = set(names[:given]) | set(kwargs)
    missing = [p.name for p in accepted if p.required and p.name not in bound]
    if missing:
        return ("missing", f"'{missing[0]}'")
    return None


def judge(scenario: Scenario, run: Run, reference: Run | None) -> Verdict:
    """torch rejects the call's arguments with the TypeError the table predicts for the release
    the finding is about."""
    args, kwargs = list(scenario.args), {k: v for k, v in scenario.kwargs.items() if k != "optimizer"}
    installed = release_of(run.torch_version)
    target = release_of(scenario.torch_target)
    claimed = binding_error(scenario.scheduler, args, kwargs, target)
    here = binding_error(scenario.scheduler, args, kwargs, installed)
    where = f"torch {run.torch_version}"
    error = run.construct_error
    if error and error.startswith("TypeError:") and here and all(part in error for part in here):
        if claimed == here:
            return Verdict("confirmed", f"{scenario.scheduler}(...) raises {error}")
        return Verdict("inconclusive", f"{where} raises {error}, but the finding is about {target_name(scenario)}")
    if error:
        return Verdict("inconclusive", f"{scenario.scheduler}(...) raises {error}, not the TypeError the rule predicts")
    if claimed is not None and here is None and installed != target:
        return Verdict(
            "inconclusive",
            f"{where} accepts the call; the finding is about {target_name(scenario)}, whose signature differs",
        )
    return Verdict("refuted", f"{scenario.scheduler}(...) builds in {where} without a TypeError")


class InvalidSchedulerArguments(ConstructorRule):
    code = "LR006"
    verification = VerifyHook(judge, shape_claim=True)
    VALID = (
        "from torch.optim.lr_scheduler import StepLR\nStepLR(opt, 30, 0.1, last_epoch=-1)\n",
        "from torch.optim.lr_scheduler import OneCycleLR\nOneCycleLR(opt, max_lr=0.1, total_steps=1000)\n",
        # **kwargs and *args may supply anything: nothing is said about what they could hold.
        "from torch.optim.lr_scheduler import StepLR\nStepLR(opt, **cfg)\n",
        "from torch.optim.lr_scheduler import CosineAnnealingLR\nCosineAnnealingLR(opt, *args)\n",
        # LR001's and LR008's.
        "from torch.optim.lr_scheduler import StepLR\nStepLR(opt, milestones=[30])\n",
        "from torch.optim.lr_scheduler import StepLR\nStepLR(opt, 30, verbose=True)\n",
        # A scheduler of another library with the same name.
        "from transformers import LinearLR\nLinearLR(opt, warmup_steps=100)\n",
    )
    INVALID = (
        invalid(
            "from torch.optim.lr_scheduler import CosineAnnealingLR\nCosineAnnealingLR(opt, T_max=100, eta_max=0.1)\n",
            "`CosineAnnealingLR` has no `eta_max` parameter: building it raises TypeError (unexpected keyword argument 'eta_max'); did you mean `eta_min`?",
        ),
        invalid(
            "from torch.optim.lr_scheduler import ExponentialLR\nExponentialLR(opt)\n",
            "`ExponentialLR` is called without its required `gamma` argument: building it raises TypeError (missing required argument 'gamma')",
        ),
        invalid(
            "from torch.optim.lr_scheduler import StepLR\nStepLR(opt, 30, 0.1, -1, False, 5)\n",
            "`StepLR` takes at most 4 positional arguments in current torch (optimizer, step_size, gamma, last_epoch), but 6 are given: building it raises TypeError (too many positional arguments); pass the extra ones by keyword or remove them",
        ),
        invalid(
            "import torch\ntorch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_step=1000)\n",
            "`OneCycleLR` has no `total_step` parameter: building it raises TypeError (unexpected keyword argument 'total_step'); did you mean `total_steps`?",
        ),
    )

    def check_constructor(self, fact: SchedulerFact, facts: FileFacts, context: RuleContext) -> Iterator[Finding]:
        signature = schedulers()[fact.cls]
        target = context.torch_version
        if not signature.exists_in(target):
            return  # the class itself is missing from that release: not a question of arguments
        accepted = signature.params_for(target)
        names = [p.name for p in accepted]
        version = target_text(target)
        given = len(fact.positional) + fact.extra_positional
        surplus = [*fact.positional[len(names):], *(["?"] * fact.extra_positional)]
        if not fact.star_args and given > len(names) and surplus != [VERBOSE]:
            yield Finding(
                self._surplus_span(fact, len(names)),
                f"`{fact.cls}` takes at most {len(names)} positional arguments in {torch_name(target)} "
                f"({', '.join(names)}), but {given} are given: building it raises TypeError "
                "(too many positional arguments); pass the extra ones by keyword or remove them",
                call_scenario(fact, facts, version),
            )
        keep = min(given, len(names))
        for name in fact.unexpected:
            if (fact.cls, name) in OWNED_ELSEWHERE:
                continue
            yield Finding(
                fact.arg_span(name),
                f"`{fact.cls}` has no `{name}` parameter: building it raises TypeError (unexpected "
                f"keyword argument '{name}'){self._hint(name, names, signature)}",
                call_scenario(fact, facts, version, keep, self._valid_keywords(fact, names) | {name}),
            )
        for name in fact.bound:
            param = signature.param(name)
            if param is None or name == VERBOSE or name in fact.positional or param.accepted(target):
                continue
            yield Finding(
                fact.arg_span(name),
                f"`{fact.cls}` has no `{name}` parameter in {torch_name(target)} ({self._history(param, target)}): "
                f"building it raises TypeError (unexpected keyword argument '{name}')",
                call_scenario(fact, facts, version, keep, self._valid_keywords(fact, names) | {name}),
            )
        if fact.star_args or fact.star_kwargs or any((fact.cls, n) in OWNED_ELSEWHERE for n in fact.unexpected):
            return  # LR001 / LR002: the call was written for the other class, which its finding says
        for param in accepted:
            if param.required and param.name not in fact.bound:
                yield Finding(
                    fact.span,
                    f"`{fact.cls}` is called without its required `{param.name}` argument: building it "
                    f"raises TypeError (missing required argument '{param.name}')",
                    call_scenario(fact, facts, version, keep, self._valid_keywords(fact, names)),
                )

    @staticmethod
    def _valid_keywords(fact: SchedulerFact, names: list[str]) -> set[str]:
        return {n for n in fact.bound if n in names and n not in fact.positional}

    @staticmethod
    def _surplus_span(fact: SchedulerFact, allowed: int) -> Span:
        if allowed < len(fact.positional):
            return fact.arg_span(fact.positional[allowed])
        return fact.span

    @staticmethod
    def _hint(name: str, names: list[str], signature: SchedulerSignature) -> str:
        close = difflib.get_close_matches(name, [n for n in names if n != signature.optimizer_param], n=1, cutoff=0.7)
        if close:
            return f"; did you mean `{close[0]}`?"
        return f"; its parameters are {', '.join(names)}"

    @staticmethod
    def _history(param: Param, target: Release | None) -> str:
        if param.removed is not None and (target is None or target >= release(param.removed)):
            return f"removed in {param.removed}"
        return f"added in {param.since}"


RULE = InvalidSchedulerArguments()
