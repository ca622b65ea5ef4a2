"""`--add-noqa`: a `# noqa: CODE` for every remaining finding, for adopting lrlint on a large
codebase one rule at a time.

Per line, as ruff does: the codes of the line's findings are added to the `# noqa: ...` already
there (a bare `# noqa` already covers them), or a new `  # noqa: CODES` ends the line, after any
comment it has. A finding inside a multi-line string or a backslash continuation gets its
directive on the line where that ends (no comment can follow the others), which is the line
lrlint's suppressions read for it. lrlint's own input codes (E902, E903, E999) cannot be
suppressed, and LR100 (an unused directive) is never answered with another directive.
"""

from __future__ import annotations

from collections.abc import Iterable

from lrlint.diagnostics import FILE_CODES, Diagnostic, Position
from lrlint.fixing.documents import Document, NotebookDocument
from lrlint.rules.base import Edit

NOT_SUPPRESSED = frozenset({*FILE_CODES, "LR100"})


def suppressible(d: Diagnostic) -> bool:
    return d.code not in NOT_SUPPRESSED


def noqa_edits(document: Document, diagnostics: Iterable[Diagnostic]) -> list[Edit]:
    """One edit per line that needs a directive (or more codes in the one it has)."""
    by_text: dict[int | None, list[Diagnostic]] = {}
    for d in diagnostics:
        if suppressible(d):
            by_text.setdefault(d.cell, []).append(d)
    edits: list[Edit] = []
    for cell, found in sorted(by_text.items(), key=lambda item: item[0] or 0):
        edits.extend(_edits_in(document, cell, found))
    return edits


def _edits_in(document: Document, cell: int | None, found: list[Diagnostic]) -> list[Edit]:
    from lrlint.suppressions import Suppressions, noqa_rows

    if isinstance(document, NotebookDocument):
        if cell is None or cell not in document.sources:
            return []
        from lrlint.notebook import python_lines

        analysed = "".join(line + "\n" for line in python_lines(document.sources[cell]) or [])
        lines = document.lines(cell)
    else:
        analysed = document.text
        lines = document.lines
    suppressions = Suppressions.from_source(analysed)
    moved = noqa_rows(analysed)
    wanted: dict[int, set[str]] = {}
    for d in found:
        row = moved.get(d.location.row, d.location.row)
        wanted.setdefault(row, set()).add(d.code)
    edits: list[Edit] = []
    for row, codes in sorted(wanted.items()):
        if not 1 <= row <= len(lines):
            continue
        existing = suppressions.noqa_at(row)
        if existing is not None:
            column, end_column, listed = existing
            if listed is None:
                continue  # a bare `# noqa` covers every code already
            merged = list(listed) + sorted(codes - set(listed))
            if len(merged) == len(listed):
                continue
            text = "# noqa: " + ", ".join(merged)
            edits.append(Edit(Position(row, column), Position(row, end_column), text, cell))
        else:
            line = lines.line(row)
            end = len(line.rstrip())
            text = "  # noqa: " + ", ".join(sorted(codes))
            edits.append(Edit(Position(row, end + 1), Position(row, len(line) + 1), text, cell))
    return edits
