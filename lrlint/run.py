"""A whole lint run: discover the named files → their projects → the files the findings about
them depend on → per-file stage (cached, parallel) → link → project rules → diagnostics in a
stable order.

What a run reports about a file does not depend on which other files it was given: every named
file is seen in its project (lrlint/universe.py), the files it calls into and the files that
call into it are linked with it whether they were named or not (lrlint/project/reach.py), and a
finding is reported when it lies in a named file or its chain of calls runs through one. Each
file is checked with its own settings (its nearest config file).

Every file analysed is read once here and its bytes hashed: the hash keys its cached summary,
and the bytes go on to the analysis (so what is cached is what was analysed). A run whose every
file is unchanged first asks the cache for the whole run's result.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Callable

from lrlint.cache import Cache, CacheRefused, RunRecord, cache_directory, digest, entry_key, fingerprint, no_cache_from_environment, run_key
from lrlint.diagnostics import IO_ERROR, Diagnostic, file_error
from lrlint.discovery import Skipped, Target, discover, display_name
from lrlint.source import read_source, read_stream

if TYPE_CHECKING:  # the analysis is imported when a file needs it: a warm run never does
    from lrlint.config import Configs, Settings
    from lrlint.linter import FileSummary
    from lrlint.scenario import Scenario
    from lrlint.universe import Universe
    from lrlint.workers import Outcome, Task

STDIN = "-"


@dataclass
class RunResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files_checked: int = 0
    crashed: bool = False  # lrlint itself failed on some file (exit code 2)
    schedules: list[tuple[str, Scenario]] = field(default_factory=list)
    cached: int = 0  # named files whose summary came from the cache (all of them when the run was replayed)
    followed: list[str] = field(default_factory=list)  # named files analysed without a marker: code with one calls into them
    # With RunOptions.keep_summaries (--fix): every file's summary and path (None for stdin), so
    # that fixed files can be analysed again and the project re-linked (`reported`); `named`
    # says which were named (the others are what their findings depend on, never fixed).
    summaries: list[FileSummary] = field(default_factory=list)
    summary_paths: list[Path | None] = field(default_factory=list)
    named: list[bool] = field(default_factory=list)


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
    files: list[_File] = []  # the named files: stdin first, then the targets in order

    if STDIN in paths:
        name = stdin_filename or STDIN
        source = stdin if stdin is not None else sys.stdin.buffer
        if not (force_exclude and stdin_filename and settings.for_path(stdin_filename).is_excluded(Path(stdin_filename))):
            try:
                data = read_stream(source, name)
            except OSError as exc:
                run.diagnostics.append(file_error(name, IO_ERROR, exc.strerror or str(exc)))
            else:
                files.append(_File(name, stdin_filename, os.path.abspath(stdin_filename) if stdin_filename else None, name.endswith(".ipynb"), True, True, data=data))

    found = discover(
        [p for p in paths if p != STDIN], lambda path: settings.for_path(path).is_excluded(Path(path)), force_exclude=force_exclude,
        explain=_explainer(settings), entry_excluded=lambda path, is_dir: settings.for_path(path).is_excluded_entry(path, is_dir),
    )  # fmt: skip
    for item in found:
        if isinstance(item, Target):
            files.append(_File(item.display, item.file, os.path.abspath(item.file), item.file.endswith(".ipynb"), True, item.explicit))
        elif isinstance(item, Skipped):
            warn(f"lrlint: warning: {item.display}: folder not linted, {item.reason}")
        else:
            run.diagnostics.append(item)

    cache = _open_cache(settings, options, warn)
    stage = _FileStage(files, cache, settings, options.jobs)
    stage.read_named()
    stage.scope([os.path.abspath(p) for p in paths if p != STDIN and os.path.isdir(p)])
    key = None
    if cache is not None and not with_schedules and not options.keep_summaries and stage.complete():
        key = run_key(cache.key, stage.settings_fingerprint(), stage.identity())
        record = cache.result(key)
        if record is not None:  # nothing changed: what the last such run reported
            stage.save(None, walked=[])
            return _replayed(run, record, sum(1 for f in stage.files if f.named), warn, progress)
    stage.analyse(progress)
    run.cached = stage.cached
    run.followed = [f.display for f in stage.files if f.followed and f.named]
    from lrlint.linter import schedules_of

    summaries: list[FileSummary] = []
    summary_paths: list[Path | None] = []
    named: list[bool] = []
    notes: list[str] = []
    for f in stage.files:
        outcome = f.outcome
        assert outcome is not None
        if outcome.error is not None:
            if f.named:
                run.crashed = True
                warn(f"lrlint: internal error while checking {outcome.summary.filename}: {outcome.error}")
            continue
        summary = outcome.summary
        if f.named:
            run.files_checked += 0 if outcome.unread else 1
            notes += [f"lrlint: warning: {note}" for note in summary.notes]
        summaries.append(summary)
        summary_paths.append(f.path if f.abs is not None else None)  # None for stdin without a name
        named.append(f.named)
    for note in notes:
        warn(note)
    kept = reported(summaries, summary_paths, settings, named)
    kept.sort(key=Diagnostic.sort_key)
    run.diagnostics += kept
    run.diagnostics.sort(key=Diagnostic.sort_key)
    if options.keep_summaries:
        run.summaries, run.summary_paths, run.named = summaries, summary_paths, named
    if with_schedules:
        for summary, is_named in zip(summaries, named):
            if is_named:
                run.schedules.extend(schedules_of(summary))
    record = None
    if key is not None and not run.crashed and stage.complete():
        record = RunRecord(kept, notes, run.files_checked, run.followed)
    stage.save(record, key, walked=[os.path.abspath(p) for p in paths if p != STDIN and os.path.isdir(p)])
    return run


def reported(summaries: list[FileSummary], summary_paths: list[Path | None], settings: Settings, named: list[bool] | None = None) -> list[Diagnostic]:
    """The stages after the per-file one, for the `named` summaries (all, by default; the others
    are the files their findings depend on): each file's findings, the project rules' findings
    that lie in a named file or whose chain runs through one, then LR100 (what each directive
    suppressed is known once every rule ran), selected by each file's settings."""
    from lrlint.linter import project_diagnostics, suppression_diagnostics

    if named is None:
        named = [True] * len(summaries)
    path_of = {s.filename: p for s, p in zip(summaries, summary_paths)}

    def where(filename: str) -> Path:
        return path_of.get(filename) or Path(filename)

    def own(filename: str) -> Settings:
        return settings.for_path(where(filename))

    names = {s.filename for s, is_named in zip(summaries, named) if is_named}
    found = [d for s, is_named in zip(summaries, named) if is_named for d in s.diagnostics]
    # A project rule's finding is judged for the torch release of the file it lies in.
    releases = sorted({own(s.filename).torch_version or "" for s in summaries})
    for release in releases:
        for d in project_diagnostics(summaries, release or None, summary_paths):
            if (own(d.filename).torch_version or "") != release:
                continue
            if d.filename in names or any(r.filename in names for r in d.related):
                found.append(d)
    for summary, is_named in zip(summaries, named):  # after every rule: what each directive suppressed is known now
        if is_named:
            here, mine = where(summary.filename), own(summary.filename)
            found += suppression_diagnostics(summary, lambda code, here=here, mine=mine: mine.is_enabled(code, here))  # type: ignore[misc]
    return [d for d in found if own(d.filename).is_enabled(d.code, where(d.filename))]


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


# Bytes of file contents kept in memory between reading and analysing (files that will be
# analysed; the rest is settled as it is read). Past it, and for notebooks (their JSON carries
# outputs: large), a worker reads the file again, and its result is kept only if the file's stat
# shows the bytes that were hashed.
_KEPT_BYTES = 64 * 2**20

# What is looked at in a file: all of it (the analysed set); only its syntax (a file named on the
# command line outside the analysed set); only that it can be read (one a walk found there).
FULL, SYNTAX, NONE = "full", "syntax", "none"
_KINDS = {FULL: "", SYNTAX: "s", NONE: "x"}


@dataclass
class _File:
    """A file of the run: named (on the command line, or found in a named folder), or one the
    findings about the named files depend on."""

    display: str
    where: str | None  # the path as named, or found (None: stdin without a name)
    abs: str | None  # absolute path (None: stdin without a name)
    notebook: bool
    named: bool
    explicit: bool  # named on the command line (or stdin), not found by a walk
    data: bytes | None = None
    stat: os.stat_result | None = None
    digest: str | None = None  # None: not read (the analysis reads it and says why)
    module: str | None = None
    mode: str = FULL  # FULL: analysed; SYNTAX: only checked for syntax; NONE: not read further
    followed: bool = False  # analysed without a marker: reached from code that holds one
    outcome: Outcome | None = None

    @property
    def path(self) -> Path | None:
        return Path(self.where) if self.where is not None else None


class _FileStage:
    """The per-file stage of a run: read every named file, find what the findings about them
    depend on in their projects, take what the cache has, analyse the rest (in workers)."""

    def __init__(self, files: list[_File], cache: Cache | None, settings: Settings, jobs: int | None) -> None:
        self.files = files
        self.cache = cache
        self.settings = settings
        self._jobs = jobs  # None: one per CPU
        self.caches: dict[str | None, Cache] = {}  # per torch release (the cache of the run's is `cache`)
        self.universes: list[Universe] = []
        self._resolver: Configs | None = None
        self.changed = False  # a file changed while the run read it: its result is not kept
        self.cached = 0

    @property
    def jobs(self) -> int:
        from lrlint.workers import default_jobs

        return self._jobs or default_jobs()

    def read_named(self) -> None:
        for f in self.files:
            if f.data is None and f.abs is not None:
                try:
                    f.stat, f.data = read_source(f.abs)
                except OSError:  # the analysis reads it again and reports the error
                    continue
            if f.data is not None:
                f.digest = digest(f.data)

    # -- what the findings depend on --------------------------------------------------------

    def scope(self, walked: list[str]) -> None:
        """Place every named file in its project; decide which are analysed, and add the files
        their findings depend on."""
        from lrlint.project.reach import analysed_set, needed

        by_root: dict[str, list[_File]] = {}
        alone: list[_File] = []
        for f in self.files:
            if f.abs is None or f.digest is None:
                alone.append(f)
            else:
                by_root.setdefault(self._root_of(f, walked), []).append(f)
        known = {f.abs for f in self.files if f.abs is not None}
        for root, named in sorted(by_root.items()):
            u = self._universe(root, {f.abs: f.stat for f in named if f.abs is not None and f.stat is not None})
            self.universes.append(u)
            where = {}
            for f in named:
                assert f.abs is not None and f.data is not None
                assert f.digest is not None
                where[u.overlay(f.abs, f.data, f.stat, f.digest)] = f
            markers = [i for i in range(len(u.members)) if u.marker(i)]
            analysed = analysed_set(markers, u.imports)
            inside = sorted(analysed)
            imports = {i: u.imports(i) for i in inside}
            bases = {i: u.bases(i) for i in inside}
            for i in sorted(needed([i for i in where if i in analysed], imports, bases, inside)):
                member = u.members[i]
                named_here = where.get(i)
                if named_here is not None:
                    f = named_here
                else:
                    if member.path in known:
                        continue  # named, but read under another project (a guest there)
                    f = _File(display_name(Path(member.path)), member.path, member.path, member.notebook, False, False)
                    f.data, f.stat, f.digest = member.data, member.stat, u.digest(i)
                    self.files.append(f)
                f.module = member.module
                f.followed = not u.marker(i)
            for i, f in where.items():
                if i not in analysed:
                    f.mode = SYNTAX if f.explicit else NONE
        for f in alone:  # stdin without a name, or a file that could not be read
            if f.data is not None:
                from lrlint.prefilter import may_have_findings

                f.mode = FULL if may_have_findings(f.data) else SYNTAX

    def _root_of(self, f: _File, walked: list[str]) -> str:
        """The project root of a named file; outside any project, the folder named that holds
        it (or, for a file named on its own, its folder)."""
        assert f.abs is not None
        folder = os.path.dirname(f.abs)
        if self._resolver is None:
            from lrlint.config import Configs

            self._resolver = self.settings.resolver or Configs.single(self.settings)
        root = self._resolver.root_of(folder)
        if root is not None:
            return root
        if not f.explicit:
            for top in walked:
                if f.abs.startswith(top.rstrip(os.sep) + os.sep):
                    return top
        return folder

    def _universe(self, root: str, known: dict[str, os.stat_result]) -> Universe:
        from lrlint.config import Configs
        from lrlint.universe import universe

        resolver = self.settings.resolver or Configs.single(self.settings)
        stored = self.cache.project(root) if self.cache is not None else None
        skip = str(self.cache.directory) if self.cache is not None else None
        return universe(root, resolver, stored, _walking_options(resolver), known, skip)

    # -- the run's key -------------------------------------------------------------------------

    def complete(self) -> bool:
        return all(f.digest is not None for f in self.files) and not self.changed

    def settings_fingerprint(self) -> str:
        import hashlib

        prints = [self.settings.for_path(f.where).fingerprint() if f.where is not None else "" for f in self.files]
        return hashlib.sha256("\n".join(prints).encode()).hexdigest()

    def identity(self) -> list[Any]:
        """What the run's result depends on besides the settings: each file's name, path,
        content, module name, and whether it is named and analysed."""
        return [[f.display, f.abs, f.digest, f.module, f.named, f.mode] for f in self.files]

    # -- the analysis --------------------------------------------------------------------------

    def analyse(self, progress: Callable[[int, int], None] | None) -> None:
        from lrlint.linter import check_file_syntax
        from lrlint.workers import Outcome, Task, analyze_all, analyze_data

        total = len(self.files)
        tasks: dict[str | None, list[tuple[_File, Task]]] = {}
        kept = 0
        for f in self.files:
            release = self.settings.for_path(f.where).torch_version if f.where is not None else self.settings.torch_version
            summary = self._cached(f, release)
            if summary is not None:
                f.outcome = Outcome(summary, f.stat)
                self.cached += 1 if f.named else 0
                continue
            if f.mode == NONE and f.data is not None and not f.notebook:  # it cannot reach the parser
                self._settle(f, analyze_data(f.display, f.data, False, release, f.stat), release)
                continue
            if f.mode == SYNTAX and f.data is not None:
                checked = check_file_syntax(f.display, f.data, f.notebook)
                if checked is not None:
                    self._settle(f, Outcome(checked, f.stat), release)
                    continue
            stdin = f.data is not None and f.stat is None  # never read again: its bytes go along
            keep = stdin or (f.data is not None and not f.notebook and kept + len(f.data) <= _KEPT_BYTES)
            kept += len(f.data) if keep and f.data is not None and not stdin else 0
            where = f.path if f.path is not None else Path(f.display)
            task = Task(f.display, where, f.notebook, force=f.mode != NONE, data=f.data if keep else None, stat=f.stat if keep else None)
            tasks.setdefault(release, []).append((f, task))
        done = total - sum(len(group) for group in tasks.values())
        if progress is not None:
            progress(done, total)
        for release, group in tasks.items():
            outcomes = analyze_all([task for _, task in group], release, self.jobs, lambda n: progress(n, 0) if progress is not None else None)
            for (f, _), outcome in zip(group, outcomes):
                self._settle(f, outcome, release)
        for f in self.files:
            f.data = None  # analysed: the bytes are not needed any more

    def _cache_of(self, release: str | None) -> Cache | None:
        if self.cache is None:
            return None
        if release == self.settings.torch_version:
            return self.cache
        found = self.caches.get(release)
        if found is None:
            try:
                found = self.caches[release] = Cache(self.cache.directory, fingerprint(release), self.settings.project_root)
            except (CacheRefused, OSError):
                return None
        return found

    def _cached(self, f: _File, release: str | None) -> FileSummary | None:
        from lrlint.linter import FileSummary

        cache = self._cache_of(release)
        if cache is None or f.digest is None or f.abs is None:
            return None
        key = entry_key(f.digest, f.notebook, _KINDS[f.mode])
        if not cache.has(key):
            return None
        summary = cache.get(key, f.abs, f.display)
        return summary if isinstance(summary, FileSummary) else None

    def _settle(self, f: _File, outcome: Outcome, release: str | None) -> None:
        f.outcome = outcome
        if outcome.error is not None or outcome.stat is None or (f.stat is not None and not _same_file(outcome.stat, f.stat)):
            # lrlint failed on it, or a worker read it again and it is not the bytes hashed
            # (rewritten, or gone, during the run): nothing of this run is kept for it.
            self.changed = True
            return
        cache = self._cache_of(release)
        if cache is not None and f.digest is not None and f.abs is not None:
            cache.put(entry_key(f.digest, f.notebook, _KINDS[f.mode]), f.abs, outcome.summary)

    def save(self, record: RunRecord | None, key: str | None = None, walked: list[str] | None = None) -> None:
        if self.cache is None:
            return
        for u in self.universes:
            if u.changed:
                self.cache.put_project(u.root, u.stored())
        if record is not None and key is not None:
            self.cache.put_result(key, record)
        for other in self.caches.values():
            other.save(walked=walked or [])
        self.cache.save(walked=walked or [])


def _walking_options(resolver: Configs) -> str:
    """The command line's options that change which files a walk finds."""
    import json

    cli = resolver.cli
    return json.dumps([cli.exclude, cli.extend_exclude, cli.respect_gitignore, str(resolver.fixed), resolver.isolated])


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


def _open_cache(settings: Settings, options: RunOptions, warn: Callable[[str], None]) -> Cache | None:
    if not options.use_cache:
        return None
    off, problem = no_cache_from_environment(os.environ.get("LRLINT_NO_CACHE"))
    if problem is not None:
        warn(f"lrlint: warning: {problem}")
    if off:
        return None
    directory = cache_directory(settings.project_root, options.cache_dir)
    try:
        return Cache(directory, fingerprint(settings.torch_version), settings.project_root)
    except CacheRefused as exc:
        warn(f"lrlint: warning: not using the cache: {exc}")
    except OSError:
        pass  # an unreadable cache folder: lint without it
    return None
