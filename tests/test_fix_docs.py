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
        for d in lint_bytes(str(path), path.read_bytes(), lambda code: True).diagnostics:  # LR100 too
            if d.fix is not None:
                seen.setdefault(d.code, set()).add(d.fix.applicability)
    assert set(seen) == {code for code, info in rules().items() if info.fix != "none"}
    for code, kinds in seen.items():
        if code == "LR100":  # safe, and unsafe for a blanket noqa (its docs say so)
            assert kinds == {"safe", "unsafe"}
        else:
            assert kinds == {rules()[code].fix}, code


def _shown(command: str) -> list[str]:
    from tests.helpers import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index(f"$ {command}\n") + len(f"$ {command}\n")
    return readme[start : readme.index("```", start)].splitlines()


def test_the_readme_fix_example_is_what_lrlint_prints() -> None:
    from tests.helpers import ROOT

    command = "lrlint fixtures/bad/lr008_removed_verbose_argument.py fixtures/bad/lr009_step_with_epoch.py | cat"
    shown = _shown(command)
    lines = run_cli("--no-cache", *command.split()[1:3], cwd=ROOT).stdout.decode().splitlines()
    assert lines[0] == shown[0] and lines[-4:] == shown[-4:]


def test_the_readme_verify_fix_example_is_what_lrlint_prints() -> None:
    from tests.helpers import ROOT

    shown = _shown("lrlint --verify fixtures/bad/lr008_removed_verbose_argument.py | grep -A2 :11:52")
    out = run_cli("--no-cache", "--verify", "fixtures/bad/lr008_removed_verbose_argument.py", cwd=ROOT).stdout.decode().splitlines()
    at = next(i for i, line in enumerate(out) if ":11:52:" in line)
    assert out[at] == shown[0] and out[at + 2] == shown[2]
    assert out[at + 1].split(" (torch ")[0] == shown[1].split(" (torch ")[0]
