"""Proven, not hoped: under `--verify`, a finding whose fix carries its configuration after the
fix (`Fix.scenario`) has that configuration run in torch as well, in the same worker request as
the findings (one more schedule each), and shows both:

    fix: as written: raises TypeError; after the fix: lr 0.1, 0.01 from epoch 30

A fix whose configuration still fails in torch is a bug in lrlint (tests/test_fixes_verify.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from lrlint.diagnostics import AfterFix, Diagnostic, Verification

if TYPE_CHECKING:
    from lrlint.scenario import Scenario
    from lrlint.verify.runner import TrajectoryResult

_RAISED = re.compile(r"\braises? ([A-Z]\w*(?:Error|Exception))")


def fix_schedules(diagnostics: Sequence[Diagnostic]) -> list[tuple[str, Scenario]]:
    """(label, scenario) of every finding's configuration after its fix, in diagnostics order."""
    found = []
    for d in diagnostics:
        scenario = getattr(d.fix, "scenario", None)
        if scenario is not None:
            found.append((f"{d.filename}:{d.location.row} {d.code} fix", scenario))
    return found


def attach(diagnostics: Sequence[Diagnostic], results: list[TrajectoryResult], count: int) -> list[TrajectoryResult]:
    """Give each finding the run of its fix (the last `count` of `results`, in the order of
    `fix_schedules`); returns the other results."""
    if not count:
        return results
    mine, others = results[-count:], results[:-count]
    fixable = [d for d in diagnostics if getattr(d.fix, "scenario", None) is not None]
    for d, result in zip(fixable, mine):
        if d.verification is not None:
            d.verification.after_fix = AfterFix(result.built, result.trajectory, result.error, result.note)
    return others


def proof_line(d: Diagnostic) -> str | None:
    """`    fix: as written: ...; after the fix: ...`, under a verified finding with a fix."""
    v = d.verification
    if v is None or v.after_fix is None:
        return None
    return f"    fix: as written: {_as_written(v, v.after_fix)}; after the fix: {_after(v.after_fix)}"


def _as_written(v: Verification, after: AfterFix) -> str:
    parts = []
    raised = _RAISED.search(v.evidence)
    if raised and v.status == "confirmed":
        parts.append(f"raises {raised.group(1)}")
    elif v.evidence.startswith("torch warned"):
        parts.append("torch warns")
    # The curve as written when it is not the one after the fix (LR009: another schedule).
    if v.trajectory is not None and not raised and (after.trajectory is None or v.trajectory.brief() != after.trajectory.brief()):
        parts.append(f"lr {v.trajectory.brief()}")
    return ", ".join(parts) or v.status


def _after(after: AfterFix) -> str:
    if not after.ran:
        return f"not run ({(after.error or '').removeprefix('not built: ')})"
    if after.error:
        return f"still fails: {after.error}"
    if after.trajectory is None:
        return "builds; no steps"
    return f"lr {after.trajectory.brief()}"
