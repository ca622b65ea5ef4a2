"""The link stage: module names, call resolution across functions, methods, bases and modules,
and what each function steps, carried up through calls to a fixpoint."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from lrlint.config import load_settings
from lrlint.linter import analyze_file
from lrlint.link import LinkedFile, Project, StepTarget, absolute_target, link, module_name
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
