"""A JSON array of diagnostics in the shape of ruff's `--output-format json`."""

from __future__ import annotations

from lrlint.report import Report
from lrlint.reporters._json import dumps


def render(report: Report) -> str:
    return dumps([d.to_json() for d in report.diagnostics], indent=2) + "\n"
