"""The result of one lrlint run, as every reporter receives it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lrlint.diagnostics import Diagnostic

if TYPE_CHECKING:
    from lrlint.reporters.fixes import FixStatus
    from lrlint.sourcelines import SourceLines


@dataclass
class Report:
    diagnostics: list[Diagnostic]  # sorted by file, cell, row, column, code
    files_checked: int
    cwd: Path = field(default_factory=Path.cwd)  # SARIF and GitHub paths are made relative to it
    # The reported files' text, for reporters that quote lines (full) or map notebook cells to
    # file rows (SARIF, GitHub); built on first use from the files on disk when not given.
    sources: SourceLines | None = None
    # What --fix did and would do: the `[*]` markers and fix counts of the summary (None: no fixes).
    fixes: FixStatus | None = None

    def fix_marker(self, d: Diagnostic) -> str:
        """`[*] ` before the message of a finding `--fix` would fix (as ruff), else ''."""
        return self.fixes.marker(d, self) if self.fixes is not None else ""

    @property
    def files_with_diagnostics(self) -> int:
        return len({d.filename for d in self.diagnostics})

    def source_lines(self) -> SourceLines:
        if self.sources is None:
            from lrlint.sourcelines import SourceLines

            self.sources = SourceLines(self.cwd)
        return self.sources
