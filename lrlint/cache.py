"""The result cache: per-file summaries, reused while a file's size and mtime are unchanged.

Like ruff's, it lives in `.lrlint_cache/` (or `--cache-dir`) and is keyed by everything that can
change a per-file result: lrlint's version and code, the rule catalogue's contents, the Python
that parses, and the settings the file stage reads (the target torch release). Selection,
ignores and suppressions apply after the cache, so they need no key. One file per key holds the
entries of every linted file; it is written atomically (a temporary file, then a rename), merged
with what other runs wrote in between, and an unreadable or corrupt cache is ignored and rewritten.
Linking and the project rules run on every run from the cached summaries: changing one file
re-links the project without re-parsing the others.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lrlint import __version__

CACHE_DIR_NAME = ".lrlint_cache"
_FORMAT = 2


@dataclass(frozen=True)
class Stamp:
    """What must be unchanged for a cached summary to be reused."""

    mtime_ns: int
    size: int

    @classmethod
    def of(cls, stat: os.stat_result) -> Stamp:
        return cls(stat.st_mtime_ns, stat.st_size)


def fingerprint(torch_version: str | None) -> str:
    """The cache key of a run's per-file stage."""
    from lrlint.catalogue import data_dir

    digest = hashlib.sha256()
    digest.update(f"{_FORMAT};{__version__};{sys.version_info[:2]};torch={torch_version}".encode())
    for path in sorted(data_dir().glob("*.toml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    # A development checkout changes code without changing the version: key on the sources too.
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        stat = path.stat()
        digest.update(f"{path.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:24]


class Cache:
    def __init__(self, directory: Path, key: str) -> None:
        self.directory = directory
        self.file = directory / f"summaries-{key}.pickle"
        # Each summary stays pickled until asked for: linting one file (pre-commit) reads the
        # index of the whole tree, but unpickles one entry.
        self._entries: dict[str, tuple[Stamp, bytes]] = self._read()
        self._new: dict[str, tuple[Stamp, bytes]] = {}

    def _read(self) -> dict[str, tuple[Stamp, bytes]]:
        try:
            with self.file.open("rb") as fh:
                data = pickle.load(fh)
        except FileNotFoundError:
            return {}
        except Exception:  # noqa: BLE001 - a corrupt or foreign cache is ignored and rewritten
            return {}
        if not isinstance(data, dict) or data.get("format") != _FORMAT or not isinstance(data.get("entries"), dict):
            return {}
        entries: dict[str, tuple[Stamp, bytes]] = data["entries"]
        return entries

    def get(self, path: Path, stamp: Stamp) -> Any | None:
        entry = self._entries.get(str(path))
        if entry is None or entry[0] != stamp:
            return None
        try:
            return pickle.loads(entry[1])
        except Exception:  # noqa: BLE001 - a corrupt entry is a miss, rewritten after analysis
            return None

    def put(self, path: Path, stamp: Stamp, summary: Any) -> None:
        self._new[str(path)] = (stamp, pickle.dumps(summary, protocol=pickle.HIGHEST_PROTOCOL))

    def save(self) -> None:
        """Write the cache atomically, keeping entries other runs added meanwhile. Never raises."""
        if not self._new:
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            _mark(self.directory)
            entries = self._read()  # what concurrent runs wrote since we read it
            entries.update(self._new)
            fd, temporary = tempfile.mkstemp(prefix=".tmp-", dir=self.directory)
            try:
                with os.fdopen(fd, "wb") as fh:
                    pickle.dump({"format": _FORMAT, "entries": entries}, fh, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(temporary, self.file)
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError:
            pass  # a read-only tree: lint without caching


def _mark(directory: Path) -> None:
    """Tell git and backup tools to leave the cache alone, as ruff does."""
    ignore = directory / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Automatically created by lrlint.\n*\n")
    tag = directory / "CACHEDIR.TAG"
    if not tag.exists():
        tag.write_text("Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by lrlint.\n")
