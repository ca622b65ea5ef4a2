"""The default output: `path:row:col: CODE message` per finding, then a summary line.

Colour comes from rich, imported only when colour is on (a TTY, or --color always).
"""

from __future__ import annotations

from lrlint.diagnostics import Diagnostic
from lrlint.fixing.proof import proof_line
from lrlint.report import Report


def location(d: Diagnostic) -> str:
    cell = f"cell {d.cell}:" if d.cell is not None else ""
    return f"{d.filename}:{cell}{d.location.row}:{d.location.column}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(report: Report) -> str:
    errors = sum(1 for d in report.diagnostics if d.severity == "error")
    warnings = len(report.diagnostics) - errors
    if not report.diagnostics:
        line = f"All checks passed! ({_plural(report.files_checked, 'file')} checked)"
    else:
        parts = [_plural(n, w) for n, w in ((errors, "error"), (warnings, "warning")) if n]
        line = f"Found {' and '.join(parts)} in {_plural(report.files_with_diagnostics, 'file')}."
    # With fixes: what was fixed, and what `--fix` / `--unsafe-fixes` would fix (ruff's lines).
    return report.fixes.summary(line, report) if report.fixes is not None else line


def verification_line(d: Diagnostic) -> str | None:
    v = d.verification
    if v is None:
        return None
    where = f" on {v.device}" if v.device else ""
    version = f" (torch {v.torch_version}{where})" if v.torch_version else ""
    return f"    verify: {v.status}{version}: {v.evidence}"


def order_line(d: Diagnostic) -> str | None:
    """For order findings: the rate per epoch as the code runs it, beside the intended one."""
    v = d.verification
    if v is None or v.intended is None or v.trajectory is None:
        return None
    return f"    lr as run: {v.trajectory.brief()}; as intended: {v.intended.brief()}"


def render(report: Report, quiet: bool = False) -> str:
    lines: list[str] = []
    for d in report.diagnostics:
        lines.append(f"{location(d)}: {d.code} {report.fix_marker(d)}{d.message}")
        extra = verification_line(d)
        if extra:
            lines.append(extra)
        order = order_line(d)
        if order:
            lines.append(order)
        proof = proof_line(d)
        if proof:
            lines.append(proof)
    if not quiet:
        if lines:
            lines.append("")
        lines.append(summary(report))
    return "\n".join(lines) + ("\n" if lines else "")


_STATUS_STYLE = {"confirmed": "bold red", "refuted": "bold green", "inconclusive": "yellow", "skipped": "dim"}


def render_color(report: Report, quiet: bool = False, width: int = 100) -> str:
    """The same lines as render(), with ANSI colour."""
    import io

    from rich.console import Console
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, highlight=False, soft_wrap=True, width=width)
    for d in report.diagnostics:
        style = "bold red" if d.severity == "error" else "bold yellow"
        line = Text()
        line.append(location(d), style="bold")
        line.append(": ")
        line.append(d.code, style=style)
        line.append(" ")
        line.append(report.fix_marker(d), style="cyan")
        line.append(d.message)
        console.print(line)
        if d.verification is not None:
            v = d.verification
            extra = Text("    verify: ")
            extra.append(v.status, style=_STATUS_STYLE.get(v.status, ""))
            text = verification_line(d) or ""
            extra.append(text[len("    verify: ") + len(v.status):])
            console.print(extra)
        for more in (order_line(d), proof_line(d)):
            if more:
                console.print(Text(more))
    if not quiet:
        if report.diagnostics:
            console.print()
        style = "bold green" if not report.diagnostics else "bold"
        console.print(Text(summary(report), style=style))
    return buffer.getvalue()
