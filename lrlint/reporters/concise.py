"""One line per diagnostic, `path:row:col: CODE message`, then the summary line, as ruff's concise
format: grep-able (`--quiet` leaves the summary out). Under --verify each line ends with the
verdict, ` [verify: confirmed]`."""

from __future__ import annotations

from lrlint.report import Report
from lrlint.reporters._paths import display_path
from lrlint.reporters._verdict import status_tag
from lrlint.reporters.text import summary


def render(report: Report, quiet: bool = False) -> str:
    """The lines, each ending in a newline."""
    lines = []
    for d in report.diagnostics:
        path = display_path(d.filename, report.cwd)
        cell = f"cell {d.cell}:" if d.cell is not None else ""
        lines.append(f"{path}:{cell}{d.location.row}:{d.location.column}: {d.code} {report.fix_marker(d)}{d.message}{status_tag(d)}\n")
    if not quiet:
        lines.append(summary(report) + "\n")
    return "".join(lines)
