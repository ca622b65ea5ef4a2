"""What each function steps, through the functions it calls, and the chain of calls down to a step.

A function steps a target itself (`x.step()`, `scaler.step(x)`, on a parameter, a `self.`
attribute or a module global) or through a call: the callee's target as the caller sees it (a
parameter becomes what the call passes for it; a `self.` attribute crosses only `self.m()` calls; a
global crosses every call). The call graph is solved once, strongly connected components first
(callees before callers), so the work grows with calls times the targets that cross them, not
with how deep or how tangled the calls are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from lrlint.facts.model import CallSite, FunctionFact, StepFact
from lrlint.project.model import (
    MAX_DEPTH,
    FunctionRef,
    Hop,
    Project,
    StepTarget,
    argument_of,
)

Key = tuple[int, int]  # (file index, function frame)
Edge = tuple[CallSite, FunctionRef]  # a call site in the caller, and the function it calls


def step_summaries(project: Project) -> dict[Key, frozenset[StepTarget]]:
    """(file, function frame) -> everything the function steps, itself or through its calls."""
    functions: dict[Key, FunctionFact] = {}
    direct: dict[Key, set[StepTarget]] = {}
    for file_index, file in enumerate(project.files):
        for function in file.facts.functions:
            key = (file_index, function.frame)
            functions[key] = function
            direct[key] = {target for _, target, _ in stepped_targets(project, file_index, function)}
    edges: dict[Key, list[Edge]] = defaultdict(list)
    for file_index, file in enumerate(project.files):
        for call_index, call in enumerate(file.facts.calls):
            callee = project.calls.get((file_index, call_index))
            caller = (file_index, file.facts.function_frame(call.frames))
            # A call under `if epoch >= 1:` may not run when the caller first runs.
            if callee is not None and caller in functions and not file.facts.guarded(call.frames):
                edges[caller].append((call, callee))
    return _Solver(project, functions, direct, edges).solve()


class _Solver:
    def __init__(self, project: Project, functions: dict[Key, FunctionFact], direct: dict[Key, set[StepTarget]], edges: dict[Key, list[Edge]]) -> None:
        self.project = project
        self.functions = functions
        self.direct = direct
        self.edges = edges
        self.component: dict[Key, int] = {}
        self.globals: list[frozenset[StepTarget]] = []  # per component: shared by its members
        self.local: dict[Key, set[StepTarget]] = {}  # parameters and `self.` attributes, per function

    def solve(self) -> dict[Key, frozenset[StepTarget]]:
        for members in self._components():
            self._solve_component(members)
        found: dict[Key, frozenset[StepTarget]] = {}
        for key in self.functions:
            shared = self.globals[self.component[key]]
            local = self.local[key]
            found[key] = shared | local if local else shared
        return found

    def _solve_component(self, members: list[Key]) -> None:
        index = len(self.globals)
        inside = set(members)
        for key in members:
            self.component[key] = index
        own: set[StepTarget] = set()
        below: set[int] = set()
        queue: list[tuple[Key, StepTarget]] = []
        for key in members:
            local = self.local[key] = set()
            for target in self.direct[key]:
                (own if target.kind == "global" else local).add(target)
        # What the callees below this component step is final: map it into the callers here.
        for key in members:
            for call, callee in self.edges.get(key, ()):
                if callee.key in inside:
                    continue
                below.add(self.component[callee.key])
                for target in self.local[callee.key]:
                    self._add(key, self._through(target, call, callee, key), own, queue)
        for key in members:
            queue.extend((key, target) for target in self.local[key])
        # Within the component, each function's new targets cross each call into it once.
        callers: dict[Key, list[tuple[Key, CallSite]]] = defaultdict(list)
        for key in members:
            for call, callee in self.edges.get(key, ()):
                if callee.key in inside:
                    callers[callee.key].append((key, call))
        while queue:
            callee_key, target = queue.pop()
            callee = FunctionRef(callee_key[0], self.functions[callee_key])
            for caller_key, call in callers.get(callee_key, ()):
                self._add(caller_key, self._through(target, call, callee, caller_key), own, queue)
        shared = frozenset(own).union(*(self.globals[c] for c in below))
        self.globals.append(shared)

    def _add(self, key: Key, target: StepTarget | None, own: set[StepTarget], queue: list[tuple[Key, StepTarget]]) -> None:
        if target is None:
            return
        if target.kind == "global":
            own.add(target)  # every member reaches every other: globals are the component's
        elif target not in self.local[key]:
            self.local[key].add(target)
            queue.append((key, target))

    def _through(self, target: StepTarget, call: CallSite, callee: FunctionRef, caller: Key) -> StepTarget | None:
        return through_call(target, call, callee, self.functions[caller], self.project.files[caller[0]].module)

    def _components(self) -> Iterator[list[Key]]:
        """Strongly connected components of the call graph, each after every component it calls
        into (Tarjan's algorithm, without recursion: call chains may be thousands deep)."""
        order: dict[Key, int] = {}
        low: dict[Key, int] = {}
        stack: list[Key] = []
        on_stack: set[Key] = set()
        for root in self.functions:
            if root in order:
                continue
            work: list[tuple[Key, Iterator[Edge]]] = [(root, iter(self.edges.get(root, ())))]
            order[root] = low[root] = len(order)
            stack.append(root)
            on_stack.add(root)
            while work:
                node, pending = work[-1]
                advanced = False
                for _, callee in pending:
                    nxt = callee.key
                    if nxt not in order:
                        order[nxt] = low[nxt] = len(order)
                        stack.append(nxt)
                        on_stack.add(nxt)
                        work.append((nxt, iter(self.edges.get(nxt, ()))))
                        advanced = True
                        break
                    if nxt in on_stack:
                        low[node] = min(low[node], order[nxt])
                if advanced:
                    continue
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == order[node]:
                    members = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        members.append(member)
                        if member == node:
                            break
                    yield members


def stepped_targets(project: Project, file: int, function: FunctionFact) -> Iterator[tuple[StepFact, StepTarget, bool]]:
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


def through_call(target: StepTarget, call: CallSite, callee: FunctionRef, caller: FunctionFact, module: str | None) -> StepTarget | None:
    """What the caller steps when `callee` steps `target` and is called at `call`."""
    if target.kind == "global":
        return target
    if target.kind == "self":
        # The callee's `self` is the caller's only for `self.method()` calls.
        return target if call.callee.startswith("self.") and caller.self_name else None
    argument = argument_of(call, callee.function, target.name)
    return _target(argument.dotted if argument is not None else None, set(caller.params), caller, module)


def trace(project: Project, callee: FunctionRef, target: StepTarget) -> list[Hop] | None:
    """How a function steps `target`: the calls down to the step itself, outermost first; None
    when no chain of at most MAX_DEPTH calls reaches it."""
    return _Tracer(project).trace(callee, target, 0)


class _Tracer:
    """A depth-first search for the first chain, in source order, that reaches the step. Each
    (function, target) is searched once: a failure is remembered, a cycle is not followed."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.done: set[tuple[Key, StepTarget]] = set()

    def trace(self, callee: FunctionRef, target: StepTarget, depth: int) -> list[Hop] | None:
        state = (callee.key, target)
        if depth > MAX_DEPTH or state in self.done:
            return None
        self.done.add(state)  # on the way down: a cycle back here fails; after a failure, stays failed
        project = self.project
        file = project.files[callee.file]
        function = callee.function
        for step, stepped, by_argument in stepped_targets(project, callee.file, function):
            if stepped == target:
                label = f"{step.receiver}.{step.method}({step.first_arg})" if by_argument else f"{step.receiver}.step()"
                return [Hop(callee.file, step.span.start, label, by_argument)]
        for call_index in project.calls_in(callee.file, function.frame):
            inner = project.calls.get((callee.file, call_index))
            call = file.facts.calls[call_index]
            if inner is None or inner.key == callee.key or file.facts.guarded(call.frames):
                continue
            for inner_target in sorted(project.steps.get(inner.key, ())):
                if through_call(inner_target, call, inner, function, file.module) == target:
                    rest = self.trace(inner, inner_target, depth + 1)
                    if rest is not None:
                        return [Hop(callee.file, call.span.start, f"{call.callee}()", False), *rest]
        return None
