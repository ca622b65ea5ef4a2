"""One file in, diagnostics out: decode → prefilter → libcst parse → facts → rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from lrlint.diagnostics import Diagnostic, file_error
from lrlint.prefilter import may_have_findings
from lrlint.source import SourceError, check_syntax, decode

CodeFilter = Callable[[str], bool]


@dataclass
class FileResult:
    filename: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    parsed: bool = False  # False when the prefilter proved the file cannot hold a finding
    # One-line notes for the user about analysis that could not be done (not findings).
    notes: list[str] = field(default_factory=list)


def lint_bytes(filename: str, data: bytes, enabled: CodeFilter | None = None) -> FileResult:
    """Lint one file's content. Never raises for bad input: it becomes an E902/E999 diagnostic."""
    result = FileResult(filename)
    try:
        source = decode(data)
    except SourceError as exc:
        result.diagnostics.append(file_error(filename, exc.code, exc.message, exc.row, exc.column))
        return result
    if not may_have_findings(data):
        return result
    result.parsed = True
    error = check_syntax(source.text)
    if error is not None:
        result.diagnostics.append(file_error(filename, error.code, error.message, error.row, error.column))
        return result
    try:
        result.diagnostics.extend(lint_text(filename, source.text, enabled))
    except RecursionError:
        result.notes.append(f"{filename}: nesting too deep to analyse, skipped")
    return result


def lint_text(filename: str, text: str, enabled: CodeFilter | None = None) -> list[Diagnostic]:
    """Parse with libcst and run every enabled rule; `text` must already be valid Python."""
    # Imported here: a run whose files all fail the prefilter never pays for libcst.
    import libcst as cst

    from lrlint.catalogue import rules as catalogue
    from lrlint.facts.collector import collect_facts
    from lrlint.rules import all_rules

    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        # CPython accepted it: syntax newer than this libcst knows.
        message = f"libcst cannot parse this file: {exc.message}"
        return [file_error(filename, "E999", message, exc.raw_line, exc.raw_column + 1)]
    facts = collect_facts(cst.MetadataWrapper(module, unsafe_skip_copy=True))
    info = catalogue()
    found: list[Diagnostic] = []
    for rule in all_rules():
        if enabled is not None and not enabled(rule.code):
            continue
        meta = info[rule.code]
        for finding in rule.check(facts):
            found.append(
                Diagnostic(
                    code=rule.code,
                    name=meta.name,
                    message=finding.message,
                    severity=meta.severity,
                    filename=filename,
                    location=finding.span.start,
                    end_location=finding.span.end,
                    scenario=finding.scenario,
                )
            )
    found.sort(key=Diagnostic.sort_key)
    return found
