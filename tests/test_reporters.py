"""The CI reporters, each parsed back: concise and GitHub lines by regex, SARIF by JSON schema,
JUnit by xml.etree. Reports are built by hand from Diagnostics."""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jsonschema
import pytest

from lrlint import __version__
from lrlint.catalogue import lookup, rules
from lrlint.diagnostics import DOCS_URL, Diagnostic, Position, Verification, file_error
from lrlint.report import Report
from lrlint.reporters import concise, github, junit, sarif
from lrlint.reporters import json as json_reporter
from lrlint.reporters._json import dumps
from lrlint.sourcelines import SourceLines
from lrlint.trajectory import Trajectory

CWD = Path("/work/project").absolute()


def diag(
    code: str = "LR001",
    row: int = 3,
    col: int = 13,
    end: tuple[int, int] = (3, 49),
    filename: str = "train.py",
    message: str | None = None,
    cell: int | None = None,
) -> Diagnostic:
    info = rules()[code]
    return Diagnostic(
        code=code,
        name=info.name,
        message=message or info.summary,
        severity=info.severity,
        filename=filename,
        location=Position(row, col),
        end_location=Position(*end),
        cell=cell,
    )


# nb/explore.ipynb as nbformat writes it: cell 4's lines 2-4 are rows 29-31 of the file.
NOTEBOOK_TEXT = json.dumps(
    {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Explore\n"]},
            {"cell_type": "code", "metadata": {}, "outputs": [], "source": ["import torch"]},
            {"cell_type": "markdown", "metadata": {}, "source": "text"},
            {"cell_type": "code", "metadata": {}, "outputs": [],
             "source": ["m = MultiStepLR(\n", "    opt,\n", "    milestones=[5, 5],\n", ")\n"]},
        ],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    },
    indent=1,
)  # fmt: skip


def report(*diagnostics: Diagnostic, files: int = 3, notebook: bool = True) -> Report:
    # Kept in the given order: sorting is the linter's job, reporters must not reorder.
    given = {"nb/explore.ipynb": NOTEBOOK_TEXT.encode()} if notebook else {}
    return Report(diagnostics=list(diagnostics), files_checked=files, cwd=CWD, sources=SourceLines(CWD, given))


MIXED = report(
    file_error("broken.py", "E999", "SyntaxError: invalid syntax", 7, 5),
    diag("LR003", 2, 1, (4, 2), filename="nb/explore.ipynb", cell=4),
    diag("LR001", 3, 13, (3, 49), filename=str(CWD / "src" / "train.py")),  # absolute, below cwd
    diag("LR005", 12, 9, (12, 25), filename="src/train.py"),
)


# ---------------------------------------------------------------------------------- concise

CONCISE_LINE = re.compile(r"^(?P<path>[^:]+):(?:cell (?P<cell>\d+):)?(?P<row>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d+) (?P<msg>.+)$")


def test_concise_one_line_per_diagnostic() -> None:
    text = concise.render(MIXED, quiet=True)
    assert text.endswith("\n")
    lines = text.splitlines()
    assert lines == [
        "broken.py:7:5: E999 SyntaxError: invalid syntax",
        "nb/explore.ipynb:cell 4:2:1: LR003 " + rules()["LR003"].summary,
        "src/train.py:3:13: LR001 " + rules()["LR001"].summary,
        "src/train.py:12:9: LR005 " + rules()["LR005"].summary,
    ]
    for line in lines:
        assert CONCISE_LINE.match(line), line


def test_concise_ends_with_the_summary_line_as_ruff() -> None:
    lines = concise.render(MIXED).splitlines()
    assert lines[:-1] == concise.render(MIXED, quiet=True).splitlines()
    assert lines[-1].startswith("Found 2 errors and 2 warnings in ")  # the text format's summary
    assert concise.render(report(files=3)) == "All checks passed! (3 files checked)\n"


def test_concise_keeps_paths_outside_the_cwd_as_given() -> None:
    text = concise.render(report(diag(filename="/elsewhere/x.py"), diag(filename="../up.py")))
    assert text.splitlines()[0].startswith("/elsewhere/x.py:3:13: LR001 ")
    assert text.splitlines()[1].startswith("../up.py:3:13: LR001 ")


def test_concise_empty_report_prints_nothing() -> None:
    assert concise.render(report(), quiet=True) == ""


# ---------------------------------------------------------------------------------- github

GITHUB_LINE = re.compile(
    r"^::(?P<level>error|warning) file=(?P<file>[^,:]+),line=(?P<line>\d+),col=(?P<col>\d+),"
    r"endLine=(?P<endLine>\d+),endColumn=(?P<endColumn>\d+),title=(?P<title>[^,:]+)::(?P<msg>[^\r\n]*)$"
)


def unescape(text: str) -> str:
    for escaped, raw in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, raw)
    return text


def test_github_annotations() -> None:
    lines = github.render(MIXED).splitlines()
    parsed = [GITHUB_LINE.match(line) for line in lines]
    assert all(parsed[i] for i in (0, 2, 3)), lines  # [1], a notebook finding, has no columns
    first = {k: unescape(v) for k, v in parsed[2].groupdict().items()}  # type: ignore[union-attr]
    assert first == {
        "level": "error", "file": "src/train.py", "line": "3", "col": "13", "endLine": "3",
        "endColumn": "49", "title": "LR001 (steplr-milestones)", "msg": rules()["LR001"].summary,
    }  # fmt: skip
    levels = [line[2:].split(" ", 1)[0] for line in lines]
    assert levels == ["error", "warning", "error", "warning"]  # LR003/LR005 are warnings
    assert "col=" not in lines[1] and "endColumn=" not in lines[1]  # columns would count inside the JSON
    notebook = {k: unescape(v) for k, v in re.match(r"::(\w+) (?P<props>[^:]+)::(?P<msg>.*)", lines[1]).groupdict().items()}  # type: ignore[union-attr]
    props = dict(item.split("=", 1) for item in notebook["props"].split(","))
    assert props == {"file": "nb/explore.ipynb", "line": "29", "endLine": "31", "title": "LR003 (milestones-not-increasing) in cell 4"}
    assert notebook["msg"] == "cell 4, line 2: " + rules()["LR003"].summary
    rows = NOTEBOOK_TEXT.splitlines()
    assert rows[28].strip() == '"    opt,\\n",' and rows[30].strip() == '")\\n"'  # rows 29 and 31


def test_github_notebook_without_its_text_points_at_the_first_row() -> None:
    nb = diag("LR003", 2, 1, (4, 2), filename="nb/explore.ipynb", cell=4)
    [line] = github.render(report(nb, notebook=False)).splitlines()
    assert ",line=1,endLine=1,title=LR003 (milestones-not-increasing) in cell 4::cell 4, line 2: " in line


def test_github_escaping() -> None:
    tricky = diag(
        "LR004",
        message="100% sure:\r\nline two, really",
        filename="dir,with:odd/50%.py",
    )
    [line] = github.render(report(tricky)).splitlines()
    assert line == (
        "::warning file=dir%2Cwith%3Aodd/50%25.py,line=3,col=13,endLine=3,endColumn=49,"
        "title=LR004 (gamma-not-decaying)::100%25 sure:%0D%0Aline two, really"
    )
    match = GITHUB_LINE.match(line)
    assert match is not None
    assert unescape(match["file"]) == "dir,with:odd/50%.py"
    assert match["msg"].replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%") == (
        "100% sure:\r\nline two, really"
    )


def test_github_empty_report() -> None:
    assert github.render(report()) == ""


# ---------------------------------------------------------------------------------- junit


def test_junit_structure() -> None:
    text = junit.render(MIXED)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(text)
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "3", "1")
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["broken.py", "nb/explore.ipynb", "src/train.py"]
    train = suites[2]
    assert (train.get("tests"), train.get("failures"), train.get("errors")) == ("2", "2", "0")
    cases = train.findall("testcase")
    assert len(cases) == 2
    assert cases[0].get("name") == "LR001 (steplr-milestones) at 3:13"
    assert cases[0].get("file") == "src/train.py"
    assert cases[0].get("line") == "3"
    failure = cases[0].find("failure")
    assert failure is not None
    assert failure.get("type") == "LR001"
    assert failure.get("message") == rules()["LR001"].summary
    assert failure.text == "src/train.py:3:13: LR001 " + rules()["LR001"].summary
    assert cases[1].find("failure").get("type") == "LR005"  # type: ignore[union-attr]
    # A file that could not be checked is an error, not a failed check.
    broken = suites[0].find("testcase")
    assert broken is not None and broken.find("failure") is None
    assert broken.find("error").get("type") == "E999"  # type: ignore[union-attr]
    nb_case = suites[1].find("testcase")
    assert nb_case.get("name") == "LR003 (milestones-not-increasing) at cell 4:2:1"  # type: ignore[union-attr]


def test_junit_no_findings_is_one_passing_test_case() -> None:
    """As ruff: a clean run is one passing case, so a CI that counts cases sees the check ran."""
    root = ET.fromstring(junit.render(report()))
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("1", "0", "0")
    [suite] = root.findall("testsuite")
    assert (suite.get("name"), suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("lrlint", "1", "0", "0")
    [case] = suite.findall("testcase")
    assert case.get("name") == "No errors found" and list(case) == []  # no failure, no error: passed


def test_junit_escapes_markup_and_drops_characters_xml_cannot_hold() -> None:
    odd = diag("LR002", message='<milestones> & "gamma"\x00\x1b end', filename="a&b.py")
    root = ET.fromstring(junit.render(report(odd)))
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None
    assert failure.get("message") == '<milestones> & "gamma"\ufffd\ufffd end'
    assert root.find("testsuite").get("name") == "a&b.py"  # type: ignore[union-attr]


# ---------------------------------------------------------------------------------- sarif


def _obj(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    # Like the real 2.1.0 schema, reject properties it does not define (catches typos).
    return {
        "type": "object",
        "required": required,
        "properties": {"properties": {"type": "object"}, **properties},
        "additionalProperties": False,
    }


MESSAGE_STRING = _obj(["text"], {"text": {"type": "string"}, "markdown": {"type": "string"}})
LEVEL = {"enum": ["none", "note", "warning", "error"]}
POSITIVE = {"type": "integer", "minimum": 1}

# The parts of the SARIF 2.1.0 schema (OASIS) that lrlint's output uses, written out by hand.
SARIF_SCHEMA: dict[str, Any] = {
    **_obj(["version", "runs"], {
        "$schema": {"type": "string"},
        "version": {"const": "2.1.0"},
        "runs": {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/run"}},
    }),
    "definitions": {
        "run": _obj(["tool"], {
            "tool": _obj(["driver"], {"driver": {"$ref": "#/definitions/toolComponent"}}),
            "invocations": {"type": "array", "items": _obj(["executionSuccessful"], {
                "executionSuccessful": {"type": "boolean"}})},
            "originalUriBaseIds": {"type": "object", "additionalProperties": {
                "$ref": "#/definitions/artifactLocation"}},
            "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]},
            "results": {"type": "array", "items": {"$ref": "#/definitions/result"}},
        }),
        "toolComponent": _obj(["name"], {
            "name": {"type": "string"},
            "version": {"type": "string"},
            "semanticVersion": {"type": "string"},
            "informationUri": {"type": "string"},
            "rules": {"type": "array", "uniqueItems": True,
                      "items": {"$ref": "#/definitions/reportingDescriptor"}},
        }),
        "reportingDescriptor": _obj(["id"], {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "shortDescription": MESSAGE_STRING,
            "fullDescription": MESSAGE_STRING,
            "help": MESSAGE_STRING,
            "helpUri": {"type": "string"},
            "defaultConfiguration": _obj([], {"level": LEVEL}),
        }),
        "result": _obj(["message"], {
            "ruleId": {"type": "string"},
            "ruleIndex": {"type": "integer", "minimum": -1},
            "level": LEVEL,
            "message": {**_obj([], {"text": {"type": "string"}, "markdown": {"type": "string"},
                                     "id": {"type": "string"}}),
                        "anyOf": [{"required": ["text"]}, {"required": ["id"]}]},
            "locations": {"type": "array", "items": _obj([], {
                "physicalLocation": {"$ref": "#/definitions/physicalLocation"}})},
        }),
        "physicalLocation": {
            **_obj([], {
                "artifactLocation": {"$ref": "#/definitions/artifactLocation"},
                "region": _obj([], {"startLine": POSITIVE, "startColumn": POSITIVE,
                                    "endLine": POSITIVE, "endColumn": POSITIVE}),
            }),
            "anyOf": [{"required": ["address"]}, {"required": ["artifactLocation"]}],
        },
        "artifactLocation": _obj([], {"uri": {"type": "string"}, "uriBaseId": {"type": "string"}}),
    },
}  # fmt: skip


def sarif_log(rep: Report) -> dict[str, Any]:
    text = sarif.render(rep)
    assert text.endswith("\n")
    log = json.loads(text)
    jsonschema.validate(log, SARIF_SCHEMA, cls=jsonschema.Draft7Validator)
    return log


def test_minimal_schema_rejects_broken_logs() -> None:
    # The schema above must be able to fail, or the validations below prove nothing.
    good = sarif_log(MIXED)
    for breakage in (
        lambda log: log.pop("version"),
        lambda log: log["runs"][0]["tool"]["driver"].pop("name"),
        lambda log: log["runs"][0]["results"][0].update(level="fatal"),
        lambda log: log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"].update(startLine=0),
        lambda log: log["runs"][0]["results"][0].update(rule_id="x"),
    ):  # fmt: skip
        broken = json.loads(json.dumps(good))
        breakage(broken)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, SARIF_SCHEMA, cls=jsonschema.Draft7Validator)


def test_sarif_driver_lists_catalogue_and_builtin_rules() -> None:
    log = sarif_log(MIXED)
    assert log["$schema"].startswith("https://") and log["$schema"].endswith("sarif-schema-2.1.0.json")
    driver = log["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("lrlint", __version__)
    assert urlsplit(driver["informationUri"]).scheme == "https"
    ids = [r["id"] for r in driver["rules"]]
    assert ids == [*rules(), "E902", "E903", "E999"]
    for descriptor in driver["rules"][:-3]:
        info = rules()[descriptor["id"]]
        assert descriptor["name"] == info.name
        assert descriptor["shortDescription"]["text"] == info.summary
        assert descriptor["fullDescription"]["text"] == info.what_it_does.strip()
        assert descriptor["help"]["markdown"] == info.markdown()
        assert info.summary in descriptor["help"]["text"]
        assert descriptor["helpUri"] == DOCS_URL.format(code=info.code)
        assert descriptor["defaultConfiguration"]["level"] == info.severity
    e999 = driver["rules"][ids.index("E999")]
    assert e999["name"] == "syntax-error" and e999["defaultConfiguration"]["level"] == "error"


def test_sarif_results() -> None:
    run = sarif_log(MIXED)["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    results = run["results"]
    assert [r["ruleId"] for r in results] == ["E999", "LR003", "LR001", "LR005"]
    for r in results:
        assert rule_ids[r["ruleIndex"]] == r["ruleId"]
    lr001 = results[2]
    assert lr001["level"] == "error"
    assert lr001["message"]["text"] == rules()["LR001"].summary
    location = lr001["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "src/train.py", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 3, "startColumn": 13, "endLine": 3, "endColumn": 49}
    assert results[3]["level"] == "warning"
    assert results[0]["message"]["text"] == "SyntaxError: invalid syntax"
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == CWD.as_uri() + "/"


def test_sarif_notebook_points_at_the_rows_of_the_cell_lines() -> None:
    result = sarif_log(MIXED)["runs"][0]["results"][1]
    assert result["message"]["text"] == "cell 4, line 2: " + rules()["LR003"].summary
    location = result["locations"][0]["physicalLocation"]
    assert location["region"] == {"startLine": 29, "endLine": 31}  # where GitHub shows that code
    assert location["artifactLocation"]["uri"] == "nb/explore.ipynb"
    assert result["properties"] == {
        "notebookCell": 4, "cellRegion": {"startLine": 2, "startColumn": 1, "endLine": 4, "endColumn": 2}
    }  # fmt: skip
    plain = sarif_log(MIXED)["runs"][0]["results"][2]
    assert "properties" not in plain  # only notebook findings carry a cell


def test_sarif_notebook_without_its_text_still_has_a_start_line() -> None:
    nb = diag("LR003", 2, 1, (4, 2), filename="nb/explore.ipynb", cell=4)
    [result] = sarif_log(report(nb, notebook=False))["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}  # GitHub needs one
    assert result["properties"]["notebookCell"] == 4


def test_sarif_input_codes_carry_the_documentation_of_lrlint_rule() -> None:
    driver = sarif_log(MIXED)["runs"][0]["tool"]["driver"]
    for code in ("E902", "E999"):
        [descriptor] = [r for r in driver["rules"] if r["id"] == code]
        info = lookup(code)
        assert info is not None
        assert descriptor["help"]["markdown"] == info.markdown()
        assert descriptor["shortDescription"]["text"] == info.summary


def test_sarif_uris_are_encoded_and_outside_files_absolute() -> None:
    rep = report(
        diag(filename="my dir/run#1.py"),
        diag(filename="/elsewhere/x.py"),
        diag(filename="sub/win.py"),
        diag(filename="../up.py"),
    )
    results = sarif_log(rep)["runs"][0]["results"]
    artifacts = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in results]
    assert artifacts[0] == {"uri": "my%20dir/run%231.py", "uriBaseId": "%SRCROOT%"}
    assert unquote(artifacts[0]["uri"]) == "my dir/run#1.py"
    assert artifacts[1] == {"uri": "file:///elsewhere/x.py"}
    assert "\\" not in artifacts[2]["uri"]
    assert artifacts[3] == {"uri": (CWD.parent / "up.py").as_uri()}


def test_sarif_region_is_never_inverted() -> None:
    odd = diag(row=5, col=10, end=(5, 3))
    [result] = sarif_log(report(odd))["runs"][0]["results"]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 5, "startColumn": 10, "endLine": 5, "endColumn": 10}


def test_sarif_empty_report_is_valid() -> None:
    run = sarif_log(report())["runs"][0]
    assert run["results"] == []
    assert len(run["tool"]["driver"]["rules"]) == len(rules()) + 3


# ------------------------------------------------------------------- --verify in the reports


def verified(values: tuple[float, ...] = (0.1, 0.2)) -> Diagnostic:
    d = diag("LR004", 8, 40, (8, 47))
    d.verification = Verification("confirmed", "lr grows 0.1 -> 13.15 over 100 epochs", "cpu", "2.13.0+cpu", Trajectory.from_values(values))
    return d


def strict(text: str) -> Any:
    def reject(token: str) -> Any:
        raise ValueError(token)

    return json.loads(text, parse_constant=reject)


def test_sarif_result_carries_the_verdict_in_its_property_bag() -> None:
    result = sarif_log(report(verified(), diag("LR001")))["runs"][0]["results"]
    assert result[0]["properties"] == {
        "verification": {"status": "confirmed", "evidence": "lr grows 0.1 -> 13.15 over 100 epochs", "device": "cpu", "torch_version": "2.13.0+cpu"}
    }
    assert "properties" not in result[1]


def test_json_and_sarif_never_print_non_finite_numbers() -> None:
    rep = report(verified((math.inf,)), verified((0.1, math.inf, math.nan)))
    found = strict(json_reporter.render(rep))
    assert found[0]["verification"]["trajectory"]["start"] == "inf"
    assert found[1]["verification"]["trajectory"]["changes"] == [[1, "inf"], [2, "nan"]]
    strict(sarif.render(rep))
    assert strict(dumps({"a": [math.nan, -math.inf, 1.5]})) == {"a": ["nan", "-inf", 1.5]}
