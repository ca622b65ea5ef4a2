"""JUnit XML, for CI systems that show test reports: one suite per file, one case per finding.

E999/E902 (a file lrlint could not check) are `<error>`s; rule findings are `<failure>`s. A clean
run is one passing test case ("No errors found"), as in ruff: a CI that counts test cases sees the
check ran. Under --verify a failure's text goes on with torch's verdict, and the case carries it as
the property `verify` (its status).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from lrlint.diagnostics import IO_ERROR, SYNTAX_ERROR, Diagnostic
from lrlint.report import Report
from lrlint.reporters._paths import posix_path
from lrlint.reporters._text import escape_surrogates
from lrlint.reporters._verdict import verdict_lines

# Characters XML 1.0 cannot carry at all, not even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", escape_surrogates(text))


def render(report: Report) -> str:
    by_file: dict[str, list[Diagnostic]] = {}
    for d in report.diagnostics:
        by_file.setdefault(posix_path(d.filename, report.cwd), []).append(d)

    errors = sum(d.code in (SYNTAX_ERROR, IO_ERROR) for d in report.diagnostics)
    root = ET.Element("testsuites", _counts("lrlint", len(report.diagnostics), errors))
    if not by_file:
        root.set("tests", "1")
        suite = ET.SubElement(root, "testsuite", {**_counts("lrlint", 1, 0), "failures": "0", "skipped": "0"})
        ET.SubElement(suite, "testcase", {"name": "No errors found", "classname": "lrlint"})
    for path, diagnostics in by_file.items():
        file_errors = sum(d.code in (SYNTAX_ERROR, IO_ERROR) for d in diagnostics)
        attrs = {**_counts(_xml(path), len(diagnostics), file_errors), "skipped": "0"}
        suite = ET.SubElement(root, "testsuite", attrs)
        for d in diagnostics:
            _testcase(suite, path, d)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def _counts(name: str, findings: int, errors: int) -> dict[str, str]:
    return {
        "name": name,
        "tests": str(findings),
        "failures": str(findings - errors),
        "errors": str(errors),
    }


def _testcase(suite: ET.Element, path: str, d: Diagnostic) -> None:
    cell = f"cell {d.cell}:" if d.cell is not None else ""
    where = f"{cell}{d.location.row}:{d.location.column}"
    case = ET.SubElement(
        suite,
        "testcase",
        {
            "name": _xml(f"{d.code} ({d.name}) at {where}"),
            "classname": _xml(path),
            "file": _xml(path),
            "line": str(d.location.row),
        },
    )
    if d.verification is not None:
        properties = ET.SubElement(case, "properties")
        ET.SubElement(properties, "property", {"name": "verify", "value": d.verification.status})
    kind = "error" if d.code in (SYNTAX_ERROR, IO_ERROR) else "failure"
    outcome = ET.SubElement(case, kind, {"message": _xml(d.message), "type": d.code})
    outcome.text = _xml("\n".join([f"{path}:{where}: {d.code} {d.message}", *verdict_lines(d)]))
