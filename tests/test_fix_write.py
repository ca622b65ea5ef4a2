"""Writing fixed files: atomic, only over the bytes read, never half a file; a file that cannot be
written keeps its findings and the run says so in one line (exit code 2)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from lrlint import cli
from lrlint.fixing import write as write_module
from lrlint.fixing.write import TEMP_SUFFIX, WriteError, write_if_unchanged

SAFE = "from torch.optim.lr_scheduler import StepLR\nscheduler = StepLR(optimizer, 30, verbose=True)\n"


def test_the_file_is_replaced_with_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_bytes(b"old\n")
    path.chmod(0o640)
    write_if_unchanged(path, b"old\n", b"new\n")
    assert path.read_bytes() == b"new\n" and stat.S_IMODE(path.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == ["a.py"]


def test_a_file_changed_since_it_was_read_is_not_written(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_bytes(b"edited in an editor meanwhile\n")
    with pytest.raises(WriteError, match="changed on disk"):
        write_if_unchanged(path, b"old\n", b"new\n")
    assert path.read_bytes() == b"edited in an editor meanwhile\n" and os.listdir(tmp_path) == ["a.py"]


def test_a_change_during_the_write_is_caught_before_the_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.py"
    path.write_bytes(b"old\n")
    real_chmod = os.chmod

    def chmod_then_someone_saves(target: str, mode: int) -> None:
        real_chmod(target, mode)
        path.write_bytes(b"saved by someone else\n")

    monkeypatch.setattr(write_module.os, "chmod", chmod_then_someone_saves)
    with pytest.raises(WriteError, match="changed on disk"):
        write_if_unchanged(path, b"old\n", b"new\n")
    assert path.read_bytes() == b"saved by someone else\n" and os.listdir(tmp_path) == ["a.py"]


def test_a_failed_rename_leaves_no_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.py"
    path.write_bytes(b"old\n")

    def refuse(src: str, dst: object) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(write_module.os, "replace", refuse)
    with pytest.raises(WriteError, match="Read-only file system"):
        write_if_unchanged(path, b"old\n", b"new\n")
    assert path.read_bytes() == b"old\n" and os.listdir(tmp_path) == ["a.py"]


def test_an_interrupt_while_writing_leaves_no_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.py"
    path.write_bytes(b"old\n")

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(write_module.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_if_unchanged(path, b"old\n", b"new\n")
    assert path.read_bytes() == b"old\n" and os.listdir(tmp_path) == ["a.py"]


def test_not_a_regular_file(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)
    with pytest.raises(WriteError, match="not a regular file"):
        write_if_unchanged(fifo, b"", b"x")


def test_the_temporary_file_is_never_linted(tmp_path: Path) -> None:
    assert not TEMP_SUFFIX.endswith((".py", ".pyi", ".ipynb"))


def test_a_file_that_cannot_be_written_keeps_its_findings_and_the_others_are_fixed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.py").write_text(SAFE)
    (tmp_path / "b.py").write_text(SAFE)
    real = write_module.write_if_unchanged

    def fail_for_a(path: Path, original: bytes, new: bytes) -> None:
        if path.name == "a.py":
            raise WriteError("cannot write it: Read-only file system")
        real(path, original, new)

    monkeypatch.setattr(write_module, "write_if_unchanged", fail_for_a)
    monkeypatch.chdir(tmp_path)
    code = cli.main(["--no-cache", "--fix", "--output-format", "text", "."])
    out, err = capsys.readouterr()
    assert code == 2
    assert err.splitlines() == ["lrlint: error: a.py: not fixed: cannot write it: Read-only file system"]
    assert "verbose" in (tmp_path / "a.py").read_text() and "verbose" not in (tmp_path / "b.py").read_text()
    assert out.startswith("a.py:2:35: LR008 `verbose`")  # as it still is on disk, no [*] after --fix
    assert "Found 2 errors in 2 files (1 fixed, 1 remaining)." in out
