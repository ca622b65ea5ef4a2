"""The cache is never stale (issue 25): summaries are keyed by the bytes of a file, not its size and
modification time; a file outside the analysed set is only read, never given its analysis; a whole
run's result is replayed only for the very same files, names, packages and settings.
It stays small (entries of deleted files and of other lrlint builds are pruned) and cheap (a warm
run decodes no summary, a one-file run one)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import lrlint.cache_codec
import lrlint.linter
from lrlint.cache import Cache, digest, entry_key, fingerprint, no_cache_from_environment
from lrlint.cli import main
from lrlint.config import load_settings
from lrlint.linter import FileSummary
from lrlint.run import RunOptions, lint_paths
from tests.helpers import write

GAMMA = "from torch.optim.lr_scheduler import ExponentialLR\nscheduler = ExponentialLR(opt, gamma={})\n"
HELPER = "def train_epoch(model, optimizer):\n    optimizer.step()\n"
TRAIN = """import torch
from torch.optim.lr_scheduler import StepLR

from helper import train_epoch

model = torch.nn.Linear(2, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scheduler = StepLR(optimizer, step_size=10)
for epoch in range(30):
    scheduler.step()
    train_epoch(model, optimizer)
"""


def lint(root: Path, cache: Path, *paths: Path, **settings: object) -> tuple[list[tuple[str, str]], object]:
    result = lint_paths([str(p) for p in (paths or (root,))], load_settings(root, settings), options=RunOptions(cache_dir=cache, jobs=1))
    return [(Path(d.filename).name, d.code) for d in result.diagnostics], result


def rewrite_keeping_stat(path: Path, old: str, new: str) -> None:
    """Change a file's bytes, keeping its size and modification time (a checkout, a formatter)."""
    before = path.stat()
    text = path.read_text()
    assert len(old) == len(new) and old in text
    path.write_text(text.replace(old, new))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def test_a_rewrite_that_keeps_size_and_mtime_is_seen(tmp_path: Path) -> None:
    write(tmp_path / "p", {"train.py": GAMMA.format("10.0")})
    root, cache = tmp_path / "p", tmp_path / "cache"
    assert lint(root, cache)[0] == [("train.py", "LR004")]
    rewrite_keeping_stat(root / "train.py", "10.0", "0.10")
    assert lint(root, cache)[0] == []
    rewrite_keeping_stat(root / "train.py", "0.10", "10.0")
    assert lint(root, cache)[0] == [("train.py", "LR004")]


def test_a_rewritten_helper_in_another_file_is_seen(tmp_path: Path) -> None:
    """The link stage's input changes too: the helper no longer steps the optimizer."""
    write(tmp_path / "p", {"train.py": TRAIN, "helper.py": HELPER})
    root, cache = tmp_path / "p", tmp_path / "cache"
    assert lint(root, cache)[0] == [("train.py", "LR005")]
    rewrite_keeping_stat(root / "helper.py", "optimizer.step()", "optimizer.stop()")
    assert lint(root, cache)[0] == []


def test_a_file_outside_the_analysed_set_is_not_analysed_nor_given_its_analysis(tmp_path: Path) -> None:
    """broken.py has no marker: it is analysed (E999) only while train.py calls into it; outside
    the analysed set a walk only reads it (its analysis is another entry, not served then)."""
    write(tmp_path / "p", {"train.py": TRAIN.replace("helper", "broken"), "broken.py": "def train_epoch(:\n    pass\n"})
    root, cache = tmp_path / "p", tmp_path / "cache"
    found, result = lint(root, cache)
    assert ("broken.py", "E999") in found and result.followed  # type: ignore[attr-defined]
    (root / "train.py").write_text(TRAIN.replace("from helper import train_epoch", "def train_epoch(m, o): o.step()"))
    found, result = lint(root, cache)
    assert ("broken.py", "E999") not in found and not result.followed  # type: ignore[attr-defined]
    assert result.cached == 0  # type: ignore[attr-defined]  # train.py is new; broken.py's analysis is not what a walk reads
    (root / "train.py").write_text(TRAIN.replace("helper", "broken"))  # and back: the first run, replayed
    found, result = lint(root, cache)
    assert ("broken.py", "E999") in found and result.cached == 2  # type: ignore[attr-defined]


def test_identical_files_share_an_entry_but_keep_their_names(tmp_path: Path) -> None:
    write(tmp_path / "p", {"a.py": GAMMA.format("1.5"), "b/a.py": GAMMA.format("1.5")})
    root, cache = tmp_path / "p", tmp_path / "cache"
    os.chdir(root)
    first, _ = lint(root, cache)
    (root / "c.py").write_text("x = 1\n")  # the run changes: entries, not the run's result, are reused
    found, result = lint(root, cache)
    assert first == found == [("a.py", "LR004"), ("a.py", "LR004")]
    assert result.cached == 2  # type: ignore[attr-defined]
    names = sorted(d.filename for d in result.diagnostics)  # type: ignore[attr-defined]
    assert names == ["a.py", os.path.join("b", "a.py")]


def test_a_run_from_another_folder_names_files_from_there(tmp_path: Path) -> None:
    write(tmp_path / "p", {"sub/train.py": GAMMA.format("1.5")})
    root, cache = tmp_path / "p", tmp_path / "cache"
    os.chdir(root)
    _, result = lint(root, cache, Path("sub"))
    assert [d.filename for d in result.diagnostics] == [os.path.join("sub", "train.py")]  # type: ignore[attr-defined]
    os.chdir(root / "sub")
    _, result = lint(root, cache, Path("."))
    assert [d.filename for d in result.diagnostics] == ["train.py"]  # type: ignore[attr-defined]
    assert result.cached == 1  # type: ignore[attr-defined]


def test_settings_are_part_of_a_runs_key(tmp_path: Path) -> None:
    write(tmp_path / "p", {"train.py": GAMMA.format("1.5")})
    root, cache = tmp_path / "p", tmp_path / "cache"
    assert lint(root, cache)[0] == [("train.py", "LR004")]
    assert lint(root, cache, ignore=["LR004"])[0] == []
    assert lint(root, cache)[0] == [("train.py", "LR004")]


def test_a_package_marker_above_the_linted_folder_is_part_of_a_runs_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Module names (and so the link) follow `__init__.py` files, also above the folder linted."""
    write(tmp_path / "p", {"src/train.py": TRAIN, "src/helper.py": HELPER})
    root, cache = tmp_path / "p", tmp_path / "cache"
    calls: list[int] = []
    real = lrlint.linter.project_diagnostics
    monkeypatch.setattr(lrlint.linter, "project_diagnostics", lambda *a, **k: calls.append(1) or real(*a, **k))
    lint(root, cache, root / "src")
    lint(root, cache, root / "src")
    assert len(calls) == 1  # the second run was replayed
    (root / "src" / "__init__.py").touch()  # linted: a new file
    lint(root, cache, root / "src")
    (root / "__init__.py").touch()  # outside the folder linted
    lint(root, cache, root / "src")
    assert len(calls) == 3


def count_decodes(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    decoded: list[object] = []
    real = lrlint.cache_codec.Codec.decode

    def spy(self: object, tp: object, data: object) -> object:
        if tp is FileSummary:
            decoded.append(tp)
        return real(self, tp, data)  # type: ignore[arg-type]

    monkeypatch.setattr(lrlint.cache_codec.Codec, "decode", spy)
    return decoded


def test_a_warm_run_decodes_no_summary_and_one_file_decodes_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {f"m{i}.py": GAMMA.format(f"1.{i + 1}") for i in range(6)}
    write(tmp_path / "p", {**files, "train.py": TRAIN, "helper.py": HELPER})
    root, cache = tmp_path / "p", tmp_path / "cache"
    cold, _ = lint(root, cache)
    decoded = count_decodes(monkeypatch)
    warm, result = lint(root, cache)
    assert warm == cold and result.cached == 8 and decoded == []  # type: ignore[attr-defined]
    found, result = lint(root, cache, root / "m3.py")  # pre-commit: one file
    assert found == [("m3.py", "LR004")] and result.cached == 1 and len(decoded) == 1  # type: ignore[attr-defined]


def test_entries_of_deleted_and_rewritten_files_and_files_of_other_builds_are_pruned(tmp_path: Path) -> None:
    write(tmp_path / "p", {"a.py": GAMMA.format("1.5"), "b.py": GAMMA.format("2.5"), "c.py": GAMMA.format("3.5")})
    root, cache = tmp_path / "p", tmp_path / "cache"
    lint(root, cache)
    key = fingerprint(load_settings(root).torch_version)
    planted = ["0123456789abcdef0123-00000000.entries", "0123456789abcdef0123-00000000.results", f"summaries-{key}.pickle"]
    for name in planted:
        (cache / name).write_bytes(b"old")
    stale_tmp = cache / ".tmp-0011223344556677"
    stale_tmp.write_bytes(b"left by a killed run")
    os.utime(stale_tmp, (1, 1))
    other_torch = key.split("-")[0] + "-ffffffff.entries"  # this build, another torch release: kept
    (cache / other_torch).write_bytes(b"kept")
    lint(root, cache, root / "c.py")  # a run over one file drops nothing of the others
    assert Cache(cache, key, root).has(entry_key(digest(GAMMA.format("2.5").encode()), notebook=False))
    (root / "a.py").unlink()
    lint(root, cache)  # nothing new to analyse: the entries file is rewritten for the deletion alone
    assert not Cache(cache, key, root).has(entry_key(digest(GAMMA.format("1.5").encode()), notebook=False))
    (root / "b.py").write_text(GAMMA.format("4.5"))
    lint(root, cache)
    stored = Cache(cache, key, root)
    keys = {name: entry_key(digest(GAMMA.format(g).encode()), notebook=False) for name, g in (("a", "1.5"), ("b", "2.5"), ("b2", "4.5"), ("c", "3.5"))}
    assert not stored.has(keys["a"]) and not stored.has(keys["b"])
    assert stored.has(keys["b2"]) and stored.has(keys["c"])
    assert not any((cache / name).exists() for name in planted) and not stale_tmp.exists()
    assert (cache / other_torch).exists()


@pytest.mark.parametrize(
    ("value", "off", "warned"),
    [(None, False, False), ("", False, False), ("0", False, False), ("false", False, False), ("No", False, False),
     ("off", False, False), ("1", True, False), ("true", True, False), ("YES", True, False), ("on", True, False),
     ("maybe", True, True)],
)  # fmt: skip
def test_lrlint_no_cache_is_a_boolean(value: str | None, off: bool, warned: bool) -> None:
    assert no_cache_from_environment(value)[0] is off
    assert (no_cache_from_environment(value)[1] is not None) is warned


def test_lrlint_no_cache_0_uses_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"train.py": GAMMA.format("1.5")})
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LRLINT_NO_CACHE", "0")
    assert main(["--quiet", "train.py"]) == 1
    assert (tmp_path / ".lrlint_cache").is_dir()
    monkeypatch.setenv("LRLINT_NO_CACHE", "1")
    write(tmp_path / "other", {"t.py": GAMMA.format("1.5")})
    monkeypatch.chdir(tmp_path / "other")
    assert main(["--quiet", "t.py"]) == 1
    assert not (tmp_path / "other" / ".lrlint_cache").exists()
    capsys.readouterr()


def test_a_named_folder_that_gitignore_ignores_is_skipped_with_the_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """As ruff: a folder git ignores is not walked even when named; lrlint says so and why."""
    write(tmp_path, {".gitignore": "build/\n", "build/t.py": GAMMA.format("1.5"), "src/t.py": GAMMA.format("1.5")})
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    assert main(["--no-cache", "--output-format", "concise", "build"]) == 0
    err = capsys.readouterr().err
    assert "build: folder not linted, .gitignore ignores it (`build/` in .gitignore" in err
    assert main(["--no-cache", "--output-format", "concise", "build/t.py"]) == 1  # a named file is linted
    assert main(["--no-cache", "--no-respect-gitignore", "--output-format", "concise", "build"]) == 1
    capsys.readouterr()
