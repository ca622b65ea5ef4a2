"""The linked project as plain data: its files, the call sites resolved to the functions they
call, and what each function steps through the functions it calls (filled by `link`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Literal, TypeVar

from lrlint.diagnostics import Position
from lrlint.facts.model import CallSite, FileFacts, FunctionFact, Ref

TargetKind = Literal["param", "self", "global"]
MAX_DEPTH = 20  # call chains deeper than this are not followed to their step
T = TypeVar("T")


@dataclass(frozen=True, order=True)
class StepTarget:
    """Something a function steps: one of its parameters, an attribute of `self`, or a global."""

    kind: TargetKind
    name: str  # the parameter, `self.` attribute or `module.global`


@dataclass(frozen=True)
class LinkedFile:
    filename: str  # as the run reports it
    facts: FileFacts
    path: Path | None = None
    module: str | None = None  # dotted module name, when the file has one


@dataclass(frozen=True)
class FunctionRef:
    file: int  # index into Project.files
    function: FunctionFact

    @property
    def key(self) -> tuple[int, int]:
        return (self.file, self.function.frame)


@dataclass(frozen=True)
class Hop:
    """One place on the way from a call to the optimizer step it leads to."""

    file: int
    position: Position
    label: str  # `train_one_epoch()`, `optimizer.step()`, `scaler.step(optimizer)`
    through_other: bool = False  # the step is a GradScaler's (or xla's) on the optimizer's behalf


@dataclass(eq=False)
class Project:
    files: tuple[LinkedFile, ...]
    # Resolved call sites: (file index, call index in FileFacts.calls) -> the function called.
    calls: dict[tuple[int, int], FunctionRef] = field(default_factory=dict)
    # What each function steps, through the functions it calls: (file, function frame) -> targets.
    steps: dict[tuple[int, int], frozenset[StepTarget]] = field(default_factory=dict)
    _shared: dict[Any, Any] = field(default_factory=dict, repr=False)

    def shared(self, make: Callable[[Project], T]) -> T:
        """One `make(self)` per project (the Resolver): built on first use, then shared by every
        project rule of the run, so what one rule resolved another does not resolve again."""
        found = self._shared.get(make)
        if found is None:
            found = self._shared[make] = make(self)
        return found

    def function_of(self, file: int, frame: int) -> FunctionRef | None:
        function = self.files[file].facts.function_at(frame)
        return FunctionRef(file, function) if function is not None else None

    @cached_property
    def callers(self) -> dict[tuple[int, int], tuple[tuple[int, int], ...]]:
        """(file, function frame) -> the call sites, as (file, call index), that call it."""
        found: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
        for site, callee in self.calls.items():
            found[callee.key].append(site)
        return {key: tuple(sorted(sites)) for key, sites in found.items()}

    @cached_property
    def _index_by_facts(self) -> dict[int, int]:
        return {id(f.facts): i for i, f in enumerate(self.files)}

    def index_of(self, facts: FileFacts) -> int | None:
        """The index of the file whose facts these are."""
        return self._index_by_facts.get(id(facts))

    def call(self, site: tuple[int, int]) -> CallSite:
        return self.files[site[0]].facts.calls[site[1]]

    @cached_property
    def _calls_by_function(self) -> dict[tuple[int, int], tuple[int, ...]]:
        found: dict[tuple[int, int], list[int]] = defaultdict(list)
        for file_index, file in enumerate(self.files):
            for call_index, call in enumerate(file.facts.calls):
                found[(file_index, file.facts.function_frame(call.frames))].append(call_index)
        return {key: tuple(value) for key, value in found.items()}

    def calls_in(self, file: int, frame: int) -> tuple[int, ...]:
        """Indexes of the call sites whose innermost function (or the module) is `frame`."""
        return self._calls_by_function.get((file, frame), ())


def argument_of(call: CallSite, function: FunctionFact, param: str) -> Ref | None:
    """What the call passes for `param` of the function it calls (None: not passed, or unknown)."""
    params = function.params
    if function.self_name is not None:
        params = params[1:]  # called as a bound method: `self` is not passed
    found: Ref | None = None
    if param in params:
        position = params.index(param)
        if position < len(call.args):
            found = call.args[position]
    for keyword, value in call.keywords:
        if keyword == param:
            found = value
    return found
