"""The per-file stage over many files: in this process for a few, in worker processes for many.

Each task reads one file and analyses it (`analyze_path`); results come back in input order, so
output does not depend on `--jobs`. A bug in lrlint on one file becomes that file's `error`, and
a worker process that dies (a crash in a parser) loses no other file's result: the files that
were in flight are retried one at a time in fresh processes, which names the one that crashes.
"""

from __future__ import annotations

import gc
import os
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

if TYPE_CHECKING:  # imported when workers start: a one-file run (pre-commit) never pays for them
    import multiprocessing.context

from lrlint.diagnostics import IO_ERROR, file_error
from lrlint.linter import FileSummary, analyze_file
from lrlint.prefilter import may_have_findings
from lrlint.source import read_source

# Below this many files to analyse, starting processes costs more than it saves.
MIN_FILES_FOR_WORKERS = 8
_CHUNK = 2  # files per task: the files workers get are the long ones


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
    stat: os.stat_result | None = None  # taken before reading: what the cache is keyed by
    error: str | None = None  # an internal error of lrlint on this file
    unread: bool = False  # the file could not be read at all (not counted as checked)


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
    cost of a read), else the task with its content, for a worker."""
    if task.notebook or task.force or task.data is not None:
        return task  # for a worker (the caller read, hashed and screened `data` already)
    try:
        stat, data = read_source(task.path)
    except OSError:
        return task  # the worker reports it, as for any read error
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
    except Exception as exc:  # noqa: BLE001 - a bug in lrlint must not stop the other files
        if os.environ.get("LRLINT_DEBUG"):
            traceback.print_exc()
        return Outcome(FileSummary(display), stat, f"{type(exc).__name__}: {exc}")
    finally:
        if enabled:
            gc.enable()


def _analyze_chunk(tasks: Sequence[Task], torch_version: str | None) -> list[Outcome]:
    return [analyze_path(task, torch_version) for task in tasks]


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def analyze_all(
    tasks: Sequence[Task],
    torch_version: str | None,
    jobs: int,
    progress: Callable[[int], None] = lambda done: None,
) -> list[Outcome]:
    if jobs <= 1 or len(tasks) < MIN_FILES_FOR_WORKERS:
        outcomes = []
        for task in tasks:
            outcomes.append(analyze_path(task, torch_version))
            progress(1)
        return outcomes
    # Workers get only the files the prefilter cannot settle: sending them the rest would cost
    # more than reading them here.
    screened = [_screen(task, torch_version) for task in tasks]
    heavy = [i for i, item in enumerate(screened) if isinstance(item, Task)]
    progress(len(tasks) - len(heavy))
    parsed = _in_processes([screened[i] for i in heavy], torch_version, jobs, progress) if heavy else []  # type: ignore[misc]
    for index, outcome in zip(heavy, parsed):
        screened[index] = outcome
    return [item for item in screened if isinstance(item, Outcome)]


def _context() -> multiprocessing.context.BaseContext:
    import multiprocessing

    # fork starts a worker in milliseconds; elsewhere (macOS, Windows) spawn is the safe choice.
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _in_processes(tasks: Sequence[Task], torch_version: str | None, jobs: int, progress: Callable[[int], None]) -> list[Outcome]:
    from concurrent.futures import Future, ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    results: list[Outcome | None] = [None] * len(tasks)
    chunks = [list(range(i, min(i + _CHUNK, len(tasks)))) for i in range(0, len(tasks), _CHUNK)]
    suspects: list[int] = []
    with ProcessPoolExecutor(max_workers=min(jobs, len(chunks)), mp_context=_context()) as pool:
        futures: list[tuple[list[int], Future[list[Outcome]]]] = []
        for position, chunk in enumerate(chunks):
            try:
                futures.append((chunk, pool.submit(_analyze_chunk, [tasks[i] for i in chunk], torch_version)))
            except BrokenProcessPool:  # a worker died while the rest was being handed out
                suspects.extend(i for rest in chunks[position:] for i in rest)
                break
        for chunk, future in futures:
            try:
                for index, outcome in zip(chunk, future.result()):
                    results[index] = outcome
                progress(len(chunk))
            except BrokenProcessPool:
                suspects.extend(chunk)
    for index in suspects:  # one at a time, each in a fresh process: a crash names its file
        results[index] = _alone(tasks[index], torch_version)
        progress(1)
    return [r for r in results if r is not None]


def _alone(task: Task, torch_version: str | None) -> Outcome:
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=_context()) as pool:
            return pool.submit(analyze_path, task, torch_version).result()
    except BrokenProcessPool:
        return Outcome(FileSummary(task.display), None, "the analysis process crashed on this file")
