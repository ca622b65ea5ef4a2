"""A rule's own examples (Fixit-style), which tests/test_rule_examples.py runs.

VALID snippets must produce no finding of the rule; each INVALID snippet states the message of
every finding of the rule it produces, in order, so a rule's module shows what its findings read.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Invalid:
    source: str
    messages: tuple[str, ...]  # the rule's findings in the snippet, in source order
    # The snippet once every fix of the rule is applied (--fix); None: the rule fixes nothing here.
    fixed: str | None = None


def invalid(source: str, *messages: str, fixed: str | None = None) -> Invalid:
    """`invalid(snippet, "message of the first finding", ...)`."""
    return Invalid(source, messages, fixed)
