"""Where lrlint's report goes: stdout or a file (`-o`), and what happens when a stream is gone."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def ensure_standard_streams() -> None:
    """Give a closed stdout/stderr (`2>&-`) a /dev/null in its place, at the file-descriptor level.

    Without this, Python sets `sys.stderr` to None and `print(..., file=sys.stderr)` falls back
    to stdout: warnings would land inside the JSON report. Worse, the next file lrlint opens would
    get descriptor 2, and a child process (the --verify worker) writing to "stderr" would write
    into it.
    """
    for fd, name in ((1, "stdout"), (2, "stderr")):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_WRONLY)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
        if getattr(sys, name) is None:
            setattr(sys, name, open(fd, "w", encoding="utf-8", errors="backslashreplace", closefd=False))


def silence_stdout() -> None:
    """After a BrokenPipeError: point stdout at /dev/null so that the interpreter's final flush
    does not fail a second time (and print "Exception ignored ... BrokenPipeError")."""
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass  # stdout has no descriptor (an in-process caller's buffer): nothing to flush later
    finally:
        os.close(null)


class OutputFileError(Exception):
    """The report file could not be written; the message is one line."""


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file in the same folder and os.replace, so a
    reader (a CI step, a file watcher) never sees a half-written report. Creates missing folders,
    as ruff does."""
    import tempfile  # only when a file is written: start-up stays light

    folder = path.parent if str(path.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputFileError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp makes the file 0600; a report is an ordinary file: 0666 less the umask.
        os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, path)
    except OSError as exc:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise OutputFileError(f"cannot write {path}: {exc.strerror or exc}") from None


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
