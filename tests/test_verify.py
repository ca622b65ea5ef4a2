"""--verify against real torch (CPU): one worker verifies every rule's scenarios, differentially.

Every finding here is built by hand as the linter would build it. The expected behaviour is
computed independently, in this process, by stepping the same torch scheduler directly.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import pytest

from lrlint.diagnostics import Diagnostic, Position
from lrlint.scenario import Scenario
from lrlint.verify import schedule_trajectories, verify_diagnostics

ORDER_WARNING = "Detected call of `lr_scheduler.step()` before `optimizer.step()`"


def finding(code: str, **scenario: Any) -> Diagnostic:
    return Diagnostic(
        code, "name", "message", "warning", "train.py", Position(3, 1), Position(3, 9), scenario=Scenario(**scenario)
    )


# name -> finding; all verified by ONE worker (module fixture) so torch is imported once.
CASES: dict[str, Diagnostic] = {
    "steplr_milestones": finding("LR001", scheduler="StepLR", kwargs={"milestones": [30, 80], "gamma": 0.1}, optimizer="SGD", lr=0.1, epochs=100),
    "steplr_milestones_unknowns": finding("LR001", scheduler="StepLR", kwargs={"gamma": 0.1}, unknown=("milestones", "step_size")),
    "steplr_ok": finding("LR001", scheduler="StepLR", kwargs={"step_size": 30}, lr=0.1, epochs=40),
    "multistep_step_size": finding("LR002", scheduler="MultiStepLR", kwargs={"step_size": 30, "gamma": 0.5}, optimizer="Adam", lr=0.01),
    "milestones_repeated": finding("LR003", scheduler="MultiStepLR", kwargs={"milestones": [30, 30, 60], "gamma": 0.1}, lr=0.1, epochs=90),
    "milestones_unsorted": finding("LR003", scheduler="MultiStepLR", kwargs={"milestones": [80, 40]}, lr=0.1),
    "milestones_repeated_unreached": finding("LR003", scheduler="MultiStepLR", args=([50, 50],), lr=0.1, epochs=20),
    "gamma_one": finding("LR004", scheduler="StepLR", kwargs={"step_size": 30, "gamma": 1.0}, lr=0.1, epochs=100),
    "gamma_two": finding("LR004", scheduler="MultiStepLR", kwargs={"milestones": [10, 20], "gamma": 2.0}, lr=0.1, epochs=30),
    "gamma_exp_grows": finding("LR004", scheduler="ExponentialLR", kwargs={"gamma": 1.1}, lr=0.1, epochs=50),
    "gamma_half": finding("LR004", scheduler="StepLR", args=(30, 0.5), lr=0.1, epochs=100),
    "gamma_not_due": finding("LR004", scheduler="StepLR", kwargs={"step_size": 30, "gamma": 2.0}, lr=0.1, epochs=20),
    "gamma_capped": finding("LR004", scheduler="ExponentialLR", kwargs={"gamma": 1.0}, lr=0.1, epochs=50_000),
    "gamma_unknown": finding("LR004", scheduler="StepLR", kwargs={"step_size": 30}, unknown=("gamma",), lr=0.1),
    "order_scheduler_first": finding("LR005", scheduler="ExponentialLR", kwargs={"gamma": 0.5}, lr=0.1, epochs=10, order="scheduler-first"),
    "order_step_milestone": finding("LR005", scheduler="StepLR", kwargs={"step_size": 30}, lr=0.1, epochs=90, order="scheduler-first"),
    "order_grad_scaler": finding("LR005", scheduler="StepLR", kwargs={"step_size": 30}, lr=0.1, epochs=90, order="scheduler-first", grad_scaler=True),
    "order_grad_scaler_flat": finding("LR005", scheduler="StepLR", kwargs={"step_size": 300}, lr=0.1, epochs=90, order="scheduler-first", grad_scaler=True),
    "order_flat": finding("LR005", scheduler="StepLR", kwargs={"step_size": 300}, lr=0.1, epochs=90, order="scheduler-first"),
    "order_correct": finding("LR005", scheduler="StepLR", kwargs={"step_size": 30}, lr=0.1, epochs=90, order="optimizer-first"),
    "order_unknown": finding("LR005", scheduler="StepLR", kwargs={"step_size": 30}, lr=0.1),
    "no_scenario": Diagnostic("LR003", "n", "m", "warning", "train.py", Position(1, 1), Position(1, 2)),
    "not_a_rule": Diagnostic("E999", "syntax-error", "m", "error", "bad.py", Position(1, 1), Position(1, 2)),
}


@pytest.fixture(scope="module")
def verified() -> dict[str, Diagnostic]:
    verify_diagnostics(list(CASES.values()))
    return CASES


@pytest.fixture(scope="module")
def torch() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's numpy-missing warning on import
        import torch

    return torch


def direct_trajectory(torch: Any, name: str, *args: Any, steps: int, lr: float = 0.1, scheduler_first: bool = False, **kwargs: Any) -> tuple[list[float], list[float], list[str]]:
    """(schedule, lr each epoch trains with, warnings): the same scheduler stepped here, in-process."""
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sched = getattr(torch.optim.lr_scheduler, name)(opt, *args, **kwargs)
        step = (lambda: sched.step(1.0)) if name == "ReduceLROnPlateau" else sched.step
        schedule, applied = [opt.param_groups[0]["lr"]], []
        for _ in range(steps):
            if scheduler_first:
                step()
            applied.append(opt.param_groups[0]["lr"])
            opt.step()
            if not scheduler_first:
                step()
            schedule.append(opt.param_groups[0]["lr"])
    return schedule, applied, [str(w.message) for w in caught]


def verdict(verified: dict[str, Diagnostic], name: str) -> tuple[str, str]:
    v = verified[name].verification
    assert v is not None, name
    return v.status, v.evidence


def test_every_rule_finding_gets_a_verification_from_one_run(verified: dict[str, Diagnostic]) -> None:
    for name, diagnostic in verified.items():
        if diagnostic.code.startswith("LR"):
            assert diagnostic.verification is not None, name
            assert "\n" not in diagnostic.verification.evidence
    assert verified["not_a_rule"].verification is None
    ran = verified["steplr_milestones"].verification
    assert ran is not None and ran.device == "cpu" and ran.torch_version and ran.torch_version[0].isdigit()


# --- LR001 / LR002 ----------------------------------------------------------------------------


def test_lr001_quotes_torchs_type_error(verified: dict[str, Diagnostic], torch: Any) -> None:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    with pytest.raises(TypeError) as raised:
        torch.optim.lr_scheduler.StepLR(opt, milestones=[30, 80], gamma=0.1)
    status, evidence = verdict(verified, "steplr_milestones")
    assert status == "confirmed"
    assert f"TypeError: {raised.value}" in evidence
    assert "unexpected keyword argument 'milestones'" in evidence
    assert verified["steplr_milestones"].verification.trajectory is None  # type: ignore[union-attr]


def test_lr001_is_verified_despite_unknowns_and_says_so(verified: dict[str, Diagnostic]) -> None:
    status, evidence = verdict(verified, "steplr_milestones_unknowns")
    assert status == "confirmed"
    assert "unexpected keyword argument 'milestones'" in evidence
    assert "`milestones` is not a literal" in evidence and "`step_size` not literal" in evidence


def test_lr001_refuted_when_construction_succeeds(verified: dict[str, Diagnostic]) -> None:
    status, evidence = verdict(verified, "steplr_ok")
    assert status == "refuted"
    assert "without error" in evidence


def test_lr002_quotes_torchs_type_error(verified: dict[str, Diagnostic], torch: Any) -> None:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    with pytest.raises(TypeError) as raised:
        torch.optim.lr_scheduler.MultiStepLR(opt, step_size=30, gamma=0.5)
    status, evidence = verdict(verified, "multistep_step_size")
    assert status == "confirmed"
    assert evidence == f"MultiStepLR(...) raises TypeError: {raised.value}"


# --- LR003 ------------------------------------------------------------------------------------


def test_lr003_repeated_milestone_decays_twice(verified: dict[str, Diagnostic], torch: Any) -> None:
    schedule, _, _ = direct_trajectory(torch, "MultiStepLR", milestones=[30, 30, 60], gamma=0.1, steps=90)
    assert schedule[30] / schedule[29] == pytest.approx(0.01)  # torch: gamma ** 2 at epoch 30
    status, evidence = verdict(verified, "milestones_repeated")
    assert status == "confirmed"
    assert evidence == "lr 0.1 -> 0.001 at epoch 30: decayed by gamma**2 (milestone 30 listed twice)"
    assert verified["milestones_repeated"].verification.trajectory.values() == pytest.approx(schedule)  # type: ignore[union-attr]


def test_lr003_unsorted_is_confirmed_with_the_real_drop_epochs(verified: dict[str, Diagnostic], torch: Any) -> None:
    """The message says torch silently decays at the sorted epochs: torch shows exactly that, so
    the verdict is `confirmed` (issue 24: it said `refuted`)."""
    schedule, _, _ = direct_trajectory(torch, "MultiStepLR", milestones=[80, 40], steps=100)
    drops = [i for i in range(1, len(schedule)) if schedule[i] != schedule[i - 1]]
    assert drops == [40, 80]
    status, evidence = verdict(verified, "milestones_unsorted")
    assert status == "confirmed"
    assert evidence == "no error, no warning: torch decays at epochs 40, 80 as if sorted"
    assert len(verified["milestones_unsorted"].verification.trajectory) > 81  # type: ignore[union-attr]  # default horizon covers 80


def test_lr003_repeat_beyond_the_loop_is_inconclusive(verified: dict[str, Diagnostic]) -> None:
    status, evidence = verdict(verified, "milestones_repeated_unreached")
    assert status == "inconclusive"
    assert evidence == "milestone 50 is listed twice, but the 20-epoch loop never reaches it"


# --- LR004 ------------------------------------------------------------------------------------


def test_lr004_gamma_one_keeps_lr_flat(verified: dict[str, Diagnostic]) -> None:
    status, evidence = verdict(verified, "gamma_one")
    assert status == "confirmed"
    assert evidence == "lr stays 0.1 over 100 epochs (gamma=1.0)"


def test_lr004_gamma_two_grows(verified: dict[str, Diagnostic], torch: Any) -> None:
    schedule, _, _ = direct_trajectory(torch, "MultiStepLR", milestones=[10, 20], gamma=2.0, steps=30)
    status, evidence = verdict(verified, "gamma_two")
    assert status == "confirmed"
    assert evidence == f"lr grows 0.1 -> {schedule[-1]:.4g} over 30 epochs (gamma=2.0)"
    assert schedule[-1] == pytest.approx(0.4)


def test_lr004_exponential_growth_matches_torch(verified: dict[str, Diagnostic], torch: Any) -> None:
    schedule, _, _ = direct_trajectory(torch, "ExponentialLR", gamma=1.1, steps=50)
    status, evidence = verdict(verified, "gamma_exp_grows")
    assert status == "confirmed"
    assert evidence == "lr grows 0.1 -> 11.74 over 50 epochs (gamma=1.1)"
    assert verified["gamma_exp_grows"].verification.trajectory.values() == pytest.approx(schedule)  # type: ignore[union-attr]


def test_lr004_decaying_gamma_is_refuted(verified: dict[str, Diagnostic]) -> None:
    status, evidence = verdict(verified, "gamma_half")
    assert status == "refuted"
    assert evidence == "lr decays 0.1 -> 0.0125 over 100 epochs (gamma=0.5)"


def test_lr004_no_decay_within_the_loop_is_inconclusive(verified: dict[str, Diagnostic]) -> None:
    status, evidence = verdict(verified, "gamma_not_due")
    assert status == "inconclusive"
    assert "first decay is only due at epoch 30" in evidence


def test_lr004_long_loop_is_capped_and_says_so(verified: dict[str, Diagnostic]) -> None:
    status, evidence = verdict(verified, "gamma_capped")
    assert status == "confirmed"
    assert evidence == "lr stays 0.1 over 10000 epochs (gamma=1.0; loop range(50000) capped at 10000 steps)"
    trajectory = verified["gamma_capped"].verification.trajectory  # type: ignore[union-attr]
    assert trajectory.epochs == 10_000 and trajectory.changes == () and trajectory.capped and not trajectory.assumed


def test_unknown_parameter_is_skipped_never_guessed(verified: dict[str, Diagnostic]) -> None:
    v = verified["gamma_unknown"].verification
    assert v is not None and v.status == "skipped"
    assert "`gamma` is not a literal" in v.evidence
    assert v.device is None and v.trajectory is None


def test_no_scenario_is_skipped(verified: dict[str, Diagnostic]) -> None:
    status, evidence = verdict(verified, "no_scenario")
    assert status == "skipped" and "could not read" in evidence


# --- LR005 ------------------------------------------------------------------------------------


def test_lr005_warning_and_skipped_first_lr(verified: dict[str, Diagnostic], torch: Any) -> None:
    _, applied_bad, caught = direct_trajectory(torch, "ExponentialLR", gamma=0.5, steps=10, scheduler_first=True)
    _, applied_good, _ = direct_trajectory(torch, "ExponentialLR", gamma=0.5, steps=10)
    assert any(ORDER_WARNING in message for message in caught)
    assert applied_bad == pytest.approx(applied_good[1:] + [applied_good[-1] * 0.5])  # shifted by one step
    status, evidence = verdict(verified, "order_scheduler_first")
    assert status == "confirmed"
    assert evidence == (
        f"torch warned: {ORDER_WARNING}; epoch 0 trains with lr 0.05 instead of 0.1: "
        "the schedule runs one step ahead and its first value 0.1 is skipped"
    )


def test_lr005_milestone_arrives_one_epoch_early(verified: dict[str, Diagnostic]) -> None:
    status, evidence = verdict(verified, "order_step_milestone")
    assert status == "confirmed"
    assert "epoch 29 trains with lr 0.01 instead of 0.1" in evidence
    assert ORDER_WARNING in evidence


def test_lr005_grad_scaler_relies_on_order_only(verified: dict[str, Diagnostic]) -> None:
    status, evidence = verdict(verified, "order_grad_scaler")
    assert status == "confirmed"
    assert "torch warned" not in evidence
    assert "epoch 29 trains with lr 0.01 instead of 0.1" in evidence
    assert "GradScaler in use" in evidence and "only the step order is relied on" in evidence


def test_lr005_grad_scaler_without_observable_shift_is_inconclusive(verified: dict[str, Diagnostic]) -> None:
    status, evidence = verdict(verified, "order_grad_scaler_flat")
    assert status == "inconclusive"
    assert "proves nothing alone" in evidence and "lr stays 0.1 over 90 epochs" in evidence


def test_lr005_flat_schedule_is_confirmed_on_the_warning_alone(verified: dict[str, Diagnostic]) -> None:
    status, evidence = verdict(verified, "order_flat")
    assert status == "confirmed"
    assert evidence == f"torch warned: {ORDER_WARNING} (the skip is not observable: lr stays 0.1 over 90 epochs)"


def test_lr005_optimizer_first_is_refuted(verified: dict[str, Diagnostic]) -> None:
    status, evidence = verdict(verified, "order_correct")
    assert status == "refuted"
    assert "does not warn" in evidence


def test_lr005_unknown_order_is_skipped(verified: dict[str, Diagnostic]) -> None:
    status, evidence = verdict(verified, "order_unknown")
    assert status == "skipped" and "order" in evidence


# --- --verify-all trajectories ----------------------------------------------------------------

TRAJECTORIES: list[tuple[str, Scenario, dict[str, Any]]] = [
    ("a.py:1", Scenario("StepLR", kwargs={"step_size": 30, "gamma": 0.1}, epochs=100), {"step_size": 30, "gamma": 0.1}),
    ("a.py:2", Scenario("MultiStepLR", args=([30, 80],), kwargs={"gamma": 0.5}, epochs=100), {"milestones": [30, 80], "gamma": 0.5}),
    ("a.py:3", Scenario("ExponentialLR", args=(0.9,), lr=0.05, epochs=40), {"gamma": 0.9}),
    ("a.py:4", Scenario("CosineAnnealingLR", kwargs={"T_max": 50, "eta_min": 0.001}, epochs=60), {"T_max": 50, "eta_min": 0.001}),
    ("a.py:5", Scenario("OneCycleLR", kwargs={"max_lr": 0.1, "total_steps": 100}, epochs=100), {"max_lr": 0.1, "total_steps": 100}),
    ("a.py:6", Scenario("LinearLR", kwargs={"start_factor": 0.1, "total_iters": 10}, epochs=20), {"start_factor": 0.1, "total_iters": 10}),
    ("a.py:7", Scenario("ReduceLROnPlateau", kwargs={"patience": 3}, epochs=20), {"patience": 3}),
]


@pytest.fixture(scope="module")
def trajectories() -> list[Any]:
    extra = [
        ("b.py:1", Scenario("MultiStepLR", kwargs={"milestones": [30, 80]})),  # no loop: default horizon
        ("b.py:2", Scenario("OneCycleLR", kwargs={"max_lr": 0.1, "total_steps": 10}, epochs=20)),  # steps past the end
        ("b.py:3", Scenario("LambdaLR", unknown=("lr_lambda",))),
        ("b.py:4", Scenario("NoSuchLR", kwargs={"gamma": 0.1})),
        ("b.py:5", Scenario("OneCycleLR", kwargs={"max_lr": 0.1, "total_steps": 50})),  # no loop: stop at the end
    ]
    return schedule_trajectories([(label, scenario) for label, scenario, _ in TRAJECTORIES] + extra, device="auto")


def test_trajectories_match_torch_stepped_directly(trajectories: list[Any], torch: Any) -> None:
    for (label, scenario, kwargs), result in zip(TRAJECTORIES, trajectories):
        assert result.label == label and result.scheduler == scenario.scheduler
        assert result.error is None, (label, result.error)
        expected, _, _ = direct_trajectory(torch, scenario.scheduler, steps=scenario.epochs, lr=scenario.lr or 0.1, **kwargs)
        assert result.trajectory.values() == pytest.approx(expected), label
        assert result.trajectory.changes, label  # every one of these schedules moves
        assert not result.trajectory.assumed, label  # each has a literal range(N)
        assert result.device == ("cuda" if torch.cuda.is_available() else "cpu")  # "auto"


def test_plateau_trajectory_says_it_used_a_constant_metric(trajectories: list[Any]) -> None:
    plateau = trajectories[6]
    assert plateau.scheduler == "ReduceLROnPlateau"
    assert "constant metric" in plateau.note


def test_default_horizon_covers_every_milestone(trajectories: list[Any]) -> None:
    result = trajectories[len(TRAJECTORIES)]
    assert result.error is None and "default horizon" in result.note
    values = result.trajectory.values()
    assert len(values) > 81 and values[80] < values[79]
    assert result.trajectory.assumed and result.trajectory.horizon.startswith("default horizon")


def test_one_cycle_default_horizon_ends_at_its_last_training_rate(trajectories: list[Any]) -> None:
    result = trajectories[len(TRAJECTORIES) + 4]
    assert result.error is None
    # total_steps=50 rates: the initial one plus 49 steps. A 50th step is allowed by torch but lies
    # past the cycle (the rate jumps back up), so it is not part of the schedule shown.
    values = result.trajectory.values()
    assert len(values) == 50
    assert values[-1] == min(values)


def test_trajectory_errors_are_reported_not_raised(trajectories: list[Any]) -> None:
    past_end, unknown, missing = trajectories[len(TRAJECTORIES) + 1 : len(TRAJECTORIES) + 4]
    assert past_end.error.startswith("ValueError: Tried to step 11 times")
    assert len(past_end.trajectory.values()) == 11 and all(math.isfinite(v) for v in past_end.trajectory.values())
    assert unknown.error == "not built: `lr_lambda` not a literal" and unknown.trajectory is None
    assert "no scheduler class 'NoSuchLR'" in missing.error


# --- devices ----------------------------------------------------------------------------------


def test_cuda_requested_without_cuda_is_inconclusive_not_a_crash(torch: Any) -> None:
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA; test_verify_on_cuda covers it")
    d = finding("LR004", scheduler="ExponentialLR", kwargs={"gamma": 1.1}, lr=0.1, epochs=5)
    verify_diagnostics([d], device="cuda")
    assert d.verification is not None
    assert d.verification.status == "inconclusive"
    assert d.verification.evidence.startswith("device cuda requested, but torch")
    assert "no CUDA device" in d.verification.evidence


@pytest.mark.cuda
def test_verify_on_cuda(torch: Any) -> None:
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    cases = [
        finding("LR003", scheduler="MultiStepLR", kwargs={"milestones": [3, 3]}, lr=0.1, epochs=5),
        finding("LR005", scheduler="ExponentialLR", kwargs={"gamma": 0.5}, lr=0.1, epochs=5, order="scheduler-first"),
    ]
    verify_diagnostics(cases, device="cuda")
    for d in cases:
        assert d.verification is not None and d.verification.device == "cuda"
        assert d.verification.status == "confirmed", d.verification.evidence
