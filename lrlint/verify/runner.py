"""Parent side of --verify: hand literal scenarios to ONE worker subprocess, read its verdicts.

This module never imports torch (the static linter must not): torch lives in the worker only.

Protocol (version 1), one JSON object each way:

    request (stdin):  {"protocol": 1, "device": "cpu" | "cuda" | "cuda:N" | "auto",
                       "jobs": [{"id": "3", "kind": "verify", "code": "LR003", "scenario": {...}},
                                {"id": "t0", "kind": "trajectory", "scenario": {...}}]}
    reply (stdout):   {"protocol": 1, "torch_version": "2.13.0+cpu", "device": "cpu",
                       "error": null | "why no job ran (e.g. no CUDA device)",
                       "results": [{"id": "3", "status": "confirmed", "evidence": "...",
                                    "trajectory": [0.1, ...]},
                                   {"id": "t0", "trajectory": [...], "error": null | "...",
                                    "note": "loop range(50); ..." | null}]}

A scenario is `Scenario.to_json()`: literals only, never user code.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lrlint.diagnostics import Diagnostic, Verification
from lrlint.scenario import Scenario
from lrlint.verify.evidence import skip_reason, unknown_params, verifiable_codes

PROTOCOL = 1
DEVICES = ("cpu", "cuda", "auto")
# The directory holding the lrlint package this process runs: the worker must import the same one,
# and nothing from the user's working directory.
PACKAGE_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class TrajectoryResult:
    """One scheduler's learning rate per epoch (index 0: after construction), or why there is none."""

    label: str  # where the scheduler was built, e.g. "train.py:12"
    scheduler: str
    trajectory: list[float] = field(default_factory=list)
    error: str | None = None  # what torch raised, or why the scheduler was not built
    note: str | None = None  # horizon used and any stand-in (lr, optimizer, plateau metric)
    device: str | None = None
    torch_version: str | None = None


@dataclass
class WorkerReply:
    results: dict[str, dict[str, Any]]
    failure: str | None  # one line when the worker gave no usable answer: every job is affected
    device: str | None
    torch_version: str | None


def torch_available() -> bool:
    """Whether torch is installed, without importing it."""
    try:
        return importlib.util.find_spec("torch") is not None
    except (ImportError, ValueError):
        return False


def _worker_command() -> list[str]:
    """The worker's command line; tests replace it to simulate a crashing or hanging worker."""
    return [sys.executable, "-m", "lrlint.verify.worker"]


def _worker_env() -> dict[str, str]:
    env = dict(os.environ)
    path = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(PACKAGE_ROOT) + (os.pathsep + path if path else "")
    return env


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return _one_line(lines[-1]) if lines else "no output on stderr"


def _exit_reason(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


def _communicate(request: dict[str, Any], timeout: float) -> tuple[str, str, int] | str:
    """(stdout, stderr, returncode) of the worker, or a one-line failure."""
    try:
        proc = subprocess.Popen(
            _worker_command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            # The worker's cwd is lrlint's own install root: `-m` puts the cwd on sys.path, and the
            # user's directory (a stray torch.py) must never be importable there.
            cwd=str(PACKAGE_ROOT),
            env=_worker_env(),
            start_new_session=True,  # so a timeout can kill the worker and anything it started
        )
    except OSError as exc:
        return f"verification worker could not start: {_one_line(str(exc))}"
    try:
        stdout, stderr = proc.communicate(json.dumps(request), timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        return f"verification worker timed out after {timeout:g} s and was killed"
    return stdout, stderr, proc.returncode


def _kill(proc: subprocess.Popen[str]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (OSError, AttributeError):  # no process groups (Windows) or already gone
        proc.kill()
    try:
        proc.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def _run_worker(device: str, jobs: list[dict[str, Any]], timeout: float) -> WorkerReply:
    """Run every job in one worker; never raises: failures come back as `failure`."""
    if device not in DEVICES and not device.startswith("cuda:"):
        return WorkerReply({}, f"unknown device {device!r}: expected cpu, cuda or auto", None, None)
    outcome = _communicate({"protocol": PROTOCOL, "device": device, "jobs": jobs}, timeout)
    if isinstance(outcome, str):
        return WorkerReply({}, outcome, device, None)
    stdout, stderr, returncode = outcome
    if returncode != 0:
        reason = _exit_reason(returncode)
        return WorkerReply({}, f"verification worker crashed ({reason}): {_last_line(stderr)}", device, None)
    try:
        reply = json.loads(stdout)
        if not isinstance(reply, dict) or not isinstance(reply.get("results"), list):
            raise ValueError("not a reply object")
    except ValueError:
        shown = _one_line(stdout, 80) or "nothing"
        return WorkerReply({}, f"verification worker sent no valid JSON reply (got: {shown})", device, None)
    results = {str(r.get("id")): r for r in reply["results"] if isinstance(r, dict)}
    error = reply.get("error")
    failure = _one_line(str(error)) if error else None
    return WorkerReply(results, failure, reply.get("device", device), reply.get("torch_version"))


def verify_diagnostics(diagnostics: list[Diagnostic], device: str = "cpu", timeout: float = 60.0) -> None:
    """Fill `verification` of every finding whose rule has a verify hook, all in one worker;
    never raises."""
    verifiable = verifiable_codes()
    jobs: list[dict[str, Any]] = []
    pending: dict[str, Diagnostic] = {}
    for index, diagnostic in enumerate(diagnostics):
        if diagnostic.code not in verifiable:
            continue
        reason = skip_reason(diagnostic.code, diagnostic.scenario)
        if reason or diagnostic.scenario is None:
            diagnostic.verification = Verification("skipped", reason or "not verified")
            continue
        job_id = str(index)
        pending[job_id] = diagnostic
        jobs.append({"id": job_id, "kind": "verify", "code": diagnostic.code, "scenario": diagnostic.scenario.to_json()})
    if not jobs:
        return
    reply = _run_worker(device, jobs, timeout)
    for job_id, diagnostic in pending.items():
        diagnostic.verification = _verification(reply, reply.results.get(job_id))


def _verification(reply: WorkerReply, result: dict[str, Any] | None) -> Verification:
    def made(status: Any, evidence: str, trajectory: Any = ()) -> Verification:
        return Verification(status, evidence, reply.device, reply.torch_version, [float(v) for v in trajectory])

    if reply.failure:
        return made("inconclusive", reply.failure)
    if result is None:
        return made("inconclusive", "verification worker returned no result for this finding")
    status = result.get("status")
    if status not in ("confirmed", "refuted", "inconclusive", "skipped"):
        return made("inconclusive", f"verification worker returned an unknown status {status!r}")
    try:
        return made(status, _one_line(str(result.get("evidence", "")), 400), result.get("trajectory") or ())
    except (TypeError, ValueError):
        return made("inconclusive", "verification worker returned a malformed trajectory")


def schedule_trajectories(
    scenarios: list[tuple[str, Scenario]], device: str = "cpu", timeout: float = 60.0
) -> list[TrajectoryResult]:
    """Each scheduler's learning-rate trajectory over its horizon (--verify-all), in one worker."""
    results = [TrajectoryResult(label, scenario.scheduler) for label, scenario in scenarios]
    jobs: list[dict[str, Any]] = []
    for index, (result, (_, scenario)) in enumerate(zip(results, scenarios)):
        unknown = unknown_params(scenario)
        if unknown:  # building it would mean guessing these values
            result.error = "not built: " + ", ".join(f"`{name}`" for name in unknown) + " not a literal"
            continue
        jobs.append({"id": str(index), "kind": "trajectory", "scenario": scenario.to_json()})
    if not jobs:
        return results
    reply = _run_worker(device, jobs, timeout)
    for job in jobs:
        result = results[int(job["id"])]
        result.device, result.torch_version = reply.device, reply.torch_version
        _fill_trajectory(result, reply, reply.results.get(job["id"]))
    return results


def _fill_trajectory(result: TrajectoryResult, reply: WorkerReply, answer: dict[str, Any] | None) -> None:
    if reply.failure:
        result.error = reply.failure
    elif answer is None:
        result.error = "verification worker returned no result for this scheduler"
    else:
        try:
            result.trajectory = [float(v) for v in answer.get("trajectory") or ()]
        except (TypeError, ValueError):
            result.error = "verification worker returned a malformed trajectory"
            return
        result.error = answer.get("error")
        result.note = answer.get("note")
