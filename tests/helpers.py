"""Shared helpers for the test suite."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from lrlint.diagnostics import Diagnostic
from lrlint.linter import lint_bytes

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
_EXPECT = re.compile(r"#\s*expect:\s*([A-Z0-9, ]+)")


def lint(source: str, filename: str = "snippet.py") -> list[Diagnostic]:
    return lint_bytes(filename, source.encode()).diagnostics


def codes(source: str) -> list[tuple[int, str]]:
    """(row, code) of every finding in a snippet."""
    return [(d.location.row, d.code) for d in lint(source)]


def expected_findings(path: Path) -> set[tuple[int, str]]:
    """The `# expect: LR001` annotations of a fixture file, as (row, code)."""
    found = set()
    for row, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _EXPECT.search(line)
        if match:
            for code in re.split(r"[ ,]+", match.group(1).strip()):
                found.add((row, code))
    return found


def run_cli(*args: str, cwd: Path | None = None, stdin: bytes | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `python -m lrlint` as a user would, in a fresh process."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "lrlint", *args],
        cwd=cwd or ROOT,
        input=stdin,
        capture_output=True,
        env=full_env,
        timeout=120,
    )
