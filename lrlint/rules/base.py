"""What every rule is: a code, a check over a module's facts, and its own valid/invalid examples.

The name, severity and documentation of a rule live in the catalogue (`rules/LRxxx.toml`); the
module in `lrlint/rules/` holds the checking logic and the examples its tests run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Iterator

from lrlint.diagnostics import Position
from lrlint.facts.model import ModuleFacts, Span
from lrlint.scenario import Scenario


RELATED = "{related}"  # stands in a message for the place of `Finding.related`


@dataclass(frozen=True)
class Finding:
    span: Span
    message: str
    scenario: Scenario | None = None
    # A second place the message refers to as RELATED ("line 17", or "cell 3, line 4").
    related: Position | None = None


class Rule:
    code: ClassVar[str]
    # Fixit-style examples: each VALID snippet must produce no finding of this rule, each INVALID
    # snippet at least one (tests/test_rule_examples.py runs them all).
    VALID: ClassVar[tuple[str, ...]] = ()
    INVALID: ClassVar[tuple[str, ...]] = ()

    def check(self, facts: ModuleFacts) -> Iterator[Finding]:
        raise NotImplementedError


def format_list(values: object) -> str:
    """A literal list as the user wrote it, e.g. `[30, 80]`."""
    if isinstance(values, tuple):
        return "(" + ", ".join(repr(v) for v in values) + ("," if len(values) == 1 else "") + ")"
    if isinstance(values, list):
        return "[" + ", ".join(repr(v) for v in values) + "]"
    return repr(values)
