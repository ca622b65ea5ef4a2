"""Everywhere a finding goes, its verdict goes (issue 24): GitHub annotations, JUnit, concise,
GitLab and JSON Lines carry --verify's verdict as text, full, JSON and SARIF do; the verify stage
has its own progress and ends with its counts; the JSON says what ran in torch."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from lrlint.diagnostics import AfterFix, Verification
from lrlint.progress import ProgressBar
from lrlint.reporters import concise, github, gitlab, json_lines, junit
from lrlint.trajectory import Trajectory
from tests.helpers import ROOT, run_cli
from tests.test_reporters import CONCISE_LINE, GITHUB_LINE, diag, report, unescape

EVIDENCE = "lr grows 0.1 -> 13.15 over 100 epochs"
VERIFY_LINE = f"verify: confirmed (torch 2.13.0+cpu on cpu): {EVIDENCE}"


def verified_report() -> Any:
    grows = diag("LR004", 8, 40, (8, 47))
    grows.verification = Verification("confirmed", EVIDENCE, "cpu", "2.13.0+cpu", Trajectory.from_values([0.1, 0.2]))
    order = diag("LR005", 12, 9, (12, 25))
    order.verification = Verification(
        "confirmed", "torch warned", "cpu", "2.13.0+cpu", Trajectory.from_values([0.01, 0.01]), Trajectory.from_values([0.1, 0.01])
    )
    skipped = diag("LR001", 3, 13)
    skipped.verification = Verification("skipped", "not verified: `step_size` is not a literal")
    return report(grows, order, skipped, diag("LR003"))  # the last: not verified at all


def test_github_annotation_goes_on_with_the_verdict() -> None:
    lines = github.render(verified_report()).splitlines()
    assert len(lines) == 4
    match = GITHUB_LINE.match(lines[0])
    assert match is not None
    assert unescape(match["msg"]).split("\n") == [diag("LR004").message, "", VERIFY_LINE]
    order = unescape(GITHUB_LINE.match(lines[1])["msg"]).split("\n")  # type: ignore[index]
    assert order[2:] == ["verify: confirmed (torch 2.13.0+cpu on cpu): torch warned", "lr as run: 0.01; as intended: 0.1, 0.01 from epoch 1"]
    assert unescape(GITHUB_LINE.match(lines[2])["msg"]).endswith("\n\nverify: skipped: not verified: `step_size` is not a literal")  # type: ignore[index]
    assert "verify" not in lines[3]


def test_the_proof_of_a_fix_goes_with_the_verdict() -> None:
    d = diag("LR008", 8, 40, (8, 47))
    d.verification = Verification("confirmed", "MultiStepLR(..., verbose=...) raises TypeError: no", "cpu", "2.13.0+cpu")
    d.verification.after_fix = AfterFix(True, Trajectory.from_values([0.1, 0.1, 0.01]))
    [line] = github.render(report(d)).splitlines()
    message = unescape(GITHUB_LINE.match(line)["msg"]).split("\n")  # type: ignore[index]
    assert message[-1] == "fix: as written: raises TypeError; after the fix: lr 0.1, 0.01 from epoch 2"


def test_junit_failure_text_and_property_carry_the_verdict() -> None:
    root = ET.fromstring(junit.render(verified_report()))
    cases = root.findall("testsuite/testcase")
    assert [c.find("properties/property").get("value") if c.find("properties") is not None else None for c in cases] == [  # type: ignore[union-attr]
        "confirmed", "confirmed", "skipped", None,
    ]  # fmt: skip
    assert cases[0].find("properties/property").get("name") == "verify"  # type: ignore[union-attr]
    text = cases[0].find("failure").text  # type: ignore[union-attr]
    assert text is not None and text.splitlines()[1:] == [VERIFY_LINE]
    assert cases[3].find("failure").text.count("\n") == 0  # type: ignore[union-attr]


def test_concise_line_ends_with_the_status() -> None:
    lines = concise.render(verified_report(), quiet=True).splitlines()
    assert [line.rsplit(" [verify: ", 1)[-1] for line in lines[:3]] == ["confirmed]", "confirmed]", "skipped]"]
    assert "[verify:" not in lines[3]
    assert all(CONCISE_LINE.match(line) for line in lines)


def test_gitlab_description_and_body_carry_the_verdict() -> None:
    issues = json.loads(gitlab.render(verified_report()))
    assert issues[0]["description"].endswith(" [verify: confirmed]")
    assert issues[0]["content"] == {"body": VERIFY_LINE}
    assert issues[1]["content"]["body"].split("\n\n")[1].startswith("lr as run: ")
    assert "content" not in issues[3] and "[verify:" not in issues[3]["description"]
    # The fingerprint is the code's and the path's only: the verdict never moves it.
    plain = json.loads(gitlab.render(report(diag("LR004", 8, 40, (8, 47)))))
    assert plain[0]["fingerprint"] == issues[0]["fingerprint"]


def test_json_lines_carries_the_verification_object() -> None:
    objects = [json.loads(line) for line in json_lines.render(verified_report()).splitlines()]
    assert objects[0]["verification"]["status"] == "confirmed" and objects[0]["verification"]["evidence"] == EVIDENCE
    assert "intended_trajectory" in objects[1]["verification"]
    assert objects[3].get("verification") is None


# --- from the command line, against real torch --------------------------------------------------

BAD = "fixtures/bad/lr004_gamma_not_decaying.py"


@pytest.mark.parametrize("fmt", ["github", "junit", "concise", "gitlab", "json-lines"])
def test_every_format_carries_torch_verdicts(fmt: str) -> None:
    proc = run_cli("--verify", "--no-cache", "--output-format", fmt, BAD)
    out, err = proc.stdout.decode(), proc.stderr.decode()
    assert proc.returncode == 1, err
    assert out.count("confirmed") >= 5, out  # the fixture's five LR004 findings, each confirmed
    summary = "Verified in torch 2.13.0+cpu on cpu: 5 confirmed, 0 refuted, 0 inconclusive, 0 skipped."
    if fmt == "concise":  # a report for people ends with the counts
        assert out.splitlines()[-1] == summary and err == ""
    else:  # beside a machine-readable report they go to stderr
        assert err == f"lrlint: {summary}\n" and summary not in out


def test_quiet_leaves_the_counts_out() -> None:
    proc = run_cli("--verify", "--no-cache", "--quiet", "--output-format", "github", BAD)
    assert proc.stderr == b"" and b"verify: confirmed" in proc.stdout


def test_summary_counts_each_status_and_the_findings_without_a_claim(tmp_path: Path) -> None:
    (tmp_path / "t.py").write_text(
        "import torch\nfrom torch.optim.lr_scheduler import StepLR\n"
        "optimizer = torch.optim.SGD(params, lr=0.1)\n"
        "a = StepLR(optimizer, step_size=30, gamma=10)\n"  # LR004, confirmed
        "b = StepLR(optimizer, step_size=n, gamma=2)\n"  # LR004, skipped: step_size not a literal
        "def f(optimizer):\n    unused = StepLR(optimizer, 30)\n    for e in range(3):\n        optimizer.step()\n"  # LR012: no runtime claim
    )
    proc = run_cli("--verify", "--no-cache", "--output-format", "text", "t.py", cwd=tmp_path)
    assert proc.stdout.decode().splitlines()[-1] == (
        "Verified in torch 2.13.0+cpu on cpu: 1 confirmed, 0 refuted, 0 inconclusive, 1 skipped; 1 finding without a runtime claim."
    )


def test_json_says_what_ran_in_torch() -> None:
    proc = run_cli("--verify", "--no-cache", "--output-format", "json", "fixtures/bad/lr005_train_helper.py")
    first = json.loads(proc.stdout)[0]["verification"]
    assert first["configuration"] == {
        "scheduler": "MultiStepLR", "args": [], "kwargs": {"milestones": [60, 120, 160], "gamma": 0.2}, "members": [],
        "optimizer": "SGD", "lr": 0.1, "steps": 200, "order": "scheduler-first", "step_call": "step()",
        "stand_ins": ["lr is not a literal: 0.1 stood in"], "placeholders": [],
    }  # fmt: skip


def test_schedules_file_says_what_ran_with_a_composite_s_members(tmp_path: Path) -> None:
    (tmp_path / "t.py").write_text(
        "import torch\nfrom torch.optim.lr_scheduler import SequentialLR, LinearLR, StepLR\n"
        "optimizer = torch.optim.Adam(params, lr=1e-3)\n"
        "s = SequentialLR(optimizer, [LinearLR(optimizer, 0.1, total_iters=3), StepLR(optimizer, 5)], milestones=[3])\n"
        "for epoch in range(12):\n    optimizer.step()\n    s.step()\n"
    )
    proc = run_cli("--verify-all", "--no-cache", "--schedules-file", "s.json", "t.py", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr.decode()
    composite = json.loads((tmp_path / "s.json").read_text())[0]
    config = composite["configuration"]
    assert (config["scheduler"], config["optimizer"], config["lr"], config["steps"]) == ("SequentialLR", "Adam", 0.001, 12)
    assert config["kwargs"] == {"milestones": [3]}
    assert config["members"] == [
        {"scheduler": "LinearLR", "args": [], "kwargs": {"start_factor": 0.1, "total_iters": 3}, "members": []},
        {"scheduler": "StepLR", "args": [], "kwargs": {"step_size": 5}, "members": []},
    ]
    assert "members LinearLR, StepLR built as read" in config["stand_ins"]
    # The counts come under the findings' summary line, before the schedules.
    lines = proc.stdout.decode().splitlines()
    assert lines[0].startswith("All checks passed!") and lines[1].endswith("; 3 of 3 schedules run.")
    assert lines[3].startswith("Schedules (3 schedulers run in torch)")


def test_verify_stage_has_its_own_progress(tmp_path: Path) -> None:
    # --show-progress forces the bars in a pipe: after the files' bar, the verify stage's.
    proc = run_cli("--verify", "--no-cache", "--show-progress", "--output-format", "json", BAD, env={"COLUMNS": "120"})
    err = proc.stderr.decode()
    assert "verify" in err and re.search(r"5/5", err), err


def test_progress_bar_counts_answers_against_the_jobs_sent() -> None:
    clock = iter(range(100)).__next__
    stream = io.StringIO()
    stream.isatty = lambda: True  # type: ignore[method-assign]
    bar = ProgressBar(stream, delay=0, clock=lambda: float(clock()), label="verify")
    bar(0, 3)
    for _ in range(3):
        bar(1, 0)
    assert (bar.done, bar.total) == (3, 3)
    bar.close()
    assert "verify" in stream.getvalue() and "3/3" in stream.getvalue()


def test_readme_documents_the_new_fields() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for needle in ("configuration", "--plot", "lrlint[plot]", "[verify: confirmed]", "Verified in torch"):
        assert needle in text, needle
