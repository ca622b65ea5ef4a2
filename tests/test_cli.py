"""The `lrlint` command end to end: exit codes, output formats, config, stdin, notebooks, rules.

`run_cli` runs `python -m lrlint` in a fresh process, as a user would; `lrlint_in_process` calls
`lrlint.cli.main` in this one (with capsys) where a fresh interpreter adds nothing but time.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import lrlint
from lrlint.catalogue import rules
from lrlint.cli import main
from tests.helpers import FIXTURES, ROOT, expected_findings, run_cli, write

CODES = list(rules())  # every rule of the catalogue, in code order
VERIFY_HINT = "--verify needs torch (>= 2.0) in lrlint's environment: pip install torch"
ANSI = "\x1b["
# `path:row:col: CODE message`, with `cell N:` before the row in a notebook.
TEXT_LINE = re.compile(r"(?P<path>[^:\s][^:]*):(?:cell (?P<cell>\d+):)?(?P<row>\d+):(?P<col>\d+): (?P<code>LR\d{3}|E\d{3}) (?P<message>\S.*)")
JSON_KEYS = {"code", "name", "message", "severity", "filename", "location", "end_location", "fix", "url", "noqa_row", "cell", "related"}

HEADER = (
    "import torch\n"
    "from torch.optim.lr_scheduler import MultiStepLR, StepLR\n"
    "\n"
    "optimizer = torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.1)\n"
)
LR001_SRC = HEADER + "scheduler = StepLR(optimizer, milestones=[30, 60])\n"  # LR001 at 5:31 (error)
LR004_SRC = HEADER + "scheduler = StepLR(optimizer, step_size=10, gamma=2.0)\n"  # LR004 at 5:45 (warning)
MIXED_SRC = (  # LR002 (error) at row 5, LR004 (warning) at row 6
    HEADER + "multi = MultiStepLR(optimizer, step_size=10)\nstep = StepLR(optimizer, step_size=10, gamma=2.0)\n"
)
CLEAN_SRC = HEADER + "scheduler = StepLR(optimizer, step_size=10)\n"
NO_SCHEDULER_SRC = "def add(a, b):\n    return a + b\n"


@pytest.fixture(autouse=True)
def no_colour_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process runs read the environment: a CI's FORCE_COLOR must not colour exact-text checks."""
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("FORCE_COLOR", raising=False)


@dataclass
class Result:
    rc: int
    out: str
    err: str


def lrlint_in_process(capsys: pytest.CaptureFixture[str], *args: str) -> Result:
    try:
        rc = main(list(args))
    except SystemExit as exc:  # argparse's usage errors, --version
        rc = int(exc.code or 0)
    captured = capsys.readouterr()
    return Result(rc, captured.out, captured.err)


def cli(*args: str, cwd: Path | None = None, stdin: bytes | None = None, env: dict[str, str | None] | None = None) -> Result:
    proc = run_cli(*args, cwd=cwd, stdin=stdin, env=env)
    return Result(proc.returncode, proc.stdout.decode(), proc.stderr.decode())


def findings(out: str) -> list[tuple[str, int, str]]:
    """(path, row, code) of each finding line of the text/concise output."""
    found = []
    for line in out.splitlines():
        match = TEXT_LINE.fullmatch(line)
        if match:
            found.append((match["path"], int(match["row"]), match["code"]))
    return found


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small project, the cwd of the test: src/ (LR001 + LR004), scripts/ (LR004), vendor/ (LR001)."""
    write(
        tmp_path,
        {
            "src/train.py": LR001_SRC,
            "src/sched.py": LR004_SRC,
            "scripts/legacy.py": LR004_SRC,
            "vendor/lib.py": LR001_SRC,
        },
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


ALL_PROJECT_FINDINGS = [
    ("scripts/legacy.py", 5, "LR004"),
    ("src/sched.py", 5, "LR004"),
    ("src/train.py", 5, "LR001"),
    ("vendor/lib.py", 5, "LR001"),
]


# --- exit codes, summary, text format -------------------------------------------------------------


def test_findings_exit_1_with_summary_and_text_lines(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": LR001_SRC, "b.py": MIXED_SRC, "c.py": CLEAN_SRC})
    result = cli("a.py", "b.py", "c.py", cwd=tmp_path)
    assert result.rc == 1, result.err
    lines = result.out.splitlines()
    assert len(lines) == 5, result.out
    assert lines[0].startswith("a.py:5:31: LR001 `StepLR` has no `milestones` parameter")
    assert lines[1].startswith("b.py:5:32: LR002 `MultiStepLR` has no `step_size` parameter")
    assert lines[2].startswith("b.py:6:40: LR004 `StepLR` with gamma=2.0 multiplies the learning rate by 2.0")
    assert all(TEXT_LINE.fullmatch(line) for line in lines[:3])
    assert lines[3:] == ["", "Found 2 errors and 1 warning in 2 files."]
    assert result.err == ""


def test_clean_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"a.py": CLEAN_SRC, "b.py": NO_SCHEDULER_SRC})
    result = lrlint_in_process(capsys, str(tmp_path))
    assert (result.rc, result.out) == (0, "All checks passed! (2 files checked)\n")


def test_singular_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"a.py": LR004_SRC})
    monkeypatch.chdir(tmp_path)
    result = lrlint_in_process(capsys, "a.py")
    assert result.out.endswith("\n\nFound 1 warning in 1 file.\n")


@pytest.mark.parametrize(
    ("files", "args", "line"),
    [
        # CPython's wording and column for this error differ between releases (3.9: "unexpected EOF").
        ({"broken.py": "import torch.optim.lr_scheduler\nx = (\n"}, ["broken.py"], r"broken\.py:2:\d+: E999 SyntaxError: \S.*"),
        ({}, ["missing.py"], r"missing\.py:1:1: E902 No such file or directory"),
    ],
    ids=["E999", "E902"],
)
def test_file_errors_alone_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, files: dict[str, str], args: list[str], line: str
) -> None:
    write(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    result = lrlint_in_process(capsys, *args)
    assert result.rc == 1
    assert re.fullmatch(f"{line}\n\nFound 1 error in 1 file.\n", result.out), result.out
    assert lrlint_in_process(capsys, "--exit-zero", *args).rc == 0


def test_exit_zero_still_prints_findings(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": LR001_SRC})
    result = cli("--exit-zero", "a.py", cwd=tmp_path)
    assert result.rc == 0
    assert findings(result.out) == [("a.py", 5, "LR001")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--no-such-flag"], "lrlint: error: unrecognized arguments: --no-such-flag"),
        (["--select", "LR9", "."], "lrlint: error: --select: unknown rule code or prefix 'LR9'"),
        (["--ignore", "F401", "."], "lrlint: error: --ignore: unknown rule code or prefix 'F401'"),
        (["--output-format", "xml", "."], "lrlint: error: argument --output-format: invalid choice: 'xml'"),
        (["--show-trajectory", "."], "lrlint: error: --show-trajectory needs --verify or --verify-all"),
        (["--config", "nowhere.toml", "."], "lrlint: error: --config: no such file: nowhere.toml"),
        (["--config", "pyproject.toml", "--isolated", "."], "lrlint: error: --config and --isolated cannot be used together"),
        (["rule", "LR999"], "lrlint: error: unknown rule 'LR999'; `lrlint rule --all` lists the rules"),
        (["rule"], "lrlint rule: error: one of the arguments code --all is required"),
    ],
)
def test_usage_errors_exit_2_with_one_error_line(args: list[str], message: str) -> None:
    result = cli(*args)
    assert result.rc == 2, result.out + result.err
    assert result.out == ""
    error_lines = [line for line in result.err.splitlines() if "error:" in line]
    assert len(error_lines) == 1 and error_lines[0].startswith(message), result.err
    assert "Traceback" not in result.err


def test_unknown_config_key_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": '[tool.lrlint]\nselekt = ["LR001"]\n', "a.py": LR001_SRC})
    result = cli(cwd=tmp_path)
    assert result.rc == 2 and result.out == ""
    line = one_error_line(result.err)
    assert line == "lrlint: error: pyproject.toml: [tool.lrlint] unknown key 'selekt' (did you mean 'select'?)"


def test_no_path_means_the_current_directory(tmp_path: Path) -> None:
    write(tmp_path, {"pkg/a.py": LR001_SRC, "b.py": LR004_SRC})
    result = cli(cwd=tmp_path)
    assert result.rc == 1
    assert findings(result.out) == [("b.py", 5, "LR004"), (os.path.join("pkg", "a.py"), 5, "LR001")]
    assert cli("check", cwd=tmp_path).out == result.out  # `lrlint check` is the same command


def test_version() -> None:
    result = cli("--version")
    assert (result.rc, result.out) == (0, f"lrlint {lrlint.__version__}\n")
    assert re.fullmatch(r"\d+\.\d+\.\d+", lrlint.__version__)


def test_quiet_prints_findings_only(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"a.py": LR001_SRC, "clean.py": CLEAN_SRC})
    monkeypatch.chdir(tmp_path)
    result = lrlint_in_process(capsys, "-q", "a.py", "clean.py")
    assert result.rc == 1
    assert result.out.splitlines() == [line for line in result.out.splitlines() if TEXT_LINE.fullmatch(line)]
    assert findings(result.out) == [("a.py", 5, "LR001")]
    clean = lrlint_in_process(capsys, "--quiet", "clean.py")
    assert (clean.rc, clean.out) == (0, "")


# --- machine-readable formats -----------------------------------------------------------------


@pytest.fixture(scope="module")
def bad_json() -> list[dict[str, Any]]:
    result = cli("--output-format", "json", "fixtures/bad")
    assert result.rc == 1, result.err
    return json.loads(result.out)


def expected_bad() -> list[tuple[str, int, str]]:
    return sorted(
        (f"fixtures/bad/{path.name}", row, code)
        for path in (FIXTURES / "bad").glob("*.py")
        for row, code in expected_findings(path)
        if rules()[code].default  # the CLI reports what is selected by default (not LR100)
    )


def test_json_shape(bad_json: list[dict[str, Any]]) -> None:
    catalogue = rules()
    assert sorted((d["filename"], d["location"]["row"], d["code"]) for d in bad_json) == expected_bad()
    for d in bad_json:
        assert set(d) == JSON_KEYS  # no `verification` without --verify
        info = catalogue[d["code"]]
        assert d["name"] == info.name
        # The catalogue's severity, except where a finding states its own (LR008 by release,
        # LR016's once-per-epoch case: it trains, at the wrong rates).
        per_finding = {"LR008": ("error", "warning"), "LR016": ("error", "warning")}
        assert d["severity"] in per_finding.get(d["code"], (info.severity,)), d
        assert isinstance(d["message"], str) and d["message"]
        for key in ("location", "end_location"):
            assert set(d[key]) == {"row", "column"} and all(isinstance(v, int) and v >= 1 for v in d[key].values())
        assert (d["end_location"]["row"], d["end_location"]["column"]) > (d["location"]["row"], d["location"]["column"])
        assert d["cell"] is None
        # A fix in ruff's shape (not applied yet), as applicable as the catalogue says.
        assert d["fix"] is None or (info.fix != "none" and d["fix"]["applicability"] in ("safe", "unsafe") and d["fix"]["edits"]), d
        assert d["noqa_row"] == d["location"]["row"]
        assert d["url"].endswith(f"/{d['code']}.toml")


def test_json_for_file_errors() -> None:
    result = cli("--output-format", "json", "no/such/file.py")
    assert result.rc == 1
    (d,) = json.loads(result.out)
    assert set(d) == JSON_KEYS
    assert (d["code"], d["name"], d["severity"], d["url"]) == ("E902", "io-error", "error", None)


def test_concise(bad_json: list[dict[str, Any]]) -> None:
    result = cli("--output-format", "concise", "fixtures/bad")
    assert result.rc == 1
    # As ruff's concise: the findings, then the summary and ruff's line about fixes.
    *lines, summary, fixes = result.out.splitlines()
    assert all(TEXT_LINE.fullmatch(line) for line in lines) and summary.startswith("Found ") and fixes.startswith("[*] ")
    assert cli("--output-format", "concise", "-q", "fixtures/bad").out.splitlines() == lines
    assert [TEXT_LINE.fullmatch(line).group("path", "row", "col", "code") for line in lines] == [  # type: ignore[union-attr]
        (d["filename"], str(d["location"]["row"]), str(d["location"]["column"]), d["code"]) for d in bad_json
    ]


def test_sarif(bad_json: list[dict[str, Any]]) -> None:
    result = cli("--output-format", "sarif", "fixtures/bad")
    assert result.rc == 1
    log = json.loads(result.out)
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    assert run["tool"]["driver"]["name"] == "lrlint"
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} >= set(CODES)
    got = []
    for res in run["results"]:
        (loc,) = res["locations"]
        region = loc["physicalLocation"]["region"]
        got.append((loc["physicalLocation"]["artifactLocation"]["uri"], region["startLine"], region["startColumn"], res["ruleId"]))
        assert run["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
    assert got == [(d["filename"], d["location"]["row"], d["location"]["column"], d["code"]) for d in bad_json]


def test_github(bad_json: list[dict[str, Any]]) -> None:
    result = cli("--output-format", "github", "fixtures/bad")
    assert result.rc == 1
    annotation = re.compile(
        r"::(?P<level>error|warning) file=(?P<file>[^,]+),line=(?P<line>\d+),col=(?P<col>\d+),"
        r"endLine=\d+,endColumn=\d+,title=(?P<code>LR\d{3}) \([\w-]+\)::(?P<message>.+)"
    )
    got = []
    for line in result.out.splitlines():
        match = annotation.fullmatch(line)
        assert match, line
        got.append((match["file"], int(match["line"]), int(match["col"]), match["code"], match["level"]))
    assert got == [(d["filename"], d["location"]["row"], d["location"]["column"], d["code"], d["severity"]) for d in bad_json]


def test_junit(bad_json: list[dict[str, Any]]) -> None:
    result = cli("--output-format", "junit", "fixtures/bad")
    assert result.rc == 1
    root = ET.fromstring(result.out.encode())
    assert root.tag == "testsuites" and root.get("tests") == str(len(bad_json))
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == len(bad_json)
    got = sorted((case.get("file"), int(case.get("line", "0")), case[0].get("type")) for case in cases)
    assert got == sorted((d["filename"], d["location"]["row"], d["code"]) for d in bad_json)
    assert {case[0].tag for case in cases} == {"failure"}
    suites = {suite.get("name") for suite in root.findall("testsuite")}
    assert suites == {d["filename"] for d in bad_json}


def test_statistics(bad_json: list[dict[str, Any]]) -> None:
    result = cli("--statistics", "-q", "fixtures/bad")
    assert result.rc == 1
    stats = [line for line in result.out.splitlines() if not TEXT_LINE.fullmatch(line)]
    counts = Counter(d["code"] for d in bad_json)
    names = {code: info.name for code, info in rules().items()}
    expected = [f"{counts[c]:5}\t{c}\t{names[c]}" for c in sorted(counts, key=lambda c: (-counts[c], c))]
    assert stats == expected


def test_statistics_with_json_output_is_still_json() -> None:
    """`--statistics --output-format json` must stay machine-readable (ruff prints JSON statistics)."""
    result = cli("--statistics", "--output-format", "json", "fixtures/bad/lr004_gamma_not_decaying.py")
    assert result.rc == 1
    json.loads(result.out)


# --- stdin ------------------------------------------------------------------------------------


def test_stdin_dash() -> None:
    source = (FIXTURES / "bad" / "lr004_gamma_not_decaying.py").read_bytes()
    result = cli("-", stdin=source)
    assert result.rc == 1
    assert findings(result.out) == [("-", row, "LR004") for row in (8, 9, 10, 13, 14)]
    assert result.out.endswith("Found 5 warnings in 1 file.\n")


def test_stdin_dash_with_stdin_filename(tmp_path: Path) -> None:
    result = cli("-", "--stdin-filename", "src/model.py", stdin=LR001_SRC.encode(), cwd=tmp_path)
    assert result.rc == 1
    assert findings(result.out) == [("src/model.py", 5, "LR001")]
    as_json = json.loads(cli("--output-format", "json", "-", "--stdin-filename", "src/model.py", stdin=LR001_SRC.encode(), cwd=tmp_path).out)
    assert [d["filename"] for d in as_json] == ["src/model.py"]


def test_stdin_filename_alone_reads_stdin(tmp_path: Path) -> None:
    """As in ruff, `--stdin-filename` means the source comes from stdin, even without `-`."""
    write(tmp_path, {"other.py": LR004_SRC})  # must not be linted: the input is stdin
    result = cli("--stdin-filename", "model.py", stdin=LR001_SRC.encode(), cwd=tmp_path)
    assert findings(result.out) == [("model.py", 5, "LR001")], result.out


def test_force_exclude_applies_to_the_stdin_filename(tmp_path: Path) -> None:
    """As in ruff: with --force-exclude, source named into an excluded path is not linted."""
    write(tmp_path, {"pyproject.toml": '[tool.lrlint]\nextend-exclude = ["vendor"]\n'})
    args = ("-", "--stdin-filename", "vendor/lib.py")
    assert cli(*args, stdin=LR001_SRC.encode(), cwd=tmp_path).rc == 1  # named: linted
    forced = cli("--force-exclude", *args, stdin=LR001_SRC.encode(), cwd=tmp_path)
    assert (forced.rc, findings(forced.out)) == (0, []), forced.out


def test_stdin_notebook(tmp_path: Path) -> None:
    result = cli("-", "--stdin-filename", "nb.ipynb", stdin=json.dumps(NOTEBOOK).encode(), cwd=tmp_path)
    assert result.rc == 1
    assert result.out.startswith("nb.ipynb:cell 3:2:5: LR001 "), result.out


# --- configuration ----------------------------------------------------------------------------


def linted(capsys: pytest.CaptureFixture[str], *args: str) -> list[tuple[str, int, str]]:
    result = lrlint_in_process(capsys, "--output-format", "json", *args)
    assert result.rc in (0, 1), result.err
    return [(d["filename"], d["location"]["row"], d["code"]) for d in json.loads(result.out)]


def test_project_defaults_and_cli_excludes(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert linted(capsys) == ALL_PROJECT_FINDINGS
    only_src = [f for f in ALL_PROJECT_FINDINGS if f[0].startswith("src/")]
    assert linted(capsys, "--extend-exclude", "vendor,scripts") == only_src
    assert linted(capsys, "--exclude", "vendor", "--extend-exclude", "scripts") == only_src
    write(project, {"build/gen.py": LR001_SRC})  # a default exclude...
    assert linted(capsys) == ALL_PROJECT_FINDINGS
    assert ("build/gen.py", 5, "LR001") in linted(capsys, "--exclude", "nothing")  # ...that --exclude replaces


@pytest.mark.parametrize(
    ("config_file", "text", "expected"),
    [
        ("pyproject.toml", '[tool.lrlint]\nignore = ["LR004"]\n', [("src/train.py", 5, "LR001"), ("vendor/lib.py", 5, "LR001")]),
        ("pyproject.toml", '[tool.lrlint]\nselect = ["LR004"]\n', [("scripts/legacy.py", 5, "LR004"), ("src/sched.py", 5, "LR004")]),
        (
            "pyproject.toml",
            '[tool.lrlint.per-file-ignores]\n"scripts/*" = ["LR004"]\n"vendor/*" = ["LR"]\n',
            [("src/sched.py", 5, "LR004"), ("src/train.py", 5, "LR001")],
        ),
        ("pyproject.toml", '[tool.lrlint]\nextend-exclude = ["vendor", "legacy.py"]\n', [("src/sched.py", 5, "LR004"), ("src/train.py", 5, "LR001")]),
        ("lrlint.toml", 'ignore = ["LR001"]\n', [("scripts/legacy.py", 5, "LR004"), ("src/sched.py", 5, "LR004")]),
        (".lrlint.toml", 'select = ["LR001"]\nexclude = ["src"]\n', [("vendor/lib.py", 5, "LR001")]),
    ],
    ids=["ignore", "select", "per-file-ignores", "extend-exclude", "lrlint.toml", ".lrlint.toml"],
)
def test_config_file(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, config_file: str, text: str, expected: list[tuple[str, int, str]]
) -> None:
    write(project, {config_file: text})
    assert linted(capsys) == expected
    # Found from a subfolder too: discovery walks up.
    monkeypatch.chdir(project / "src")
    assert linted(capsys, "..") == [(os.path.join("..", path), row, code) for path, row, code in expected]


def test_lrlint_toml_beats_pyproject_in_the_same_folder(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"pyproject.toml": '[tool.lrlint]\nselect = ["LR004"]\n', "lrlint.toml": 'select = ["LR001"]\n'})
    assert {code for _, _, code in linted(capsys)} == {"LR001"}


def test_cli_options_override_the_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"pyproject.toml": '[tool.lrlint]\nselect = ["LR001", "LR004"]\nignore = ["LR004"]\n'})
    assert {code for _, _, code in linted(capsys)} == {"LR001"}
    # --ignore adjusts the file's selection; --select replaces it (the file's ignore included).
    assert linted(capsys, "--ignore", "LR001") == []
    assert {code for _, _, code in linted(capsys, "--select", "LR004")} == {"LR004"}
    assert {code for _, _, code in linted(capsys, "--extend-select", "LR004")} == {"LR001", "LR004"}
    assert linted(capsys, "--per-file-ignores", "src/*:LR001", "--per-file-ignores", "vendor/*:LR001") == []


def test_isolated_ignores_config_files(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"pyproject.toml": '[tool.lrlint]\nselect = ["LR001"]\nextend-exclude = ["vendor"]\n'})
    assert linted(capsys) == [("src/train.py", 5, "LR001")]
    assert linted(capsys, "--isolated") == ALL_PROJECT_FINDINGS


def test_config_option_uses_that_file_only(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"pyproject.toml": '[tool.lrlint]\nselect = ["LR001"]\n', "ci/lrlint-ci.toml": 'select = ["LR004"]\nextend-exclude = ["legacy.py"]\n'})
    assert {code for _, _, code in linted(capsys)} == {"LR001"}
    assert linted(capsys, "--config", "ci/lrlint-ci.toml") == [("src/sched.py", 5, "LR004")]
    # A pyproject.toml named by --config is read for its [tool.lrlint] table.
    write(project, {"ci/pyproject.toml": '[tool.lrlint]\nselect = ["LR001"]\nextend-exclude = ["vendor"]\n'})
    assert linted(capsys, "--config", "ci/pyproject.toml") == [("src/train.py", 5, "LR001")]


def test_explicit_file_in_excluded_folder(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"pyproject.toml": '[tool.lrlint]\nextend-exclude = ["vendor"]\n'})
    assert ("vendor/lib.py", 5, "LR001") not in linted(capsys)
    assert linted(capsys, "vendor/lib.py") == [("vendor/lib.py", 5, "LR001")]  # named: linted, as ruff does
    forced = lrlint_in_process(capsys, "--force-exclude", "vendor/lib.py")
    assert (forced.rc, forced.out) == (0, "")
    assert forced.err == "lrlint: warning: No Python files found under the given path(s)\n"
    assert linted(capsys, "--force-exclude", "vendor/lib.py", "src/train.py") == [("src/train.py", 5, "LR001")]


def test_bad_config_value_in_process(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"pyproject.toml": '[tool.lrlint]\nselect = "LR001"\n'})
    result = lrlint_in_process(capsys)
    assert result.rc == 2 and result.out == ""
    assert one_error_line(result.err) == "lrlint: error: pyproject.toml: [tool.lrlint] 'select': must be a list of strings"


# --- suppressions -----------------------------------------------------------------------------


SUPPRESSED_SRC = HEADER + (
    "a = StepLR(optimizer, milestones=[1])  # noqa: LR001\n"  # 5: suppressed
    "b = StepLR(optimizer, milestones=[2])  # noqa\n"  # 6: suppressed
    "c = StepLR(optimizer, milestones=[3])  # noqa: LR004\n"  # 7: another code: reported
    "d = StepLR(optimizer, milestones=[4])  # NOQA:LR001,LR004\n"  # 8: suppressed
    "sched = StepLR(optimizer, step_size=3)\n"
    "for epoch in range(5):\n"
    "    # lrlint: disable=LR005\n"
    "    sched.step()\n"  # 12: suppressed by the line before
    "    optimizer.step()\n"
    "for epoch in range(5):\n"
    "    sched.step()  # lrlint: disable=LR001\n"  # 15: another code: reported
    "    optimizer.step()\n"
)


def test_suppressions_end_to_end(tmp_path: Path) -> None:
    write(tmp_path, {"train.py": SUPPRESSED_SRC})
    result = cli("train.py", cwd=tmp_path)
    assert result.rc == 1
    assert findings(result.out) == [("train.py", 7, "LR001"), ("train.py", 15, "LR005")]
    assert result.out.endswith("Found 1 error and 1 warning in 1 file.\n")


# --- notebooks --------------------------------------------------------------------------------


def code_cell(*lines: str) -> dict[str, Any]:
    return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": list(lines)}


NOTEBOOK: dict[str, Any] = {
    "cells": [
        code_cell(
            "%matplotlib inline\n",
            "import torch\n",
            "from torch.optim.lr_scheduler import StepLR\n",
            "opt = torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.1)",
        ),
        {"cell_type": "markdown", "metadata": {}, "source": ["# The schedule\n", "Decay at epochs 5 and 8."]},
        code_cell("decay = StepLR(opt,\n", "    milestones=[5, 8])\n", "sched = StepLR(opt, step_size=5)"),
        code_cell("!nvidia-smi\n", "for epoch in range(10):\n", "    sched.step()\n", "    opt.step()"),
    ],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}, "language_info": {"name": "python"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


@pytest.fixture(scope="module")
def notebook_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("notebook")
    (root / "nb.ipynb").write_text(json.dumps(NOTEBOOK, indent=1), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def notebook_verified(notebook_dir: Path) -> str:
    result = cli("--verify", "--show-trajectory", "nb.ipynb", cwd=notebook_dir)
    assert result.rc == 1, result.err
    return result.out


def test_notebook_text_output(notebook_dir: Path) -> None:
    result = cli("nb.ipynb", cwd=notebook_dir)
    assert result.rc == 1
    lines = result.out.splitlines()
    assert lines[0].startswith("nb.ipynb:cell 3:2:5: LR001 `StepLR` has no `milestones` parameter")
    assert lines[1].startswith("nb.ipynb:cell 4:3:5: LR005 `sched.step()` runs before `opt.step()`")
    assert lines[2:] == ["", "Found 1 error and 1 warning in 1 file."]


def test_notebook_json(notebook_dir: Path) -> None:
    result = cli("--output-format", "json", "nb.ipynb", cwd=notebook_dir)
    got = [(d["code"], d["cell"], d["location"], d["noqa_row"]) for d in json.loads(result.out)]
    assert got == [("LR001", 3, {"row": 2, "column": 5}, 2), ("LR005", 4, {"row": 3, "column": 5}, 3)]


def test_notebook_messages_use_cell_rows(notebook_dir: Path) -> None:
    """LR005 names the line of `opt.step()`: line 4 of cell 4, not row 11 of the concatenated cells."""
    message = json.loads(cli("--output-format", "json", "nb.ipynb", cwd=notebook_dir).out)[1]["message"]
    assert "(line 11)" not in message, message
    assert re.search(r"\bline 4\b", message), message


def test_notebook_verify(notebook_verified: str) -> None:
    lines = notebook_verified.splitlines()
    assert lines[0].startswith("nb.ipynb:cell 3:2:5: LR001 ")
    assert lines[1].startswith("    verify: confirmed (torch ") and "unexpected keyword argument 'milestones'" in lines[1]
    assert lines[2].startswith("nb.ipynb:cell 4:3:5: LR005 ")
    assert lines[3].startswith("    verify: confirmed (torch ") and "Detected call of `lr_scheduler.step()`" in lines[3]


def test_notebook_trajectory_label_names_the_cell(notebook_verified: str) -> None:
    curves = [line for line in notebook_verified.splitlines() if re.search(r"LR005  \S", line)]
    assert len(curves) == 1, notebook_verified
    assert curves[0].startswith("nb.ipynb:cell 4:3 LR005  "), curves[0]


# --- lrlint rule ------------------------------------------------------------------------------


def test_rule_docs(capsys: pytest.CaptureFixture[str]) -> None:
    result = lrlint_in_process(capsys, "rule", "LR003")
    assert result.rc == 0
    assert result.out.startswith("# milestones-not-increasing (LR003)\n")
    headings = re.findall(r"^## (.+)$", result.out, re.M)
    assert headings[:4] == ["What it does", "Why is this bad?", "Example", "Use instead"]
    assert "```python" in result.out


def test_rule_by_name_and_case(capsys: pytest.CaptureFixture[str]) -> None:
    by_name = lrlint_in_process(capsys, "rule", "steplr-milestones")
    assert by_name.rc == 0 and by_name.out.startswith("# steplr-milestones (LR001)\n")
    assert lrlint_in_process(capsys, "rule", "lr001").out == by_name.out


def test_rule_all(capsys: pytest.CaptureFixture[str]) -> None:
    result = lrlint_in_process(capsys, "rule", "--all")
    assert result.rc == 0
    assert re.findall(r"^(LR\d{3}) ", result.out, re.M) == CODES
    as_json = json.loads(lrlint_in_process(capsys, "rule", "--all", "--output-format", "json").out)
    assert [r["code"] for r in as_json] == [*CODES, "E902", "E903", "E999"]


@pytest.mark.parametrize(("code", "name"), [("E999", "syntax-error"), ("E902", "io-error"), ("e999", "syntax-error"), ("io-error", "io-error")])
def test_rule_docs_for_input_codes(capsys: pytest.CaptureFixture[str], code: str, name: str) -> None:
    result = lrlint_in_process(capsys, "rule", code)
    assert result.rc == 0, result.err
    assert result.out.startswith(f"# {name} (")
    assert "Verified in torch by --verify: no." in result.out
    headings = re.findall(r"^## (.+)$", result.out, re.M)
    assert headings[:4] == ["What it does", "Why is this bad?", "Example", "Use instead"]
    as_json = json.loads(lrlint_in_process(capsys, "rule", code, "--output-format", "json").out)
    assert (as_json["name"], as_json["severity"], as_json["verify"]) == (name, "error", False)


def test_rule_all_lists_input_codes_with_severity_and_verify(capsys: pytest.CaptureFixture[str]) -> None:
    out = lrlint_in_process(capsys, "rule", "--all").out
    rows = {line.split()[0]: line.split()[1:5] for line in out.splitlines()[1:]}
    assert rows["E999"] == ["syntax-error", "error", "none", "no"]
    assert rows["E902"] == ["io-error", "error", "none", "no"]
    assert rows["LR001"][3] == "yes"


def test_unknown_rule(capsys: pytest.CaptureFixture[str]) -> None:
    result = lrlint_in_process(capsys, "rule", "LR999")
    assert (result.rc, result.out) == (2, "")
    assert one_error_line(result.err) == "lrlint: error: unknown rule 'LR999'; `lrlint rule --all` lists the rules"


# --- what start-up imports --------------------------------------------------------------------

IMPORT_PROBE = (
    "import json, sys\n"
    "from lrlint.cli import main\n"
    "rc = main(sys.argv[1:])\n"
    "heavy = [m for m in ('torch', 'libcst', 'rich', 'numpy') if m in sys.modules]\n"
    "print(json.dumps({'rc': rc, 'heavy': heavy}), file=sys.stderr)\n"
)


def imported(*args: str, cwd: Path = ROOT) -> tuple[int, list[str]]:
    proc = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE, *args], cwd=cwd, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}, timeout=60,
    )  # fmt: skip
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    return report["rc"], report["heavy"]


def test_files_without_schedulers_import_nothing_heavy(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": NO_SCHEDULER_SRC, "pkg/b.py": "import torch\nprint(torch.ones(1))\n", "broken.py": "x = (\n"})
    assert imported(str(tmp_path)) == (0, [])


def test_findings_never_import_torch() -> None:
    # The analysis runs on libcst's tree; torch is never imported to lint (nor rich, for JSON).
    assert imported("fixtures", "--no-cache", "--color", "never") == (1, ["libcst"])
    rc, heavy = imported("fixtures", "--color", "always", "--output-format", "text")
    assert rc == 1 and "torch" not in heavy and "rich" in heavy


@pytest.fixture(scope="module")
def site_without_torch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy (by symlinks) of this interpreter's site-packages with torch left out."""
    import importlib.util

    spec = importlib.util.find_spec("libcst")
    assert spec is not None and spec.origin is not None
    site = Path(spec.origin).parent.parent
    farm = tmp_path_factory.mktemp("site-without-torch")
    for entry in site.iterdir():
        if entry.name in ("torch", "torchgen", "functorch") or entry.name.startswith("torch-"):
            continue
        (farm / entry.name).symlink_to(entry)
    return farm


def test_verify_without_torch_is_a_usage_error(site_without_torch: Path) -> None:
    env = {"PYTHONPATH": f"{ROOT}{os.pathsep}{site_without_torch}"}
    probe = subprocess.run([sys.executable, "-S", "-c", "import torch"], env={**os.environ, **env}, capture_output=True)
    assert probe.returncode != 0, "torch must not be importable in this environment"
    for flag in ("--verify", "--verify-all"):
        proc = run_cli(flag, "fixtures/bad", python_flags=["-S"], env=env)
        assert proc.returncode == 2
        assert proc.stdout == b""
        assert proc.stderr.decode() == f"lrlint: error: {VERIFY_HINT}\n"
    # Linting itself needs no torch.
    lint = run_cli("fixtures/bad", python_flags=["-S"], env=env)
    assert lint.returncode == 1, lint.stderr.decode()
    assert sorted(findings(lint.stdout.decode())) == expected_bad()


def test_verify_without_torch_in_process(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import lrlint.verify

    monkeypatch.setattr(lrlint.verify, "torch_available", lambda: False)
    result = lrlint_in_process(capsys, "--verify", "fixtures/bad")
    assert (result.rc, result.out, result.err) == (2, "", f"lrlint: error: {VERIFY_HINT}\n")


# --- the whole fixtures folder, colour ----------------------------------------------------------


def test_whole_fixtures_folder() -> None:
    result = cli("fixtures", "--extend-select", "LR100")  # every rule, the one off by default too
    assert result.rc == 1
    reported = findings(result.out)
    assert {code for _, _, code in reported} == set(CODES)
    assert not any(path.startswith(os.path.join("fixtures", "good")) for path, _, _ in reported)
    assert "good" + os.sep not in result.out
    for path in (FIXTURES / "bad").glob("*.py"):
        assert str(path.relative_to(ROOT)) in result.out


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        (["--color", "always"], {"NO_COLOR": "1"}, True),
        (["--color", "never"], {"FORCE_COLOR": "1"}, False),
        ([], {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
        ([], {"FORCE_COLOR": "1"}, True),
        ([], {}, False),  # not a terminal
    ],
)
def test_colour(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, args: list[str], env: dict[str, str], coloured: bool
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    path = "fixtures/bad/lr004_gamma_not_decaying.py"
    result = lrlint_in_process(capsys, *args, path)
    assert result.rc == 1
    assert (ANSI in result.out) is coloured
    plain = lrlint_in_process(capsys, "--color", "never", path).out
    assert re.sub(r"\x1b\[[0-9;]*m", "", result.out) == plain


def test_colour_always_in_a_real_process() -> None:
    result = cli("--color", "always", "fixtures/bad/lr004_gamma_not_decaying.py")
    assert result.rc == 1 and ANSI in result.out
    assert ANSI not in cli("fixtures/bad/lr004_gamma_not_decaying.py").out  # run_cli sets NO_COLOR
