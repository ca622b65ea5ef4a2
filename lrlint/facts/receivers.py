"""Which torch schedulers the receiver of a call may hold: one question, asked in one place.

Rules about calls on a scheduler (`sched.step(epoch)`, `sched.get_lr()`) ask here rather than read
`StepFact.scheduler` themselves. The file's own answer comes first; a receiver that comes from a
parameter (`def train(model, scheduler)`, `args.scheduler`) is resolved by the link stage through
every call site in view, so the scheduler may be built in another file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lrlint.facts.model import FileFacts, MethodCallFact, Ref, SchedulerFact, StepFact

if TYPE_CHECKING:
    from lrlint.link import Project


def held(call: StepFact | MethodCallFact, facts: FileFacts, project: Project | None = None) -> tuple[tuple[FileFacts, SchedulerFact], ...]:
    """Every torch scheduler the call's receiver may hold, each with the facts of the file that
    builds it; () when that is not known for sure.

    A rule that needs the receiver to be a particular kind asks that of *all* of them: a name bound
    to a StepLR in one branch and a ReduceLROnPlateau in the other is neither for sure.
    """
    ids = call.alternatives or ((call.scheduler,) if call.scheduler is not None else ())
    if ids:
        found = tuple((facts, facts.scheduler(i)) for i in ids)
        # `get_scheduler(args.name, ...)` may be a ReduceLROnPlateau: its class is not sure.
        return () if any(not s.factory_certain for _, s in found) else found
    if project is None or call.receiver_origin is None:
        return ()
    index = next((i for i, f in enumerate(project.files) if f.facts is facts), None)
    if index is None:
        return ()
    ref = Ref(call.receiver, call.receiver_binding, (), call.receiver_origin)
    linked = project.resolver.schedulers(index, facts.function_frame(call.frames), ref) or ()
    if any(not s.factory_certain for _, s in linked):
        return ()
    return tuple((project.files[f].facts, s) for f, s in linked)


def held_schedulers(call: StepFact | MethodCallFact, facts: FileFacts, project: Project | None = None) -> tuple[SchedulerFact, ...]:
    return tuple(s for _, s in held(call, facts, project))
