"""--verify stays bounded in time, memory and output size, whatever the literals say.

The hostile literals are verified together in a fresh process whose only child is the torch worker,
so `RUSAGE_CHILDREN` is that worker's peak RSS, a bound for each job; the run's time bounds each
job's time. The memory bound is relative to a trivial scenario run the same way (importing torch
dominates), so it holds across torch releases.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

import pytest

from lrlint.diagnostics import Diagnostic, Position
from lrlint.scenario import Scenario
from lrlint.verify import verify_diagnostics
from tests.helpers import ROOT

HARNESS = """
import json, resource, sys, time
from lrlint.diagnostics import Diagnostic, Position
from lrlint.scenario import Scenario
from lrlint.verify import verify_diagnostics
cases = json.loads(sys.stdin.read())
found = [Diagnostic(code, "n", "m", "warning", "t.py", Position(1, 1), Position(1, 1), scenario=Scenario.from_json(scenario))
         for code, scenario in cases.values()]
began = time.monotonic()
verify_diagnostics(found, timeout=60)
seconds = time.monotonic() - began
peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({name: {
    "seconds": seconds,
    "peak_mb": peak_mb,
    "status": d.verification.status,
    "evidence": d.verification.evidence,
    "epochs": d.verification.trajectory.epochs if d.verification.trajectory else None,
    "torch_in_parent": "torch" in sys.modules,
} for name, d in zip(cases, found)}))
"""
# name -> (code, scenario, what the evidence must say about the bound)
HOSTILE: dict[str, tuple[str, Scenario, str]] = {
    "step_size=10**18": ("LR004", Scenario("StepLR", kwargs={"step_size": 10**18, "gamma": 2.0}, lr=0.1), "capped at 10000 steps"),
    "milestones=[10**12]": ("LR003", Scenario("MultiStepLR", kwargs={"milestones": [10**12, 10**12]}, lr=0.1), "capped at 10000 steps"),
    "100,000 milestones": ("LR003", Scenario("MultiStepLR", kwargs={"milestones": list(range(100_000, 0, -1))}, lr=0.1), "capped at 10000 steps"),
    "gamma=1e308": ("LR004", Scenario("ExponentialLR", kwargs={"gamma": 1e308}, lr=0.1, epochs=100), "lr overflows to inf at epoch 2"),
    "range(10**9)": ("LR004", Scenario("ExponentialLR", kwargs={"gamma": 1.0}, lr=0.1, epochs=10**9), "loop range(1000000000) capped at 10000 steps"),
}
BASELINE = ("LR004", Scenario("ExponentialLR", kwargs={"gamma": 2.0}, lr=0.1, epochs=3))
EXTRA_MB = 150  # what one job may add to the worker's peak over a trivial job
MAX_SECONDS = 60  # all five: a capped job takes under a second, importing torch a few under load


@pytest.fixture(scope="module")
def measured() -> dict[str, dict[str, Any]]:
    """The hostile cases in one harness (one worker), the baseline in another, both at once."""
    groups = [{"baseline": BASELINE}, {name: case[:2] for name, case in HOSTILE.items()}]
    procs = []
    for group in groups:
        proc = subprocess.Popen(
            [sys.executable, "-c", HARNESS], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        procs.append((proc, json.dumps({name: [code, scenario.to_json()] for name, (code, scenario) in group.items()})))
    results: dict[str, dict[str, Any]] = {}
    for proc, request in procs:
        out, err = proc.communicate(request, timeout=300)
        assert proc.returncode == 0, err
        results.update(json.loads(out))
    return results


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_literal_is_bounded_and_says_so(measured: dict[str, dict[str, Any]], name: str) -> None:
    result, baseline = measured[name], measured["baseline"]
    assert not result["torch_in_parent"]
    assert result["status"] in ("confirmed", "refuted", "inconclusive") and "timed out" not in result["evidence"], result
    assert HOSTILE[name][2] in result["evidence"], result["evidence"]
    assert result["epochs"] is not None and result["epochs"] <= 10_000
    assert result["seconds"] < MAX_SECONDS, result
    assert result["peak_mb"] < baseline["peak_mb"] + EXTRA_MB, (result["peak_mb"], baseline["peak_mb"])


def test_a_100k_milestone_list_is_quoted_short(measured: dict[str, dict[str, Any]]) -> None:
    evidence = measured["100,000 milestones"]["evidence"]
    # Every step of the capped run decays (the rate is compared with the sorted schedule's, float
    # noise included), and the 100,000 epochs are quoted as 8 and a count.
    assert re.match(r"no error, no warning: torch decays at epochs 1, 2, 3, 4, 5, 6, 7, 8 \(\+9992 more\) as if sorted", evidence)
    assert len(evidence) < 400


def test_memory_guard_turns_a_runaway_allocation_into_memory_error() -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("RLIMIT_AS on /proc/self/statm: Linux only")
    code = (
        "from lrlint.verify import worker\n"
        "worker.limit_memory('cpu')\n"
        "try:\n"
        "    block = bytearray(worker.MEMORY_HEADROOM + 2**30)\n"
        "except MemoryError:\n"
        "    print('MemoryError')\n"
        "small = bytearray(2**26)\n"  # and ordinary allocations still work
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["MemoryError", "ok"], out.stderr


# --- output size ------------------------------------------------------------------------------


def test_trajectories_are_change_points_not_steps() -> None:
    """10,000-step schedules: a step schedule keeps its few changes, a smooth one a bounded sample."""
    steps = Diagnostic("LR004", "n", "m", "warning", "t.py", Position(1, 1), Position(1, 1),
                       scenario=Scenario("StepLR", kwargs={"step_size": 1000, "gamma": 2.0}, lr=0.1, epochs=10_000))  # fmt: skip
    smooth = Diagnostic("LR004", "n", "m", "warning", "t.py", Position(2, 1), Position(2, 1),
                        scenario=Scenario("ExponentialLR", kwargs={"gamma": 1.0001}, lr=0.1, epochs=10_000))  # fmt: skip
    verify_diagnostics([steps, smooth])
    for d in (steps, smooth):
        assert d.verification is not None and d.verification.status == "confirmed", d.verification
    step_curve = steps.verification.trajectory  # type: ignore[union-attr]
    smooth_curve = smooth.verification.trajectory  # type: ignore[union-attr]
    assert step_curve is not None and smooth_curve is not None
    assert [epoch for epoch, _ in step_curve.changes] == list(range(1000, 10_001, 1000))
    assert step_curve.change_count == 10 and not step_curve.sampled
    assert smooth_curve.change_count == 10_000 and len(smooth_curve.changes) == 200 and smooth_curve.sampled
    assert smooth_curve.changes[-1] == (10_000, pytest.approx(0.1 * 1.0001**10_000))
    # What one float per step weighed, against the change points.
    assert len(json.dumps(step_curve.to_json())) * 50 < len(json.dumps(step_curve.values()))
    assert len(json.dumps(smooth_curve.to_json())) * 20 < len(json.dumps(smooth_curve.values()))
