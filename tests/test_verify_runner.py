"""The parent side of --verify: the worker protocol, its failures, and the security promise."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from lrlint.diagnostics import Diagnostic, Position
from lrlint.scenario import Scenario
from lrlint.verify import runner, schedule_trajectories, torch_available, verify_diagnostics

FIXTURES = Path(__file__).parent / "verify_fixtures"
UNTRUSTED = FIXTURES / "untrusted_project"
ROOT = Path(__file__).resolve().parents[1]


def finding(code: str = "LR004", **scenario: Any) -> Diagnostic:
    scenario = {"scheduler": "ExponentialLR", "kwargs": {"gamma": 1.1}, "lr": 0.1, "epochs": 5, **scenario}
    return Diagnostic(code, "n", "m", "warning", "train.py", Position(1, 1), Position(1, 2), scenario=Scenario(**scenario))


def use_worker(monkeypatch: pytest.MonkeyPatch, code: str) -> None:
    """Replace the worker by a Python one-liner (a crash, a hang, garbage)."""
    monkeypatch.setattr(runner, "_worker_command", lambda: [sys.executable, "-c", code])


def only_verification(diagnostic: Diagnostic) -> Any:
    assert diagnostic.verification is not None
    return diagnostic.verification


def test_torch_available_does_not_import_torch() -> None:
    # A fresh interpreter: pytest's own process may have imported torch for other tests.
    code = (
        "import sys\n"
        "from lrlint.verify import torch_available, render_trajectory\n"
        "import lrlint.verify.runner, lrlint.verify.jobs, lrlint.verify.render\n"
        "render_trajectory('x', [0.1, 0.01])\n"
        "print(torch_available(), 'torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.split() == ["True", "False"]
    assert torch_available() is True


# A fake protocol-3 worker: reads the request, says hello, then runs FAKE_BODY once per job
# (`job` and `send` in scope). Each test decides how a job is answered, crashes or hangs. Its run
# record (ExponentialLR, gamma 1.1, one step) carries the job's id in a note that LR004's verdict
# quotes, so each verdict shows which answer it came from.
FAKE_WORKER = """
import json, os, sys, time
request = json.load(sys.stdin)
def send(line):
    sys.stdout.write(json.dumps(line) + "\\n"); sys.stdout.flush()
RUN = {"scheduler": "ExponentialLR", "order": "optimizer-first", "base_lr": 0.1, "horizon": 1,
       "trajectory": [0.1, 0.11], "params": {"gamma": 1.1}}
send({"type": "hello", "protocol": 3, "torch_version": "9.9", "device": "cpu", "error": None})
for position, job in enumerate(request["jobs"]):
%s
send({"type": "done"})
"""
ANSWER = '    send({"type": "result", "id": job["id"], "runs": [dict(RUN, notes=["lr ok " + job["id"]])]})'


def ok(job_id: str) -> str:
    """LR004's evidence for the fake worker's answer to job `job_id`."""
    return f"lr grows 0.1 -> 0.11 over 1 epochs (gamma=1.1; lr ok {job_id})"


def fake_worker(monkeypatch: pytest.MonkeyPatch, body: str) -> list[list[str]]:
    """Use FAKE_WORKER with `body`; returns the job ids of each worker started, as they start."""
    started: list[list[str]] = []
    code = FAKE_WORKER % body

    def command() -> list[str]:
        started.append([])
        return [sys.executable, "-c", code]

    original = runner._Worker.__init__

    def recording_init(self: Any, request: str) -> None:
        command_calls = len(started)
        original(self, request)
        if len(started) == command_calls + 1:
            started[-1].extend(job["id"] for job in json.loads(request)["jobs"])

    monkeypatch.setattr(runner, "_worker_command", command)
    monkeypatch.setattr(runner._Worker, "__init__", recording_init)
    return started


def findings(count: int) -> list[Diagnostic]:
    return [finding() for _ in range(count)]


def test_worker_timeout_is_inconclusive_and_kills_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    # The hanging worker also starts a child that holds the pipes: the whole group must go.
    use_worker(
        monkeypatch,
        "import subprocess, sys, time; "
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); time.sleep(60)",
    )
    monkeypatch.setattr(runner, "STARTUP_TIMEOUT", 1.0)
    monkeypatch.setattr(runner, "GRACE", 0.5)
    diagnostics = [finding(), finding("LR003", scheduler="MultiStepLR", kwargs={"milestones": [2, 2]})]
    started = time.monotonic()
    verify_diagnostics(diagnostics, timeout=1.5)
    assert time.monotonic() - started < 10  # one worker: it never started, no job is to blame
    for d in diagnostics:
        v = only_verification(d)
        assert v.status == "inconclusive"
        assert v.evidence == "verification timed out: no answer (starting torch) within 2 s; the worker was killed"


def test_a_hanging_job_costs_only_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    """Per-finding timeout: answered findings keep their verdict; the rest go to a fresh worker."""
    started = fake_worker(monkeypatch, ANSWER.replace("    send(", "    time.sleep(60) if job['id'] == '1' else send("))
    monkeypatch.setattr(runner, "GRACE", 0.5)
    diagnostics = findings(4)
    began = time.monotonic()
    verify_diagnostics(diagnostics, timeout=1.0)
    assert time.monotonic() - began < 15
    verdicts = [only_verification(d) for d in diagnostics]
    assert [(v.status, v.evidence) for v in verdicts] == [
        ("confirmed", ok("0")),
        ("inconclusive", "verification timed out: no result within 1.5 s; the worker was killed"),
        ("confirmed", ok("2")),
        ("confirmed", ok("3")),
    ]
    assert started == [["0", "1", "2", "3"], ["2", "3"]]
    assert {v.torch_version for v in verdicts} == {"9.9"}


def test_a_crash_mid_run_keeps_earlier_verdicts(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each worker answers its first job, then dies on the next: 0 answered, 1 crashed, 2 in a new worker...
    started = fake_worker(monkeypatch, "    if position == 1:\n        sys.stderr.write('Fatal Python error: Segmentation fault\\n'); os._exit(139)\n" + ANSWER)
    diagnostics = findings(4)
    verify_diagnostics(diagnostics)
    got = [(only_verification(d).status, only_verification(d).evidence) for d in diagnostics]
    crashed = ("inconclusive", "verification worker crashed (exit code 139): Fatal Python error: Segmentation fault")
    assert got == [("confirmed", ok("0")), crashed, ("confirmed", ok("2")), crashed]
    assert started == [["0", "1", "2", "3"], ["2", "3"]]


def test_restarts_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    started = fake_worker(monkeypatch, "    os._exit(3)\n")
    diagnostics = findings(6)
    verify_diagnostics(diagnostics)
    evidence = [only_verification(d).evidence for d in diagnostics]
    assert len(started) == runner.MAX_WORKERS == 4
    assert all(e.startswith("verification worker crashed (exit code 3)") for e in evidence[:4])
    assert evidence[4:] == ["not run: the verification worker failed 4 times in this run"] * 2


def test_the_workers_own_budget_interrupts_a_slow_job() -> None:
    """The real worker times a job out itself, answers it, and the next job goes to a fresh worker
    (the interrupted one may have been mid-import); no kill."""
    slow = finding(scheduler="ExponentialLR", kwargs={"gamma": 1.0}, epochs=10**9)  # capped at MAX_STEPS
    quick = finding("LR001", scheduler="StepLR", kwargs={"milestones": [3]}, epochs=3)  # raises at once
    verify_diagnostics([slow, quick], timeout=0.02)
    assert only_verification(slow).status == "inconclusive"
    assert only_verification(slow).evidence == "timed out: no result within 0.02 s (--verify-timeout, per finding)"
    # The next job has its verdict (or its own timeout, never a crash).
    assert only_verification(quick).evidence.startswith(("StepLR(...) raises TypeError", "timed out: no result within"))


def test_a_worker_that_asks_for_a_restart_hands_the_rest_to_a_fresh_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """After a job its timer interrupted, the worker answers it and stops ("restart"): the jobs
    not answered go to a fresh worker, and a restart is no failure (more than MAX_WORKERS of them
    lose nothing)."""
    restart = '    send({"type": "restart", "reason": "interrupted"}); sys.exit(0)\n'
    started = fake_worker(monkeypatch, ANSWER + "\n" + restart)  # every worker answers one job, then restarts
    diagnostics = findings(6)
    verify_diagnostics(diagnostics)
    assert [(only_verification(d).status, only_verification(d).evidence) for d in diagnostics] == [("confirmed", ok(str(i))) for i in range(6)]
    assert started == [[str(i) for i in range(first, 6)] for first in range(6)]


def test_a_short_verify_timeout_never_leaves_later_findings_a_broken_worker() -> None:
    """--verify-timeout 0.3: the first step of an optimizer imports some 800 modules (1.6 s); the
    job that paid for it timed out mid-import and the next ones, in the same worker, failed with
    "module 'sympy' has no attribute 'printing'". The worker now takes that step as it starts."""
    diagnostics = [finding(kwargs={"gamma": 1.0 + i / 10}) for i in range(1, 5)]
    verify_diagnostics(diagnostics, timeout=0.3)
    evidence = [only_verification(d).evidence for d in diagnostics]
    assert not any(e.startswith("worker error") for e in evidence), evidence
    assert [only_verification(d).status for d in diagnostics] == ["confirmed"] * 4, evidence


def test_worker_crash_is_inconclusive(monkeypatch: pytest.MonkeyPatch) -> None:
    use_worker(monkeypatch, "import sys; sys.stderr.write('Traceback...\\nMemoryError: boom\\n'); sys.exit(3)")
    d = finding()
    verify_diagnostics([d])
    v = only_verification(d)
    assert v.status == "inconclusive"
    assert v.evidence == "verification worker crashed (exit code 3): MemoryError: boom"


def test_worker_killed_by_a_signal_is_inconclusive(monkeypatch: pytest.MonkeyPatch) -> None:
    use_worker(monkeypatch, "import os, signal; os.kill(os.getpid(), signal.SIGKILL)")
    d = finding()
    verify_diagnostics([d])
    assert only_verification(d).evidence.startswith("verification worker crashed (killed by SIGKILL)")


def test_worker_garbage_output_is_inconclusive(monkeypatch: pytest.MonkeyPatch) -> None:
    use_worker(monkeypatch, "import sys; sys.stdin.read(); print('Segmentation fault? not JSON')")
    d = finding()
    verify_diagnostics([d])
    v = only_verification(d)
    assert v.status == "inconclusive"
    assert v.evidence == "verification worker sent no valid JSON line (got: Segmentation fault? not JSON)"


def test_worker_missing_a_result_is_inconclusive(monkeypatch: pytest.MonkeyPatch) -> None:
    started = fake_worker(monkeypatch, "    pass\n")  # hello, then "done" without results
    d = finding()
    verify_diagnostics([d])
    assert only_verification(d).evidence == "verification worker returned no result for this job"
    assert len(started) == 1


def test_worker_that_cannot_start_is_inconclusive(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(runner, "_worker_command", lambda: [str(tmp_path / "no-such-python")])
    d = finding()
    verify_diagnostics([d])
    assert only_verification(d).evidence.startswith("verification worker could not start:")


def test_trajectories_survive_a_crashing_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    use_worker(monkeypatch, "raise SystemExit(1)")
    (result,) = schedule_trajectories([("t.py:1", Scenario("StepLR", kwargs={"step_size": 3}))])
    assert result.trajectory is None and result.error is not None
    assert result.error.startswith("verification worker crashed (exit code 1)")


def test_findings_and_schedules_share_one_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    started = fake_worker(monkeypatch, ANSWER)
    d = finding()
    (schedule,) = runner.verify([d], [("t.py:1", Scenario("StepLR", kwargs={"step_size": 3}))])
    assert started == [["0", "t0"]]
    assert only_verification(d).evidence == ok("0") and schedule.error is None and schedule.note == "lr ok t0"
    assert schedule.trajectory is not None and schedule.trajectory.values() == [0.1, 0.11]


def test_nothing_to_verify_starts_no_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    use_worker(monkeypatch, "raise SystemExit(1)")  # would make every verdict inconclusive
    skipped = finding(unknown=("gamma",))
    other = Diagnostic("E902", "io-error", "m", "error", "x.py", Position(1, 1), Position(1, 1))
    verify_diagnostics([skipped, other])
    assert only_verification(skipped).status == "skipped"
    assert other.verification is None


def test_unknown_device_is_inconclusive_without_a_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    use_worker(monkeypatch, "raise SystemExit(1)")
    d = finding()
    verify_diagnostics([d], device="tpu")
    assert only_verification(d).evidence == "unknown device 'tpu': expected cpu, cuda or auto"


def test_literals_json_cannot_carry_cost_only_their_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    started = fake_worker(monkeypatch, ANSWER)
    huge = finding(kwargs={"gamma": 10**5000})  # past CPython's int-to-str digit limit
    fine = finding()
    verify_diagnostics([huge, fine])
    assert only_verification(huge).evidence.startswith("not sent to torch: its literals cannot be encoded")
    assert only_verification(fine).evidence == ok("1") and started == [["1"]]


def worker_lines(request: Any, env: dict[str, str] | None = None) -> list[dict[str, Any]]:
    out = subprocess.run(
        [sys.executable, "-m", "lrlint.verify.worker"],
        input=request if isinstance(request, str) else json.dumps(request),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "NumPy" not in out.stderr  # torch's import-time numpy warning is silenced
    return [json.loads(line) for line in out.stdout.splitlines()]


def test_worker_protocol_round_trip() -> None:
    """The JSON-lines protocol as the worker speaks it, without the runner in between: plans in,
    run records out, judged afterwards by the finding's rule as lrlint's own process does."""
    from lrlint.rules import rule_for
    from lrlint.verify.jobs import finding_plans, plan, runs_of, verification
    from lrlint.verify.record import Run

    growing = Scenario("StepLR", (2, 3.0), epochs=4)
    lr004 = rule_for("LR004")
    assert lr004 is not None and lr004.verification is not None
    request = {
        "protocol": 3,
        "device": "cpu",
        "timeout": 30,
        "jobs": [
            {"id": "a", "kind": "run", "plans": [p.to_json() for p in finding_plans(growing, lr004.verification)]},
            {"id": "b", "kind": "run", "plans": [plan(Scenario("StepLR", kwargs={"step_size": 2}, lr=1.0, epochs=4)).to_json()]},
            {"id": "c", "kind": "run", "plans": [{"no": "scheduler"}]},
            {"id": "d", "kind": "bogus"},
        ],
    }
    hello, a, b, c, d, done = worker_lines(request)
    assert hello["type"] == "hello" and hello["protocol"] == 3 and hello["device"] == "cpu" and hello["error"] is None
    assert hello["torch_version"][0].isdigit()
    assert a["type"] == "result" and a["id"] == "a" and set(a) == {"type", "id", "runs"}
    [run] = runs_of(a)
    assert run.trajectory == pytest.approx([0.1, 0.1, 0.3, 0.3, 0.9]) and run.params == {"step_size": 2, "gamma": 3.0, "last_epoch": -1}
    assert Run.from_json(json.loads(json.dumps(run.to_json()))) == run
    judged = verification(lr004, growing, [run], "cpu", hello["torch_version"])
    assert (judged.status, judged.evidence) == ("confirmed", "lr grows 0.1 -> 0.9 over 4 epochs (gamma=3.0; lr is not a literal: 0.1 stood in)")
    assert judged.trajectory is not None and judged.trajectory.to_json() == {
        "start": 0.1, "epochs": 4, "changes": [[2, pytest.approx(0.3)], [4, pytest.approx(0.9)]], "change_count": 2,
        "horizon": "loop range(4)", "assumed": False, "capped": False,
    }  # fmt: skip
    [schedule] = runs_of(b)
    assert schedule.trajectory == pytest.approx([1.0, 1.0, 0.1, 0.1, 0.01]) and schedule.construct_error is None
    assert schedule.horizon_note == "loop range(4)"
    assert set(c) == {"type", "id", "error"} and c["error"].startswith("worker error: TypeError")
    assert "unknown job kind 'bogus'" in d["error"]
    assert done == {"type": "done"}


def test_worker_rejects_a_bad_request_in_protocol() -> None:
    (hello,) = worker_lines("not json")
    assert hello["type"] == "hello" and hello["error"].startswith("worker: bad request: JSONDecodeError")


def test_worker_without_a_usable_torch_answers_in_protocol(tmp_path: Path) -> None:
    (tmp_path / "torch.py").write_text("raise ImportError('this torch is broken')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(tmp_path)])}
    (hello,) = worker_lines({"protocol": 3, "device": "cpu", "jobs": []}, env=env)
    assert hello["error"] == "torch could not be imported: ImportError: this torch is broken"


def test_user_code_is_never_executed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    monkeypatch.setenv("LRLINT_VERIFY_MARKER", str(marker))
    # The fixture does write the marker when run, so its absence below means something.
    for script in ("train.py", "torch.py"):
        subprocess.run([sys.executable, str(UNTRUSTED / script)], env=dict(os.environ), capture_output=True)
        assert marker.exists(), script
        marker.unlink()

    # As lrlint would run: from the user's project, which also has a torch.py that shadows torch.
    monkeypatch.chdir(UNTRUSTED)
    source = (UNTRUSTED / "train.py").read_text()
    row = next(i for i, line in enumerate(source.splitlines(), 1) if "StepLR(optimizer" in line)
    d = Diagnostic(
        "LR001",
        "steplr-milestones",
        "`milestones` passed to `StepLR`",
        "error",
        str(UNTRUSTED / "train.py"),
        Position(row, 13),
        Position(row, 62),
        scenario=Scenario("StepLR", kwargs={"milestones": [30, 80], "gamma": 0.1}, optimizer="SGD", lr=0.1, epochs=100, order="optimizer-first"),
    )
    verify_diagnostics([d])
    assert not marker.exists(), marker.read_text()
    v = only_verification(d)
    assert v.status == "confirmed", v.evidence  # the worker did run, with the real torch
