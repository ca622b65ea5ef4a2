"""Every fixture reports exactly the findings its `# expect: CODE` comments announce."""

from __future__ import annotations

from pathlib import Path

import pytest

from lrlint.linter import lint_bytes
from lrlint.rules import all_rules
from tests.helpers import FIXTURES, expected_findings, select_all

PROJECTS = FIXTURES / "projects"  # multi-module projects: linted as a whole (test_link_fixtures.py)
ALL = sorted(p for p in FIXTURES.rglob("*.py") if PROJECTS not in p.parents)


@pytest.mark.parametrize("path", ALL, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_findings_match_annotations(path: Path) -> None:
    result = lint_bytes(str(path), path.read_bytes(), enabled=select_all)  # LR100's fixture too
    found = {(d.location.row, d.code) for d in result.diagnostics}
    assert found == expected_findings(path)


def test_bad_fixtures_cover_every_rule() -> None:
    codes = {code for path in (FIXTURES / "bad").glob("*.py") for _, code in expected_findings(path)}
    assert codes == {rule.code for rule in all_rules()}


@pytest.mark.parametrize("path", sorted((FIXTURES / "bad").glob("*.py")), ids=lambda p: p.name)
def test_every_bad_fixture_has_a_finding(path: Path) -> None:
    assert expected_findings(path), f"{path.name} announces no finding"


@pytest.mark.parametrize("path", sorted((FIXTURES / "good").glob("*.py")), ids=lambda p: p.name)
def test_good_fixtures_are_clean_and_parsed(path: Path) -> None:
    result = lint_bytes(str(path), path.read_bytes(), enabled=select_all)
    assert result.parsed, "a good fixture must exercise the analysis, not be skipped by the prefilter"
    assert result.diagnostics == []
