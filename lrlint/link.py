"""The link stage: every file's facts, joined into one project.

Module names are worked out from paths (a folder with `__init__.py` is a package; a script's own
folder is a source root, as `sys.path[0]` makes it). Call sites are resolved by qualified name to
the functions and methods of the linted tree: a bare name to the module's own function or to what
it imports, `self.m()` to the method of the enclosing class or of its bases in the tree, `mod.f()`
through an imported module. Then what each function steps (`x.step()`, `scaler.step(x)` on a
parameter, a `self.` attribute or a module global) is carried up through the calls to a fixpoint.
A name that cannot be resolved, or resolves to more than one definition, stays unknown.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from lrlint.diagnostics import Position
from lrlint.facts.model import (
    CallSite,
    FileFacts,
    FunctionFact,
    ImportFact,
    Ref,
    StepFact,
)

if TYPE_CHECKING:
    from lrlint.resolve import Resolver

TargetKind = Literal["param", "self", "global"]


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


@dataclass
class Project:
    files: tuple[LinkedFile, ...]
    # Resolved call sites: (file index, call index in FileFacts.calls) -> the function called.
    calls: dict[tuple[int, int], FunctionRef] = field(default_factory=dict)
    # What each function steps, through the functions it calls: (file, function frame) -> targets.
    steps: dict[tuple[int, int], frozenset[StepTarget]] = field(default_factory=dict)

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

    @cached_property
    def resolver(self) -> Resolver:
        """What names hold across calls (shared by every project rule of a run)."""
        from lrlint.resolve import Resolver

        return Resolver(self)

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

    def trace(self, callee: FunctionRef, target: StepTarget, depth: int = 0) -> list[Hop] | None:
        """How a function steps `target`: the calls down to the step itself, outermost first."""
        if depth > MAX_ROUNDS:
            return None
        file = self.files[callee.file]
        function = callee.function
        for step, stepped, by_argument in _stepped_targets(self, callee.file, function):
            if stepped == target:
                label = f"{step.receiver}.{step.method}({step.first_arg})" if by_argument else f"{step.receiver}.step()"
                return [Hop(callee.file, step.span.start, label, by_argument)]
        for call_index in self.calls_in(callee.file, function.frame):
            inner = self.calls.get((callee.file, call_index))
            call = file.facts.calls[call_index]
            if inner is None or inner.key == callee.key or file.facts.guarded(call.frames):
                continue
            for inner_target in sorted(self.steps.get(inner.key, ())):
                if _through_call(inner_target, call, inner, function, file.module) == target:
                    rest = self.trace(inner, inner_target, depth + 1)
                    if rest is not None:
                        return [Hop(callee.file, call.span.start, f"{call.callee}()", False), *rest]
        return None


@dataclass(frozen=True)
class Hop:
    """One place on the way from a call to the optimizer step it leads to."""

    file: int
    position: Position
    label: str  # `train_one_epoch()`, `optimizer.step()`, `scaler.step(optimizer)`
    through_other: bool = False  # the step is a GradScaler's (or xla's) on the optimizer's behalf


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


MAX_ROUNDS = 20  # call chains deeper than this are not followed further


def module_name(path: Path) -> tuple[Path, str]:
    """(source root, dotted module name) of a Python file."""
    path = Path(os.path.abspath(path))
    root, package = _package_of(path.parent)
    parts = [*package, path.stem] if path.stem != "__init__" else list(package)
    return root, ".".join(parts)


@lru_cache(maxsize=4096)
def _package_of(folder: Path) -> tuple[Path, tuple[str, ...]]:
    """(source root, package parts) of a folder: folders with `__init__.py` are packages."""
    if folder.parent == folder or not (folder / "__init__.py").is_file():
        return folder, ()
    root, parts = _package_of(folder.parent)
    return root, (*parts, folder.name)


def wanted_modules(file: LinkedFile) -> set[str]:
    """The modules this file's calls and base classes may lead into: every import used as a
    callee or a base, as absolute dotted names (with their parents: `from a import b` may name
    module `a.b` or a function `b` of `a`)."""
    facts = file.facts
    imports = {i.name: i for i in facts.imports}
    heads = {c.callee.split(".", 1)[0] for c in facts.calls}
    heads |= {base.split(".", 1)[0] for cls in facts.classes for base in cls.bases}
    wanted: set[str] = set()
    is_package = file.path is not None and file.path.name == "__init__.py"
    for head in heads & imports.keys():
        imported = imports[head]
        target = absolute_target(file.module or "", is_package, imported.target, imported.level) if imported.level else imported.target
        parts = target.split(".")
        wanted.update(".".join(parts[:n]) for n in range(1, len(parts) + 1))
    return wanted


def absolute_target(module: str, is_package: bool, target: str, level: int) -> str:
    """`from ..a import b` in module `pkg.sub.mod` names `pkg.a.b`."""
    package = module.split(".") if module else []
    if not is_package:
        package = package[:-1]  # a module's package is its parent
    if level > 1:
        package = package[: max(len(package) - (level - 1), 0)]
    return ".".join([*package, target]) if target else ".".join(package)


def link(files: Iterable[LinkedFile]) -> Project:
    project = Project(tuple(files))
    index = _ModuleIndex(project)
    for file_index, file in enumerate(project.files):
        for call_index, call in enumerate(file.facts.calls):
            target = index.resolve(file_index, call)
            if target is not None:
                project.calls[(file_index, call_index)] = target
    project.steps = _step_fixpoint(project)
    return project


class _ModuleIndex:
    def __init__(self, project: Project) -> None:
        self.project = project
        self.roots: list[Path | None] = []
        self.by_name: dict[str, list[int]] = defaultdict(list)
        for i, file in enumerate(project.files):
            root: Path | None = None
            if file.module is not None:
                self.by_name[file.module].append(i)
            if file.path is not None:
                root = module_name(file.path)[0]
            self.roots.append(root)
        self._bases_by_file: dict[int, dict[str, tuple[str, ...]]] = {}
        self._subclasses: dict[tuple[int, str], list[tuple[int, str]]] | None = None
        self._imports_by_file: dict[int, dict[str, list[ImportFact]]] = {}
        # Functions by qualname within each file; a name defined twice is ambiguous (None).
        self.functions: list[dict[str, FunctionFact | None]] = []
        for file in project.files:
            table: dict[str, FunctionFact | None] = {}
            for function in file.facts.functions:
                table[function.qualname] = None if function.qualname in table else function
            self.functions.append(table)

    def resolve(self, file: int, call: CallSite) -> FunctionRef | None:
        head, _, rest = call.callee.partition(".")
        if head == "self" and rest and "." not in rest:
            return self._method(file, call, rest)
        if not rest:
            local = self._function(file, head)
            if local is not None:
                return local
        for imported in self._imports(file).get(head, ()):
            target = f"{imported.target}.{rest}" if rest else imported.target
            return self._qualified(file, target, imported.level)
        return None

    def _function(self, file: int, qualname: str) -> FunctionRef | None:
        found = self.functions[file].get(qualname)
        return FunctionRef(file, found) if found is not None else None

    def _method(self, file: int, call: CallSite, name: str) -> FunctionRef | None:
        """`self.name()`: the method of the caller's class, else of its bases (in method
        resolution order for single inheritance; the first base that defines it otherwise)."""
        caller = self._enclosing_function(file, call.frames)
        if caller is None or caller.class_name is None:
            return None
        if self._overridden(file, caller.class_name, name):
            return None  # `self` may be a subclass whose own method runs instead
        seen: set[tuple[int, str]] = set()
        classes = [(file, caller.class_name)]
        while classes:
            where, cls = classes.pop(0)
            if (where, cls) in seen:
                continue
            seen.add((where, cls))
            found = self._function(where, f"{cls}.{name}")
            if found is not None:
                return found
            for base in self._bases(where).get(cls, ()):
                located = self._class(where, base)
                if located is not None:
                    classes.append(located)
        return None

    def _overridden(self, file: int, cls: str, name: str) -> bool:
        """Whether a subclass of `cls` in the linted tree defines its own `name`."""
        if self._subclasses is None:
            self._subclasses = defaultdict(list)
            for where, linked in enumerate(self.project.files):
                for fact in linked.facts.classes:
                    for base in fact.bases:
                        located = self._class(where, base)
                        if located is not None:
                            self._subclasses[located].append((where, fact.name))
        todo, seen = list(self._subclasses.get((file, cls), ())), set()
        while todo:
            sub = todo.pop()
            if sub in seen:
                continue
            seen.add(sub)
            if self._function(sub[0], f"{sub[1]}.{name}") is not None:
                return True
            todo.extend(self._subclasses.get(sub, ()))
        return False

    def _bases(self, file: int) -> dict[str, tuple[str, ...]]:
        found = self._bases_by_file.get(file)
        if found is None:
            found = self._bases_by_file[file] = {c.name: c.bases for c in self.project.files[file].facts.classes}
        return found

    def _imports(self, file: int) -> dict[str, list[ImportFact]]:
        found = self._imports_by_file.get(file)
        if found is None:
            found = self._imports_by_file[file] = defaultdict(list)
            for imported in self.project.files[file].facts.imports:
                found[imported.name].append(imported)
        return found

    def _class(self, file: int, dotted: str) -> tuple[int, str] | None:
        """Where a base class named in `file` is defined: this module, or one it imports."""
        if dotted in self._bases(file):
            return (file, dotted)
        head, _, rest = dotted.partition(".")
        for imported in self._imports(file).get(head, ()):
            target = self._absolute(file, f"{imported.target}.{rest}" if rest else imported.target, imported.level)
            module, _, qualname = target.rpartition(".")
            candidates = self._modules(file, module)
            if len(candidates) == 1:
                return (candidates[0], qualname)
        return None

    def _enclosing_function(self, file: int, frames: tuple[int, ...]) -> FunctionFact | None:
        facts = self.project.files[file].facts
        for frame in reversed(frames):
            function = facts.function_at(frame)
            if function is not None:
                return function
        return None

    def _absolute(self, file: int, target: str, level: int) -> str:
        """An import's target as an absolute dotted name (`from ..a import b` in pkg.sub.mod)."""
        if not level:
            return target
        here = self.project.files[file]
        return absolute_target(here.module or "", here.path is not None and here.path.name == "__init__.py", target, level)

    def _qualified(self, file: int, target: str, level: int) -> FunctionRef | None:
        """A function named by its import: `pkg.mod.func` (or relative to the importing file)."""
        target = self._absolute(file, target, level)
        parts = target.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module, qualname = ".".join(parts[:cut]), ".".join(parts[cut:])
            candidates = self._modules(file, module)
            if len(candidates) == 1:
                return self._function(candidates[0], qualname)
        return None

    def _modules(self, file: int, module: str) -> list[int]:
        candidates = self.by_name.get(module, [])
        if len(candidates) > 1:  # the same module name under several roots: prefer the caller's
            root = self.roots[file]
            candidates = [c for c in candidates if self.roots[c] == root]
        return candidates


def _stepped_targets(project: Project, file: int, function: FunctionFact) -> Iterator[tuple[StepFact, StepTarget, bool]]:
    """What a function's own optimizer steps step: (the step, its target, whether the target is
    its argument, as in `scaler.step(optimizer)`)."""
    facts = project.files[file].facts
    params = set(function.params)
    for step in facts.steps_in(function.frame):
        if step.scheduler is not None or facts.guarded(step.frames):
            continue  # a step under `if epoch >= 1:` may not run when the helper first runs
        for name, by_argument in ((step.receiver if step.method == "step" else None, False), (step.first_arg, True)):
            target = _target(name, params, function, project.files[file].module)
            if target is not None:
                yield step, target, by_argument


def _direct_targets(project: Project, file: int, function: FunctionFact) -> set[StepTarget]:
    return {target for _, target, _ in _stepped_targets(project, file, function)}


def _target(name: str | None, params: set[str], function: FunctionFact, module: str | None) -> StepTarget | None:
    if not name:
        return None
    if name.startswith("self."):
        return StepTarget("self", name[len("self."):]) if function.self_name else None
    if "." in name:
        return None
    if name in params:
        return StepTarget("param", name)
    return StepTarget("global", f"{module or ''}.{name}")


def _step_fixpoint(project: Project) -> dict[tuple[int, int], frozenset[StepTarget]]:
    steps: dict[tuple[int, int], set[StepTarget]] = {}
    sites: dict[tuple[int, int], list[tuple[CallSite, FunctionRef]]] = defaultdict(list)
    for file_index, file in enumerate(project.files):
        for function in file.facts.functions:
            steps[(file_index, function.frame)] = _direct_targets(project, file_index, function)
        for call_index, call in enumerate(file.facts.calls):
            callee = project.calls.get((file_index, call_index))
            caller = file.facts.function_frame(call.frames)
            if callee is not None and (file_index, caller) in steps and not file.facts.guarded(call.frames):
                sites[(file_index, caller)].append((call, callee))
    for _ in range(MAX_ROUNDS):
        changed = False
        for caller_key, calls in sites.items():
            caller_ref = project.function_of(*caller_key)
            assert caller_ref is not None
            module = project.files[caller_key[0]].module
            for call, callee in calls:
                for target in steps.get(callee.key, ()):
                    mapped = _through_call(target, call, callee, caller_ref.function, module)
                    if mapped is not None and mapped not in steps[caller_key]:
                        steps[caller_key].add(mapped)
                        changed = True
        if not changed:
            break
    return {key: frozenset(value) for key, value in steps.items()}


def _through_call(
    target: StepTarget, call: CallSite, callee: FunctionRef, caller: FunctionFact, module: str | None
) -> StepTarget | None:
    """What the caller steps when `callee` steps `target` and is called at `call`."""
    if target.kind == "global":
        return target
    if target.kind == "self":
        # The callee's `self` is the caller's only for `self.method()` calls.
        return target if call.callee.startswith("self.") and caller.self_name else None
    argument = argument_of(call, callee.function, target.name)
    return _target(argument.dotted if argument is not None else None, set(caller.params), caller, module)
