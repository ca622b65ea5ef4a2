"""One line per diagnostic, `path:row:col: CODE message`, as ruff's concise format: grep-able."""

from __future__ import annotations

from lrlint.report import Report
from lrlint.reporters._paths import display_path


def render(report: Report) -> str:
    """The lines, each ending in a newline; empty text when there is nothing to report."""
    lines = []
    for d in report.diagnostics:
        path = display_path(d.filename, report.cwd)
        cell = f"cell {d.cell}:" if d.cell is not None else ""
        lines.append(f"{path}:{cell}{d.location.row}:{d.location.column}: {d.code} {report.fix_marker(d)}{d.message}\n")
    return "".join(lines)
