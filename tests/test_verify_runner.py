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
        "import lrlint.verify.runner, lrlint.verify.evidence, lrlint.verify.render\n"
        "render_trajectory('x', [0.1, 0.01])\n"
        "print(torch_available(), 'torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.split() == ["True", "False"]
    assert torch_available() is True


def test_worker_timeout_is_inconclusive_and_kills_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    # The hanging worker also starts a child that holds the pipes: the whole group must go.
    use_worker(
        monkeypatch,
        "import subprocess, sys, time; "
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); time.sleep(60)",
    )
    diagnostics = [finding(), finding("LR003", scheduler="MultiStepLR", kwargs={"milestones": [2, 2]})]
    started = time.monotonic()
    verify_diagnostics(diagnostics, timeout=1.5)
    assert time.monotonic() - started < 10
    for d in diagnostics:
        v = only_verification(d)
        assert v.status == "inconclusive"
        assert v.evidence == "verification worker timed out after 1.5 s and was killed"


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
    assert v.evidence == "verification worker sent no valid JSON reply (got: Segmentation fault? not JSON)"


def test_worker_missing_a_result_is_inconclusive(monkeypatch: pytest.MonkeyPatch) -> None:
    use_worker(monkeypatch, "import sys, json; json.load(sys.stdin); print(json.dumps({'results': []}))")
    d = finding()
    verify_diagnostics([d])
    assert only_verification(d).evidence == "verification worker returned no result for this finding"


def test_worker_that_cannot_start_is_inconclusive(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(runner, "_worker_command", lambda: [str(tmp_path / "no-such-python")])
    d = finding()
    verify_diagnostics([d])
    assert only_verification(d).evidence.startswith("verification worker could not start:")


def test_trajectories_survive_a_crashing_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    use_worker(monkeypatch, "raise SystemExit(1)")
    (result,) = schedule_trajectories([("t.py:1", Scenario("StepLR", kwargs={"step_size": 3}))])
    assert result.trajectory == [] and result.error is not None
    assert result.error.startswith("verification worker crashed (exit code 1)")


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


def test_worker_protocol_round_trip() -> None:
    """The JSON protocol as the worker speaks it, without the runner in between."""
    request = {
        "protocol": 1,
        "device": "cpu",
        "jobs": [
            {"id": "a", "kind": "verify", "code": "LR004", "scenario": Scenario("StepLR", (2, 3.0), epochs=4).to_json()},
            {"id": "b", "kind": "trajectory", "scenario": Scenario("StepLR", kwargs={"step_size": 2}, lr=1.0, epochs=4).to_json()},
            {"id": "c", "kind": "verify", "code": "LR003", "scenario": {"no": "scheduler"}},
            {"id": "d", "kind": "bogus"},
        ],
    }
    out = subprocess.run(
        [sys.executable, "-m", "lrlint.verify.worker"],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "NumPy" not in out.stderr  # torch's import-time numpy warning is silenced
    reply = json.loads(out.stdout)
    assert reply["protocol"] == 1 and reply["device"] == "cpu" and reply["error"] is None
    assert reply["torch_version"][0].isdigit()
    a, b, c, d = reply["results"]
    assert a == {
        "id": "a",
        "status": "confirmed",
        "evidence": "lr grows 0.1 -> 0.9 over 4 epochs (gamma=3.0; lr is not a literal: 0.1 stood in)",
        "trajectory": pytest.approx([0.1, 0.1, 0.3, 0.3, 0.9]),
    }
    assert b["trajectory"] == pytest.approx([1.0, 1.0, 0.1, 0.1, 0.01]) and b["error"] is None
    assert b["note"] == "loop range(4)"
    assert c["status"] == "inconclusive" and c["evidence"].startswith("worker error: KeyError")
    assert d["status"] == "inconclusive" and "unknown job kind 'bogus'" in d["evidence"]


def test_worker_rejects_a_bad_request_in_protocol() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "lrlint.verify.worker"], input="not json", capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert out.returncode == 0
    reply = json.loads(out.stdout)
    assert reply["results"] == [] and reply["error"].startswith("worker: bad request: JSONDecodeError")


def test_worker_without_a_usable_torch_answers_in_protocol(tmp_path: Path) -> None:
    (tmp_path / "torch.py").write_text("raise ImportError('this torch is broken')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(tmp_path)])}
    request = json.dumps({"protocol": 1, "device": "cpu", "jobs": []})
    out = subprocess.run(
        [sys.executable, "-m", "lrlint.verify.worker"], input=request, capture_output=True, text=True, cwd=ROOT, env=env, timeout=60
    )
    reply = json.loads(out.stdout)
    assert reply["error"] == "torch could not be imported: ImportError: this torch is broken"


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
