"""Issue 22 through real pre-commit: whichever files pre-commit names, and however it splits them
into batches, the hook reports the same findings about them (the bug of the issue was committed
through the hook: `train_cifar.py` alone passed, and `--all-files` found it or not with how an
unrelated extra file changed the batches)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT
from tests.test_whole_project import ENGINE, TRAIN, UNRELATED

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

FINDING = "src/mytrain/train_cifar.py:11:9: LR005 "
_FOUND = re.compile(r"^(\S+?):(\d+):\d+: (LR\d+|E\d+) ", re.MULTILINE)


def _git(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def hooked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The repository of the issue with 12 unrelated files, its hook installed from this checkout."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert head.returncode == 0, "the lrlint checkout must be a git repository"
    base = tmp_path_factory.mktemp("batches")
    repo = base / "repo"
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(base / "pre-commit-cache"),
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
        "NO_COLOR": "1",
    }  # fmt: skip
    env.pop("PYTHONPATH", None)  # the hook runs the lrlint pre-commit installed, not this tree
    files = {"src/mytrain/__init__.py": "", "src/mytrain/engine.py": ENGINE, "src/mytrain/train_cifar.py": TRAIN}
    files.update({f"src/mytrain/util_{i:02}.py": UNRELATED.replace("os.sep", f"os.sep, {i}") for i in range(12)})
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    _git(repo, "init", "-q", env=env)
    # Two hooks: the one shipped (require_serial as .pre-commit-hooks.yaml sets it), and the same
    # forced into parallel batches (pre-commit shuffles the files and splits them).
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {ROOT}\n    rev: {head.stdout.strip()}\n    hooks:\n"
        "      - id: lrlint\n"
        "      - id: lrlint\n        alias: lrlint-parallel\n        require_serial: false\n"
    )
    _git(repo, "add", ".", env=env)
    committed = _git(repo, "commit", "-q", "--no-verify", "-m", "the project", env=env)
    assert committed.returncode == 0, committed.stderr
    return repo, env


def _run(repo: Path, env: dict[str, str], hook: str, *args: str, **extra: str) -> set[tuple[str, int, str]]:
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", hook, *args], cwd=repo, env={**env, **extra},
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output and "internal error" not in output, output
    found = {(m.group(1), int(m.group(2)), m.group(3)) for m in _FOUND.finditer(output)}
    assert (proc.returncode != 0) == bool(found), output
    return found


def test_shipped_hook_is_serial() -> None:
    """One batch per run: a finding whose chain crosses files is printed once, the project is
    loaded once, and lrlint's own workers parse in parallel."""
    manifest = (ROOT / ".pre-commit-hooks.yaml").read_text()
    assert manifest.count("require_serial: true") == 2 and "require_serial: false" not in manifest


@pytest.mark.parametrize("hook", ["lrlint", "lrlint-parallel"])
def test_the_files_named_decide_nothing_but_what_is_reported(hooked: tuple[Path, dict[str, str]], hook: str) -> None:
    repo, env = hooked
    expected = {("src/mytrain/train_cifar.py", 11, "LR005")}
    assert _run(repo, env, hook, "--files", "src/mytrain/train_cifar.py") == expected
    assert _run(repo, env, hook, "--files", "src/mytrain/engine.py") == expected  # the commit changed only the helper
    assert _run(repo, env, hook, "--files", "src/mytrain/util_03.py") == set()
    assert _run(repo, env, hook, "--all-files") == expected
    assert _run(repo, env, hook, "--all-files", LRLINT_NO_CACHE="1") == expected


def test_any_batching_finds_it(hooked: tuple[Path, dict[str, str]]) -> None:
    """The issue's flip: 1, 3, 4 unrelated files beside the script changed pre-commit's batches
    and with them the finding. TRAVIS makes pre-commit run two batches in parallel anywhere."""
    repo, env = hooked
    for extra in (0, 1, 3, 4, 12):
        names = ["src/mytrain/train_cifar.py", "src/mytrain/engine.py"] + [f"src/mytrain/util_{i:02}.py" for i in range(extra)]
        for hook in ("lrlint", "lrlint-parallel"):
            found = _run(repo, env, hook, "--files", *names, TRAVIS="1")
            assert found == {("src/mytrain/train_cifar.py", 11, "LR005")}, (hook, extra)
