"""Pure parts of --verify, no worker: skip decisions, verdict edge cases, trajectory rendering."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from rich.console import Console
from rich.text import Text

from lrlint.rules import rule_for
from lrlint.rules.judging import listed
from lrlint.rules.lr005_scheduler_step_before_optimizer_step import ORDER_WARNING
from lrlint.rules.verification import VerifyHook
from lrlint.scenario import Scenario
from lrlint.trajectory import Trajectory
from lrlint.verify import render_trajectory
from lrlint.verify.record import Run, Verdict
from lrlint.verify.render import change_epochs, sparkline, summary


def hook(code: str) -> VerifyHook:
    rule = rule_for(code)
    assert rule is not None and rule.verification is not None
    return rule.verification


def judge(code: str, scenario: Scenario, run: Run, reference: Run | None = None) -> Verdict:
    """The verdict of `code`'s rule on a run, as lrlint's process gives it."""
    return hook(code).verdict(scenario, run, reference)


def skip_reason(code: str, scenario: Scenario | None) -> str | None:
    return hook(code).skip_reason(scenario)


def run(scheduler: str, trajectory: list[float], **fields: Any) -> Run:
    defaults: dict[str, Any] = {"order": "optimizer-first", "base_lr": trajectory[0] if trajectory else 0.1}
    defaults.update(fields)
    return Run(scheduler=scheduler, trajectory=trajectory, horizon=max(len(trajectory) - 1, 0), **defaults)


# --- skip_reason ------------------------------------------------------------------------------


def test_skip_reason_names_every_unknown_parameter() -> None:
    scenario = Scenario("MultiStepLR", kwargs={"milestones": [3, 3]}, unknown=("gamma", "**kwargs"))
    assert skip_reason("LR003", scenario) == "not verified: `gamma`, `**kwargs` are not literals, and --verify never guesses a value"


def test_skip_reason_lets_construction_rules_through_with_unknowns() -> None:
    scenario = Scenario("StepLR", kwargs={"milestones": [3]}, unknown=("step_size",))
    assert skip_reason("LR001", scenario) is None
    assert skip_reason("LR002", Scenario("MultiStepLR", kwargs={"step_size": 3}, unknown=("*args",))) is None


def test_skip_reason_ignores_the_optimizer_the_worker_supplies() -> None:
    assert skip_reason("LR004", Scenario("ExponentialLR", kwargs={"gamma": 2.0}, unknown=("optimizer",))) is None


def test_skip_reason_needs_the_order_for_lr005() -> None:
    assert skip_reason("LR005", Scenario("StepLR", kwargs={"step_size": 3})) is not None
    assert skip_reason("LR005", Scenario("StepLR", kwargs={"step_size": 3}, order="scheduler-first")) is None


# --- judge: cases hard to reach through torch -------------------------------------------------


def test_repeated_milestone_with_gamma_one_is_inconclusive() -> None:
    r = run("MultiStepLR", [0.1] * 6, params={"milestones": [2, 2], "gamma": 1.0})
    verdict = judge("LR003", Scenario("MultiStepLR"), r)
    assert verdict.status == "inconclusive" and "equals decaying once" in verdict.evidence


def test_repeated_milestone_with_a_single_decay_is_not_confirmed() -> None:
    r = run("MultiStepLR", [0.1, 0.1, 0.01, 0.01], params={"milestones": [2, 2], "gamma": 0.1})
    verdict = judge("LR003", Scenario("MultiStepLR"), r)
    assert verdict.status == "inconclusive"
    assert "not a gamma**2 decay" in verdict.evidence


def test_construction_type_error_about_another_argument_is_not_a_confirmation() -> None:
    r = run("StepLR", [], construct_error="TypeError: StepLR.__init__() missing 1 required positional argument: 'step_size'")
    verdict = judge("LR001", Scenario("StepLR", unknown=("milestones",)), r)
    assert verdict.status == "inconclusive"
    assert "not the TypeError about `milestones`" in verdict.evidence


def test_step_error_before_the_effect_is_inconclusive() -> None:
    r = run("ExponentialLR", [0.1], step_error="RuntimeError: boom", step_error_at=1)
    verdict = judge("LR004", Scenario("ExponentialLR"), r)
    assert verdict == verdict.__class__("inconclusive", "step 1 raised RuntimeError: boom, before the rule's effect could be observed")


def test_lr005_warning_is_recognised_only_by_torchs_text() -> None:
    flat = [0.1] * 4
    scenario = Scenario("StepLR", order="scheduler-first")
    warned = run("StepLR", flat, order="scheduler-first", applied=flat[1:], warnings=[f"{ORDER_WARNING}. In PyTorch 1.1.0..."])
    silent = run("StepLR", flat, order="scheduler-first", applied=flat[1:], warnings=["something else"])
    reference = run("StepLR", flat, applied=flat[:-1])
    assert judge("LR005", scenario, warned, reference).status == "confirmed"
    assert judge("LR005", scenario, silent, reference).status == "inconclusive"


# --- rendering --------------------------------------------------------------------------------


def test_change_epochs() -> None:
    assert change_epochs([0.1, 0.1, 0.01, 0.01, 0.001]) == [2, 4]
    assert change_epochs([0.1, 0.1]) == []


def test_sparkline_is_bounded_and_keeps_the_ends() -> None:
    line, log = sparkline([1.0 - i / 999 for i in range(1000)])
    assert len(line) == 48 and line[0] == "█" and line[-1] == "▁" and not log


def test_sparkline_uses_a_log_scale_across_decades() -> None:
    line, log = sparkline([0.1] * 3 + [0.01] * 3 + [0.001] * 3)
    assert log
    assert line == "███▅▅▅▁▁▁"  # the middle decade sits halfway up, not flat on the floor


def test_summary_line() -> None:
    text = summary("train.py:12", [0.1, 0.1, 0.01, 0.01])
    assert text == (
        "train.py:12  ██▁▁  start 0.1  end 0.01  min 0.01  max 0.1  over 3 epochs  changes at 2: 0.1->0.01"
    )


def test_summary_of_a_smooth_curve_and_a_flat_one() -> None:
    assert summary("a", [0.1 * 0.9**i for i in range(50)]).endswith("changes at 49 epochs (1..49)")
    assert summary("b", [0.1] * 5).endswith("over 4 epochs  constant")
    assert summary("c", []) == "c  (no trajectory)"


def test_render_trajectory_is_a_rich_text() -> None:
    rendered = render_trajectory("train.py:12", [0.1, 0.05, 0.025])
    assert isinstance(rendered, Text)
    console = Console(width=200, record=True, color_system=None)
    console.print(rendered)
    shown = console.export_text()
    assert shown.startswith("train.py:12  █▃▁  start 0.1  end 0.025")  # linear: 0.05 is a third up


# --- overflow (no torch: the worker's Run as it records an lr that left the floats) -------------


def test_overflow_at_the_first_decay_is_growth_not_never_applied() -> None:
    # StepLR(step_size=30, gamma=inf): the lr is inf at epoch 30, so stepping stopped at 29.
    r = run("StepLR", [0.1] * 30, params={"step_size": 30, "gamma": math.inf}, overflow_at=30, overflow_value=math.inf)
    verdict = judge("LR004", Scenario("StepLR"), r)
    assert verdict.status == "confirmed"
    assert verdict.evidence == "lr grows 0.1 -> inf: lr overflows to inf at epoch 30 (gamma=inf)"
    assert "never applied" not in verdict.evidence


def test_a_nan_lr_is_not_called_growth() -> None:
    r = run("ExponentialLR", [0.1], params={"gamma": math.inf}, overflow_at=1, overflow_value=math.nan)
    verdict = judge("LR004", Scenario("ExponentialLR"), r)
    assert verdict.status == "inconclusive" and verdict.evidence == "lr becomes nan at epoch 1 (gamma=inf)"


def test_repeated_milestone_cut_short_by_an_overflow_says_so() -> None:
    r = run("MultiStepLR", [0.1] * 30, params={"milestones": [30, 30], "gamma": 1e200}, overflow_at=30, overflow_value=math.inf)
    verdict = judge("LR003", Scenario("MultiStepLR"), r)
    assert verdict.status == "inconclusive"
    assert verdict.evidence == "milestone 30 is listed twice, but lr overflows to inf at epoch 30 (gamma=1e+200): stepping stopped there"


def test_long_literal_lists_are_quoted_short() -> None:
    assert listed([1, 2, 3]) == "[1, 2, 3]"
    assert listed(list(range(100_000))) == "[0, 1, 2, 3, 4, 5, 6, 7, ... (+99992 more)]"
    r = run("MultiStepLR", [0.1] * 5, params={"milestones": list(range(1, 100_001)), "gamma": 0.1})
    assert judge("LR003", Scenario("MultiStepLR"), r).evidence == "milestones [1, 2, 3, 4, 5, 6, 7, 8, ... (+99992 more)] are strictly increasing"


# --- the compact trajectory -------------------------------------------------------------------


def test_trajectory_keeps_change_points_and_expands_back() -> None:
    values = [0.1] * 10 + [0.01] * 10 + [0.001] * 11
    curve = Trajectory.from_values(values, horizon="loop range(30)")
    assert curve.changes == ((10, 0.01), (20, 0.001)) and curve.epochs == 30 and len(curve) == 31
    assert curve.values() == values and curve.end == 0.001 and curve.value_at(15) == 0.01
    assert curve.to_json() == {
        "start": 0.1, "epochs": 30, "changes": [[10, 0.01], [20, 0.001]], "change_count": 2,
        "horizon": "loop range(30)", "assumed": False, "capped": False,
    }  # fmt: skip
    assert Trajectory.from_json(json.loads(json.dumps(curve.to_json()))) == curve


def test_trajectory_ignores_float_noise_but_not_a_slow_drift() -> None:
    assert Trajectory.from_values([0.001, 0.0010000000000000002]).changes == ()
    drift = [1.0 * (1 - 1e-10) ** i for i in range(100)]  # each step within tolerance, the sum not
    assert Trajectory.from_values(drift).change_count >= 1


def test_smooth_trajectory_is_thinned_keeping_both_ends() -> None:
    values = [0.1 * 0.999**i for i in range(10_001)]
    curve = Trajectory.from_values(values, max_changes=50)
    assert len(curve.changes) == 50 and curve.change_count == 10_000 and curve.sampled
    assert curve.changes[0] == (1, values[1]) and curve.changes[-1] == (10_000, values[-1])


def test_non_finite_rates_are_strings_in_json() -> None:
    curve = Trajectory.from_values([math.inf])
    assert curve.to_json()["start"] == "inf"
    assert math.isinf(Trajectory.from_json(curve.to_json()).start)


@pytest.mark.parametrize(
    "bad",
    [
        [],
        {"start": 0.1, "epochs": -1, "changes": []},
        {"start": 0.1, "epochs": 10**12, "changes": []},
        {"start": 0.1, "epochs": 5, "changes": [[6, 0.1]]},
        {"start": 0.1, "epochs": 5, "changes": [[3, 0.1], [2, 0.1]]},
        {"start": "fast", "epochs": 5, "changes": []},
        {"start": 0.1, "epochs": 5, "changes": [[1, 0.1]], "change_count": 0},
    ],
)
def test_malformed_trajectory_json_is_rejected(bad: Any) -> None:
    with pytest.raises(ValueError):
        Trajectory.from_json(bad)


def test_summary_of_a_compact_trajectory_says_when_epochs_were_assumed() -> None:
    curve = Trajectory.from_values([0.1, 0.1, 0.01], assumed=True)
    assert summary("a.py:3 StepLR", curve).endswith("over 2 epochs (assumed: no literal range(N))  changes at 2: 0.1->0.01")
    capped = Trajectory.from_values([0.1, 0.1], capped=True)
    assert "over 1 epochs (capped)" in summary("b", capped)
