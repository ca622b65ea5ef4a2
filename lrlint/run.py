"""A whole lint run: discover files → per-file stage (cached, parallel) → link → project rules →
diagnostics in a stable order.

Every file is read once here and its bytes hashed: the hash keys its cached summary, and the
bytes go on to the analysis (so what is cached is what was analysed). A run over files whose
every hash is in the cache first asks the cache for the whole run's result.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Callable

from lrlint.cache import Cache, CacheRefused, RunRecord, cache_directory, digest, entry_key, fingerprint, no_cache_from_environment, run_key
from lrlint.diagnostics import IO_ERROR, Diagnostic, file_error
from lrlint.discovery import Skipped, Target, discover
from lrlint.prefilter import may_have_findings
from lrlint.source import read_source, read_stream

if TYPE_CHECKING:  # the analysis is imported when a file needs it: a warm run never does
    from lrlint.config import Settings
    from lrlint.linter import FileSummary
    from lrlint.scenario import Scenario
    from lrlint.workers import Outcome, Task

STDIN = "-"


@dataclass
class RunResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files_checked: int = 0
    crashed: bool = False  # lrlint itself failed on some file (exit code 2)
    schedules: list[tuple[str, Scenario]] = field(default_factory=list)
    cached: int = 0  # files whose summary came from the cache
    followed: list[str] = field(default_factory=list)  # files analysed because a training loop calls into them
    # With RunOptions.keep_summaries (--fix): every file's summary and path (None for stdin), so
    # that fixed files can be analysed again and the project re-linked (`reported`).
    summaries: list[FileSummary] = field(default_factory=list)
    summary_paths: list[Path | None] = field(default_factory=list)


@dataclass(frozen=True)
class RunOptions:
    jobs: int | None = None  # None: one per CPU
    cache_dir: Path | None = None  # None: .lrlint_cache/ in the project root
    use_cache: bool = True
    keep_summaries: bool = False  # keep them in RunResult (--fix re-links the project after edits)


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
    entries: list[tuple[Path | None, Outcome]] = []  # stdin first, then the targets in order

    if STDIN in paths:
        name = stdin_filename or STDIN
        source = stdin if stdin is not None else sys.stdin.buffer
        if not (force_exclude and stdin_filename and settings.is_excluded(Path(stdin_filename))):
            try:
                data = read_stream(source, name)
            except OSError as exc:
                run.diagnostics.append(file_error(name, IO_ERROR, exc.strerror or str(exc)))
            else:
                from lrlint.workers import Task, analyze_all

                stdin_task = Task(name, Path(name), Path(name).suffix == ".ipynb", data=data)  # bounded like any file
                entries.append((None, analyze_all([stdin_task], torch_version, 1)[0]))

    targets: list[Target] = []
    found = discover(
        [p for p in paths if p != STDIN], settings.is_excluded, force_exclude=force_exclude,
        explain=_explainer(settings), entry_excluded=settings.is_excluded_entry,
    )  # fmt: skip
    for item in found:
        if isinstance(item, Target):
            targets.append(item)
        elif isinstance(item, Skipped):
            warn(f"lrlint: warning: {item.display}: folder not linted, {item.reason}")
        else:
            run.diagnostics.append(item)

    cache = _open_cache(settings, options, torch_version, warn)
    stage = _FileStage(targets, cache, torch_version, options.jobs)
    stage.read_all()
    key = None
    if cache is not None and not entries and not with_schedules and not options.keep_summaries and stage.complete():
        key = run_key(cache.key, settings.fingerprint(), stage.identity())
        if not stage.misses:
            record = cache.result(key)
            if record is not None:  # nothing changed: what the last such run reported
                cache.close()
                return _replayed(run, record, len(targets), warn, progress)
    if progress is not None:
        progress(len(targets) - len(stage.misses), len(targets))
    stage.analyse(lambda done: progress(done, 0) if progress is not None else None)
    run.cached = stage.cached
    for index in stage.follow_calls():
        run.followed.append(targets[index].display)
    entries.extend((t.path, o) for t, o in zip(targets, stage.outcomes))
    from lrlint.linter import schedules_of

    summaries: list[FileSummary] = []
    summary_paths: list[Path | None] = []
    notes: list[str] = []
    for path, outcome in entries:
        if outcome.error is not None:
            run.crashed = True
            warn(f"lrlint: internal error while checking {outcome.summary.filename}: {outcome.error}")
            continue
        summary = outcome.summary
        run.files_checked += 0 if outcome.unread else 1
        summaries.append(summary)
        summary_paths.append(path)  # None for stdin: it has no path of its own
        notes += [f"lrlint: warning: {note}" for note in summary.notes]
    for note in notes:
        warn(note)
    kept = reported(summaries, summary_paths, settings)
    kept.sort(key=Diagnostic.sort_key)
    run.diagnostics += kept
    run.diagnostics.sort(key=Diagnostic.sort_key)
    if options.keep_summaries:
        run.summaries, run.summary_paths = summaries, summary_paths
    if with_schedules:
        for summary in summaries:
            run.schedules.extend(schedules_of(summary))
    if cache is not None:
        if key is not None and not run.crashed and stage.complete():
            cache.put_result(key, RunRecord(kept, notes, run.files_checked, run.followed))
        cache.save(walked=[os.path.abspath(p) for p in paths if p != STDIN and os.path.isdir(p)])
    return run


def reported(summaries: list[FileSummary], summary_paths: list[Path | None], settings: Settings) -> list[Diagnostic]:
    """The stages after the per-file one: each file's findings, the project rules over the linked
    files, then LR100 (what each directive suppressed is known once every rule ran), selected."""
    from lrlint.linter import project_diagnostics, suppression_diagnostics

    found = [d for s in summaries for d in s.diagnostics]
    found += project_diagnostics(summaries, settings.torch_version, summary_paths)
    path_of = {s.filename: p for s, p in zip(summaries, summary_paths)}
    for summary in summaries:  # after every rule: what each directive suppressed is known now
        where = path_of.get(summary.filename) or Path(summary.filename)
        found += suppression_diagnostics(summary, lambda code, where=where: settings.is_enabled(code, where))  # type: ignore[misc]
    return [d for d in found if settings.is_enabled(d.code, path_of.get(d.filename) or Path(d.filename))]


def _replayed(run: RunResult, record: RunRecord, count: int, warn: Callable[[str], None], progress: Callable[[int, int], None] | None) -> RunResult:
    for note in record.notes:
        warn(note)
    run.diagnostics += record.diagnostics
    run.diagnostics.sort(key=Diagnostic.sort_key)
    run.files_checked = record.files_checked
    run.followed = list(record.followed)
    run.cached = count
    if progress is not None:
        progress(count, count)
    return run


# Bytes of file contents kept in memory between reading and analysing (files that pass the
# prefilter; the rest is settled as it is read). Past it, and for notebooks (their JSON carries
# outputs: large), a worker reads the file again, and its result is kept only if the file's stat
# shows the bytes that were hashed.
_KEPT_BYTES = 64 * 2**20
# Rounds of modules analysed because a training loop calls into them (a call chain deeper than
# this through modules the prefilter skipped is not followed).
MAX_FOLLOW = 3


class _FileStage:
    """The per-file stage of a run: read and hash every target, take what the cache has, settle
    what the prefilter can as it is read, analyse the rest (in workers), and follow calls."""

    def __init__(self, targets: list[Target], cache: Cache | None, torch_version: str | None, jobs: int | None) -> None:
        self.targets = targets
        self.cache = cache
        self.torch_version = torch_version
        self._jobs = jobs  # None: one per CPU
        self.outcomes: list[Outcome] = [None] * len(targets)  # type: ignore[list-item]
        self.keys: list[str | None] = [None] * len(targets)  # None: not read (the worker says why)
        self.stats: list[os.stat_result | None] = [None] * len(targets)
        self.hits: list[int] = []
        self.misses: list[int] = []
        self.tasks: dict[int, Task] = {}
        self.changed = False  # a file changed while the run read it: its result is not kept
        self.cached = 0

    @property
    def jobs(self) -> int:
        from lrlint.workers import default_jobs

        return self._jobs or default_jobs()

    def _abs(self, index: int) -> str:
        file = self.targets[index].file
        return file if os.path.isabs(file) else os.path.abspath(file)

    def read_all(self) -> None:
        kept = 0
        for index, target in enumerate(self.targets):
            notebook = target.file.endswith(".ipynb")
            if notebook and self.cache is None:  # nothing to hash: its worker reads it
                self._miss(index, notebook)
                continue
            try:
                info, data = read_source(target.file)
            except OSError:  # the analysis reads it again and reports the error
                self._miss(index, notebook)
                continue
            key = "" if self.cache is None else entry_key(digest(data), notebook)
            self.keys[index], self.stats[index] = key, info
            if self.cache is not None and self.cache.has(key):
                self.hits.append(index)
                continue
            if notebook:  # its JSON is worth a worker; the worker reads it again (see _settle)
                self._miss(index, notebook)
                continue
            from lrlint.workers import Task, analyze_data  # only for a file that needs analysing

            self.misses.append(index)
            if may_have_findings(data):  # worth a worker: keep the bytes for it
                keep = kept + len(data) <= _KEPT_BYTES
                kept += len(data) if keep else 0
                self.tasks[index] = Task(target.display, target.path, notebook, data=data if keep else None, stat=info if keep else None)
            else:  # settled by the prefilter in a moment
                self._settle(index, analyze_data(target.display, data, notebook, self.torch_version, info))

    def _miss(self, index: int, notebook: bool) -> None:
        """A file for a worker to read and analyse."""
        from lrlint.workers import Task

        self.misses.append(index)
        self.tasks[index] = Task(self.targets[index].display, self.targets[index].path, notebook)

    def complete(self) -> bool:
        return all(k is not None for k in self.keys) and not self.changed

    def identity(self) -> list[Any]:
        """What the run's result depends on besides the settings: each file's name, path and
        content, and which folders are packages (module names, and so the link, follow them,
        also above the folders linted)."""
        files = [(t.display, self._abs(i), k or "") for i, (t, k) in enumerate(zip(self.targets, self.keys))]
        return [files, _packages({os.path.dirname(path) for _, path, _ in files})]

    def analyse(self, advance: Callable[[int], None]) -> None:
        from lrlint.linter import FileSummary
        from lrlint.workers import Outcome, analyze_all

        for index in self.hits:
            assert self.cache is not None
            key = self.keys[index]
            summary = self.cache.get(key, self._abs(index), self.targets[index].display) if key else None
            if isinstance(summary, FileSummary):
                self.outcomes[index] = Outcome(summary, self.stats[index])
                self.cached += 1
            else:  # unreadable after all: analyse it
                self._miss(index, self.targets[index].file.endswith(".ipynb"))
        order = sorted(self.tasks)
        for index, outcome in zip(order, analyze_all([self.tasks[i] for i in order], self.torch_version, self.jobs, advance)):
            self._settle(index, outcome)
        self.tasks.clear()

    def _settle(self, index: int, outcome: Outcome, forced: bool = False) -> None:
        self.outcomes[index] = outcome
        key = self.keys[index]
        if outcome.error is not None or outcome.stat is None or not _same_file(outcome.stat, self.stats[index]):
            # lrlint failed on it, or a worker read it again and it is not the bytes hashed
            # (rewritten, or gone, during the run): nothing of this run is kept for it.
            self.changed = True
            return
        if self.cache is not None and key:
            self.cache.put(key + "f" if forced else key, self._abs(index), outcome.summary)

    def follow_calls(self) -> list[int]:
        """Analyse the modules that files stepping a torch scheduler call into, and the modules
        those call into, though the prefilter skipped them: the link stage needs what they step.
        Only modules reachable from a scheduler step are parsed, so the cost follows the training
        code, not the size of the tree. Returns the indices analysed so."""
        from lrlint.facts.model import FileFacts
        from lrlint.project.model import LinkedFile
        from lrlint.project.modules import module_name, wanted_modules
        from lrlint.workers import analyze_all

        def facts_of(index: int) -> FileFacts | None:
            facts = self.outcomes[index].summary.facts
            return facts if isinstance(facts, FileFacts) else None

        frontier = [i for i in range(len(self.targets)) if (f := facts_of(i)) is not None and any(s.scheduler is not None for s in f.steps)]
        if not frontier:
            return []
        modules: dict[str, list[int]] = {}
        for index, target in enumerate(self.targets):
            modules.setdefault(module_name(target.path)[1], []).append(index)
        followed: list[int] = []
        for _ in range(MAX_FOLLOW):
            wanted: set[str] = set()
            for index in frontier:
                facts = facts_of(index)
                if facts is not None:
                    path = self.targets[index].path
                    wanted |= wanted_modules(LinkedFile(self.targets[index].display, facts, path, module_name(path)[1]))
            todo = sorted(
                {j for module in wanted for j in modules.get(module, ()) if not self.outcomes[j].summary.parsed and self.outcomes[j].error is None and not self.outcomes[j].unread}
            )
            if not todo:
                break
            for j in todo:
                self._force(j)
            order = sorted(self.tasks)
            for j, outcome in zip(order, analyze_all([self.tasks[i] for i in order], self.torch_version, self.jobs)):
                self._settle(j, outcome, forced=True)
            self.tasks.clear()
            followed += todo
            frontier = todo
        return followed

    def _force(self, index: int) -> None:
        """The forced summary of a module from the cache, or a task to analyse it."""
        from lrlint.linter import FileSummary
        from lrlint.workers import Outcome, Task

        target = self.targets[index]
        notebook = target.file.endswith(".ipynb")
        try:
            info, data = read_source(target.file)
        except OSError:
            self.tasks[index] = Task(target.display, target.path, notebook, force=True)
            return
        summary = None
        if self.cache is not None:
            key = entry_key(digest(data), notebook)
            if key != self.keys[index]:
                self.changed = True  # rewritten during the run
                self.keys[index] = key
            summary = self.cache.get(key + "f", self._abs(index), target.display)
        self.stats[index] = info
        if isinstance(summary, FileSummary):
            self.outcomes[index] = Outcome(summary, info)
        else:
            self.tasks[index] = Task(target.display, target.path, notebook, force=True, data=data, stat=info)


def _packages(folders: set[str]) -> list[str]:
    """The folders among `folders` and their parents that hold an `__init__.py`, sorted."""
    found: dict[str, bool] = {}
    todo = list(folders)
    while todo:
        folder = todo.pop()
        if folder in found:
            continue
        found[folder] = is_package = os.path.isfile(os.path.join(folder, "__init__.py"))
        parent = os.path.dirname(folder)
        if is_package and parent != folder:
            todo.append(parent)  # a package's parent decides where its module name starts
    return sorted(f for f, package in found.items() if package)


def _same_file(a: os.stat_result, b: os.stat_result | None) -> bool:
    """Whether two stats of a path show the same bytes (a write changes the ctime, which no
    tool can set back)."""
    return b is not None and (a.st_ino, a.st_size, a.st_mtime_ns, a.st_ctime_ns) == (b.st_ino, b.st_size, b.st_mtime_ns, b.st_ctime_ns)


def _explainer(settings: Settings) -> Callable[[str], str]:
    def explain(folder: str) -> str:
        why = settings.gitignore.explain(folder) if settings.gitignore is not None else None
        if why is not None:
            return f".gitignore ignores it ({why}; --no-respect-gitignore walks it)"
        return "an `exclude` pattern covers it (files named on the command line are linted)"

    return explain


def _open_cache(settings: Settings, options: RunOptions, torch_version: str | None, warn: Callable[[str], None]) -> Cache | None:
    if not options.use_cache:
        return None
    off, problem = no_cache_from_environment(os.environ.get("LRLINT_NO_CACHE"))
    if problem is not None:
        warn(f"lrlint: warning: {problem}")
    if off:
        return None
    directory = cache_directory(settings.project_root, options.cache_dir)
    try:
        return Cache(directory, fingerprint(torch_version), settings.project_root)
    except CacheRefused as exc:
        warn(f"lrlint: warning: not using the cache: {exc}")
    except OSError:
        pass  # an unreadable cache folder: lint without it
    return None
