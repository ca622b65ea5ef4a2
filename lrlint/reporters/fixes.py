"""What the reporters say about fixes, in ruff's words: the `[*]` on a finding `--fix` would fix,
the summary's fixed and remaining counts, and the hint about fixes `--unsafe-fixes` would add.

Imports nothing heavy: reporters import it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, Protocol

from lrlint.fixing.edits import Unsafe, applicable

if TYPE_CHECKING:
    from lrlint.diagnostics import Diagnostic


class Report(Protocol):
    """What is read of a report (lrlint.report.Report, which holds a FixStatus: no import back)."""

    @property
    def diagnostics(self) -> Sequence[Diagnostic]: ...

Mode = Literal["check", "apply", "diff"]  # ruff's fix modes: generate, apply, diff


@dataclass
class FixStatus:
    mode: Mode = "check"
    unsafe: Unsafe = "hint"
    # By file (display name): (code, name, severity) -> how many findings were fixed.
    fixed: dict[str, Counter[tuple[str, str, str]]] = field(default_factory=dict)
    show_fixes: bool = False  # --show-fixes: the summary starts with what was fixed where

    def applies(self, fix: object) -> bool:
        return applicable(fix, self.unsafe)

    @property
    def fixed_count(self) -> int:
        return sum(sum(c.values()) for c in self.fixed.values())

    # --- per finding ----------------------------------------------------------------------------

    def marker(self, d: Diagnostic, report: Report) -> str:
        """`[*] ` before the message of a finding this run's `--fix` would fix, as ruff marks them
        (only when fixes are not being applied: after `--fix`, what is left did not apply)."""
        if self.mode == "apply" or not self.applies(d.fix) or not self._any_applicable(report):
            return ""
        return "[*] "

    def _any_applicable(self, report: Report) -> bool:
        return any(self.applies(d.fix) for d in report.diagnostics)

    # --- the summary ----------------------------------------------------------------------------

    def summary(self, line: str, report: Report) -> str:
        """The reporter's summary `line`, with the fixed count when something was fixed, then the
        fixable hint when there is one."""
        if self.fixed_count:
            line = self.found_line(report)
        hint = self.fixable_line(report)
        listing = self.fixed_listing() if self.show_fixes else ""
        return listing + (f"\n{line}" if listing else line) + (f"\n{hint}" if hint else "")

    def found_line(self, report: Report) -> str:
        """`Found 3 errors and 1 warning in 2 files (2 fixed, 2 remaining).`"""
        errors = sum(1 for d in report.diagnostics if d.severity == "error")
        warnings = len(report.diagnostics) - errors
        for counts in self.fixed.values():
            for (_code, _name, severity), n in counts.items():
                errors += n if severity == "error" else 0
                warnings += n if severity != "error" else 0
        files = {d.filename for d in report.diagnostics} | {name for name, c in self.fixed.items() if c}
        counted = _counted(errors, warnings)
        return f"Found {counted} in {_plural(len(files), 'file')} ({self.fixed_count} fixed, {len(report.diagnostics)} remaining)."

    def fixable_line(self, report: Report) -> str | None:
        """ruff's line about fixes (as ruff 0.17 words it): how many `--fix` would fix, and how
        many only with `--unsafe-fixes` (unless those were turned off: `--no-unsafe-fixes`)."""
        fixable = sum(1 for d in report.diagnostics if self.applies(d.fix))
        hidden = sum(1 for d in report.diagnostics if d.fix is not None and not self.applies(d.fix) and d.fix.applicability == "unsafe")
        if self.unsafe != "hint":
            return f"[*] {fixable} fixable with `--fix`." if fixable else None
        hint = f"{hidden} unsafe {_fixes(hidden)} available with `--fix --unsafe-fixes`"
        if fixable and hidden:
            return f"[*] {fixable} fixable with `--fix` ({hint})."
        if fixable:
            return f"[*] {fixable} fixable with `--fix`."
        if hidden:
            return f"{hint}."
        return None

    def fixes_only_line(self, report: Report) -> str | None:
        """The summary when findings are not shown (`--fix-only`, `--diff`), as ruff words it."""
        hidden = 0
        if self.unsafe == "hint":
            hidden = sum(1 for d in report.diagnostics if d.fix is not None and not self.applies(d.fix) and d.fix.applicability == "unsafe")
        errors = sum(n for c in self.fixed.values() for (_, _, severity), n in c.items() if severity == "error")
        warnings = self.fixed_count - errors
        done = "Fixed" if self.mode == "apply" else "Would fix"
        extra = f" ({hidden} additional {_fixes(hidden)} available with `--unsafe-fixes`)" if hidden else ""
        if self.fixed_count:
            return f"{done} {_counted(errors, warnings)}{extra}."
        if hidden:
            nothing = "No findings fixed" if self.mode == "apply" else "No findings would be fixed"
            return f"{nothing} ({hidden} {_fixes(hidden)} available with `--unsafe-fixes`)."
        return None

    def fixed_listing(self, shown: dict[str, str] | None = None) -> str:
        """--show-fixes: what was fixed, per file and rule (`shown` maps file names for display)."""
        if not self.fixed_count:
            return ""
        errors = sum(n for c in self.fixed.values() for (_, _, severity), n in c.items() if severity == "error")
        lines = [f"{'Fixed' if self.mode == 'apply' else 'Would fix'} {_counted(errors, self.fixed_count - errors)}:"]
        for name in sorted(self.fixed):
            counts = self.fixed[name]
            if not counts:
                continue
            lines.append(f"- {(shown or {}).get(name, name)}:")
            width = len(str(max(counts.values())))
            for (code, rule, _), n in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
                lines.append(f"    {n:>{width}} × {code} ({rule})")
        return "\n".join(lines) + "\n"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _fixes(count: int) -> str:
    return "fix" if count == 1 else "fixes"


def _counted(errors: int, warnings: int) -> str:
    parts = [_plural(n, w) for n, w in ((errors, "error"), (warnings, "warning")) if n]
    return " and ".join(parts) or "0 findings"
