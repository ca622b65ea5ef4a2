"""GitHub Actions workflow commands: each diagnostic becomes an annotation on the pull request.

Escaping follows the Actions toolkit: `%`, `\\r`, `\\n` in the message; also `:` and `,` in the
`key=value` properties, which those characters would otherwise split.

A notebook finding is placed on the row of the `.ipynb` file where its cell line is stored (no
columns: they would count inside the JSON), its title names the cell, and its message starts
with `cell N, line R:`. Under --verify the message goes on with torch's verdict, on lines of its
own as the text format prints it.
"""

from __future__ import annotations

from lrlint.report import Report
from lrlint.reporters._paths import posix_path
from lrlint.reporters._verdict import verdict_lines


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
        message = d.message
        if d.cell is not None:
            from lrlint.reporters.sarif import notebook_rows

            rows = notebook_rows(d, report)
            del props["col"], props["endColumn"]
            props["line"], props["endLine"] = (str(rows[0]), str(rows[1])) if rows else ("1", "1")
            props["title"] += f" in cell {d.cell}"
            message = f"cell {d.cell}, line {d.location.row}: {d.message}"
        verdict = verdict_lines(d)
        if verdict:
            message += "\n\n" + "\n".join(verdict)
        joined = ",".join(f"{key}={escape_property(value)}" for key, value in props.items())
        lines.append(f"::{level} {joined}::{escape_data(message)}\n")
    return "".join(lines)
