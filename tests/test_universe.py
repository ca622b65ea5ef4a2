"""A project's files kept between runs (lrlint/universe.py): a one-file run with the cache sees
every change to the files it did not name, and a cache folder planted in the tree cannot hide
one."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

import lrlint.universe
from lrlint.config import load_settings
from lrlint.run import RunOptions, lint_paths
from tests.helpers import write
from tests.test_whole_project import ENGINE, TRAIN

SETTLE = 2.1  # past lrlint.universe._SETTLING_NS: the cache trusts a stat only then


@pytest.fixture()
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = tmp_path / "repo"
    (project / ".git").mkdir(parents=True)
    write(project, {"src/mytrain/__init__.py": "", "src/mytrain/train_cifar.py": TRAIN})
    monkeypatch.chdir(project)
    return project


def one_file(root: Path, name: str = "src/mytrain/train_cifar.py") -> set[tuple[str, int, str]]:
    result = lint_paths([name], load_settings(root), options=RunOptions(cache_dir=root / ".cache", jobs=1))
    return {(d.filename, d.location.row, d.code) for d in result.diagnostics}


FOUND = {("src/mytrain/train_cifar.py", 11, "LR005")}


def test_a_helper_added_removed_and_moved_is_seen(root: Path) -> None:
    assert one_file(root) == set()
    write(root, {"src/mytrain/engine.py": ENGINE})
    assert one_file(root) == FOUND
    time.sleep(SETTLE)
    assert one_file(root) == FOUND  # from the cache, now trusted by stat
    (root / "src" / "mytrain" / "engine.py").unlink()
    assert one_file(root) == set()
    write(root, {"src/mytrain/engine/__init__.py": "from .loop import train_one_epoch\n", "src/mytrain/engine/loop.py": ENGINE})
    assert one_file(root) == set()  # re-exported: not followed (a known limitation), but walked
    (root / "src" / "mytrain" / "train_cifar.py").write_text(TRAIN.replace("mytrain.engine import", "mytrain.engine.loop import"))
    assert one_file(root) == FOUND


def test_a_changed_folder_is_listed_again_not_the_project_walked(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(root, {"tools/plot.py": "x = 1\n"})
    assert one_file(root) == set()

    def no_walk(*args: object, **kwargs: object) -> None:
        raise AssertionError("walked the whole project again")

    monkeypatch.setattr(lrlint.universe, "walk", no_walk)
    write(root, {"src/mytrain/engine.py": ENGINE})
    assert one_file(root) == FOUND
    (root / "src" / "mytrain" / "engine.py").rename(root / "tools" / "engine.py")
    assert one_file(root) == set()
    (root / "tools" / "engine.py").rename(root / "src" / "mytrain" / "engine.py")
    assert one_file(root) == FOUND


def test_a_rewrite_of_an_unnamed_helper_that_keeps_size_and_mtime_is_seen(root: Path) -> None:
    helper = root / "src" / "mytrain" / "engine.py"
    write(root, {"src/mytrain/engine.py": ENGINE})
    time.sleep(SETTLE)
    assert one_file(root) == FOUND
    before = helper.stat()
    helper.write_text(ENGINE.replace("optimizer.step()", "optimizer.stop()"))
    os.utime(helper, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (helper.stat().st_size, helper.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert one_file(root) == set()  # its change time moved


def test_a_new_package_marker_renames_the_modules(root: Path) -> None:
    write(root, {"src/mytrain/engine.py": ENGINE})
    (root / "src" / "mytrain" / "__init__.py").unlink()  # `mytrain.engine` is no module now
    assert one_file(root) == set()
    time.sleep(SETTLE)
    assert one_file(root) == set()
    (root / "src" / "mytrain" / "__init__.py").write_text("")
    assert one_file(root) == FOUND


def test_a_gitignore_change_walks_the_project_again(root: Path) -> None:
    write(root, {"src/mytrain/engine.py": ENGINE, ".gitignore": "# nothing\n"})
    time.sleep(SETTLE)
    assert one_file(root) == FOUND
    (root / ".gitignore").write_text("src/mytrain/engine.py\n")  # in place: no folder changes
    assert one_file(root) == set()  # an ignored file is not part of the project


def test_many_runs_of_other_files_keep_it_current(root: Path) -> None:
    write(root, {"src/mytrain/engine.py": ENGINE, "tools/a.py": "x = 1\n"})
    time.sleep(SETTLE)
    assert one_file(root, "tools/a.py") == set()
    write(root, {"tools/b/c.py": "y = 2\n"})  # a new folder below one that changed
    assert one_file(root, "tools/b/c.py") == set()
    assert one_file(root) == FOUND


def _projects(root: Path) -> Path:
    [found] = (root / ".cache").glob("*.projects")
    return found


def test_a_planted_or_corrupt_project_list_hides_nothing(root: Path) -> None:
    write(root, {"src/mytrain/engine.py": ENGINE})
    time.sleep(SETTLE)
    assert one_file(root) == FOUND
    stored = _projects(root)
    magic, body = stored.read_bytes().split(b"\n", 1)
    data = json.loads(body)
    [[_root, universe]] = data
    # Every file said to hold nothing and import nothing: its signatures do not match the files.
    for row in universe["files"]:
        row[3] = [1, 2, 3, 4]
        row[4], row[6] = False, []
    stored.write_bytes(magic + b"\n" + json.dumps(data).encode())
    assert one_file(root) == FOUND
    # A path outside the root is refused; garbage is ignored.
    universe["files"][0][0] = "../../etc/passwd"
    stored.write_bytes(magic + b"\n" + json.dumps(data).encode())
    assert one_file(root) == FOUND
    stored.write_bytes(b"\x80\x04 not json")
    assert one_file(root) == FOUND


def test_a_stored_path_outside_the_root_is_refused() -> None:
    stored = {"format": 1, "cli": "c", "started": 0, "dirs": [], "watched": [], "files": [["../x.py", "x", False, [1, 2, 3, 4], True, "d", [], True]]}
    assert lrlint.universe._from_stored("/r", stored, "c") is None
    stored["files"][0][0] = "x.py"
    assert lrlint.universe._from_stored("/r", stored, "c") is not None
