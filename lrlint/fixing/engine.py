"""Applying fixes to a finished lint run, in rounds, as ruff does.

1. Every file with a finding whose fix applies (its applicability is allowed) is read again and
   analysed from those bytes, so the fixes match the text that will be edited (a cached summary
   could describe older bytes).
2. Each round takes, per file, the fixes that do not conflict (lrlint/fixing/edits.py), applies
   them, and analyses the edited text; the project is re-linked so that project rules (LR009,
   LR010...) and LR100 see the edit. A fix that would leave the file unparsable is not kept.
3. Rounds stop when no applicable fix is left, or after MAX_ROUNDS.

Nothing is written here: `FixRun.write` writes each changed file atomically, only over the bytes
read in step 1 (lrlint/fixing/write.py). Files with E902, E903 or E999 are never touched.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from lrlint.config import Settings
from lrlint.diagnostics import FILE_CODES, Diagnostic
from lrlint.fixing.documents import Document, DocumentError, open_document
from lrlint.fixing.edits import choose
from lrlint.linter import FileSummary, analyze_file
from lrlint.run import RunResult, reported

MAX_ROUNDS = 10  # a fix that keeps offering itself stops here (ruff: 100); ours settle in 1 or 2

Applies = Callable[[object], bool]  # whether a Fix may be applied in this run


@dataclass
class FileFix:
    """One file being fixed: the bytes read, the bytes after the fixes so far."""

    filename: str
    path: Path | None  # None: stdin
    notebook: bool
    original: bytes
    current: bytes
    document: Document | None  # None: it could not be opened (then settled)
    # (code, name, severity) -> fixes applied, for the summary and --show-fixes.
    fixed: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    settled: bool = False  # no further round can change it (nothing applies, or a fix broke it)
    added: int = 0  # --add-noqa: lines given a directive (or more codes in one)

    @property
    def changed(self) -> bool:
        return self.current != self.original


@dataclass
class FixRun:
    """The run after fixing: the findings that remain, and what was fixed where."""

    diagnostics: list[Diagnostic]
    files: dict[str, FileFix]
    problems: list[str] = field(default_factory=list)  # one line each: a file left unfixed, and why
    failed_writes: int = 0

    @property
    def fixed(self) -> Counter[tuple[str, str, str]]:
        total: Counter[tuple[str, str, str]] = Counter()
        for f in self.files.values():
            total.update(f.fixed)
        return total

    def changed(self) -> list[FileFix]:
        return [f for f in self.files.values() if f.changed]


class Fixer:
    def __init__(self, result: RunResult, settings: Settings, applies: Applies, stdin: dict[str, bytes]) -> None:
        self.result = result
        self.settings = settings
        self.applies = applies
        self.stdin = stdin
        self.summaries: list[FileSummary] = list(result.summaries)
        self.paths: list[Path | None] = list(result.summary_paths)
        # Only named files are fixed; the others are what their findings depend on.
        self.named: list[bool] = list(result.named) or [True] * len(self.summaries)
        self.index = {s.filename: i for i, s in enumerate(self.summaries) if self.named[i]}
        self.files: dict[str, FileFix] = {}
        self.problems: list[str] = []
        self.diagnostics = list(result.diagnostics)

    # --- the rounds -----------------------------------------------------------------------

    def run(self) -> FixRun:
        for _ in range(MAX_ROUNDS + 1):
            wanted = self._wanted()
            fresh = [name for name in wanted if name not in self.files]
            if fresh:  # read and analyse them first: their fixes must match the bytes read
                for name in fresh:
                    self._open(name)
                self._relink()
                continue
            if not wanted:
                break
            for name, found in wanted.items():
                self._apply(self.files[name], found)
            self._relink()
        else:
            for name in self._wanted():
                self.problems.append(f"{name}: the fixes did not settle after {MAX_ROUNDS} rounds; run `--fix` again")
        self._drop_unplaceable()
        return FixRun(self.diagnostics, self.files, self.problems)

    def _wanted(self) -> dict[str, list[Diagnostic]]:
        """Per file still open to fixing: its findings whose fix applies."""
        broken = {d.filename for d in self.diagnostics if d.code in FILE_CODES}
        wanted: dict[str, list[Diagnostic]] = {}
        for d in self.diagnostics:
            if d.fix is None or not self.applies(d.fix) or d.filename in broken or d.filename not in self.index:
                continue
            f = self.files.get(d.filename)
            if f is not None and f.settled:
                continue
            wanted.setdefault(d.filename, []).append(d)
        return wanted

    def _open(self, name: str) -> None:
        i = self.index[name]
        path = None if name in self.stdin else self.paths[i]  # stdin is never read again, nor written
        notebook = (path or Path(name)).suffix == ".ipynb"
        try:
            data = self.stdin.get(name, b"") if path is None else _read(path)
            document = open_document(data, notebook)
        except (OSError, DocumentError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.problems.append(f"{name}: not fixed: {why}")
            self.files[name] = FileFix(name, path, notebook, b"", b"", None, settled=True)
            return
        self.files[name] = FileFix(name, path, notebook, data, data, document)
        self.summaries[i] = self._analyse(name, data, notebook)

    def _apply(self, f: FileFix, found: list[Diagnostic]) -> None:
        assert f.document is not None
        candidates = []
        for d in found:
            placed = f.document.place(d.fix.edits)
            if placed is not None:
                candidates.append((d, placed))
        chosen = [candidates[i] for i in choose([placed for _, placed in candidates])]
        if not chosen:
            f.settled = True  # nothing of what is left can be placed in its text
            return
        try:
            data = f.document.apply([placed for _, placed in chosen])
            summary = self._analyse(f.filename, data, f.notebook)
            broken = [d for d in summary.diagnostics if d.code in FILE_CODES]
            if broken:
                codes = ", ".join(sorted({d.code for d, _ in chosen}))
                raise DocumentError(f"the fixes for {codes} would make it {broken[0].code} ({broken[0].message}); left as it was after the fixes before them (please report this)")
            document = open_document(data, f.notebook)
        except DocumentError as exc:
            self.problems.append(f"{f.filename}: not fixed further: {exc}")
            f.settled = True
            return
        f.current, f.document = data, document
        f.fixed.update((d.code, d.name, d.severity) for d, _ in chosen)
        self.summaries[self.index[f.filename]] = summary

    def _analyse(self, name: str, data: bytes, notebook: bool) -> FileSummary:
        # force: the facts are wanted whatever the prefilter says (the link stage reads them).
        path = self.paths[self.index[name]] if name in self.index else None
        release = self.settings.for_path(path).torch_version if path is not None else self.settings.torch_version
        return analyze_file(name, data, notebook, release, force=True)

    def _relink(self) -> None:
        found = reported(self.summaries, self.paths, self.settings, self.named)
        analysed = {s.filename for s in self.summaries}
        others = [d for d in self.result.diagnostics if d.filename not in analysed]
        self.diagnostics = sorted(others + found, key=Diagnostic.sort_key)

    def _drop_unplaceable(self) -> None:
        """A remaining finding whose fix cannot be placed in its file's text is not offered as
        fixable (`[*]`): nothing would apply it."""
        for d in self.diagnostics:
            f = self.files.get(d.filename)
            if d.fix is not None and f is not None and f.document is not None and f.document.place(d.fix.edits) is None:
                d.fix = None

    # --- --add-noqa ---------------------------------------------------------------------------

    def add_noqa(self) -> FixRun:
        """A directive for every remaining finding that can be suppressed (lrlint/fixing/noqa.py),
        in memory; `FixRun.files[...].added` counts the lines changed."""
        from lrlint.fixing.noqa import noqa_edits, suppressible

        broken = {d.filename for d in self.diagnostics if d.code in FILE_CODES}
        names = sorted({d.filename for d in self.diagnostics if suppressible(d) and d.filename in self.index} - broken)
        for name in names:
            self._open(name)
        self._relink()
        for name in names:
            f = self.files[name]
            if f.document is None:
                continue
            mine = [d for d in self.diagnostics if d.filename == name]
            placed = [p for p in (f.document.place([edit]) for edit in noqa_edits(f.document, mine)) if p is not None]
            if not placed:
                continue
            try:
                data = f.document.apply(placed)
                summary = self._analyse(name, data, f.notebook)
                if any(d.code in FILE_CODES for d in summary.diagnostics):
                    raise DocumentError("the directives would break it (please report this)")
                f.document = open_document(data, f.notebook)
            except DocumentError as exc:
                self.problems.append(f"{name}: no directive added: {exc}")
                continue
            f.current, f.added = data, len(placed)
            self.summaries[self.index[name]] = summary
        self._relink()
        return FixRun(self.diagnostics, self.files, self.problems)

    # --- after the rounds ---------------------------------------------------------------------

    def restore(self, names: Iterable[str]) -> None:
        """Files that could not be written: their findings are those of the bytes on disk."""
        names = list(names)
        for name in names:
            f = self.files[name]
            f.current, f.fixed, f.added = f.original, Counter(), 0
            f.document = open_document(f.original, f.notebook)
            self.summaries[self.index[name]] = self._analyse(name, f.original, f.notebook)
        if names:
            self._relink()


def fix_run(result: RunResult, settings: Settings, applies: Applies, stdin: dict[str, bytes] | None = None) -> tuple[FixRun, Fixer]:
    """Apply every applicable fix of `result` in memory (needs RunOptions(keep_summaries=True))."""
    fixer = Fixer(result, settings, applies, stdin or {})
    return fixer.run(), fixer


def write_all(run: FixRun, fixer: Fixer) -> list[str]:
    """Write every changed file (not stdin); the ones that fail keep their bytes and findings.
    Returns the one-line problems."""
    from lrlint.fixing.write import WriteError, write_if_unchanged

    failed: list[str] = []
    problems: list[str] = []
    for f in run.changed():
        if f.path is None:
            continue
        try:
            write_if_unchanged(f.path, f.original, f.current)
        except WriteError as exc:
            problems.append(f"{f.filename}: not fixed: {exc}")
            failed.append(f.filename)
    fixer.restore(failed)
    run.diagnostics = fixer.diagnostics
    run.failed_writes = len(failed)
    return problems


def offered_fixes(diagnostics: list[Diagnostic], stdin: dict[str, bytes]) -> None:
    """Without --fix: a finding keeps its fix (and its `[*]`) only if `--fix` could place it in
    the file as it is now (not, for instance, one that would delete a comment with code)."""
    by_file: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        if d.fix is not None:
            by_file.setdefault(d.filename, []).append(d)
    for name, found in by_file.items():
        try:
            data = stdin[name] if name in stdin else _read(Path(name))
            document: Document | None = open_document(data, name.endswith(".ipynb"))
        except (OSError, DocumentError):
            document = None
        for d in found:
            if document is None or document.place(d.fix.edits) is None:
                d.fix = None


def _read(path: Path) -> bytes:
    from lrlint.source import read_source

    return read_source(path)[1]


def fix_bytes(filename: str, data: bytes, settings: Settings, *, unsafe: bool = True, notebook: bool = False) -> tuple[bytes, FixRun]:
    """One file's content fixed in memory, both stages, as `lint_bytes` lints it (tests, fuzzing)."""
    from lrlint.fixing.edits import applicable

    summary = analyze_file(filename, data, notebook, settings.torch_version)
    result = RunResult(diagnostics=sorted(reported([summary], [None], settings), key=Diagnostic.sort_key))
    result.summaries, result.summary_paths = [summary], [None]
    run, _ = fix_run(result, settings, lambda fix: applicable(fix, "enabled" if unsafe else "hint"), {filename: data})
    f = run.files.get(filename)
    return (f.current if f is not None and f.document is not None else data), run
