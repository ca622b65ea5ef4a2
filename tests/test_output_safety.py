"""Issue 25, "never lose a report", and the reporter fixes of issue 24: `-o` never replaces what is
not a regular file and leaves no temp file on a signal, every format survives a file name that is
not UTF-8, a reader that goes away, huge names in messages and huge files under `full`."""

from __future__ import annotations

import io
import json
import os
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from lrlint.cli import OUTPUT_FORMATS
from lrlint.messages import ELLIPSIS, MAX_MESSAGE, MAX_QUOTE, bound
from lrlint.sourcelines import CHUNK, MAX_LINE_BYTES, SourceLines, _stream_rows
from tests.helpers import ROOT, run_cli, write
from tests.test_cli import LR001_SRC, LR004_SRC, NOTEBOOK, lrlint_in_process


@pytest.fixture(autouse=True)
def plain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("LRLINT_NO_CACHE", "1")
    monkeypatch.delenv("LRLINT_OUTPUT_FORMAT", raising=False)


# --- -o: write through, never replace what is not a regular file ---------------------------------


def test_output_file_through_a_symlink_replaces_its_target_and_keeps_the_link(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": LR001_SRC, "reports/real.json": "old"})
    (tmp_path / "latest.json").symlink_to("reports/real.json")
    proc = run_cli("--output-format", "json", "-o", "latest.json", "a.py", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert (tmp_path / "latest.json").is_symlink()  # as `> latest.json` would leave it
    assert [d["code"] for d in json.loads((tmp_path / "reports" / "real.json").read_text())] == ["LR001"]
    assert [p.name for p in (tmp_path / "reports").iterdir()] == ["real.json"]  # no temp file left


def test_output_file_through_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": LR001_SRC})
    (tmp_path / "out.txt").symlink_to("made/here.txt")
    assert run_cli("-o", "out.txt", "a.py", cwd=tmp_path).returncode == 1
    assert (tmp_path / "out.txt").is_symlink()
    assert (tmp_path / "made" / "here.txt").read_text().startswith("a.py:5:31: LR001 ")


def test_output_file_keeps_the_mode_of_the_file_it_replaces(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": LR001_SRC, "out.txt": "old"})
    (tmp_path / "out.txt").chmod(0o640)
    assert run_cli("-o", "out.txt", "a.py", cwd=tmp_path).returncode == 1
    assert stat.S_IMODE((tmp_path / "out.txt").stat().st_mode) == 0o640


def test_output_file_to_a_fifo_writes_into_it(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": LR001_SRC})
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    proc = run_cli("-o", "pipe", "a.py", cwd=tmp_path)
    reader.join(timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still the FIFO, not a file in its place
    assert received and received[0].decode().startswith("a.py:5:31: LR001 ")


def test_output_file_dev_stdout_is_the_report_on_stdout(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": LR001_SRC})
    proc = run_cli("-o", "/dev/stdout", "a.py", cwd=tmp_path)
    assert proc.returncode == 1 and proc.stdout.decode().startswith("a.py:5:31: LR001 ")


def test_output_file_to_a_full_device_is_an_error_and_the_device_stays(tmp_path: Path) -> None:
    """As root, `-o /dev/full` once replaced /dev/full by a file. A device node of the same kind is
    made in tmp_path (root only), so a regression cannot break the machine's /dev/full."""
    device = tmp_path / "full"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 7))  # Linux's /dev/full: major 1, minor 7
    except (PermissionError, AttributeError, OSError):
        pytest.skip("making a device node needs root on Linux")
    write(tmp_path, {"a.py": LR001_SRC})
    proc = run_cli("-o", str(device), "a.py", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.decode() == f"lrlint: error: cannot write {device}: No space left on device\n"
    assert stat.S_ISCHR(os.lstat(device).st_mode)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_output_file_that_is_a_directory_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": LR001_SRC, "out/keep": "x"})
    proc = run_cli("-o", "out", "a.py", cwd=tmp_path)
    assert (proc.returncode, proc.stderr.decode()) == (2, "lrlint: error: cannot write out: Is a directory\n")


KILL_MID_WRITE = """
import os, signal, sys
from pathlib import Path
import lrlint.output as output

def interrupted(fd):  # the report is half written when the signal comes
    os.kill(os.getpid(), getattr(signal, sys.argv[2]))

os.fsync = interrupted
output.write_report(Path(sys.argv[1]), "x" * (3 * output.CHUNK))
"""


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP", "SIGINT"])
def test_a_signal_during_the_write_leaves_no_temp_file(tmp_path: Path, name: str) -> None:
    target = tmp_path / "report.json"
    target.write_text("previous report")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", KILL_MID_WRITE, str(target), name], env=env, capture_output=True, timeout=60)
    if name == "SIGINT":
        assert b"KeyboardInterrupt" in proc.stderr  # Ctrl-C: the exception, after the cleanup
    else:
        assert proc.returncode == -getattr(signal, name), proc.stderr  # still ended by the signal
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]
    assert target.read_text() == "previous report"


def test_a_signal_the_caller_handles_stays_the_callers(tmp_path: Path) -> None:
    script = KILL_MID_WRITE.replace("import lrlint.output as output", "import lrlint.output as output\nsignal.signal(signal.SIGTERM, lambda *a: print('handled'))")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", script, str(tmp_path / "r.txt"), "SIGTERM"], env=env, capture_output=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout == b"handled\n"
    assert list(tmp_path.iterdir()) == []


# --- file names that are not UTF-8 ------------------------------------------------------------------

ODD = b"caf\xe9.py"  # Latin-1, not UTF-8: Python holds the name as 'caf\udce9.py'


@pytest.fixture
def odd_names(tmp_path: Path) -> Path:
    try:
        with open(os.path.join(os.fsencode(tmp_path), ODD), "wb") as fh:
            fh.write(LR001_SRC.encode())
    except (OSError, UnicodeError):
        pytest.skip("the file system refuses a name that is not UTF-8")
    write(tmp_path, {"z_other.py": LR004_SRC})
    return tmp_path


@pytest.mark.parametrize("fmt", OUTPUT_FORMATS)
def test_every_format_survives_a_name_that_is_not_utf8(odd_names: Path, fmt: str) -> None:
    proc = run_cli("--output-format", fmt, ".", cwd=odd_names)
    assert proc.returncode == 1, proc.stderr
    assert b"internal error" not in proc.stderr and b"Traceback" not in proc.stderr
    out = proc.stdout.decode("utf-8")  # valid UTF-8, whatever the names
    assert "z_other.py" in out  # the other file's findings are all there
    if fmt in ("json", "gitlab", "json-lines"):
        items = [json.loads(line) for line in out.splitlines()] if fmt == "json-lines" else json.loads(out)
        names = [item["filename"] if fmt != "gitlab" else item["location"]["path"] for item in items]
        assert names == ["caf\\xe9.py", "z_other.py"]  # the odd byte as the 4 characters \xe9
    else:  # SARIF's URI names the bytes exactly; text formats show the 4 characters
        assert ("caf%E9.py" if fmt == "sarif" else "caf\\xe9.py") in out, out
        if fmt == "sarif":
            json.loads(out)


def test_a_name_that_is_not_utf8_in_an_output_file(odd_names: Path) -> None:
    proc = run_cli("--output-format", "sarif", "-o", "r.sarif", ".", cwd=odd_names)
    assert proc.returncode == 1, proc.stderr
    log = json.loads((odd_names / "r.sarif").read_text(encoding="utf-8"))
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]]
    assert uris == ["caf%E9.py", "z_other.py"]


# --- a reader that goes away ------------------------------------------------------------------------


def _piped_to_head(cwd: Path, *args: str, unbuffered: str = "") -> tuple[int, str]:
    command = f"set -o pipefail; {sys.executable} -m lrlint {' '.join(args)} | head -1 > first_line.txt; echo $?"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LRLINT_NO_CACHE": "1", "PYTHONUNBUFFERED": unbuffered}
    proc = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, timeout=120)
    assert b"Traceback" not in proc.stderr and b"BrokenPipe" not in proc.stderr, proc.stderr
    return int(proc.stdout.decode().strip()), (cwd / "first_line.txt").read_text()


def test_head_1_on_a_short_report_sees_lrlint_exit_1(tmp_path: Path) -> None:
    """The report fit in the pipe, all of it was written: the exit code is the findings' (as ruff)."""
    write(tmp_path, {"a.py": LR001_SRC})
    rc, first = _piped_to_head(tmp_path, "a.py")
    assert (rc, first) == (1, first) and first.startswith("a.py:5:31: LR001 ")


@pytest.mark.parametrize("unbuffered", ["", "1"])
def test_head_1_on_a_long_report_ends_lrlint_with_0(tmp_path: Path, unbuffered: str) -> None:
    """The reader went away with most of the report unwritten: EPIPE, and lrlint ends with 0, as
    ruff and ripgrep do (README: "a reader that goes away"). Also under PYTHONUNBUFFERED=1, where
    Python's text layer dropped the unwritten part of a partial write without an error."""
    many = LR004_SRC + "".join(f"s{i} = StepLR(optimizer, step_size=10, gamma=2.0)\n" for i in range(300))
    write(tmp_path, {f"m{i}.py": many for i in range(8)})  # 2,400 findings, about 1 MB of JSON
    rc, first = _piped_to_head(tmp_path, "--output-format", "json", ".", unbuffered=unbuffered)
    assert (rc, first) == (0, "[\n")


# --- messages stay short ----------------------------------------------------------------------------


def test_bound_shortens_quotes_runs_and_the_whole_message() -> None:
    name = "n" + "1" * 4300
    quoted = bound(f"`{name}.get_lr()` is called; use `{name}.get_last_lr()`")
    assert len(quoted) < 2 * (MAX_QUOTE + 2) + 40 and quoted.count(ELLIPSIS) == 2
    assert quoted.startswith("`n111") and quoted.endswith(".get_last_lr()`")  # both ends kept
    assert len(bound("x " * 10_000)) == MAX_MESSAGE
    short = "`StepLR` has no `milestones` parameter"
    assert bound(short) is short
    prose = "`a` " + "between two quotes the text is prose, never shortened " * 3 + "`b`"
    assert bound(prose) == prose


@pytest.mark.parametrize(
    "source",
    [
        "from torch.optim.lr_scheduler import StepLR\n{name} = StepLR(opt, 10)\n{name}.get_lr()\n",  # LR010: the name twice
        "from torch.optim.lr_scheduler import MultiStepLR\nMultiStepLR(opt, step_size={digits})\n",  # LR002: the number thrice
    ],
)
def test_a_4300_digit_name_or_number_makes_a_short_message(source: str) -> None:
    from tests.helpers import lint

    text = source.format(name="n" + "1" * 4300, digits="9" * 4299)
    [d] = [d for d in lint(text) if d.code.startswith("LR")]
    assert len(d.message) <= MAX_MESSAGE and ELLIPSIS in d.message, len(d.message)


# --- full reads only the lines it quotes --------------------------------------------------------------


class _CountingReader(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def test_rows_stop_after_the_last_row_wanted() -> None:
    data = b"".join(b"line %d\n" % i for i in range(1, 2_000_000))  # 23 MB
    reader = _CountingReader(data)
    lines = _stream_rows(reader, {1, 2, 3})
    assert lines.rows == {1: "line 1", 2: "line 2", 3: "line 3"} and lines.total is None
    assert reader.bytes_read <= CHUNK


def test_rows_skip_an_overlong_line_without_holding_it() -> None:
    data = b"short\n" + b"x" * (5 * MAX_LINE_BYTES) + b"\r\nafter\rlast"
    lines = _stream_rows(io.BytesIO(data), {1, 2, 3, 4, 5})
    assert lines.rows == {1: "short", 2: None, 3: "after", 4: "last"} and lines.total == 4


def test_rows_split_lines_as_python_does_across_chunks() -> None:
    text = ("a\r\n" * (CHUNK // 3) + "b\rc\n").encode()  # a `\r\n` falls across the chunk boundary
    lines = _stream_rows(io.BytesIO(text), set(range(1, CHUNK)))
    assert lines.total == CHUNK // 3 + 2
    assert set(lines.rows.values()) == {"a", "b", "c"}


def test_rows_decode_by_the_coding_cookie() -> None:
    data = "# -*- coding: latin-1 -*-\nname = 'café'\n".encode("latin-1")
    assert SourceLines(Path("/"), {"f.py": data}).rows("f.py", {2}).rows == {2: "name = 'café'"}  # type: ignore[union-attr]


def test_full_format_on_huge_files_stays_small_in_memory(tmp_path: Path) -> None:
    """Ten 60 MB files once cost 940 MB under `full` (each read whole to quote line 1 of its E903).
    Four 40 MB files here: the whole run stays far below what reading one of them whole takes."""
    line = b"x = 1  # " + b"p" * 90 + b"\n"
    block = line * (40 * 1024 * 1024 // len(line))
    for i in range(4):
        (tmp_path / f"big{i}.py").write_bytes(b"import torch.optim.lr_scheduler\n" + block)
    if not Path("/proc/self/status").exists():
        pytest.skip("reads the peak from /proc (ru_maxrss carries the parent's over fork and exec)")
    script = (
        "import re, sys\n"
        "from lrlint.cli import main\n"
        "rc = main(['--output-format', 'full', '--no-cache', '-j', '1', '.'])\n"
        "peak = re.search(r'VmHWM:\\s*(\\d+) kB', open('/proc/self/status').read()).group(1)\n"
        "print(rc, int(peak) // 1024, file=sys.stderr)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, timeout=300)
    out = proc.stdout.decode()
    assert out.count(": E903 ") == 4 and "1 | import torch.optim.lr_scheduler" in out  # quoted, from the first chunk
    rc, peak_mb = proc.stderr.decode().split()[-2:]
    assert rc == "1" and int(peak_mb) < 100, proc.stderr  # one file read whole: over 120 MB


# --- SARIF: a notebook's related locations ------------------------------------------------------------


def test_sarif_related_location_in_a_notebook_points_at_its_ipynb_row(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    text = json.dumps(NOTEBOOK, indent=1)
    write(tmp_path, {"nb.ipynb": text})
    monkeypatch.chdir(tmp_path)
    log = json.loads(lrlint_in_process(capsys, "--output-format", "sarif", "nb.ipynb").out)
    [lr005] = [r for r in log["runs"][0]["results"] if r["ruleId"] == "LR005"]
    [related] = lr005["relatedLocations"]
    row = related["physicalLocation"]["region"]["startLine"]
    assert text.splitlines()[row - 1].strip() == '"    opt.step()"'
    assert related["message"]["text"] == "cell 4, line 4: opt.step()"
