"""The `lrlint-fix` pre-commit hook, run by real pre-commit: a commit with a fixable finding is
stopped with the file fixed on disk; staged again, it goes through. What cannot be fixed stops
the commit and is printed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.test_precommit import _git, hooked_repo  # noqa: F401 - the fixture

FIXABLE = "from torch.optim.lr_scheduler import StepLR\nscheduler = StepLR(optimizer, 30, verbose=True)\n"
UNFIXABLE = "from torch.optim.lr_scheduler import StepLR\nscheduler = StepLR(optimizer, milestones=[30, 80])\n"


@pytest.fixture()
def fix_hook_repo(hooked_repo: tuple[Path, dict[str, str]]) -> tuple[Path, dict[str, str]]:  # noqa: F811
    repo, env = hooked_repo
    config = repo / ".pre-commit-config.yaml"
    config.write_text(config.read_text().replace("- id: lrlint\n", "- id: lrlint-fix\n"))
    return repo, env


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_fix_hook_fixes_stops_the_commit_and_lets_the_fixed_file_through(fix_hook_repo) -> None:  # noqa: ANN001
    repo, env = fix_hook_repo
    path = repo / "train.py"
    path.write_text(FIXABLE)
    _git(repo, "add", ".", env=env)
    stopped = _git(repo, "commit", "-m", "train", env=env)
    output = stopped.stdout + stopped.stderr
    assert stopped.returncode != 0, output
    assert "lrlint (fix)" in output and "Failed" in output, output
    assert path.read_text() == FIXABLE.replace(", verbose=True", "")
    _git(repo, "add", ".", env=env)
    passed = _git(repo, "commit", "-m", "train", env=env)
    assert passed.returncode == 0, passed.stdout + passed.stderr


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_fix_hook_prints_what_it_cannot_fix(fix_hook_repo) -> None:  # noqa: ANN001
    repo, env = fix_hook_repo
    path = repo / "train.py"
    path.write_text(UNFIXABLE)
    _git(repo, "add", ".", env=env)
    stopped = _git(repo, "commit", "-m", "train", env=env)
    output = stopped.stdout + stopped.stderr
    assert stopped.returncode != 0 and "train.py:2:31: LR001" in output, output
    assert path.read_text() == UNFIXABLE
