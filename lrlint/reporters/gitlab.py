"""GitLab Code Quality (a Code Climate JSON array), in the shape of ruff's `--output-format gitlab`.

Each finding: `check_name` (the code), `description` (`CODE: message`: GitLab shows no other
field), `severity` (`major` for errors, `minor` for warnings), `fingerprint` and `location {path,
positions {begin, end: {line, column}}}`. Paths are relative to `$CI_PROJECT_DIR` when GitLab sets
it, else to the current directory. A notebook finding points at the row of the `.ipynb` file
that stores its cell line (column 1), as in SARIF.

The fingerprint is what GitLab compares between a merge request and its target branch, so it must
not change while the finding stays: like ruff's, it hashes the code and the path only (not the
line, which moves when code is added above), and the n-th finding of one code in one file gets
its own by hashing in the fingerprint before it. It is a SHA-256 prefix: stable across runs,
machines and Python versions.

Under --verify the description ends with the verdict (` [verify: confirmed]`: GitLab shows no
other field), and Code Climate's `content.body` holds torch's evidence as the text format prints it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from lrlint.diagnostics import Diagnostic
from lrlint.report import Report
from lrlint.reporters._json import dumps
from lrlint.reporters._paths import posix_path
from lrlint.reporters._verdict import status_tag, verdict_lines

PROJECT_DIR_ENV = "CI_PROJECT_DIR"


def render(report: Report) -> str:
    project = os.environ.get(PROJECT_DIR_ENV)
    seen: set[str] = set()
    issues = []
    for d in report.diagnostics:
        path = _path(d.filename, report.cwd, project)
        fingerprint = _fingerprint(d.code, path, "")
        while fingerprint in seen:  # the same code again in the same file
            fingerprint = _fingerprint(d.code, path, fingerprint)
        seen.add(fingerprint)
        issue: dict[str, Any] = {
            "check_name": d.code,
            "description": f"{d.code}: {d.message}{status_tag(d)}",
            "severity": "major" if d.severity == "error" else "minor",
            "fingerprint": fingerprint,
            "location": {"path": path, "positions": _positions(d, report)},
        }
        verdict = verdict_lines(d)
        if verdict:
            issue["content"] = {"body": "\n\n".join(verdict)}
        issues.append(issue)
    return dumps(issues, indent=2) + "\n"


def _path(filename: str, cwd: Path, project: str | None) -> str:
    if not project:
        return posix_path(filename, cwd)
    absolute = os.path.abspath(os.path.join(cwd, filename))
    try:
        return Path(os.path.relpath(absolute, os.path.abspath(project))).as_posix()
    except ValueError:  # another drive
        return Path(absolute).as_posix()


def _fingerprint(code: str, path: str, salt: str) -> str:
    blob = "\0".join((salt, code, path)).encode("utf-8", "surrogateescape")
    return hashlib.sha256(blob).hexdigest()[:32]


def _positions(d: Diagnostic, report: Report) -> dict[str, Any]:
    if d.cell is not None:
        from lrlint.reporters.sarif import notebook_rows

        rows = notebook_rows(d, report) or (1, 1)
        return {"begin": {"line": rows[0], "column": 1}, "end": {"line": rows[1], "column": 1}}
    end = d.end_location if d.end_location >= d.location else d.location
    return {
        "begin": {"line": d.location.row, "column": d.location.column},
        "end": {"line": end.row, "column": end.column},
    }
