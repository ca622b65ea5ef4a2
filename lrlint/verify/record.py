"""What --verify asks torch to run, what the run recorded, and the verdict drawn from it.

Plain data shared by both sides: the parent plans a run (`RunPlan`: literals and plain flags), the
isolated worker carries it out and fills the record (`Run`), and back in the parent the finding's
rule judges the record (`Verdict`). Imports nothing from lrlint's analysis, nor torch.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

Status = Literal["confirmed", "refuted", "inconclusive", "skipped"]
StepCall = Literal["metric", "no-metric", "epoch", "get_lr"]
MAX_STEPS = 10_000  # bound on loop iterations simulated per run
MEASURED_STEPS = 2  # the optimizer's other hyperparameters are recorded over the first steps


@dataclass(frozen=True)
class Verdict:
    status: Status
    evidence: str


@dataclass(frozen=True)
class RunPlan:
    """One scheduler to build and step in torch: exactly the literals, and how to step it."""

    scheduler: str  # a class of torch.optim.lr_scheduler
    args: list[Any]  # positional arguments after the optimizer
    kwargs: dict[str, Any]
    optimizer: str | None  # a torch.optim class; None: SGD
    lr: float
    steps: int  # iterations of the loop to simulate
    order: str = "optimizer-first"  # or "scheduler-first"
    # How the scheduler is stepped: None `step()`; "metric" `step(metric)` with a constant metric;
    # "no-metric" `step()` on a scheduler that wants one; "epoch" `step(i)` with the 0-based loop
    # index; "get_lr" `step()`, then `get_lr()` and `get_last_lr()` are read.
    call: StepCall | None = None
    horizon_note: str = ""  # where `steps` came from
    capped: bool = False  # `steps` was cut to the bound
    notes: list[str] = field(default_factory=list)  # stand-ins the parent chose (the lr, left-out keywords)
    placeholders: list[str] = field(default_factory=list)  # keywords given None for want of a literal
    # A composite's members, built in order on the same optimizer and passed as its `schedulers`:
    # each `{"scheduler", "args", "kwargs", "children", "optimizer_first"}`, literals only.
    children: list[dict[str, Any]] = field(default_factory=list)
    # The optimizer is its first argument (ChainedScheduler's is not: it takes its members').
    optimizer_first: bool = True

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunPlan:
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


@dataclass
class Run:
    """What happened when the worker built a plan in torch and stepped it."""

    scheduler: str
    order: str  # the order actually simulated: "scheduler-first" or "optimizer-first"
    base_lr: float  # the lr the optimizer was built with, before the scheduler touched it
    horizon: int = 0  # loop iterations simulated
    horizon_note: str = ""  # where the horizon came from, and whether it was capped
    capped: bool = False  # stopped short of the loop's length: the bound, or the lr overflowed
    torch_version: str = ""  # torch.__version__ of the worker that ran it
    optimizer: str = ""  # the torch.optim class built (SGD when the plan's could not be)
    # The optimizer's other numeric hyperparameters (param_groups[0], e.g. momentum) before the
    # scheduler was built, then after its construction and after each of the first steps.
    hyperparameters: dict[str, list[float]] = field(default_factory=dict)
    # param_groups[0]["lr"] after construction, then after each iteration: horizon + 1 values.
    trajectory: list[float] = field(default_factory=list)
    # The lr in effect at each optimizer.step(): what each epoch actually trains with.
    applied: list[float] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    construct_error: str | None = None
    step_error: str | None = None
    step_error_at: int | None = None  # 1-based iteration whose step raised
    params: dict[str, Any] = field(default_factory=dict)  # bound arguments, torch defaults applied
    notes: list[str] = field(default_factory=list)  # stand-ins used (lr, optimizer, metric)
    placeholders: list[str] = field(default_factory=list)  # unknown keywords given a placeholder
    # The step at which the lr stopped being finite (inf, -inf, nan), and that value: the worker
    # stops there, so the trajectory holds only finite values.
    overflow_at: int | None = None
    overflow_value: float | None = None
    # With the "get_lr" call: (iteration, get_lr()[0], get_last_lr()[0]) after each step.
    probes: list[tuple[int, float, float]] = field(default_factory=list)

    @property
    def failed(self) -> str | None:
        if self.construct_error:
            return f"construction raised {self.construct_error}"
        if self.step_error:
            return f"step {self.step_error_at} raised {self.step_error}"
        return None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["probes"] = [list(probe) for probe in self.probes]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Run:
        """Raises ValueError (or TypeError, KeyError) for a record that is not one."""
        known = {f.name for f in fields(cls)}
        run = cls(**{key: value for key, value in data.items() if key in known})
        run.probes = [(int(i), float(a), float(b)) for i, a, b in run.probes]
        if not isinstance(run.trajectory, list) or not all(isinstance(v, (int, float)) for v in run.trajectory):
            raise ValueError("a run's trajectory is a list of numbers")
        return run


def fmt(value: float) -> str:
    """A learning rate, short: 4 significant digits drop float noise like 0.0010000000000000002."""
    return f"{value:.4g}"


def same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-15)
