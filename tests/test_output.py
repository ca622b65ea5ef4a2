"""Where the report goes and how it looks: the full format, -o, --fail-on, an empty run, closed
streams, and ruff's --per-file-ignores pairs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lrlint.cli import NO_FILES_WARNING, main
from lrlint.diagnostics import Diagnostic, Position
from lrlint.report import Report
from lrlint.reporters import full
from lrlint.sourcelines import SourceLines
from tests.helpers import ROOT, run_cli
from tests.test_cli import LR001_SRC, LR004_SRC, MIXED_SRC, NOTEBOOK, TEXT_LINE, lrlint_in_process, write

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(autouse=True)
def no_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("FORCE_COLOR", raising=False)


# --- the full format --------------------------------------------------------------------------


def test_full_format_quotes_the_line_and_underlines_the_span(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"a.py": LR001_SRC})
    monkeypatch.chdir(tmp_path)
    result = lrlint_in_process(capsys, "--output-format", "full", "a.py")
    assert result.rc == 1
    lines = result.out.splitlines()
    assert TEXT_LINE.fullmatch(lines[0]) and lines[0].startswith("a.py:5:31: LR001 ")
    assert lines[1:8] == [
        "  |",
        "3 |",
        "4 | optimizer = torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.1)",
        "5 | scheduler = StepLR(optimizer, milestones=[30, 60])",
        "  |                               " + "^" * len("milestones=[30, 60]") + " LR001",
        "  |",
        "",
    ]
    assert lines[8:] == ["Found 1 error in 1 file."]


def test_full_format_in_colour_is_the_plain_text_plus_ansi(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"b.py": MIXED_SRC})
    monkeypatch.chdir(tmp_path)
    plain = lrlint_in_process(capsys, "--output-format", "full", "b.py").out
    coloured = lrlint_in_process(capsys, "--output-format", "full", "--color", "always", "b.py").out
    assert "\x1b[" in coloured
    assert ANSI.sub("", coloured) == plain


def test_full_format_for_a_notebook_quotes_the_cell(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"nb.ipynb": json.dumps(NOTEBOOK, indent=1)})
    monkeypatch.chdir(tmp_path)
    out = lrlint_in_process(capsys, "--output-format", "full", "nb.ipynb").out
    assert "  |\n1 | decay = StepLR(opt,\n2 |     milestones=[5, 8])\n  |     ^^^^^^^^^^^^^^^^^ LR001\n" in out
    # The cell's own lines, the IPython escape as written.
    assert "1 | !nvidia-smi\n2 | for epoch in range(10):\n3 |     sched.step()\n  |     ^^^^^^^^^^^^ LR005\n" in out


def test_full_format_quotes_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(LR004_SRC.encode())))
    out = lrlint_in_process(capsys, "--output-format", "full", "-", "--stdin-filename", "model.py").out
    assert "5 | scheduler = StepLR(optimizer, step_size=10, gamma=2.0)\n" in out


def _diag(row: int, col: int, end: tuple[int, int]) -> Diagnostic:
    return Diagnostic("LR004", "gamma-not-decaying", "m", "warning", "f.py", Position(row, col), Position(*end))


def test_full_snippet_handles_tabs_wide_characters_controls_and_bad_positions() -> None:
    src = "x = 1\n\tname = '日本' + f(\x1b[31m)\n"
    out = full.render(Report([_diag(2, 9, (2, 13))], 1, Path("/"), SourceLines(Path("/"), {"f.py": src.encode()})), quiet=True)
    lines = out.splitlines()
    assert lines[3] == "2 |     name = '日本' + f(\ufffd[31m)"  # a tab is 4 columns; no escape reaches the terminal
    assert lines[4] == "  |            " + "^" * 6 + " LR004"  # two wide characters are 4 columns, quotes 2
    for bad in (_diag(9, 1, (9, 2)), _diag(1, 40, (1, 2))):  # past the end; an inverted span
        shown = full.render(Report([bad], 1, Path("/"), SourceLines(Path("/"), {"f.py": src.encode()})), quiet=True)
        assert shown.startswith("f.py:")  # the header stays, the snippet is left out or one caret
        assert shown.count("^") <= 1


def test_full_snippet_of_a_long_span_elides_its_middle() -> None:
    src = "".join(f"line{i}\n" for i in range(1, 21))
    out = full.render(Report([_diag(3, 1, (15, 7))], 1, Path("/"), SourceLines(Path("/"), {"f.py": src.encode()})), quiet=True)
    rows = [int(m) for m in re.findall(r"^ ?(\d+) \|", out, re.M)]
    assert rows == [1, 2, 3, 4, 5, 13, 14, 15, 16, 17]
    assert "\n.. |\n" in out and out.rstrip().endswith("|")
    assert out.count("^ LR004") == 1  # the label goes under the span's last line only


def test_full_is_the_default_on_a_terminal_only(tmp_path: Path) -> None:
    import pty

    write(tmp_path, {"a.py": LR001_SRC})
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    primary, secondary = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "lrlint", "a.py"], cwd=tmp_path, stdout=secondary, stderr=subprocess.PIPE, env=env)
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    assert proc.wait(timeout=60) == 1
    on_terminal = b"".join(chunks).decode().replace("\r\n", "\n")
    assert "5 | scheduler = StepLR(optimizer, milestones=[30, 60])\n" in on_terminal
    piped = run_cli("a.py", cwd=tmp_path).stdout.decode()
    assert "|" not in piped and piped.startswith("a.py:5:31: LR001 ")


# --- -o / --output-file -------------------------------------------------------------------------


def test_output_file_gets_the_report_and_stdout_nothing(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": LR001_SRC})
    proc = run_cli("--output-format", "json", "-o", "reports/lrlint.json", "--color", "always", "a.py", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (1, b"")
    report = tmp_path / "reports" / "lrlint.json"  # the folder is created, as ruff does
    assert [d["code"] for d in json.loads(report.read_text())] == ["LR001"]
    assert oct(report.stat().st_mode & 0o777) != oct(0o600)  # an ordinary file, not mkstemp's 0600
    text = run_cli("--output-file", "out.txt", "--color", "always", "a.py", cwd=tmp_path)
    assert text.stdout == b""
    written = (tmp_path / "out.txt").read_text()
    assert "\x1b[" not in written and written.endswith("Found 1 error in 1 file.\n")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []  # no temp file left


def test_output_file_is_replaced_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The file appears through os.replace of a finished temp file in the same folder."""
    write(tmp_path, {"a.py": LR001_SRC, "out.json": "previous report"})
    monkeypatch.chdir(tmp_path)
    seen: list[tuple[str, str, str]] = []
    real_replace = os.replace

    def spy(src: str, dst: str) -> None:
        seen.append((os.path.dirname(os.path.abspath(src)), Path(src).read_text(), str(dst)))
        assert (tmp_path / "out.json").read_text() == "previous report"  # untouched until now
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    # --no-cache: the cache is written with os.replace too, and is not what this test watches.
    assert main(["--output-format", "json", "--no-cache", "-o", "out.json", "a.py"]) == 1
    [(folder, text, dst)] = seen
    assert folder == str(tmp_path) and dst == "out.json"
    assert json.loads(text)[0]["code"] == "LR001"


def test_output_file_that_cannot_be_written_is_one_error_line(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": LR001_SRC, "blocker": "a file, not a folder"})
    proc = run_cli("-o", "blocker/out.txt", "a.py", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == b""
    err = proc.stderr.decode()
    assert err.startswith("lrlint: error: cannot write blocker") and err.count("\n") == 1, err


# --- nothing to lint ------------------------------------------------------------------------------


def test_no_python_file_is_a_warning_not_all_checks_passed(tmp_path: Path) -> None:
    write(tmp_path, {"notes.txt": "x", "empty/README": ""})
    result = run_cli("empty", ".", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, b"")
    assert result.stderr.decode() == NO_FILES_WARNING + "\n"
    assert NO_FILES_WARNING == "lrlint: warning: No Python files found under the given path(s)"
    assert run_cli("-q", ".", cwd=tmp_path).stderr == b""  # --quiet: no warnings
    as_json = run_cli("--output-format", "json", ".", cwd=tmp_path)
    assert json.loads(as_json.stdout) == [] and as_json.stderr.decode() == NO_FILES_WARNING + "\n"


# --- --fail-on ------------------------------------------------------------------------------------


def test_fail_on_error_reports_warnings_and_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"warn.py": LR004_SRC, "err.py": LR001_SRC})
    monkeypatch.chdir(tmp_path)
    only_warnings = lrlint_in_process(capsys, "--fail-on", "error", "warn.py")
    assert only_warnings.rc == 0 and "warn.py:5:45: LR004 " in only_warnings.out
    assert only_warnings.out.endswith("Found 1 warning in 1 file.\n")
    assert lrlint_in_process(capsys, "--fail-on", "error", "warn.py", "err.py").rc == 1
    assert lrlint_in_process(capsys, "--fail-on", "warning", "warn.py").rc == 1
    assert lrlint_in_process(capsys, "warn.py").rc == 1  # the default
    assert lrlint_in_process(capsys, "--fail-on", "error", "missing.py").rc == 1  # E902 is an error
    write(tmp_path, {"lrlint.toml": 'fail-on = "error"\n'})
    assert lrlint_in_process(capsys, "warn.py").rc == 0
    assert lrlint_in_process(capsys, "--fail-on", "warning", "warn.py").rc == 1  # the CLI wins
    write(tmp_path, {"lrlint.toml": 'fail-on = "errors"\n'})
    bad = lrlint_in_process(capsys, "warn.py")
    assert bad.rc == 2 and bad.err == "lrlint: error: lrlint.toml: 'fail-on': must be \"warning\" or \"error\", got 'errors'\n"


# --- --per-file-ignores pairs ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "left"),
    [
        ("src/*:LR001,tests/*:LR004", ["other/c.py"]),
        ("src/*:LR001,LR004,tests/*:LR004", ["other/c.py"]),
        ("src/*:LR001, tests/*:LR004", ["other/c.py"]),
        ("tests/*:LR004", ["other/c.py", "src/a.py"]),
    ],
)
def test_per_file_ignores_comma_separated_pairs(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, value: str, left: list[str]) -> None:
    write(tmp_path, {"src/a.py": LR001_SRC, "tests/b.py": LR004_SRC, "other/c.py": LR001_SRC})
    monkeypatch.chdir(tmp_path)
    result = lrlint_in_process(capsys, "--output-format", "json", "--per-file-ignores", value)
    assert sorted({d["filename"] for d in json.loads(result.out)}) == left


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("src/*:LR001,tests/*", "--per-file-ignores: 'tests/*' has no codes (expected PATTERN:CODES) in 'src/*:LR001,tests/*'"),
        ("src/*", "--per-file-ignores: expected GLOB:CODES, got 'src/*'"),
        ("src/*:", "--per-file-ignores: expected PATTERN:CODES, got 'src/*:' in 'src/*:'"),
        ("src/*:LR001,:LR004", "--per-file-ignores: expected PATTERN:CODES, got ':LR004' in 'src/*:LR001,:LR004'"),
    ],
)
def test_malformed_per_file_ignores_is_one_usage_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, value: str, message: str) -> None:
    monkeypatch.chdir(tmp_path)
    result = lrlint_in_process(capsys, "--per-file-ignores", value)
    assert (result.rc, result.out, result.err) == (2, "", f"lrlint: error: {message}\n")


# --- closed streams -------------------------------------------------------------------------------


def _popen_lrlint(*args: str, cwd: Path, **streams: object) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    return subprocess.Popen([sys.executable, "-m", "lrlint", *args], cwd=cwd, env=env, **streams)  # type: ignore[call-overload]


def test_closed_stderr_keeps_warnings_out_of_the_json(tmp_path: Path) -> None:
    """`lrlint --output-format json ... 2>&-`: warnings have nowhere to go, and must not go to stdout."""
    write(tmp_path, {"a.py": LR001_SRC})
    # The shell closes descriptor 2 for the child; an empty run warns, a finding fills the JSON.
    for args, codes in ((["empty_dir_that_has_no_py"], []), (["a.py"], ["LR001"])):
        (tmp_path / "empty_dir_that_has_no_py").mkdir(exist_ok=True)
        command = " ".join([sys.executable, "-m", "lrlint", "--output-format", "json", *args]) + " 2>&-"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
        proc = subprocess.run(["sh", "-c", command], cwd=tmp_path, env=env, capture_output=True, timeout=120)
        assert [d["code"] for d in json.loads(proc.stdout)] == codes, proc.stdout
        assert b"warning" not in proc.stdout
        assert proc.returncode == (1 if codes else 0)


def test_a_reader_that_goes_away_is_not_a_crash(tmp_path: Path) -> None:
    """`lrlint ... | true`: writing to a pipe nobody reads ends the run quietly with 0, as ruff does."""
    write(tmp_path, {f"m{i}.py": LR001_SRC for i in range(30)})
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before lrlint writes a byte: EPIPE, every time
    try:
        proc = _popen_lrlint(".", cwd=tmp_path, stdout=write_end, stderr=subprocess.PIPE)
    finally:
        os.close(write_end)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert err == b""  # no traceback, no "Exception ignored ... BrokenPipeError"
    shell = subprocess.run(
        ["sh", "-c", f"{sys.executable} -m lrlint --output-format json . | true; echo rc=$?"], cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, timeout=120,
    )  # fmt: skip
    assert shell.stdout == b"rc=0\n" and b"Traceback" not in shell.stderr
