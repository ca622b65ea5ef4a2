"""The rule SDK: what every rule is, what it receives, and what it returns.

A rule is one module in `lrlint/rules/` named `lrNNN_<name>.py` that defines `RULE`: a code, the
check, its own valid/invalid examples (Fixit-style, `lrlint.rules.examples`) and, when it claims a
runtime effect, its `verification` hook: how `--verify` runs the finding in torch and the judge
of that run (`lrlint.rules.verification`). Name, severity and documentation live in the catalogue
(`rules/LRNNN.toml`). Nothing else lists rules: they are discovered.

Two kinds of rule:
- a file rule (`Rule`, or `ConstructorRule` for rules about one scheduler construction) reads one
  file's facts; its findings are cached with the file;
- a project rule (`ProjectRule`) reads the linked facts of every file, after the link stage; its
  findings may point at related places in other files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, ClassVar, Iterator, Literal

from lrlint.diagnostics import Position
from lrlint.facts.model import FileFacts, SchedulerFact, Span
from lrlint.facts.needs import NOTHING, Needs
from lrlint.scenario import Scenario

if TYPE_CHECKING:
    from lrlint.project.model import Project
    from lrlint.rules.examples import Invalid
    from lrlint.rules.verification import VerifyHook
    from lrlint.suppressions import Suppressions

RELATED = "{related}"  # stands in a message for the place of `Finding.related`


@dataclass(frozen=True)
class Edit:
    """Replace the text between two positions (1-based rows and columns) with `content`."""

    start: Position
    end: Position
    content: str
    cell: int | None = None  # notebooks: the cell the positions are relative to (set by the linter)


@dataclass(frozen=True)
class Fix:
    """A fix as text edits, computed while the file's tree is alive; `--fix` applies them
    (lrlint/fixing). "safe": the program then does what torch documents and nothing else
    changes; "unsafe": what it computes changes (which is the point), so only `--unsafe-fixes`."""

    message: str
    edits: tuple[Edit, ...]
    applicability: Literal["safe", "unsafe"] = "safe"
    # The configuration after the fix, literals only: --verify runs it beside the one as written
    # ("as written: TypeError; after the fix: 0.1, 0.01 from epoch 30"). None: nothing to run.
    scenario: Scenario | None = None


@dataclass(frozen=True)
class Related:
    """Another place a finding involves: shown beside it, and named in its message as `{atN}`
    (N: its index in `Finding.related_locations`)."""

    position: Position
    message: str
    filename: str | None = None  # None: the finding's own file


@dataclass(frozen=True)
class Finding:
    span: Span
    message: str
    scenario: Scenario | None = None
    # A second place the message refers to as RELATED ("line 17", or "cell 3, line 4").
    related: Position | None = None
    fix: Fix | None = None
    related_locations: tuple[Related, ...] = ()
    # This finding's severity when it differs from the catalogue's for the code (LR008: an error
    # where torch rejects the argument, a warning where it only warns); None: the catalogue's.
    severity: Literal["error", "warning"] | None = None


@dataclass(frozen=True)
class RuleContext:
    """What a rule may consult besides the facts."""

    # The torch release the linted code targets, as (major, minor); None means the newest.
    torch_version: tuple[int, int] | None = None
    options: dict[str, object] = field(default_factory=dict)  # per-rule settings, by code

    @classmethod
    def from_version(cls, version: str | None) -> RuleContext:
        if not version:
            return cls()
        parts = version.split(".")
        try:
            return cls((int(parts[0]), int(parts[1]) if len(parts) > 1 else 0))
        except ValueError:
            return cls()

    def key(self) -> str:
        """What about the context can change a file rule's findings (part of the cache key)."""
        return f"torch={self.torch_version};options={sorted(self.options.items())!r}"


class Rule:
    code: ClassVar[str]
    # Fixit-style examples: each VALID snippet must produce no finding of this rule, each INVALID
    # snippet exactly the findings it lists (tests/test_rule_examples.py runs them all).
    VALID: ClassVar[tuple[str, ...]] = ()
    INVALID: ClassVar[tuple[Invalid, ...]] = ()
    # How --verify builds and judges a finding of this rule in torch; None: no runtime claim.
    verification: ClassVar[VerifyHook | None] = None
    # The costly facts the rule reads (facts/needs.py): computed only when some rule needs them.
    needs: ClassVar[Needs] = NOTHING
    # Reserved for --fix (nothing reads it yet): how the rule repairs a finding when that is safe.
    # The plan: a `FixHook` of the rule module that, given a finding and its file's libcst tree
    # (alive while the file is checked), returns the `Fix` edits; the `Finding` carries them, and,
    # where the rule has a runtime claim, the fixed configuration's scenario, which --verify runs
    # with the hook's judge to show the fix behaves (LR001's MultiStepLR decays at the milestones).
    # Each INVALID example then states its `fixed` source.
    fix: ClassVar[object | None] = None

    def check(self, facts: FileFacts, context: RuleContext) -> Iterator[Finding]:
        raise NotImplementedError


class ConstructorRule(Rule):
    """A rule about single scheduler constructions: `check_constructor` sees each one in turn."""

    # The torch scheduler classes the rule is about; None for all of them.
    schedulers: ClassVar[frozenset[str] | None] = None

    def check(self, facts: FileFacts, context: RuleContext) -> Iterator[Finding]:
        for fact in facts.schedulers:
            if fact.factory is not None:
                continue  # built by a library function: its arguments are not the class's
            if self.schedulers is None or fact.cls in self.schedulers:
                yield from self.check_constructor(fact, facts, context)

    def check_constructor(self, fact: SchedulerFact, facts: FileFacts, context: RuleContext) -> Iterator[Finding]:
        raise NotImplementedError


@dataclass(frozen=True)
class ProjectFinding:
    filename: str  # the file the finding is reported in, as the run names it
    finding: Finding


class ProjectRule(Rule):
    """A rule over the linked project: runs once per run, after every file's facts are known."""

    def check(self, facts: FileFacts, context: RuleContext) -> Iterator[Finding]:
        return iter(())  # a project rule has no per-file pass

    def check_project(self, project: Project, context: RuleContext) -> Iterator[ProjectFinding]:
        raise NotImplementedError


class SuppressionRule(Rule):
    """A rule about the suppression comments themselves (LR100): runs once a file's findings of
    every other rule, project rules included, have been matched against its directives."""

    def check(self, facts: FileFacts, context: RuleContext) -> Iterator[Finding]:
        return iter(())  # nothing to say before every rule has run

    def check_suppressions(self, suppressions: Suppressions, enabled: Callable[[str], bool]) -> Iterator[Finding]:
        """`enabled(code)`: whether the run reports `code` in this file (selection and
        per-file-ignores)."""
        raise NotImplementedError


def format_list(values: object) -> str:
    """A literal list as the user wrote it, e.g. `[30, 80]`."""
    if isinstance(values, tuple):
        return "(" + ", ".join(repr(v) for v in values) + ("," if len(values) == 1 else "") + ")"
    if isinstance(values, list):
        return "[" + ", ".join(repr(v) for v in values) + "]"
    return repr(values)
