"""The multi-module fixture projects: linted as a whole, each file reports exactly the findings its
`# expect:` comments announce, with the chain of calls as related locations."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from lrlint.config import load_settings
from lrlint.linter import lint_bytes
from lrlint.run import RunOptions, lint_paths
from tests.helpers import FIXTURES, expected_findings, run_cli

PROJECTS = sorted(p for p in (FIXTURES / "projects").iterdir() if p.is_dir())


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_project_findings_match_annotations(project: Path) -> None:
    result = lint_paths([str(project)], load_settings(project), options=RunOptions(use_cache=False, jobs=1))
    found = {(Path(d.filename).resolve(), d.location.row, d.code) for d in result.diagnostics}
    expected = {(p.resolve(), row, code) for p in project.rglob("*.py") for row, code in expected_findings(p)}
    assert expected, "a fixture project must announce findings"
    assert found == expected


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_each_file_alone_cannot_see_the_chain(project: Path) -> None:
    """The findings need the link across modules: no file finds them on its own."""
    for path in project.rglob("*.py"):
        alone = lint_bytes(str(path), path.read_bytes())
        assert [d for d in alone.diagnostics if d.code == "LR005"] == [], path


def test_the_chain_is_reported_as_related_locations() -> None:
    project = FIXTURES / "projects" / "detection"
    proc = run_cli("--no-cache", "--output-format", "json", str(project))
    findings = {Path(d["filename"]).name: d for d in json.loads(proc.stdout)}
    train = findings["train.py"]
    assert "runs before `train_one_epoch()` (line 24) reaches `scaler.step(optimizer)` (detection/utils.py:13)" in train["message"]
    chain = [(Path(r["filename"]).name, r["location"]["row"], r["message"]) for r in train["related"]]
    assert chain == [("train.py", 24, "train_one_epoch()"), ("engine.py", 17, "backward_and_step()"), ("utils.py", 13, "scaler.step(optimizer)")]
    trainer = findings["trainer.py"]
    assert "`self.run_step()` (line 17) reaches `self.optimizer.step()` (base.py:16)" in trainer["message"]


def test_sarif_carries_related_locations() -> None:
    project = FIXTURES / "projects" / "detection"
    proc = run_cli("--no-cache", "--output-format", "sarif", str(project))
    results = json.loads(proc.stdout)["runs"][0]["results"]
    related = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].rsplit("/", 1)[-1]: r["relatedLocations"] for r in results}
    assert [(loc["physicalLocation"]["artifactLocation"]["uri"].rsplit("/", 1)[-1], loc["physicalLocation"]["region"]["startLine"]) for loc in related["trainer.py"]] == [
        ("trainer.py", 17),
        ("base.py", 16),
    ]
    assert [loc["id"] for loc in related["train.py"]] == [0, 1, 2]


def test_text_output_names_the_chain() -> None:
    project = FIXTURES / "projects" / "detection"
    proc = run_cli("--no-cache", "--output-format", "full", str(project))
    out = proc.stdout.decode()
    assert "= related: " in out and f"detection{os.sep}base.py:16:9: self.optimizer.step()" in out
