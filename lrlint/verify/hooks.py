"""What a rule tells --verify: how to build a finding's scenario and how to judge the run.

Rules own their hook (`Rule.verification`); the runner and the worker ask the rule, never a list
kept beside it. Imports nothing from torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Optional

if TYPE_CHECKING:
    from lrlint.scenario import Scenario
    from lrlint.verify.evidence import Run, Verdict

# (scenario, the run as the code orders its steps, the optimizer-first reference run or None)
Judge = Callable[["Scenario", "Run", Optional["Run"]], "Verdict"]


@dataclass(frozen=True)
class VerifyHook:
    judge: Judge
    # (scheduler, keyword) torch rejects whatever its value: a non-literal value gets a placeholder,
    # and the run's failure is the evidence rather than a reason to give up.
    rejected_keyword: tuple[str, str] | None = None
    # Also run the scenario optimizer-first and hand that run to `judge` as the reference.
    needs_reference: bool = False
    # Skip when the order of scheduler.step() and optimizer.step() was not read.
    needs_order: bool = False
    # The rule predicts a failure (an error at construction or at a step): a failed run is its
    # evidence, handed to `judge`, not a reason to give up.
    expects_failure: bool = False
    # How the worker calls the scheduler each iteration, when not a plain `step()` (see
    # worker._scheduler_stepper): "epoch" passes the 0-based loop index to `step`, "no-metric"
    # calls ReduceLROnPlateau's `step()` bare, "get_lr" also reads `get_lr()` after each step.
    call: str | None = None
    # The claim is about the call's shape (Python's argument binding: an unknown keyword, too many
    # positional arguments, a missing one), which no value changes: a value that is not a literal
    # is passed as None rather than skipping the finding. Implies expects_failure.
    shape_claim: bool = False
    # Keywords that cannot change the schedule (`verbose` only prints, and torch 2.7 removed it):
    # the run leaves them out, and says so, rather than fail on a removed keyword.
    ignored_keywords: tuple[str, ...] = ()


def hook_for(code: str) -> VerifyHook | None:
    from lrlint.rules import rule_for

    rule = rule_for(code)
    return rule.verification if rule is not None else None


def verifiable_codes() -> frozenset[str]:
    from lrlint.rules import all_rules

    return frozenset(rule.code for rule in all_rules() if rule.verification is not None)
