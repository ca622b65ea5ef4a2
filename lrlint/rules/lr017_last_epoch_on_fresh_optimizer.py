"""LR017 last-epoch-on-fresh-optimizer: `last_epoch` set on a scheduler whose optimizer is new."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain

from lrlint.catalogue import schedulers
from lrlint.facts.model import FileFacts, SchedulerFact
from lrlint.facts.needs import Needs
from lrlint.facts.scenarios import build_scenario
from lrlint.rules.base import ConstructorRule, Finding, RuleContext
from lrlint.rules.examples import invalid
from lrlint.rules.verification import VerifyHook
from lrlint.scenario import Scenario
from lrlint.verify.record import Run, Verdict

# --- --verify: the judge -------------------------------------------------------------------


def judge(scenario: Scenario, run: Run, reference: Run | None) -> Verdict:
    """`last_epoch` other than -1 on a fresh optimizer: KeyError about 'initial_lr' when built."""
    last_epoch = scenario.kwargs.get("last_epoch")
    error = run.construct_error
    if error and error.startswith("KeyError:") and "initial_lr" in error:
        first = error.split("\\n")[0]  # newer torch adds hints after a newline (\\n in the repr)
        return Verdict("confirmed", f"{scenario.scheduler}(..., last_epoch={last_epoch}) on a fresh optimizer raises {first}")
    if error:
        return Verdict("inconclusive", f"{scenario.scheduler}(...) raises {error}, not the KeyError about 'initial_lr'")
    return Verdict("refuted", f"{scenario.scheduler}(..., last_epoch={last_epoch}) builds on a fresh optimizer")

_HEADER = "import torch\nfrom torch.optim.lr_scheduler import StepLR\n"
_OPT = "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"


class LastEpochOnFreshOptimizer(ConstructorRule):
    code = "LR017"
    needs = Needs(optimizer_fresh=True)
    verification = VerifyHook(judge, expects_failure=True)
    VALID = (
        _HEADER + _OPT + "StepLR(optimizer, 30, last_epoch=-1)\n",
        # Resumed: the optimizer's state (and its param groups' initial_lr) is loaded first.
        _HEADER + _OPT + "optimizer.load_state_dict(ckpt['optimizer'])\nStepLR(optimizer, 30, last_epoch=ckpt['epoch'])\n",
        _HEADER + _OPT + "optimizer.load_state_dict(ckpt['optimizer'])\nStepLR(optimizer, 30, last_epoch=10)\n",
        # A helper may load a checkpoint into it.
        _HEADER + _OPT + "start = restore(path, model, optimizer)\nStepLR(optimizer, 30, last_epoch=10)\n",
        # initial_lr set by hand.
        _HEADER + _OPT + "for g in optimizer.param_groups:\n    g.setdefault('initial_lr', g['lr'])\nStepLR(optimizer, 30, last_epoch=10)\n",
        # An earlier scheduler on the same optimizer set initial_lr.
        _HEADER + _OPT + "warm = StepLR(optimizer, 5)\nmain = StepLR(optimizer, 30, last_epoch=4)\n",
        # The optimizer comes from elsewhere.
        _HEADER + "def f(optimizer):\n    return StepLR(optimizer, 30, last_epoch=10)\n",
        _HEADER + _OPT + "StepLR(optimizer, 30, last_epoch=start_epoch - 1)\n",
    )
    INVALID = (
        invalid(
            _HEADER + _OPT + "StepLR(optimizer, 30, last_epoch=10)\n",
            "`StepLR(..., last_epoch=10)` on the `SGD` built just before, whose state was never loaded: building it raises KeyError (param 'initial_lr' is not specified in param_groups[0]); a fresh run keeps `last_epoch=-1`, a resumed one calls `optimizer.load_state_dict(...)` first",
        ),
        invalid(
            _HEADER + _OPT + "StepLR(optimizer, 30, 0.1, 0)\n",
            "`StepLR(..., last_epoch=0)` on the `SGD` built just before, whose state was never loaded: building it raises KeyError (param 'initial_lr' is not specified in param_groups[0]); a fresh run keeps `last_epoch=-1`, a resumed one calls `optimizer.load_state_dict(...)` first",
        ),
        invalid(
            (
            "import torch\nopt = torch.optim.AdamW(model.parameters(), lr=3e-4)\n"
            "torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=100, last_epoch=50)\n"
        ),
                "`CosineAnnealingLR(..., last_epoch=50)` on the `AdamW` built just before, whose state was never loaded: building it raises KeyError (param 'initial_lr' is not specified in param_groups[0]); a fresh run keeps `last_epoch=-1`, a resumed one calls `optimizer.load_state_dict(...)` first",
            ),
    )

    def check_constructor(self, fact: SchedulerFact, facts: FileFacts, context: RuleContext) -> Iterator[Finding]:
        last_epoch = fact.values.get("last_epoch")
        if "last_epoch" not in fact.bound or schedulers()[fact.cls].composite:
            return  # SequentialLR's inner schedulers set initial_lr before it runs
        if isinstance(last_epoch, bool) or not isinstance(last_epoch, int) or last_epoch == -1:
            return
        if not fact.optimizer_fresh or fact.optimizer is None:
            return
        body = facts.function_frame(fact.frames)
        others = chain(facts.schedulers_on(fact.optimizer), facts.schedulers_on_unknown(body))
        if any(other.id != fact.id for other in others):
            return  # another scheduler on it (built first) sets initial_lr; one on an unknown optimizer may
        optimizer = facts.optimizer(fact.optimizer)
        built = f"`{optimizer.cls}`" if optimizer is not None else "the optimizer"
        yield Finding(
            fact.arg_span("last_epoch"),
            f"`{fact.cls}(..., last_epoch={last_epoch})` on the {built} built just before, whose state "
            "was never loaded: building it raises KeyError (param 'initial_lr' is not specified in "
            "param_groups[0]); a fresh run keeps `last_epoch=-1`, a resumed one calls "
            "`optimizer.load_state_dict(...)` first",
            build_scenario(fact, facts),
        )


RULE = LastEpochOnFreshOptimizer()
