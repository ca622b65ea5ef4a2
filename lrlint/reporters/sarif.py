"""SARIF 2.1.0, the format GitHub code scanning (and most CI dashboards) ingest.

Every rule of the catalogue, and lrlint's own E999/E902, is listed in `tool.driver.rules`, so a
result's `ruleIndex` is stable between runs. Columns are code points, as lrlint counts them.
Under --verify, a result's property bag holds the verdict: `properties.verification`.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote

from lrlint import __version__
from lrlint.catalogue import RuleInfo, rules
from lrlint.diagnostics import DOCS_URL, IO_ERROR, SYNTAX_ERROR, Diagnostic
from lrlint.report import Report
from lrlint.reporters._json import dumps
from lrlint.reporters._paths import relative_parts

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/lrlint/lrlint"
SRCROOT = "%SRCROOT%"

# lrlint's reports about an input, which are no rules of the catalogue.
_BUILTIN = {
    SYNTAX_ERROR: ("syntax-error", "The file could not be parsed as Python, so it went unchecked."),
    IO_ERROR: ("io-error", "The file could not be read or decoded, so it was not checked."),
}


def render(report: Report) -> str:
    descriptors, index = _rules(report.diagnostics)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "lrlint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": descriptors,
            }
        },
        "invocations": [{"executionSuccessful": True}],
        "originalUriBaseIds": {SRCROOT: {"uri": _directory_uri(report.cwd)}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(d, index[d.code], report.cwd) for d in report.diagnostics],
    }
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return dumps(log, indent=2) + "\n"


def _rules(diagnostics: list[Diagnostic]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    descriptors = [_catalogue_rule(info) for info in rules().values()]
    descriptors += [_builtin_rule(code, *about) for code, about in _BUILTIN.items()]
    known = {d["id"] for d in descriptors}
    for diag in diagnostics:  # a code outside the catalogue still gets a valid ruleIndex
        if diag.code not in known:
            descriptors.append(_builtin_rule(diag.code, diag.name, diag.name, diag.severity))
            known.add(diag.code)
    return descriptors, {d["id"]: i for i, d in enumerate(descriptors)}


def _catalogue_rule(info: RuleInfo) -> dict[str, Any]:
    plain = "\n\n".join(
        part.strip() for part in (info.summary, info.what_it_does, info.why_is_this_bad)
    )
    return {
        "id": info.code,
        "name": info.name,
        "shortDescription": {"text": info.summary},
        "fullDescription": {"text": info.what_it_does.strip()},
        "help": {"text": plain, "markdown": info.markdown()},
        "helpUri": DOCS_URL.format(code=info.code),
        "defaultConfiguration": {"level": _level(info.severity)},
    }


def _builtin_rule(code: str, name: str, text: str, severity: str = "error") -> dict[str, Any]:
    return {
        "id": code,
        "name": name,
        "shortDescription": {"text": text},
        "fullDescription": {"text": text},
        "help": {"text": text, "markdown": f"# {name} ({code})\n\n{text}\n"},
        "defaultConfiguration": {"level": _level(severity)},
    }


def _level(severity: str) -> str:
    return "warning" if severity == "warning" else "error"


def _result(d: Diagnostic, rule_index: int, cwd: Path) -> dict[str, Any]:
    start_row, start_col = max(d.location.row, 1), max(d.location.column, 1)
    end_row, end_col = max(d.end_location.row, 1), max(d.end_location.column, 1)
    if (end_row, end_col) < (start_row, start_col):
        end_row, end_col = start_row, start_col  # an empty region rather than an invalid one
    # The region's rows are the cell's own for a notebook: the message says which cell.
    text = f"cell {d.cell}: {d.message}" if d.cell is not None else d.message
    result: dict[str, Any] = {
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": _level(d.severity),
        "message": {"text": text},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": _artifact(d.filename, cwd),
                    "region": {
                        "startLine": start_row,
                        "startColumn": start_col,
                        "endLine": end_row,
                        "endColumn": end_col,
                    },
                }
            }
        ],
    }
    if d.verification is not None:
        result["properties"] = {"verification": _verification(d)}
    return result


def _verification(d: Diagnostic) -> dict[str, Any]:
    """--verify's verdict in the result's property bag (the trajectory stays in the JSON output)."""
    v = d.verification
    assert v is not None
    return {"status": v.status, "evidence": v.evidence, "device": v.device, "torch_version": v.torch_version}


def _artifact(filename: str, cwd: Path) -> dict[str, str]:
    parts = relative_parts(filename, cwd)
    if parts:
        return {"uri": quote("/".join(parts), safe="/"), "uriBaseId": SRCROOT}
    path = PurePath(filename)
    absolute = Path(path) if path.is_absolute() else Path(cwd) / path
    return {"uri": Path(os.path.abspath(absolute)).as_uri()}


def _directory_uri(cwd: Path) -> str:
    uri = Path(cwd).absolute().as_uri()
    return uri if uri.endswith("/") else uri + "/"
