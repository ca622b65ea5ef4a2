"""Pure parts of --verify, no worker: skip decisions, verdict edge cases, trajectory rendering."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.text import Text

from lrlint.scenario import Scenario
from lrlint.verify import render_trajectory
from lrlint.verify.evidence import ORDER_WARNING, Run, judge, skip_reason
from lrlint.verify.render import change_epochs, sparkline, summary


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
