"""Parent side of --verify: hand literal run plans to ONE worker subprocess, read back its runs.

This module never imports torch (the static linter must not): torch lives in the worker only.

Protocol (version 3). The request is one JSON object on the worker's stdin:

    {"protocol": 3, "device": "cpu" | "cuda" | "cuda:N" | "auto", "timeout": 120.0,
     "jobs": [{"id": "3", "kind": "run", "plans": [{...}, {...}]},
              {"id": "t0", "kind": "run", "plans": [{...}]}]}

Each plan is a `RunPlan` (lrlint/verify/record.py): the scheduler, its literal arguments, the
optimizer and lr, how many steps, in which order and how the scheduler is stepped. The worker
answers with JSON lines on stdout, each written as soon as it is known:

    {"type": "hello", "protocol": 3, "torch_version": "2.13.0+cpu", "device": "cpu",
     "error": null | "why no job can run (torch missing, no CUDA device, bad request)"}
    {"type": "result", "id": "3", "runs": [{...}, {...}]}   (one `Run` record per plan)
    {"type": "result", "id": "t0", "error": "why this job has no runs"}
    {"type": "done"}

or, instead of "done", `{"type": "restart", "reason": "..."}`: the worker stops after a job that
was interrupted mid-way (which can leave torch half-imported), and the jobs not answered yet go to
a fresh worker.

The worker knows no rule: back here, each finding's rule judges its runs (lrlint/verify/jobs.py),
and a schedule's run becomes its trajectory. Results come in the order of `jobs`. `timeout` is each
job's own budget (--verify-timeout): the worker interrupts a job that overruns it, and the parent,
reading line by line, kills a worker that stays silent longer than that (plus a grace period).
Jobs already answered keep their verdicts; the one in flight becomes `inconclusive` with the
reason; the rest go to a fresh worker. Plans carry literals only.
"""

from __future__ import annotations

import importlib.util
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from lrlint.diagnostics import Diagnostic, Verification
from lrlint.rules import rule_for
from lrlint.scenario import Scenario
from lrlint.trajectory import Trajectory
from lrlint.verify import jobs as planning
from lrlint.verify.options import MAX_TIMEOUT, parse_timeout  # noqa: F401 - re-exported

PROTOCOL = 3
DEVICES = ("cpu", "cuda", "auto")
# The directory holding the lrlint package this process runs: the worker must import the same one,
# and nothing from the user's working directory, PYTHONPATH or site hooks.
PACKAGE_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TIMEOUT = 120.0  # seconds per finding (--verify-timeout)
STARTUP_TIMEOUT = 120.0  # importing torch (and CUDA) is not a finding's time: its own allowance
GRACE = 5.0  # the worker's own timer fires first and reports; the parent's is the fallback
MAX_WORKERS = 4  # one per run normally; a crash or a hang costs one job and a fresh worker
STDERR_KEPT = 64 * 1024  # tail of the worker's stderr kept to explain a crash

# `-I`: no PYTHONPATH, no current directory or script directory on sys.path, no user site
# (so no sitecustomize/usercustomize/.pth from the user's tree). lrlint's own root comes in argv,
# is put first only while lrlint imports, then dropped so that `import torch` finds the real one.
BOOTSTRAP = (
    "import sys\n"
    "root = sys.argv[1]\n"
    "sys.path.insert(0, root)\n"
    "from lrlint.verify import worker\n"
    "sys.path.remove(root)\n"
    "sys.exit(worker.main())\n"
)


@dataclass
class TrajectoryResult:
    """One scheduler's learning-rate trajectory over its horizon, or why there is none."""

    label: str  # where the scheduler was built, e.g. "train.py:12"
    scheduler: str
    trajectory: Trajectory | None = None
    error: str | None = None  # what torch raised, or why the scheduler was not built
    note: str | None = None  # horizon used and any stand-in (lr, optimizer, plateau metric)
    device: str | None = None
    torch_version: str | None = None
    configuration: dict[str, Any] | None = None  # what ran in torch (jobs.configuration)

    @property
    def built(self) -> bool:
        """Whether it went to torch at all (not "not built" for want of literals)."""
        return not (self.error or "").startswith("not built")


@dataclass
class WorkerReply:
    results: dict[str, dict[str, Any]]  # job id -> its result line
    failures: dict[str, str]  # job id -> one line: why this job has no result
    device: str | None
    torch_version: str | None
    workers: int = 0  # worker processes started


def torch_available() -> bool:
    """Whether torch is installed, without importing it."""
    try:
        return importlib.util.find_spec("torch") is not None
    except (ImportError, ValueError):
        return False


def _worker_command() -> list[str]:
    """The worker's command line; tests replace it to simulate a crashing or hanging worker."""
    return [sys.executable, "-I", "-c", BOOTSTRAP, str(PACKAGE_ROOT)]


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return _one_line(lines[-1]) if lines else "no output on stderr"


def _exit_reason(returncode: int | None) -> str:
    if returncode is None:
        return "still running"
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


# --- one worker process ----------------------------------------------------------------------


class _Worker:
    """A started worker: its stdout lines arrive on a queue, so every wait has a deadline."""

    def __init__(self, request: str) -> None:
        self.proc = subprocess.Popen(
            _worker_command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            # Not the user's directory: nothing there must be importable or even looked at.
            cwd=str(PACKAGE_ROOT),
            start_new_session=True,  # so a timeout kills the worker and anything it started
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.stderr: deque[str] = deque()
        self._stderr_size = 0
        # Threads: a worker that never reads stdin or floods stderr must not block lrlint.
        for target, args in ((self._send, (request,)), (self._read_stdout, ()), (self._read_stderr, ())):
            threading.Thread(target=target, args=args, daemon=True).start()

    def _send(self, request: str) -> None:
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(request)
            self.proc.stdin.close()
        except (OSError, ValueError):  # it died first: its exit explains why
            pass

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        try:
            for line in self.proc.stdout:
                self.lines.put(line)
        except (OSError, ValueError):
            pass
        self.lines.put(None)

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        try:
            for line in self.proc.stderr:
                self.stderr.append(line)
                self._stderr_size += len(line)
                while self._stderr_size > STDERR_KEPT and len(self.stderr) > 1:
                    self._stderr_size -= len(self.stderr.popleft())
        except (OSError, ValueError):
            pass

    def next_line(self, timeout: float) -> str | None:
        """The next stdout line; None at end of output; raises queue.Empty after `timeout`."""
        return self.lines.get(timeout=timeout)

    def crash_reason(self) -> str:
        try:
            returncode = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            returncode = None
        time.sleep(0.05)  # let the stderr reader take the last lines
        return f"verification worker crashed ({_exit_reason(returncode)}): {_last_line(''.join(self.stderr))}"

    def stop(self) -> None:
        """Kill the worker and whatever it started; safe to call twice and after it ended."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (OSError, AttributeError):  # no process groups (Windows) or already gone
                self.proc.kill()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


@dataclass
class _Attempt:
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    device: str | None = None
    torch_version: str | None = None
    failure: str | None = None  # why the worker stopped before answering every job
    in_flight: str | None = None  # the job it was on when it failed; None: it failed before any
    restart: bool = False  # it stopped cleanly, asking for a fresh worker for the rest


def _parse(line: str) -> dict[str, Any]:
    data = json.loads(line)
    if not isinstance(data, dict):
        raise ValueError("not an object")
    return data


Progress = Callable[[int, int], None]  # (more jobs answered, total jobs when not 0): a progress bar


def _attempt(device: str, jobs: list[dict[str, Any]], timeout: float, progress: Progress | None = None) -> _Attempt:
    """Run `jobs` in one fresh worker until it answers them all, fails, or overruns a job's budget."""
    outcome = _Attempt(device=device)
    request = json.dumps({"protocol": PROTOCOL, "device": device, "timeout": timeout, "jobs": jobs})
    try:
        worker = _Worker(request)
    except OSError as exc:
        outcome.failure = f"verification worker could not start: {_one_line(str(exc))}"
        return outcome
    try:
        _converse(worker, jobs, timeout, outcome, progress)
    finally:
        worker.stop()  # on every way out, Ctrl-C included: the worker never outlives lrlint's run
    return outcome


def _converse(worker: _Worker, jobs: list[dict[str, Any]], timeout: float, outcome: _Attempt, progress: Progress | None = None) -> None:
    waiting = [str(job["id"]) for job in jobs]  # in the order the worker answers them
    hello = False
    while True:
        limit = timeout + GRACE if hello else max(STARTUP_TIMEOUT, timeout + GRACE)
        outcome.in_flight = waiting[0] if hello and waiting else None
        try:
            line = worker.next_line(limit)
        except queue.Empty:
            what = "no result" if hello else "no answer (starting torch)"
            outcome.failure = f"verification timed out: {what} within {limit:g} s; the worker was killed"
            return
        if line is None:
            if waiting:
                outcome.failure = worker.crash_reason()
            return
        try:
            data = _parse(line)
        except ValueError:
            shown = _one_line(line, 80) or "nothing"
            outcome.failure = f"verification worker sent no valid JSON line (got: {shown})"
            return
        kind = data.get("type")
        if kind == "hello":
            hello = True
            outcome.device = data.get("device", outcome.device)
            outcome.torch_version = data.get("torch_version")
            if data.get("error"):
                outcome.in_flight, outcome.failure = None, _one_line(str(data["error"]))
                return
        elif kind == "result" and hello:
            job_id = str(data.get("id"))
            outcome.results[job_id] = data
            if job_id in waiting:
                waiting.remove(job_id)
            if progress is not None:
                progress(1, 0)
        elif kind == "done":
            outcome.in_flight = None
            return
        elif kind == "restart" and hello:
            outcome.in_flight, outcome.restart = None, True
            return
        else:
            outcome.failure = f"verification worker sent an unexpected line (type {kind!r})"
            return


def _encodable(jobs: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Jobs whose literals JSON can carry (a 5,000-digit int cannot), and a reason for the others."""
    ok, failures = [], {}
    for job in jobs:
        try:
            json.dumps(job)
        except (ValueError, TypeError, RecursionError) as exc:
            failures[str(job["id"])] = f"not sent to torch: its literals cannot be encoded ({_one_line(str(exc), 120)})"
            continue
        ok.append(job)
    return ok, failures


def _run_worker(device: str, jobs: list[dict[str, Any]], timeout: float, progress: Progress | None = None) -> WorkerReply:
    """Run every job, in one worker unless one crashes or hangs; never raises."""
    if device not in DEVICES and not device.startswith("cuda:"):
        reason = f"unknown device {device!r}: expected cpu, cuda or auto"
        return WorkerReply({}, {str(job["id"]): reason for job in jobs}, None, None)
    pending, failures = _encodable(jobs)
    reply = WorkerReply({}, failures, device, None)
    failed = 0  # workers that crashed or hung (a restart it asked for is not a failure)
    while pending:
        if failed == MAX_WORKERS:
            for job in pending:
                failures[str(job["id"])] = f"not run: the verification worker failed {MAX_WORKERS} times in this run"
            break
        attempt = _attempt(device, pending, timeout, progress)
        reply.workers += 1
        failed += attempt.failure is not None
        reply.results.update(attempt.results)
        reply.device = attempt.device or reply.device
        reply.torch_version = attempt.torch_version or reply.torch_version
        answered = len(attempt.results)
        pending = [job for job in pending if str(job["id"]) not in attempt.results]
        if not pending:
            break
        if attempt.restart and answered:  # each restart answered a job first: at most one per job
            continue
        if attempt.failure is None:  # the worker said "done" but skipped some: a protocol slip
            for job in pending:
                failures[str(job["id"])] = "verification worker returned no result for this job"
            break
        if attempt.in_flight is None:  # it failed before any job: every job would fail alike
            for job in pending:
                failures[str(job["id"])] = attempt.failure
            break
        failures[attempt.in_flight] = attempt.failure
        pending = [job for job in pending if str(job["id"]) != attempt.in_flight]
    return reply


# --- what lrlint asks for --------------------------------------------------------------------


def _verify_jobs(diagnostics: Iterable[Diagnostic]) -> tuple[list[dict[str, Any]], dict[str, Diagnostic]]:
    """Jobs for every finding whose rule has a verify hook and that can be rebuilt; the others
    get `skipped` now."""
    jobs: list[dict[str, Any]] = []
    pending: dict[str, Diagnostic] = {}
    for index, diagnostic in enumerate(diagnostics):
        rule = rule_for(diagnostic.code)
        hook = rule.verification if rule is not None else None
        if hook is None:
            continue
        reason = hook.skip_reason(diagnostic.scenario)
        if reason or diagnostic.scenario is None:
            diagnostic.verification = Verification("skipped", reason or "not verified")
            continue
        job_id = str(index)
        pending[job_id] = diagnostic
        plans = planning.finding_plans(diagnostic.scenario, hook)
        jobs.append({"id": job_id, "kind": "run", "plans": [p.to_json() for p in plans]})
    return jobs, pending


def _trajectory_jobs(scenarios: list[tuple[str, Scenario]]) -> tuple[list[dict[str, Any]], list[TrajectoryResult]]:
    results = [TrajectoryResult(label, scenario.scheduler) for label, scenario in scenarios]
    jobs: list[dict[str, Any]] = []
    for index, (result, (_, scenario)) in enumerate(zip(results, scenarios)):
        unknown = scenario.unknown_params()
        if unknown:  # building it would mean guessing these values
            result.error = "not built: " + ", ".join(f"`{name}`" for name in unknown) + " not a literal"
            continue
        jobs.append({"id": f"t{index}", "kind": "run", "plans": [planning.plan(scenario).to_json()]})
    return jobs, results


def verify(
    diagnostics: list[Diagnostic],
    schedules: Sequence[tuple[str, Scenario]] = (),
    device: str = "cpu",
    timeout: float = DEFAULT_TIMEOUT,
    progress: Progress | None = None,
) -> list[TrajectoryResult]:
    """Fill `verification` of every finding a rule can verify and run every schedule (--verify-all),
    all in ONE worker request; never raises. Returns the schedules' trajectories. `progress` hears
    of the jobs sent (its total) and of each one answered."""
    verify_jobs, pending = _verify_jobs(diagnostics)
    trajectory_jobs, results = _trajectory_jobs(list(schedules))
    jobs = verify_jobs + trajectory_jobs
    if not jobs:
        return results
    if progress is not None:
        progress(0, len(jobs))
    reply = _run_worker(device, jobs, timeout, progress)
    plans = {str(job["id"]): job["plans"] for job in verify_jobs}
    for job_id, diagnostic in pending.items():
        diagnostic.verification = _verification(reply, job_id, diagnostic)
        if diagnostic.verification.status != "skipped" and plans.get(job_id):
            diagnostic.verification.configuration = planning.configuration(plans[job_id][0], _first_run(reply, job_id))
    for job in trajectory_jobs:
        index = int(job["id"][1:])
        _fill_trajectory(results[index], reply, job["id"], schedules[index][1])
        results[index].configuration = planning.configuration(job["plans"][0], _first_run(reply, job["id"]))
    return results


def verify_diagnostics(diagnostics: list[Diagnostic], device: str = "cpu", timeout: float = DEFAULT_TIMEOUT) -> None:
    """Fill `verification` of every finding a rule can verify, all in one worker; never raises."""
    verify(diagnostics, [], device, timeout)


def schedule_trajectories(
    scenarios: list[tuple[str, Scenario]], device: str = "cpu", timeout: float = DEFAULT_TIMEOUT
) -> list[TrajectoryResult]:
    """Each scheduler's learning-rate trajectory over its horizon (--verify-all), in one worker."""
    return verify([], scenarios, device, timeout)


def _verification(reply: WorkerReply, job_id: str, diagnostic: Diagnostic) -> Verification:
    def failed(evidence: str) -> Verification:
        return Verification("inconclusive", evidence, reply.device, reply.torch_version)

    if job_id in reply.failures:
        return failed(reply.failures[job_id])
    result = reply.results.get(job_id)
    if result is None:
        return failed("verification worker returned no result for this finding")
    if result.get("error"):
        return failed(_one_line(str(result["error"]), planning.MAX_EVIDENCE))
    try:
        runs = planning.runs_of(result)
    except ValueError:
        return failed("verification worker returned a malformed run record")
    rule = rule_for(diagnostic.code)
    assert rule is not None and diagnostic.scenario is not None  # both checked when the job was made
    return planning.verification(rule, diagnostic.scenario, runs, reply.device, reply.torch_version)


def _first_run(reply: WorkerReply, job_id: str) -> dict[str, Any] | None:
    """The record of a job's first run as the worker sent it, when there is one."""
    runs = (reply.results.get(job_id) or {}).get("runs")
    return runs[0] if isinstance(runs, list) and runs and isinstance(runs[0], dict) else None


def _fill_trajectory(result: TrajectoryResult, reply: WorkerReply, job_id: str, scenario: Scenario) -> None:
    result.device, result.torch_version = reply.device, reply.torch_version
    answer = reply.results.get(job_id)
    if job_id in reply.failures:
        result.error = reply.failures[job_id]
    elif answer is None:
        result.error = "verification worker returned no result for this scheduler"
    elif answer.get("error"):
        result.error = _one_line(str(answer["error"]))
    else:
        try:
            [run] = planning.runs_of(answer)
        except ValueError:
            result.error = "verification worker returned a malformed run record"
            return
        result.trajectory, result.error, result.note = planning.schedule_outcome(scenario, run)
