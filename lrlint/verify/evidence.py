"""Per-rule verdicts of --verify: what a run in real torch says about a finding.

Runs inside the worker, but imports nothing from torch: the worker hands it plain records (`Run`),
so the verdict logic stays readable and the parent may use `skip_reason` before spawning anything.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Literal

from lrlint.scenario import Scenario
from lrlint.verify.hooks import hook_for, verifiable_codes

__all__ = ["Run", "Verdict", "judge", "skip_reason", "verifiable_codes", "rejected_keyword", "needs_reference", "scheduler_call"]

Status = Literal["confirmed", "refuted", "inconclusive", "skipped"]

# Start of torch's own warning (torch/optim/lr_scheduler.py, LRScheduler.step).
ORDER_WARNING = "Detected call of `lr_scheduler.step()` before `optimizer.step()`"

# The optimizer is never a literal; the worker always supplies its own, so it is not "unknown".
SUPPLIED_BY_WORKER = frozenset({"optimizer"})


@dataclass(frozen=True)
class Verdict:
    status: Status
    evidence: str


@dataclass
class Run:
    """What happened when the worker built a scenario in torch and stepped it."""

    scheduler: str
    order: str  # the order actually simulated: "scheduler-first" or "optimizer-first"
    base_lr: float  # the lr the optimizer was built with, before the scheduler touched it
    horizon: int = 0  # loop iterations simulated
    horizon_note: str = ""  # where the horizon came from, and whether it was capped
    capped: bool = False  # stopped short of the loop's length: MAX_STEPS, or the lr overflowed
    torch_version: str = ""  # torch.__version__ of the worker that ran it
    # The optimizer's param_groups[0]["momentum"] before the scheduler was built, then after its
    # construction and after each step; empty when the optimizer has no momentum.
    momentum: list[float] = field(default_factory=list)
    # param_groups[0]["lr"] after construction, then after each iteration: horizon + 1 values.
    trajectory: list[float] = field(default_factory=list)
    # The lr in effect at each optimizer.step(): what each epoch actually trains with.
    applied: list[float] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    construct_error: str | None = None
    step_error: str | None = None
    step_error_at: int | None = None  # 1-based iteration whose step raised
    params: dict[str, Any] = field(default_factory=dict)  # bound arguments, torch defaults applied
    notes: list[str] = field(default_factory=list)  # stand-ins the worker used (lr, optimizer, metric)
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


def fmt(value: float) -> str:
    """A learning rate, short: 4 significant digits drop float noise like 0.0010000000000000002."""
    return f"{value:.4g}"


def same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-15)


MAX_LISTED = 8  # values of a literal list quoted in evidence; a 100,000-item list stays one line


def listed(values: list[Any]) -> str:
    """A literal list as evidence quotes it: short lists whole, long ones cut with a count."""
    if len(values) <= MAX_LISTED:
        return str(values)
    head = ", ".join(str(v)[:40] for v in values[:MAX_LISTED])
    return f"[{head}, ... (+{len(values) - MAX_LISTED} more)]"


def _overflow(run: Run) -> str | None:
    """"lr overflows to inf at epoch 30", or None while the lr stayed finite."""
    if run.overflow_at is None:
        return None
    value = run.overflow_value if run.overflow_value is not None else math.inf
    verb = "overflows to" if math.isinf(value) else "becomes"
    return f"lr {verb} {value} at epoch {run.overflow_at}"


def unknown_params(scenario: Scenario) -> list[str]:
    return [name for name in scenario.unknown if name not in SUPPLIED_BY_WORKER]


def rejected_keyword(code: str) -> tuple[str, str] | None:
    """(scheduler, keyword) when the rule is about a keyword torch rejects whatever its value."""
    hook = hook_for(code)
    return hook.rejected_keyword if hook is not None else None


def ignored_keywords(code: str) -> tuple[str, ...]:
    """Keywords the rule's run leaves out because they cannot change the schedule."""
    hook = hook_for(code)
    return hook.ignored_keywords if hook is not None else ()


def scheduler_call(code: str) -> str | None:
    """How the rule's scenario is stepped when not plainly (VerifyHook.call)."""
    hook = hook_for(code)
    return hook.call if hook is not None else None


def needs_reference(code: str) -> bool:
    hook = hook_for(code)
    return hook is not None and hook.needs_reference


def skip_reason(code: str, scenario: Scenario | None) -> str | None:
    """Why a finding cannot be verified without guessing, or None when it can be built as read."""
    if scenario is None:
        return "not verified: lrlint could not read the scheduler's configuration as literals"
    hook = hook_for(code)
    if hook is not None and (hook.rejected_keyword is not None or hook.shape_claim):
        return None  # an unexpected keyword raises whatever the other values are
    unknown = [name for name in unknown_params(scenario) if name not in ignored_keywords(code)]
    if unknown:
        names = ", ".join(f"`{name}`" for name in unknown)
        verb = "is not a literal" if len(unknown) == 1 else "are not literals"
        return f"not verified: {names} {verb}, and --verify never guesses a value"
    if hook is not None and hook.needs_order and scenario.order is None:
        return "not verified: the order of scheduler.step() and optimizer.step() is not known"
    return None


def judge(code: str, scenario: Scenario, run: Run, reference: Run | None = None) -> Verdict:
    """The verdict for one finding, by the rule's own hook; `reference` is the optimizer-first
    run for rules that compare with it."""
    hook = hook_for(code)
    if hook is None:
        return Verdict("skipped", f"not verified: {code} has no runtime check")
    if hook.rejected_keyword is None and not (hook.expects_failure or hook.shape_claim) and run.failed:
        return Verdict("inconclusive", f"{run.failed}, before the rule's effect could be observed")
    if hook.needs_reference and (reference is None or reference.failed):
        why = reference.failed if reference else "no reference run"
        return Verdict("inconclusive", f"the optimizer-first reference run failed: {why}")
    return hook.judge(scenario, run, reference)


def _suffix(run: Run, *first: str) -> str:
    """Short notes a value-quoting evidence line must carry to stay honest."""
    notes = [*first, *(note for note in run.notes if note.startswith("lr "))]
    if run.capped:
        notes.append(run.horizon_note)
    return f" ({'; '.join(notes)})" if notes else ""


def judge_rejected_keyword(scheduler: str, keyword: str) -> Callable[[Scenario, Run, Run | None], Verdict]:
    """The judge of a rule about a keyword `scheduler` rejects (LR001, LR002)."""
    return lambda scenario, run, _reference: _rejected_keyword(scheduler, keyword, scenario, run)


def _rejected_keyword(scheduler: str, keyword: str, scenario: Scenario, run: Run) -> Verdict:
    others = [name for name in unknown_params(scenario) if name not in run.placeholders]
    caveat = ""
    if run.placeholders:
        caveat += f"; `{keyword}` is not a literal: None stood in (rejected whatever its value)"
    if others:
        names = ", ".join(f"`{name}`" for name in others)
        caveat += f"; {names} not literal, left out (cannot change the outcome)"
    if run.construct_error:
        # Only the TypeError the rule predicts counts: about the keyword, or, when the keyword is
        # absent, the one about the value given in its place (`MultiStepLR(opt, 30)`: an int is
        # not iterable). Another unexpected keyword or a missing argument is another story.
        swapped = keyword not in scenario.kwargs
        if run.construct_error.startswith("TypeError:") and (
            f"'{keyword}'" in run.construct_error or (swapped and "object is not iterable" in run.construct_error)
        ):
            return Verdict("confirmed", f"{scheduler}(...) raises {run.construct_error}{caveat}")
        return Verdict(
            "inconclusive",
            f"{scheduler}(...) raises {run.construct_error}, not the TypeError about `{keyword}` "
            f"the rule predicts{caveat}",
        )
    if run.step_error and run.step_error.startswith("TypeError:"):
        return Verdict(
            "confirmed",
            f"{scheduler}(...) is built, but step {run.step_error_at} raises {run.step_error}{caveat}",
        )
    if run.step_error:
        return Verdict("inconclusive", f"{scheduler}(...) is built; step {run.step_error_at} raises {run.step_error}")
    if others:
        names = ", ".join(f"`{name}`" for name in others)
        return Verdict(
            "inconclusive",
            f"{scheduler}(...) builds and steps without error from the literals alone; {names} not "
            "literal, so the real call may differ",
        )
    return Verdict("refuted", f"{scheduler}(...) builds and steps {run.horizon} times without error")


def change_epochs(trajectory: list[float]) -> list[int]:
    """Epochs (trajectory indices) at which the learning rate differs from the epoch before."""
    return [i for i in range(1, len(trajectory)) if not same(trajectory[i], trajectory[i - 1])]


def _changes(run: Run) -> list[int]:
    return change_epochs(run.trajectory)


def _epochs(values: list[int]) -> str:
    shown = ", ".join(str(v) for v in values[:8])
    return shown + (f" (+{len(values) - 8} more)" if len(values) > 8 else "")


def judge_milestones(scenario: Scenario, run: Run, reference: Run | None) -> Verdict:
    return _milestones(run)


def judge_gamma(scenario: Scenario, run: Run, reference: Run | None) -> Verdict:
    return _gamma(run)


def judge_order(scenario: Scenario, run: Run, reference: Run | None) -> Verdict:
    assert reference is not None  # judge() checks it first
    return _order(scenario, run, reference)


def _milestones(run: Run) -> Verdict:
    milestones = run.params.get("milestones")
    if not isinstance(milestones, list) or not milestones:
        return Verdict("inconclusive", "MultiStepLR was built, but its milestones are not a list of epochs")
    gamma = float(run.params.get("gamma", 0.1))
    counts = Counter(milestones)
    repeated = sorted(m for m, c in counts.items() if c > 1)
    if repeated:
        return _repeated_milestone(run, repeated, counts, gamma)
    drops = _changes(run)
    if milestones == sorted(milestones):
        return Verdict("refuted", f"milestones {listed(milestones)} are strictly increasing")
    if not drops:
        return Verdict(
            "refuted",
            f"no runtime error: torch treats {listed(milestones)} as sorted; the {run.horizon}-epoch loop "
            f"reaches no milestone{_suffix(run)}",
        )
    return Verdict(
        "refuted",
        f"no runtime error: torch decays at epochs {_epochs(drops)} as if sorted{_suffix(run)}",
    )


def _times(count: int) -> str:
    return {2: "twice", 3: "three times"}.get(count, f"{count} times")


def _repeated_milestone(run: Run, repeated: list[int], counts: Counter[Any], gamma: float) -> Verdict:
    reached = [m for m in repeated if isinstance(m, int) and 0 <= m <= run.horizon]
    if not reached:
        which = ", ".join(f"milestone {m} is listed {_times(counts[m])}" for m in repeated[:MAX_LISTED])
        if len(repeated) > MAX_LISTED:
            which += f" (+{len(repeated) - MAX_LISTED} more repeats)"
        overflow = _overflow(run)
        if overflow:  # the loop was cut short by the overflow, not by its length
            return Verdict("inconclusive", f"{which}, but {overflow} (gamma={gamma}): stepping stopped there")
        return Verdict(
            "inconclusive",
            f"{which}, but the {run.horizon}-epoch loop never reaches it{_suffix(run)}",
        )
    epoch = reached[0]
    count = counts[epoch]
    before = run.trajectory[epoch - 1] if epoch > 0 else run.base_lr
    after = run.trajectory[epoch]
    if same(gamma**count, gamma):
        return Verdict(
            "inconclusive",
            f"milestone {epoch} is listed {_times(count)}, but with gamma={gamma} decaying "
            f"{count} times equals decaying once",
        )
    if before and same(after / before, gamma**count):
        return Verdict(
            "confirmed",
            f"lr {fmt(before)} -> {fmt(after)} at epoch {epoch}: decayed by gamma**{count} "
            f"(milestone {epoch} listed {_times(count)}){_suffix(run)}",
        )
    return Verdict(
        "inconclusive",
        f"milestone {epoch} is listed {_times(count)}, but lr went {fmt(before)} -> {fmt(after)} "
        f"at epoch {epoch}, not a gamma**{count} decay",
    )


def _first_decay_due(run: Run) -> int | None:
    """The first epoch at which the scheduler would apply gamma, from its literal arguments."""
    params = run.params
    if run.scheduler == "StepLR" and isinstance(params.get("step_size"), int):
        return int(params["step_size"])
    if run.scheduler == "MultiStepLR" and isinstance(params.get("milestones"), list):
        epochs = [m for m in params["milestones"] if isinstance(m, int) and m >= 0]
        return min(epochs) if epochs else None
    if run.scheduler == "ExponentialLR":
        return 1
    return None


def _gamma(run: Run) -> Verdict:
    start, end = run.base_lr, run.trajectory[-1]
    gamma = run.params.get("gamma")
    overflow = _overflow(run)
    if not math.isfinite(start):
        return Verdict("inconclusive", f"the optimizer's lr is {start} before any step: growth cannot be measured")
    if overflow:
        # Stepping stopped at the overflow: the finite trajectory alone would read as "never applied".
        grew = run.overflow_value == math.inf and math.isfinite(start) and start > 0
        return Verdict(
            "confirmed" if grew else "inconclusive",
            f"lr grows {fmt(start)} -> inf: {overflow} (gamma={gamma})" if grew else f"{overflow} (gamma={gamma})",
        )
    span = f"over {run.horizon} epochs{_suffix(run, f'gamma={gamma}')}"
    if end > start and not same(end, start):
        return Verdict("confirmed", f"lr grows {fmt(start)} -> {fmt(end)} {span}")
    if not same(end, start):
        return Verdict("refuted", f"lr decays {fmt(start)} -> {fmt(end)} {span}")
    due = _first_decay_due(run)
    if due is not None and due > run.horizon:
        return Verdict(
            "inconclusive",
            f"lr stays {fmt(start)} over {run.horizon} epochs, but the first decay is only due at "
            f"epoch {due}: gamma is never applied{_suffix(run)}",
        )
    return Verdict("confirmed", f"lr stays {fmt(start)} {span}")


def _shift(run: Run, reference: Run) -> tuple[int, float, float] | None:
    """First epoch whose trained-with lr differs from the optimizer-first order: (epoch, got, expected)."""
    for epoch, (got, expected) in enumerate(zip(run.applied, reference.applied)):
        if not same(got, expected):
            return epoch, got, expected
    return None


def _order(scenario: Scenario, run: Run, reference: Run) -> Verdict:
    warned = any(ORDER_WARNING in message for message in run.warnings)
    shift = _shift(run, reference)
    skipped = reference.applied[0] if reference.applied else run.base_lr
    shifted = ""
    if shift:
        epoch, got, expected = shift
        shifted = (
            f"epoch {epoch} trains with lr {fmt(got)} instead of {fmt(expected)}: the schedule runs "
            f"one step ahead and its first value {fmt(skipped)} is skipped"
        )
    unobservable = f"the skip is not observable: lr stays {fmt(skipped)} over {run.horizon} epochs"
    if run.order == "optimizer-first" and not shift and not warned:
        return Verdict(
            "refuted",
            f"stepping optimizer-first (the observed order), torch does not warn and the schedule "
            f"is not shifted over {run.horizon} epochs",
        )
    if scenario.grad_scaler:
        caveat = "GradScaler in use: torch's warning also fires when the scaler skips a step, so"
        if shift:
            return Verdict("confirmed", f"stepping {run.order}, {shifted}{_suffix(run)} ({caveat} only the step order is relied on)")
        return Verdict("inconclusive", f"{caveat} it proves nothing alone, and {unobservable}{_suffix(run)}")
    if warned and shift:
        return Verdict("confirmed", f"torch warned: {ORDER_WARNING}; {shifted}{_suffix(run)}")
    if warned:
        return Verdict("confirmed", f"torch warned: {ORDER_WARNING} ({unobservable}){_suffix(run)}")
    if shift:
        return Verdict("confirmed", f"no warning, but {shifted}{_suffix(run)}")
    return Verdict("inconclusive", f"no warning from torch, and {unobservable}{_suffix(run)}")


# --- calls on a scheduler (LR009, LR010, LR011) and invalid values (LR013) --------------------

# Starts of torch's own warnings (torch/optim/lr_scheduler.py).
EPOCH_WARNING = "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated"
GET_LR_WARNING = "To get the last learning rate computed by the scheduler, please use `get_last_lr()`"


def _warned(run: Run, start: str) -> bool:
    return any(w.startswith(start) for w in run.warnings)


def judge_epoch_argument(scenario: Scenario, run: Run, reference: Run | None) -> Verdict:
    if not _warned(run, EPOCH_WARNING):
        return Verdict("refuted", f"{run.scheduler}.step(epoch) ran {run.horizon} times without torch's deprecation warning")
    shifted = ""
    if reference is not None:
        got, plain = _changes(run), _changes(reference)
        if got != plain:
            shifted = f"; passing the 0-based loop index, the lr changes at epochs {_epochs(got) or 'none'} instead of {_epochs(plain) or 'none'} with step()"
        else:
            shifted = f"; the lr follows the same {run.horizon} epochs as with step()"
    return Verdict("confirmed", f"torch warned: {EPOCH_WARNING}{shifted}{_suffix(run)}")


def judge_get_lr(scenario: Scenario, run: Run, reference: Run | None) -> Verdict:
    if not _warned(run, GET_LR_WARNING):
        return Verdict("refuted", f"{run.scheduler}.get_lr() was called {len(run.probes)} times without torch's warning")
    differing = [(epoch, got, last) for epoch, got, last in run.probes if not same(got, last)]
    if not differing:
        return Verdict("confirmed", f"torch warned: {GET_LR_WARNING} (its values equal get_last_lr() over {len(run.probes)} epochs here){_suffix(run)}")
    epoch, got, last = differing[0]
    return Verdict(
        "confirmed",
        f"torch warned: {GET_LR_WARNING}; after step {epoch}, get_lr() returns {fmt(got)} while the lr in "
        f"use (get_last_lr()) is {fmt(last)} (differs at {len(differing)} of {len(run.probes)} steps){_suffix(run)}",
    )


def judge_missing_metric(scenario: Scenario, run: Run, reference: Run | None) -> Verdict:
    if run.construct_error:
        return Verdict("inconclusive", f"construction raised {run.construct_error}, before any step")
    if run.step_error and run.step_error.startswith("TypeError:") and "'metrics'" in run.step_error:
        return Verdict("confirmed", f"{run.scheduler}(...) is built, but step {run.step_error_at} raises {run.step_error}")
    if run.step_error:
        return Verdict("inconclusive", f"step {run.step_error_at} raises {run.step_error}, not the missing-metric TypeError")
    return Verdict("refuted", f"{run.scheduler}.step() ran {run.horizon} times without a metric and without error")


def judge_invalid_value(scenario: Scenario, run: Run, reference: Run | None) -> Verdict:
    from lrlint.facts.invalid_values import problems

    present = {*scenario.kwargs, *scenario.unknown}
    found = problems(scenario.scheduler, scenario.kwargs, present)
    if not found:
        return Verdict("inconclusive", "the literals as rebuilt hold no value the rule predicts a failure for")
    raising = [p for p in found if p.outcome == "construct"]
    if raising:
        error = run.construct_error or ""
        if any(error.startswith(p.torch_text) for p in raising):
            return Verdict("confirmed", f"{run.scheduler}(...) raises {error}")
        if error:
            return Verdict("inconclusive", f"{run.scheduler}(...) raises {error}, not the ValueError the rule predicts")
        return Verdict("refuted", f"{run.scheduler}(...) builds without error")
    if run.construct_error:
        return Verdict("inconclusive", f"construction raised {run.construct_error}, before the rule's effect could be observed")
    problem = found[0]
    if problem.outcome == "zero-division":
        if run.step_error and run.step_error.startswith("ZeroDivisionError"):
            return Verdict("confirmed", f"{run.scheduler}(...) is built, but step {run.step_error_at} raises {run.step_error}")
        if run.step_error:
            return Verdict("inconclusive", f"step {run.step_error_at} raises {run.step_error}, not ZeroDivisionError")
        return Verdict("refuted", f"{run.scheduler}(...) steps {run.horizon} times without error")
    if run.step_error:
        return Verdict("inconclusive", f"step {run.step_error_at} raises {run.step_error}, before the rule's effect could be observed")
    trajectory = run.trajectory
    if problem.outcome == "lr-zero":
        zero = next((i for i, lr in enumerate(trajectory) if lr == 0), None)
        if zero is None:
            return Verdict("inconclusive", f"the lr never reaches 0 over {run.horizon} epochs{_suffix(run)}")
        if all(lr == 0 for lr in trajectory[zero:]):
            return Verdict("confirmed", f"lr {fmt(run.base_lr)} -> 0 at epoch {zero} and stays 0 to epoch {run.horizon}{_suffix(run)}")
        return Verdict("refuted", f"lr is 0 at epoch {zero}, but not after it{_suffix(run)}")
    if problem.outcome == "lr-negative":
        negative = next((i for i, lr in enumerate(trajectory) if lr < 0), None)
        if negative is None:
            return Verdict("inconclusive", f"the lr stays >= 0 over {run.horizon} epochs{_suffix(run)}")
        return Verdict("confirmed", f"lr {fmt(run.base_lr)} -> {fmt(trajectory[negative])} at epoch {negative}: negative{_suffix(run)}")
    if problem.outcome == "at-construction":
        if trajectory and not same(trajectory[0], run.base_lr):
            return Verdict("confirmed", f"lr is {fmt(trajectory[0])} right after construction, not the optimizer's {fmt(run.base_lr)}: decayed before the first epoch{_suffix(run)}")
        return Verdict("refuted", f"lr is {fmt(run.base_lr)} after construction: no decay at milestone 0")
    if problem.outcome == "never":
        milestones = [m for m in scenario.kwargs.get("milestones", []) if isinstance(m, (int, float)) and not isinstance(m, bool)]
        bad = [m for m in milestones if m < 0 or not float(m).is_integer()]
        if any(m > run.horizon for m in bad):
            return Verdict("inconclusive", f"the {run.horizon}-epoch loop ends before milestone {max(bad)!r}{_suffix(run)}")
        reached = sorted({int(m) for m in milestones if float(m).is_integer() and 1 <= m <= run.horizon})
        drops = _changes(run)
        shown = ", ".join(repr(m) for m in bad)
        if drops == reached:
            where = f"only at epochs {_epochs(drops)}" if drops else "never"
            return Verdict("confirmed", f"lr decays {where} over {run.horizon} epochs: milestone {shown} is never reached{_suffix(run)}")
        return Verdict("refuted", f"lr changes at epochs {_epochs(drops)}: not only at the whole milestones {reached}{_suffix(run)}")
    return Verdict("skipped", "not verified: torch cannot rebuild the schedulers SequentialLR is given")


# --- the call's shape for a torch release (LR006, LR008) ------------------------------------------


def _release_of(version: str | None) -> tuple[int, int] | None:
    """"2.13.0+cpu" as (2, 13); None for an unknown or empty version."""
    import re

    match = re.match(r"(\d+)\.(\d+)", version or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def _target_name(scenario: Scenario) -> str:
    return f"torch {scenario.torch_target}" if scenario.torch_target else "the newest torch"


def binding_error(scheduler: str, args: list[Any], kwargs: dict[str, Any], target: tuple[int, int] | None) -> tuple[str, ...] | None:
    """What Python's argument binding rejects first when `scheduler(optimizer, *args, **kwargs)` is
    called in torch `target` (by lrlint's signature table), as fragments of its TypeError; None
    when the call binds. Python checks the positional count, then the keywords, then what is missing."""
    from lrlint.catalogue import schedulers

    signature = schedulers().get(scheduler)
    if signature is None:
        return None
    accepted = signature.params_for(target)
    names = [p.name for p in accepted]
    given = 1 + len(args)  # the optimizer, always passed first
    if given > len(names):
        return ("positional argument", f"but {given + 1} were given")  # Python counts `self`
    for name in kwargs:
        if name not in names:
            return (f"unexpected keyword argument '{name}'",)
        if name in names[:given]:
            return (f"multiple values for argument '{name}'",)
    bound = set(names[:given]) | set(kwargs)
    missing = [p.name for p in accepted if p.required and p.name not in bound]
    if missing:
        return ("missing", f"'{missing[0]}'")
    return None


def judge_call_shape(scenario: Scenario, run: Run, reference: Run | None) -> Verdict:
    """LR006: torch rejects the call's arguments with the TypeError the table predicts."""
    args, kwargs = list(scenario.args), {k: v for k, v in scenario.kwargs.items() if k != "optimizer"}
    installed = _release_of(run.torch_version)
    target = _release_of(scenario.torch_target)
    claimed = binding_error(scenario.scheduler, args, kwargs, target)
    here = binding_error(scenario.scheduler, args, kwargs, installed)
    where = f"torch {run.torch_version}"
    error = run.construct_error
    if error and error.startswith("TypeError:") and here and all(part in error for part in here):
        if claimed == here:
            return Verdict("confirmed", f"{scenario.scheduler}(...) raises {error}")
        return Verdict("inconclusive", f"{where} raises {error}, but the finding is about {_target_name(scenario)}")
    if error:
        return Verdict("inconclusive", f"{scenario.scheduler}(...) raises {error}, not the TypeError the rule predicts")
    if claimed is not None and here is None and installed != target:
        return Verdict(
            "inconclusive",
            f"{where} accepts the call; the finding is about {_target_name(scenario)}, whose signature differs",
        )
    return Verdict("refuted", f"{scenario.scheduler}(...) builds in {where} without a TypeError")


VERBOSE_WARNING = "The verbose parameter is deprecated"


def judge_verbose(scenario: Scenario, run: Run, reference: Run | None) -> Verdict:
    """LR008: torch rejects `verbose` (2.7 and later) or warns about it (2.2 to 2.6)."""
    from lrlint.catalogue import schedulers

    signature = schedulers().get(scenario.scheduler)
    param = signature.param("verbose") if signature is not None else None
    if param is None:
        return Verdict("inconclusive", f"{scenario.scheduler} has no `verbose` parameter in lrlint's table")
    target = _release_of(scenario.torch_target)
    claims_error = not param.accepted(target)
    where = f"torch {run.torch_version}"
    error = run.construct_error
    by_position = "verbose" not in scenario.kwargs  # passed positionally: Python counts, never names it
    rejected = bool(
        error and error.startswith("TypeError:")
        and ("'verbose'" in error or (by_position and "positional argument" in error))
    )
    warned = next((w for w in run.warnings if VERBOSE_WARNING in w), None)
    if rejected:
        if claims_error:
            return Verdict("confirmed", f"{scenario.scheduler}(..., verbose=...) raises {error}")
        return Verdict("inconclusive", f"{where} raises {error}; the finding is about {_target_name(scenario)}, which only warns")
    if error:
        return Verdict("inconclusive", f"{scenario.scheduler}(...) raises {error}, not a TypeError about `verbose`")
    if warned:
        if not claims_error:
            return Verdict("confirmed", f"{where} warns: {warned}")
        return Verdict("inconclusive", f"{where} only warns ({warned}); the finding is about {_target_name(scenario)}")
    installed = _release_of(run.torch_version)
    if installed is not None and param.deprecated is not None and installed < _release_of(param.deprecated):  # type: ignore[operator]
        return Verdict("inconclusive", f"{where} predates the deprecation of `verbose` ({param.deprecated}): it cannot show it")
    return Verdict("refuted", f"{scenario.scheduler}(..., verbose=...) builds in {where} without a warning or an error")


def judge_fresh_last_epoch(scenario: Scenario, run: Run, reference: Run | None) -> Verdict:
    """LR017: `last_epoch` other than -1 on a fresh optimizer: KeyError about 'initial_lr'."""
    last_epoch = scenario.kwargs.get("last_epoch")
    error = run.construct_error
    if error and error.startswith("KeyError:") and "initial_lr" in error:
        first = error.split("\\n")[0]  # newer torch adds hints after a newline (\\n in the repr)
        return Verdict("confirmed", f"{scenario.scheduler}(..., last_epoch={last_epoch}) on a fresh optimizer raises {first}")
    if error:
        return Verdict("inconclusive", f"{scenario.scheduler}(...) raises {error}, not the KeyError about 'initial_lr'")
    return Verdict("refuted", f"{scenario.scheduler}(..., last_epoch={last_epoch}) builds on a fresh optimizer")


def judge_cyclic_momentum(scenario: Scenario, run: Run, reference: Run | None) -> Verdict:
    """LR018: OneCycleLR / CyclicLR turn on (and cycle) the momentum of an SGD written without it."""
    if run.failed:
        return Verdict("inconclusive", f"{run.failed}, before the momentum could be observed")
    if len(run.momentum) < 2:
        return Verdict("inconclusive", f"the optimizer ({scenario.optimizer}) has no momentum to observe")
    before, after = run.momentum[0], run.momentum[1:]
    shown = " -> ".join(f"{m:.6g}" for m in after)  # 6 digits: a cycle moves it by 1e-4 a step
    if same(before, 0.0) and any(not same(m, 0.0) for m in after):
        return Verdict(
            "confirmed",
            f"{scenario.optimizer} momentum {fmt(before)} before {scenario.scheduler} is built, "
            f"then {shown} (after construction, then per step)",
        )
    if not same(before, 0.0):
        return Verdict("inconclusive", f"the optimizer was built with momentum {fmt(before)}, not 0")
    return Verdict("refuted", f"momentum stays {fmt(before)}: {scenario.scheduler} does not touch it")
