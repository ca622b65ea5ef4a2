"""LR003 milestones-not-increasing: MultiStepLR milestones that repeat or are out of order."""

from __future__ import annotations

from collections import Counter
from typing import Iterator

from lrlint.facts.model import FileFacts, SchedulerFact
from lrlint.facts.scenarios import build_scenario
from lrlint.verify.evidence import judge_milestones
from lrlint.verify.hooks import VerifyHook
from lrlint.rules.base import ConstructorRule, Finding, RuleContext, format_list


class MilestonesNotIncreasing(ConstructorRule):
    code = "LR003"
    schedulers = frozenset({"MultiStepLR"})
    verification = VerifyHook(judge_milestones)
    VALID = (
        "from torch.optim.lr_scheduler import MultiStepLR\nMultiStepLR(opt, milestones=[30, 60, 90])\n",
        "from torch.optim.lr_scheduler import MultiStepLR\nMultiStepLR(opt, milestones=sorted(ms))\n",
        "from torch.optim.lr_scheduler import MultiStepLR\nM = [80, 40]\nM.sort()\nMultiStepLR(opt, M)\n",
    )
    INVALID = (
        "from torch.optim.lr_scheduler import MultiStepLR\nMultiStepLR(opt, milestones=[30, 30, 60])\n",
        "from torch.optim.lr_scheduler import MultiStepLR\nMILESTONES = [80, 40]\nMultiStepLR(opt, MILESTONES)\n",
    )

    def check_constructor(self, fact: SchedulerFact, facts: FileFacts, context: RuleContext) -> Iterator[Finding]:
        milestones = fact.values.get("milestones")
        if not isinstance(milestones, (list, tuple)) or not all(
            isinstance(m, (int, float)) and not isinstance(m, bool) for m in milestones
        ):
            return
        counts = Counter(milestones)
        repeated = sorted(m for m, n in counts.items() if n > 1)
        in_order = all(a < b for a, b in zip(milestones, milestones[1:]))
        if in_order:
            return
        shown = format_list(milestones)
        if repeated:
            epochs = ", ".join(str(m) for m in repeated)
            first = repeated[0]
            message = (
                f"milestones {shown} repeat {epochs}: MultiStepLR decays once per occurrence, "
                f"so the learning rate is multiplied by gamma**{counts[first]} at epoch {first}"
            )
        else:
            order = ", ".join(str(m) for m in sorted(milestones))
            message = (
                f"milestones {shown} are not increasing: MultiStepLR silently decays at epochs "
                f"{order} in sorted order; write them sorted (or fix the typo)"
            )
        yield Finding(fact.arg_span("milestones"), message, build_scenario(fact, facts))


RULE = MilestonesNotIncreasing()
