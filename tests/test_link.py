"""The link stage: module names, call resolution across functions, methods, bases and modules,
and what each function steps, carried up through calls to a fixpoint."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from lrlint.config import load_settings
from lrlint.linter import analyze_file
from lrlint.project.link import link
from lrlint.project.model import LinkedFile, Project, StepTarget
from lrlint.project.modules import absolute_target, module_name
from lrlint.run import RunOptions, lint_paths
from tests.helpers import ROOT

PROJECT = ROOT / "tests" / "projects" / "split_training"


@pytest.fixture(scope="module")
def project() -> Project:
    files = sorted(PROJECT.rglob("*.py"))
    linked = []
    for path in files:
        summary = analyze_file(path.relative_to(PROJECT).as_posix(), path.read_bytes(), force=True)
        assert summary.facts is not None
        linked.append(LinkedFile(summary.filename, summary.facts, path, module_name(path)[1]))  # type: ignore[arg-type]
    return link(linked)


def steps_of(project: Project, module: str, qualname: str) -> set[tuple[str, str]]:
    for (file, frame), targets in project.steps.items():
        ref = project.function_of(file, frame)
        assert ref is not None
        if project.files[file].module == module and ref.function.qualname == qualname:
            return {(t.kind, t.name) for t in targets}
    raise AssertionError(f"no function {module}.{qualname}")


def callee_of(project: Project, module: str, callee: str) -> str | None:
    for (file, call), ref in project.calls.items():
        if project.files[file].module == module and project.files[file].facts.calls[call].callee == callee:
            return f"{project.files[ref.file].module}.{ref.function.qualname}"
    return None


def test_module_names_follow_packages() -> None:
    assert module_name(PROJECT / "train.py") == (PROJECT, "train")
    assert module_name(PROJECT / "pkg" / "loops.py") == (PROJECT, "pkg.loops")
    assert module_name(PROJECT / "pkg" / "__init__.py") == (PROJECT, "pkg")


@pytest.mark.parametrize(
    "module,is_package,target,level,expected",
    [
        ("pkg.loops", False, "steps.inner", 1, "pkg.steps.inner"),
        ("pkg.sub.mod", False, "a.b", 2, "pkg.a.b"),
        ("pkg", True, "steps", 1, "pkg.steps"),
        ("pkg.loops", False, "", 1, "pkg"),
    ],
)
def test_relative_imports(module: str, is_package: bool, target: str, level: int, expected: str) -> None:
    assert absolute_target(module, is_package, target, level) == expected


def test_calls_resolve_across_functions_methods_bases_and_modules(project: Project) -> None:
    assert callee_of(project, "train", "train_one_epoch") == "engine.train_one_epoch"  # absolute, sibling module
    assert callee_of(project, "pkg.loops", "inner") == "pkg.steps.inner"  # `from .steps import inner`
    assert callee_of(project, "pkg.loops", "steps.inner") == "pkg.steps.inner"  # `from . import steps`
    assert callee_of(project, "pkg.trainer", "self.train_step") == "pkg.trainer.Trainer.train_step"
    assert callee_of(project, "pkg.trainer", "self._update") == "pkg.base.BaseTrainer._update"  # a base in another module
    assert callee_of(project, "pkg.trainer", "outer") == "pkg.loops.outer"


def test_unresolvable_or_ambiguous_names_stay_unknown(project: Project) -> None:
    assert callee_of(project, "pkg.loops", "missing_helper") is None
    assert steps_of(project, "pkg.loops", "unknown") == set()
    # `log` is defined twice in engine.py: a call to it would be ambiguous.
    assert all(ref.function.name != "log" for ref in project.calls.values())


def test_what_functions_step_reaches_a_fixpoint_through_calls(project: Project) -> None:
    assert ("param", "optimizer") in steps_of(project, "engine", "train_one_epoch")
    assert steps_of(project, "pkg.steps", "inner") == {("param", "optimizer")}
    # keyword argument, then a positional one through a module attribute
    assert steps_of(project, "pkg.loops", "outer") == {("param", "opt")}
    assert steps_of(project, "pkg.loops", "via_module") == {("param", "opt")}
    # self.train_step() -> self._update() (a base class in another module) -> self.optimizer.step()
    assert steps_of(project, "pkg.trainer", "Trainer.fit") == {("self", "optimizer")}
    # an argument `opt=self.optimizer` maps the callee's parameter back to the caller's attribute
    assert steps_of(project, "pkg.trainer", "Trainer.with_helper") == {("self", "optimizer")}
    # a module global passed to a function of another module
    assert steps_of(project, "train", "main") == {("global", "train.optimizer")}
    assert steps_of(project, "engine", "evaluate") == set()


def test_facts_are_plain_picklable_data(project: Project) -> None:
    for file in project.files:
        assert pickle.loads(pickle.dumps(file.facts)) == file.facts


def test_run_analyses_the_modules_a_training_loop_calls_into(tmp_path: Path) -> None:
    # engine.py and pkg/ hold no `lr_scheduler`: the prefilter skips them, but train.py steps a
    # scheduler and calls into them, so they are analysed for the link stage; nothing else is.
    os.chdir(tmp_path)
    result = lint_paths([str(PROJECT)], load_settings(PROJECT), options=RunOptions(use_cache=False, jobs=1))
    followed = sorted(Path(p).relative_to(PROJECT).as_posix() for p in result.followed)
    assert followed == ["engine.py", "pkg/__init__.py", "pkg/base.py", "pkg/loops.py", "pkg/steps.py", "pkg/trainer.py"]
    assert result.diagnostics == []


def test_step_target_order_is_stable() -> None:
    assert sorted([StepTarget("self", "b"), StepTarget("param", "a")])[0] == StepTarget("param", "a")


# --- scale: the step summaries of a tangled project (issue 25) ----------------------------------


def _generated_project(tmp_path: Path, size: int) -> Project:
    """`size` modules whose `f(opt)` steps its parameter and its module's global optimizer, and
    calls every other module's `f` (one strongly connected component), then a chain of `size`
    modules, each calling the next, the last stepping its global."""
    linked = []
    sources = {}
    for i in range(size):
        others = [j for j in range(size) if j != i]
        sources[f"m{i}.py"] = (
            "import torch\n" + "".join(f"import m{j}\n" for j in others)
            + "OPT = torch.optim.SGD([], lr=0.1)\n"
            + "def f(opt):\n    opt.step()\n    OPT.step()\n" + "".join(f"    m{j}.f(opt)\n" for j in others)
        )  # fmt: skip
        last = i == size - 1
        sources[f"c{i}.py"] = (
            "import torch\n" + ("OPT = torch.optim.SGD([], lr=0.1)\n" if last else f"import c{i + 1}\n")
            + "def g(opt):\n" + ("    OPT.step()\n" if last else f"    c{i + 1}.g(opt)\n")
        )  # fmt: skip
    for name, source in sources.items():
        path = tmp_path / name
        path.write_text(source, encoding="utf-8")
        summary = analyze_file(name, source.encode(), force=True)
        linked.append(LinkedFile(name, summary.facts, path, module_name(path)[1]))  # type: ignore[arg-type]
    return link(linked)


def test_step_summaries_of_a_tangled_project_cost_calls_times_targets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """400 modules calling each other took 41 s when the summaries were iterated to a fixpoint
    over every call site in rounds. Each target now crosses each call once: the work (targets
    carried through calls) is bounded by the calls times the targets, whatever the depth."""
    from lrlint.project import steps

    crossed = 0
    original = steps.through_call

    def counting(*args: object) -> object:
        nonlocal crossed
        crossed += 1
        return original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(steps, "through_call", counting)
    size = 40
    project = _generated_project(tmp_path, size)
    tangled_calls = size * (size - 1)
    assert len(project.calls) == tangled_calls + size - 1
    every_global = {("global", f"m{i}.OPT") for i in range(size)}
    for i in range(size):
        assert steps_of(project, f"m{i}", "f") == {("param", "opt")} | every_global
        # A chain deeper than any round limit: the last module's global reaches the first.
        assert steps_of(project, f"c{i}", "g") == {("global", f"c{size - 1}.OPT")}
    # One local target (`opt`) crosses each call once; the globals are shared, never re-crossed.
    assert crossed <= len(project.calls)
