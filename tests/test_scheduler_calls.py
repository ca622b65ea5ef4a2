"""LR009/LR010/LR011/LR013/LR100 beyond their examples: facts, fixes, selection, the last stage."""

from __future__ import annotations

from pathlib import Path

import pytest

from lrlint.config import load_settings
from lrlint.facts.invalid_values import problems
from lrlint.linter import facts_of
from lrlint.project.link import link
from lrlint.project.model import LinkedFile
from lrlint.rules import rule_for
from lrlint.rules.base import Edit, RuleContext
from lrlint.run import RunOptions, lint_paths
from lrlint.suppressions import Suppressions
from tests.helpers import lint, write

STEP_SRC = (
    "from torch.optim.lr_scheduler import StepLR\n"
    "s = StepLR(opt, 3)\n"
    "for epoch in range(9):\n"
    "    s.step( epoch )\n"
    "    log(s . get_lr())\n"
)


def _findings(code: str, source: str) -> list:
    facts = facts_of(source)
    project = link([LinkedFile("x.py", facts, None, None)])
    rule = rule_for(code)
    return [item.finding for item in rule.check_project(project, RuleContext())]  # type: ignore[union-attr]


def apply(source: str, edits: tuple[Edit, ...]) -> str:
    lines = source.split("\n")
    for edit in sorted(edits, key=lambda e: (e.start.row, e.start.column), reverse=True):
        assert edit.start.row == edit.end.row
        line = lines[edit.start.row - 1]
        lines[edit.start.row - 1] = line[: edit.start.column - 1] + edit.content + line[edit.end.column - 1 :]
    return "\n".join(lines)


def test_lr009_fix_drops_the_epoch_and_is_unsafe() -> None:
    [finding] = _findings("LR009", STEP_SRC)
    assert finding.fix.applicability == "unsafe"
    assert "    s.step(  )\n" in apply(STEP_SRC, finding.fix.edits)


def test_lr010_fix_renames_the_method_only() -> None:
    [finding] = _findings("LR010", STEP_SRC)
    assert finding.fix.applicability == "unsafe"
    assert "log(s . get_last_lr())" in apply(STEP_SRC, finding.fix.edits)


def test_get_lr_inside_a_lambda_or_with_arguments_is_not_reported() -> None:
    src = "from torch.optim.lr_scheduler import StepLR\ns = StepLR(opt, 3)\nf = lambda: s.get_lr()\ns.get_lr(1)\n"
    assert _findings("LR010", src) == []


def test_step_with_epoch_none_or_other_keyword_is_not_lr009() -> None:
    src = "from torch.optim.lr_scheduler import StepLR\ns = StepLR(opt, 3)\ns.step(epoch=None)\ns.step(foo=1)\ns.step(a, b)\n"
    assert _findings("LR009", src) == []


def test_invalid_values_follow_torch_checks() -> None:
    assert [p.param for p in problems("CosineAnnealingWarmRestarts", {"T_0": 10.0}, {"T_0"})] == ["T_0"]
    assert problems("CosineAnnealingWarmRestarts", {"T_0": True}, {"T_0"}) == []
    assert problems("MultiStepLR", {"milestones": [30.0, 60]}, {"milestones"}) == []
    assert [p.outcome for p in problems("MultiStepLR", {"milestones": [-1, 30]}, {"milestones"})] == ["never"]
    assert [p.param for p in problems("OneCycleLR", {"max_lr": 0.1, "epochs": 3}, {"max_lr", "epochs"})] == ["max_lr"]
    assert problems("OneCycleLR", {"max_lr": 0.1}, {"max_lr", "total_steps"}) == []  # not a literal
    assert problems("OneCycleLR", {"max_lr": 0.1}, {"max_lr"}, opaque=True) == []
    assert [p.param for p in problems("OneCycleLR", {"total_steps": 0}, {"total_steps"})] == ["total_steps"]
    # StepLR with a negative step_size behaves as its absolute value in torch: not reported.
    assert problems("StepLR", {"step_size": -3}, {"step_size"}) == []
    # gamma above 1 is LR004's, exactly 1 nobody's.
    assert problems("StepLR", {"gamma": 1}, {"gamma"}) == []


HUGE = "999999**64"  # a 384-digit int: past float range (float() raises OverflowError)


@pytest.mark.parametrize(
    ("call", "codes"),
    [
        # The file's findings are not lost: the fractional milestone beside the huge one is LR013's.
        (f"MultiStepLR(optimizer, milestones=[{HUGE}, 2.5])", ["LR003", "LR013"]),
        (f"MultiStepLR(optimizer, [{HUGE}, {HUGE}], gamma=-{HUGE})", ["LR003", "LR007", "LR013"]),
        (f"OneCycleLR(optimizer, 0.1, epochs={HUGE}, steps_per_epoch=2)", ["LR018"]),
        (f"OneCycleLR(optimizer, 0.1, epochs=3, steps_per_epoch=4, pct_start={HUGE})", ["LR018"]),
        (f"StepLR(optimizer, {HUGE}, gamma={HUGE})", ["LR004", "LR007"]),
    ],
)
def test_a_literal_past_float_range_costs_no_finding(call: str, codes: list[str]) -> None:
    """Issue 25: `milestones=[999999**64]` was an internal error (OverflowError) in LR013's check,
    and the file's other findings were lost."""
    source = (
        "import torch\nfrom torch.optim.lr_scheduler import *\n"
        "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        f"scheduler = {call}\n"
        "for epoch in range(5):\n    for b in loader:\n        optimizer.step()\n    scheduler.step()\n"
    )
    assert sorted(d.code for d in lint(source)) == codes


def test_lr013_is_not_reported_for_what_lr003_reports() -> None:
    found = {d.code for d in lint("from torch.optim.lr_scheduler import MultiStepLR\nMultiStepLR(opt, [60, 30])\n")}
    assert found == {"LR003"}


# --- LR100 ----------------------------------------------------------------------------------


def test_lr100_is_selected_by_its_code_only(tmp_path: Path) -> None:
    assert "LR100" not in load_settings(tmp_path, {"isolated": True}).enabled
    assert "LR100" not in load_settings(tmp_path, {"isolated": True, "select": "LR"}).enabled
    assert "LR100" not in load_settings(tmp_path, {"isolated": True, "select": "LR1"}).enabled
    assert "LR100" in load_settings(tmp_path, {"isolated": True, "extend_select": "LR100"}).enabled
    only = load_settings(tmp_path, {"isolated": True, "select": "LR100"}).enabled
    assert only == frozenset({"LR100"})
    # As for any rule, the more specific selector wins, and ignore at equal specificity.
    assert "LR100" in load_settings(tmp_path, {"isolated": True, "extend_select": "LR100", "ignore": "LR"}).enabled
    assert "LR100" not in load_settings(tmp_path, {"isolated": True, "extend_select": "LR100", "ignore": "LR100"}).enabled


def _run(tmp_path: Path, source: str, **overrides: object) -> list[tuple[int, str]]:
    root = write(tmp_path, {"train.py": source})
    settings = load_settings(root, {"isolated": True, **overrides})
    result = lint_paths([str(root / "train.py")], settings, options=RunOptions(jobs=1, use_cache=False))
    return [(d.location.row, d.code) for d in result.diagnostics]


PROJECT_RULE_NOQA = (
    "import torch\nfrom torch.optim.lr_scheduler import StepLR\n"
    "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
    "scheduler = StepLR(optimizer, step_size=30)\n"
    "for epoch in range(90):\n"
    "    scheduler.step()  # noqa: LR005\n"
    "    for b in loader:\n"
    "        optimizer.step()\n"
    "StepLR(optimizer, step_size=3)  # noqa: LR001, LR004\n"
)


def test_lr100_runs_after_the_project_rules(tmp_path: Path) -> None:
    # LR005 is a project rule: its noqa is used, so only the idle codes of line 9 are reported.
    assert _run(tmp_path, PROJECT_RULE_NOQA, extend_select="LR100") == [(9, "LR100")]
    assert _run(tmp_path, PROJECT_RULE_NOQA) == []  # off by default


def test_lr100_leaves_codes_of_rules_that_are_off(tmp_path: Path) -> None:
    assert _run(tmp_path, PROJECT_RULE_NOQA, extend_select="LR100", ignore="LR001,LR004") == []
    assert _run(tmp_path, PROJECT_RULE_NOQA, extend_select="LR100", per_file_ignores=["train.py:LR001,LR004"]) == []
    assert _run(tmp_path, PROJECT_RULE_NOQA, extend_select="LR100", ignore="LR004") == [(9, "LR100")]


def test_lr100_fix_keeps_the_used_codes_and_the_comment_text() -> None:
    src = (
        "from torch.optim.lr_scheduler import StepLR\n"
        "StepLR(opt, milestones=[3])  # noqa: LR001, LR004\n"
        "StepLR(opt, 3)  # noqa: LR001 -- fixed in #12\n"
        "StepLR(opt, 3)  # lrlint: disable=LR004\n"
    )
    rule = rule_for("LR100")
    suppressions = Suppressions.from_source(src)
    for d in lint(src):  # mark what the other rules' findings use
        suppressions.is_suppressed(d.code, d.location.row)
    suppressions.is_suppressed("LR001", 2)
    findings = list(rule.check_suppressions(suppressions, lambda code: True))  # type: ignore[union-attr]
    assert [f.span.start.row for f in findings] == [2, 3, 4]
    fixed = src
    for finding in reversed(findings):
        assert finding.fix.applicability == "safe"
        fixed = apply(fixed, finding.fix.edits)
    assert fixed.splitlines()[1:] == [
        "StepLR(opt, milestones=[3])  # noqa: LR001",
        "StepLR(opt, 3)  # -- fixed in #12",
        "StepLR(opt, 3)",  # the directive goes with the space before it, as ruff's fix
    ]


def test_lr100_blanket_noqa_fix_is_unsafe() -> None:
    src = "from torch.optim.lr_scheduler import StepLR\nStepLR(opt, 3)  # noqa\n"
    [d] = [d for d in lint(src) if d.code == "LR100"]
    assert "blanket" in d.message
    suppressions = Suppressions.from_source(src)
    [finding] = rule_for("LR100").check_suppressions(suppressions, lambda code: True)  # type: ignore[union-attr]
    assert finding.fix.applicability == "unsafe"
