"""ruff's "full" format: each finding's header line, then its source lines with the span underlined.

```
train.py:5:31: LR001 `StepLR` has no `milestones` parameter: ...
  |
3 |
4 | optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
5 | scheduler = StepLR(optimizer, milestones=[30, 60])
  |                               ^^^^^^^^^^^^^^^^^^^ LR001
  |
```

A notebook finding quotes its cell, numbered as the cell's own lines. The plain text and the
coloured text (rich, imported only for colour) come from the same segments, so they differ by
the ANSI codes only.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from itertools import groupby

from lrlint.diagnostics import Diagnostic
from lrlint.fixing.proof import proof_line
from lrlint.report import Report
from lrlint.reporters._paths import display_path
from lrlint.reporters.text import _STATUS_STYLE, location, order_line, summary, verification_line
from lrlint.sourcelines import Lines

CONTEXT = 2  # lines shown before and after the span, as ruff
MAX_SPAN = 6  # a longer span shows its first and last lines around a `...` gutter
TAB = "    "

Segment = tuple[str, str]  # (text, rich style; "" for none)
Line = list[Segment]


def render(report: Report, quiet: bool = False, color: bool = False, width: int = 100) -> str:
    lines: list[Line] = []
    for d, source in _with_sources(report):
        lines.append(_header(d, report.fix_marker(d)))
        extra = _verification(d)
        if extra:
            lines.append(extra)
        order = order_line(d)
        if order:
            lines.append([(order, "")])
        proof = proof_line(d)
        if proof:
            lines.append([(proof, "")])
        lines.extend(snippet(d, source))
        lines.extend(_related(d, report))
        if d.fix is not None:  # as ruff: what the fix does, shown whether or not this run applies it
            lines.append([("  = help: ", "bold"), (d.fix.message, "")])
        lines.append([])
    if not quiet:
        style = "bold green" if not report.diagnostics else "bold"
        lines.append([(summary(report), style if color else "")])
    elif lines:
        lines.pop()  # no summary follows: no blank line after the last snippet
    if color:
        return _colour(lines, width)
    return "".join("".join(text for text, _ in line) + "\n" for line in lines)


def _severity_style(d: Diagnostic) -> str:
    return "bold red" if d.severity == "error" else "bold yellow"


def _header(d: Diagnostic, marker: str = "") -> Line:
    return [(location(d), "bold"), (": ", ""), (d.code, _severity_style(d)), (" ", ""), (marker, "cyan"), (d.message, "")]


def _related(d: Diagnostic, report: Report) -> list[Line]:
    """The other places of the finding, one per line: `  = related: engine.py:43:13: optimizer.step()`."""
    found: list[Line] = []
    for r in d.related:
        cell = f"cell {r.cell}:" if r.cell is not None else ""
        where = f"{display_path(r.filename, report.cwd)}:{cell}{r.location.row}:{r.location.column}"
        found.append([("  = related: ", "bold"), (where, ""), (f": {r.message}", "")])
    return found


def _verification(d: Diagnostic) -> Line | None:
    text = verification_line(d)
    if text is None or d.verification is None:
        return None
    head = "    verify: "
    status = d.verification.status
    return [(head, ""), (status, _STATUS_STYLE.get(status, "")), (text[len(head) + len(status) :], "")]


def _with_sources(report: Report) -> Iterator[tuple[Diagnostic, Lines | None]]:
    """Each diagnostic with the rows its snippet shows, read file by file (the diagnostics are
    sorted by file): one pass over each file, keeping only those rows."""
    if not report.diagnostics:
        return
    sources = report.source_lines()
    for _, group in groupby(report.diagnostics, key=lambda d: d.filename):
        diagnostics = list(group)
        wanted: dict[int | None, set[int]] = {}
        for d in diagnostics:
            wanted.setdefault(d.cell, set()).update(_rows_shown(d, None))
        fetched = {cell: sources.rows(diagnostics[0].filename, rows, cell) for cell, rows in wanted.items()}
        for d in diagnostics:
            yield d, fetched[d.cell]


def _rows_shown(d: Diagnostic, total: int | None) -> list[int]:
    """The rows a finding's snippet shows: its span (the middle of a long one elided) with
    CONTEXT rows around, within a file of `total` lines (None: not known yet)."""
    start_row, end_row = d.location.row, max(d.end_location.row, d.location.row)
    if total is not None:
        end_row = min(end_row, total)
    first = max(1, start_row - CONTEXT)
    last = end_row + CONTEXT if total is None else min(total, end_row + CONTEXT)
    if end_row - start_row + 1 > MAX_SPAN:  # elide the middle of a long span
        keep = MAX_SPAN // 2
        return [r for r in range(first, last + 1) if r < start_row + keep or r > end_row - keep]
    return list(range(first, last + 1))


def snippet(d: Diagnostic, source: Lines | None) -> list[Line]:
    """The framed source lines of a finding; nothing when its lines cannot be shown."""
    start_row, end_row = d.location.row, max(d.end_location.row, d.location.row)
    if source is None or start_row not in source.rows:
        return []
    rows = _rows_shown(d, source.total)
    end_row = min(end_row, rows[-1])
    if any(source.rows.get(r) is None for r in rows):
        return []  # a line too long to quote, or one not read (the file changed since)
    text_of: dict[int, str] = source.rows  # type: ignore[assignment]
    last = rows[-1]
    gutter = len(str(last))
    bar: Segment = (" " * gutter + " |", "bold blue")
    out: list[Line] = [[bar]]
    mark = _severity_style(d)
    previous = None
    for row in rows:
        if previous is not None and row != previous + 1:
            out.append([("." * gutter + " |", "bold blue")])
        previous = row
        text, cells = _display(text_of[row])
        out.append([(f"{row:>{gutter}} |", "bold blue"), (" " + text if text else "", "")])
        if start_row <= row <= end_row:
            lo, hi = _span_on_row(d, row, text_of[row])
            left, right = cells[lo], max(cells[hi], cells[lo] + 1)
            label = f" {d.code}" if row == end_row else ""
            out.append([bar, (" " + " " * left + "^" * (right - left), mark), (label, mark)])
    out.append([bar])
    return out


def _span_on_row(d: Diagnostic, row: int, line: str) -> tuple[int, int]:
    """The (start, end) character offsets of the span on one line: end exclusive, clamped."""
    indent = len(line) - len(line.lstrip())
    lo = d.location.column - 1 if row == d.location.row else indent
    if d.end_location.row == row:
        hi = d.end_location.column - 1
    elif d.end_location.row < row:  # an inverted or empty span: one caret at the start
        hi = lo
    else:
        hi = len(line.rstrip())
    lo = min(max(lo, 0), len(line))
    hi = min(max(hi, lo), len(line))
    return lo, hi


def _display(line: str) -> tuple[str, list[int]]:
    """The line as printed (tabs expanded, control characters replaced) and, for each character
    offset (and one past the end), the terminal column it starts at."""
    shown: list[str] = []
    cells = [0]
    for ch in line:
        if ch == "\t":
            piece = TAB
        elif unicodedata.category(ch) in ("Cc", "Cf") or ch in "\u2028\u2029":
            piece = "\ufffd"  # never echo an escape sequence or bidi control to the terminal
        else:
            piece = ch
        shown.append(piece)
        cells.append(cells[-1] + sum(_cell_width(c) for c in piece))
    return "".join(shown), cells


def _cell_width(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _colour(lines: list[Line], width: int) -> str:
    import io

    from rich.console import Console
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, highlight=False, soft_wrap=True, width=width)
    for line in lines:
        text = Text()
        for segment, style in line:
            text.append(segment, style=style or None)
        console.print(text)
    return buffer.getvalue()
