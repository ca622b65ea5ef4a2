"""Verdicts of the loop rules (LR007, LR014, LR016): what stepping the scheduler as often as the
loop does shows in torch. Imports nothing from torch, like evidence.py."""

from __future__ import annotations

from typing import Any

from lrlint.scenario import Scenario
from lrlint.verify.evidence import Run, Verdict, fmt, same


def _ints(value: Any) -> list[int] | None:
    if isinstance(value, list) and value and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return value
    return None


def _notes(run: Run) -> str:
    return "".join(f"; {note}" for note in run.notes)


def _loop(scenario: Scenario, run: Run) -> Verdict | None:
    """Inconclusive unless the run stepped exactly as often as the loop does."""
    if scenario.epochs is None or run.capped or run.horizon != scenario.epochs:
        return Verdict("inconclusive", f"the run did not step as often as the loop ({run.horizon_note})")
    return None


def judge_unreached(scenario: Scenario, run: Run, reference: Run | None) -> Verdict:
    """LR007: over the loop's N steps, the lr each epoch trains with never takes the decays due
    at or after step N (a decay at step N comes after the last epoch's training)."""
    short = _loop(scenario, run)
    if short is not None:
        return short
    n = run.horizon
    shift = 0 if run.order == "optimizer-first" else 1  # stepped first: epoch e trains after e + 1 steps
    changes = [e for e in range(1, len(run.applied)) if not same(run.applied[e], run.applied[e - 1])]
    per = f"{n} steps, one per epoch of range({n}){_notes(run)}"
    if run.scheduler == "StepLR":
        step_size = run.params.get("step_size")
        if not changes:
            return Verdict(
                "confirmed",
                f"lr stays {fmt(run.base_lr)} in all {n} epochs: StepLR's first decay is due at step "
                f"{step_size}, and the loop makes {per}",
            )
        return Verdict("refuted", f"lr changes at epoch {changes[0]} of {n} ({per})")
    milestones = _ints(run.params.get("milestones"))
    if milestones is None:
        return Verdict("inconclusive", "MultiStepLR was built, but its milestones are not a list of integers")
    distinct = sorted(set(milestones))
    effective = [m for m in distinct if 1 <= m - shift <= n - 1]  # a change visible between epochs
    unreached = [m for m in distinct if m - shift >= n]
    if len(changes) != len(effective):
        return Verdict(
            "inconclusive",
            f"the lr changes at epochs {changes[:8]} of {n}, not once per milestone before step {n} ({per})",
        )
    if not unreached:
        return Verdict("refuted", f"every milestone of {distinct} takes effect within the {n} epochs ({per})")
    if not changes:
        return Verdict(
            "confirmed",
            f"lr stays {fmt(run.base_lr)} in all {n} epochs: milestones {unreached} are never reached ({per})",
        )
    shown = ", ".join(str(c) for c in changes)
    return Verdict(
        "confirmed",
        f"lr decays at epochs {shown} only, ending at {fmt(run.applied[-1])}: milestones {unreached} "
        f"are never reached ({per})",
    )


def _due_steps(run: Run) -> list[int] | None:
    """The step counts at which the literal StepLR / MultiStepLR arguments decay, within the run."""
    if run.scheduler == "StepLR":
        step_size = run.params.get("step_size")
        if not isinstance(step_size, int) or isinstance(step_size, bool) or step_size <= 0:
            return None
        return list(range(step_size, run.horizon + 1, step_size))
    milestones = _ints(run.params.get("milestones"))
    return None if milestones is None else sorted({m for m in milestones if 0 < m <= run.horizon})


def judge_per_batch(scenario: Scenario, run: Run, reference: Run | None) -> Verdict:
    """LR014: stepped once per batch, the decays come after that many batches."""
    due = _due_steps(run)
    if not due:
        return Verdict("inconclusive", f"no decay is due within the {run.horizon} steps run{_notes(run)}")
    changes = [e for e in range(1, len(run.trajectory)) if not same(run.trajectory[e], run.trajectory[e - 1])]
    if changes != due:
        return Verdict("refuted", f"torch changes the lr at steps {changes[:8]}, not at {due[:8]}{_notes(run)}")
    first = due[0]
    before, after = run.trajectory[first - 1], run.trajectory[first]
    shown = ", ".join(str(d) for d in due[:8]) + (" ..." if len(due) > 8 else "")
    return Verdict(
        "confirmed",
        f"stepped once per batch, the lr decays {fmt(before)} -> {fmt(after)} after {first} batches "
        f"(decays at steps {shown}, ending at {fmt(run.trajectory[-1])}): within the first epoch "
        f"whenever the loader yields more than {first} batches{_notes(run)}",
    )


def judge_onecycle(scenario: Scenario, run: Run, reference: Run | None) -> Verdict:
    """LR016: past its total steps OneCycleLR raises; stepped once per epoch it stays in warm-up."""
    if run.construct_error:
        return Verdict("inconclusive", f"construction raised {run.construct_error}")
    short = _loop(scenario, run)
    total = run.params.get("total_steps")
    if total is None and isinstance(run.params.get("epochs"), int) and isinstance(run.params.get("steps_per_epoch"), int):
        total = run.params["epochs"] * run.params["steps_per_epoch"]
    if run.step_error is not None:
        if run.step_error.startswith("ValueError: Tried to step") and run.step_error_at == (total or 0) + 1:
            return Verdict(
                "confirmed",
                f"step {run.step_error_at} of the loop's {scenario.epochs} raises {run.step_error}{_notes(run)}",
            )
        return Verdict("inconclusive", f"step {run.step_error_at} raises {run.step_error}, not the error predicted")
    if short is not None:
        return short
    max_lr = run.params.get("max_lr")
    values = run.trajectory
    rising = all(b > a or same(a, b) for a, b in zip(values, values[1:]))
    if not isinstance(max_lr, (int, float)) or isinstance(max_lr, bool):
        return Verdict("inconclusive", f"max_lr is not a single number ({max_lr!r}){_notes(run)}")
    if rising and values[-1] < max_lr and not same(values[-1], max_lr):
        return Verdict(
            "confirmed",
            f"after {run.horizon} steps (one per epoch) the lr has only risen {fmt(values[0])} -> "
            f"{fmt(values[-1])}, still warming up towards max_lr {fmt(float(max_lr))}: the cycle has "
            f"{total} steps{_notes(run)}",
        )
    return Verdict(
        "refuted",
        f"over {run.horizon} steps the lr goes {fmt(values[0])} -> {fmt(max(values))} (peak) -> "
        f"{fmt(values[-1])}: the cycle gets past its warm-up{_notes(run)}",
    )
