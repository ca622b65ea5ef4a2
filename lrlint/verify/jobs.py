"""The parent's side of one --verify job: what to run for a finding or a schedule (`RunPlan`s for
the worker), and what the runs it sends back mean: the finding's rule judges them here, in
lrlint's own process, or they become a schedule's trajectory."""

from __future__ import annotations

from typing import Any

from lrlint.catalogue import schedulers
from lrlint.diagnostics import Verification
from lrlint.rules.base import Rule
from lrlint.rules.verification import VerifyHook
from lrlint.scenario import Scenario
from lrlint.trajectory import Trajectory
from lrlint.verify.horizon import horizon_for, literal_epochs
from lrlint.verify.record import Run, RunPlan, StepCall, Verdict, fmt

DEFAULT_LR = 0.1  # the optimizer's lr when the code's is not a literal (said so in the evidence)
MAX_EVIDENCE = 400


def plain_call(scheduler: str) -> StepCall | None:
    """How the class is stepped in a training loop: with the metric it monitors, or bare."""
    signature = schedulers().get(scheduler)
    return "metric" if signature is not None and signature.step_argument == "metric" else None


def plan(scenario: Scenario, hook: VerifyHook | None = None, reference: bool = False) -> RunPlan:
    """The run of `scenario` as read, in the observed order, with exactly its literals; `hook` adds
    the rule's flags: a placeholder for a keyword torch rejects whatever its value, keywords left
    out, and how the scheduler is stepped. `reference`: optimizer-first and plainly stepped."""
    notes: list[str] = []
    literal_lr = isinstance(scenario.lr, (int, float)) and not isinstance(scenario.lr, bool)
    lr = float(scenario.lr) if literal_lr else DEFAULT_LR  # type: ignore[arg-type]
    if scenario.lr is None:
        notes.append(f"lr is not a literal: {fmt(lr)} stood in")
    kwargs = {k: v for k, v in scenario.kwargs.items() if k != "optimizer"}
    placeholders: list[str] = []
    if hook is not None and hook.rejected_keyword is not None:
        keyword = hook.rejected_keyword
        if keyword in scenario.unknown and keyword not in kwargs:
            kwargs[keyword] = None  # rejected as an unexpected keyword before its value is looked at
            placeholders.append(keyword)
    for name in hook.ignored_keywords if hook is not None else ():
        if name in kwargs or name in scenario.unknown:
            kwargs.pop(name, None)
            notes.append(f"`{name}` left out: it cannot change the schedule")
    args = list(scenario.args)
    steps, note, capped = horizon_for(scenario, args, kwargs)
    if scenario.children:
        notes.append("members " + ", ".join(c.scheduler for c in scenario.children) + " built as read")
    return RunPlan(
        scheduler=scenario.scheduler,
        args=args,
        kwargs=kwargs,
        optimizer=scenario.optimizer,
        lr=lr,
        steps=steps,
        order="optimizer-first" if reference else scenario.order or "optimizer-first",
        call=(hook.call if hook is not None and not reference else None) or plain_call(scenario.scheduler),
        horizon_note=note,
        capped=capped,
        notes=notes,
        placeholders=placeholders,
        children=[member(child) for child in scenario.children],
        optimizer_first=optimizer_first(scenario.scheduler),
    )


def optimizer_first(scheduler: str) -> bool:
    """Whether the class takes the optimizer as its first argument (ChainedScheduler does not)."""
    signature = schedulers().get(scheduler)
    return signature is None or not signature.params or signature.params[0].name == signature.optimizer_param


def member(scenario: Scenario) -> dict[str, Any]:
    """A composite's member as the worker builds it: its literals, and its own members."""
    return {
        "scheduler": scenario.scheduler,
        "args": list(scenario.args),
        "kwargs": {k: v for k, v in scenario.kwargs.items() if k != "optimizer"},
        "children": [member(child) for child in scenario.children],
        "optimizer_first": optimizer_first(scenario.scheduler),
    }


def finding_plans(scenario: Scenario, hook: VerifyHook) -> list[RunPlan]:
    """The run as the code orders its steps, then, when the rule compares with it, the plainly
    stepped optimizer-first reference."""
    plans = [plan(scenario, hook)]
    if hook.needs_reference:
        plans.append(plan(scenario, hook, reference=True))
    return plans


def runs_of(answer: dict[str, Any]) -> list[Run]:
    """The records of a worker's result line; ValueError when it holds none."""
    runs = answer.get("runs")
    if not isinstance(runs, list) or not runs:
        raise ValueError("no runs")
    try:
        return [Run.from_json(run) for run in runs]
    except (TypeError, KeyError, AttributeError) as exc:
        raise ValueError(str(exc)) from exc


def verification(rule: Rule, scenario: Scenario, runs: list[Run], device: str | None, torch_version: str | None) -> Verification:
    """The rule's verdict on its finding's runs, with the rate as run (and as intended)."""
    hook = rule.verification
    assert hook is not None
    run, reference = runs[0], (runs[1] if len(runs) > 1 else None)
    try:
        verdict = hook.verdict(scenario, run, reference)
    except Exception as exc:  # noqa: BLE001 - a judge must not cost the run its other verdicts
        verdict = Verdict("inconclusive", f"lrlint could not judge the run: {type(exc).__name__}: {exc}")
    trajectory, intended = compact(scenario, run), None
    if reference is not None and reference.order != run.order:
        # The order matters: show the rate each epoch trains with, as the code runs it, beside the
        # schedule as intended (stepped after the optimizer).
        trajectory, intended = compact(scenario, run, applied=True), compact(scenario, reference, applied=True)
    return Verification(verdict.status, one_line(verdict.evidence, MAX_EVIDENCE), device, torch_version, trajectory, intended)


def compact(scenario: Scenario, run: Run, applied: bool = False) -> Trajectory | None:
    """The run's trajectory as change points, or None when nothing was stepped.

    `applied`: the rate each epoch trained with (in the run's order) instead of the rate after
    each epoch's steps."""
    if applied:
        if not run.applied:
            return None
        # One point per epoch trained, then the rate the loop ends with: as many points as the
        # plain trajectory, so that both say the loop ran `horizon` epochs.
        values = [*run.applied, run.trajectory[-1]] if run.trajectory else run.applied
    elif run.trajectory:
        values = run.trajectory
    else:
        return None
    return Trajectory.from_values(values, horizon=run.horizon_note or None, assumed=literal_epochs(scenario) is None, capped=run.capped)


def schedule_outcome(scenario: Scenario, run: Run) -> tuple[Trajectory | None, str | None, str | None]:
    """(trajectory, error, note) of a schedule run for --verify-all."""
    error = None
    if run.construct_error:
        error = run.construct_error
    elif run.step_error:
        error = f"{run.step_error} (at step {run.step_error_at})"
    note = "; ".join([run.horizon_note, *run.notes]) if run.horizon_note else "; ".join(run.notes)
    return compact(scenario, run), error, note or None


_CALLS = {None: "step()", "metric": "step(metric)", "no-metric": "step() without its metric", "epoch": "step(epoch)", "get_lr": "step(), then get_lr()"}


def configuration(plan: dict[str, Any], run: dict[str, Any] | None) -> dict[str, Any]:
    """What ran in torch (the JSON's `configuration`): the scheduler with its literal arguments and
    members, the optimizer and its lr, how many steps in which order, how the scheduler was
    stepped, and every stand-in lrlint or the worker chose; from the plan sent and the run's record."""
    run = run or {}
    return {
        "scheduler": plan.get("scheduler"),
        "args": plan.get("args", []),
        "kwargs": plan.get("kwargs", {}),
        "members": [_member(m) for m in plan.get("children", [])],
        "optimizer": run.get("optimizer") or plan.get("optimizer") or "SGD",
        "lr": plan.get("lr"),
        "steps": run.get("horizon", plan.get("steps")),
        "order": plan.get("order"),
        "step_call": _CALLS.get(plan.get("call"), str(plan.get("call"))),
        "stand_ins": list(run.get("notes", plan.get("notes", []))),
        "placeholders": list(plan.get("placeholders", [])),
    }


def _member(member: dict[str, Any]) -> dict[str, Any]:
    return {
        "scheduler": member.get("scheduler"),
        "args": member.get("args", []),
        "kwargs": member.get("kwargs", {}),
        "members": [_member(m) for m in member.get("children", [])],
    }


def one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
