"""Writing a fixed file: atomically, and only over the exact bytes lrlint read.

The new content goes to a temporary file in the same folder (so the rename cannot cross file
systems), is flushed to disk, given the file's permission bits (and its owner where the process
may), and renamed over the file: a reader, or a `kill -9` in the middle, sees either the old file
or the new one, never a mix. Just before the rename the file is read again; if its bytes are not
those the fixes were computed from (an editor saved it meanwhile), nothing is written.
A symlink is written through (the file it names is replaced, the link stays); a file with other
hard links is refused, since replacing it would split it from them.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

TEMP_SUFFIX = ".lrlint-fix.tmp"  # never a Python file's name: a run over the folder ignores it


class WriteError(Exception):
    """The file was not written; the message is one line and says why."""


def write_if_unchanged(path: Path, original: bytes, new: bytes) -> None:
    """Replace `path`'s content `original` with `new`. Raises WriteError (nothing written)."""
    import tempfile

    target = Path(os.path.realpath(path))
    try:
        info = os.stat(target)
    except OSError as exc:
        raise WriteError(f"cannot read it again before writing: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise WriteError("not a regular file")
    if info.st_nlink > 1:
        raise WriteError(f"it has {info.st_nlink - 1} other hard link(s); replacing it would split them, so it is left as it is")
    _check_unchanged(target, original)
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent)
    except OSError as exc:
        raise WriteError(f"cannot create a file beside it: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(new)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(temp, stat.S_IMODE(info.st_mode))
        if hasattr(os, "chown"):
            try:
                os.chown(temp, info.st_uid, info.st_gid)
            except OSError:
                pass  # not ours to give away (not root): it stays the writer's, as an editor's save does
        _check_unchanged(target, original)
        os.replace(temp, target)
        temp = ""
    except OSError as exc:
        raise WriteError(f"cannot write it: {exc.strerror or exc}") from None
    finally:
        if temp:  # on every way out but success, Ctrl-C included: no temporary file is left
            _remove(temp)
    _sync_folder(target.parent)


def _check_unchanged(target: Path, original: bytes) -> None:
    try:
        with open(target, "rb") as fh:
            now = fh.read(len(original) + 1)
    except OSError as exc:
        raise WriteError(f"cannot read it again before writing: {exc.strerror or exc}") from None
    if now != original:
        raise WriteError("it changed on disk while lrlint was fixing it; run lrlint again")


def _remove(temp: str) -> None:
    try:
        os.unlink(temp)
    except OSError:
        pass


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every system can open a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
