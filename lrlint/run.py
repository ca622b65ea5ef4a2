"""A whole lint run: discover files → per-file stage (cached, parallel) → link → project rules →
diagnostics in a stable order."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable

from lrlint.cache import CACHE_DIR_NAME, Cache, Stamp, fingerprint
from lrlint.config import Settings
from lrlint.diagnostics import IO_ERROR, Diagnostic, file_error
from lrlint.discovery import Target, discover
from lrlint.linter import FileSummary, project_diagnostics, schedules_of, suppression_diagnostics
from lrlint.scenario import Scenario
from lrlint.source import read_stream
from lrlint.workers import Outcome, Task, analyze_all, default_jobs

STDIN = "-"


@dataclass
class RunResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files_checked: int = 0
    crashed: bool = False  # lrlint itself failed on some file (exit code 2)
    schedules: list[tuple[str, Scenario]] = field(default_factory=list)
    cached: int = 0  # files whose summary came from the cache
    followed: list[str] = field(default_factory=list)  # files analysed because a training loop calls into them


@dataclass(frozen=True)
class RunOptions:
    jobs: int | None = None  # None: one per CPU
    cache_dir: Path | None = None  # None: .lrlint_cache/ in the project root
    use_cache: bool = True


def lint_paths(
    paths: list[str],
    settings: Settings,
    *,
    stdin: BinaryIO | None = None,
    stdin_filename: str | None = None,
    force_exclude: bool = False,
    with_schedules: bool = False,
    options: RunOptions = RunOptions(),
    warn: Callable[[str], None] = lambda line: print(line, file=sys.stderr),
    progress: Callable[[int, int], None] | None = None,
) -> RunResult:
    """Lint files and folders, both stages. The cyclic garbage collector is paused for the run:
    the facts of every analysed file stay alive until the project stage, and each collection
    would rescan all of them (a third of a cold run on 13 real repositories); what the run
    creates is freed by reference counting, and collection resumes when it returns."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        return _lint_paths(paths, settings, stdin, stdin_filename, force_exclude, with_schedules, options, warn, progress)
    finally:
        if enabled:
            gc.enable()


def _lint_paths(
    paths: list[str],
    settings: Settings,
    stdin: BinaryIO | None,
    stdin_filename: str | None,
    force_exclude: bool,
    with_schedules: bool,
    options: RunOptions,
    warn: Callable[[str], None],
    progress: Callable[[int, int], None] | None,
) -> RunResult:
    run = RunResult()
    torch_version = settings.torch_version
    entries: list[tuple[Path, Outcome]] = []  # in discovery order

    if STDIN in paths:
        name = stdin_filename or STDIN
        source = stdin if stdin is not None else sys.stdin.buffer
        if not (force_exclude and stdin_filename and settings.is_excluded(Path(stdin_filename))):
            try:
                data = read_stream(source, name)
            except OSError as exc:
                run.diagnostics.append(file_error(name, IO_ERROR, exc.strerror or str(exc)))
            else:
                stdin_task = Task(name, Path(name), Path(name).suffix == ".ipynb", data=data)  # bounded like any file
                entries.append((Path(name), analyze_all([stdin_task], torch_version, 1)[0]))

    targets: list[Target] = []
    for found in discover([p for p in paths if p != STDIN], settings.is_excluded, force_exclude=force_exclude):
        if isinstance(found, Target):
            targets.append(found)
        else:
            run.diagnostics.append(found)

    cache = _open_cache(settings, options, torch_version)
    outcomes: dict[int, Outcome] = {}
    misses: list[int] = []
    for index, target in enumerate(targets):
        hit = _cached(cache, target)
        if hit is not None:
            outcomes[index] = hit
            run.cached += 1
        else:
            misses.append(index)
    if progress is not None:
        progress(run.cached, len(targets))
    tasks = [Task(targets[i].display, targets[i].path, targets[i].path.suffix == ".ipynb") for i in misses]
    jobs = options.jobs or default_jobs()
    advance = (lambda done: progress(done, 0)) if progress is not None else (lambda done: None)
    for index, outcome in zip(misses, analyze_all(tasks, torch_version, jobs, advance)):
        outcomes[index] = outcome
        _remember(cache, targets[index], outcome)
    for index, outcome in _follow_calls(targets, outcomes, torch_version, jobs):
        outcomes[index] = outcome
        run.followed.append(targets[index].display)
        _remember(cache, targets[index], outcome)
    if cache is not None:
        cache.save()
    entries.extend((targets[i].path, outcomes[i]) for i in range(len(targets)))

    summaries: list[FileSummary] = []
    summary_paths: list[Path | None] = []
    for path, outcome in entries:
        if outcome.error is not None:
            run.crashed = True
            warn(f"lrlint: internal error while checking {outcome.summary.filename}: {outcome.error}")
            continue
        summary = outcome.summary
        run.files_checked += 0 if outcome.unread else 1
        summaries.append(summary)
        summary_paths.append(path if outcome.stat is not None else None)  # stdin has no path of its own
        for note in summary.notes:
            warn(f"lrlint: warning: {note}")
    reported = [d for s in summaries for d in s.diagnostics]
    reported += project_diagnostics(summaries, torch_version, summary_paths)
    path_of = {s.filename: p for s, p in zip(summaries, summary_paths)}
    for summary in summaries:  # after every rule: what each directive suppressed is known now
        where = path_of.get(summary.filename) or Path(summary.filename)
        reported += suppression_diagnostics(summary, lambda code, where=where: settings.is_enabled(code, where))  # type: ignore[misc]
    run.diagnostics += [d for d in reported if settings.is_enabled(d.code, path_of.get(d.filename) or Path(d.filename))]
    run.diagnostics.sort(key=Diagnostic.sort_key)
    if with_schedules:
        for summary in summaries:
            run.schedules.extend(schedules_of(summary))
    return run


# Rounds of modules analysed because a training loop calls into them (a call chain deeper than
# this through modules the prefilter skipped is not followed).
MAX_FOLLOW = 3


def _follow_calls(
    targets: list[Target], outcomes: dict[int, Outcome], torch_version: str | None, jobs: int
) -> list[tuple[int, Outcome]]:
    """Analyse the modules that files stepping a torch scheduler call into, and the modules those
    call into, though the prefilter skipped them: the link stage needs what they step. Only
    modules reachable from a scheduler step are parsed, so the cost follows the training code,
    not the size of the tree."""
    from lrlint.facts.model import FileFacts
    from lrlint.link import LinkedFile, module_name, wanted_modules

    def facts_of(index: int) -> FileFacts | None:
        facts = outcomes[index].summary.facts
        return facts if isinstance(facts, FileFacts) else None

    frontier = [i for i in outcomes if (f := facts_of(i)) is not None and any(s.scheduler is not None for s in f.steps)]
    if not frontier:
        return []
    modules: dict[str, list[int]] = {}
    for index, target in enumerate(targets):
        modules.setdefault(module_name(target.path)[1], []).append(index)
    followed: list[tuple[int, Outcome]] = []
    for _ in range(MAX_FOLLOW):
        wanted: set[str] = set()
        for index in frontier:
            facts = facts_of(index)
            if facts is not None:
                path = targets[index].path
                wanted |= wanted_modules(LinkedFile(targets[index].display, facts, path, module_name(path)[1]))
        todo = sorted(
            {j for module in wanted for j in modules.get(module, ()) if not outcomes[j].summary.parsed and outcomes[j].error is None and not outcomes[j].unread}
        )
        if not todo:
            break
        tasks = [Task(targets[j].display, targets[j].path, targets[j].path.suffix == ".ipynb", force=True) for j in todo]
        for j, outcome in zip(todo, analyze_all(tasks, torch_version, jobs)):
            outcomes[j] = outcome
            followed.append((j, outcome))
        frontier = todo
    return followed


def _remember(cache: Cache | None, target: Target, outcome: Outcome) -> None:
    if cache is not None and outcome.stat is not None and outcome.error is None:
        cache.put(Path(os.path.abspath(target.path)), Stamp.of(outcome.stat), outcome.summary)


def _open_cache(settings: Settings, options: RunOptions, torch_version: str | None) -> Cache | None:
    if not options.use_cache or os.environ.get("LRLINT_NO_CACHE"):
        return None
    directory = options.cache_dir or Path(os.environ.get("LRLINT_CACHE_DIR") or settings.project_root / CACHE_DIR_NAME)
    return Cache(directory, fingerprint(torch_version))


def _cached(cache: Cache | None, target: Target) -> Outcome | None:
    if cache is None:
        return None
    try:
        stat = target.path.stat()
    except OSError:
        return None
    summary = cache.get(Path(os.path.abspath(target.path)), Stamp.of(stat))
    if not isinstance(summary, FileSummary):
        return None
    if summary.filename != target.display:  # the same file, named from another directory
        summary.filename = target.display
        for d in summary.diagnostics:
            d.filename = target.display
    return Outcome(summary, stat)
