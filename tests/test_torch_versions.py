"""The same file judged for different torch releases (--torch-version): LR006, LR008 and the
per-finding severity every reporter carries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lrlint.linter import lint_bytes
from tests.helpers import run_cli

# verbose: an error from 2.7 on, a warning in 2.2-2.6. ChainedScheduler(optimizer=...): 2.4 on.
SOURCE = """\
import torch
from torch.optim.lr_scheduler import ChainedScheduler, ExponentialLR, LinearLR, StepLR

optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
steps = StepLR(optimizer, step_size=30, gamma=0.1, verbose=True)
warm = LinearLR(optimizer, start_factor=0.1, total_iters=5)
chained = ChainedScheduler([warm, ExponentialLR(optimizer, 0.9)], optimizer=optimizer)
"""


def _found(version: str | None) -> set[tuple[int, str, str]]:
    result = lint_bytes("train.py", SOURCE.encode(), torch_version=version)
    return {(d.location.row, d.code, d.severity) for d in result.diagnostics}


def test_the_same_file_is_judged_for_the_targeted_release() -> None:
    assert _found("2.13") == {(5, "LR008", "error")}
    assert _found(None) == {(5, "LR008", "error")}  # unset in the API: the newest release
    assert _found("2.6") == {(5, "LR008", "warning")}
    # 2.3: verbose still only warns, and ChainedScheduler has no optimizer parameter yet.
    assert _found("2.3") == {(5, "LR008", "warning"), (7, "LR006", "error")}
    assert _found("2.1") == {(7, "LR006", "error")}  # verbose worked before 2.2


def test_messages_say_what_happens_in_that_release() -> None:
    new = lint_bytes("train.py", SOURCE.encode(), torch_version="2.13").diagnostics[0]
    old = lint_bytes("train.py", SOURCE.encode(), torch_version="2.6").diagnostics[0]
    assert "in torch 2.13, building it raises TypeError (unexpected keyword argument 'verbose')" in new.message
    assert "in torch 2.6, building it warns" in old.message and "2.7 rejects it" in old.message
    chained = [d for d in lint_bytes("train.py", SOURCE.encode(), torch_version="2.3").diagnostics if d.code == "LR006"]
    assert chained[0].message.startswith("`ChainedScheduler` has no `optimizer` parameter in torch 2.3 (added in 2.4)")


def test_the_fix_deletes_the_argument() -> None:
    finding = lint_bytes("train.py", SOURCE.encode(), torch_version="2.13").diagnostics[0]
    assert finding.fix is not None and finding.fix.applicability == "safe"
    line = SOURCE.splitlines()[4]
    (edit,) = finding.fix.edits
    assert edit.start.row == edit.end.row == 5
    fixed = line[: edit.start.column - 1] + edit.content + line[edit.end.column - 1 :]
    assert fixed == "steps = StepLR(optimizer, step_size=30, gamma=0.1)"


@pytest.mark.parametrize(("version", "severity", "level", "exit_code"), [("2.13", "error", "error", 1), ("2.6", "warning", "warning", 0)])
def test_reporters_carry_the_findings_severity(tmp_path: Path, version: str, severity: str, level: str, exit_code: int) -> None:
    (tmp_path / "train.py").write_text(SOURCE.replace("optimizer=optimizer)", ")"), encoding="utf-8")
    as_json = run_cli("--no-cache", "--torch-version", version, "--output-format", "json", "train.py", cwd=tmp_path)
    (finding,) = json.loads(as_json.stdout)
    assert (finding["code"], finding["severity"]) == ("LR008", severity)
    assert finding["fix"]["applicability"] == "safe" and finding["fix"]["edits"][0]["content"] == ""
    sarif = run_cli("--no-cache", "--torch-version", version, "--output-format", "sarif", "train.py", cwd=tmp_path)
    (result,) = json.loads(sarif.stdout)["runs"][0]["results"]
    assert (result["ruleId"], result["level"]) == ("LR008", level)
    github = run_cli("--no-cache", "--torch-version", version, "--output-format", "github", "train.py", cwd=tmp_path)
    assert github.stdout.decode().startswith(f"::{level} ")
    # --fail-on error: only an error finding fails the run.
    failing = run_cli("--no-cache", "--torch-version", version, "--fail-on", "error", "train.py", cwd=tmp_path)
    assert failing.returncode == exit_code, failing.stdout.decode()


# --- verification when the installed torch is not the targeted release --------------------------


def _verify(source: str, version: str) -> list[tuple[str, str, str]]:
    """(code, status, evidence) of each finding, run by the real worker's code in the installed
    torch (in this process) and judged by its rule as lrlint's process does."""
    from lrlint.rules import rule_for
    from lrlint.verify.jobs import finding_plans, verification
    from lrlint.verify.worker import import_torch, simulate

    torch = import_torch()
    found = []
    for d in lint_bytes("t.py", source.encode(), torch_version=version).diagnostics:
        rule = rule_for(d.code)
        assert d.scenario is not None and rule is not None and rule.verification is not None
        runs = [simulate(torch, plan, "cpu") for plan in finding_plans(d.scenario, rule.verification)]
        result = verification(rule, d.scenario, runs, "cpu", str(torch.__version__))
        found.append((d.code, result.status, result.evidence))
    return found


def test_a_parameter_the_installed_torch_has_is_not_refuted_for_an_older_target() -> None:
    source = (
        "import torch\nfrom torch.optim.lr_scheduler import OneCycleLR\n"
        "opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1, momentum=0.9)\n"
        "s = OneCycleLR(opt, max_lr=0.1, total_steps=100, three_phase=True)\n"
    )
    [(code, status, evidence)] = _verify(source, "1.6")  # three_phase came in torch 1.7
    assert code == "LR006" and status == "inconclusive", evidence
    assert "accepts the call; the finding is about torch 1.6" in evidence
    [(code, status, evidence)] = _verify(source.replace("three_phase", "three_phases"), "2.13")
    assert (code, status) == ("LR006", "confirmed"), evidence
    assert "unexpected keyword argument 'three_phases'" in evidence


def test_verbose_verdicts_follow_the_release_the_finding_is_about() -> None:
    from lrlint.rules.lr008_removed_verbose_argument import judge as judge_verbose
    from lrlint.scenario import Scenario
    from lrlint.verify.record import Run

    warned = Run("StepLR", "optimizer-first", 0.1, torch_version="2.6.0", warnings=[
        "The verbose parameter is deprecated. Please use get_last_lr() to access the learning rate."
    ])  # fmt: skip
    rejected = Run("StepLR", "optimizer-first", 0.1, torch_version="2.13.0",
                   construct_error="TypeError: StepLR.__init__() got an unexpected keyword argument 'verbose'")  # fmt: skip
    for_26 = Scenario("StepLR", kwargs={"step_size": 3, "verbose": True}, torch_target="2.6")
    for_213 = Scenario("StepLR", kwargs={"step_size": 3, "verbose": True}, torch_target="2.13")
    assert judge_verbose(for_26, warned, None).status == "confirmed"
    assert judge_verbose(for_213, rejected, None).status == "confirmed"
    # The installed torch behaves like another release than the one the finding is about.
    assert judge_verbose(for_213, warned, None).status == "inconclusive"
    assert judge_verbose(for_26, rejected, None).status == "inconclusive"
    assert judge_verbose(for_213, Run("StepLR", "optimizer-first", 0.1, torch_version="2.1.0"), None).status == "inconclusive"
    assert judge_verbose(for_213, Run("StepLR", "optimizer-first", 0.1, torch_version="2.13.0"), None).status == "refuted"


def test_lint_bytes_defaults_to_the_release_the_command_line_does(tmp_path: Path) -> None:
    """Found by the fuzz target: alone (`lint_bytes`) a file said "in current torch", in a folder
    run "in torch 2.13". Both default to the installed release now."""
    from lrlint.linter import lint_bytes
    from tests.helpers import run_cli

    source = b"from torch.optim.lr_scheduler import StepLR\ns = StepLR(opt, step_size=3, verbose=True)\n"
    (tmp_path / "f.py").write_bytes(source)
    alone = [d.message for d in lint_bytes("f.py", source).diagnostics]
    proc = run_cli("--no-cache", "--output-format", "json", str(tmp_path / "f.py"))
    in_run = [d["message"] for d in json.loads(proc.stdout)]
    assert alone == in_run and alone
