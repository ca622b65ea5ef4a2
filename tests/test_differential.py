"""Static findings against runtime verdicts: `lrlint --verify` on the real fixtures, in real torch.

Every finding announced in fixtures/bad and fixtures/seeds is verified by ONE CLI run (one torch
worker), and must get the verdict its annotation names (`# expect: LR005 [skipped]`; no bracket
means `confirmed`). The evidence must be about what the rule claims: the TypeError the message
predicts, the epochs where the learning rate drops, whether it grows or stays, torch's own
warning. Clean fixtures run under --verify-all; a hostile fixture proves no user code runs.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import time
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

import pytest

from lrlint.catalogue import rules as catalogue
from lrlint.linter import lint_bytes
from lrlint.rules import verifiable_codes
from lrlint.verify.render import BLOCKS
from tests.helpers import FIXTURES, ROOT, _parse_expect, expand_trajectory, expected_findings, expected_verdicts, expected_verdicts_of, run_cli

ORDER_WARNING = "Detected call of `lr_scheduler.step()` before `optimizer.step()`"
VERIFIED_DIRS = ("bad", "seeds")
HARM = FIXTURES / "harm"

Finding = dict[str, Any]  # one object of `--output-format json`
Key = tuple[str, int, str]  # (posix path relative to the repo, row, code)


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def annotated() -> list[tuple[Key, str]]:
    """Every announced finding of the verified fixture folders with its expected verdict."""
    cases = []
    for folder in VERIFIED_DIRS:
        for path in sorted((FIXTURES / folder).glob("*.py")):
            for (row, code), verdict in sorted(expected_verdicts(path).items()):
                if catalogue()[code].default:  # the CLI run selects what is on by default
                    cases.append(((rel(path), row, code), verdict))
    return cases


CASES = annotated()


def clean_files() -> list[Path]:
    """Fixtures without any finding: every good/ file and the seeds that announce none."""
    seeds = [p for p in sorted((FIXTURES / "seeds").glob("*.py")) if not expected_findings(p)]
    return sorted((FIXTURES / "good").glob("*.py")) + seeds


def fmt(value: float) -> str:
    """How lrlint's evidence writes a learning rate."""
    return f"{value:.4g}"


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-15)


def drop_epochs(trajectory: list[float]) -> list[int]:
    return [i for i in range(1, len(trajectory)) if not close(trajectory[i], trajectory[i - 1])]


def installed_torch() -> str:
    return metadata.version("torch")


def torch_release() -> tuple[int, int]:
    major, minor = re.match(r"(\d+)\.(\d+)", installed_torch()).groups()  # type: ignore[union-attr]
    return int(major), int(minor)


# --- the annotation syntax ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("LR001", [("LR001", "confirmed")]),
        ("LR003 [refuted]", [("LR003", "refuted")]),
        ("LR005 [skipped], LR004", [("LR005", "skipped"), ("LR004", "confirmed")]),
        ("LR001 LR002[inconclusive]", [("LR001", "confirmed"), ("LR002", "inconclusive")]),
    ],
)
def test_expect_annotation_syntax(text: str, expected: list[tuple[str, str]]) -> None:
    assert _parse_expect(text, "x.py:1") == expected


@pytest.mark.parametrize("text", ["LR003 [refted]", "LR003 [refuted", "", "lr003", "LR003 because"])
def test_malformed_expect_annotation_is_an_error(text: str) -> None:
    with pytest.raises(ValueError, match="x.py:1"):
        _parse_expect(text, "x.py:1")


def test_expected_findings_keeps_its_shape() -> None:
    path = FIXTURES / "bad" / "lr003_milestones_not_increasing.py"
    assert expected_findings(path) == {(11, "LR003"), (18, "LR003")}
    assert expected_verdicts(path) == {(11, "LR003"): "confirmed", (18, "LR003"): "confirmed"}
    skipped = FIXTURES / "bad" / "lr005_amp_per_batch.py"
    assert expected_verdicts(skipped) == {(14, "LR005"): "skipped"}


# --- one --verify run over every bad fixture and seed -------------------------------------------


@pytest.fixture(scope="module")
def verified() -> dict[Key, Finding]:
    folders = [f"fixtures/{folder}" for folder in VERIFIED_DIRS]
    proc = run_cli("--verify", "--output-format", "json", *folders)
    stderr = proc.stderr.decode()
    assert proc.returncode == 1, stderr
    assert "Traceback" not in stderr, stderr
    findings: list[Finding] = json.loads(proc.stdout)
    by_key: dict[Key, Finding] = {}
    for finding in findings:
        key = (finding["filename"], finding["location"]["row"], finding["code"])
        assert key not in by_key, f"reported twice: {key}"
        by_key[key] = finding
    return by_key


def test_every_announced_finding_is_reported_and_nothing_else(verified: dict[Key, Finding]) -> None:
    assert set(verified) == {key for key, _ in CASES}


def test_verify_adds_exactly_the_verification_object(verified: dict[Key, Finding]) -> None:
    base = {"code", "name", "message", "severity", "filename", "location", "end_location", "fix", "url", "noqa_row", "cell", "related"}
    for finding in verified.values():
        if finding["code"] not in verifiable_codes():  # a rule without a runtime claim: nothing to add
            assert set(finding) == base
            continue
        assert set(finding) == base | {"verification"}
        # An order finding that ran shows the rate as the code runs it beside the intended one.
        extra = {"intended_trajectory"} if finding["code"] == "LR005" and finding["verification"]["status"] != "skipped" else set()
        # A fix that carries its configuration after the fix (LR008-LR010) is run too.
        if finding["fix"] is not None and finding["code"] in ("LR008", "LR009", "LR010"):
            extra |= {"after_fix"}
        assert set(finding["verification"]) == {"status", "device", "torch_version", "evidence", "trajectory", "configuration"} | extra
        # What ran in torch, for every finding that went there; nothing for a skipped one.
        configuration = finding["verification"]["configuration"]
        if finding["verification"]["status"] == "skipped":
            assert configuration is None
        else:
            assert configuration["scheduler"] and configuration["steps"] >= 0 and isinstance(configuration["stand_ins"], list)


@pytest.mark.parametrize(("key", "verdict"), CASES, ids=[f"{k[0].split('/')[-1]}:{k[1]}:{k[2]}" for k, _ in CASES])
def test_static_finding_and_runtime_verdict_agree(verified: dict[Key, Finding], key: Key, verdict: str) -> None:
    finding = verified[key]
    if finding["code"] not in verifiable_codes():
        assert "verification" not in finding  # no runtime claim (LR012, LR015): nothing is run
        return
    v = finding["verification"]
    assert v["status"] == verdict, v["evidence"]
    assert v["evidence"] and "\n" not in v["evidence"]
    if v["trajectory"] is not None:  # compact: the start, then [epoch, lr] where the lr changes
        assert set(v["trajectory"]) == {"start", "epochs", "changes", "change_count", "horizon", "assumed", "capped"}
        assert all(isinstance(lr, float) for _, lr in v["trajectory"]["changes"])
    if verdict == "skipped":
        # Nothing was run: no torch, no device, no trajectory, and the reason names the unknowns.
        assert v["evidence"].startswith("not verified:")
        assert v["device"] is None and v["torch_version"] is None and v["trajectory"] is None
        return
    assert v["device"] == "cpu"
    assert v["torch_version"] == installed_torch()
    line = (ROOT / key[0]).read_text(encoding="utf-8").splitlines()[key[1] - 1]
    claim(finding["code"])(finding["message"], v, line)


# Per rule: the evidence (and trajectory) must show what the static message claims about the
# flagged source line.


def claim_lr001(message: str, v: dict[str, Any], line: str) -> None:
    predicted = re.search(r"raises TypeError \((.+?)\)[;:]", message)
    assert predicted, message
    hint = predicted.group(1)
    operands = re.fullmatch(r"(\w+) % (\w+)", hint)  # "(int % list)": torch's modulo TypeError
    expected = f"unsupported operand type(s) for %: '{operands[1]}' and '{operands[2]}'" if operands else hint
    assert expected in v["evidence"].partition("TypeError: ")[2], v["evidence"]
    if "building it raises" in message:
        assert re.search(r"\w+\(\.\.\.\) raises TypeError", v["evidence"]), v["evidence"]
        assert v["trajectory"] is None  # construction failed: nothing to step
    else:
        assert "the first `scheduler.step()` raises" in message
        assert "is built, but step 1 raises TypeError" in v["evidence"]
        assert v["trajectory"]["epochs"] == 0  # built (the lr after construction), never stepped


def claim_lr003(message: str, v: dict[str, Any], line: str) -> None:
    trajectory = expand_trajectory(v["trajectory"])
    assert trajectory, "the MultiStepLR was built: its trajectory must be there"
    repeat = re.search(r"multiplied by gamma\*\*(\d+) at epoch (\d+)", message)
    if repeat:  # repeated milestone: decays by gamma**k at that epoch, k times in one step
        power, epoch = repeat.group(1), int(repeat.group(2))
        assert f"gamma**{power}" in v["evidence"] and f"at epoch {epoch}" in v["evidence"]
        written = re.search(r"gamma\s*=\s*([\d.]+)", line)
        gamma = float(written.group(1)) if written else 0.1  # torch's default
        assert close(trajectory[epoch] / trajectory[epoch - 1], gamma ** int(power))
        return
    unsorted = re.search(r"decays at epochs ([\d, ]+) in sorted order", message)
    assert unsorted, message
    claimed = [int(e) for e in unsorted.group(1).split(", ")]
    assert f"decays at epochs {unsorted.group(1)} as if sorted" in v["evidence"]
    assert drop_epochs(trajectory) == claimed


def claim_lr004(message: str, v: dict[str, Any], line: str) -> None:
    trajectory = expand_trajectory(v["trajectory"])
    assert len(trajectory) > 1
    gamma = re.search(r"gamma=([\d.]+)", message)
    assert gamma and f"gamma={gamma.group(1)}" in v["evidence"]
    start, end = trajectory[0], trajectory[-1]
    if "grows instead of decaying" in message:
        assert f"lr grows {fmt(start)} -> {fmt(end)}" in v["evidence"]
        assert end > start and all(b >= a for a, b in zip(trajectory, trajectory[1:]))
    else:
        assert "never changes the learning rate" in message
        assert f"lr stays {fmt(start)}" in v["evidence"]
        assert all(close(x, start) for x in trajectory)


def claim_lr005(message: str, v: dict[str, Any], line: str) -> None:
    as_run = expand_trajectory(v["trajectory"])  # the rate each epoch trains with, as the code runs
    intended = expand_trajectory(v["intended_trajectory"])
    assert "runs before" in message and "skips the first value" in message
    assert line.strip().split("  #")[0] in message  # the flagged `....step()` call is quoted
    assert len(as_run) > 1 and len(as_run) == len(intended)
    assert as_run[:-1] == intended[1:]  # one step ahead: the intended first value is skipped
    if "GradScaler" not in v["evidence"]:
        assert f"torch warned: {ORDER_WARNING}" in v["evidence"]
    shift = re.search(r"epoch (\d+) trains with lr (\S+) instead of (\S+):", v["evidence"])
    if shift:  # stepped first, epoch E trains with the value meant for epoch E + 1
        epoch, got, expected = int(shift.group(1)), shift.group(2), shift.group(3)
        assert (got, expected) == (fmt(as_run[epoch]), fmt(intended[epoch]))
        assert f"its first value {fmt(intended[0])} is skipped" in v["evidence"]
    else:
        assert "the skip is not observable" in v["evidence"]


def claim_lr007(message: str, v: dict[str, Any], line: str) -> None:
    """Stepped N times (the loop's count), the lr trained with never takes the claimed decays."""
    trajectory = expand_trajectory(v["trajectory"])
    loop = re.search(r"runs once per epoch of a (\d+)-epoch loop", message)
    assert loop, message
    epochs = int(loop.group(1))
    assert len(trajectory) == epochs + 1, "the worker must step exactly as often as the loop"
    assert f"one per epoch of range({epochs})" in v["evidence"]
    trained = trajectory[:epochs]  # optimizer first: epoch e trains with the lr after e steps
    if "stays at its initial value" in message:
        assert all(close(x, trained[0]) for x in trained)
        assert f"lr stays {fmt(trained[0])} in all {epochs} epochs" in v["evidence"]
        return
    named = re.match(r"milestones? ([\d, ]+) of \[([\d, ]+)\]", message)
    assert named, message
    unreached = [int(m) for m in named.group(1).split(", ")]
    milestones = [int(m) for m in named.group(2).split(", ")]
    assert f"milestones {unreached} are never reached" in v["evidence"]
    assert drop_epochs(trained) == [m for m in milestones if m not in unreached]


def claim_lr014(message: str, v: dict[str, Any], line: str) -> None:
    """Stepped once per step of the run (a batch), the lr drops exactly at the claimed batch counts."""
    assert "runs once per batch" in message and line.strip().split("  #")[0] in message
    trajectory = expand_trajectory(v["trajectory"])
    step_size = re.search(r"every (\d+) batches", message)
    listed = re.search(r"decayed after ([\d, ]+) batches", message)
    if step_size:
        k = int(step_size.group(1))
        due = list(range(k, len(trajectory), k))
    else:
        assert listed, message
        due = [int(m) for m in listed.group(1).split(", ")]
    assert drop_epochs(trajectory) == due
    first = due[0]
    assert f"lr decays {fmt(trajectory[first - 1])} -> {fmt(trajectory[first])} after {first} batches" in v["evidence"]


def claim_lr016(message: str, v: dict[str, Any], line: str) -> None:
    trajectory = expand_trajectory(v["trajectory"])
    crash = re.search(r"runs (\d+) times: step (\d+) raises ValueError \(Tried to step (\d+) times\)", message)
    if crash:  # torch's own error, at the step the message names, within the loop's count
        count, at = int(crash.group(1)), int(crash.group(2))
        assert at <= count
        assert f"step {at} of the loop's {count} raises ValueError: Tried to step {at} times" in v["evidence"]
        assert f"The specified number of total steps is {at - 1}" in v["evidence"]
        assert len(trajectory) == at  # built, then stepped at - 1 times before the error
        return
    warm = re.search(r"only (\d+) of its (\d+) steps run", message)
    assert warm, message
    steps = int(warm.group(1))
    assert len(trajectory) == steps + 1
    assert all(b > a for a, b in zip(trajectory, trajectory[1:]))  # still rising: warm-up
    max_lr = re.search(r"max_lr ([\d.e-]+)", v["evidence"])
    assert max_lr and trajectory[-1] < float(max_lr.group(1))


EPOCH_WARNING = "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated"
GET_LR_WARNING = "To get the last learning rate computed by the scheduler, please use `get_last_lr()`"


def claim_lr009(message: str, v: dict[str, Any], line: str) -> None:
    assert "passes an epoch" in message and "torch warns that the epoch parameter is deprecated" in message
    assert f"torch warned: {EPOCH_WARNING}" in v["evidence"]
    shifted = re.search(r"the lr changes at epochs ([\d, ]+) instead of ([\d, ]+) with step\(\)", v["evidence"])
    if shifted:  # the trajectory is the run with the epoch passed
        assert drop_epochs(expand_trajectory(v["trajectory"])) == [int(e) for e in shifted.group(1).split(", ")]
        assert shifted.group(1) != shifted.group(2)


def claim_lr010(message: str, v: dict[str, Any], line: str) -> None:
    assert "torch warns" in message and "get_last_lr()" in message
    assert f"torch warned: {GET_LR_WARNING}" in v["evidence"]
    probe = re.search(r"after step (\d+), get_lr\(\) returns (\S+) while the lr in use \(get_last_lr\(\)\) is (\S+) ", v["evidence"])
    assert probe, v["evidence"]
    step, got, in_use = int(probe.group(1)), probe.group(2), probe.group(3)
    assert got != in_use and in_use == fmt(expand_trajectory(v["trajectory"])[step])


def claim_lr011(message: str, v: dict[str, Any], line: str) -> None:
    predicted = "missing 1 required positional argument: 'metrics'"
    assert predicted in message
    assert f"step 1 raises TypeError: ReduceLROnPlateau.step() {predicted}" in v["evidence"]


def claim_lr013(message: str, v: dict[str, Any], line: str) -> None:
    trajectory = expand_trajectory(v["trajectory"]) if v["trajectory"] else []
    if "building it raises ValueError" in message:
        assert re.search(r"\w+\(\.\.\.\) raises ValueError: ", v["evidence"]), v["evidence"]
        assert v["trajectory"] is None  # never built
    elif "raises ZeroDivisionError" in message:
        assert "is built, but step 1 raises ZeroDivisionError" in v["evidence"]
    elif "sets the learning rate to 0" in message:
        first = next(i for i, lr in enumerate(trajectory) if lr == 0)
        assert f"-> 0 at epoch {first} and stays 0" in v["evidence"] and all(lr == 0 for lr in trajectory[first:])
    elif "makes the learning rate negative" in message:
        first = next(i for i, lr in enumerate(trajectory) if lr < 0)
        assert f"-> {fmt(trajectory[first])} at epoch {first}: negative" in v["evidence"]
    elif "decayed before the first epoch" in message:
        assert f"lr is {fmt(trajectory[0])} right after construction" in v["evidence"] and trajectory[0] < 0.1
    else:
        never = re.search(r"milestones? ([\d., -]+) (?:is|are) never reached", message)
        assert never, message
        written = re.search(r"milestones=\[([^\]]*)\]", line)
        assert written, line
        milestones = [float(m) for m in written.group(1).split(",")]
        whole = sorted({int(m) for m in milestones if m.is_integer() and 1 <= m < len(trajectory)})
        assert drop_epochs(trajectory) == whole and f"milestone {never.group(1)} is never reached" in v["evidence"]


def claim_lr006(message: str, v: dict[str, Any], line: str) -> None:
    """The TypeError torch raises is the one the message names: the keyword, the count, the name."""
    error = v["evidence"].partition(" raises TypeError: ")[2]
    assert error, v["evidence"]
    keyword = re.search(r"unexpected keyword argument '(\w+)'", message)
    missing = re.search(r"missing required argument '(\w+)'", message)
    if keyword:
        assert f"got an unexpected keyword argument '{keyword[1]}'" in error
        assert re.search(rf"\b{keyword[1]}\s*=", line), line  # the flagged line passes that keyword
    elif missing:
        assert f"missing 1 required positional argument: '{missing[1]}'" in error
    else:
        counted = re.search(r"takes at most (\d+) positional arguments .* but (\d+) are given", message)
        assert counted, message
        # Python counts `self`: "takes from 3 to 5 positional arguments but 7 were given".
        assert re.search(rf"to {int(counted[1]) + 1} positional arguments but {int(counted[2]) + 1} were given", error)
    assert v["trajectory"] is None  # never built


def claim_lr008(message: str, v: dict[str, Any], line: str) -> None:
    assert "verbose" in line or "passed positionally" in message
    if "was removed" in message:  # an error: torch rejects it
        error = v["evidence"].partition(" raises TypeError: ")[2]
        if "passed positionally" in message:
            assert "positional arguments but" in error, v["evidence"]
        else:
            assert "unexpected keyword argument 'verbose'" in error, v["evidence"]
        assert v["trajectory"] is None
    else:  # a warning: torch warns and builds it
        assert "is deprecated" in message
        assert "The verbose parameter is deprecated" in v["evidence"]


def claim_lr017(message: str, v: dict[str, Any], line: str) -> None:
    last_epoch = re.search(r"last_epoch=(-?\d+)\)", message)
    assert last_epoch and f"last_epoch={last_epoch[1]}" in line
    assert f"last_epoch={last_epoch[1]}) on a fresh optimizer raises KeyError:" in v["evidence"]
    assert "'initial_lr' is not specified in param_groups[0]" in v["evidence"]
    assert v["trajectory"] is None


def claim_lr018(message: str, v: dict[str, Any], line: str) -> None:
    between = re.search(r"cycles it between ([\d.]+) and ([\d.]+)", message)
    assert between, message
    low, high = float(between[1]), float(between[2])
    seen = re.search(r"momentum 0 before \w+ is built, then (.+?) \(after construction", v["evidence"])
    assert seen, v["evidence"]
    values = [float(x) for x in seen[1].split(" -> ")]
    assert values[0] == pytest.approx(high)  # set to max_momentum when built: momentum is on
    assert all(low - 1e-9 <= m <= high + 1e-9 for m in values)


claim_lr002 = claim_lr001  # the same TypeError checks: a keyword of the other class


def claim(code: str) -> Callable[[str, dict[str, Any], str], None]:
    """The check of what `code`'s evidence must show: `claim_<code>` in this module. Found by the
    rule's code, so no list of rules is kept here (see test_every_verified_rule_has_a_claim_check)."""
    found = globals().get(f"claim_{code.lower()}")
    assert callable(found), f"{code} is verified by --verify, but tests/test_differential.py has no claim_{code.lower()}"
    return found  # type: ignore[no-any-return]


def test_every_verified_rule_has_a_claim_check() -> None:
    for code in verifiable_codes():
        claim(code)
    checks = {name.removeprefix("claim_").upper() for name in globals() if re.fullmatch(r"claim_lr\d{3}", name)}
    assert checks == set(verifiable_codes()), "a claim check for a rule that makes no runtime claim"


def test_the_skipped_finding_names_what_is_not_literal(verified: dict[Key, Finding]) -> None:
    v = verified[("fixtures/bad/lr005_amp_per_batch.py", 14, "LR005")]["verification"]
    assert "`epochs`, `steps_per_epoch` are not literals" in v["evidence"]


def test_every_rule_is_confirmed_somewhere(verified: dict[Key, Finding]) -> None:
    confirmed = {f["code"] for f in verified.values() if f.get("verification", {}).get("status") == "confirmed"}
    assert confirmed == set(verifiable_codes())


# --- clean fixtures under --verify-all ------------------------------------------------------------


@pytest.fixture(scope="module")
def schedules_run() -> str:
    files = [rel(p) for p in clean_files()]
    proc = run_cli("--verify-all", *files)
    stderr = proc.stderr.decode()
    assert proc.returncode == 0, proc.stdout.decode() + stderr
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    return proc.stdout.decode()


def schedule_lines(output: str) -> dict[str, str]:
    """`Schedules (...)` section: {"path:row Class": rest of the line}."""
    head, sep, section = output.partition("\nSchedules (")
    assert sep, output
    lines = {}
    for line in section.splitlines()[1:]:
        match = re.fullmatch(r"  (\S+:\d+ \w+): (.+)", line)
        assert match, line
        lines[match.group(1)] = match.group(2)
    return lines


def test_clean_fixtures_are_clean_under_verify_all(schedules_run: str) -> None:
    assert schedules_run.startswith(f"All checks passed! ({len(clean_files())} files checked)")


def test_verify_all_lists_every_scheduler_built(schedules_run: str) -> None:
    built = set()
    for path in clean_files():
        result = lint_bytes(rel(path), path.read_bytes(), with_schedules=True)
        built |= {f"{label} {scenario.scheduler}" for label, scenario in result.schedules}
    assert len(built) >= 20
    assert set(schedule_lines(schedules_run)) == built


# What each clean fixture's literal schedulers do in torch (lr 1 -> 0.5 every 5 steps, ...).
SCHEDULES = {
    "fixtures/good/closure_lbfgs.py:8 StepLR": "lr 1 -> 0.03125 over 25 steps; changes at 5: 1->0.5, 10: 0.5->0.25, 15: 0.25->0.125, 20: 0.125->0.0625, 25: 0.0625->0.03125",
    "fixtures/good/lightning_module.py:18 MultiStepLR": "changes at 30: 0.1->0.01, 60: 0.01->0.001, 90: 0.001->0.0001",
    "fixtures/good/lightning_module.py:40 StepLR": "lr 0.0002 -> 1.25e-05 over 40 steps; changes at 10: 0.0002->0.0001",
    "fixtures/good/resume_and_guards.py:8 StepLR": "changes at 30: 0.1->0.01, 60: 0.01->0.001, 90: 0.001->0.0001",
    "fixtures/good/resume_and_guards.py:19 MultiStepLR": "changes at 30: 0.1->0.01, 60: 0.01->0.001",
    "fixtures/good/resume_and_guards.py:29 ReduceLROnPlateau": "stepped with a constant metric",
    "fixtures/good/resume_and_guards.py:40 StepLR": "changes at 30: 0.1->0.01, 60: 0.01->0.001, 90: 0.001->0.0001",
    "fixtures/seeds/seed000_steplr_tutorial.py:13 StepLR": "lr 0.1 -> 0.0125 over 10 steps; changes at 3: 0.1->0.05, 6: 0.05->0.025, 9: 0.025->0.0125 (loop range(10))",
    "fixtures/seeds/seed000_steplr_tutorial.py:35 MultiStepLR": "changes at 3: 0.1->0.01, 7: 0.01->0.001, 10: 0.001->0.0001",
    "fixtures/seeds/seed003_schedulers_tutorial.py:13 StepLR": "lr 0.1 -> 0.001 over 6 steps; changes at 3: 0.1->0.01, 6: 0.01->0.001 (loop range(6))",
    # Not literal: never guessed, never built.
    "fixtures/good/dynamic_configuration.py:12 StepLR": "not run: not built: `step_size`, `gamma`",
    "fixtures/good/per_iteration_warmup.py:15 LambdaLR": "not run: not built: `lr_lambda`",
    "fixtures/good/amp_gradscaler_onecycle.py:12 OneCycleLR": "not run: not built: `total_steps`",
}


@pytest.mark.parametrize("label", sorted(SCHEDULES))
def test_verify_all_reports_each_literal_schedule(schedules_run: str, label: str) -> None:
    assert SCHEDULES[label] in schedule_lines(schedules_run)[label]


def test_verify_reports_torchs_own_error(verified: dict[Key, Finding]) -> None:
    """seed001 passes `verbose=False`: LR008, and torch's own TypeError (2.7+) or warning as evidence."""
    v = verified[("fixtures/seeds/seed001_multisteplr_page.py", 13, "LR008")]["verification"]
    if torch_release() >= (2, 7):  # `verbose` was removed from the schedulers in torch 2.7
        assert "raises TypeError: MultiStepLR.__init__() got an unexpected keyword argument 'verbose'" in v["evidence"]
    else:
        assert "The verbose parameter is deprecated" in v["evidence"]


def test_verify_all_header_counts_only_schedulers_run(schedules_run: str) -> None:
    """The header says how many schedulers ran in torch; those "not built" never did."""
    lines = schedule_lines(schedules_run)
    ran = sum(1 for rest in lines.values() if not rest.startswith("not run: not built"))
    claimed = re.search(r"(\d+) schedulers? run in torch", schedules_run)
    assert claimed, schedules_run
    assert int(claimed.group(1)) == ran, schedules_run.partition("\nSchedules (")[2].splitlines()[0]


def test_scheduler_built_after_a_loop_does_not_borrow_its_horizon(schedules_run: str) -> None:
    """seed003 builds three schedulers after its `for epoch in range(6)` loop: no loop steps them."""
    lines = schedule_lines(schedules_run)
    after_loop = [f"fixtures/seeds/seed003_schedulers_tutorial.py:{row}" for row in (31, 32, 33)]
    for label, rest in lines.items():
        if label.split(" ")[0] in after_loop:
            assert "loop range(6)" not in rest, f"{label}: {rest}"


# --- snippets beyond the fixtures: the same agreement, one more worker ---------------------------

SNIPPET_HEADER = (
    "import torch\n"
    "from torch.optim.lr_scheduler import ExponentialLR, MultiStepLR, StepLR\n"
    "opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)\n"
)
SNIPPETS = {
    # A milestone listed three times decays by gamma**3 at once, not gamma**2.
    "triple_milestone.py": SNIPPET_HEADER + "s = MultiStepLR(opt, milestones=[10, 10, 10, 20])  # expect: LR003\n",
    # `sched` is rebound to an ExponentialLR before the misordered loop: the finding is about it.
    "rebound_scheduler.py": SNIPPET_HEADER + (
        "sched = StepLR(opt, 5)\n"
        "for i in range(10):\n"
        "    opt.step()\n"
        "    sched.step()\n"
        "sched = ExponentialLR(opt, gamma=0.5)\n"
        "for i in range(3):\n"
        "    sched.step()  # expect: LR005\n"
        "    opt.step()\n"
    ),
    "tuple_and_flat.py": SNIPPET_HEADER + (
        "a = MultiStepLR(opt, milestones=(5, 5), gamma=0.5)  # expect: LR003\n"
        "b = MultiStepLR(opt, [30, 20], gamma=2)  # expect: LR003, LR004\n"
        "c = ExponentialLR(opt, gamma=1.0)  # expect: LR004\n"  # flat: never decays
        "d = StepLR(opt, 30, gamma=1)  # expect: LR004\n"
    ),
}
SNIPPET_CASES = [
    ((name, row, code), verdict)
    for name, source in SNIPPETS.items()
    for (row, code), verdict in sorted(expected_verdicts_of(source).items())
]


@pytest.fixture(scope="module")
def snippets_verified(tmp_path_factory: pytest.TempPathFactory) -> dict[Key, Finding]:
    root = tmp_path_factory.mktemp("snippets")
    for name, source in SNIPPETS.items():
        (root / name).write_text(source, encoding="utf-8")
    proc = run_cli("--verify", "--output-format", "json", ".", cwd=root)
    assert proc.returncode == 1, proc.stderr.decode()
    found = json.loads(proc.stdout)
    by_key = {(f["filename"], f["location"]["row"], f["code"]): f for f in found}
    assert set(by_key) == {key for key, _ in SNIPPET_CASES}
    return by_key


@pytest.mark.parametrize(("key", "verdict"), SNIPPET_CASES, ids=[f"{k[0]}:{k[1]}:{k[2]}" for k, _ in SNIPPET_CASES])
def test_snippet_finding_and_runtime_verdict_agree(snippets_verified: dict[Key, Finding], key: Key, verdict: str) -> None:
    finding = snippets_verified[key]
    v = finding["verification"]
    assert v["status"] == verdict, v["evidence"]
    assert v["device"] == "cpu" and v["torch_version"] == installed_torch()
    claim(finding["code"])(finding["message"], v, SNIPPETS[key[0]].splitlines()[key[1] - 1])


def test_rebound_scheduler_name_is_reported_for_the_scheduler_it_holds(snippets_verified: dict[Key, Finding]) -> None:
    finding = snippets_verified[("rebound_scheduler.py", 10, "LR005")]
    assert "ExponentialLR" in finding["message"], finding["message"]
    # ExponentialLR(gamma=0.5) stepped first: epoch 0 already trains with 0.05.
    assert "epoch 0 trains with lr 0.05 instead of 0.1" in finding["verification"]["evidence"]
    # The rate each of the 3 epochs trains with as the code runs it, beside the intended one.
    # (then the rate each loop ends with)
    assert expand_trajectory(finding["verification"]["trajectory"]) == pytest.approx([0.05, 0.025, 0.0125, 0.0125])
    assert expand_trajectory(finding["verification"]["intended_trajectory"]) == pytest.approx([0.1, 0.05, 0.025, 0.0125])


def test_show_trajectory_draws_one_curve_per_scheduler() -> None:
    path = "fixtures/bad/lr004_gamma_not_decaying.py"
    proc = run_cli("--verify-all", "--show-trajectory", path)
    out = proc.stdout.decode()
    assert proc.returncode == 1, out + proc.stderr.decode()
    head, _, section = out.partition("\nSchedules (")
    assert section, out
    curves = section.splitlines()[1:]
    built = ((8, "StepLR"), (9, "MultiStepLR"), (10, "ExponentialLR"), (13, "StepLR"), (14, "ExponentialLR"))
    assert [c.strip().split("  ")[0] for c in curves] == [f"{path}:{row} {cls}" for row, cls in built]
    for curve in curves:
        assert re.search(f"  [{BLOCKS}]+(?: \\(log\\))?  start ", curve), curve
        assert re.search(r"over \d+ epochs", curve), curve
    # The verified findings' curves come first, one per finding, under their verify lines.
    assert head.count("    verify: confirmed (torch ") == 5
    assert len(re.findall(rf"^{re.escape(path)}:\d+ LR004  [{BLOCKS}]", head, re.M)) == 5


# --- hostile code is never run ----------------------------------------------------------------


def wait_for(path: Path, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize(("command", "marker"), [
    (["-I", "hostile_training_script.py"], "module-executed"),  # -I: the real torch, not torch.py
    (["-c", "import torch"], "shadow-torch-imported"),
])  # fmt: skip
def test_harm_fixture_is_harmful_when_run(tmp_path: Path, command: list[str], marker: str) -> None:
    """The harm test below can fail: executed, each file leaves its marker and hangs."""
    proc = subprocess.Popen(
        [sys.executable, *command], cwd=HARM, env={**os.environ, "LRLINT_HARM_DIR": str(tmp_path)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert wait_for(tmp_path / marker, 30)
        assert proc.poll() is None, "it should hang"
    finally:
        proc.kill()
        proc.wait()


def test_verify_never_runs_the_users_code(tmp_path: Path) -> None:
    started = time.monotonic()
    proc = run_cli("--verify", "--output-format", "json", "--verify-timeout", "30", ".", cwd=HARM, env={"LRLINT_HARM_DIR": str(tmp_path)})
    elapsed = time.monotonic() - started
    assert [p.name for p in tmp_path.iterdir()] == [], "user code ran"
    assert elapsed < 20, f"--verify took {elapsed:.1f} s: did something hang?"
    assert proc.returncode == 1, proc.stderr.decode()
    findings = json.loads(proc.stdout)
    assert {(f["filename"], f["location"]["row"], f["code"]) for f in findings} == {
        ("hostile_training_script.py", row, code) for row, code in expected_findings(HARM / "hostile_training_script.py")
    }
    assert {f["code"] for f in findings} == {"LR001", "LR004"}
    for f in findings:
        assert f["verification"]["status"] == "confirmed", f["verification"]["evidence"]


# --- CUDA -------------------------------------------------------------------------------------


@pytest.mark.cuda
def test_verify_on_cuda() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's numpy-missing warning on import
        import torch  # only here: the rest of this file leaves torch to the worker

    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    proc = run_cli("--verify", "--device", "cuda", "--output-format", "json", "fixtures/bad/lr004_gamma_not_decaying.py")
    assert proc.returncode == 1, proc.stderr.decode()
    for finding in json.loads(proc.stdout):
        v = finding["verification"]
        assert v["status"] == "confirmed", v["evidence"]
        assert v["device"].startswith("cuda") and v["torch_version"] == installed_torch()
