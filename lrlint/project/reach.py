"""Which files of a project a run analyses, and which of those its findings depend on.

The files are numbered; `imports[f]` are the files `f` may call into (its imports used as a call
head or a base, resolved by module name), `bases[f]` those whose classes `f` may subclass.

- The analysed set: the files that may hold a torch scheduler (the prefilter's markers), and the
  files they call into, up to MAX_FOLLOW imports away. A file outside it holds no scheduler and
  is reached by no code that does: it cannot hold a finding.
- What the findings of some files depend on (`needed`): a finding is reported in the file whose
  loop steps the scheduler, and its related locations run down the chain of calls from there.
  So the findings that involve a file `n` are reported in `n` or in a file that calls into `n`
  (its importers, transitively: `up`), and they depend on what those files call (their imports,
  transitively), on the callers of their functions (importers again: already in `up`), and on
  whether a subclass overrides a method that `self.m()` reaches (the files that subclass what is
  linked, transitively). Linking exactly those files gives `n` the findings the whole analysed
  set gives it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

MAX_FOLLOW = 3  # imports followed from a file with a marker (a longer chain is not analysed)


def analysed_set(markers: Iterable[int], imports: Callable[[int], Iterable[int]], depth: int = MAX_FOLLOW) -> dict[int, int]:
    """file -> how many imports away from a marker it is, for every file analysed (`imports(f)`
    is asked only of the files within `depth - 1` imports)."""
    found = {f: 0 for f in markers}
    frontier = sorted(found)
    for level in range(1, depth + 1):
        reached: list[int] = []
        for f in frontier:
            for g in imports(f):
                if g not in found:
                    found[g] = level
                    reached.append(g)
        frontier = sorted(reached)
    return found


def needed(named: Iterable[int], imports: Mapping[int, Iterable[int]], bases: Mapping[int, Iterable[int]], analysed: Iterable[int]) -> set[int]:
    """The analysed files the findings involving the `named` ones depend on (see above)."""
    inside = set(analysed)
    importers: dict[int, set[int]] = {}
    subclassers: dict[int, set[int]] = {}
    for f in inside:
        for g in imports.get(f, ()):
            if g in inside:
                importers.setdefault(g, set()).add(f)
        for g in bases.get(f, ()):
            if g in inside:
                subclassers.setdefault(g, set()).add(f)
    up = _closure({n for n in named if n in inside}, importers)
    down = _closure(up, {f: {g for g in imports.get(f, ()) if g in inside} for f in inside})
    return _closure(down, subclassers)


def _closure(start: set[int], edges: Mapping[int, Iterable[int]]) -> set[int]:
    seen = set(start)
    todo = list(start)
    while todo:
        for g in edges.get(todo.pop(), ()):
            if g not in seen:
                seen.add(g)
                todo.append(g)
    return seen

