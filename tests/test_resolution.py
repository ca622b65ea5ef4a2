"""Schedulers are recognised by qualified name, however they are imported, and only then."""

from __future__ import annotations

import pytest

from tests.helpers import codes

BAD_CALL = "(opt, milestones=[30, 80])\n"


@pytest.mark.parametrize(
    "imports,callee",
    [
        ("import torch\n", "torch.optim.lr_scheduler.StepLR"),
        ("from torch.optim import lr_scheduler\n", "lr_scheduler.StepLR"),
        ("from torch.optim.lr_scheduler import StepLR as S\n", "S"),
        ("import torch.optim.lr_scheduler as sched\n", "sched.StepLR"),
        ("import torch.optim as optim\n", "optim.lr_scheduler.StepLR"),
        ("from torch import optim\n", "optim.lr_scheduler.StepLR"),
        ("import torch.optim.lr_scheduler\n", "torch.optim.lr_scheduler.StepLR"),
    ],
)
def test_import_forms_resolve(imports: str, callee: str) -> None:
    assert codes(imports + callee + BAD_CALL) == [(2, "LR001")]


def test_function_local_import_resolves() -> None:
    source = "def f():\n    from torch.optim.lr_scheduler import StepLR\n    return StepLR(opt, milestones=[30])\n"
    assert codes(source) == [(3, "LR001")]


@pytest.mark.parametrize(
    "source",
    [
        # A user's own class.
        "class StepLR:\n    def __init__(self, o, milestones): ...\nStepLR(opt, milestones=[1])\n",
        # Imported from somewhere else.
        "from mylib import StepLR\nStepLR(opt, milestones=[1])\n",
        # A name that is never imported at all.
        "StepLR(opt, milestones=[1])  # lr_scheduler\n",
        # The torch import is shadowed by a local definition.
        "from torch.optim.lr_scheduler import StepLR\ndef f(StepLR):\n    StepLR(opt, milestones=[1])\n",
        # Another library's lr_scheduler module.
        "from transformers.optimization import lr_scheduler\nlr_scheduler.StepLR(opt, milestones=[1])\n",
    ],
)
def test_non_torch_names_are_not_schedulers(source: str) -> None:
    assert codes(source) == []


def test_star_args_do_not_bind_positions() -> None:
    source = "from torch.optim.lr_scheduler import StepLR\nStepLR(*args, [30, 80])\n"
    assert codes(source) == []
