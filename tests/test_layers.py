"""lrlint's own structure: no import circle, and no import running back up the layers.

Data flows one way: files -> parse (libcst) -> facts -> link -> rules -> diagnostics (+ fixes,
+ verification) -> reporters. The layers, bottom to top (a module may import from its own layer
and the layers below, never from one above):

1. base: plain data and leaf utilities every stage shares: diagnostics, scenarios, trajectories,
   the catalogue and the scheduler table, sources, libcst's parse and notebooks, suppression comments, message
   bounds, the run record --verify's worker fills (`verify.record`) and --verify's option values,
   the per-file bounds and the bounded child process (`bounds`, `child`);
2. facts: one file's facts, from its tree (`lrlint.facts`);
3. project: the linked project and what it answers (`lrlint.project`: link, resolve, receivers,
   loop order);
4. rules: each rule (check, examples, verify hook and judge) and the registry (`lrlint.rules`);
5. verify: --verify's mechanism (plans, the worker, the runner, rendering);
6. run: configuration, discovery, the cache (and `lrlint clean`), the per-file and project
   stages, worker processes;
7. fix: choosing, applying and writing fixes, and their proof in torch (`lrlint.fixing`);
8. report: reports and their formats (`lrlint.report`, `lrlint.reporters`);
9. cli: the command line (`lrlint.cli`, and `lrlint.fix_command`, its fixing modes).

Every import counts: at module level, inside functions, under `if TYPE_CHECKING:`, and a module
named by a string (`import_module("lrlint.verify.runner")`). The graph is read with `ast`.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

from tests.helpers import ROOT

PACKAGE = ROOT / "lrlint"

# Bottom to top. A name covers the module and, with ".*", the modules of a package.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", (
        "lrlint", "lrlint.bounds", "lrlint.catalogue", "lrlint.child", "lrlint.diagnostics", "lrlint.globmatch", "lrlint.messages",
        "lrlint.import_scan", "lrlint.notebook", "lrlint.output", "lrlint.parsing", "lrlint.prefilter", "lrlint.progress", "lrlint.scenario",
        "lrlint.signatures", "lrlint.source", "lrlint.sourcelines", "lrlint.suppressions", "lrlint.trajectory",
        "lrlint.verify.options", "lrlint.verify.record",
    )),
    ("facts", ("lrlint.facts", "lrlint.facts.*")),
    ("project", ("lrlint.project", "lrlint.project.*")),
    ("rules", ("lrlint.rules", "lrlint.rules.*")),
    ("verify", ("lrlint.verify", "lrlint.verify.*")),
    ("run", ("lrlint.cache", "lrlint.cache_codec", "lrlint.clean", "lrlint.config", "lrlint.discovery", "lrlint.gitignore", "lrlint.linter", "lrlint.run", "lrlint.universe", "lrlint.workers")),
    ("fix", ("lrlint.fixing", "lrlint.fixing.*")),
    ("report", ("lrlint.report", "lrlint.reporters", "lrlint.reporters.*")),
    ("cli", ("lrlint.cli", "lrlint.__main__", "lrlint.fix_command", "lrlint.show")),
]  # fmt: skip


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that `name` imports, wherever the import statement is."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()

    def add(target: str) -> None:
        while target and target not in known:  # `from a.b import C`: C may be a class of a.b
            target = target.rpartition(".")[0]
        if target and target != name:
            found.add(target)

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "lrlint":
                    add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = name.split(".") if is_package else name.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, *([node.module] if node.module else [])])
            if base.split(".")[0] != "lrlint":
                continue
            for alias in node.names:
                full = f"{base}.{alias.name}"
                add(full if full in known else base)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in known:
            add(node.value)  # importlib.import_module("lrlint.x") and the like
    return found


@cache
def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports(name, path, known) for name, path in found.items()}


def layer_of(module: str) -> int | None:
    for index, (_, names) in enumerate(LAYERS):
        for pattern in names:
            if module == pattern or (pattern.endswith(".*") and module.startswith(pattern[:-1])):
                return index
    return None


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (or a module importing itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:  # the package is small: recursion is fine
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in edges.get(node, ()):
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_graph_is_read() -> None:
    """The reader sees every kind of import this test relies on (so the checks below can fail)."""
    edges = graph()
    assert "lrlint.rules.base" in edges["lrlint.rules"]  # module level
    assert "lrlint.project.link" in edges["lrlint.linter"]  # inside a function
    assert "lrlint.project.model" in edges["lrlint.rules.base"]  # under TYPE_CHECKING
    assert "lrlint.verify.runner" in edges["lrlint.verify"]  # named by a string (lazy attributes)
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_module_has_a_layer() -> None:
    unplaced = sorted(name for name in modules() if layer_of(name) is None)
    assert not unplaced, f"place these modules in a layer of tests/test_layers.py (and the README): {unplaced}"


def test_no_import_circle() -> None:
    assert cycles(graph()) == []


def test_no_import_runs_up_the_layers() -> None:
    upward = []
    for module, targets in sorted(graph().items()):
        here = layer_of(module)
        for target in sorted(targets):
            there = layer_of(target)
            if here is not None and there is not None and there > here:
                upward.append(f"{module} ({LAYERS[here][0]}) imports {target} ({LAYERS[there][0]})")
    assert upward == []


@pytest.mark.parametrize("low", ["lrlint.facts", "lrlint.project", "lrlint.rules", "lrlint.catalogue"])
def test_the_verify_worker_knows_no_rule(low: str) -> None:
    """The worker runs plans it is given: it reaches no rule, no facts, no project stage, not even
    the catalogue (everything it needs comes in the job)."""
    edges = graph()
    reached, todo = set(), ["lrlint.verify.worker"]
    while todo:
        module = todo.pop()
        if module not in reached:
            reached.add(module)
            todo.extend(edges.get(module, ()))
    assert not [m for m in reached if m == low or m.startswith(low + ".")]
