"""Which torch schedulers the receiver of a call may hold: one question, asked in one place.

Rules about calls on a scheduler (`sched.step(epoch)`, `sched.get_lr()`) ask here rather than read
`StepFact.scheduler` themselves. The file's own answer comes first; a receiver that comes from a
parameter (`def train(model, scheduler)`, `args.scheduler`) is resolved by the link stage through
every call site in view, so the scheduler may be built in another file.
"""

from __future__ import annotations

from dataclasses import dataclass

from lrlint.facts.model import FileFacts, MethodCallFact, SchedulerFact, StepFact
from lrlint.project.model import Project
from lrlint.project.resolve import Resolver


@dataclass(frozen=True)
class Held:
    """The torch schedulers a receiver may hold; empty when that is not known for sure."""

    schedulers: tuple[SchedulerFact, ...]
    home: FileFacts  # the facts of the file that builds them, for their --verify scenario

    def step_in_home(self, step: StepFact, facts: FileFacts) -> StepFact | None:
        """`step` when it is in the file that builds the scheduler (its ids index those facts)."""
        return step if self.home is facts else None


def held(call: StepFact | MethodCallFact, facts: FileFacts, project: Project | None = None) -> Held:
    """Every torch scheduler the call's receiver may hold.

    A rule that needs the receiver to be a particular kind asks that of *all* of them: a name bound
    to a StepLR in one branch and a ReduceLROnPlateau in the other is neither for sure.
    """
    ids = call.alternatives or ((call.scheduler,) if call.scheduler is not None else ())
    if ids:
        found = tuple(facts.scheduler(i) for i in ids)
        # `get_scheduler(args.name, ...)` may be a ReduceLROnPlateau: its class is not sure.
        return Held(() if any(not s.factory_certain for s in found) else found, facts)
    index = project.index_of(facts) if project is not None and call.receiver_origin is not None else None
    if project is None or index is None:
        return Held((), facts)
    linked = project.shared(Resolver).schedulers(index, facts.function_frame(call.frames), call.receiver_ref) or ()
    if not linked or any(not s.factory_certain for _, s in linked):
        return Held((), facts)
    return Held(tuple(s for _, s in linked), project.files[linked[-1][0]].facts)
