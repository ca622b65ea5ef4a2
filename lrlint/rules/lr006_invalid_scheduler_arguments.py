"""LR006 invalid-scheduler-arguments: a call torch's signature rejects, for the targeted release."""

from __future__ import annotations

import difflib
from typing import Iterator

from lrlint.catalogue import Param, Release, SchedulerSignature, release, schedulers
from lrlint.facts.model import FileFacts, SchedulerFact, Span
from lrlint.facts.scenarios import call_scenario
from lrlint.rules.base import ConstructorRule, Finding, RuleContext
from lrlint.verify.evidence import judge_call_shape
from lrlint.verify.hooks import VerifyHook

# What LR001 and LR002 report under their own codes.
OWNED_ELSEWHERE = frozenset({("StepLR", "milestones"), ("MultiStepLR", "step_size")})
VERBOSE = "verbose"  # LR008's


def torch_name(target: Release | None) -> str:
    return f"torch {target[0]}.{target[1]}" if target is not None else "current torch"


def target_text(target: Release | None) -> str | None:
    return f"{target[0]}.{target[1]}" if target is not None else None


class InvalidSchedulerArguments(ConstructorRule):
    code = "LR006"
    verification = VerifyHook(judge_call_shape, shape_claim=True)
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
        "from torch.optim.lr_scheduler import CosineAnnealingLR\nCosineAnnealingLR(opt, T_max=100, eta_max=0.1)\n",
        "from torch.optim.lr_scheduler import ExponentialLR\nExponentialLR(opt)\n",
        "from torch.optim.lr_scheduler import StepLR\nStepLR(opt, 30, 0.1, -1, False, 5)\n",
        "import torch\ntorch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_step=1000)\n",
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
