"""Which files to lint: explicit files as given, directories walked in sorted order.

Directory symlinks are followed once; a link back into a directory already being walked is a
loop, reported and skipped. Nothing here reads file contents. The walk works on strings and
`os.scandir` entries (their type comes with the listing, without a `stat`): on a warm run the walk
is a large part of the time, and a `pathlib.Path` per entry costs more than the rest of it.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterator, Union

from lrlint.diagnostics import IO_ERROR, Diagnostic, file_error

SOURCE_SUFFIXES = (".py", ".pyi", ".ipynb")

# Files and folders are told apart by (device, inode): one file reached twice through links is
# linted once, and a folder that is its own ancestor is a loop.
FileId = tuple[int, int]
_BROKEN = (errno.ENOENT, errno.ENOTDIR, errno.ELOOP)  # a link to nothing, or to itself


@dataclass(frozen=True)
class Target:
    file: str  # the path as given (a file named on the command line), or absolute (one walked)
    display: str  # the name shown in diagnostics
    explicit: bool = False  # named on the command line (not found by walking a folder)

    @cached_property
    def path(self) -> Path:
        return Path(self.file)


@dataclass(frozen=True)
class Skipped:
    """A folder named on the command line that is not walked: an exclude or `.gitignore` covers it."""

    display: str
    reason: str


Found = Union[Target, Diagnostic, Skipped]


def display_name(path: Path) -> str:
    """Relative to the working directory when inside it, as ruff shows paths."""
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def discover(
    paths: list[str],
    is_excluded: Callable[[str], bool],
    suffixes: tuple[str, ...] = SOURCE_SUFFIXES,
    force_exclude: bool = False,
    explain: Callable[[str], str] | None = None,
    entry_excluded: Callable[[str, bool], bool] | None = None,
    on_folder: Callable[[str, os.stat_result], None] | None = None,
) -> Iterator[Found]:
    """Targets, E902 diagnostics for paths that cannot be walked, and named folders skipped, in
    a stable order.

    A file named on the command line is linted even when excluded (as ruff does), unless
    `force_exclude` (what a pre-commit hook wants: it names files one by one). A folder named on
    the command line that an exclude or `.gitignore` covers is not walked, as ruff does not, but
    reported as Skipped with `explain(folder)`: the reason. `entry_excluded(path, is_dir)`, when
    given, decides for the entries of a walked folder (whose own folders are known not excluded).
    `on_folder(folder, stat)` is told of every folder walked, before its entries.
    """
    if entry_excluded is None:
        entry_excluded = lambda path, is_dir: is_excluded(path)  # noqa: E731
    seen: set[FileId] = set()
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
        file = str(path)
        if force_exclude and is_excluded(file):
            continue
        if is_dir:
            if is_excluded(file):
                yield Skipped(shown, explain(file) if explain is not None else "it is excluded")
                continue
            # Walked from its absolute path: every target's absolute path comes for free.
            yield from _walk(os.path.abspath(file), shown, entry_excluded, suffixes, seen, frozenset(), on_folder)
            continue
        try:
            info = os.stat(file)
        except OSError as exc:
            yield file_error(shown, IO_ERROR, _os_message(exc))
            continue
        if _first_visit((info.st_dev, info.st_ino), seen):
            yield Target(file, shown, explicit=True)


def _first_visit(key: FileId, seen: set[FileId]) -> bool:
    if key in seen:
        return False
    seen.add(key)
    return True


def _walk(
    directory: str,
    shown: str,
    is_excluded: Callable[[str, bool], bool],
    suffixes: tuple[str, ...],
    seen: set[FileId],
    ancestors: frozenset[FileId],
    on_folder: Callable[[str, os.stat_result], None] | None = None,
) -> Iterator[Found]:
    try:
        info = os.stat(directory)
        entries = _listing(directory)
    except OSError as exc:
        yield file_error(shown, IO_ERROR, _os_message(exc))
        return
    here = (info.st_dev, info.st_ino)
    if here in ancestors:
        real = os.path.realpath(directory)
        yield file_error(shown, IO_ERROR, f"symbolic link loop (points back to {real}), skipped")
        return
    if on_folder is not None:
        on_folder(directory, info)
    ancestors = ancestors | {here}
    prefix = "" if shown == "." else shown + os.sep
    for entry in entries:
        name = entry.name
        try:
            is_dir = entry.is_dir()
            if not is_dir and not name.endswith(suffixes):
                continue
            if is_excluded(entry.path, is_dir):
                continue
            if is_dir:
                yield from _walk(entry.path, prefix + name, is_excluded, suffixes, seen, ancestors, on_folder)
                continue
            if entry.is_symlink():
                try:
                    target = os.stat(entry.path)
                except OSError as exc:
                    if exc.errno not in _BROKEN:
                        raise
                    yield file_error(prefix + name, IO_ERROR, "broken symbolic link")
                    continue
                if not stat.S_ISREG(target.st_mode):
                    continue
                key = (target.st_dev, target.st_ino)
            elif entry.is_file():
                key = (info.st_dev, entry.inode())  # a file is on its folder's device
            else:
                continue
            if _first_visit(key, seen):
                yield Target(entry.path, prefix + name)
        except OSError as exc:
            yield file_error(prefix + name, IO_ERROR, _os_message(exc))


def _listing(directory: str) -> list[os.DirEntry[str]]:
    with os.scandir(directory) as it:
        return sorted(it, key=lambda e: e.name)


def _os_message(exc: OSError) -> str:
    return exc.strerror or str(exc)
