"""Composite schedulers (issue 24): SequentialLR / ChainedScheduler whose members are written in
the call are rebuilt member by member in torch and verified; the curve is checked against the
same composite built and stepped here, in-process."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from lrlint.linter import lint_bytes
from lrlint.scenario import Scenario
from lrlint.verify.runner import schedule_trajectories
from tests.helpers import select_all

HEADER = (
    "import torch\n"
    "from torch.optim.lr_scheduler import ChainedScheduler, CosineAnnealingLR, ExponentialLR, LinearLR, SequentialLR, StepLR\n"
    "optimizer = torch.optim.SGD(params, lr=0.1, momentum=0.9)\n"
)


def schedules(source: str) -> dict[str, Scenario]:
    result = lint_bytes("train.py", (HEADER + source).encode(), enabled=select_all, with_schedules=True)
    found: dict[str, Scenario] = {}
    for _, scenario in result.schedules:
        found.setdefault(scenario.scheduler, scenario)  # the first of each class: the composite's own
    return found


SEQUENTIAL = (
    "scheduler = SequentialLR(\n"
    "    optimizer,\n"
    "    schedulers=[LinearLR(optimizer, start_factor=0.01, total_iters=5), CosineAnnealingLR(optimizer, T_max=25)],\n"
    "    milestones=[5],\n"
    ")\n"
    "for epoch in range(30):\n    optimizer.step()\n    scheduler.step()\n"
)
CHAINED = "scheduler = ChainedScheduler([LinearLR(optimizer, 0.1, total_iters=5), ExponentialLR(optimizer, 0.9)], optimizer=optimizer)\n"
NESTED = (
    "inner = 0\n"
    "scheduler = SequentialLR(optimizer, [ChainedScheduler([LinearLR(optimizer, 0.5, total_iters=4), ExponentialLR(optimizer, 0.9)]), "
    "StepLR(optimizer, 3)], milestones=[6])\n"
)


def test_members_written_in_the_call_become_children() -> None:
    scenario = schedules(SEQUENTIAL)["SequentialLR"]
    assert scenario.unknown == () and scenario.kwargs == {"milestones": [5]}
    assert [(c.scheduler, c.kwargs) for c in scenario.children] == [
        ("LinearLR", {"start_factor": 0.01, "total_iters": 5}),
        ("CosineAnnealingLR", {"T_max": 25}),
    ]
    assert scenario.epochs == 30
    assert Scenario.from_json(scenario.to_json()) == scenario


def test_chained_without_and_with_its_optional_optimizer() -> None:
    with_optimizer = schedules(CHAINED)["ChainedScheduler"]
    assert [c.scheduler for c in with_optimizer.children] == ["LinearLR", "ExponentialLR"]
    without = schedules("scheduler = ChainedScheduler([LinearLR(optimizer, 0.1, total_iters=5), ExponentialLR(optimizer, 0.9)])\n")
    assert [c.scheduler for c in without["ChainedScheduler"].children] == ["LinearLR", "ExponentialLR"]


@pytest.mark.parametrize(
    ("source", "unknown"),
    [
        # Named members: which variable each item is needs a walker fact (after the libcst port).
        (("warmup = LinearLR(optimizer, 0.1, total_iters=5)\ncosine = CosineAnnealingLR(optimizer, 85)\n"
          "scheduler = SequentialLR(optimizer, [warmup, cosine], milestones=[5])\n"), ("schedulers",)),
        # A member whose own argument is not a literal: named by its place.
        ("scheduler = SequentialLR(optimizer, [LinearLR(optimizer, 0.1, total_iters=warm), StepLR(optimizer, 3)], [warm])\n",
         ("milestones", "schedulers[0].total_iters")),
        # An item that holds two constructions, or none.
        ("scheduler = SequentialLR(optimizer, [LinearLR(optimizer, 0.1) if warm else StepLR(optimizer, 3), StepLR(optimizer, 5)], [5])\n",
         ("schedulers",)),
        ("scheduler = SequentialLR(optimizer, [make(optimizer), StepLR(optimizer, 5)], [5])\n", ("schedulers",)),
        # Members on another optimizer than the composite's.
        ("scheduler = SequentialLR(optimizer, [LinearLR(other, 0.1), StepLR(optimizer, 5)], [5])\n", ("schedulers",)),
        # Not a list display.
        ("scheduler = SequentialLR(optimizer, build(optimizer), [5])\n", ("schedulers",)),
    ],
)
def test_members_not_in_view_stay_unknown(source: str, unknown: tuple[str, ...]) -> None:
    scenario = schedules(source)["SequentialLR"]
    assert scenario.unknown_params() == list(unknown)
    assert scenario.children == () or unknown != ("schedulers",)


@pytest.fixture(scope="module")
def torch() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import torch
    return torch


def _direct(torch: Any, build: Any, steps: int) -> list[float]:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1, momentum=0.9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sched = build(torch.optim.lr_scheduler, opt)
        values = [opt.param_groups[0]["lr"]]
        for _ in range(steps):
            opt.step()
            sched.step()
            values.append(opt.param_groups[0]["lr"])
    return values


def test_composites_run_member_by_member_as_torch_does(torch: Any) -> None:
    found = [schedules(SEQUENTIAL)["SequentialLR"], schedules(CHAINED)["ChainedScheduler"], schedules(NESTED)["SequentialLR"]]
    bad = schedules("scheduler = SequentialLR(optimizer, [LinearLR(optimizer, 0.1), StepLR(optimizer, milestones=[3])], [2])\n")["SequentialLR"]
    results = schedule_trajectories([(f"t.py:{i}", s) for i, s in enumerate([*found, bad])])
    sequential, chained, nested, failed = results
    expected = _direct(
        torch,
        lambda m, o: m.SequentialLR(o, [m.LinearLR(o, start_factor=0.01, total_iters=5), m.CosineAnnealingLR(o, T_max=25)], milestones=[5]),
        30,
    )
    assert sequential.error is None and sequential.trajectory.values() == pytest.approx(expected)
    assert sequential.trajectory.horizon == "loop range(30)" and not sequential.trajectory.assumed
    assert "members LinearLR, CosineAnnealingLR built as read" in sequential.note
    # No loop: the default horizon covers every member (the largest of theirs, plus a margin).
    assert chained.error is None and chained.trajectory.assumed
    assert chained.trajectory.epochs >= 100
    expected = _direct(torch, lambda m, o: m.ChainedScheduler([m.LinearLR(o, 0.1, total_iters=5), m.ExponentialLR(o, 0.9)]), chained.trajectory.epochs)
    assert chained.trajectory.values() == pytest.approx(expected)
    # A composite inside a composite; past its last milestone the last member runs its own schedule.
    expected = _direct(
        torch,
        lambda m, o: m.SequentialLR(o, [m.ChainedScheduler([m.LinearLR(o, 0.5, total_iters=4), m.ExponentialLR(o, 0.9)]), m.StepLR(o, 3)], milestones=[6]),
        nested.trajectory.epochs,
    )
    assert nested.error is None and nested.trajectory.values() == pytest.approx(expected)
    assert nested.trajectory.epochs > 6 + 3 * 3  # past the milestone, StepLR's own horizon
    # A member that does not build: the composite says which one, and torch's error.
    assert failed.trajectory is None
    assert failed.error == "schedulers[1] StepLR: TypeError: StepLR.__init__() got an unexpected keyword argument 'milestones'"
