"""The --verify worker imports the real torch and nothing of the linted tree.

Each test plants a hook that would run code in any Python process that honours it (a `torch.py`,
`sitecustomize.py`, `usercustomize.py` or `.pth` file) and checks that the worker never ran it. The
hooks leave a marker named after the process id, so the lrlint process itself, which is the
user's own Python and may legitimately honour them, is told apart from its worker.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import FIXTURES, ROOT

HARM = FIXTURES / "harm"
TRAIN = "train.py"
SOURCE = (
    "import torch\n"
    "from torch.optim.lr_scheduler import StepLR\n"
    "opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)\n"
    "s = StepLR(opt, milestones=[10, 20])  # expect: LR001\n"
)
# Leaves `<kind>-<pid>` in $LRLINT_MARKERS when run (imported, or executed by site).
MARK = "import os; open(os.path.join(os.environ['LRLINT_MARKERS'], '{kind}-' + str(os.getpid())), 'w').close()"


def lrlint(args: list[str], cwd: Path, env: dict[str, str], python: str = sys.executable, flags: tuple[str, ...] = ()) -> tuple[int, subprocess.CompletedProcess[bytes]]:
    """(pid of the lrlint process, its completed run)."""
    proc = subprocess.Popen(
        [python, *flags, "-m", "lrlint", *args], cwd=cwd, env={**os.environ, "NO_COLOR": "1", **env},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = proc.communicate(timeout=90)
    finally:
        proc.kill()
    return proc.pid, subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def markers(folder: Path, lrlint_pid: int) -> list[str]:
    """Markers left by any process other than lrlint itself: by its worker."""
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(f"-{lrlint_pid}"))


def verdicts(run: subprocess.CompletedProcess[bytes]) -> list[tuple[str, str]]:
    assert run.returncode == 1, run.stderr.decode()
    return [(f["code"], f["verification"]["status"]) for f in json.loads(run.stdout)]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A training repo that ships a hostile torch.py (it marks and hangs when imported)."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / TRAIN).write_text(SOURCE)
    shutil.copy(HARM / "torch.py", root / "torch.py")
    return root


@pytest.fixture
def marks(tmp_path: Path) -> Path:
    folder = tmp_path / "markers"
    folder.mkdir()
    return folder


def test_pythonpath_pointing_at_the_tree(tree: Path, marks: Path) -> None:
    env = {"PYTHONPATH": os.pathsep.join([str(ROOT), str(tree)]), "LRLINT_HARM_DIR": str(marks), "LRLINT_MARKERS": str(marks)}
    started = time.monotonic()
    pid, run = lrlint(["--verify", "--output-format", "json", "--verify-timeout", "20", TRAIN], cwd=tree, env=env)
    assert list(marks.iterdir()) == [], "the worker imported the tree's torch.py"
    assert verdicts(run) == [("LR001", "confirmed")]  # with the real torch
    assert time.monotonic() - started < 60


def test_current_directory_is_the_tree(tree: Path, marks: Path) -> None:
    env = {"PYTHONPATH": str(ROOT), "LRLINT_HARM_DIR": str(marks)}
    pid, run = lrlint(["--verify", "--output-format", "json", "--verify-timeout", "20", "."], cwd=tree, env=env)
    assert list(marks.iterdir()) == [], "the worker imported ./torch.py"
    assert verdicts(run) == [("LR001", "confirmed")]


def test_sitecustomize_on_pythonpath(tree: Path, marks: Path) -> None:
    (tree / "sitecustomize.py").write_text(MARK.format(kind="sitecustomize") + "\n")
    env = {"PYTHONPATH": os.pathsep.join([str(ROOT), str(tree)]), "LRLINT_HARM_DIR": str(marks), "LRLINT_MARKERS": str(marks)}
    pid, run = lrlint(["--verify", "--output-format", "json", "--verify-timeout", "20", TRAIN], cwd=tree, env=env)
    # lrlint's own process runs it (it is the user's Python); the worker must not.
    assert (marks / f"sitecustomize-{pid}").exists(), "the hook is live: this test can fail"
    assert markers(marks, pid) == []
    assert verdicts(run) == [("LR001", "confirmed")]


def _base_python() -> str:
    """An interpreter outside any virtualenv: only there is the user site (and its hooks) enabled."""
    return getattr(sys, "_base_executable", sys.executable) if sys.prefix != sys.base_prefix else sys.executable


def test_pth_file_and_usercustomize_in_the_user_site(tree: Path, marks: Path) -> None:
    python = _base_python()
    env = {"PYTHONUSERBASE": str(tree / "userbase"), "LRLINT_MARKERS": str(marks), "LRLINT_HARM_DIR": str(marks)}
    probe = "import site; print(site.ENABLE_USER_SITE, site.getusersitepackages())"
    enabled, user_site = subprocess.run([python, "-c", probe], env={**os.environ, **env}, capture_output=True, text=True, check=True).stdout.split()
    if enabled != "True":
        pytest.skip(f"{python} has no user site to isolate from")
    Path(user_site).mkdir(parents=True)
    (Path(user_site) / "lrlint_test_hook.pth").write_text(MARK.format(kind="pth") + "\n")
    (Path(user_site) / "usercustomize.py").write_text(MARK.format(kind="usercustomize") + "\n")
    # This interpreter finds lrlint and its dependencies (torch too) through PYTHONPATH, and `-s`
    # keeps lrlint's own process out of the user site: any marker comes from the worker.
    site_packages = [p for p in sys.path if p.endswith("site-packages")]
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *site_packages])
    check = subprocess.run([python, "-c", "import site"], env={**os.environ, **env}, capture_output=True)
    assert check.returncode == 0 and len(list(marks.iterdir())) == 2, "the hooks are live: this test can fail"
    for marker in marks.iterdir():
        marker.unlink()
    pid, run = lrlint(["--verify", "--output-format", "json", "--verify-timeout", "20", TRAIN], cwd=tree, env=env, python=python, flags=("-s",))
    assert markers(marks, pid) == []
    # The isolated worker does not see PYTHONPATH: torch is found only if installed in `python`
    # itself; either way the finding got a verdict, not a crash.
    (finding,) = json.loads(run.stdout)
    assert finding["verification"]["status"] in ("confirmed", "inconclusive"), finding["verification"]
