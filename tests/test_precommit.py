"""lrlint as a real pre-commit hook: a throw-away repo whose commit of an LR001 is blocked."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

BAD = "from torch.optim.lr_scheduler import StepLR\nscheduler = StepLR(optimizer, milestones=[30, 80])\n"
GOOD = "from torch.optim.lr_scheduler import StepLR\nscheduler = StepLR(optimizer, step_size=30)\n"


def _git(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture()
def hooked_repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    if head.returncode != 0 or not (ROOT / ".pre-commit-hooks.yaml").exists():
        pytest.fail("the lrlint checkout must be a git repository with .pre-commit-hooks.yaml")
    repo = tmp_path / "project"
    repo.mkdir()
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-cache"),
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
        "NO_COLOR": "1",
    }  # fmt: skip
    env.pop("PYTHONPATH", None)  # the hook must run the lrlint pre-commit installed, not this tree
    # `pre-commit` from this interpreter, found first on PATH by the git hook.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    launcher = bin_dir / "pre-commit"
    launcher.write_text(f"#!/bin/sh\nexec {sys.executable} -m pre_commit \"$@\"\n")
    launcher.chmod(0o755)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    _git(repo, "init", "-q", env=env)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {ROOT}\n    rev: {head.stdout.strip()}\n    hooks:\n      - id: lrlint\n"
    )
    install = subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"], cwd=repo, env=env, capture_output=True, text=True
    )
    assert install.returncode == 0, install.stderr
    return repo, env


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_hook_blocks_a_commit_with_lr001_and_lets_the_fix_through(hooked_repo) -> None:
    repo, env = hooked_repo
    (repo / "train.py").write_text(BAD)
    _git(repo, "add", ".", env=env)
    blocked = _git(repo, "commit", "-m", "add training script", env=env)
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "train.py:2:31: LR001" in output, output

    (repo / "train.py").write_text(GOOD)
    _git(repo, "add", ".", env=env)
    passed = _git(repo, "commit", "-m", "add training script", env=env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    log = _git(repo, "log", "--oneline", env=env)
    assert "add training script" in log.stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_hook_over_many_files_prints_each_finding_once_and_no_summary_per_batch(hooked_repo) -> None:
    """pre-commit splits the files into batches, one lrlint run each: no run's summary may repeat."""
    repo, env = hooked_repo
    # pre-commit runs 2 batches in parallel when TRAVIS is set (its target_concurrency), so the
    # split happens on any machine, one CPU or many.
    env = {**env, "TRAVIS": "1"}
    for i in range(40):
        (repo / f"train_{i:02}.py").write_text(BAD)
    _git(repo, "add", ".", env=env)
    run = _git(repo, "commit", "-m", "forty scripts", env=env)
    output = run.stdout + run.stderr
    assert run.returncode != 0, output
    reported = sorted(re.findall(r"^(train_\d\d\.py):2:31: LR001 ", output, re.M))
    assert reported == [f"train_{i:02}.py" for i in range(40)], output
    assert "Found " not in output and "All checks passed" not in output, output
