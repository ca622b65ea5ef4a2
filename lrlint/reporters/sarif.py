"""SARIF 2.1.0, the format GitHub code scanning (and most CI dashboards) ingest.

Every rule of the catalogue, and lrlint's own input codes (E902, E903, E999) with the same
documentation as `lrlint rule`, is listed in `tool.driver.rules`, so a result's `ruleIndex` is
stable between runs. Columns are code points, as lrlint counts them.

A notebook finding points at the row of the `.ipynb` file where its cell line is stored (the
line of the JSON string holding that code, which is what GitHub shows and fingerprints), without
columns (they would count inside the JSON); the message starts with `cell N, line R:` and
`properties` carries the cell and the region within the cell. Under --verify, a result's property
bag holds the verdict: `properties.verification`.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote

from lrlint import __version__
from lrlint.catalogue import RuleInfo, codes
from lrlint.diagnostics import DOCS_URL, Diagnostic, RelatedLocation
from lrlint.report import Report
from lrlint.reporters._json import dumps
from lrlint.reporters._paths import relative_parts

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/lrlint/lrlint"
SRCROOT = "%SRCROOT%"

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
        "results": [_result(d, index[d.code], report) for d in report.diagnostics],
    }
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return dumps(log, indent=2) + "\n"


def _rules(diagnostics: list[Diagnostic]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    descriptors = [_catalogue_rule(info) for info in codes().values()]
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


def _region(d: Diagnostic) -> dict[str, int]:
    start_row, start_col = max(d.location.row, 1), max(d.location.column, 1)
    end_row, end_col = max(d.end_location.row, 1), max(d.end_location.column, 1)
    if (end_row, end_col) < (start_row, start_col):
        end_row, end_col = start_row, start_col  # an empty region rather than an invalid one
    return {"startLine": start_row, "startColumn": start_col, "endLine": end_row, "endColumn": end_col}


def notebook_rows(d: Diagnostic, report: Report) -> tuple[int, int] | None:
    """The rows of the `.ipynb` file holding the first and last line of a cell finding."""
    assert d.cell is not None
    sources = report.source_lines()
    start = sources.notebook_row(d.filename, d.cell, d.location.row)
    if start is None:
        return None
    end = sources.notebook_row(d.filename, d.cell, max(d.end_location.row, d.location.row))
    return start, max(end or start, start)


def _result(d: Diagnostic, rule_index: int, report: Report) -> dict[str, Any]:
    region = _region(d)
    result: dict[str, Any] = {
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": _level(d.severity),
        "message": {"text": d.message},
    }
    properties: dict[str, Any] = {}
    if d.cell is not None:
        result["message"]["text"] = f"cell {d.cell}, line {d.location.row}: {d.message}"
        properties.update(notebookCell=d.cell, cellRegion=region)
        rows = notebook_rows(d, report)
        # GitHub needs a startLine; without the notebook's text, the file's first line.
        region = {"startLine": rows[0], "endLine": rows[1]} if rows else {"startLine": 1}
    if d.verification is not None:
        properties["verification"] = _verification(d)
    if properties:
        result["properties"] = properties
    result["locations"] = [
        {"physicalLocation": {"artifactLocation": _artifact(d.filename, report.cwd), "region": region}}
    ]
    if d.related:
        result["relatedLocations"] = [_related(index, r, report) for index, r in enumerate(d.related)]
    return result


def _related(index: int, r: RelatedLocation, report: Report) -> dict[str, Any]:
    text = r.message if r.cell is None else f"cell {r.cell}, line {r.location.row}: {r.message}"
    if r.cell is None:
        region = {"startLine": r.location.row, "startColumn": r.location.column}
    else:  # the row of the .ipynb file storing that cell line, as for the result itself
        row = report.source_lines().notebook_row(r.filename, r.cell, r.location.row)
        region = {"startLine": row or 1}
    return {
        "id": index,
        "physicalLocation": {"artifactLocation": _artifact(r.filename, report.cwd), "region": region},
        "message": {"text": text},
    }


def _verification(d: Diagnostic) -> dict[str, Any]:
    """--verify's verdict in the result's property bag (the trajectory stays in the JSON output)."""
    v = d.verification
    assert v is not None
    return {"status": v.status, "evidence": v.evidence, "device": v.device, "torch_version": v.torch_version}


def _artifact(filename: str, cwd: Path) -> dict[str, str]:
    parts = relative_parts(filename, cwd)
    if parts:
        # The name's bytes, percent-encoded: a name that is not UTF-8 still names its file.
        return {"uri": quote(os.fsencode("/".join(parts)), safe="/"), "uriBaseId": SRCROOT}
    path = PurePath(filename)
    absolute = Path(path) if path.is_absolute() else Path(cwd) / path
    return {"uri": Path(os.path.abspath(absolute)).as_uri()}


def _directory_uri(cwd: Path) -> str:
    uri = Path(cwd).absolute().as_uri()
    return uri if uri.endswith("/") else uri + "/"
