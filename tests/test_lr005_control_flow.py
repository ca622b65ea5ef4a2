"""LR005 reads control flow: loops, conditions, functions, classes, GradScaler and closures."""

from __future__ import annotations

import pytest

from tests.helpers import codes

HEAD = (
    "import torch\n"
    "from torch.optim.lr_scheduler import StepLR, ReduceLROnPlateau\n"
    "optimizer = torch.optim.SGD(params, lr=0.1)\n"
    "scheduler = StepLR(optimizer, step_size=30)\n"
)
ROW = HEAD.count("\n") + 1  # first row of a body


def lr005_rows(body: str) -> list[int]:
    return [row - ROW + 1 for row, code in codes(HEAD + body) if code == "LR005"]


@pytest.mark.parametrize(
    "body,rows",
    [
        # Scheduler at the top of the epoch, batch loop after it.
        ("for e in range(9):\n    scheduler.step()\n    for b in dl:\n        optimizer.step()\n", [2]),
        # Per-iteration, scheduler first.
        ("for b in dl:\n    scheduler.step()\n    optimizer.step()\n", [2]),
        # While loop.
        ("while True:\n    scheduler.step()\n    optimizer.step()\n", [2]),
        # Straight-line train step function.
        ("def train_step(x):\n    scheduler.step()\n    optimizer.step()\n", [2]),
        # Inside try/with blocks, which always run.
        ("for b in dl:\n    with ctx:\n        scheduler.step()\n    try:\n        optimizer.step()\n    finally:\n        pass\n", [3]),
        # A presence check does not change the order.
        ("for b in dl:\n    if scheduler is not None:\n        scheduler.step()\n    optimizer.step()\n", [3]),
        # Both inside the same condition, wrong order.
        ("for i, b in enumerate(dl):\n    if i % 4 == 0:\n        scheduler.step()\n        optimizer.step()\n", [3]),
        # Optimizer stepped conditionally after an unconditional scheduler step.
        ("for i, b in enumerate(dl):\n    scheduler.step()\n    if i % 4 == 0:\n        optimizer.step()\n", [2]),
        # GradScaler and xla steps count as optimizer steps.
        ("for b in dl:\n    scheduler.step()\n    scaler.step(optimizer)\n", [2]),
        ("for b in dl:\n    scheduler.step()\n    xm.optimizer_step(optimizer)\n", [2]),
        # Closure.
        ("for b in dl:\n    scheduler.step()\n    optimizer.step(closure)\n", [2]),
        # Correct orders.
        ("for e in range(9):\n    for b in dl:\n        optimizer.step()\n    scheduler.step()\n", []),
        ("for b in dl:\n    optimizer.step()\n    scheduler.step()\n", []),
        ("for b in dl:\n    scaler.step(optimizer)\n    scaler.update()\n    scheduler.step()\n", []),
        # Not decidable: another function steps the optimizer; a guard lrlint cannot evaluate.
        ("for e in range(9):\n    scheduler.step()\n    train(model, optimizer)\n", []),
        ("for e in range(9):\n    if e > 0:\n        scheduler.step()\n    for b in dl:\n        optimizer.step()\n", []),
        ("for b in dl:\n    try:\n        optimizer.step()\n    except RuntimeError:\n        scheduler.step()\n", []),
        # Nested function: its body runs later, elsewhere.
        ("for b in dl:\n    def later():\n        optimizer.step()\n    scheduler.step()\n", []),
        ("for b in dl:\n    scheduler.step()\n    cb = lambda: optimizer.step()\n", []),
        # A different optimizer.
        ("for b in dl:\n    scheduler.step()\n    other_optimizer.step()\n", []),
        # The closed form for an explicit epoch skips nothing (found in real code).
        ("for e in range(9):\n    scheduler.step(e)\n    for b in dl:\n        optimizer.step()\n", []),
        ("for e in range(9):\n    scheduler.step(epoch=e)\n    optimizer.step()\n", []),
        # A presence check joined to a real guard is a real guard (found in real code).
        ("for e in range(9):\n    if scheduler is not None and e > 0:\n        scheduler.step()\n    optimizer.step()\n", []),
        ("for e in range(9):\n    if e > 0 and scheduler:\n        scheduler.step()\n    optimizer.step()\n", []),
        # ...but presence checks joined together are still only presence checks.
        ("for b in dl:\n    if scheduler and optimizer:\n        scheduler.step()\n    optimizer.step()\n", [3]),
        # Fast-forward loop of a resumed run.
        ("for _ in range(5):\n    scheduler.step()\nfor b in dl:\n    optimizer.step()\n    scheduler.step()\n", []),
    ],
)
def test_order(body: str, rows: list[int]) -> None:
    assert lr005_rows(body) == rows


def test_plateau_is_order_insensitive() -> None:
    body = "plateau = ReduceLROnPlateau(optimizer)\nfor e in range(9):\n    plateau.step(val)\n    optimizer.step()\n"
    assert lr005_rows(body) == []


def test_name_rebound_to_something_else_is_not_a_scheduler() -> None:
    body = "def f():\n    scheduler = make()\n    for b in dl:\n        scheduler.step()\n        optimizer.step()\n"
    assert lr005_rows(body) == []


def test_name_shadowed_in_another_function() -> None:
    body = "def f(scheduler):\n    for b in dl:\n        scheduler.step()\n        optimizer.step()\n"
    assert lr005_rows(body) == []


def test_parameter_shadowing_the_optimizer_is_another_optimizer() -> None:
    body = "def warmup(optimizer):\n    for b in dl:\n        scheduler.step()\n        optimizer.step()\n"
    assert lr005_rows(body) == []


def test_module_scheduler_stepped_in_function() -> None:
    body = "def train():\n    for b in dl:\n        scheduler.step()\n        optimizer.step()\n"
    assert lr005_rows(body) == [3]


def test_scheduler_possibly_none() -> None:
    source = (
        "import torch\nfrom torch.optim.lr_scheduler import StepLR\n"
        "def f(opt, use):\n"
        "    sched = None\n"
        "    if use:\n"
        "        sched = StepLR(opt, 3)\n"
        "    for b in dl:\n"
        "        if sched:\n"
        "            sched.step()\n"
        "        opt.step()\n"
    )
    assert codes(source) == [(9, "LR005")]


def test_self_attributes_across_methods() -> None:
    source = (
        "import torch\nfrom torch.optim.lr_scheduler import StepLR\n"
        "class T:\n"
        "    def __init__(this, model):\n"
        "        this.opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "        this.sched = StepLR(this.opt, 3)\n"
        "    def step(self, batch):\n"
        "        self.sched.step()\n"
        "        self.opt.step()\n"
        "class Other:\n"
        "    def step(self, batch):\n"
        "        self.sched.step()\n"
        "        self.opt.step()\n"
    )
    assert codes(source) == [(8, "LR005")]


def test_diffusers_noise_scheduler_never_flagged() -> None:
    source = (
        "import torch\nfrom diffusers import DDPMScheduler\n"
        "scheduler = DDPMScheduler()\n"
        "optimizer = torch.optim.AdamW(params)\n"
        "for b in dl:\n"
        "    x = scheduler.step(out, t, x).prev_sample  # lr_scheduler\n"
        "    optimizer.step()\n"
    )
    assert codes(source) == []
