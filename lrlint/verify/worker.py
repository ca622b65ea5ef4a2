"""Child side of --verify: build literal scheduler configurations in real torch and step them.

Started by lrlint/verify/runner.py as `python -I -c BOOTSTRAP PACKAGE_ROOT` (isolated: no
PYTHONPATH, no current directory, no user site), or by hand as `python -m lrlint.verify.worker`.
Reads ONE JSON request on stdin and streams JSON lines on stdout, one per job as it finishes (see
runner.py for the protocol). Each job is one or more run plans (`RunPlan`: literals and plain
flags); the worker builds each and sends back what the run recorded (`Run`). It knows no rule and
judges nothing: lrlint's own process does, with the finding's rule. It never imports, executes or
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

from lrlint.verify.record import MAX_STEPS, MEASURED_STEPS, Run, RunPlan

PROTOCOL = 3
# Memory a job may add on top of what importing torch took (Linux, CPU): a literal that makes torch
# allocate without bound fails that job with MemoryError, not the machine.
MEMORY_HEADROOM = 2 * 1024**3
PARENT_POLL_S = 0.5  # how often the worker checks that lrlint is still there
PLATEAU_METRIC = 1.0  # the metric a scheduler stepped on one gets: constant, i.e. never improving
NOT_HYPERPARAMETERS = frozenset({"params", "lr", "initial_lr"})

Torch = Any  # the torch module; typed loosely so this file needs no torch stubs


def import_torch() -> Torch:
    # torch warns on import when numpy is missing; that says nothing about any run.
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
    """The plan's optimizer when torch has it and it builds from `lr` alone; else SGD, said so."""
    cls = getattr(torch.optim, name, None) if name and not name.startswith("_") else None
    if isinstance(cls, type) and issubclass(cls, torch.optim.Optimizer) and cls is not torch.optim.Optimizer:
        try:
            return cls([param], lr=lr), None
        except Exception as exc:
            return torch.optim.SGD([param], lr=lr), f"{name}(lr=...) did not build ({_one_line(exc)}); SGD stood in"
    note = f"optimizer {name} is not a torch.optim class; SGD stood in" if name else None
    return torch.optim.SGD([param], lr=lr), note


MEMBERS_PARAM = "schedulers"  # where a composite (SequentialLR, ChainedScheduler) takes its members


class MemberError(Exception):
    """A composite's member did not build: the composite's construction error names it."""


def build_scheduler(torch: Torch, cls: type, optimizer: Any, args: list[Any], kwargs: dict[str, Any], members: list[dict[str, Any]], optimizer_first: bool = True) -> Any:
    """`cls(optimizer, *args, **kwargs)`; a composite's members are built first, in order, on the
    same optimizer, and passed as its `schedulers`."""
    if members:
        built = []
        for index, member in enumerate(members):
            name = str(member.get("scheduler"))
            member_cls = scheduler_class(torch, name)
            where = f"{MEMBERS_PARAM}[{index}] {name}"
            if member_cls is None:
                raise MemberError(f"{where}: torch.optim.lr_scheduler has no scheduler class {name!r}")
            try:
                built.append(build_scheduler(
                    torch, member_cls, optimizer, list(member.get("args", [])), dict(member.get("kwargs", {})),
                    list(member.get("children", [])), bool(member.get("optimizer_first", True)),
                ))  # fmt: skip
            except MemberError as exc:
                raise MemberError(f"{where}: {exc}") from None
            except Exception as exc:  # noqa: BLE001 - whatever torch raises is the member's error
                raise MemberError(f"{where}: {_one_line(exc)}") from None
        kwargs = {**kwargs, MEMBERS_PARAM: built}
    return cls(optimizer, *args, **kwargs) if optimizer_first else cls(*args, **kwargs)


def bound_params(cls: type, args: list[Any], kwargs: dict[str, Any], optimizer_first: bool = True) -> dict[str, Any]:
    """The call's arguments by name with torch's defaults; {} when the call does not bind."""
    try:
        bound = inspect.signature(cls).bind(*((None,) if optimizer_first else ()), *args, **kwargs)
    except (TypeError, ValueError):
        return dict(kwargs)
    bound.apply_defaults()
    params = dict(bound.arguments)
    params.pop("optimizer", None)
    return params


def _plain(value: Any) -> Any:
    """A bound argument as JSON can carry it (torch's defaults may be callables or objects)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return repr(value)


# --- running ---------------------------------------------------------------------------------


def simulate(torch: Torch, plan: RunPlan, device: str) -> Run:
    """Build the plan's optimizer and scheduler on `device` and step them in its order."""
    run = Run(
        scheduler=plan.scheduler,
        order=plan.order,
        base_lr=plan.lr,
        torch_version=str(torch.__version__),
        horizon_note=plan.horizon_note,
        capped=plan.capped,
        notes=list(plan.notes),
        placeholders=list(plan.placeholders),
    )
    cls = scheduler_class(torch, plan.scheduler)
    if cls is None:
        run.construct_error = f"LookupError: torch.optim.lr_scheduler has no scheduler class {plan.scheduler!r}"
        return run
    args, kwargs = list(plan.args), dict(plan.kwargs)
    named = {**kwargs, MEMBERS_PARAM: [m.get("scheduler") for m in plan.children]} if plan.children else kwargs
    run.params = {name: _plain(value) for name, value in bound_params(cls, args, named, plan.optimizer_first).items()}
    run.horizon = min(max(int(plan.steps), 0), MAX_STEPS)
    if run.horizon < plan.steps:
        run.capped = True
    param = torch.nn.Parameter(torch.zeros(1, device=device))
    optimizer, note = build_optimizer(torch, plan.optimizer, plan.lr, param)
    run.optimizer = type(optimizer).__name__
    if note:
        run.notes.append(note)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _step_through(torch, cls, optimizer, args, kwargs, run, plan)
    run.warnings = list(dict.fromkeys(" ".join(str(w.message).split()) for w in caught))
    return run


def _step_through(torch: Torch, cls: type, optimizer: Any, args: list[Any], kwargs: dict[str, Any], run: Run, plan: RunPlan) -> None:
    group = optimizer.param_groups[0]

    def current_lr() -> float:
        return float(group["lr"])

    # The optimizer's own numeric hyperparameters, as a scheduler may change them (momentum).
    watched = [k for k, v in group.items() if k not in NOT_HYPERPARAMETERS and isinstance(v, (int, float)) and not isinstance(v, bool)]

    def measure() -> None:
        for key in watched:
            value = group.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                run.hyperparameters.setdefault(key, []).append(float(value))

    measure()
    try:
        scheduler = build_scheduler(torch, cls, optimizer, args, kwargs, plan.children, plan.optimizer_first)
    except MemberError as exc:
        run.construct_error = str(exc)
        return
    except Exception as exc:
        run.construct_error = _one_line(exc)
        return
    measure()
    step_scheduler = _scheduler_stepper(scheduler, run, plan.call)

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
            if iteration <= MEASURED_STEPS:
                measure()
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


def _scheduler_stepper(scheduler: Any, run: Run, call: str | None) -> Callable[[], None]:
    if call == "metric":
        run.notes.append(f"stepped with a constant metric {PLATEAU_METRIC} (never improving)")
        return lambda: scheduler.step(PLATEAU_METRIC)
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
    return scheduler.step


# --- jobs ------------------------------------------------------------------------------------


def run_plans(torch: Torch, job: dict[str, Any], device: str) -> dict[str, Any]:
    """A "run" job: each plan built and stepped in turn, their records in the same order."""
    plans = [RunPlan.from_json(plan) for plan in job["plans"]]
    return {"id": job["id"], "runs": [simulate(torch, plan, device).to_json() for plan in plans]}


JOBS: dict[str, Callable[[Torch, dict[str, Any], str], dict[str, Any]]] = {"run": run_plans}


def _job_failure(job: dict[str, Any], message: str) -> dict[str, Any]:
    return {"id": job.get("id"), "error": message}


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
    """One job's result line; never raises (a timeout or an error is that job's `error`)."""
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
