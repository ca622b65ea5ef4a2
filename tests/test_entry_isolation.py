"""The `lrlint` command and `python -m lrlint` import nothing from the linted tree: not through the
current directory, not through a source folder on PYTHONPATH (lrlint/__main__.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lrlint.__main__ import isolate_imports
from tests.helpers import ROOT

LR001 = "from torch.optim.lr_scheduler import StepLR\nStepLR(o, milestones=[3])\n"
# Modules lrlint imports once it runs (directly or through its dependencies), and a sitecustomize.
# Not `re` or what it imports (`enum`, `functools`): the entry-point script pip writes imports `re`
# before any lrlint code runs (see the README).
SHADOWS = ("inspect", "dataclasses", "json", "ast", "tokenize", "sitecustomize")
HOSTILE = "import os\nopen(os.path.join(os.environ['MARKS'], {name!r}), 'w').close()\nraise SystemExit('the tree ran')\n"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    root.mkdir()
    for name in SHADOWS:
        hostile = HOSTILE.format(name=name)
        if name == "sitecustomize":  # it runs whatever lrlint does: only the marker
            hostile = hostile.split("raise")[0]
        (root / f"{name}.py").write_text(hostile)
    (root / "train.py").write_text(LR001)
    (tmp_path / "marks").mkdir()
    return root


def run(command: list[str], cwd: Path, marks: Path, pythonpath: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": pythonpath, "MARKS": str(marks), "NO_COLOR": "1", "LRLINT_NO_CACHE": "1"}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, timeout=120, check=False)


def codes(proc: subprocess.CompletedProcess[bytes]) -> list[str]:
    assert proc.returncode == 1, proc.stderr.decode()[-2000:]
    return [d["code"] for d in json.loads(proc.stdout)]


def test_the_command_ignores_a_source_folder_on_pythonpath(tree: Path) -> None:
    script = Path(sys.executable).with_name("lrlint")
    if not script.is_file():
        pytest.skip("the lrlint entry point is not installed beside this interpreter")
    marks = tree.parent / "marks"
    proc = run([str(script), "--output-format", "json", "train.py"], tree, marks, f"{tree}{os.pathsep}{ROOT}")
    assert codes(proc) == ["LR001"]
    # The interpreter runs a sitecustomize on PYTHONPATH as it starts, before lrlint: that one is
    # out of its reach (the README says so); it also proves PYTHONPATH was live in this test.
    assert sorted(p.name for p in marks.iterdir()) == ["sitecustomize"]


def test_python_m_lrlint_ignores_the_current_directory(tree: Path) -> None:
    marks = tree.parent / "marks"
    (tree / "sitecustomize.py").unlink()
    proc = run([sys.executable, "-m", "lrlint", "--output-format", "json", "."], tree, marks, str(ROOT))
    assert codes(proc) == ["LR001"]
    assert list(marks.iterdir()) == []


def test_what_is_dropped_and_what_is_kept(tmp_path: Path) -> None:
    source, installed, wheel_dir = tmp_path / "src", tmp_path / "deps", tmp_path / "vendor"
    for folder in (source, installed, wheel_dir):
        folder.mkdir()
    (wheel_dir / "libfoo-1.0.dist-info").mkdir()  # a folder pip installed into (--target)
    package_root = str(ROOT)
    path = ["", str(source), "/usr/lib/python311.zip", "/usr/lib/python3.11", str(installed / "site-packages"), str(wheel_dir), package_root, str(tmp_path)]
    env = {"PYTHONPATH": os.pathsep.join([str(source), str(installed / "site-packages"), str(wheel_dir), package_root])}
    dropped = isolate_imports(path, env, cwd=str(tmp_path))
    assert dropped == ["", str(source), str(tmp_path)]
    assert path == ["/usr/lib/python311.zip", "/usr/lib/python3.11", str(installed / "site-packages"), str(wheel_dir), package_root]
