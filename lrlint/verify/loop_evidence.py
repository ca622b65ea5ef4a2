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
