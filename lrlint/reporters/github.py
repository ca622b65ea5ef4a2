"""GitHub Actions workflow commands: each diagnostic becomes an annotation on the pull request.

Escaping follows the Actions toolkit: `%`, `\\r`, `\\n` in the message; also `:` and `,` in the
`key=value` properties, which those characters would otherwise split.
"""

from __future__ import annotations

from lrlint.report import Report
from lrlint.reporters._paths import posix_path


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Report) -> str:
    lines = []
    for d in report.diagnostics:
        level = "warning" if d.severity == "warning" else "error"
        props = {
            "file": posix_path(d.filename, report.cwd),
            "line": str(d.location.row),
            "col": str(d.location.column),
            "endLine": str(max(d.end_location.row, d.location.row)),
            "endColumn": str(d.end_location.column),
            "title": f"{d.code} ({d.name})",
        }
        joined = ",".join(f"{key}={escape_property(value)}" for key, value in props.items())
        # Annotations show the file and line only; for a notebook the cell is in the message.
        message = f"cell {d.cell}: {d.message}" if d.cell is not None else d.message
        lines.append(f"::{level} {joined}::{escape_data(message)}\n")
    return "".join(lines)
