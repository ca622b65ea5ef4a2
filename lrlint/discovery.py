"""Which files to lint: explicit files as given, directories walked in sorted order.

Directory symlinks are followed once; a link back into a directory already being walked is a
loop, reported and skipped. Nothing here reads file contents.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Union

from lrlint.diagnostics import IO_ERROR, Diagnostic, file_error

SOURCE_SUFFIXES = (".py", ".pyi", ".ipynb")


@dataclass(frozen=True)
class Target:
    path: Path
    display: str  # the name shown in diagnostics


Found = Union[Target, Diagnostic]


def display_name(path: Path) -> str:
    """Relative to the working directory when inside it, as ruff shows paths."""
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def discover(
    paths: list[str],
    is_excluded: Callable[[Path], bool],
    suffixes: tuple[str, ...] = SOURCE_SUFFIXES,
    force_exclude: bool = False,
) -> Iterator[Found]:
    """Targets and E902 diagnostics for paths that cannot be walked, in a stable order.

    A path named on the command line is linted even inside an excluded folder (as ruff does),
    unless `force_exclude` (what a pre-commit hook wants: it names files one by one).
    """
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        shown = display_name(path)
        try:
            is_dir = path.is_dir()
            exists = is_dir or path.exists()
        except OSError as exc:  # e.g. a symlink loop on the path itself
            yield file_error(shown, IO_ERROR, _os_message(exc))
            continue
        if not exists:
            reason = "broken symbolic link" if path.is_symlink() else "No such file or directory"
            yield file_error(shown, IO_ERROR, reason)
            continue
        if force_exclude and is_excluded(path):
            continue
        if is_dir:
            yield from _walk(path, is_excluded, suffixes, seen, ancestors=())
        elif _remember(path, seen):
            yield Target(path, shown)


def _remember(path: Path, seen: set[Path], real: Path | None = None) -> bool:
    """Whether a file is new to this run (a file reached twice through links is linted once)."""
    key = real if real is not None else Path(os.path.realpath(path))
    if key in seen:
        return False
    seen.add(key)
    return True


def _walk(
    directory: Path,
    is_excluded: Callable[[Path], bool],
    suffixes: tuple[str, ...],
    seen: set[Path],
    ancestors: tuple[Path, ...],
) -> Iterator[Found]:
    real = Path(os.path.realpath(directory))
    if real in ancestors:
        yield file_error(display_name(directory), IO_ERROR, f"symbolic link loop (points back to {real}), skipped")
        return
    ancestors = ancestors + (real,)
    try:
        with os.scandir(directory) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        yield file_error(display_name(directory), IO_ERROR, _os_message(exc))
        return
    for entry in entries:
        path = Path(entry.path)
        if is_excluded(path):
            continue
        try:
            if entry.is_dir():
                yield from _walk(path, is_excluded, suffixes, seen, ancestors)
                continue
            if not entry.name.endswith(suffixes):
                continue
            if entry.is_symlink() and not path.exists():
                yield file_error(display_name(path), IO_ERROR, "broken symbolic link")
            elif entry.is_file() and _remember(path, seen, None if entry.is_symlink() else real / entry.name):
                yield Target(path, display_name(path))
        except OSError as exc:
            yield file_error(display_name(path), IO_ERROR, _os_message(exc))


def _os_message(exc: OSError) -> str:
    return exc.strerror or str(exc)
