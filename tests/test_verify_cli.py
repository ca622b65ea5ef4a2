"""--verify from the command line: its options, and what its output formats carry."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lrlint.cli import main
from lrlint.verify import runner
from tests.helpers import ROOT, expand_trajectory, run_cli

TORCH_HEADER = (
    "import torch\n"
    "from torch.optim.lr_scheduler import ExponentialLR, MultiStepLR, StepLR\n"
    "model = torch.nn.Linear(2, 1)\n"
)
# Rates that leave the floats: an lr literal past the float range, gammas that overflow it.
OVERFLOW = TORCH_HEADER + (
    "opt = torch.optim.SGD(model.parameters(), lr=1e400)\n"
    "grow = ExponentialLR(opt, gamma=1e308)\n"  # row 5: the lr is inf from the start
    "opt2 = torch.optim.SGD(model.parameters(), lr=0.1)\n"
    "jump = StepLR(opt2, step_size=30, gamma=1e400)\n"  # row 7: inf at the first decay, epoch 30
    "for epoch in range(100):\n"
    "    opt2.step()\n"
    "    jump.step()\n"
)
# One scheduler in a literal range(N) loop, one whose horizon lrlint must assume.
TWO_SCHEDULES = TORCH_HEADER + (
    "opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
    "a = StepLR(opt, step_size=3, gamma=2.0)\n"  # row 5: LR004, in the loop below
    "for epoch in range(10):\n"
    "    opt.step()\n"
    "    a.step()\n"
    "b = MultiStepLR(opt, milestones=[5, 8])\n"  # row 9: no loop steps it, no finding
)


def strict_json(text: str) -> Any:
    """Parse as a CI gate's strict parser would: NaN, Infinity and -Infinity are errors."""

    def reject(token: str) -> Any:
        raise ValueError(f"not JSON: {token}")

    return json.loads(text, parse_constant=reject)


def in_process(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        rc = main(list(args))
    except SystemExit as exc:
        rc = int(exc.code or 0)
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "overflow.py").write_text(OVERFLOW)
    (tmp_path / "two.py").write_text(TWO_SCHEDULES)
    return tmp_path


# --- --verify-timeout -------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "-1", "0.0", "ten", "", "1e999", "1e300"])
def test_bad_verify_timeout_is_a_one_line_usage_error(capsys: pytest.CaptureFixture[str], value: str) -> None:
    rc, out, err = in_process(capsys, "--verify", f"--verify-timeout={value}", "no-such-file.py")
    assert rc == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("lrlint: error: --verify-timeout: "), err


def test_verify_timeout_is_per_finding_in_help(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = in_process(capsys, "--help")
    assert rc == 0
    assert "time limit per finding" in " ".join(out.split())


def test_parse_timeout_accepts_seconds() -> None:
    assert runner.parse_timeout("0.5") == 0.5 and runner.parse_timeout("120") == 120.0


# --- non-finite numbers -----------------------------------------------------------------------


def test_overflow_is_strict_json_and_honest_evidence(project: Path) -> None:
    proc = run_cli("--verify", "--output-format", "json", "overflow.py", cwd=project)
    assert proc.returncode == 1, proc.stderr.decode()
    text = proc.stdout.decode()
    assert "Infinity" not in text and "NaN" not in text
    found = {f["location"]["row"]: f["verification"] for f in strict_json(text)}
    # The lr is inf before any step: said so, and written as the string "inf".
    assert found[5]["trajectory"]["start"] == "inf"
    assert found[5]["status"] == "inconclusive" and "lr is inf before any step" in found[5]["evidence"]
    # gamma=inf: the rate overflows at the first decay. It grew; "never applied" would be false.
    assert found[7]["status"] == "confirmed"
    assert found[7]["evidence"] == "lr grows 0.1 -> inf: lr overflows to inf at epoch 30 (gamma=inf)"
    assert found[7]["trajectory"]["epochs"] == 29 and found[7]["trajectory"]["capped"]


# --- SARIF ------------------------------------------------------------------------------------


def test_sarif_results_carry_the_verdict(project: Path) -> None:
    proc = run_cli("--verify", "--output-format", "sarif", "two.py", "overflow.py", cwd=project)
    assert proc.returncode == 1, proc.stderr.decode()
    text = proc.stdout.decode()
    assert "Infinity" not in text
    inf_start, overflow, result = strict_json(text)["runs"][0]["results"]  # overflow.py sorts first
    assert [r["properties"]["verification"]["status"] for r in (inf_start, overflow)] == ["inconclusive", "confirmed"]
    verification = result["properties"]["verification"]
    assert set(verification) == {"status", "evidence", "device", "torch_version"}
    assert verification["status"] == "confirmed" and verification["device"] == "cpu"
    assert verification["evidence"].startswith("lr grows 0.1 -> 0.")
    assert verification["torch_version"][0].isdigit()
    plain = strict_json(run_cli("--output-format", "sarif", "two.py", cwd=project).stdout.decode())
    assert "properties" not in plain["runs"][0]["results"][0]  # no --verify, no verdict


# --- --verify-all -----------------------------------------------------------------------------


def test_verify_all_json_keeps_the_array_and_writes_the_schedules_file(project: Path) -> None:
    proc = run_cli("--verify-all", "--output-format", "json", "--schedules-file", "schedules.json", "two.py", cwd=project)
    assert proc.returncode == 1, proc.stderr.decode()
    findings = strict_json(proc.stdout.decode())
    assert isinstance(findings, list) and [f["code"] for f in findings] == ["LR004"]  # the CI gate's shape
    schedules = strict_json((project / "schedules.json").read_text())
    by_row = {s["row"]: s for s in schedules}
    assert [(s["filename"], s["row"], s["scheduler"]) for s in schedules] == [("two.py", 5, "StepLR"), ("two.py", 9, "MultiStepLR")]
    looped, unlooped = by_row[5], by_row[9]
    assert looped["ran"] and looped["error"] is None and looped["device"] == "cpu" and looped["cell"] is None
    assert expand_trajectory(looped["trajectory"]) == pytest.approx([0.1] * 3 + [0.2] * 3 + [0.4] * 3 + [0.8] * 2)
    assert not looped["trajectory"]["assumed"] and looped["trajectory"]["horizon"] == "loop range(10)"
    assert unlooped["trajectory"]["assumed"] and unlooped["trajectory"]["changes"] == [[5, pytest.approx(0.01)], [8, pytest.approx(0.001)]]
    # And the array is exactly what --verify alone prints: --verify-all adds nothing to it.
    alone = strict_json(run_cli("--verify", "--output-format", "json", "two.py", cwd=project).stdout.decode())
    assert findings == alone


def test_verify_all_json_without_a_schedules_file_says_where_they_are(project: Path) -> None:
    proc = run_cli("--verify-all", "--output-format", "json", "two.py", cwd=project)
    assert isinstance(strict_json(proc.stdout.decode()), list)
    assert "--schedules-file PATH writes the --verify-all schedules" in proc.stderr.decode()


def test_schedules_file_needs_verify_all(capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = in_process(capsys, "--verify", "--schedules-file", "x.json", "no-such-file.py")
    assert rc == 2 and err == "lrlint: error: --schedules-file needs --verify-all\n"


def test_findings_and_schedules_go_to_one_worker(project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    requests: list[int] = []
    real = runner._Worker.__init__

    def counting(self: Any, request: str) -> None:
        requests.append(len(json.loads(request)["jobs"]))
        real(self, request)

    monkeypatch.setattr(runner._Worker, "__init__", counting)
    monkeypatch.chdir(project)
    rc, out, err = in_process(capsys, "--verify-all", "two.py")
    assert rc == 1, err
    assert requests == [3]  # LR004's verification and both schedules, in one request
    assert "Schedules (2 schedulers run in torch):" in out


def test_trajectory_header_says_when_the_epoch_count_was_assumed(project: Path) -> None:
    proc = run_cli("--verify-all", "--show-trajectory", "two.py", cwd=project)
    lines = proc.stdout.decode().splitlines()
    looped = [line for line in lines if line.startswith(("two.py:5 StepLR", "two.py:5 LR004"))]
    assumed = [line for line in lines if line.startswith("two.py:9 MultiStepLR")]
    assert len(looped) == 2 and len(assumed) == 1, lines
    for line in looped:
        assert "over 10 epochs  " in line and "assumed" not in line
    assert "over 18 epochs (assumed: no literal range(N))" in assumed[0]


# --- several runs at once ---------------------------------------------------------------------


def test_concurrent_verify_runs_do_not_corrupt_each_other(tmp_path: Path) -> None:
    args = ["--verify-all", "--output-format", "json", "fixtures/bad"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}

    def start(index: int) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-m", "lrlint", *args, "--schedules-file", str(tmp_path / f"s{index}.json")]
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    single = start(0)
    alone, _ = single.communicate(timeout=120)
    runs = [start(index) for index in range(1, 5)]  # four at once on the same tree
    outputs = [proc.communicate(timeout=240) for proc in runs]
    expected = strict_json(alone.decode())
    expected_schedules = strict_json((tmp_path / "s0.json").read_text())
    assert len(expected) > 10 and any(f["verification"]["status"] == "confirmed" for f in expected)
    for index, (proc, (out, err)) in enumerate(zip(runs, outputs), start=1):
        assert proc.returncode == 1, err.decode()
        assert strict_json(out.decode()) == expected
        assert strict_json((tmp_path / f"s{index}.json").read_text()) == expected_schedules
