"""Each rule carries its own VALID and INVALID examples (Fixit-style); run them all.

An INVALID example states the message of each finding the rule reports in it. The examples are
judged for the newest torch release lrlint knows, so they read the same whatever torch is installed.
"""

from __future__ import annotations

import re

import pytest

from lrlint.catalogue import rules as catalogue
from lrlint.diagnostics import Diagnostic
from lrlint.linter import lint_bytes
from lrlint.rules import all_rules
from lrlint.rules.examples import Invalid
from tests.helpers import lint, select_all

VALID = [(rule.code, snippet) for rule in all_rules() for snippet in rule.VALID]
INVALID = [(rule.code, example) for rule in all_rules() for example in rule.INVALID]


def findings(code: str, source: str) -> list[Diagnostic]:
    found = lint_bytes("snippet.py", source.encode(), enabled=select_all, torch_version="latest").diagnostics
    return [d for d in found if d.code == code]


@pytest.mark.parametrize("code,snippet", VALID)
def test_valid_example(code: str, snippet: str) -> None:
    found = findings(code, snippet)
    assert not found, [d.message for d in found]


@pytest.mark.parametrize("code,example", INVALID)
def test_invalid_example_reports_what_it_states(code: str, example: Invalid) -> None:
    assert isinstance(example, Invalid) and example.messages, "an INVALID example states its findings' messages"
    assert [d.message for d in findings(code, example.source)] == list(example.messages)
    assert example.fixed is None, "--fix is not wired yet: nothing checks a `fixed` source"


def test_every_rule_has_examples_and_docs() -> None:
    info = catalogue()
    for rule in all_rules():
        assert rule.VALID and rule.INVALID, rule.code
        meta = info[rule.code]
        assert meta.what_it_does.strip() and meta.why_is_this_bad.strip()
        assert "```python" in meta.example and "```python" in meta.use_instead
    assert [r.code for r in all_rules()] == list(info)


def _python_blocks(markdown: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", markdown, re.S)


@pytest.mark.parametrize("code", list(catalogue()))
def test_documented_example_is_caught_and_its_fix_is_not(code: str) -> None:
    info = catalogue()[code]
    [example] = _python_blocks(info.example)
    [instead] = _python_blocks(info.use_instead)
    assert code in [d.code for d in lint(example)], "the docs' example must produce the rule's code"
    assert code not in [d.code for d in lint(instead)], "the docs' fix must not"


def test_messages_say_what_happens_at_run_time() -> None:
    for rule in all_rules():
        for example in rule.INVALID:
            for d in lint(example.source):
                assert d.message and not d.message.endswith(".")
                assert d.name == catalogue()[d.code].name
