"""Issue 22: a run sees the named files' whole project, whatever it was given. One file, a folder,
the project root, any batch of files: a file's findings are the same; each file is checked with
its own config file's settings."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from lrlint.config import load_settings
from lrlint.diagnostics import Diagnostic
from lrlint.run import RunOptions, lint_paths
from tests.helpers import FIXTURES, ROOT, run_cli, write

ENGINE = """def train_one_epoch(model, optimizer, loader):
    for x, y in loader:
        loss = model(x).sum()
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
"""
TRAIN = """import torch
from torch.optim.lr_scheduler import MultiStepLR

from mytrain.engine import train_one_epoch


def main(model, loader):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = MultiStepLR(optimizer, milestones=[30, 60])
    for epoch in range(90):
        scheduler.step()  # expect: LR005
        train_one_epoch(model, optimizer, loader)
"""
# The helper steps the scheduler it is given before the optimizer; it names no scheduler itself.
HELPER = """def train_one_epoch(model, optimizer, scheduler, loader):
    for x, y in loader:
        model(x).sum().backward()
        scheduler.step()  # expect: LR005
        optimizer.step()
"""
CALLER = """import torch
from torch.optim.lr_scheduler import StepLR

from loops import train_one_epoch

model = torch.nn.Linear(2, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scheduler = StepLR(optimizer, step_size=10)
for epoch in range(30):
    train_one_epoch(model, optimizer, scheduler, [])
"""
# transformers' helper under a name that is not `lr_scheduler`, in a file without that text.
LIBRARY = """import torch
from transformers import get_linear_schedule_with_warmup

model = torch.nn.Linear(2, 2)
optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5)
warmup = get_linear_schedule_with_warmup(optimizer, num_warmup_steps=100, num_training_steps=1000)
for batch in range(1000):
    warmup.step()  # expect: LR005
    optimizer.step()
"""
UNRELATED = "import os\n\nprint(os.sep)\n"


def repo(root: Path, files: dict[str, str]) -> Path:
    """A git repository (its `.git` makes it the project root) holding `files`."""
    (root / ".git").mkdir(parents=True)
    return write(root, files)


def issue_repo(tmp_path: Path) -> Path:
    """The layout of issue 22: `src/mytrain/train_cifar.py` calls `engine.train_one_epoch()`."""
    return repo(tmp_path / "repo", {
        "src/mytrain/__init__.py": "", "src/mytrain/engine.py": ENGINE, "src/mytrain/train_cifar.py": TRAIN,
        "src/mytrain/data.py": UNRELATED, "tools/plot.py": UNRELATED,
    })  # fmt: skip


def findings(cwd: Path, *paths: str, cache: Path | None = None, extra: tuple[str, ...] = ()) -> set[tuple[str, int, str]]:
    args = ["--output-format", "json", *(("--cache-dir", str(cache)) if cache else ("--no-cache",)), *extra, *paths]
    proc = run_cli(*args, cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return {(d["filename"], d["location"]["row"], d["code"]) for d in json.loads(proc.stdout)}


def expected(root: Path) -> set[tuple[str, int, str]]:
    from tests.helpers import expected_findings

    return {(p.relative_to(root).as_posix(), row, code) for p in root.rglob("*.py") for row, code in expected_findings(p)}


def test_one_file_sees_the_helper_it_calls(tmp_path: Path) -> None:
    root = issue_repo(tmp_path)
    whole = findings(root, ".")
    assert whole == expected(root) == {("src/mytrain/train_cifar.py", 11, "LR005")}
    assert findings(root, "src/mytrain/train_cifar.py") == whole
    assert findings(root, "src/") == whole
    assert findings(root / "src" / "mytrain", "train_cifar.py") == {("train_cifar.py", 11, "LR005")}


def test_naming_only_the_helper_reports_the_loop_whose_order_it_breaks(tmp_path: Path) -> None:
    """A commit that changes only engine.py: the finding lies in train_cifar.py, and its chain
    runs through engine.py."""
    root = issue_repo(tmp_path)
    proc = run_cli("--no-cache", "--output-format", "json", "src/mytrain/engine.py", cwd=root)
    [finding] = json.loads(proc.stdout)
    assert (finding["filename"], finding["location"]["row"]) == ("src/mytrain/train_cifar.py", 11)
    assert [(r["filename"], r["location"]["row"]) for r in finding["related"]] == [("src/mytrain/train_cifar.py", 12), ("src/mytrain/engine.py", 5)]
    # A file the chain does not run through reports nothing of it.
    assert findings(root, "src/mytrain/data.py") == set()
    assert findings(root, "tools/plot.py", "src/mytrain/data.py") == set()


def test_the_readme_example_alone() -> None:
    """`lrlint fixtures/projects/detection/tools/train.py` alone sees what the whole project sees."""
    project = FIXTURES / "projects" / "detection"
    train = project / "tools" / "train.py"
    alone = findings(ROOT, str(train.relative_to(ROOT)))
    assert alone == {(str(train.relative_to(ROOT)), 23, "LR005")}
    whole = findings(ROOT, str(project.relative_to(ROOT)))
    assert alone == {f for f in whole if f[0].endswith("tools/train.py")}


def test_a_helper_without_the_marker_is_analysed(tmp_path: Path) -> None:
    root = repo(tmp_path / "r", {"loops.py": HELPER, "train.py": CALLER, "other.py": UNRELATED})
    assert findings(root, ".") == expected(root) == {("loops.py", 4, "LR005")}
    assert findings(root, "loops.py") == {("loops.py", 4, "LR005")}
    assert findings(root, "other.py", "loops.py") == {("loops.py", 4, "LR005")}


def test_a_library_helper_under_another_name(tmp_path: Path) -> None:
    root = repo(tmp_path / "r", {"finetune.py": LIBRARY})
    assert b"lr_scheduler" not in (root / "finetune.py").read_bytes()
    assert findings(root, "finetune.py") == expected(root) == {("finetune.py", 8, "LR005")}


def test_a_named_file_gets_its_syntax_error_whatever_its_text(tmp_path: Path) -> None:
    """A folder walk skips a file that holds no marker and that nothing analysed calls into; named
    on the command line (as pre-commit names it), it gets its E999."""
    root = repo(tmp_path / "r", {"broken.py": "def f(:\n    pass\n", "ok.py": UNRELATED})
    assert findings(root, "broken.py") == {("broken.py", 1, "E999")}
    assert findings(root, "ok.py", "broken.py") == {("broken.py", 1, "E999")}
    assert findings(root, ".") == set()


# --- every batch sees the same ------------------------------------------------------------------


def _library(root: Path, paths: list[str], cache: Path | None) -> list[Diagnostic]:
    options = RunOptions(use_cache=cache is not None, cache_dir=cache, jobs=1)
    return lint_paths(paths, load_settings(Path(os.path.commonpath([os.path.abspath(p) for p in paths]))), options=options).diagnostics


def _involving(found: list[Diagnostic], name: str) -> set[tuple[str, int, str]]:
    return {(d.filename, d.location.row, d.code) for d in found if d.filename == name or any(r.filename == name for r in d.related)}


PROJECTS = [FIXTURES / "projects" / "detection", ROOT / "tests" / "projects" / "split_training"]


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
@pytest.mark.parametrize("cached", [False, True], ids=["no-cache", "cache"])
def test_each_file_alone_finds_what_the_whole_project_finds_about_it(project: Path, cached: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    cache = tmp_path / "cache" if cached else None
    whole = _library(ROOT, [str(project.relative_to(ROOT))], cache)
    assert whole or project.name == "split_training"  # that one steps every scheduler in order
    files = sorted(str(p.relative_to(ROOT)) for p in project.rglob("*.py"))
    for name in files:
        assert _involving(_library(ROOT, [name], cache), name) == _involving(whole, name), name
    # Batches of three (pre-commit's split of the same files), in two orders.
    for order in (files, files[::-1]):
        for start in range(0, len(order), 3):
            batch = order[start : start + 3]
            found = _library(ROOT, batch, cache)
            for name in batch:
                assert _involving(found, name) == _involving(whole, name), (batch, name)


def test_an_unrelated_path_changes_nothing_else(tmp_path: Path) -> None:
    """Adding a path to the command changes neither another file's findings nor its settings."""
    root = issue_repo(tmp_path)
    write(tmp_path / "elsewhere", {"lrlint.toml": 'ignore = ["LR005"]\ntorch-version = "2.2"\n', "x.py": UNRELATED})
    alone = findings(root, "src/mytrain/train_cifar.py")
    assert alone == findings(root, "src/mytrain/train_cifar.py", str(tmp_path / "elsewhere" / "x.py"))
    assert alone == findings(root, "src/mytrain/train_cifar.py", "tools/plot.py")


# --- configuration per file ---------------------------------------------------------------------

GAMMA_AND_VERBOSE = "from torch.optim.lr_scheduler import ExponentialLR, StepLR\ns = ExponentialLR(opt, gamma=1.5)\nt = StepLR(opt, 10, verbose=True)\n"


def monorepo(tmp_path: Path) -> Path:
    return repo(tmp_path / "mono", {
        "pyproject.toml": '[tool.lrlint]\nselect = ["LR"]\n',
        "pkg_a/pyproject.toml": '[project]\nname = "a"\n\n[tool.lrlint]\nignore = ["LR004"]\ntorch-version = "2.6"\n',
        "pkg_a/train.py": GAMMA_AND_VERBOSE, "pkg_b/train.py": GAMMA_AND_VERBOSE,
    })  # fmt: skip


def _severities(cwd: Path, *args: str) -> set[tuple[str, str, str]]:
    proc = run_cli("--no-cache", "--output-format", "json", *args, cwd=cwd)
    return {(d["filename"], d["code"], d["severity"]) for d in json.loads(proc.stdout)}


def test_each_file_is_checked_with_its_nearest_config(tmp_path: Path) -> None:
    root = monorepo(tmp_path)
    both = {
        ("pkg_a/train.py", "LR008", "warning"),  # torch 2.6: deprecated, not yet removed
        ("pkg_b/train.py", "LR004", "warning"),
        ("pkg_b/train.py", "LR008", "error"),
    }
    assert _severities(root, ".") == both
    assert _severities(root, "pkg_a/train.py", "pkg_b/train.py") == both
    assert _severities(root, "pkg_a/train.py") == {("pkg_a/train.py", "LR008", "warning")}
    assert _severities(root / "pkg_a", "train.py") == {("train.py", "LR008", "warning")}
    # The command line still applies on top of each file's config; --config and --isolated keep their meaning.
    assert _severities(root, "--ignore", "LR008", ".") == {("pkg_b/train.py", "LR004", "warning")}
    assert _severities(root, "--config", "pyproject.toml", ".") == {
        ("pkg_a/train.py", "LR004", "warning"), ("pkg_a/train.py", "LR008", "error"),
        ("pkg_b/train.py", "LR004", "warning"), ("pkg_b/train.py", "LR008", "error"),
    }  # fmt: skip
    assert _severities(root, "--isolated", "pkg_a") == {("pkg_a/train.py", "LR004", "warning"), ("pkg_a/train.py", "LR008", "error")}


def test_a_nested_config_excludes_within_its_folder(tmp_path: Path) -> None:
    root = monorepo(tmp_path)
    write(root, {"pkg_a/pyproject.toml": '[tool.lrlint]\nextend-exclude = ["generated"]\n', "pkg_a/generated/x.py": GAMMA_AND_VERBOSE, "generated/y.py": GAMMA_AND_VERBOSE})
    files = run_cli("--show-files", ".", cwd=root).stdout.decode().split()
    assert files == [str(root / name) for name in ("generated/y.py", "pkg_a/train.py", "pkg_b/train.py")]


def test_show_settings_names_the_config_and_the_values(tmp_path: Path) -> None:
    root = monorepo(tmp_path)
    shown = run_cli("--show-settings", "pkg_a/train.py", cwd=root)
    assert shown.returncode == 0
    lines = shown.stdout.decode().splitlines()
    assert lines[0] == f"Resolved settings for: {json.dumps(str(root / 'pkg_a' / 'train.py'))}"
    assert lines[1] == f"Settings path: {json.dumps(str(root / 'pkg_a' / 'pyproject.toml'))}"
    assert lines[2] == f"Project root: {json.dumps(str(root / 'pkg_a'))}"
    assert 'torch-version = "2.6"' in lines and not any(line.startswith("select") and '"LR004"' in line for line in lines)
    other = run_cli("--show-settings", "pkg_b/train.py", cwd=root).stdout.decode().splitlines()
    assert other[1] == f"Settings path: {json.dumps(str(root / 'pyproject.toml'))}"


def test_a_bad_nested_config_is_a_usage_error(tmp_path: Path) -> None:
    root = monorepo(tmp_path)
    write(root, {"pkg_b/lrlint.toml": 'selekt = ["LR001"]\n'})
    proc = run_cli("--no-cache", ".", cwd=root)
    assert proc.returncode == 2
    assert proc.stderr.decode().strip().endswith("unknown key 'selekt' (did you mean 'select'?)")


def test_stdin_with_a_filename_is_that_file_in_its_project(tmp_path: Path) -> None:
    """An editor sends the buffer on stdin: it is linted as that file, with the files around it."""
    root = issue_repo(tmp_path)
    buffer = (root / "src" / "mytrain" / "train_cifar.py").read_bytes()
    proc = run_cli("--no-cache", "--output-format", "json", "-", "--stdin-filename", "src/mytrain/train_cifar.py", cwd=root, stdin=buffer)
    assert {(d["filename"], d["location"]["row"], d["code"]) for d in json.loads(proc.stdout)} == {("src/mytrain/train_cifar.py", 11, "LR005")}
    fixed = buffer.replace(b"        scheduler.step()  # expect: LR005\n        train_one_epoch(model, optimizer, loader)\n", b"        train_one_epoch(model, optimizer, loader)\n        scheduler.step()\n")
    assert fixed != buffer
    proc = run_cli("--no-cache", "--output-format", "json", "-", "--stdin-filename", "src/mytrain/train_cifar.py", cwd=root, stdin=fixed)
    assert json.loads(proc.stdout) == []
