"""A forked child process that serves jobs for its parent: tied to it, holding none of its files,
and bounded per job from outside the job's own code.

libcst's parser holds the GIL inside native code, so nothing in the analysing process can
interrupt it: the bounds are the kernel's. Before each job the child lowers its own limits to
what it has used plus the job's allowance: CPU time (RLIMIT_CPU: SIGXCPU ends the process even
inside native code) and address space (RLIMIT_AS: an allocation past it fails). The parent reads
the outcome from how the process ended, and keeps a wall-clock deadline of its own for a job that
waits instead of computing.

The child
- dies with its parent: Linux's parent-death signal; elsewhere, end of input on its job pipe when
  idle, and its CPU limit when busy;
- holds none of the caller's files (a pre-commit or CI pipe waiting for end of output): stdin and
  stdout are /dev/null, stderr an anonymous file the parent reads, every other inherited
  descriptor is closed;
- ignores Ctrl-C (the terminal sends it to the whole process group; the parent stops its
  children), never runs the parent's exit handlers, and writes no core file.

Jobs and results are pickles on two pipes, each framed by its length.
"""

from __future__ import annotations

import math
import os
import pickle
import select
import signal
import struct
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_HEADER = struct.Struct("<Q")
STDERR_KEPT = 64 * 1024  # the tail of a child's stderr kept to explain how it ended
_PR_SET_PDEATHSIG = 1


def available() -> bool:
    """Whether jobs can run in forked children here (POSIX); elsewhere they run in-process."""
    return hasattr(os, "fork") and hasattr(os, "waitpid")


@dataclass(frozen=True)
class Limits:
    cpu_seconds: float | None = None  # CPU time a job may take
    memory_bytes: int | None = None  # address space a job may add to what the child holds


@dataclass(frozen=True)
class Ending:
    """How a child process ended."""

    signal: int | None  # the signal that killed it, if one did
    code: int | None  # its exit code otherwise
    stderr: str  # the tail of what it wrote to stderr
    last_words: str = ""  # what it wrote there since it was handed its last job

    @property
    def cpu_exceeded(self) -> bool:
        return self.signal == getattr(signal, "SIGXCPU", None)

    @property
    def out_of_memory(self) -> bool:
        # Rust aborts on a failed allocation and says so; C++ throws bad_alloc; Python raises.
        markers = ("memory allocation of", "MemoryError", "bad_alloc", "Cannot allocate memory", "out of memory")
        return self.signal in (signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS, None) and any(m in self.last_words for m in markers)

    def describe(self) -> str:
        if self.signal is not None:
            try:
                return f"killed by {signal.Signals(self.signal).name}"
            except ValueError:
                return f"killed by signal {self.signal}"
        return f"exit code {self.code}"


class Child:
    """The parent's handle on one forked child; `serve(job)` runs in the child for each job sent."""

    def __init__(self, pid: int, jobs: int, results: int, stderr: int) -> None:
        self.pid = pid
        self._jobs = jobs  # write end
        self._results = results  # read end
        self._stderr = stderr
        self._mark = 0  # the size of its stderr when it was handed its last job
        self._ending: Ending | None = None

    @classmethod
    def start(cls, serve: Callable[[Any], tuple[Any, bool]], limits: Limits = Limits()) -> Child:
        """Fork a child running `serve` on each job: it returns (result, retire), and `retire`
        ends the child after that result (its state is not to be trusted with another job).
        Raises OSError when no process can be started."""
        stderr = _anonymous_file()
        job_r, job_w = os.pipe()
        result_r, result_w = os.pipe()
        parent = os.getpid()
        arm = _death_signal()  # resolved here: once per run, not once per child
        try:
            pid = os.fork()
        except OSError:
            for fd in (job_r, job_w, result_r, result_w, stderr):
                os.close(fd)
            raise
        if pid == 0:  # the child: never returns
            _child_main(parent, arm, job_r, result_w, stderr, serve, limits)
        os.close(job_r)
        os.close(result_w)
        return cls(pid, job_w, result_r, stderr)

    def fileno(self) -> int:
        """Readable when a result, or the end of the child's output, is there."""
        return self._results

    def send(self, job: Any) -> bool:
        """Hand the child a job; False if it is gone."""
        try:
            self._mark = os.fstat(self._stderr).st_size
            _write_frame(self._jobs, pickle.dumps(job, pickle.HIGHEST_PROTOCOL))
        except OSError:  # EPIPE: it ended (retired, or died idle)
            return False
        return True

    def receive(self) -> tuple[Any, bool] | None:
        """The next (result, retiring) frame; None when the child ended without one."""
        try:
            frame = _read_frame(self._results)
        except OSError:
            frame = None
        if frame is None:
            return None
        try:
            return pickle.loads(frame)  # type: ignore[no-any-return]
        except Exception:  # noqa: BLE001 - a frame cut short by the child's death
            return None

    def stop(self) -> Ending:
        """End the child (SIGKILL: idle, it has nothing left to do; busy, it is over a bound or
        lrlint is stopping), reap it, and say how it ended; safe to call twice."""
        if self._ending is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except OSError:  # it ended already
                pass
            for fd in (self._jobs, self._results):
                os.close(fd)
            try:
                _, status = os.waitpid(self.pid, 0)
                code = os.waitstatus_to_exitcode(status)
            except ChildProcessError:  # reaped elsewhere (a SIGCHLD handler of the embedding program)
                code = 0
            self._ending = Ending(-code if code < 0 else None, code if code >= 0 else None, *_tails(self._stderr, self._mark))
            os.close(self._stderr)
        return self._ending


def wait_readable(children: list[Child], timeout: float | None) -> list[Child]:
    """The children with a result (or an end) to read, waiting at most `timeout` seconds."""
    if not children:
        return []
    try:
        ready, _, _ = select.select(children, [], [], None if timeout is None else max(timeout, 0.0))
    except InterruptedError:  # pragma: no cover - PEP 475 retries; kept for clarity
        return []
    return ready


# --- the child side --------------------------------------------------------------------------


def _child_main(
    parent: int,
    arm: Callable[[], None] | None,
    job_r: int,
    result_w: int,
    stderr: int,
    serve: Callable[[Any], tuple[Any, bool]],
    limits: Limits,
) -> None:
    status = 1
    try:
        if arm is not None:
            arm()
        if os.getppid() != parent:  # the parent died before the signal was armed
            os._exit(1)
        job_r, result_w, stderr = (_above_stdio(fd) for fd in (job_r, result_w, stderr))
        _detach_files(job_r, result_w, stderr)
        _quiet_signals()
        while True:
            frame = _read_frame(job_r)
            if frame is None:  # the parent closed the pipe (done) or is gone
                status = 0
                break
            job = pickle.loads(frame)
            _limit(limits)
            result, retire = serve(job)
            sys.stderr.flush()  # what the job printed is read from the file when the child ends
            _write_frame(result_w, pickle.dumps((result, retire), pickle.HIGHEST_PROTOCOL))
            if retire:
                status = 0
                break
    except BaseException:  # noqa: BLE001 - the child's last words go to its stderr, for the parent
        try:
            import traceback

            traceback.print_exc()
            sys.stderr.flush()
        except BaseException:  # noqa: BLE001, S110 - nowhere left to say it
            pass
    finally:
        os._exit(status)  # never the parent's exit handlers, buffers or finalizers


_ARM: list[Callable[[], None] | None] = []


def _death_signal() -> Callable[[], None] | None:
    """A call that makes the calling process receive SIGKILL when its parent dies (Linux prctl),
    or None where there is none: the pipe and the CPU limit still end an orphaned child."""
    if not _ARM:
        _ARM.append(_prctl_death_signal() if sys.platform.startswith("linux") else None)
    return _ARM[0]


def _prctl_death_signal() -> Callable[[], None] | None:
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def arm() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    return arm


def _above_stdio(fd: int) -> int:
    """`fd`, or a copy above 2 if it is one of them (a caller that had closed its stdin)."""
    if fd > 2:
        return fd
    import fcntl

    return fcntl.fcntl(fd, fcntl.F_DUPFD, 3)


def _detach_files(job_r: int, result_w: int, stderr: int) -> None:
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.dup2(stderr, 2)
    keep = sorted({job_r, result_w})
    low = 3
    for fd in keep:
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, _max_fd())
    # Fresh stream objects: the inherited ones may hold a lock another parent thread owned at
    # fork time, and their buffers hold the parent's unwritten output.
    sys.stdin = open(0, closefd=False)  # noqa: SIM115
    sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", closefd=False, errors="backslashreplace")  # noqa: SIM115
    try:
        import faulthandler

        if faulthandler.is_enabled():  # it wrote to a descriptor closed above
            faulthandler.enable(sys.stderr)
    except (ImportError, RuntimeError):
        pass


def _max_fd() -> int:
    try:
        return os.sysconf("SC_OPEN_MAX")
    except (OSError, ValueError):
        return 65536


def _quiet_signals() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    for name in ("SIGTERM", "SIGHUP", "SIGXCPU"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
    except (ImportError, OSError, ValueError):
        pass


def _limit(limits: Limits) -> None:
    """This job's limits: what the process used so far, plus the job's allowance."""
    try:
        import resource
    except ImportError:  # pragma: no cover - POSIX has it
        return
    if limits.cpu_seconds is not None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        soft = math.ceil(usage.ru_utime + usage.ru_stime + limits.cpu_seconds)
        _set(resource, resource.RLIMIT_CPU, soft)
    if limits.memory_bytes is not None and hasattr(resource, "RLIMIT_AS"):
        size = _address_space()
        if size is not None:
            _set(resource, resource.RLIMIT_AS, size + limits.memory_bytes)


def _set(resource: Any, which: int, soft: int) -> None:
    try:
        hard = resource.getrlimit(which)[1]
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(which, (soft, hard))
    except (OSError, ValueError):
        pass


def near_memory_bound(margin: int = 64 * 2**20) -> bool:
    """Whether this process came within `margin` bytes of its address-space limit: a MemoryError
    then is the limit's (a job over its allowance), not something the input alone causes."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
    except (ImportError, AttributeError, OSError, ValueError):
        return False
    if soft == resource.RLIM_INFINITY:
        return False
    try:
        with open("/proc/self/status", "rb") as status:
            peak = next(int(line.split()[1]) * 1024 for line in status if line.startswith(b"VmPeak:"))
    except (OSError, ValueError, IndexError, StopIteration):  # no /proc: the limit is not ours (see _limit)
        return False
    return peak >= soft - margin


def _address_space() -> int | None:
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None  # not Linux: RLIMIT_AS is not enforced there anyway


# --- plumbing --------------------------------------------------------------------------------


def _anonymous_file() -> int:
    if hasattr(os, "memfd_create"):
        try:
            return os.memfd_create("lrlint-child-stderr", getattr(os, "MFD_CLOEXEC", 0))
        except OSError:
            pass
    import tempfile

    with tempfile.TemporaryFile() as handle:
        return os.dup(handle.fileno())


def _tails(fd: int, mark: int) -> tuple[str, str]:
    """The last STDERR_KEPT bytes of the file, and of what follows `mark`."""
    try:
        size = os.fstat(fd).st_size
        start = max(0, size - STDERR_KEPT)
        data = os.pread(fd, size - start, start)
    except OSError:
        return "", ""
    return data.decode("utf-8", "replace"), data[max(0, mark - start):].decode("utf-8", "replace")


def _write_frame(fd: int, payload: bytes) -> None:
    view = memoryview(_HEADER.pack(len(payload)) + payload)
    while view:
        view = view[os.write(fd, view):]


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read_frame(fd: int) -> bytes | None:
    header = _read_exactly(fd, _HEADER.size)
    if header is None:
        return None
    return _read_exactly(fd, _HEADER.unpack(header)[0])
