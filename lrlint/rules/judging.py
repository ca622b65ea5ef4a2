"""What rules' --verify judges share: how evidence quotes values, and the judge of LR001 and LR002.

Each judge lives with its rule; this is their common vocabulary. A verdict is `confirmed` only when
the run shows what the finding's message claims, `refuted` when it shows the opposite, and
`inconclusive` when it cannot show either.
"""

from __future__ import annotations

import math
from typing import Any, Callable

from lrlint.scenario import Scenario
from lrlint.verify.record import Run, Verdict, same

MAX_LISTED = 8  # values of a literal list quoted in evidence; a 100,000-item list stays one line


def listed(values: list[Any]) -> str:
    """A literal list as evidence quotes it: short lists whole, long ones cut with a count."""
    if len(values) <= MAX_LISTED:
        return str(values)
    head = ", ".join(str(v)[:40] for v in values[:MAX_LISTED])
    return f"[{head}, ... (+{len(values) - MAX_LISTED} more)]"


def change_epochs(trajectory: list[float]) -> list[int]:
    """Epochs (trajectory indices) at which the learning rate differs from the epoch before."""
    return [i for i in range(1, len(trajectory)) if not same(trajectory[i], trajectory[i - 1])]


def epochs_text(values: list[int]) -> str:
    """Epochs as evidence lists them: the first 8, then a count."""
    shown = ", ".join(str(v) for v in values[:8])
    return shown + (f" (+{len(values) - 8} more)" if len(values) > 8 else "")


def times(count: int) -> str:
    return {2: "twice", 3: "three times"}.get(count, f"{count} times")


def overflow(run: Run) -> str | None:
    """"lr overflows to inf at epoch 30", or None while the lr stayed finite."""
    if run.overflow_at is None:
        return None
    value = run.overflow_value if run.overflow_value is not None else math.inf
    verb = "overflows to" if math.isinf(value) else "becomes"
    return f"lr {verb} {value} at epoch {run.overflow_at}"


def suffix(run: Run, *first: str) -> str:
    """Short notes a value-quoting evidence line must carry to stay honest: the lr that stood in,
    and where the run was cut short."""
    notes = [*first, *(note for note in run.notes if note.startswith("lr "))]
    if run.capped:
        notes.append(run.horizon_note)
    return f" ({'; '.join(notes)})" if notes else ""


def all_notes(run: Run) -> str:
    """Every stand-in the run used, as "; note" parts."""
    return "".join(f"; {note}" for note in run.notes)


def warned(run: Run, start: str) -> bool:
    """Whether torch warned with a message starting with `start`."""
    return any(w.startswith(start) for w in run.warnings)


def stepped_as_the_loop(scenario: Scenario, run: Run) -> Verdict | None:
    """Inconclusive unless the run stepped exactly as often as the loop does."""
    if scenario.epochs is None or run.capped or run.horizon != scenario.epochs:
        return Verdict("inconclusive", f"the run did not step as often as the loop ({run.horizon_note})")
    return None


def judge_rejected_keyword(scheduler: str, keyword: str) -> Callable[[Scenario, Run, Run | None], Verdict]:
    """The judge of a rule about a keyword `scheduler` rejects (LR001, LR002): the TypeError the
    message predicts, when the scheduler is built, or at the first step for a value given in the
    place of another parameter (StepLR's `step_size` holding a list of milestones)."""
    return lambda scenario, run, _reference: _rejected_keyword(scheduler, keyword, scenario, run)


def _rejected_keyword(scheduler: str, keyword: str, scenario: Scenario, run: Run) -> Verdict:
    others = [name for name in scenario.unknown_params() if name not in run.placeholders]
    caveat = ""
    if run.placeholders:
        caveat += f"; `{keyword}` is not a literal: None stood in (rejected whatever its value)"
    if others:
        names = ", ".join(f"`{name}`" for name in others)
        caveat += f"; {names} not literal, left out (cannot change the outcome)"
    if run.construct_error:
        # Only the TypeError the rule predicts counts: about the keyword, or, when the keyword is
        # absent, the one about the value given in its place (`MultiStepLR(opt, 30)`: an int is
        # not iterable). Another unexpected keyword or a missing argument is another story.
        swapped = keyword not in scenario.kwargs
        if run.construct_error.startswith("TypeError:") and (
            f"'{keyword}'" in run.construct_error or (swapped and "object is not iterable" in run.construct_error)
        ):
            return Verdict("confirmed", f"{scheduler}(...) raises {run.construct_error}{caveat}")
        return Verdict(
            "inconclusive",
            f"{scheduler}(...) raises {run.construct_error}, not the TypeError about `{keyword}` "
            f"the rule predicts{caveat}",
        )
    if run.step_error and run.step_error_at == 1 and run.step_error.startswith("TypeError: unsupported operand type(s) for %"):
        # The list given as StepLR's step_size: `epoch % step_size` fails at the first step.
        return Verdict(
            "confirmed",
            f"{scheduler}(...) is built, but step {run.step_error_at} raises {run.step_error}{caveat}",
        )
    if run.step_error:
        return Verdict(
            "inconclusive",
            f"{scheduler}(...) is built; step {run.step_error_at} raises {run.step_error}, not the "
            f"TypeError the rule predicts at the first step",
        )
    if others:
        names = ", ".join(f"`{name}`" for name in others)
        return Verdict(
            "inconclusive",
            f"{scheduler}(...) builds and steps without error from the literals alone; {names} not "
            "literal, so the real call may differ",
        )
    return Verdict("refuted", f"{scheduler}(...) builds and steps {run.horizon} times without error")
