"""A JSON array of diagnostics in the shape of ruff's `--output-format json`."""

from __future__ import annotations

import json

from lrlint.report import Report


def render(report: Report) -> str:
    return json.dumps([d.to_json() for d in report.diagnostics], indent=2) + "\n"
