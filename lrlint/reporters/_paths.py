"""How reporters name a diagnostic's file: relative to the report's cwd where it lies below it."""

from __future__ import annotations

import os
from pathlib import Path, PurePath


def relative_parts(filename: str, cwd: Path) -> tuple[str, ...] | None:
    """The path's parts relative to `cwd`, or None when it lies outside (or on another drive)."""
    path = PurePath(filename)
    if not path.is_absolute():
        return _normalised(path.parts)
    try:
        rel = Path(os.path.abspath(path)).relative_to(Path(os.path.abspath(cwd)))
    except ValueError:
        return None
    return _normalised(rel.parts)


def _normalised(parts: tuple[str, ...]) -> tuple[str, ...] | None:
    kept = [p for p in parts if p not in ("", ".")]
    if ".." in kept:
        return None  # `../x.py` is outside the cwd; leave it as the user wrote it
    return tuple(kept)


def display_path(filename: str, cwd: Path) -> str:
    """For people: native separators, relative when possible (like ruff's text output)."""
    parts = relative_parts(filename, cwd)
    return os.path.join(*parts) if parts else filename


def posix_path(filename: str, cwd: Path) -> str:
    """For CI systems (GitHub, JUnit): forward slashes, relative when possible."""
    parts = relative_parts(filename, cwd)
    return "/".join(parts) if parts else PurePath(filename).as_posix()
