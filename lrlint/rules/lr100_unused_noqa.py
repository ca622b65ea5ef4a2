"""LR100 unused-noqa: a `# noqa`, `# lrlint: disable=` or file-level `# lrlint: noqa` directive
that suppresses nothing, or names a code of no lrlint rule (`LR0`, `LR999`).

Off by default: on only when selected by its code or name (`--select LR100`, `extend-select =
["LR100"]`) or by `ALL`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Callable

from lrlint.catalogue import rules as catalogue
from lrlint.diagnostics import Position
from lrlint.facts.model import Span
from lrlint.rules.base import Edit, Finding, Fix, SuppressionRule
from lrlint.rules.examples import invalid
from lrlint.suppressions import Suppressions, UnusedSuppression

CODE = "LR100"


class UnusedNoqa(SuppressionRule):
    code = CODE
    VALID = (
        "from torch.optim.lr_scheduler import StepLR\nStepLR(opt, milestones=[30])  # noqa: LR001\n",
        "from torch.optim.lr_scheduler import StepLR\nStepLR(opt, milestones=[30])  # noqa\n",
        # Other tools' codes are theirs to judge.
        "from torch.optim.lr_scheduler import StepLR\nimport os  # noqa: F401\nStepLR(opt, 30)\n",
        # A directive naming LR100 keeps itself.
        "from torch.optim.lr_scheduler import StepLR\nStepLR(opt, 30)  # noqa: LR003, LR100\n",
        "from torch.optim.lr_scheduler import StepLR\n# lrlint: disable=LR001\nStepLR(opt, milestones=[30])\n",
        "from torch.optim.lr_scheduler import StepLR\n# lrlint: disable=steplr-milestones\nStepLR(opt, milestones=[30])\n",
        "# lrlint: noqa: LR001\nfrom torch.optim.lr_scheduler import StepLR\nStepLR(opt, milestones=[30])\n",
    )
    INVALID = (
        invalid(
            "from torch.optim.lr_scheduler import StepLR\nStepLR(opt, 30)  # noqa: LR001\n",
            "unused `# noqa` code: no LR001 finding is suppressed here",
        ),
        invalid(
            "from torch.optim.lr_scheduler import StepLR\nStepLR(opt, 30)  # noqa\n",
            "unused blanket `# noqa`: it suppresses no lrlint finding on this line (other linters may still rely on it)",
        ),
        invalid(
            "from torch.optim.lr_scheduler import StepLR\nStepLR(opt, milestones=[30])  # noqa: LR001, LR003\n",
            "unused `# noqa` code: no LR003 finding is suppressed here",
        ),
        invalid(
            "from torch.optim.lr_scheduler import StepLR\nStepLR(opt, 30)  # lrlint: disable=LR999\n",
            "unused `# lrlint: disable` code: LR999 is not an lrlint rule code",
        ),
        # Codes match whole: a prefix, even the bare `LR`, suppresses nothing.
        invalid(
            "from torch.optim.lr_scheduler import StepLR\nStepLR(opt, milestones=[30])  # noqa: LR0\n",
            "unused `# noqa` code: LR0 is not an lrlint rule code (LR0 is a prefix: a suppression names whole codes, such as LR001)",
        ),
        invalid(
            "from torch.optim.lr_scheduler import StepLR\nStepLR(opt, milestones=[30])  # noqa: LR\n",
            "unused `# noqa` code: LR is not an lrlint rule code (LR is a prefix: a suppression names whole codes, such as LR001)",
        ),
        invalid(
            "# lrlint: noqa: LR004\nfrom torch.optim.lr_scheduler import StepLR\nStepLR(opt, 30)\n",
            "unused `# lrlint: noqa` code: no LR004 finding is suppressed in this file",
        ),
    )

    def check_suppressions(self, suppressions: Suppressions, enabled: Callable[[str], bool]) -> Iterator[Finding]:
        keep_rows = suppressions.rows_listing(CODE)
        if suppressions.file_exempts(CODE):
            return  # `# lrlint: noqa` or `# lrlint: noqa: LR100`: LR100 is off in this file, as in ruff
        known = catalogue()
        for unused in suppressions.unused():
            if unused.row in keep_rows:
                continue  # `# noqa: LR100` on the line: the author wants it left alone
            if not unused.codes:  # a bare noqa
                yield _finding(unused, _blanket_message(unused), (), "unsafe")
                continue
            unknown = [c for c in unused.codes if c.startswith("LR") and c not in known]
            # Codes of rules off here (deselected, per-file-ignored) are not judged; nor are other
            # tools' codes.
            idle = [c for c in unused.codes if c in known and c != CODE and enabled(c)]
            if not unknown and not idle:
                continue
            where = "in this file" if unused.kind == "file" else "here"
            parts = []
            if idle:
                parts.append(f"no {', '.join(idle)} finding {'is' if len(idle) == 1 else 'are'} suppressed {where}")
            if unknown:
                parts.append(f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not an lrlint rule code{_prefix_hint(unknown, known)}")
            yield _finding(unused, f"unused {SHOWN[unused.kind]} code{'s' if len(idle) + len(unknown) > 1 else ''}: {'; '.join(parts)}", (*idle, *unknown), "safe")


SHOWN = {"noqa": "`# noqa`", "disable": "`# lrlint: disable`", "file": "`# lrlint: noqa`"}


def _blanket_message(unused: UnusedSuppression) -> str:
    if unused.kind == "file":
        return "unused file-level `# lrlint: noqa`: it suppresses no lrlint finding in this file"
    if unused.no_colon:
        return "unused blanket `# noqa` (without a colon, the codes after `noqa` are not read): it suppresses no lrlint finding on this line"
    return "unused blanket `# noqa`: it suppresses no lrlint finding on this line (other linters may still rely on it)"


def _prefix_hint(unknown: list[str], known: Mapping[str, object]) -> str:
    """`# noqa: LR0` looks like a prefix: codes in suppressions match whole codes only."""
    prefixes = [c for c in unknown if any(k.startswith(c) for k in known)]
    if not prefixes:
        return ""
    return f" ({', '.join(prefixes)} {'is a prefix' if len(prefixes) == 1 else 'are prefixes'}: a suppression names whole codes, such as {next(k for k in known if k.startswith(prefixes[0]))})"


def _finding(unused: UnusedSuppression, message: str, drop: tuple[str, ...], applicability: str) -> Finding:
    span = Span(Position(unused.row, unused.column), Position(unused.row, unused.end_column or unused.column))
    kept = [c for c in unused.listed if c not in drop]
    if kept:
        text = {
            "noqa": f"# noqa: {', '.join(kept)}",
            "disable": f"# lrlint: disable={','.join(kept)}",
            "file": f"# lrlint: noqa: {', '.join(kept)}",
        }[unused.kind]
        edit = Edit(span.start, span.end, text)
        title = f"Remove {', '.join(drop)} from the directive"
    else:
        edit = _removal(unused, span)
        title = "Remove the directive"
    fix = Fix(title, (edit,), "unsafe" if applicability == "unsafe" else "safe")
    return Finding(span, message, fix=fix)


def _removal(unused: UnusedSuppression, span: Span) -> Edit:
    """The directive removed with the space around it, as ruff does: a line holding only the
    directive goes; after code, the spaces before it go too; before another comment, the spaces
    up to that comment go; text after it stays a comment."""
    rest = unused.rest
    row = unused.row
    if not rest.strip():
        if unused.alone:
            return Edit(Position(row, 1), Position(row + 1, 1), "")
        return Edit(Position(row, span.start.column - unused.lead), Position(row, span.end.column + len(rest)), "")
    gap = len(rest) - len(rest.lstrip())
    if rest.lstrip().startswith("#"):
        return Edit(span.start, Position(row, span.end.column + gap), "")
    return Edit(span.start, span.end, "#")


RULE = UnusedNoqa()
