"""What a rule tells --verify: how to run its finding's scenario in torch, and how to judge the run.

A rule module owns its hook (`Rule.verification`). The flags are plain data that go to the worker
in the job; the worker never imports a rule. The judge runs in lrlint's own process, on the record
the worker sends back. Imports nothing from torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from lrlint.scenario import Scenario
from lrlint.verify.record import Run, StepCall, Verdict

# (scenario, the run as the code orders its steps, the optimizer-first reference run or None)
Judge = Callable[[Scenario, Run, Optional[Run]], Verdict]


@dataclass(frozen=True)
class VerifyHook:
    judge: Judge
    # A keyword torch rejects whatever its value (LR001's `milestones` on StepLR): a value that is not
    # a literal gets a placeholder, and the run's failure is the evidence, not a reason to give up.
    rejected_keyword: str | None = None
    # Also run the scenario optimizer-first and hand that run to `judge` as the reference.
    needs_reference: bool = False
    # Skip when the order of scheduler.step() and optimizer.step() was not read.
    needs_order: bool = False
    # The rule predicts a failure (an error at construction or at a step): a failed run is its
    # evidence, handed to `judge`, not a reason to give up.
    expects_failure: bool = False
    # How the scheduler is stepped, when not as its class is normally stepped (RunPlan.call).
    call: StepCall | None = None
    # The claim is about the call's shape (Python's argument binding: an unknown keyword, too many
    # positional arguments, a missing one), which no value changes: a value that is not a literal
    # is passed as None rather than skipping the finding. Implies expects_failure.
    shape_claim: bool = False
    # Keywords that cannot change the schedule (`verbose` only prints, and torch 2.7 removed it):
    # the run leaves them out, and says so, rather than fail on a removed keyword.
    ignored_keywords: tuple[str, ...] = ()

    def skip_reason(self, scenario: Scenario | None) -> str | None:
        """Why a finding cannot be verified without guessing; None when it can be built as read."""
        if scenario is None:
            return "not verified: lrlint could not read the scheduler's configuration as literals"
        if self.rejected_keyword is not None or self.shape_claim:
            return None  # an unexpected keyword raises whatever the other values are
        unknown = [name for name in scenario.unknown_params() if name not in self.ignored_keywords]
        if unknown:
            names = ", ".join(f"`{name}`" for name in unknown)
            verb = "is not a literal" if len(unknown) == 1 else "are not literals"
            return f"not verified: {names} {verb}, and --verify never guesses a value"
        if self.needs_order and scenario.order is None:
            return "not verified: the order of scheduler.step() and optimizer.step() is not known"
        return None

    def verdict(self, scenario: Scenario, run: Run, reference: Run | None = None) -> Verdict:
        """The rule's verdict on a run, after what every rule's judge would check first."""
        if self.rejected_keyword is None and not (self.expects_failure or self.shape_claim) and run.failed:
            return Verdict("inconclusive", f"{run.failed}, before the rule's effect could be observed")
        if self.needs_reference and (reference is None or reference.failed):
            why = reference.failed if reference else "no reference run"
            return Verdict("inconclusive", f"the optimizer-first reference run failed: {why}")
        return self.judge(scenario, run, reference)
