"""A whole lint run: discover files, lint each one, gather the results in a stable order.

Each file is linted independently (lint_bytes is pure), so this is where parallel workers and a
content-hash cache plug in later without touching the rules.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable

from lrlint.config import Settings
from lrlint.diagnostics import IO_ERROR, Diagnostic, file_error
from lrlint.discovery import Target, discover
from lrlint.linter import FileResult, lint_bytes
from lrlint.scenario import Scenario

STDIN = "-"


@dataclass
class RunResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files_checked: int = 0
    crashed: bool = False  # lrlint itself failed on some file (exit code 2)
    schedules: list[tuple[str, Scenario]] = field(default_factory=list)


def lint_paths(
    paths: list[str],
    settings: Settings,
    *,
    stdin: BinaryIO | None = None,
    stdin_filename: str | None = None,
    force_exclude: bool = False,
    with_schedules: bool = False,
    warn: Callable[[str], None] = lambda line: print(line, file=sys.stderr),
) -> RunResult:
    run = RunResult()

    def lint_one(display: str, path: Path, read: Callable[[], bytes]) -> None:
        try:
            data = read()
        except OSError as exc:
            run.diagnostics.append(file_error(display, IO_ERROR, exc.strerror or str(exc)))
            return
        run.files_checked += 1
        try:
            result = lint_bytes(
                display,
                data,
                enabled=lambda code: settings.is_enabled(code, path),
                notebook=path.suffix == ".ipynb",
                with_schedules=with_schedules,
            )
        except Exception as exc:  # noqa: BLE001 - a bug in lrlint must not stop the other files
            if os.environ.get("LRLINT_DEBUG"):
                raise
            run.crashed = True
            warn(f"lrlint: internal error while checking {display}: {type(exc).__name__}: {exc}")
            return
        _collect(run, result, warn)

    if STDIN in paths:
        name = stdin_filename or STDIN
        source = stdin if stdin is not None else sys.stdin.buffer
        if not (force_exclude and stdin_filename and settings.is_excluded(Path(stdin_filename))):
            lint_one(name, Path(name), source.read)
    for found in discover([p for p in paths if p != STDIN], settings.is_excluded, force_exclude=force_exclude):
        if isinstance(found, Target):
            lint_one(found.display, found.path, found.path.read_bytes)
        else:
            run.diagnostics.append(found)
    run.diagnostics.sort(key=Diagnostic.sort_key)
    return run


def _collect(run: RunResult, result: FileResult, warn: Callable[[str], None]) -> None:
    run.diagnostics.extend(result.diagnostics)
    run.schedules.extend(result.schedules)
    for note in result.notes:
        warn(f"lrlint: warning: {note}")
