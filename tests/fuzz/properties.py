"""The properties the fuzz target checks, shared by tests/test_fuzz.py and tests/fuzz/run_long.py.

1. `lint_alone`: `lint_bytes` never raises, on .py and notebooks; every diagnostic is one line at a
   real position; a generated script gets exactly the LR001-LR004 findings the oracle predicts.
2. `lint_folder`: the CLI's JSON over a folder of such files exits 0 or 1 (never 2, the crash
   code), parses as strict JSON (no NaN/Infinity), and each file's findings there are the ones it
   gets linted alone.
3. `verify_agrees`: under `--verify`, each LR001-LR004 finding of a literal construction gets the
   verdict its `# expect:` annotation names, or none (`inconclusive`/`skipped`: torch did not
   decide); never the opposite one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from lrlint.diagnostics import Diagnostic
from lrlint.linter import lint_bytes
from tests.fuzz.strategies import Sample
from tests.helpers import ROOT, expected_verdicts_of

CONSTRUCTOR_CODES = frozenset({"LR001", "LR002", "LR003", "LR004"})
UNDECIDED = frozenset({"inconclusive", "skipped"})
# Seconds one file may take alone: the issue asks for bounded time on any input; the slowest
# legitimate input here (a 100,000-element literal list) takes about 1 s.
MAX_SECONDS_PER_FILE = 20.0


class PropertyFailure(AssertionError):
    pass


def _reject_constant(name: str) -> Any:
    raise PropertyFailure(f"the JSON output holds {name}, which is not JSON")


def strict_json(text: str) -> Any:
    return json.loads(text, parse_constant=_reject_constant)


def _shape(d: Diagnostic) -> tuple[str, int, int, int | None, str]:
    return (d.code, d.location.row, d.location.column, d.cell, d.message)


def lint_alone(sample: Sample) -> list[Diagnostic]:
    started = time.monotonic()
    result = lint_bytes(sample.name, sample.data, notebook=sample.notebook)
    elapsed = time.monotonic() - started
    if elapsed > MAX_SECONDS_PER_FILE:
        raise PropertyFailure(f"linting took {elapsed:.1f} s")
    for d in result.diagnostics:
        if "\n" in d.message or "\r" in d.message:
            raise PropertyFailure(f"{d.code}: message spans lines: {d.message!r}")
        if d.location.row < 1 or d.location.column < 1:
            raise PropertyFailure(f"{d.code}: position {d.location} is not 1-based")
        if d.filename != sample.name:
            raise PropertyFailure(f"{d.code}: names {d.filename!r}, not {sample.name!r}")
    return result.diagnostics


def oracle_agrees(source: str, diagnostics: Sequence[Diagnostic]) -> None:
    """A generated script's LR001-LR004 findings are exactly the annotated ones."""
    expected = {key for key in expected_verdicts_of(source) if key[1] in CONSTRUCTOR_CODES}
    found = {(d.location.row, d.code) for d in diagnostics if d.code in CONSTRUCTOR_CODES}
    if found != expected:
        lines = source.splitlines()
        detail = [f"  {row}: {code} {'missed' if (row, code) in expected else 'unexpected'}: {lines[row - 1].strip()}"
                  for row, code in sorted(found ^ expected)]
        raise PropertyFailure("static findings differ from the oracle:\n" + "\n".join(detail))


def _file_name(index: int, sample: Sample) -> str:
    return f"f{index:03d}{'.ipynb' if sample.notebook else '.py'}"


def _run_cli(folder: Path, *args: str, timeout: float) -> subprocess.CompletedProcess[bytes]:
    """The CLI on `folder`, run from its parent: a generated file must never be importable by the
    process (`python -m` puts its current directory on sys.path). Filenames are `folder`'s name
    joined with the file's (see `_in`)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "LRLINT_NO_CACHE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "lrlint", "--output-format", "json", "--isolated", *args, folder.name],
        cwd=folder.parent, capture_output=True, env=env, timeout=timeout,
    )  # fmt: skip


def _in(folder: Path, reported: str) -> str:
    """A filename the CLI reported, relative to the folder it linted."""
    return os.path.relpath(reported, folder.name)


def _checked_run(proc: subprocess.CompletedProcess[bytes], allowed: Sequence[int]) -> list[dict[str, Any]]:
    err = proc.stderr.decode("utf-8", "replace")
    if proc.returncode not in allowed:
        raise PropertyFailure(f"exit code {proc.returncode} (allowed: {list(allowed)}); stderr: {err[-2000:]}")
    if "Traceback" in err or "internal error" in err:
        raise PropertyFailure(f"stderr: {err[-2000:]}")
    found = strict_json(proc.stdout.decode("utf-8"))
    if not isinstance(found, list):
        raise PropertyFailure(f"the JSON output is a {type(found).__name__}, not an array")
    return found


def lint_folder(samples: Sequence[Sample], timeout: float = 300) -> None:
    with tempfile.TemporaryDirectory(prefix="lrlint-fuzz-") as tmp:
        folder = Path(tmp)
        alone: dict[str, set[tuple[Any, ...]]] = {}
        for index, sample in enumerate(samples):
            name = _file_name(index, sample)
            (folder / name).write_bytes(sample.data)
            renamed = Sample(name, sample.data)
            alone[name] = {_shape(d) for d in lint_bytes(renamed.name, renamed.data, notebook=renamed.notebook).diagnostics}
        found = _checked_run(_run_cli(folder, "--no-cache", timeout=timeout), (0, 1))
    in_folder: dict[str, set[tuple[Any, ...]]] = {name: set() for name in alone}
    for f in found:
        key = (f["code"], f["location"]["row"], f["location"]["column"], f.get("cell"), f["message"])
        in_folder.setdefault(_in(folder, f["filename"]), set()).add(key)
    for name in sorted(in_folder):
        if in_folder[name] != alone.get(name):
            raise PropertyFailure(
                f"{name}: alone {sorted(alone.get(name) or ())} but in a folder {sorted(in_folder[name])}"
            )


@dataclass
class VerifyCounts:
    findings: int = 0  # findings torch is expected to decide
    decided: int = 0  # of those, the ones it did
    by_status: dict[str, int] = field(default_factory=dict)


def verify_agrees(sources: Sequence[str], timeout: float = 300) -> VerifyCounts:
    counts = VerifyCounts()
    with tempfile.TemporaryDirectory(prefix="lrlint-fuzz-verify-") as tmp:
        folder = Path(tmp)
        expected: dict[tuple[str, int, str], str] = {}
        for index, source in enumerate(sources):
            name = f"v{index:03d}.py"
            (folder / name).write_text(source, encoding="utf-8")
            for (row, code), verdict in expected_verdicts_of(source, name).items():
                if code in CONSTRUCTOR_CODES:
                    expected[(name, row, code)] = verdict
        found = _checked_run(_run_cli(folder, "--verify", "--no-cache", timeout=timeout), (0, 1))
    seen = {}
    for f in found:
        if f["code"] in CONSTRUCTOR_CODES:
            seen[(_in(folder, f["filename"]), f["location"]["row"], f["code"])] = f
    if set(seen) != set(expected):
        raise PropertyFailure(f"findings {sorted(set(seen) ^ set(expected))} differ from the oracle")
    wrong = []
    for key, f in sorted(seen.items()):
        v = f.get("verification") or {}
        status, claim = v.get("status"), expected[key]
        counts.by_status[str(status)] = counts.by_status.get(str(status), 0) + 1
        if claim in UNDECIDED:  # torch cannot show the effect (see strategies.expected_codes)
            ok = status in UNDECIDED
        else:
            counts.findings += 1
            counts.decided += status not in UNDECIDED
            # Undecided is allowed (a milestone past the verifier's horizon); the opposite is not.
            ok = status == claim or status in UNDECIDED
        if not ok:
            wrong.append(f"{key}: expected {claim}, torch says {status}: {f['message']} | {v.get('evidence')}")
    if wrong:
        raise PropertyFailure("--verify disagrees:\n" + "\n".join(wrong))
    return counts
