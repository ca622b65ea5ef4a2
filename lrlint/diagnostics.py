"""What a rule reports: a finding with its place, severity and (optionally) what --verify rebuilds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from lrlint.scenario import Scenario
from lrlint.trajectory import Trajectory

Severity = Literal["error", "warning"]

# Codes that are not rules of the catalogue: lrlint's own reports about an input.
SYNTAX_ERROR = "E999"
IO_ERROR = "E902"
CANNOT_ANALYSE = "E903"  # valid Python lrlint could not analyse (syntax newer than its Python)
# lrlint's own codes about an input: (name, severity).
FILE_CODES: dict[str, tuple[str, Severity]] = {
    SYNTAX_ERROR: ("syntax-error", "error"),
    IO_ERROR: ("io-error", "error"),
    CANNOT_ANALYSE: ("cannot-analyse", "warning"),
}

DOCS_URL = "https://github.com/lrlint/lrlint/blob/main/rules/{code}.toml"


@dataclass(frozen=True, order=True)
class Position:
    """1-based row and 1-based column, as ruff reports them."""

    row: int
    column: int

    def __reduce__(self) -> tuple[type[Position], tuple[int, int]]:
        return (Position, (self.row, self.column))  # compact in the cache and between processes


@dataclass
class Verification:
    """The verdict of running a finding's scenario in real torch."""

    status: Literal["confirmed", "refuted", "inconclusive", "skipped"]
    evidence: str
    device: str | None = None
    torch_version: str | None = None
    trajectory: Trajectory | None = None  # None when nothing was stepped
    # For order findings (LR005): the schedule as intended, beside `trajectory`, the rate each
    # epoch trains with as the code runs it.
    intended: Trajectory | None = None
    # What ran in torch: the scheduler and its literal arguments (a composite's members), the
    # optimizer and lr, steps, order, and every stand-in (lrlint.verify.jobs.configuration).
    configuration: dict[str, Any] | None = None
    # For a finding with a fix: its configuration after the fix, run in torch too (lrlint/fixing/proof.py).
    after_fix: AfterFix | None = None

    def to_json(self) -> dict[str, Any]:
        data = {
            "status": self.status,
            "device": self.device,
            "torch_version": self.torch_version,
            "evidence": self.evidence,
            "trajectory": self.trajectory.to_json() if self.trajectory is not None else None,
            "configuration": self.configuration,
        }
        if self.intended is not None:
            data["intended_trajectory"] = self.intended.to_json()
        if self.after_fix is not None:
            data["after_fix"] = self.after_fix.to_json()
        return data


@dataclass
class AfterFix:
    """A fix's configuration run in torch: its trajectory, or what torch raised (a fix whose
    configuration still fails is a bug), or why it was not run (`ran` False: not all literals)."""

    ran: bool
    trajectory: Trajectory | None = None
    error: str | None = None
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "ran": self.ran,
            "error": self.error,
            "trajectory": self.trajectory.to_json() if self.trajectory is not None else None,
        }


@dataclass
class RelatedLocation:
    """Another place a diagnostic involves (the optimizer step a scheduler step runs before)."""

    filename: str
    location: Position
    message: str
    cell: int | None = None  # notebook cell the location is relative to

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"filename": self.filename, "location": {"row": self.location.row, "column": self.location.column}, "message": self.message}
        if self.cell is not None:
            found["cell"] = self.cell
        return found


@dataclass
class Diagnostic:
    code: str
    name: str
    message: str
    severity: Severity
    filename: str
    location: Position
    end_location: Position
    # Notebook cell (1-based) the location is relative to; None for plain files.
    cell: int | None = None
    # The literal configuration --verify rebuilds in torch; None when nothing could be read.
    scenario: Scenario | None = None
    verification: Verification | None = None
    related: tuple[RelatedLocation, ...] = ()
    fix: Any = None  # lrlint.rules.base.Fix, when the rule computed one (lrlint/fixing applies it)

    @property
    def url(self) -> str | None:
        if self.code in FILE_CODES:
            return None
        return DOCS_URL.format(code=self.code)

    def sort_key(self) -> tuple[str, int, int, int, str]:
        return (self.filename, self.cell or 0, self.location.row, self.location.column, self.code)

    def to_json(self) -> dict[str, Any]:
        """ruff's JSON diagnostic shape, plus lrlint's `severity`, `name` and, under --verify, `verification`."""
        data: dict[str, Any] = {
            "code": self.code,
            "name": self.name,
            "message": self.message,
            "severity": self.severity,
            "filename": self.filename,
            "location": {"row": self.location.row, "column": self.location.column},
            "end_location": {"row": self.end_location.row, "column": self.end_location.column},
            "fix": _fix_json(self.fix),
            "url": self.url,
            "noqa_row": self.location.row,
            "cell": self.cell,
            # lrlint's: the other places the finding involves (a call chain, the optimizer step).
            "related": [r.to_json() for r in self.related],
        }
        if self.verification is not None:
            data["verification"] = self.verification.to_json()
        return data


def _fix_json(fix: Any) -> dict[str, Any] | None:
    """ruff's JSON shape of a fix: applicability, message, edits with 1-based positions."""
    if fix is None:
        return None
    return {
        "applicability": fix.applicability,
        "message": fix.message,
        "edits": [
            {
                "content": edit.content,
                "location": {"row": edit.start.row, "column": edit.start.column},
                "end_location": {"row": edit.end.row, "column": edit.end.column},
                # Notebooks: rows are the cell's, as the finding's are (lrlint's key, as `cell` is).
                **({"cell": edit.cell} if getattr(edit, "cell", None) is not None else {}),
            }
            for edit in fix.edits
        ],
    }


def file_error(filename: str, code: str, message: str, row: int = 1, column: int = 1) -> Diagnostic:
    """An input lrlint could not analyse (unreadable, undecodable, unparsable)."""
    name, severity = FILE_CODES[code]
    pos = Position(row, column)
    return Diagnostic(code, name, message, severity, filename, pos, pos)
