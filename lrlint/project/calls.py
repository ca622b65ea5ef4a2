"""Call sites resolved by qualified name to the functions and methods of the linted tree.

A bare name resolves to the module's own function or to what it imports, `self.m()` to the method
of the enclosing class or of its bases in the tree, `mod.f()` through an imported module. A name
that cannot be resolved, or resolves to more than one definition, stays unknown.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from lrlint.facts.model import CallSite, FunctionFact, ImportFact
from lrlint.project.model import FunctionRef, Project
from lrlint.project.modules import absolute_target, module_name


def resolve_calls(project: Project) -> dict[tuple[int, int], FunctionRef]:
    """(file index, call index) -> the function called, for every call site that resolves."""
    index = _ModuleIndex(project)
    found: dict[tuple[int, int], FunctionRef] = {}
    for file_index, file in enumerate(project.files):
        for call_index, call in enumerate(file.facts.calls):
            target = index.resolve(file_index, call)
            if target is not None:
                found[(file_index, call_index)] = target
    return found


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
