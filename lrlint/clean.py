"""`lrlint clean`: remove lrlint's caches, as `ruff clean` removes ruff's.

Every folder named `.lrlint_cache` in the current directory and below (symlinks are not followed,
a symlink named `.lrlint_cache` is left alone), and the cache named by `--cache-dir` or
`$LRLINT_CACHE_DIR`. A named folder is removed only when it looks like lrlint's cache (its name,
or the CACHEDIR.TAG lrlint writes into it): a mistyped `--cache-dir ~` must not delete a home.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from lrlint.cache import CACHE_DIR_NAME


class CleanError(Exception):
    """A cache lrlint will not remove; the message is one line."""


def caches_to_remove(root: Path, named: Path | None = None) -> list[Path]:
    """The caches to remove, as paths relative to `root` where they lie below it."""
    found: list[Path] = []
    if named is not None:
        if os.path.islink(named):
            raise CleanError(f"not removing {named}: it is a symlink, not lrlint's cache folder")
        if named.is_dir():
            if not _looks_like_cache(named):
                raise CleanError(f"not removing {named}: it does not look like lrlint's cache (no {CACHE_DIR_NAME} name, no CACHEDIR.TAG written by lrlint)")
            found.append(named)
    for folder, dirs, _files in os.walk(root):  # followlinks=False: a symlinked folder is not entered
        if CACHE_DIR_NAME in dirs:
            dirs.remove(CACHE_DIR_NAME)  # never walk into a cache
            cache = Path(folder, CACHE_DIR_NAME)
            if not os.path.islink(cache):
                found.append(cache)
    unique: dict[str, Path] = {}
    for cache in found:
        unique.setdefault(os.path.realpath(cache), _relative(cache, root))
    return list(unique.values())


def remove_cache(cache: Path) -> None:
    shutil.rmtree(cache)


def _looks_like_cache(folder: Path) -> bool:
    if folder.name == CACHE_DIR_NAME:
        return True
    try:
        tag = (folder / "CACHEDIR.TAG").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return "lrlint" in tag


def _relative(path: Path, root: Path) -> Path:
    try:
        return path.relative_to(root) if path.is_absolute() else path
    except ValueError:
        return path
