"""Each rule's documentation says whether its fix is safe, unsafe, or why there is none, and the
fixes the rules compute agree with what the catalogue says."""

from __future__ import annotations

import pytest

from lrlint.catalogue import rules
from lrlint.linter import lint_bytes
from tests.helpers import FIXTURES, run_cli

WORD = {"safe": "Safe", "unsafe": "Unsafe", "none": "None"}


@pytest.mark.parametrize("code", sorted(rules()))
def test_the_fix_safety_section_opens_with_the_catalogues_applicability(code: str) -> None:
    info = rules()[code]
    assert info.fix_docs.strip().startswith(WORD[info.fix]), info.fix_docs
    assert "## Fix safety\n" + info.fix_docs.strip() in info.markdown()


def test_lrlint_rule_prints_the_fix_safety() -> None:
    out = run_cli("rule", "LR004").stdout.decode()
    assert "## Fix safety\nNone: whether the rate was meant to decay" in out


def test_the_fixes_rules_compute_agree_with_the_catalogue() -> None:
    seen: dict[str, set[str]] = {}
    for path in sorted(FIXTURES.rglob("*.py")):
        if "fixed" in path.parts:
            continue
        for d in lint_bytes(str(path), path.read_bytes()).diagnostics:
            if d.fix is not None:
                seen.setdefault(d.code, set()).add(d.fix.applicability)
    assert set(seen) == {code for code, info in rules().items() if info.fix != "none"}
    for code, kinds in seen.items():
        if code == "LR100":  # safe, and unsafe for a blanket noqa (its docs say so)
            assert kinds == {"safe", "unsafe"}
        else:
            assert kinds == {rules()[code].fix}, code
