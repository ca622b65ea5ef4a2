"""The per-file stage and the project stage of a lint run.

Per file (pure: bytes in, a picklable `FileSummary` out, so it can run in a worker process and be
cached by content): decode → prefilter → CPython's verdict (is it Python?) → libcst's tree → facts
(plain data) → file rules → suppressions. Per project: link every file's facts, run the project
rules, turn findings into diagnostics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

from lrlint.diagnostics import CANNOT_ANALYSE, Diagnostic, Position, RelatedLocation, file_error
from lrlint.notebook import locate
from lrlint.prefilter import may_have_findings
from lrlint.scenario import Scenario
from lrlint.source import MAX_FILE_BYTES, MAX_NOTEBOOK_BYTES, SourceError, check_syntax, decode, may_be_newer_syntax, too_dense, too_large

if TYPE_CHECKING:
    from lrlint.facts.model import FileFacts
    from lrlint.facts.needs import Needs

CodeFilter = Callable[[str], bool]


@dataclass
class FileSummary:
    """Everything the later stages need from one file; holds no syntax tree."""

    filename: str
    # E902/E999 and the findings of every file rule, unsuppressed ones only, before selection.
    diagnostics: list[Diagnostic] = field(default_factory=list)
    parsed: bool = False  # False when the prefilter proved the file cannot hold a finding
    notes: list[str] = field(default_factory=list)  # one-line notes (not findings)
    facts: object | None = None  # FileFacts, when the file was analysed
    cell_rows: tuple[tuple[int, int], ...] | None = None  # notebooks: virtual row - 1 -> (cell, row)
    suppressions: object | None = None  # Suppressions, when the file has any directive


@dataclass
class FileResult:
    """One file linted on its own (per-file and project stages): what `lint_bytes` returns."""

    filename: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    parsed: bool = False
    notes: list[str] = field(default_factory=list)
    # Every torch scheduler built in the file, for --verify-all: (label, literal scenario).
    schedules: list[tuple[str, Scenario]] = field(default_factory=list)


def analyze_file(
    filename: str, data: bytes, notebook: bool = False, torch_version: str | None = None, force: bool = False
) -> FileSummary:
    """The per-file stage. Never raises for bad input: it becomes an E902/E999 diagnostic.

    `force` analyses a file the prefilter would skip: a module the link stage needs, because a
    training loop elsewhere calls into it.
    """
    summary = FileSummary(filename)
    try:
        if len(data) > (MAX_NOTEBOOK_BYTES if notebook else MAX_FILE_BYTES):
            raise too_large(notebook)
        if notebook:
            from lrlint.notebook import NotebookError, load_notebook

            try:
                nb = load_notebook(data, filename)
            except NotebookError as exc:
                # The diagnostic names the file already.
                raise SourceError("E902", str(exc).removeprefix(f"{filename}: ")) from None
            text = nb.text if nb.code_cells else ""
            summary.cell_rows = nb.rows if nb.code_cells else None
            if len(text) > MAX_FILE_BYTES:
                raise too_large(code=True)
        else:
            text = decode(data).text
    except SourceError as exc:
        summary.diagnostics.append(file_error(filename, exc.code, exc.message, exc.row, exc.column))
        return summary
    # The prefilter (see prefilter.py); on a notebook, its code cells only.
    code = text.encode("utf-8", "surrogatepass") if notebook else data
    if not force and not may_have_findings(code):
        return summary
    dense = too_dense(code)
    if dense is not None:
        summary.diagnostics.append(file_error(filename, dense.code, dense.message))
        return summary
    summary.parsed = True
    error = check_syntax(text)
    if error is not None:
        summary.diagnostics.append(_syntax_diagnostic(filename, text, error))
    else:
        _analyze(summary, text, torch_version)
    if summary.cell_rows is not None:
        summary.diagnostics = [_in_cell(d, summary.cell_rows) for d in summary.diagnostics]
    return summary


def _syntax_diagnostic(filename: str, text: str, error: SourceError) -> Diagnostic:
    """E999 for code no Python accepts; E903 for syntax of a newer Python than this one."""
    if "Exceeds the limit" in error.message:
        return file_error(filename, error.code, error.message, error.row, error.column)  # no Python runs it
    if may_be_newer_syntax(text, error) and _newer_python_parses(text):
        import sys

        running = f"{sys.version_info.major}.{sys.version_info.minor}"
        return file_error(
            filename,
            CANNOT_ANALYSE,
            f"not analysed: the file uses syntax newer than Python {running}, which lrlint runs on "
            f"({error.message.removeprefix('SyntaxError: ')}); run lrlint with a newer Python",
            error.row,
            error.column,
        )
    return file_error(filename, error.code, error.message, error.row, error.column)


def _newer_python_parses(text: str) -> bool:
    """libcst knows the grammar of newer Pythons (a 3.12 f-string on 3.11)."""
    from lrlint.parsing import CstParseError, on_large_stack, parse

    try:
        on_large_stack(parse, text)
    except CstParseError:  # not newer syntax: a real error (a MemoryError is the per-file bound's)
        return False
    return True


@lru_cache(maxsize=None)
def rule_needs() -> Needs:
    """What the rules declare they read beyond the plain facts (see facts/needs.py)."""
    from lrlint.facts.needs import NOTHING
    from lrlint.rules import all_rules

    needs = NOTHING
    for rule in all_rules():
        needs = needs | rule.needs
    return needs


def facts_of(text: str, needs: Needs | None = None) -> FileFacts:
    """The facts of Python source CPython accepts: libcst's tree of it, walked on a large stack
    (see parsing.py); the tree is freed once the facts are taken. Raises CstParseError when
    libcst cannot parse it."""
    from lrlint.parsing import on_large_stack

    return on_large_stack(_facts_of, text, rule_needs() if needs is None else needs)


def _facts_of(text: str, needs: Needs) -> FileFacts:
    from lrlint.facts.classify import collect_facts
    from lrlint.parsing import parse

    return collect_facts(parse(text), text, needs)


def _analyze(summary: FileSummary, text: str, torch_version: str | None) -> None:
    from lrlint.parsing import CstParseError
    from lrlint.rules import file_rules
    from lrlint.rules.base import RuleContext

    try:
        facts = facts_of(text)
    except CstParseError as exc:
        message = f"not analysed: libcst, the parser lrlint analyses with, cannot parse this file, which CPython accepts ({exc.message})"
        summary.diagnostics.append(file_error(summary.filename, CANNOT_ANALYSE, message))
        return
    summary.facts = facts
    summary.suppressions = _suppressions(text, summary)
    context = RuleContext.from_version(torch_version)
    found: list[Diagnostic] = []
    for rule in file_rules():
        for finding in rule.check(facts, context):
            found.append(to_diagnostic(rule.code, finding, summary.filename, summary.cell_rows))
    summary.diagnostics.extend(unsuppressed(found, summary.suppressions))


def _suppressions(text: str, summary: FileSummary) -> object | None:
    if "noqa" not in text and "lrlint:" not in text:
        return None  # tokenizing costs; a file without either word has no directive
    from lrlint.suppressions import Suppressions

    found = Suppressions.from_source(text)
    for warning in found.warnings:  # `# noqa LR004` (no colon), an unknown rule name, ...
        cell, row = locate(warning.row, summary.cell_rows) if summary.cell_rows is not None else (None, warning.row)
        where = f"cell {cell}:" if cell is not None else ""
        summary.notes.append(f"{summary.filename}:{where}{row}:{warning.column}: {warning.message}")
    return found if len(found) else None


def unsuppressed(found: list[Diagnostic], suppressions: object | None) -> list[Diagnostic]:
    if suppressions is None:
        return found
    return [d for d in found if not suppressions.is_suppressed(d.code, d.location.row)]  # type: ignore[attr-defined]


def to_diagnostic(code: str, finding: object, filename: str, cell_rows: Sequence[tuple[int, int]] | None) -> Diagnostic:
    """A rule's finding as a reported diagnostic (positions still in the file's own rows)."""
    from lrlint.catalogue import rules as catalogue
    from lrlint.messages import bound
    from lrlint.rules.base import RELATED, Finding

    assert isinstance(finding, Finding)
    meta = catalogue()[code]
    message = finding.message
    if finding.related is not None:
        message = message.replace(RELATED, _place(finding.related.row, cell_rows))
    related = []
    for index, place in enumerate(finding.related_locations):
        if place.filename is None:
            message = message.replace(f"{{at{index}}}", _place(place.position.row, cell_rows))
            cell, row = locate(place.position.row, cell_rows) if cell_rows is not None else (None, place.position.row)
            related.append(RelatedLocation(filename, Position(row, place.position.column), bound(place.message), cell))
        else:
            message = message.replace(f"{{at{index}}}", f"{_short(place.filename, filename)}:{place.position.row}")
            related.append(RelatedLocation(place.filename, place.position, bound(place.message)))
    return Diagnostic(
        code=code,
        name=meta.name,
        message=bound(message),  # a quote of a 4,300-digit name stays short
        severity=finding.severity or meta.severity,
        filename=filename,
        location=finding.span.start,
        end_location=finding.span.end,
        scenario=finding.scenario,
        related=tuple(related),
        fix=finding.fix,
    )


def _short(other: str, here: str) -> str:
    """Another file, as a message names it: relative to the folder both files are under
    (`base.py` beside `here`, `detection/utils.py` from `tools/train.py`)."""
    import os

    try:
        common = os.path.commonpath([os.path.dirname(other), os.path.dirname(here)])
        return os.path.relpath(other, common) if common else other
    except ValueError:  # one absolute and one relative, or another drive
        return other


def _in_cell(d: Diagnostic, cell_rows: Sequence[tuple[int, int]]) -> Diagnostic:
    if d.cell is not None:
        return d  # already placed
    cell, row = locate(d.location.row, cell_rows)
    end_cell, end_row = locate(d.end_location.row, cell_rows)
    if end_cell != cell:  # a span cannot cross cells; clamp it to its start
        end_row, end_column = row, d.location.column
    else:
        end_column = d.end_location.column
    d.cell = cell
    d.fix = _fix_in_cells(d.fix, cell_rows)
    d.location = Position(row, d.location.column)
    d.end_location = Position(end_row, end_column)
    return d


def _fix_in_cells(fix: object, cell_rows: Sequence[tuple[int, int]]) -> object:
    """A fix's edits moved from the notebook's joined rows into their cells; None (no fix offered)
    when an edit would cross from one cell into another."""
    if fix is None:
        return None
    from dataclasses import replace

    from lrlint.rules.base import Edit, Fix

    assert isinstance(fix, Fix)
    edits = []
    for edit in fix.edits:
        if edit.cell is not None:
            return fix  # already placed
        cell, row = locate(edit.start.row, cell_rows)
        end_cell, end_row = locate(edit.end.row, cell_rows)
        if end_cell != cell:
            return None
        edits.append(Edit(Position(row, edit.start.column), Position(end_row, edit.end.column), edit.content, cell))
    return replace(fix, edits=tuple(edits))


def _place(row: int, cell_rows: Sequence[tuple[int, int]] | None) -> str:
    """A row for a message: `line 17`, or in a notebook `cell 3, line 4`."""
    if cell_rows is None:
        return f"line {row}"
    cell, in_cell = locate(row, cell_rows)
    return f"cell {cell}, line {in_cell}"


def schedule_label(filename: str, row: int, cell_rows: Sequence[tuple[int, int]] | None) -> str:
    """A row for a --verify-all label: `train.py:12`, or `nb.ipynb:cell 3:4`."""
    if cell_rows is None:
        return f"{filename}:{row}"
    cell, in_cell = locate(row, cell_rows)
    return f"{filename}:cell {cell}:{in_cell}"


def schedules_of(summary: FileSummary) -> list[tuple[str, Scenario]]:
    """Every torch scheduler built in the file, with its literal scenario (for --verify-all)."""
    from lrlint.facts.model import FileFacts
    from lrlint.facts.scenarios import build_scenario

    facts = summary.facts
    if not isinstance(facts, FileFacts):
        return []
    return [
        (schedule_label(summary.filename, s.span.start.row, summary.cell_rows), build_scenario(s, facts))
        for s in facts.schedulers
    ]


def project_diagnostics(summaries: Iterable[FileSummary], torch_version: str | None = None, paths: Sequence[object] | None = None) -> list[Diagnostic]:
    """The project stage: link the analysed files and run the project rules over them."""
    from lrlint.facts.model import FileFacts
    from lrlint.project.link import link
    from lrlint.project.model import LinkedFile
    from lrlint.project.modules import module_name
    from lrlint.rules import project_rules
    from lrlint.rules.base import RuleContext

    rules = project_rules()
    listed = list(summaries)
    where = list(paths) if paths is not None else [None] * len(listed)
    analysed = [(s, p) for s, p in zip(listed, where) if isinstance(s.facts, FileFacts)]
    if not rules or not analysed:
        return []
    by_name = {s.filename: s for s, _ in analysed}
    linked = []
    for s, path in analysed:
        module = module_name(path)[1] if isinstance(path, Path) else None
        linked.append(LinkedFile(s.filename, s.facts, path if isinstance(path, Path) else None, module))  # type: ignore[arg-type]
    project = link(linked)
    context = RuleContext.from_version(torch_version)
    found: list[Diagnostic] = []
    for rule in rules:
        for item in rule.check_project(project, context):
            summary = by_name[item.filename]
            diagnostic = to_diagnostic(rule.code, item.finding, item.filename, summary.cell_rows)
            for kept in unsuppressed([diagnostic], summary.suppressions):
                found.append(_in_cell(kept, summary.cell_rows) if summary.cell_rows is not None else kept)
    return found


def suppression_diagnostics(summary: FileSummary, enabled: CodeFilter) -> list[Diagnostic]:
    """The last stage (LR100): directives of the file that suppressed nothing, once every rule,
    project rules included, has run; `enabled(code)` says what the run reports in this file."""
    if summary.suppressions is None:
        return []
    from lrlint.rules import suppression_rules

    found: list[Diagnostic] = []
    for rule in suppression_rules():
        for finding in rule.check_suppressions(summary.suppressions, enabled):  # type: ignore[arg-type]
            diagnostic = to_diagnostic(rule.code, finding, summary.filename, summary.cell_rows)
            found.append(_in_cell(diagnostic, summary.cell_rows) if summary.cell_rows is not None else diagnostic)
    return found


def lint_bytes(
    filename: str,
    data: bytes,
    enabled: CodeFilter | None = None,
    notebook: bool = False,
    with_schedules: bool = False,
    torch_version: str | None = None,
) -> FileResult:
    """Lint one file's content on its own, both stages. Never raises for bad input.

    `enabled` and `torch_version` default as the command line's do: the rules selected by default
    (not LR100, which is on only when selected by its code), and the installed torch's release (the
    newest lrlint knows when torch is not installed)."""
    if torch_version is None:
        from lrlint.config import installed_torch_version

        torch_version = installed_torch_version()
    if enabled is None:
        from lrlint.config import default_selection

        enabled = default_selection().__contains__
    summary = analyze_file(filename, data, notebook, torch_version)
    found = summary.diagnostics + project_diagnostics([summary], torch_version)
    found += suppression_diagnostics(summary, enabled)
    found = [d for d in found if enabled(d.code)]
    found.sort(key=Diagnostic.sort_key)
    result = FileResult(filename, found, summary.parsed, summary.notes)
    if with_schedules:
        result.schedules = schedules_of(summary)
    return result



def check_file_syntax(filename: str, data: bytes, notebook: bool = False) -> FileSummary | None:
    """A file named on the command line that nothing analysed reaches: only whether it is Python.
    CPython's parser on a file within the size and density bounds needs no child process (it is
    linear, unlike libcst's). The summary says what is wrong with it or that nothing is; None when
    CPython rejects it: its verdict (E999, or E903 for newer syntax, which asks libcst) is the
    bounded analysis's."""
    summary = FileSummary(filename)
    try:
        if len(data) > (MAX_NOTEBOOK_BYTES if notebook else MAX_FILE_BYTES):
            raise too_large(notebook)
        if notebook:
            from lrlint.notebook import NotebookError, load_notebook

            try:
                nb = load_notebook(data, filename)
            except NotebookError as exc:
                raise SourceError("E902", str(exc).removeprefix(f"{filename}: ")) from None
            text = nb.text if nb.code_cells else ""
        else:
            text = decode(data).text
    except SourceError as exc:
        summary.diagnostics.append(file_error(filename, exc.code, exc.message, exc.row, exc.column))
        return summary
    dense = too_dense(text.encode("utf-8", "surrogatepass") if notebook else data)
    if dense is not None:
        summary.diagnostics.append(file_error(filename, dense.code, dense.message))
        return summary
    return summary if check_syntax(text) is None else None
