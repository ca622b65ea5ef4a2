"""--verify's verdict on a finding, for the formats that carry it beside the message (GitHub
annotations, JUnit, concise, GitLab): the same lines the text format prints under the finding."""

from __future__ import annotations

from lrlint.diagnostics import Diagnostic
from lrlint.fixing.proof import proof_line
from lrlint.reporters.text import order_line, verification_line


def verdict_lines(d: Diagnostic) -> list[str]:
    """`verify: confirmed (torch 2.13.0+cpu on cpu): ...`, then for order findings the rate as run
    beside the intended one, and for a fix what torch did as written and after the fix; [] when
    the finding was not verified."""
    return [line.strip() for line in (verification_line(d), order_line(d), proof_line(d)) if line]


def status_tag(d: Diagnostic) -> str:
    """` [verify: confirmed]` after a one-line message; '' when the finding was not verified."""
    return f" [verify: {d.verification.status}]" if d.verification is not None else ""
