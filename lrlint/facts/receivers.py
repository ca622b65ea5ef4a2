"""Which torch schedulers the receiver of a call may hold: one question, asked in one place.

Rules about calls on a scheduler (`sched.step(epoch)`, `sched.get_lr()`) ask here rather than read
`StepFact.scheduler` themselves, so that when the link stage resolves more receivers (a scheduler
passed as a parameter, kept in a container) every such rule sees it by changing this function.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lrlint.facts.model import FileFacts, MethodCallFact, SchedulerFact, StepFact

if TYPE_CHECKING:
    from lrlint.link import Project


def held_schedulers(
    call: StepFact | MethodCallFact, facts: FileFacts, project: Project | None = None
) -> tuple[SchedulerFact, ...]:
    """Every torch scheduler the call's receiver may hold; () when that is not known for sure.

    A rule that needs the receiver to be a particular kind asks that of *all* of them: a name bound
    to a StepLR in one branch and a ReduceLROnPlateau in the other is neither for sure. `project`
    is the linked project, for resolutions across functions and files (not consulted yet: the
    per-file resolution is all there is).
    """
    ids = call.alternatives or ((call.scheduler,) if call.scheduler is not None else ())
    return tuple(facts.scheduler(i) for i in ids)
