"""Where lrlint's report goes: stdout or a file (`-o`), and what happens when a stream is gone."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import TextIO


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


CHUNK = 1024 * 1024  # written a slice at a time, so that a signal is handled within one slice


def write_stdout(out: TextIO, text: str) -> None:
    """The report on stdout, every byte of it or a BrokenPipeError.

    With PYTHONUNBUFFERED=1 (common in CI and containers) `sys.stdout.buffer` is the raw file,
    whose write() may take only part of a large report (a pipe whose reader went away) and
    TextIOWrapper drops the rest without a word: the report is cut and the exit code says
    nothing. Writing the encoded bytes in a loop turns that into the EPIPE it is."""
    buffer = getattr(out, "buffer", None)
    if buffer is None:  # an in-process caller's text stream
        out.write(text)
        out.flush()
        return
    out.flush()
    data = memoryview(text.encode(out.encoding or "utf-8", errors="backslashreplace"))
    while data:
        written = buffer.write(data[:CHUNK])
        if written is None:  # a non-blocking stdout that is full: wait for it
            import select

            select.select([], [buffer], [])
            continue
        data = data[written:]
    buffer.flush()


class OutputFileError(Exception):
    """The report file could not be written; the message is one line."""


def write_report(path: Path, text: str) -> None:
    """`-o PATH`, as shell redirection treats PATH, but never a half-written report file:

    - a regular file (or nothing yet) is replaced atomically (write_atomically), keeping its mode;
    - a symlink is followed: the file it points to is replaced (created, if it dangles), the link
      stays;
    - a device, FIFO or socket (`-o /dev/stdout`, `-o /dev/full`) is written to, never replaced;
      an error writing it (ENOSPC from /dev/full) is the one-line error.
    """
    try:
        info: os.stat_result | None = os.stat(path)  # follows symlinks, as the shell does
    except FileNotFoundError:
        info = None  # nothing there, or a dangling symlink: created below
    except OSError as exc:
        raise OutputFileError(f"cannot write {path}: {exc.strerror or exc}") from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise OutputFileError(f"cannot write {path}: Is a directory")
    if info is not None and not stat.S_ISREG(info.st_mode):
        _write_through(path, text)
        return
    target = Path(os.path.realpath(path)) if os.path.islink(path) else path
    write_atomically(target, text, None if info is None else stat.S_IMODE(info.st_mode))


def _write_through(path: Path, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            for start in range(0, len(text), CHUNK):
                fh.write(text[start : start + CHUNK])
    except OSError as exc:
        raise OutputFileError(f"cannot write {path}: {exc.strerror or exc}") from None


def write_atomically(path: Path, text: str, mode: int | None = None) -> None:
    """Write `text` to `path` through a temporary file in the same folder and os.replace, so a
    reader (a CI step, a file watcher) never sees a half-written report. Creates missing folders,
    as ruff does. The temporary file is removed when the write fails or is interrupted (Ctrl-C,
    SIGTERM, SIGHUP); SIGKILL alone can leave it behind."""
    import tempfile  # only when a file is written: start-up stays light

    folder = path.parent if str(path.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputFileError(f"cannot write {path}: {exc.strerror or exc}") from None
    with _TempFileGuard(temp):
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                for start in range(0, len(text), CHUNK):
                    fh.write(text[start : start + CHUNK])
                fh.flush()
                os.fsync(fh.fileno())
            # mkstemp makes the file 0600; a report is an ordinary file: the mode of the file it
            # replaces, else 0666 less the umask.
            os.chmod(temp, mode if mode is not None else 0o666 & ~_umask())
            os.replace(temp, path)
        except OSError as exc:
            raise OutputFileError(f"cannot write {path}: {exc.strerror or exc}") from None


class _Signalled(BaseException):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class _TempFileGuard:
    """Removes the temporary file unless it was renamed into place; turns SIGTERM and SIGHUP into
    an exception while it exists, and after the cleanup ends the process by that same signal (so
    the exit status still says what killed it). Ctrl-C is already an exception (KeyboardInterrupt)."""

    SIGNALS = ("SIGTERM", "SIGHUP")

    def __init__(self, temp: str) -> None:
        self.temp = temp
        self.previous: dict[int, object] = {}

    def __enter__(self) -> _TempFileGuard:
        import signal
        import threading

        if threading.current_thread() is not threading.main_thread():
            return self  # only the main thread may set handlers; the cleanup below still runs
        for name in self.SIGNALS:
            signum = getattr(signal, name, None)
            if signum is not None and signal.getsignal(signum) is not signal.SIG_IGN:  # nohup stays nohup
                self.previous[signum] = signal.signal(signum, self._handle)
        return self

    @staticmethod
    def _handle(signum: int, _frame: object) -> None:
        raise _Signalled(signum)

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, _tb: object) -> bool:
        import signal

        for signum, handler in self.previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]
        if os.path.lexists(self.temp):
            try:
                os.unlink(self.temp)
            except OSError:
                pass
        if not isinstance(error, _Signalled):
            return False
        previous = self.previous.get(error.signum)
        if callable(previous):  # the caller's own handler decides
            previous(error.signum, None)
            return True
        # Die of the signal, as without the guard, so the exit status says what ended the run.
        signal.signal(error.signum, signal.SIG_DFL)
        os.kill(os.getpid(), error.signum)
        return False  # not reached: the default action ends the process


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
