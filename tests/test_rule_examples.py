"""Each rule carries its own VALID and INVALID examples (Fixit-style); run them all."""

from __future__ import annotations

import re

import pytest

from lrlint.catalogue import rules as catalogue
from lrlint.rules import all_rules
from tests.helpers import lint

CASES = [(rule.code, snippet, False) for rule in all_rules() for snippet in rule.VALID] + [
    (rule.code, snippet, True) for rule in all_rules() for snippet in rule.INVALID
]


@pytest.mark.parametrize("code,snippet,invalid", CASES)
def test_rule_example(code: str, snippet: str, invalid: bool) -> None:
    found = [d for d in lint(snippet) if d.code == code]
    assert bool(found) == invalid, [d.message for d in found]


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
        for snippet in rule.INVALID:
            for d in lint(snippet):
                assert d.message and not d.message.endswith(".")
                assert d.name == catalogue()[d.code].name
