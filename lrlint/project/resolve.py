"""What a name holds, across the project: its own file's answer, or its callers'.

A name bound in its own file resolves there (`Ref.binding`, `Ref.schedulers`). A name that comes
from a parameter (`def train(model, optimizer, scheduler)`, `def train(args)` reading
`args.scheduler`) holds what every call site the link stage can see passes: the caller's argument,
or the caller's store `args.scheduler = scheduler` on the object it passes. When one call site
passes something unknown the answer is unknown: a parameter bound once to a torch scheduler and
once to anything else is not a torch scheduler.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union

from lrlint.facts.model import Ref, SchedulerFact
from lrlint.project.model import Project, argument_of

MAX_DEPTH = 6  # callers followed this far up
Site = tuple[int, int]  # a call site: (file index, call index)


@dataclass(frozen=True)
class Scheduler:
    """A torch scheduler construction somewhere in the project."""

    file: int
    id: int


@dataclass(frozen=True)
class Variable:
    """A variable of one file (an optimizer, usually), by its binding id."""

    file: int
    binding: str


Value = Union[Scheduler, Variable]
Values = frozenset[Value]


@dataclass(frozen=True)
class Annotated:
    """A parameter known only by its torch annotation (no call site in view)."""

    kind: Literal["scheduler", "optimizer"]
    cls: str | None  # the scheduler class when the annotation names one


class Resolver:
    def __init__(self, project: Project) -> None:
        self.project = project
        self._memo: dict[tuple[int, int, str], Values | None] = {}

    def values(self, file: int, frame: int, ref: Ref, depth: int = 0, site: Site | None = None) -> Values | None:
        """What `ref`, read in the function `frame` of `file`, may hold; None when unknown.

        `site`: read it for that one call of the function (its parameters hold what that call
        passes), instead of for every call in view."""
        if ref.none:
            return frozenset()
        if ref.schedulers:
            return frozenset(Scheduler(file, s) for s in ref.schedulers)
        if ref.origin is not None:
            if site is not None:
                return self._origin(file, frame, ref.origin, depth, (site,))
            return self.origin(file, frame, ref.origin, depth)
        if ref.binding is not None:
            return frozenset({Variable(file, ref.binding)})
        return None

    def origin(self, file: int, frame: int, path: str, depth: int = 0) -> Values | None:
        """What `param` or `param.attr` of a function holds, by what its callers pass."""
        key = (file, frame, path)
        if key not in self._memo:
            self._memo[key] = None  # a recursive chain of calls resolves to unknown
            self._memo[key] = self._origin(file, frame, path, depth, self.project.callers.get((file, frame), ()))
        return self._memo[key]

    def _origin(self, file: int, frame: int, path: str, depth: int, sites: tuple[Site, ...]) -> Values | None:
        function = self.project.files[file].facts.function_at(frame)
        if function is None or not sites or depth >= MAX_DEPTH:
            return None
        param, _, rest = path.partition(".")
        found: set[Value] = set()
        for site in sites:
            call = self.project.call(site)
            argument = argument_of(call, function, param)
            if argument is None:
                return None
            caller_frame = self.project.files[site[0]].facts.function_frame(call.frames)
            held = self._attribute(site[0], caller_frame, argument, rest, depth + 1) if rest else self.values(site[0], caller_frame, argument, depth + 1)
            if held is None:
                return None
            found |= held
        return frozenset(found) if found else None

    def _attribute(self, file: int, frame: int, holder: Ref, attribute: str, depth: int) -> Values | None:
        """`holder.attribute` in the caller: a store there, or further up when the holder is
        itself a parameter."""
        if holder.dotted is not None:
            path = f"{holder.dotted}.{attribute}"
            for store in self.project.files[file].facts.stores:
                if store.frame == frame and store.path == path:
                    return self.values(file, frame, store.ref, depth)
        if holder.origin is not None:
            return self.origin(file, frame, f"{holder.origin}.{attribute}", depth)
        return None

    def schedulers(self, file: int, frame: int, ref: Ref, site: Site | None = None) -> tuple[tuple[int, SchedulerFact], ...] | None:
        """The torch schedulers a name holds, when everything it may hold is one."""
        held = self.values(file, frame, ref, site=site)
        if not held or not all(isinstance(v, Scheduler) for v in held):
            return None
        return tuple(sorted(((v.file, self.project.files[v.file].facts.scheduler(v.id)) for v in held if isinstance(v, Scheduler)), key=lambda p: (p[0], p[1].id)))

    def optimizer_of(self, file: int, scheduler: SchedulerFact) -> Values | None:
        """The optimizer a scheduler was built on, as project values."""
        if scheduler.optimizer_key is None:
            return None
        facts = self.project.files[file].facts
        ref = Ref(scheduler.optimizer_key, scheduler.optimizer_binding, (), scheduler.optimizer_origin)
        return self.values(file, facts.function_frame(scheduler.frames), ref)

    def annotation(self, file: int, frame: int, name: str) -> Annotated | None:
        function = self.project.files[file].facts.function_at(frame)
        kind = function.param_types.get(name) if function is not None else None
        if kind is None:
            return None
        if kind == "optimizer":
            return Annotated("optimizer", None)
        return Annotated("scheduler", None if kind == "scheduler" else kind)
