"""The result of one lrlint run, as every reporter receives it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lrlint.diagnostics import Diagnostic


@dataclass
class Report:
    diagnostics: list[Diagnostic]  # sorted by file, cell, row, column, code
    files_checked: int
    cwd: Path = field(default_factory=Path.cwd)  # SARIF and GitHub paths are made relative to it

    @property
    def files_with_diagnostics(self) -> int:
        return len({d.filename for d in self.diagnostics})
