"""Which runs first in a training loop, across calls: a scheduler's step or its optimizer's?

For one `scheduler.step()` call: which torch scheduler it steps (built in view, or passed in by
every caller, or declared by an annotation), which optimizer that scheduler was built on, and the
first event in the step's region (see `facts.ordering`) that steps that optimizer — a direct
`optimizer.step()` / `scaler.step(optimizer)`, or a call of a function that (transitively) does.
Anything uncertain gives no answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from lrlint.diagnostics import Position
from lrlint.facts.loops import StepCount, step_count
from lrlint.facts.model import CallSite, FileFacts, Ref, SchedulerFact, StepFact
from lrlint.facts.ordering import Region, order_insensitive, region
from lrlint.project.model import FunctionRef, Hop, Project, StepTarget, argument_of
from lrlint.project.resolve import Resolver, Site, Values
from lrlint.project.steps import trace


@dataclass(frozen=True)
class Subject:
    """The torch scheduler(s) a step call steps and how to recognise their optimizer."""

    schedulers: tuple[tuple[int, SchedulerFact], ...]  # (file, fact); empty when known by annotation only
    cls: str | None  # the class, when all agree (or the annotation names one)
    key: str | None = None  # the optimizer's name where the step is (for schedulers built there)
    binding: str | None = None
    origin: str | None = None  # the optimizer parameter (annotation case)
    values: Values | None = None  # the optimizer as project values
    site: Site | None = None  # the call of the function the subject was passed in by


@dataclass(frozen=True)
class Event:
    """Something in the region that steps the subject's optimizer."""

    position: Position
    hops: tuple[Hop, ...]  # for a call: the way down to the step; for a direct step: the step
    direct: StepFact | None = None

    @property
    def through_other(self) -> bool:
        return self.hops[-1].through_other if self.hops else False


@dataclass(frozen=True)
class LoopOrder:
    subject: Subject
    first: Event  # the first event that steps the optimizer in the step's region
    scheduler_first: bool
    count: StepCount | None  # how often the step runs, from the literal loops around it


class LoopOrders:
    def __init__(self, project: Project) -> None:
        self.project = project
        self.resolver = project.shared(Resolver)

    def of(self, file: int, step: StepFact) -> LoopOrder | None:
        if step.method != "step" or step.has_args:
            return None  # `scheduler.step(epoch)` is the closed form: stepping first skips nothing
        facts = self.project.files[file].facts
        frame = facts.function_frame(step.frames)
        where = region(step.frames, step.receiver, facts)
        for subject in self._subjects(file, frame, step, facts):
            if order_insensitive(subject.cls) or any(order_insensitive(s.cls) for _, s in subject.schedulers):
                return None
            events = [*self._direct(file, frame, where, subject, facts), *self._calls(file, frame, where, subject, facts)]
            if events:
                first = min(events, key=lambda e: e.position)
                built = [s.frames for f, s in subject.schedulers if f == file]
                count = step_count(step, facts, built[0] if len(built) == 1 else ())
                return LoopOrder(subject, first, first.position > step.span.start, count)
        return None

    # ------------------------------------------------------------ which scheduler
    def _subjects(self, file: int, frame: int, step: StepFact, facts: FileFacts) -> list[Subject]:
        """What the step steps: one subject, or for a scheduler passed in, one per call site
        (each call passes its own scheduler and optimizer)."""
        if step.scheduler is not None or step.receiver_origin is None:
            found = self._subject(file, frame, step, facts)
            return [found] if found is not None else []
        ref = step.receiver_ref
        sites = self.project.callers.get((file, frame), ())
        if not sites:
            annotated = self._annotated(file, frame, step)
            return [annotated] if annotated is not None else []
        if self.resolver.schedulers(file, frame, ref) is None:
            return []  # some caller passes something lrlint cannot prove is a torch scheduler
        subjects = []
        for site in sites:
            held = self.resolver.schedulers(file, frame, ref, site)
            if not held:
                continue  # this call passes None
            optimizers = {self.resolver.optimizer_of(f, s) for f, s in held}
            optimizer = optimizers.pop() if len(optimizers) == 1 else None
            if optimizer:
                classes = {s.cls for _, s in held}
                subjects.append(Subject(held, classes.pop() if len(classes) == 1 else None, values=optimizer, site=site))
        return subjects

    def _subject(self, file: int, frame: int, step: StepFact, facts: FileFacts) -> Subject | None:
        if step.scheduler is not None:
            found = [facts.scheduler(i) for i in (step.alternatives or (step.scheduler,))]
            if len({(s.optimizer_key, s.optimizer_binding) for s in found}) != 1 or found[0].optimizer_key is None:
                return None
            classes = {s.cls for s in found}
            return Subject(
                tuple((file, s) for s in found),
                classes.pop() if len(classes) == 1 else None,
                key=found[0].optimizer_key,
                binding=found[0].optimizer_binding,
                values=self.resolver.optimizer_of(file, found[0]),
            )
        return None

    def _annotated(self, file: int, frame: int, step: StepFact) -> Subject | None:
        """`def fit(model, optimizer: Optimizer, scheduler: LRScheduler)`: the scheduler is the
        one on the only optimizer parameter."""
        if "." in step.receiver or step.receiver_origin != step.receiver:
            return None
        declared = self.resolver.annotation(file, frame, step.receiver)
        function = self.project.files[file].facts.function_at(frame)
        if declared is None or declared.kind != "scheduler" or function is None:
            return None
        optimizers = [p for p, kind in function.param_types.items() if kind == "optimizer"]
        if len(optimizers) != 1:
            return None
        return Subject((), declared.cls, origin=optimizers[0])

    # ------------------------------------------------------------ what steps its optimizer
    def _matches(self, file: int, frame: int, ref: Ref | None, subject: Subject) -> bool:
        if ref is None or ref.dotted is None:
            return False
        if subject.key is not None and ref.dotted == subject.key:
            return subject.binding is None or ref.binding is None or ref.binding == subject.binding
        if subject.binding is not None and ref.binding == subject.binding:
            return True
        if subject.origin is not None:
            return ref.origin == subject.origin
        if subject.values:
            return self.resolver.values(file, frame, ref, site=subject.site) == subject.values
        return False

    def _direct(self, file: int, frame: int, where: Region, subject: Subject, facts: FileFacts) -> list[Event]:
        found = []
        for other in facts.steps_in(frame):
            if other.scheduler is not None or not where.contains(other.frames, facts):
                continue
            if other.method == "step" and self._matches(file, frame, other.receiver_ref, subject):
                label, through = f"{other.receiver}.step({'...' if other.has_args else ''})", False
            elif self._matches(file, frame, other.first_arg_ref, subject):
                label, through = f"{other.receiver}.{other.method}({other.first_arg})", True
            else:
                continue
            found.append(Event(other.span.start, (Hop(file, other.span.start, label, through),), other))
        return found

    def _calls(self, file: int, frame: int, where: Region, subject: Subject, facts: FileFacts) -> list[Event]:
        found = []
        module = self.project.files[file].module
        for call_index in self.project.calls_in(file, frame):
            call = facts.calls[call_index]
            callee = self.project.calls.get((file, call_index))
            if callee is None or not where.contains(call.frames, facts):
                continue
            for target in sorted(self.project.steps.get(callee.key, ())):
                if not self._steps_subject(file, frame, call, callee, target, subject, module):
                    continue
                hops = trace(self.project, callee, target)
                if hops is not None:
                    found.append(Event(call.span.start, (Hop(file, call.span.start, f"{call.callee}()"), *hops)))
                    break
        return found

    def _steps_subject(
        self, file: int, frame: int, call: CallSite, callee: FunctionRef, target: StepTarget, subject: Subject, module: str | None
    ) -> bool:
        if target.kind == "param":
            return self._matches(file, frame, argument_of(call, callee.function, target.name), subject)
        if target.kind == "self":
            # The callee's `self` is ours only through `self.method()`.
            return call.callee.startswith("self.") and subject.key == f"self.{target.name}"
        # A module global: the subject's optimizer must be that global of the same module.
        return subject.key is not None and target.name == f"{module or ''}.{subject.key}" and subject.binding == f"0:{subject.key}"
