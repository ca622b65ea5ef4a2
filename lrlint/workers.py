"""The per-file stage over many files: every file that needs a parse is analysed in a child
process, bounded in CPU time and memory; this process reads, prefilters and collects.

libcst's parser is exponential on some inputs (nested match patterns) and takes gigabytes on
others (a megabyte of `((),(),...)`), and nothing inside the parsing process can interrupt it
(it holds the GIL in native code). So each file that reaches the parser runs in a forked child
under kernel limits (lrlint/child.py), in every mode: many files, a few, `--jobs 1`, one file
named on the command line, stdin. A file over a limit is an E903 ("not analysed: ..."), a child
that crashes is that file's internal error, and no other file loses anything: each child has one
file in flight, so its end names the file, and the others go on in the remaining children.

Results come back in input order, so output does not depend on `--jobs`. Where there is no fork
(Windows) files are analysed in this process, without the bounds.
"""

from __future__ import annotations

import gc
import os
import sys
import time
import traceback
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lrlint import child
from lrlint.bounds import Bounds
from lrlint.diagnostics import CANNOT_ANALYSE, IO_ERROR, file_error
from lrlint.linter import FileSummary, analyze_file
from lrlint.prefilter import may_have_findings
from lrlint.source import read_source

CRASHED = "the analysis process crashed on this file"


@dataclass(frozen=True)
class Task:
    display: str
    path: Path
    notebook: bool
    force: bool = False  # analyse even if the prefilter would skip it (a module the link needs)
    data: bytes | None = None  # the content, when the parent read it already
    stat: os.stat_result | None = None


@dataclass
class Outcome:
    summary: FileSummary
    stat: os.stat_result | None = None  # taken before reading: what the cache is keyed by; None: not cached
    error: str | None = None  # an internal error of lrlint on this file
    unread: bool = False  # the file could not be read at all (not counted as checked)


def _not_analysed(display: str, why: str) -> Outcome:
    # No stat: a verdict about this machine's limits is not a fact about the file to cache.
    return Outcome(FileSummary(display, [file_error(display, CANNOT_ANALYSE, f"not analysed: {why}")], parsed=True))


def analyze_path(task: Task, torch_version: str | None) -> Outcome:
    if task.data is not None:
        return analyze_data(task.display, task.data, task.notebook, torch_version, task.stat, task.force)
    try:
        stat, data = read_source(task.path)
    except OSError as exc:
        summary = FileSummary(task.display, [file_error(task.display, IO_ERROR, exc.strerror or str(exc))])
        return Outcome(summary, unread=True)
    return analyze_data(task.display, data, task.notebook, torch_version, stat, task.force)


def _screen(task: Task, torch_version: str | None) -> Outcome | Task:
    """Read a file in this process: the outcome when the prefilter settles it (most files, at the
    cost of a read), else the task with its content, for a child."""
    if task.notebook or task.force or task.data is not None:
        return task  # for a child (the caller read, hashed and screened `data` already)
    try:
        stat, data = read_source(task.path)
    except OSError:
        return task  # the child reports it, as for any read error
    if may_have_findings(data):
        return Task(task.display, task.path, task.notebook, task.force, data, stat)
    return analyze_data(task.display, data, task.notebook, torch_version, stat)


def analyze_data(
    display: str,
    data: bytes,
    notebook: bool,
    torch_version: str | None,
    stat: os.stat_result | None = None,
    force: bool = False,
) -> Outcome:
    # The analysis allocates many small objects and frees them all at its end: the cyclic
    # garbage collector would only rescan them (a third of the analysis time on real code).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return Outcome(analyze_file(display, data, notebook, torch_version, force), stat)
    except MemoryError:
        raise  # the caller's bound (see _Serve), not a bug of lrlint
    except Exception as exc:  # noqa: BLE001 - a bug in lrlint must not stop the other files
        if os.environ.get("LRLINT_DEBUG"):
            traceback.print_exc()
        return Outcome(FileSummary(display), stat, f"{type(exc).__name__}: {exc}")
    finally:
        if enabled:
            gc.enable()


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def worker_count(jobs: int, files: int) -> int:
    """Children to start: `--jobs`, but never more than the files to analyse or the CPUs this
    process may run on (the analysis is CPU-bound: more would only add memory)."""
    return max(1, min(jobs, files, default_jobs()))


def analyze_all(
    tasks: Sequence[Task],
    torch_version: str | None,
    jobs: int,
    progress: Callable[[int], None] = lambda done: None,
    bounds: Bounds | None = None,
) -> list[Outcome]:
    # This process reads every file and settles the ones the prefilter proves clean; children get
    # the rest, which are the ones that parse.
    screened = [_screen(task, torch_version) for task in tasks]
    heavy = [i for i, item in enumerate(screened) if isinstance(item, Task)]
    progress(len(tasks) - len(heavy))
    if heavy:
        todo = [screened[i] for i in heavy]
        if child.available():
            _warm()
            pool = _Pool(todo, torch_version, worker_count(jobs, len(todo)), bounds or Bounds.from_env(), progress)  # type: ignore[arg-type]
            parsed = pool.run()
        else:
            parsed = [_unbounded(task, torch_version) for task in todo]  # type: ignore[arg-type]
            progress(len(todo))
        for index, outcome in zip(heavy, parsed):
            screened[index] = outcome
    return [item for item in screened if isinstance(item, Outcome)]


def _unbounded(task: Task, torch_version: str | None) -> Outcome:
    try:
        return analyze_path(task, torch_version)
    except MemoryError:
        return _not_analysed(task.display, "lrlint ran out of memory analysing it")


# --- children ----------------------------------------------------------------------------------


# A file with a finding: analysing it imports and loads everything the analysis uses.
_WARM_UP = b"from torch.optim.lr_scheduler import StepLR\nStepLR(o, milestones=[1])\n"


def _warm() -> None:
    """Analyse a two-line file here before forking: each child then starts with every module and
    table the analysis loads on first use, and this process, which needs most of them for the
    project stage, loads them once."""
    analyze_data("<warm-up>", _WARM_UP, False, None)


class _Serve:
    """What a child runs for each task: its outcome, and whether the child must end after it."""

    def __init__(self, torch_version: str | None, bounds: Bounds) -> None:
        self.torch_version = torch_version
        self.bounds = bounds

    def __call__(self, task: Task) -> tuple[Outcome, bool]:
        try:
            return analyze_path(task, self.torch_version), False
        except MemoryError:  # raised outside analyze_data's own handler; its state is suspect
            return _not_analysed(task.display, self.bounds.out_of_memory), True


@dataclass
class _Slot:
    proc: child.Child
    task: int | None = None  # index of the file in flight
    deadline: float = 0.0  # wall clock; the CPU limit is the child's own
    served: int = 0  # files it answered


class _Pool:
    """Up to `workers` children, one file in flight each; a child that ends early is replaced."""

    def __init__(self, tasks: Sequence[Task], torch_version: str | None, workers: int, bounds: Bounds, progress: Callable[[int], None]) -> None:
        self.tasks = tasks
        self.workers = workers
        self.bounds = bounds
        self.progress = progress
        self.serve = _Serve(torch_version, bounds)
        self.results: list[Outcome | None] = [None] * len(tasks)
        self.queue = deque(range(len(tasks)))
        self.slots: list[_Slot] = []

    def run(self) -> list[Outcome]:
        try:
            while self.queue or any(slot.task is not None for slot in self.slots):
                self._hand_out()
                self._collect()
        finally:  # every child ends with the run (busy ones when Ctrl-C or an error ends it early)
            for slot in list(self.slots):
                self._end(slot)
        return [outcome for outcome in self.results if outcome is not None]

    def _done(self, index: int, outcome: Outcome) -> None:
        self.results[index] = outcome
        self.progress(1)

    def _hand_out(self) -> None:
        for slot in [s for s in self.slots if s.task is None]:
            if self.queue:
                self._give(slot)
        while self.queue and len(self.slots) < self.workers:
            try:
                slot = _Slot(child.Child.start(self.serve, child.Limits(self.bounds.seconds, self.bounds.megabytes * 2**20)))
            except OSError as exc:
                if self.slots:
                    return  # make do with the children there are
                index = self.queue.popleft()
                self._done(index, Outcome(FileSummary(self.tasks[index].display), None, f"could not start an analysis process ({exc.strerror or exc})"))
                continue
            self.slots.append(slot)
            self._give(slot)

    def _give(self, slot: _Slot) -> None:
        index = self.queue.popleft()
        if slot.proc.send(self.tasks[index]):
            slot.task, slot.deadline = index, time.monotonic() + self.bounds.seconds * self.bounds.wall_factor
            return
        ending = self._end(slot)  # it ended before taking the file (retired, or died idle)
        if slot.served:
            self.queue.appendleft(index)  # the next child takes it
        else:  # it never served: another one would not either
            self._done(index, Outcome(FileSummary(self.tasks[index].display), None, f"the analysis process ended at its start ({ending.describe()})"))

    def _collect(self) -> None:
        busy = [slot for slot in self.slots if slot.task is not None]
        if not busy:
            return
        ready = child.wait_readable([slot.proc for slot in busy], min(slot.deadline for slot in busy) - time.monotonic())
        now = time.monotonic()
        for slot in busy:
            index = slot.task
            assert index is not None
            if slot.proc in ready:
                received = slot.proc.receive()
                if received is None:  # it ended without a result: its end says why
                    self._done(index, _judge(self.tasks[index], self._end(slot), self.bounds))
                    continue
                outcome, retiring = received
                slot.task, slot.served = None, slot.served + 1
                self._done(index, outcome)
                if retiring:
                    self._end(slot)
            elif now >= slot.deadline:  # waiting rather than computing: the wall-clock fallback
                self._end(slot)
                self._done(index, _not_analysed(self.tasks[index].display, self.bounds.timed_out))

    def _end(self, slot: _Slot) -> child.Ending:
        self.slots.remove(slot)
        busy, slot.task = slot.task is not None, None
        ending = slot.proc.stop()
        if not busy and ending.stderr:  # what its analyses printed, as they would have printed here
            sys.stderr.write(ending.stderr)
        return ending


def _judge(task: Task, ending: child.Ending, bounds: Bounds) -> Outcome:
    """A child that ended without a result: what happened to its file."""
    if ending.cpu_exceeded:
        return _not_analysed(task.display, bounds.timed_out)
    if ending.out_of_memory:
        return _not_analysed(task.display, bounds.out_of_memory)
    if os.environ.get("LRLINT_DEBUG") and ending.last_words:
        sys.stderr.write(f"lrlint: the analysis of {task.display} ended ({ending.describe()}):\n{ending.last_words}")
    return Outcome(FileSummary(task.display), None, CRASHED)
