"""LR003 milestones-not-increasing: MultiStepLR milestones that repeat or are out of order."""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterator

from lrlint.facts.model import FileFacts, SchedulerFact
from lrlint.facts.scenarios import build_scenario
from lrlint.rules.base import ConstructorRule, Finding, RuleContext, format_list
from lrlint.rules.examples import invalid
from lrlint.rules.judging import MAX_LISTED, change_epochs, epochs_text, listed, overflow, suffix, times
from lrlint.rules.verification import VerifyHook
from lrlint.scenario import Scenario
from lrlint.verify.record import Run, Verdict, fmt, same


# --- --verify: the judge -------------------------------------------------------------------


def judge(scenario: Scenario, run: Run, reference: Run | None) -> Verdict:
    """Repeated: the rate drops by gamma**k at once at the first repeated milestone the run
    reaches. Out of order: torch decays at the sorted epochs the message names."""
    milestones = run.params.get("milestones")
    if not isinstance(milestones, list) or not milestones:
        return Verdict("inconclusive", "MultiStepLR was built, but its milestones are not a list of epochs")
    gamma = float(run.params.get("gamma", 0.1))
    counts = Counter(milestones)
    repeated = sorted(m for m, c in counts.items() if c > 1)
    if repeated:
        return _repeated(run, repeated, counts, gamma)
    if milestones == sorted(milestones):
        return Verdict("refuted", f"milestones {listed(milestones)} are strictly increasing")
    due = sorted(m for m in set(milestones) if isinstance(m, int) and 0 < m <= run.horizon)
    if not due:
        return Verdict(
            "inconclusive",
            f"torch treats {listed(milestones)} as sorted, but the {run.horizon}-epoch loop reaches no "
            f"milestone{suffix(run)}",
        )
    expected = _sorted_schedule(run.base_lr, gamma, milestones, len(run.trajectory))
    if expected is None or len(expected) != len(run.trajectory):
        return Verdict("inconclusive", f"the schedule of {listed(milestones)} with gamma={gamma} cannot be computed here")
    wrong = next((e for e, (got, want) in enumerate(zip(run.trajectory, expected)) if not same(got, want)), None)
    if wrong is not None:
        drops = change_epochs(run.trajectory)
        return Verdict(
            "refuted",
            f"torch decays at epochs {epochs_text(drops) or 'none'}, not at {epochs_text(due)} in sorted "
            f"order (lr {fmt(run.trajectory[wrong])} at epoch {wrong}, not {fmt(expected[wrong])}){suffix(run)}",
        )
    beyond = sorted(m for m in set(milestones) if isinstance(m, int) and m > run.horizon)
    later = f"; {listed(beyond)} lie past the {run.horizon} epochs run" if beyond else ""
    if run.warnings:  # the message says torch does it silently
        return Verdict("inconclusive", f"torch decays at epochs {epochs_text(due)} as if sorted, but warns: {run.warnings[0]}")
    return Verdict("confirmed", f"no error, no warning: torch decays at epochs {epochs_text(due)} as if sorted{later}{suffix(run)}")


def _sorted_schedule(base_lr: float, gamma: float, milestones: list[Any], length: int) -> list[float] | None:
    """The rate after each step when the milestones apply in sorted order: base * gamma**k after
    the k-th milestone (milestone 0 applies when the scheduler is built)."""
    epochs = sorted(m for m in milestones if isinstance(m, int) and not isinstance(m, bool))
    values, passed = [], 0
    try:
        for epoch in range(length):
            while passed < len(epochs) and epochs[passed] <= epoch:
                passed += 1
            values.append(base_lr * gamma**passed)
    except OverflowError:
        return None
    return values


def _repeated(run: Run, repeated: list[Any], counts: Counter[Any], gamma: float) -> Verdict:
    reached = [m for m in repeated if isinstance(m, int) and 0 <= m <= run.horizon]
    if not reached:
        which = ", ".join(f"milestone {m} is listed {times(counts[m])}" for m in repeated[:MAX_LISTED])
        if len(repeated) > MAX_LISTED:
            which += f" (+{len(repeated) - MAX_LISTED} more repeats)"
        cut = overflow(run)
        if cut:  # the loop was cut short by the overflow, not by its length
            return Verdict("inconclusive", f"{which}, but {cut} (gamma={gamma}): stepping stopped there")
        return Verdict("inconclusive", f"{which}, but the {run.horizon}-epoch loop never reaches it{suffix(run)}")
    epoch = reached[0]
    count = counts[epoch]
    before = run.trajectory[epoch - 1] if epoch > 0 else run.base_lr
    after = run.trajectory[epoch]
    if same(gamma**count, gamma):
        return Verdict(
            "inconclusive",
            f"milestone {epoch} is listed {times(count)}, but with gamma={gamma} decaying "
            f"{count} times equals decaying once",
        )
    if before and same(after / before, gamma**count):
        return Verdict(
            "confirmed",
            f"lr {fmt(before)} -> {fmt(after)} at epoch {epoch}: decayed by gamma**{count} "
            f"(milestone {epoch} listed {times(count)}){suffix(run)}",
        )
    return Verdict(
        "inconclusive",
        f"milestone {epoch} is listed {times(count)}, but lr went {fmt(before)} -> {fmt(after)} "
        f"at epoch {epoch}, not a gamma**{count} decay",
    )


class MilestonesNotIncreasing(ConstructorRule):
    code = "LR003"
    schedulers = frozenset({"MultiStepLR"})
    verification = VerifyHook(judge)
    VALID = (
        "from torch.optim.lr_scheduler import MultiStepLR\nMultiStepLR(opt, milestones=[30, 60, 90])\n",
        "from torch.optim.lr_scheduler import MultiStepLR\nMultiStepLR(opt, milestones=sorted(ms))\n",
        "from torch.optim.lr_scheduler import MultiStepLR\nM = [80, 40]\nM.sort()\nMultiStepLR(opt, M)\n",
    )
    INVALID = (
        invalid(
            "from torch.optim.lr_scheduler import MultiStepLR\nMultiStepLR(opt, milestones=[30, 30, 60])\n",
            "milestones [30, 30, 60] repeat 30: MultiStepLR decays once per occurrence, so the learning rate is multiplied by gamma**2 at epoch 30",
        ),
        invalid(
            "from torch.optim.lr_scheduler import MultiStepLR\nMILESTONES = [80, 40]\nMultiStepLR(opt, MILESTONES)\n",
            "milestones [80, 40] are not increasing: MultiStepLR silently decays at epochs 40, 80 in sorted order; write them sorted (or fix the typo)",
        ),
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
