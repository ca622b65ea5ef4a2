"""One file in, diagnostics out: decode → prefilter → syntax check → libcst → facts → rules →
suppressions. Pure: it reads no file and writes nothing, so results can be cached per content."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from lrlint.diagnostics import Diagnostic, Position, file_error
from lrlint.prefilter import may_have_findings
from lrlint.scenario import Scenario
from lrlint.source import SourceError, TooDeep, check_syntax, decode, may_be_newer_syntax

CodeFilter = Callable[[str], bool]


@dataclass
class FileResult:
    filename: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    parsed: bool = False  # False when the prefilter proved the file cannot hold a finding
    # One-line notes for the user about analysis that could not be done (not findings).
    notes: list[str] = field(default_factory=list)
    # Every torch scheduler built in the file, for --verify-all: (label, literal scenario).
    schedules: list[tuple[str, Scenario]] = field(default_factory=list)


def lint_bytes(
    filename: str,
    data: bytes,
    enabled: CodeFilter | None = None,
    notebook: bool = False,
    with_schedules: bool = False,
) -> FileResult:
    """Lint one file's content. Never raises for bad input: it becomes an E902/E999 diagnostic."""
    result = FileResult(filename)
    locate: Callable[[int], tuple[int, int]] | None = None
    try:
        if notebook:
            from lrlint.notebook import NotebookError, load_notebook

            try:
                nb = load_notebook(data, filename)
            except NotebookError as exc:
                # The diagnostic names the file already.
                raise SourceError("E902", str(exc).removeprefix(f"{filename}: ")) from None
            text = nb.text if nb.code_cells else ""
            locate = nb.locate if nb.code_cells else None
        else:
            text = decode(data).text
    except SourceError as exc:
        result.diagnostics.append(file_error(filename, exc.code, exc.message, exc.row, exc.column))
        return result
    # The prefilter (see prefilter.py); on a notebook, its code cells only.
    if not may_have_findings(text.encode("utf-8", "surrogatepass") if notebook else data):
        return result
    result.parsed = True
    try:
        error = check_syntax(text)
        if error is not None and not may_be_newer_syntax(text, error):
            found = [file_error(filename, error.code, error.message, error.row, error.column)]
        else:
            schedules = result.schedules if with_schedules else None
            found = _unsuppressed(lint_text(filename, text, enabled, schedules, error, locate), text)
    except (TooDeep, RecursionError):
        result.notes.append(f"{filename}: nesting too deep to analyse, skipped")
        return result
    if locate is not None:
        found = [_in_cell(d, locate) for d in found]
    result.diagnostics.extend(found)
    return result


def _unsuppressed(found: list[Diagnostic], text: str) -> list[Diagnostic]:
    if not found:
        return found
    from lrlint.suppressions import Suppressions

    suppressions = Suppressions.from_source(text)
    return [d for d in found if not suppressions.is_suppressed(d.code, d.location.row)]


def _in_cell(d: Diagnostic, locate: Callable[[int], tuple[int, int]]) -> Diagnostic:
    cell, row = locate(d.location.row)
    end_cell, end_row = locate(d.end_location.row)
    if end_cell != cell:  # a span cannot cross cells; clamp it to its start
        end_row, end_column = row, d.location.column
    else:
        end_column = d.end_location.column
    d.cell = cell
    d.location = Position(row, d.location.column)
    d.end_location = Position(end_row, end_column)
    return d


def _place(row: int, locate: Callable[[int], tuple[int, int]] | None) -> str:
    """A row for a message: `line 17`, or in a notebook `cell 3, line 4`."""
    if locate is None:
        return f"line {row}"
    cell, in_cell = locate(row)
    return f"cell {cell}, line {in_cell}"


def _label(filename: str, row: int, locate: Callable[[int], tuple[int, int]] | None) -> str:
    """A row for a --verify-all label: `train.py:12`, or `nb.ipynb:cell 3:4`."""
    if locate is None:
        return f"{filename}:{row}"
    cell, in_cell = locate(row)
    return f"{filename}:cell {cell}:{in_cell}"


def lint_text(
    filename: str,
    text: str,
    enabled: CodeFilter | None = None,
    schedules: list[tuple[str, Scenario]] | None = None,
    cpython_error: SourceError | None = None,
    locate: Callable[[int], tuple[int, int]] | None = None,
) -> list[Diagnostic]:
    """Parse with libcst and run every enabled rule.

    `cpython_error` is what the running CPython said of `text`, when it rejected syntax that a newer
    Python may accept (PEP 695, PEP 701, ...): reported only if libcst rejects it too.
    """
    # Imported here: a run whose files all fail the prefilter never pays for libcst.
    import libcst as cst

    from lrlint.catalogue import rules as catalogue
    from lrlint.facts.collector import collect_facts
    from lrlint.facts.scenarios import build_scenario
    from lrlint.rules import all_rules
    from lrlint.rules.base import RELATED

    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        if cpython_error is not None:
            e = cpython_error
            return [file_error(filename, e.code, e.message, e.row, e.column)]
        # CPython accepted it: syntax newer than this libcst knows.
        message = f"libcst cannot parse this file: {exc.message}"
        return [file_error(filename, "E999", message, exc.raw_line, exc.raw_column + 1)]
    facts = collect_facts(cst.MetadataWrapper(module, unsafe_skip_copy=True))
    if schedules is not None:
        for fact in facts.schedulers:
            schedules.append((_label(filename, fact.span.start.row, locate), build_scenario(fact, facts)))
    info = catalogue()
    found: list[Diagnostic] = []
    for rule in all_rules():
        if enabled is not None and not enabled(rule.code):
            continue
        meta = info[rule.code]
        for finding in rule.check(facts):
            message = finding.message
            if finding.related is not None:
                message = message.replace(RELATED, _place(finding.related.row, locate))
            found.append(
                Diagnostic(
                    code=rule.code,
                    name=meta.name,
                    message=message,
                    severity=meta.severity,
                    filename=filename,
                    location=finding.span.start,
                    end_location=finding.span.end,
                    scenario=finding.scenario,
                )
            )
    found.sort(key=Diagnostic.sort_key)
    return found
