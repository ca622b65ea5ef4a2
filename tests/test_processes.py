"""Each file that reaches the parser is analysed in a bounded child process (lrlint/workers.py,
lrlint/child.py): the time and memory bounds hold in every mode, the verdict does not depend on
the number of workers, workers are capped, a dead worker costs only its own file, no worker
outlives lrlint or holds its pipes, and Ctrl-C is quiet."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import lrlint.workers
from lrlint import child
from lrlint.bounds import Bounds
from lrlint.config import load_settings
from lrlint.run import RunOptions, lint_paths
from lrlint.source import check_syntax
from lrlint.workers import default_jobs, worker_count
from tests.helpers import ROOT

pytestmark = pytest.mark.skipif(not (child.available() and sys.platform.startswith("linux")), reason="fork, prctl and /proc")

LR001 = b"from torch.optim.lr_scheduler import StepLR\nStepLR(o, milestones=[3])\n"
# libcst's parser is exponential in the depth of a match pattern (depth 26: minutes), in native
# code that holds the GIL: nothing in its process can interrupt it.
NESTED_MATCH = "match x:\n    case " + "(" * 30 + "a" + ")" * 30 + ":\n        pass\n"
TIMED_OUT = "not analysed: parsing it took longer than 1 s of CPU time, lrlint's limit per file"

# lrlint's command line with the analysis of some files replaced by real libcst work that never
# ends (`slow*`) or takes gigabytes (`hog*`), whatever parse lrlint itself does; every analysis
# leaves a marker named after its process id when LRLINT_TEST_MARKS names a folder.
LAUNCHER = f"""
import os, sys
import lrlint.workers as workers
real = workers.analyze_file
def analyze(filename, data, *args, **kwargs):
    marks = os.environ.get("LRLINT_TEST_MARKS")
    if marks and not filename.startswith("<"):  # not the warm-up before the children start
        open(os.path.join(marks, str(os.getpid())), "w").close()
    name = os.path.basename(filename)
    if name.startswith("slow"):
        import libcst
        libcst.parse_module({NESTED_MATCH!r})
    if name.startswith("hog"):
        import libcst
        libcst.parse_module("x = (" + "()," * 300_000 + ")\\n")
    return real(filename, data, *args, **kwargs)
workers.analyze_file = analyze
from lrlint.__main__ import main
sys.exit(main())
"""


def launch(tmp_path: Path, args: list[str], env: dict[str, str] | None = None, **popen: object) -> subprocess.Popen[bytes]:
    launcher = tmp_path / "launcher.py"
    launcher.write_text(LAUNCHER)
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "LRLINT_NO_CACHE": "1", **(env or {})}
    return subprocess.Popen(
        [sys.executable, str(launcher), "--output-format", "json", *args], cwd=tmp_path, env=full_env,
        stdin=popen.pop("stdin", subprocess.DEVNULL), stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen,  # type: ignore[arg-type]
    )  # fmt: skip


def run_launched(tmp_path: Path, args: list[str], env: dict[str, str], stdin: bytes | None = None) -> tuple[int, dict[str, list[tuple[str, str]]], str, float]:
    """(exit code, {file name: [(code, message)]}, stderr, wall seconds)."""
    began = time.monotonic()
    proc = launch(tmp_path, args, env, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL)
    out, err = proc.communicate(stdin, timeout=120)
    found: dict[str, list[tuple[str, str]]] = {}
    for d in json.loads(out):
        found.setdefault(Path(d["filename"]).name, []).append((d["code"], d["message"]))
    return proc.returncode, found, err.decode(), time.monotonic() - began


def folder(tmp_path: Path, names: list[str]) -> Path:
    root = tmp_path / "src"
    root.mkdir()
    for name in names:
        (root / name).write_bytes(LR001)
    return root


# --- 1. bounds, in every mode ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "mode", ["folder -j 2", "folder -j 1", "few files", "one file", "stdin"],
)
def test_a_parse_that_never_ends_is_e903_in_every_mode_and_costs_no_other_file(tmp_path: Path, mode: str) -> None:
    root = folder(tmp_path, ["ok1.py", "ok2.py", "ok3.py", "ok4.py", "slow.py"])
    env = {"LRLINT_FILE_TIMEOUT": "1"}
    if mode == "stdin":
        code, found, err, took = run_launched(tmp_path, ["-", "--stdin-filename", "slow.py"], env, stdin=LR001)
    else:
        args = {
            "folder -j 2": ["-j", "2", str(root)],
            "folder -j 1": ["-j", "1", str(root)],
            "few files": [str(root / "ok1.py"), str(root / "slow.py")],
            "one file": [str(root / "slow.py")],
        }[mode]
        code, found, err, took = run_launched(tmp_path, args, env)
    assert code == 1 and err == "", err
    assert found.pop("slow.py") == [("E903", TIMED_OUT)]
    assert all(codes == [("LR001", codes[0][1])] for codes in found.values()) and len(found) == {"folder -j 2": 4, "folder -j 1": 4, "few files": 1}.get(mode, 0)
    assert took < 30  # one CPU second for the file, plus start-up; unbounded, the parse takes hours


def test_a_parse_that_takes_gigabytes_is_e903_and_costs_no_other_file(tmp_path: Path) -> None:
    root = folder(tmp_path, ["ok1.py", "hog.py", "ok2.py"])
    code, found, err, _ = run_launched(tmp_path, ["-j", "2", str(root)], {"LRLINT_FILE_MEMORY": "200"})
    assert code == 1 and err == "", err
    assert found == {
        "hog.py": [("E903", "not analysed: parsing it needed more than 200 MB of memory, lrlint's limit per file")],
        "ok1.py": found["ok1.py"],
        "ok2.py": found["ok2.py"],
    }
    assert [c for c, _ in found["ok1.py"] + found["ok2.py"]] == ["LR001", "LR001"]


def test_the_quoted_pathological_inputs_through_the_plain_command_line(tmp_path: Path) -> None:
    """No patch: the nested match pattern and a file of empty tuples, each with a syntax error
    (CPython rejects them, libcst is asked whether they are newer syntax), and a megabyte of
    `((),(),...)` (bounded before any parse by its brackets)."""
    (tmp_path / "match.py").write_bytes(LR001 + NESTED_MATCH.encode() + b"def (:\n")
    (tmp_path / "tuples.py").write_bytes(LR001 + b"".join(b"x = (" + b"()," * 600 + b")\n" for _ in range(66)) + b"def (:\n")
    (tmp_path / "huge.py").write_bytes(LR001 + b"x = (" + b"()," * 340_000 + b")\n")
    (tmp_path / "ok.py").write_bytes(LR001)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LRLINT_FILE_TIMEOUT": "1", "LRLINT_FILE_MEMORY": "150"}
    began = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "lrlint", "--no-cache", "--output-format", "json", "."], cwd=tmp_path, env=env, capture_output=True, timeout=120, check=False)
    assert time.monotonic() - began < 60 and proc.stderr == b""
    found = {(d["filename"], d["code"], d["message"]) for d in json.loads(proc.stdout)}
    assert ("match.py", "E903", TIMED_OUT) in found
    assert ("tuples.py", "E903", "not analysed: parsing it needed more than 150 MB of memory, lrlint's limit per file") in found
    assert ("huge.py", "E903", "not analysed: 340,003 opening brackets, over lrlint's limit of 50,000 per file") in found
    assert {code for name, code, _ in found if name == "ok.py"} == {"LR001"}


def test_a_file_that_waits_instead_of_computing_meets_the_wall_clock_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = folder(tmp_path, ["ok.py", "stuck.py"])
    real = lrlint.workers.analyze_file

    def stuck(filename: str, *args: object, **kwargs: object) -> object:
        if filename.endswith("stuck.py"):
            time.sleep(600)  # no CPU used: only the parent's deadline ends it
        return real(filename, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(lrlint.workers, "analyze_file", stuck)
    monkeypatch.setenv("LRLINT_FILE_TIMEOUT", "0.2")  # wall clock: 10 x 0.2 s
    began = time.monotonic()
    result = lint_paths([str(root)], load_settings(root), options=RunOptions(use_cache=False, jobs=2))
    assert time.monotonic() - began < 15
    assert [(Path(d.filename).name, d.code) for d in result.diagnostics] == [("ok.py", "LR001"), ("stuck.py", "E903")]


def test_bad_bound_settings_are_one_line_errors() -> None:
    assert Bounds.from_env({}) == Bounds()
    assert Bounds.from_env({"LRLINT_FILE_TIMEOUT": "2.5", "LRLINT_FILE_MEMORY": "300"}) == Bounds(2.5, 300)
    for name, value in [("LRLINT_FILE_TIMEOUT", "0"), ("LRLINT_FILE_TIMEOUT", "nan"), ("LRLINT_FILE_MEMORY", "1.5"), ("LRLINT_FILE_MEMORY", "-3")]:
        with pytest.raises(ValueError, match=f"^{name} must be .* above 0, not '{value}'$"):
            Bounds.from_env({name: value})


def test_a_bad_bound_setting_stops_the_command_line_with_exit_2(tmp_path: Path) -> None:
    (tmp_path / "t.py").write_bytes(LR001)
    proc = subprocess.run(
        [sys.executable, "-m", "lrlint", "--no-cache", "t.py"], cwd=tmp_path, capture_output=True, timeout=60, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT), "LRLINT_FILE_TIMEOUT": "soon"},
    )  # fmt: skip
    assert proc.returncode == 2 and proc.stdout == b""
    assert proc.stderr.decode() == "lrlint: error: LRLINT_FILE_TIMEOUT must be a number of seconds above 0, not 'soon'\n"


# --- 2. one verdict, wherever the parse runs ---------------------------------------------------------


def _plus_chain(operands: int) -> bytes:
    return b"from torch.optim.lr_scheduler import ExponentialLR\nExponentialLR(opt, gamma=1.5)\nx = " + b"+".join([b"1"] * operands) + b"\n"


def test_cpythons_nesting_limit_gives_one_verdict_whatever_the_worker_count(tmp_path: Path) -> None:
    """At CPython's exact nesting limit, `-j 1` gave LR004 and `-j 2` an E999: the worker's stack
    was deeper. Files around the limit, in one process, in several, and through library calls
    nested in Python frames and in C calls (an object's __call__): the same verdict each time."""
    counts = range(2975, 3015, 3)
    verdicts = {n: check_syntax(_plus_chain(n).decode()) is None for n in counts}
    assert set(verdicts.values()) == {True, False}, "the range must straddle CPython's limit"
    root = tmp_path / "p"
    root.mkdir()
    for n in counts:
        (root / f"plus{n}.py").write_bytes(_plus_chain(n))
    runs = []
    for jobs in (1, 2):
        result = lint_paths([str(root)], load_settings(root), options=RunOptions(use_cache=False, jobs=jobs))
        runs.append(sorted((Path(d.filename).name, d.code) for d in result.diagnostics))
    assert runs[0] == runs[1]

    from lrlint.linter import lint_bytes

    def alone(n: int) -> list[str]:
        return [d.code for d in lint_bytes(f"plus{n}.py", _plus_chain(n)).diagnostics]

    class Deeper:  # each level is a Python frame and a C-level call
        def __call__(self, levels: int, n: int) -> list[str]:
            return Deeper()(levels - 1, n) if levels else alone(n)

    for n in counts:
        in_run = [code for name, code in runs[0] if name == f"plus{n}.py"]
        assert alone(n) == Deeper()(150, n) == in_run, n
        assert in_run == (["LR004"] if verdicts[n] else ["E999"]), n


# --- 3. workers capped; a dead worker costs its file only ------------------------------------------


def _pids_of_analyses(monkeypatch: pytest.MonkeyPatch, marks: Path, crash: str | None = None) -> None:
    """Each analysis of a file of the run leaves a marker `pid-name` in `marks`."""
    marks.mkdir()
    real = lrlint.workers.analyze_file

    def marking(filename: str, *args: object, **kwargs: object) -> object:
        if not filename.startswith("<"):  # not the warm-up before the children start
            (marks / f"{os.getpid()}-{Path(filename).name}").touch()
        if crash is not None and filename.endswith(crash):
            os.kill(os.getpid(), signal.SIGSEGV)  # as a parser crash would
        return real(filename, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(lrlint.workers, "analyze_file", marking)


def test_jobs_are_capped_by_cpus_and_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert worker_count(1000, 3) == min(3, default_jobs())
    assert worker_count(1000, 10_000) == default_jobs()
    assert worker_count(0, 5) == worker_count(1, 5) == 1
    root = folder(tmp_path, [f"m{i:02}.py" for i in range(30)])
    _pids_of_analyses(monkeypatch, tmp_path / "marks")
    result = lint_paths([str(root)], load_settings(root), options=RunOptions(use_cache=False, jobs=1000))
    assert len(result.diagnostics) == 30
    pids = {p.name.split("-")[0] for p in (tmp_path / "marks").iterdir()}
    assert 1 <= len(pids) <= default_jobs() and str(os.getpid()) not in pids


def test_a_dead_worker_costs_only_its_file_and_the_rest_stay_in_the_pool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """The crash is named, every other file keeps its finding, the others are analysed by the
    pool (not one fresh process each), and nothing of the crash reaches the terminal: no 'Fatal
    Python error' from the faulthandler pytest enables."""
    root = folder(tmp_path, [f"m{i:02}.py" for i in range(40)] + ["crash.py"])
    _pids_of_analyses(monkeypatch, tmp_path / "marks", crash="crash.py")
    warnings: list[str] = []
    result = lint_paths([str(root)], load_settings(root), options=RunOptions(use_cache=False, jobs=2), warn=warnings.append)
    assert warnings == [f"lrlint: internal error while checking {root / 'crash.py'}: the analysis process crashed on this file"]
    assert result.crashed and len(result.diagnostics) == 40
    pids = {p.name.split("-")[0] for p in (tmp_path / "marks").iterdir()}
    assert len(pids) <= min(2, default_jobs()) + 1  # the pool, and one child replacing the dead one
    captured = capfd.readouterr()
    assert "Fatal Python error" not in captured.err and "Segmentation fault" not in captured.err


# --- 4. no worker outlives lrlint, none holds its pipes; Ctrl-C is quiet ----------------------------


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie is gone for every purpose but its process-table entry


def _busy_children(tmp_path: Path, marks: Path, count: int) -> tuple[subprocess.Popen[bytes], list[int]]:
    """lrlint over `count` files whose parse never ends, in its own session as a shell runs it;
    returns it once each child is inside libcst, with their pids."""
    marks.mkdir()
    root = folder(tmp_path, [f"slow{i}.py" for i in range(count)])
    proc = launch(tmp_path, ["-j", str(count), str(root)], {"LRLINT_TEST_MARKS": str(marks)}, start_new_session=True)
    deadline = time.monotonic() + 60
    while len(list(marks.iterdir())) < count:
        assert time.monotonic() < deadline and proc.poll() is None, "the children never started"
        time.sleep(0.05)
    time.sleep(0.2)  # inside the parse now
    return proc, [int(p.name) for p in marks.iterdir()]


def _eof_within(proc: subprocess.Popen[bytes], seconds: float) -> bool:
    """Whether lrlint's stdout and stderr reach their end: no survivor holds them open."""
    streams = [proc.stdout, proc.stderr]
    deadline = time.monotonic() + seconds
    while streams and time.monotonic() < deadline:
        ready, _, _ = select.select(streams, [], [], max(deadline - time.monotonic(), 0))
        for stream in ready:
            if not os.read(stream.fileno(), 65536):  # type: ignore[union-attr]
                streams.remove(stream)
    return not streams


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGHUP], ids=["SIGKILL", "SIGTERM", "SIGHUP"])
def test_no_worker_outlives_a_killed_lrlint_nor_holds_its_pipes(tmp_path: Path, sig: signal.Signals) -> None:
    count = min(2, default_jobs())
    proc, children = _busy_children(tmp_path, tmp_path / "marks", count)
    try:
        assert len(children) == count and all(_alive(pid) for pid in children)
        os.kill(proc.pid, sig)  # lrlint alone, not its group: the children must notice by themselves
        assert _eof_within(proc, 5), "a worker kept lrlint's output pipes open"
        proc.wait(timeout=10)
        deadline = time.monotonic() + 5
        while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_alive(pid) for pid in children), "a worker outlived lrlint"
    finally:
        proc.kill()
        for pid in children:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_ctrl_c_ends_every_worker_without_a_traceback(tmp_path: Path) -> None:
    count = min(2, default_jobs())
    proc, children = _busy_children(tmp_path, tmp_path / "marks", count)
    try:
        os.killpg(proc.pid, signal.SIGINT)  # what the terminal sends on Ctrl-C: the foreground group
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == 130
        assert err == b"" and out == b""
        assert not any(_alive(pid) for pid in children)
    finally:
        proc.kill()
        for pid in children:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
