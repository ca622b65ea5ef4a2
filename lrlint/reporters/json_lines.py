"""One JSON object per line (JSON Lines), each a diagnostic in the shape of the json format: ruff's
`--output-format json-lines`. A clean run writes nothing."""

from __future__ import annotations

from lrlint.report import Report
from lrlint.reporters._json import dumps


def render(report: Report) -> str:
    return "".join(dumps(d.to_json(), separators=(",", ":")) + "\n" for d in report.diagnostics)
