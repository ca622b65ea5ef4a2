"""The analysis grows linearly with what a file holds: a generated module of 10,000 schedulers
(within the size bounds) is analysed in seconds. Each scheduler once compared itself with every
call of its function (whether its optimizer was fresh) and with every other scheduler (LR017):
126 s for such a module."""

from __future__ import annotations

import time

from lrlint.facts.model import FileFacts
from lrlint.linter import analyze_file

SCHEDULERS = 10_000
HEADER = "from torch.optim import SGD\nfrom torch.optim.lr_scheduler import StepLR\n"


def test_ten_thousand_schedulers_are_analysed_in_linear_time() -> None:
    # Each optimizer is fresh when its scheduler is built with `last_epoch=5` (LR017, the rule that
    # asks whether it is fresh). Nine names and numbers a line: within the 100,000 bound.
    source = HEADER + "".join(f"o{i}=SGD(p);s{i}=StepLR(o{i},1,.5,5)\n" for i in range(SCHEDULERS))
    start = time.process_time()
    summary = analyze_file("many.py", source.encode())
    spent = time.process_time() - start
    facts = summary.facts
    assert isinstance(facts, FileFacts) and len(facts.schedulers) == SCHEDULERS
    assert all(s.optimizer_fresh for s in facts.schedulers)
    assert [d.code for d in summary.diagnostics] == ["LR017"] * SCHEDULERS
    # Generous for a shared machine (about 10 s here, under load); quadratic work takes minutes.
    assert spent < 90, f"{spent:.1f} s"


def test_schedulers_sharing_one_optimizer_are_not_fresh_starts() -> None:
    source = HEADER + "o=SGD(p)\n" + "".join(f"s{i}=StepLR(o,1,.5,5)\n" for i in range(SCHEDULERS))
    start = time.process_time()
    summary = analyze_file("shared.py", source.encode())
    assert summary.diagnostics == []  # each has others on the same optimizer, which may set initial_lr
    assert time.process_time() - start < 90
