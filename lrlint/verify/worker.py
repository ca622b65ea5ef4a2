"""Child side of --verify: rebuild literal scheduler configurations in real torch.

Started by lrlint/verify/runner.py as `python -I -c BOOTSTRAP PACKAGE_ROOT` (isolated: no
PYTHONPATH, no current directory, no user site), or by hand as `python -m lrlint.verify.worker`.
Reads ONE JSON request on stdin and streams JSON lines on stdout, one per job as it finishes (see
runner.py for the protocol). It only ever sees the JSON scenarios: it never imports, executes or
evaluates the user's code. torch is imported once, here and nowhere else.
"""

from __future__ import annotations

import inspect
import json
import math
import os
import signal
import sys
import threading
import time
import warnings
from contextlib import contextmanager
from typing import IO, Any, Callable, Iterator

from lrlint.scenario import Scenario
from lrlint.trajectory import Trajectory
from lrlint.verify.evidence import Run, Verdict, fmt, ignored_keywords, judge, needs_reference, rejected_keyword, scheduler_call

PROTOCOL = 2
MAX_STEPS = 10_000  # bound on loop iterations simulated per scenario (each run, LR005's reference too)
# Memory a job may add on top of what importing torch took (Linux, CPU): a literal that makes torch
# allocate without bound fails that job with MemoryError, not the machine.
MEMORY_HEADROOM = 2 * 1024**3
PARENT_POLL_S = 0.5  # how often the worker checks that lrlint is still there
DEFAULT_HORIZON = 100  # when the loop length is unknown and no argument says how far to look
DEFAULT_LR = 0.1
PLATEAU_METRIC = 1.0  # ReduceLROnPlateau needs a metric: a constant one, i.e. never improving

Torch = Any  # the torch module; typed loosely so this file needs no torch stubs


def import_torch() -> Torch:
    # torch warns on import when numpy is missing; that says nothing about any scenario.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import torch

    return torch


def resolve_device(torch: Torch, requested: str) -> tuple[str, str | None]:
    """(device, error): "auto" means cuda when available; cuda that is not there is an error."""
    if requested == "auto":
        return ("cuda" if torch.cuda.is_available() else "cpu"), None
    if requested == "cpu":
        return "cpu", None
    if requested == "cuda" or requested.startswith("cuda:"):
        if not torch.cuda.is_available():
            return requested, f"device {requested} requested, but torch {torch.__version__} sees no CUDA device"
        try:
            torch.zeros(1, device=requested)
        except Exception as exc:  # e.g. cuda:3 on a one-GPU machine
            return requested, f"device {requested} is not usable: {_one_line(exc)}"
        return requested, None
    return requested, f"unknown device {requested!r}: expected cpu, cuda or auto"


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# --- building --------------------------------------------------------------------------------


def scheduler_class(torch: Torch, name: str) -> type | None:
    """Only public scheduler classes of torch.optim.lr_scheduler: the name comes from JSON."""
    if not name.isidentifier() or name.startswith("_"):
        return None
    cls = getattr(torch.optim.lr_scheduler, name, None)
    bases = tuple(
        base
        for base in (
            getattr(torch.optim.lr_scheduler, "LRScheduler", None),
            getattr(torch.optim.lr_scheduler, "ReduceLROnPlateau", None),
        )
        if base is not None
    )
    if isinstance(cls, type) and issubclass(cls, bases):
        return cls
    return None


def build_optimizer(torch: Torch, name: str | None, lr: float, param: Any) -> tuple[Any, str | None]:
    """The scenario's optimizer when torch has it and it builds from `lr` alone; else SGD, said so."""
    cls = getattr(torch.optim, name, None) if name and not name.startswith("_") else None
    if isinstance(cls, type) and issubclass(cls, torch.optim.Optimizer) and cls is not torch.optim.Optimizer:
        try:
            return cls([param], lr=lr), None
        except Exception as exc:
            return torch.optim.SGD([param], lr=lr), f"{name}(lr=...) did not build ({_one_line(exc)}); SGD stood in"
    note = f"optimizer {name} is not a torch.optim class; SGD stood in" if name else None
    return torch.optim.SGD([param], lr=lr), note


def call_arguments(code: str | None, scenario: Scenario) -> tuple[list[Any], dict[str, Any], list[str]]:
    """Exactly the literals, plus a placeholder for the one value LR001/LR002 may do without."""
    kwargs = {k: v for k, v in scenario.kwargs.items() if k != "optimizer"}
    placeholders: list[str] = []
    rejected = rejected_keyword(code) if code is not None else None
    if rejected is not None:
        keyword = rejected[1]
        if keyword in scenario.unknown and keyword not in kwargs:
            kwargs[keyword] = None  # rejected as an unexpected keyword before its value is looked at
            placeholders.append(keyword)
    return list(scenario.args), kwargs, placeholders


def bound_params(cls: type, args: list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """The call's arguments by name with torch's defaults; {} when the call does not bind."""
    try:
        bound = inspect.signature(cls).bind(None, *args, **kwargs)
    except (TypeError, ValueError):
        return dict(kwargs)
    bound.apply_defaults()
    params = dict(bound.arguments)
    params.pop("optimizer", None)
    return params


def _positive_int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return None
    return int(value)


def default_horizon(name: str, params: dict[str, Any]) -> tuple[int, str]:
    """How far to step when the loop length is unknown: past every period the literals name."""
    if name == "OneCycleLR":
        total = _positive_int(params.get("total_steps"))
        if total is None:
            epochs, per_epoch = _positive_int(params.get("epochs")), _positive_int(params.get("steps_per_epoch"))
            total = epochs * per_epoch if epochs and per_epoch else None
        if total is not None:
            # Construction is step 0, so total_steps - 1 further steps reach the last rate a
            # training step uses; one more is allowed but past the cycle, two raise.
            return total - 1, f"default horizon {total - 1} steps (OneCycleLR's total_steps {total})"
    reach: list[tuple[int, str]] = []
    if (step := _positive_int(params.get("step_size"))) is not None:
        reach.append((3 * step, f"3 x step_size {step}"))
    milestones = params.get("milestones")
    if isinstance(milestones, list):
        ints = [m for m in (_positive_int(v) for v in milestones) if m is not None]
        if ints:
            reach.append((max(ints), f"milestone {max(ints)}"))
    for key in ("T_max", "total_iters"):
        if (value := _positive_int(params.get(key))) is not None:
            reach.append((value, f"{key} {value}"))
    if (t0 := _positive_int(params.get("T_0"))) is not None:
        reach.append((3 * t0, f"3 x T_0 {t0}"))
    if (up := _positive_int(params.get("step_size_up"))) is not None:
        down = _positive_int(params.get("step_size_down")) or up
        reach.append((2 * (up + down), "2 cycles"))
    if name == "ReduceLROnPlateau":
        patience = _positive_int(params.get("patience")) or 0
        cooldown = _positive_int(params.get("cooldown")) or 0
        reach.append((3 * (patience + 1 + cooldown), "3 reductions"))
    if not reach:
        return DEFAULT_HORIZON, f"default horizon {DEFAULT_HORIZON} epochs"
    far, why = max(reach)
    horizon = far + max(10, far // 10)
    return horizon, f"default horizon {horizon} epochs (covers {why})"


def literal_epochs(scenario: Scenario) -> int | None:
    """N of the loop's literal range(N), when there is one."""
    epochs = scenario.epochs
    if isinstance(epochs, int) and not isinstance(epochs, bool) and epochs >= 0:
        return epochs
    return None


def horizon_for(scenario: Scenario, params: dict[str, Any]) -> tuple[int, str, bool]:
    """(iterations, note, capped): the loop's literal range(N), else a default; never past MAX_STEPS."""
    epochs = literal_epochs(scenario)
    if epochs is not None:
        horizon, note = epochs, f"loop range({epochs})"
    else:
        horizon, note = default_horizon(scenario.scheduler, params)
    if horizon > MAX_STEPS:
        return MAX_STEPS, f"{note} capped at {MAX_STEPS} steps", True
    return horizon, note, False


# --- running ---------------------------------------------------------------------------------


def simulate(torch: Torch, scenario: Scenario, device: str, order: str, code: str | None = None, call: str | None = None) -> Run:
    """Build the scenario's optimizer and scheduler on `device` and step them `order` first;
    `call` says how the scheduler is stepped when not plainly (VerifyHook.call)."""
    lr = float(scenario.lr) if isinstance(scenario.lr, (int, float)) and not isinstance(scenario.lr, bool) else DEFAULT_LR
    run = Run(scheduler=scenario.scheduler, order=order, base_lr=lr, torch_version=str(torch.__version__))
    if scenario.lr is None:
        run.notes.append(f"lr is not a literal: {fmt(lr)} stood in")
    cls = scheduler_class(torch, scenario.scheduler)
    if cls is None:
        run.construct_error = f"LookupError: torch.optim.lr_scheduler has no scheduler class {scenario.scheduler!r}"
        return run
    args, kwargs, run.placeholders = call_arguments(code, scenario)
    for name in ignored_keywords(code) if code is not None else ():
        if name in kwargs or name in scenario.unknown:
            kwargs.pop(name, None)
            run.notes.append(f"`{name}` left out: it cannot change the schedule")
    run.params = bound_params(cls, args, kwargs)
    run.horizon, run.horizon_note, run.capped = horizon_for(scenario, run.params)

    param = torch.nn.Parameter(torch.zeros(1, device=device))
    optimizer, note = build_optimizer(torch, scenario.optimizer, lr, param)
    if note:
        run.notes.append(note)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _step_through(torch, cls, optimizer, args, kwargs, run, call)
    run.warnings = list(dict.fromkeys(" ".join(str(w.message).split()) for w in caught))
    return run


def _step_through(torch: Torch, cls: type, optimizer: Any, args: list[Any], kwargs: dict[str, Any], run: Run, call: str | None = None) -> None:
    def current_lr() -> float:
        return float(optimizer.param_groups[0]["lr"])

    def record_momentum() -> None:  # what LR018 claims a cyclic scheduler does to SGD
        momentum = optimizer.param_groups[0].get("momentum")
        if isinstance(momentum, (int, float)) and len(run.momentum) <= 3:
            run.momentum.append(float(momentum))

    record_momentum()
    try:
        scheduler = cls(optimizer, *args, **kwargs)
    except Exception as exc:
        run.construct_error = _one_line(exc)
        return
    record_momentum()
    step_scheduler = _scheduler_stepper(scheduler, run, call)

    def closure() -> Any:  # LBFGS needs one; every torch optimizer accepts it
        return torch.zeros(())

    run.trajectory.append(current_lr())
    for iteration in range(1, run.horizon + 1):
        try:
            if run.order == "scheduler-first":
                step_scheduler()
                run.applied.append(current_lr())
                optimizer.step(closure)
            else:
                run.applied.append(current_lr())
                optimizer.step(closure)
                step_scheduler()
            record_momentum()
        except Exception as exc:
            run.step_error, run.step_error_at = _one_line(exc), iteration
            return
        lr = current_lr()
        if not math.isfinite(lr):  # a growing lr overflows: stop, and say where (the evidence must)
            run.horizon, run.capped = iteration - 1, True
            run.overflow_at, run.overflow_value = iteration, lr
            run.horizon_note += f"; lr overflows to {lr} at step {iteration}: stopped there"
            run.applied.pop()
            return
        run.trajectory.append(lr)


def _scheduler_stepper(scheduler: Any, run: Run, call: str | None = None) -> Callable[[], None]:
    if call == "no-metric":
        run.notes.append("stepped as `scheduler.step()`, without a metric")
        return lambda: scheduler.step()
    if call == "epoch":
        run.notes.append("stepped as `scheduler.step(epoch)` with the 0-based loop index")
        epochs = iter(range(MAX_STEPS + 1))
        return lambda: scheduler.step(next(epochs))
    if call == "get_lr":
        done = iter(range(1, MAX_STEPS + 1))

        def step_and_probe() -> None:
            scheduler.step()
            run.probes.append((next(done), float(scheduler.get_lr()[0]), float(scheduler.get_last_lr()[0])))

        return step_and_probe
    if type(scheduler).__name__ == "ReduceLROnPlateau":
        run.notes.append(f"stepped with a constant metric {PLATEAU_METRIC} (never improving)")
        return lambda: scheduler.step(PLATEAU_METRIC)
    return scheduler.step


# --- jobs ------------------------------------------------------------------------------------


def compact(scenario: Scenario, run: Run, applied: bool = False) -> dict[str, Any] | None:
    """The run's trajectory as change points (lrlint/trajectory.py), or None when nothing was stepped.

    `applied`: the rate each epoch trained with (in the run's order) instead of the rate after
    each epoch's steps."""
    if applied:
        if not run.applied:
            return None
        # One point per epoch trained, then the rate the loop ends with: as many points as the
        # plain trajectory, so that both say the loop ran `horizon` epochs.
        values = [*run.applied, run.trajectory[-1]] if run.trajectory else run.applied
        return Trajectory.from_values(
            values, horizon=run.horizon_note or None, assumed=literal_epochs(scenario) is None, capped=run.capped
        ).to_json()
    if not run.trajectory:
        return None
    trajectory = Trajectory.from_values(
        run.trajectory, horizon=run.horizon_note or None, assumed=literal_epochs(scenario) is None, capped=run.capped
    )
    return trajectory.to_json()


def verify_job(torch: Torch, job: dict[str, Any], device: str) -> dict[str, Any]:
    code = str(job["code"])
    scenario = Scenario.from_json(job["scenario"])
    order = scenario.order or "optimizer-first"
    run = simulate(torch, scenario, device, order, code, scheduler_call(code))
    reference = None
    if needs_reference(code):
        reference = simulate(torch, scenario, device, "optimizer-first", code)
    verdict: Verdict = judge(code, scenario, run, reference)
    answer = {"id": job["id"], "status": verdict.status, "evidence": verdict.evidence, "trajectory": compact(scenario, run)}
    if reference is not None and reference.order != run.order:
        # The order matters: show the rate each epoch trains with, as the code runs it, beside
        # the schedule as intended (stepped after the optimizer).
        answer["trajectory"] = compact(scenario, run, applied=True)
        answer["intended"] = compact(scenario, reference, applied=True)
    return answer


def trajectory_job(torch: Torch, job: dict[str, Any], device: str) -> dict[str, Any]:
    scenario = Scenario.from_json(job["scenario"])
    run = simulate(torch, scenario, device, scenario.order or "optimizer-first")
    error = None
    if run.construct_error:
        error = run.construct_error
    elif run.step_error:
        error = f"{run.step_error} (at step {run.step_error_at})"
    note = "; ".join([run.horizon_note, *run.notes]) if run.horizon_note else "; ".join(run.notes)
    return {"id": job["id"], "trajectory": compact(scenario, run), "error": error, "note": note or None}


JOBS: dict[str, Callable[[Torch, dict[str, Any], str], dict[str, Any]]] = {
    "verify": verify_job,
    "trajectory": trajectory_job,
}


def _job_failure(job: dict[str, Any], message: str) -> dict[str, Any]:
    if job.get("kind") == "trajectory":
        return {"id": job.get("id"), "trajectory": None, "error": message, "note": None}
    return {"id": job.get("id"), "status": "inconclusive", "evidence": message, "trajectory": None}


# --- bounds ----------------------------------------------------------------------------------


class JobTimeout(BaseException):
    """Raised in the job by SIGALRM; a BaseException so that torch's `except Exception` cannot eat it."""


@contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Interrupt the job after `seconds` (Unix; elsewhere the parent's own timer still applies)."""
    if not seconds or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise JobTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def limit_memory(device: str) -> None:
    """Cap the address space at what torch took plus MEMORY_HEADROOM (Linux, CPU only).

    CUDA maps tens of GB of address space, so no cap there; failure to set one is not an error.
    """
    if device != "cpu" or not sys.platform.startswith("linux"):
        return
    try:
        import resource

        with open("/proc/self/statm") as statm:
            size = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        wanted = size + MEMORY_HEADROOM
        if hard != resource.RLIM_INFINITY:
            wanted = min(wanted, hard)
        if soft == resource.RLIM_INFINITY or soft > wanted:
            resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    except (OSError, ValueError, ImportError):
        pass


def watch_parent() -> None:
    """Exit when lrlint goes away (killed, or ended without stopping us): never outlive it."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(PARENT_POLL_S)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="lrlint-parent-watch", daemon=True).start()


# --- the protocol ----------------------------------------------------------------------------


def warm_up(torch: Torch) -> None:
    """Step an optimizer and a scheduler once before any job, within the start-up allowance: the
    first step imports some 800 modules (torch._dynamo, sympy; 1.6 s), which must not count
    against the first job's budget, nor be cut short by it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
            scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1)
            optimizer.step()
            scheduler.step()
    except Exception:  # noqa: BLE001, S110 - the jobs will meet and report whatever failed here
        pass


def run_job(torch: Torch, job: dict[str, Any], device: str, budget: float | None) -> dict[str, Any]:
    """One job's result line; never raises (a timeout or an error is that job's inconclusive result)."""
    return _run_job(torch, job, device, budget)[0]


def _run_job(torch: Torch, job: dict[str, Any], device: str, budget: float | None) -> tuple[dict[str, Any], bool]:
    """(the result line, whether the job was interrupted by its time budget)."""
    runner = JOBS.get(job.get("kind"))  # type: ignore[arg-type]
    if runner is None:
        return _job_failure(job, f"worker: unknown job kind {job.get('kind')!r}"), False
    try:
        with time_budget(budget):
            return runner(torch, job, device), False
    except JobTimeout:
        return _job_failure(job, f"timed out: no result within {budget:g} s (--verify-timeout, per finding)"), True
    except MemoryError:
        return _job_failure(job, f"worker error: MemoryError (over the {MEMORY_HEADROOM // 1024**3} GiB a job may use)"), False
    except Exception as exc:  # one bad job must not cost the others their verdicts
        return _job_failure(job, f"worker error: {_one_line(exc)}"), False


def _budget(request: dict[str, Any]) -> float | None:
    value = request.get("timeout")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0:
        return float(value)
    return None


def handle(request: dict[str, Any], send: Callable[[dict[str, Any]], None]) -> None:
    """Send the hello line, then one result line per job as it finishes, then "done"."""
    try:
        torch = import_torch()
    except Exception as exc:  # not installed, or broken: every job is affected alike
        hint = ""
        if isinstance(exc, ModuleNotFoundError):  # torch reachable only through PYTHONPATH?
            hint = f" (the worker runs isolated, PYTHONPATH ignored: install torch for {sys.executable})"
        send({"type": "hello", "protocol": PROTOCOL, "error": f"torch could not be imported: {_one_line(exc)}{hint}"})
        return
    torch.set_num_threads(1)  # a 1-element parameter gains nothing from threads; concurrent runs share the CPU
    warm_up(torch)
    device, error = resolve_device(torch, str(request.get("device", "cpu")))
    send({"type": "hello", "protocol": PROTOCOL, "torch_version": str(torch.__version__), "device": device, "error": error})
    if error:
        return
    limit_memory(device)
    budget = _budget(request)
    for job in request.get("jobs", []):
        job = job if isinstance(job, dict) else {"id": None, "kind": None}
        answer, interrupted = _run_job(torch, job, device, budget)
        send({"type": "result", **answer})
        if interrupted:
            # The timer may have fired anywhere, inside an import torch does on first use too
            # (a half-initialised module in sys.modules fails every later job): the rest go to
            # a fresh worker.
            send({"type": "restart", "reason": "a job was interrupted by its time budget"})
            return
    send({"type": "done"})


def read_request(stream: IO[str]) -> dict[str, Any]:
    request = json.load(stream)
    if not isinstance(request, dict) or request.get("protocol") != PROTOCOL:
        raise ValueError(f"expected a protocol {PROTOCOL} request object")
    return request


def main() -> int:
    reply_to = sys.stdout
    sys.stdout = sys.stderr  # whatever torch or a scheduler prints must not corrupt the JSON lines

    def send(line: dict[str, Any]) -> None:
        reply_to.write(json.dumps(line) + "\n")
        reply_to.flush()

    watch_parent()
    try:
        request = read_request(sys.stdin)
    except Exception as exc:
        send({"type": "hello", "protocol": PROTOCOL, "error": f"worker: bad request: {_one_line(exc)}"})
        return 0
    handle(request, send)
    return 0


if __name__ == "__main__":
    sys.exit(main())
