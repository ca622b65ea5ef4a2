"""Shared helpers for the test suite."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Mapping, Sequence

from lrlint.diagnostics import Diagnostic
from lrlint.linter import lint_bytes

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
# `# expect: LR003` or `# expect: LR003 [refuted], LR004`: codes, each with an optional verdict.
_EXPECT = re.compile(r"#\s*expect:\s*(.*)$")
_EXPECT_ITEM = re.compile(r"\s*([A-Z]+[0-9]+)(?:\s*\[([a-z]+)\])?\s*(?:,|\s|$)")
VERDICTS = ("confirmed", "refuted", "inconclusive", "skipped")
DEFAULT_VERDICT = "confirmed"


def select_all(code: str) -> bool:
    """Every rule, LR100 too (as `--select ALL`); lint_bytes' default is the CLI's default selection."""
    return True


def lint(source: str, filename: str = "snippet.py") -> list[Diagnostic]:
    return lint_bytes(filename, source.encode(), enabled=select_all).diagnostics


def codes(source: str) -> list[tuple[int, str]]:
    """(row, code) of every finding in a snippet."""
    return [(d.location.row, d.code) for d in lint(source)]


def _parse_expect(text: str, where: str) -> list[tuple[str, str]]:
    """`LR003 [refuted], LR004` -> [("LR003", "refuted"), ("LR004", "confirmed")]."""
    items: list[tuple[str, str]] = []
    rest = text.strip()
    while rest:
        match = _EXPECT_ITEM.match(rest)
        if match is None:
            raise ValueError(f"{where}: malformed expect annotation {text.strip()!r}")
        code, verdict = match.group(1), match.group(2) or DEFAULT_VERDICT
        if verdict not in VERDICTS:
            raise ValueError(f"{where}: unknown verdict [{verdict}]; expected one of {', '.join(VERDICTS)}")
        items.append((code, verdict))
        rest = rest[match.end():].strip()
    if not items:
        raise ValueError(f"{where}: expect annotation without a code")
    return items


def expected_verdicts_of(source: str, name: str = "<source>") -> dict[tuple[int, str], str]:
    """The `# expect: CODE [verdict]` annotations of a source text, as {(row, code): verdict}.

    The verdict is what `--verify` must say about the finding; without brackets, `confirmed`.
    """
    found: dict[tuple[int, str], str] = {}
    for row, line in enumerate(source.splitlines(), start=1):
        match = _EXPECT.search(line)
        if match:
            for code, verdict in _parse_expect(match.group(1), f"{name}:{row}"):
                found[(row, code)] = verdict
    return found


def expected_verdicts(path: Path) -> dict[tuple[int, str], str]:
    """The `# expect: CODE [verdict]` annotations of a fixture file, as {(row, code): verdict}."""
    return expected_verdicts_of(path.read_text(encoding="utf-8"), path.name)


def expected_findings(path: Path) -> set[tuple[int, str]]:
    """The `# expect: LR001` annotations of a fixture file, as (row, code)."""
    return set(expected_verdicts(path))


def run_cli(
    *args: str,
    cwd: Path | None = None,
    stdin: bytes | None = None,
    env: Mapping[str, str | None] | None = None,
    python_flags: Sequence[str] = (),
) -> subprocess.CompletedProcess[bytes]:
    """Run `python -m lrlint` as a user would, in a fresh process.

    `env` entries override the inherited environment; a None value removes the variable.
    """
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    for key, value in (env or {}).items():
        if value is None:
            full_env.pop(key, None)
        else:
            full_env[key] = value
    return subprocess.run(
        [sys.executable, *python_flags, "-m", "lrlint", *args],
        cwd=cwd or ROOT,
        input=stdin,
        capture_output=True,
        env=full_env,
        timeout=120,
    )


def expand_trajectory(data: dict | None) -> list[float]:
    """Every step's lr from the compact JSON trajectory (written independently of lrlint's own)."""
    if data is None:
        return []
    values = [float(data["start"])]
    changes = dict((epoch, float(lr)) for epoch, lr in data["changes"])
    for epoch in range(1, data["epochs"] + 1):
        values.append(changes.get(epoch, values[-1]))
    return values


def write(root: Path, files: dict[str, str]) -> Path:
    """A tree of text files under `root` (folders made as needed); returns `root`."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
