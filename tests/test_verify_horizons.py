"""Horizons: --verify and --verify-all count the steps the code makes (issue 24).

The count is the product of the literal `range(...)` loops around the scheduler's step, leaving out
loops that also rebuild the scheduler; a condition inside those loops that may skip the step, a
loop that is not a literal range, or a scheduler that may resume make it unknown, and then the
horizon is lrlint's default (said so: `assumed`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lrlint.linter import lint_bytes
from lrlint.scenario import Scenario
from lrlint.verify.horizon import horizon_for
from tests.helpers import run_cli, select_all, write

HEADER = "import torch\nfrom torch.optim.lr_scheduler import OneCycleLR, StepLR, MultiStepLR\n"


def scenarios(source: str) -> list[Scenario]:
    """The --verify-all scenario of every scheduler built in `source`."""
    result = lint_bytes("train.py", (HEADER + source).encode(), enabled=select_all, with_schedules=True)
    return [scenario for _, scenario in result.schedules]


def only(source: str) -> Scenario:
    [scenario] = scenarios(source)
    return scenario


NESTED_ONECYCLE = (
    "def fit(model, loader):\n"
    "    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)\n"
    "    scheduler = OneCycleLR(optimizer, max_lr=0.1, epochs=10, steps_per_epoch=100)\n"
    "    for epoch in range(10):\n"
    "        for _ in range(100):\n"
    "            optimizer.step()\n"
    "            scheduler.step()\n"
)


def test_nested_literal_loops_multiply() -> None:
    scenario = only(NESTED_ONECYCLE)
    assert (scenario.epochs, scenario.loops) == (1000, (10, 100))
    assert horizon_for(scenario, [], dict(scenario.kwargs)) == (1000, "loops range(10) x range(100): 1000 steps", False)


def test_single_loop_keeps_its_note() -> None:
    scenario = only(
        "optimizer = torch.optim.SGD(params, lr=0.1)\nscheduler = StepLR(optimizer, 30)\n"
        "for epoch in range(90):\n    optimizer.step()\n    scheduler.step()\n"
    )
    assert (scenario.epochs, scenario.loops) == (90, (90,))
    assert horizon_for(scenario, [], dict(scenario.kwargs))[1] == "loop range(90)"


def test_loop_is_read_when_the_optimizer_steps_elsewhere() -> None:
    # The order is not known here (the optimizer steps in `train`), the count is.
    scenario = only(
        "def fit(model, loader, optimizer):\n"
        "    scheduler = StepLR(optimizer, step_size=30)\n"
        "    for epoch in range(100):\n"
        "        train(model, loader, optimizer)\n"
        "        scheduler.step()\n"
    )
    assert scenario.order is None
    assert (scenario.epochs, scenario.loops) == (100, (100,))


def test_loops_that_rebuild_the_scheduler_are_not_counted() -> None:
    scenario = only(
        "optimizer = torch.optim.SGD(params, lr=0.1)\n"
        "for fold in range(5):\n"
        "    scheduler = StepLR(optimizer, 3)\n"
        "    for epoch in range(12):\n"
        "        optimizer.step()\n"
        "        scheduler.step()\n"
    )
    assert (scenario.epochs, scenario.loops) == (12, (12,))


def test_presence_check_and_outer_condition_keep_the_count() -> None:
    scenario = only(
        "optimizer = torch.optim.SGD(params, lr=0.1)\nscheduler = StepLR(optimizer, 3)\n"
        "if args.train:\n"
        "    for epoch in range(20):\n"
        "        optimizer.step()\n"
        "        if scheduler is not None:\n"
        "            scheduler.step()\n"
    )
    assert scenario.epochs == 20


@pytest.mark.parametrize(
    "loop",
    [
        # A condition inside the loop: how often it holds is not read (issue 24's accumulation
        # condition `(i + 1) % accum == 0` waits for a walker fact), so the count is unknown.
        "for i in range(1000):\n    optimizer.step()\n    if (i + 1) % 4 == 0:\n        scheduler.step()\n",
        "for epoch in range(90):\n    if epoch > 0:\n        scheduler.step()\n    optimizer.step()\n",
        # One loop that is not a literal range.
        "for epoch in range(10):\n    for batch in loader:\n        optimizer.step()\n        scheduler.step()\n",
        "while True:\n    optimizer.step()\n    scheduler.step()\n",
        # No loop: one step per call of the code around it.
        "optimizer.step()\nscheduler.step()\n",
        # Two steps: which one the count is about is not known.
        "for e in range(10):\n    optimizer.step()\n    scheduler.step()\nfor e in range(5):\n    scheduler.step()\n",
        # Resumed: the schedule does not start at its beginning.
        "scheduler.load_state_dict(state)\nfor epoch in range(200):\n    optimizer.step()\n    scheduler.step()\n",
    ],
)
def test_unknown_counts_are_not_guessed(loop: str) -> None:
    scenario = only("optimizer = torch.optim.SGD(params, lr=0.1)\nscheduler = OneCycleLR(optimizer, 0.1, total_steps=100)\n" + loop)
    assert (scenario.epochs, scenario.loops) == (None, ())
    steps, note, _ = horizon_for(scenario, [], dict(scenario.kwargs))
    assert note.startswith("default horizon") and steps == 99


def test_scenario_json_round_trip_keeps_loops() -> None:
    scenario = only(NESTED_ONECYCLE)
    assert Scenario.from_json(json.loads(json.dumps(scenario.to_json()))) == scenario


def test_lr005_across_calls_counts_the_loops(tmp_path: Path) -> None:
    # The project stage's order finding carries the count of the step's own loops.
    source = (
        HEADER + "def train(model, optimizer):\n    optimizer.step()\n\n"
        "def fit(model):\n"
        "    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "    scheduler = MultiStepLR(optimizer, milestones=[30, 80])\n"
        "    for epoch in range(4):\n"
        "        for it in range(25):\n"
        "            scheduler.step()\n"
        "            train(model, optimizer)\n"
    )
    [finding] = [d for d in lint_bytes("t.py", source.encode(), enabled=select_all).diagnostics if d.code == "LR005"]
    assert finding.scenario is not None and (finding.scenario.epochs, finding.scenario.loops) == (100, (4, 25))


def test_verify_all_shows_onecycle_over_the_steps_the_code_makes(tmp_path: Path) -> None:
    write(tmp_path, {"train.py": HEADER + NESTED_ONECYCLE})
    out = tmp_path / "schedules.json"
    result = run_cli("--verify-all", "--no-cache", "--schedules-file", str(out), "train.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    [schedule] = json.loads(out.read_text())
    trajectory = schedule["trajectory"]
    assert trajectory["epochs"] == 1000 and not trajectory["assumed"]
    assert trajectory["horizon"] == "loops range(10) x range(100): 1000 steps"
    # The whole cycle runs: up to max_lr and back down, not only the warm-up.
    levels = [trajectory["start"], *(lr for _, lr in trajectory["changes"])]
    assert max(levels) == pytest.approx(0.1, rel=1e-3) and levels[-1] < 0.001
    assert "over 1000 steps" in result.stdout.decode()
