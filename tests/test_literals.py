"""Literal values and simple constants; anything dynamic is unknown and rules stay silent."""

from __future__ import annotations

import pytest

from tests.helpers import codes

HEAD = "from torch.optim.lr_scheduler import MultiStepLR, StepLR\n"


@pytest.mark.parametrize(
    "body,expected",
    [
        ("MultiStepLR(opt, [80, 40])\n", True),
        ("MultiStepLR(opt, milestones=(80, 40))\n", True),
        ("M = [80, 40]\nMultiStepLR(opt, M)\n", True),
        ("def f():\n    m = [80, 40]\n    return MultiStepLR(opt, m)\n", True),
        ("M = [80, 40]\ndef f():\n    return MultiStepLR(opt, M)\n", True),
        ("E = 40\nMultiStepLR(opt, [2 * E, E])\n", True),
        ("MultiStepLR(opt, [-1 + 81, 40])\n", True),
        # Rebound, mutated, computed, or from elsewhere: unknown.
        ("M = [80, 40]\nM = sorted(M)\nMultiStepLR(opt, M)\n", False),
        ("M = [80, 40]\nM.sort()\nMultiStepLR(opt, M)\n", False),
        ("M = [80, 40]\nM[0] = 20\nMultiStepLR(opt, M)\n", False),
        ("M = [80, 40]\nM += [100]\nMultiStepLR(opt, M)\n", False),
        ("M = [80, 40]\ndef g():\n    global M\n    M = [40, 80]\nMultiStepLR(opt, M)\n", False),
        ("for M in ([80, 40],):\n    pass\nMultiStepLR(opt, M)\n", False),
        ("from cfg import M\nMultiStepLR(opt, M)\n", False),
        ("MultiStepLR(opt, [args.a, 40])\n", False),
        ("MultiStepLR(opt, [*base, 40, 20])\n", False),
        ("MultiStepLR(opt, list(range(80, 0, -40)))\n", False),
        ("def f(m=[80, 40]):\n    return MultiStepLR(opt, m)\n", False),
    ],
)
def test_milestones_literal_resolution(body: str, expected: bool) -> None:
    found = [c for _, c in codes(HEAD + body)]
    assert ("LR003" in found) == expected


def test_huge_power_is_not_evaluated() -> None:
    assert codes(HEAD + "StepLR(opt, 30, gamma=10 ** 10 ** 10)\n") == []


def test_bools_are_not_gammas() -> None:
    assert codes(HEAD + "StepLR(opt, 30, gamma=True)\n") == []
