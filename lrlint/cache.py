"""The result cache: what a file's bytes gave, and what a whole run gave.

Like ruff's, it lives in `.lrlint_cache/` in the project root (or `--cache-dir`,
`LRLINT_CACHE_DIR`) and is keyed by everything that can change a result: lrlint's version and
code, the rule catalogue, the Python that parses, the target torch release (`fingerprint`). Under
that key, two kinds of record:

- a file's summary (the per-file stage's output), keyed by a hash of the file's bytes, whether
  it is a notebook, and how much of it was looked at: analysed, only checked for syntax (a file
  named on the command line outside the analysed set), or only read (such a file found by a
  walk). A rewritten file is a miss however its size and modification time were kept;
- a run's result (every diagnostic it reports), keyed by the key of every file linted, the names
  they are shown under, and the settings: a run over an unchanged tree reads that one record and
  neither loads a summary nor links the project;
- each project's universe (lrlint/universe.py): its files, with their marker, imports and
  module names, checked against `stat` (never trusted on its own: a file whose signature
  changed is read again, a folder that changed is walked again).

`<key>.entries` holds the summaries: a JSON header (entry -> offset and length) and one JSON
blob per entry, so a one-file run (pre-commit) reads the header and the blobs it needs.
`<key>.results` holds the last runs' results, `<key>.projects` the universes. Both are written to a new temporary file and renamed over the old
one, merged with what concurrent runs wrote meanwhile; the summaries of files that no longer
exist, and the files of other lrlint builds, are removed then.

Everything read back is untrusted (the folder is in the linted tree, a pull request can add
it): it is plain JSON, rebuilt into lrlint's own classes with every value checked against its
declared type (`cache_codec`), each entry names its own key, and anything unexpected is a miss.
Inside the linted tree no part of the cache's path may be a symbolic link (such a cache is not
used), and files are opened relative to the opened folder without following links.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Iterable, Mapping

from lrlint import __version__
from lrlint.discovery import display_name

CACHE_DIR_NAME = ".lrlint_cache"
_FORMAT = 4
_ENTRIES = ".entries"
_RESULTS = ".results"
_PROJECTS = ".projects"
_ENTRIES_MAGIC = b"lrlint-cache entries 4\n"
_RESULTS_MAGIC = b"lrlint-cache results 4\n"
_PROJECTS_MAGIC = b"lrlint-cache projects 4\n"
_KEPT_PROJECTS = 16  # project roots kept (a run over several projects keeps each)
_KEPT_RESULTS = 8  # runs over different paths (`lrlint src/`, `lrlint .`) keep their own
_STALE_TEMPORARY_S = 3600.0  # a temporary file this old belongs to no run still writing it
_TRUE = ("1", "true", "t", "yes", "y", "on")  # as ruff reads RUFF_NO_CACHE
_FALSE = ("0", "false", "f", "no", "n", "off", "")


class CacheRefused(Exception):
    """The cache folder cannot be used safely (a symbolic link inside the linted tree)."""


def cache_directory(project_root: Path, explicit: Path | None = None) -> Path:
    """Where the cache lives: `--cache-dir`, else `LRLINT_CACHE_DIR`, else `.lrlint_cache/` in
    the project root (a relative folder is relative to the working directory)."""
    chosen = explicit or os.environ.get("LRLINT_CACHE_DIR") or project_root / CACHE_DIR_NAME
    return Path(os.path.abspath(chosen))


def no_cache_from_environment(value: str | None) -> tuple[bool, str | None]:
    """`LRLINT_NO_CACHE` read as a boolean: (the cache is off, a warning for a value that is none)."""
    if value is None or value.strip().lower() in _FALSE:
        return False, None
    if value.strip().lower() in _TRUE:
        return True, None
    return True, f"LRLINT_NO_CACHE={value!r} is not a boolean (1/0, true/false, yes/no, on/off): the cache is off"


def fingerprint(torch_version: str | None) -> str:
    """The key of everything a cached result depends on besides the files and the settings:
    `<lrlint's build>-<the target torch release>` (files of another build are pruned, those of
    another torch release kept)."""
    from lrlint.catalogue import data_dir

    build = hashlib.sha256(f"{_FORMAT};{__version__};{sys.version_info[:2]}".encode())
    for path in sorted(data_dir().glob("*.toml")):
        build.update(path.name.encode() + b"\0" + path.read_bytes())
    # A development checkout changes code without changing the version: key on the sources too.
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        info = path.stat()
        build.update(f"{path.relative_to(package)}:{info.st_size}:{info.st_mtime_ns}".encode())
    torch = hashlib.sha256(f"torch={torch_version}".encode()).hexdigest()[:8]
    return f"{build.hexdigest()[:20]}-{torch}"


def digest(data: bytes) -> str:
    """The hash of a file's bytes (SHA-256: with SHA extensions, faster than reading the file)."""
    return hashlib.sha256(data).hexdigest()[:32]


def entry_key(content: str, notebook: bool, kind: str = "") -> str:
    """A file's entry: its analysis (kind ""), the check of its syntax alone ("s"), or what a walk
    reads of a file outside the analysed set ("x": only that it can be read and decoded)."""
    return content + ("n" if notebook else "p") + kind


def run_key(fingerprint_: str, settings: str, files: Any) -> str:
    """The key of a whole run: lrlint's, the settings', the working directory (display names
    follow it), and what the run says the files are (JSON-able)."""
    blob = json.dumps([_FORMAT, fingerprint_, settings, os.getcwd(), files], separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class RunRecord:
    """What a run reports beyond its discovery errors: replayed as is when nothing changed."""

    diagnostics: list[Any]  # Diagnostic, after selection and suppression, sorted
    notes: list[str] = field(default_factory=list)  # warnings, in order
    files_checked: int = 0
    followed: list[str] = field(default_factory=list)


class Cache:
    """The cache of one key (`fingerprint`): read lazily, written once at the end of a run."""

    def __init__(self, directory: Path, key: str, tree: Path) -> None:
        """Raises CacheRefused when the folder is not safe to use (nothing is read or written)."""
        self.directory = directory
        self.key = key
        self._tree = tree
        self._folder = _Folder.open(directory, tree, create=False)
        self._pack: _Pack | None = None  # the entries file as it was when first needed
        self._new: dict[str, bytes] = {}  # entry key -> blob ("" for a trivial summary)
        self._seen: dict[str, set[str]] = {}  # file -> entry keys this run used for it
        self._results: list[list[Any]] | None = None
        self._new_result: tuple[str, Any] | None = None
        self._projects: dict[str, Any] | None = None
        self._new_projects: dict[str, Any] = {}

    # -- per file --------------------------------------------------------------------------

    def has(self, key: str) -> bool:
        """Whether an earlier run stored `key` (what this run adds counts from the next one)."""
        return self._entries().has(key)

    def get(self, key: str, file: str, display: str) -> Any | None:
        """The summary stored under `key` (renamed to `display`), or None; never raises."""
        from lrlint.cache_codec import Invalid

        self._seen.setdefault(file, set()).add(key)
        blob = self._entries().blob(key)
        if blob is None:
            return None
        try:
            return _summary_from(blob, key, display)
        except Invalid:
            return None  # analysed again, and the entry replaced

    def put(self, key: str, file: str, summary: Any) -> None:
        from lrlint.cache_codec import Unsupported, codec
        from lrlint.linter import FileSummary

        self._seen.setdefault(file, set()).add(key)
        if _trivial(summary):
            self._new[key] = b""
            return
        try:
            body = codec().dumps(FileSummary, summary)
        except Unsupported:
            return  # analysed again next time
        name = json.dumps(summary.filename, ensure_ascii=False).encode("utf-8", "surrogatepass")
        self._new[key] = b'["' + key.encode() + b'",' + name + b"," + body + b"]"

    # -- per run -------------------------------------------------------------------------------

    def result(self, key: str) -> RunRecord | None:
        from lrlint.cache_codec import codec

        if self._results is None:
            self._results = self._read_results(self._folder)
        for stored_key, data in self._results:
            if stored_key == key:
                try:
                    diagnostics, notes, checked, followed = codec().decode(_record_type(), data)
                except Exception:  # noqa: BLE001 - a bad record is a miss
                    self._results = []
                    return None
                return RunRecord(diagnostics, notes, checked, followed)
        return None

    def put_result(self, key: str, record: RunRecord) -> None:
        from lrlint.cache_codec import Unsupported, codec

        try:
            data = codec().encode(_record_type(), (record.diagnostics, record.notes, record.files_checked, record.followed))
            json.dumps(data)  # what cannot be written is not kept
        except (Unsupported, TypeError, ValueError):
            return
        self._new_result = (key, data)

    # -- per project ---------------------------------------------------------------------------

    def project(self, root: str) -> Any | None:
        """The universe stored for a project root (plain JSON, unchecked), or None."""
        if self._projects is None:
            self._projects = self._read_projects(self._folder)
        return self._projects.get(root)

    def put_project(self, root: str, data: Any) -> None:
        self._new_projects[root] = data

    # -- writing -------------------------------------------------------------------------------

    def save(self, walked: Iterable[str] = ()) -> None:
        """Write what this run added, atomically, keeping what other runs wrote. Files the cache
        knows below a folder this run walked (`walked`, absolute) that the run did not see are
        gone (or excluded now): their summaries are dropped. Never raises: a read-only tree is
        linted without caching."""
        if not self._new and self._new_result is None and not self._new_projects:
            return
        try:
            folder = _Folder.open(self.directory, self._tree, create=True)
            if folder is None:
                return
            folder.create_once(".gitignore", b"# Automatically created by lrlint.\n*\n")
            folder.create_once("CACHEDIR.TAG", _CACHEDIR_TAG)
            self._save_entries(folder, tuple(d.rstrip(os.sep) + os.sep for d in walked))
            if self._new_result is not None:
                self._save_results(folder)
            if self._new_projects:
                self._save_projects(folder)
            self._prune_other_builds(folder)
            folder.close()
        except (OSError, CacheRefused):
            pass
        finally:
            self.close()

    def close(self) -> None:
        if self._pack is not None:
            self._pack.close()
        if self._folder is not None:
            self._folder.close()

    def _entries(self) -> _Pack:
        if self._pack is None:
            self._pack = _Pack.read(self._folder, self.key + _ENTRIES)
        return self._pack

    def _save_entries(self, folder: _Folder, walked: tuple[str, ...]) -> None:
        current = _Pack.read(folder, self.key + _ENTRIES)  # with what other runs wrote meanwhile
        try:
            stored = current.paths()
            paths = {**stored, **{file: sorted(keys) for file, keys in self._seen.items()}}
            if walked:
                for file in [f for f in paths if f not in self._seen and f.startswith(walked)]:
                    del paths[file]  # not found by the walk: its summaries go too
            if not self._new and paths == stored:
                return  # nothing added, nothing to prune
            wanted = sorted({k for keys in paths.values() for k in keys})
            blobs: list[bytes] = []
            entries: dict[str, list[int]] = {}
            trivial: list[str] = []
            offset = 0
            for key in wanted:
                blob = self._new.get(key)
                if blob is None:
                    blob = current.blob(key)
                if blob is None and self._pack is not None:
                    blob = self._pack.blob(key)
                if blob is None:
                    continue  # gone meanwhile: analysed again when next needed
                if not blob:
                    trivial.append(key)
                    continue
                entries[key] = [offset, len(blob)]
                blobs.append(blob)
                offset += len(blob)
            listing = json.dumps(paths, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass")
            header = {"key": self.key, "entries": entries, "trivial": trivial, "paths": [offset, len(listing)]}
            head = json.dumps(header, separators=(",", ":")).encode()
            folder.write_atomically(self.key + _ENTRIES, [_ENTRIES_MAGIC, b"%d\n" % len(head), head, *blobs, listing])
        finally:
            current.close()

    def _read_results(self, folder: _Folder | None) -> list[list[Any]]:
        data = folder.read(self.key + _RESULTS) if folder is not None else None
        if data is None or not data.startswith(_RESULTS_MAGIC):
            return []
        try:
            stored = json.loads(data[len(_RESULTS_MAGIC) :])
        except ValueError:
            return []
        if not isinstance(stored, list) or not all(isinstance(r, list) and len(r) == 2 and isinstance(r[0], str) for r in stored):
            return []
        return stored

    def _save_results(self, folder: _Folder) -> None:
        assert self._new_result is not None
        kept = [self._new_result] + [(k, d) for k, d in self._read_results(folder) if k != self._new_result[0]]
        body = json.dumps([list(r) for r in kept[:_KEPT_RESULTS]], separators=(",", ":"), ensure_ascii=False)
        folder.write_atomically(self.key + _RESULTS, [_RESULTS_MAGIC, body.encode("utf-8", "surrogatepass")])

    def _read_projects(self, folder: _Folder | None) -> dict[str, Any]:
        data = folder.read(self.key + _PROJECTS) if folder is not None else None
        if data is None or not data.startswith(_PROJECTS_MAGIC):
            return {}
        try:
            stored = json.loads(data[len(_PROJECTS_MAGIC) :])
        except (ValueError, RecursionError):
            return {}
        if not isinstance(stored, list) or not all(isinstance(r, list) and len(r) == 2 and isinstance(r[0], str) for r in stored):
            return {}
        return dict(stored)

    def _save_projects(self, folder: _Folder) -> None:
        kept = list(self._new_projects.items()) + [(k, d) for k, d in self._read_projects(folder).items() if k not in self._new_projects]
        body = json.dumps([list(r) for r in kept[:_KEPT_PROJECTS]], separators=(",", ":"), ensure_ascii=False)
        folder.write_atomically(self.key + _PROJECTS, [_PROJECTS_MAGIC, body.encode("utf-8", "surrogatepass")])

    def _prune_other_builds(self, folder: _Folder) -> None:
        """Remove the files of other lrlint builds (and the pickles of older releases), and
        temporary files a killed run left behind."""
        build = self.key.split("-", 1)[0]
        for name in folder.names():
            stem, dot, suffix = name.rpartition(".")
            ours = dot and "." + suffix in (_ENTRIES, _RESULTS, _PROJECTS) and "-" in stem
            if ours and not stem.startswith(build + "-"):
                folder.remove(name)
            elif name.startswith("summaries-") and name.endswith(".pickle"):
                folder.remove(name)  # lrlint before format 3
            elif name.startswith(".tmp-") and folder.age(name) > _STALE_TEMPORARY_S:
                folder.remove(name)


# ---------------------------------------------------------------------------------------------
# Entries


def _record_type() -> Any:
    """A RunRecord's fields, as the codec writes them."""
    from lrlint.diagnostics import Diagnostic

    return tuple[list[Diagnostic], list[str], int, list[str]]


def _trivial(summary: Any) -> bool:
    """A summary with nothing in it but the file's name (a file the prefilter settled)."""
    return not (summary.diagnostics or summary.parsed or summary.notes or summary.facts is not None
                or summary.cell_rows is not None or summary.suppressions is not None)  # fmt: skip


def _summary_from(blob: bytes, key: str, display: str) -> Any:
    """The summary in an entry's blob, checked against its key and renamed for this run."""
    from lrlint.cache_codec import Invalid, codec
    from lrlint.linter import FileSummary

    if not blob:
        return FileSummary(display)
    try:
        stored = json.loads(blob.decode("utf-8", "surrogatepass"))
    except (ValueError, RecursionError) as exc:
        raise Invalid(str(exc)) from None
    if not (isinstance(stored, list) and len(stored) == 3 and stored[0] == key and isinstance(stored[1], str)):
        raise Invalid("the entry is not the one asked for")
    name = stored[1]
    summary = codec().decode(FileSummary, stored[2])
    if name != display:  # the same bytes under another name (another file, or another cwd)
        if summary.notes:
            raise Invalid("notes may name the file")
        summary.filename = display
        for d in summary.diagnostics:
            d.filename = display
            d.related = tuple(_renamed(r, name, display) for r in d.related)
    return summary


def _renamed(related: Any, old: str, new: str) -> Any:
    if related.filename == old:
        related.filename = new
    return related


class _Pack:
    """An entries file: its header read, its blobs read on demand."""

    def __init__(self, fh: IO[bytes] | None, base: int, size: int, header: Mapping[str, Any]) -> None:
        self._fh = fh
        self._base = base
        self._size = size
        entries, trivial, paths = header.get("entries"), header.get("trivial"), header.get("paths")
        ok = isinstance(entries, dict) and isinstance(trivial, list) and _span(paths, size)
        self._entries: dict[str, Any] = entries if ok else {}  # type: ignore[assignment]
        self._trivial = set(t for t in trivial if isinstance(t, str)) if ok else set()  # type: ignore[union-attr]
        self._paths = paths if ok else None

    @classmethod
    def empty(cls) -> _Pack:
        return cls(None, 0, 0, {})

    @classmethod
    def read(cls, folder: _Folder | None, name: str) -> _Pack:
        fh = folder.open_file(name) if folder is not None else None
        if fh is None:
            return cls.empty()
        try:
            size = os.fstat(fh.fileno()).st_size
            if fh.read(len(_ENTRIES_MAGIC)) != _ENTRIES_MAGIC:
                raise ValueError("not an entries file of this format")
            line = fh.readline(24)
            length = int(line)
            base = len(_ENTRIES_MAGIC) + len(line) + length
            if not line.endswith(b"\n") or length <= 0 or base > size:
                raise ValueError("bad header length")
            header = json.loads(fh.read(length))
            if not isinstance(header, dict):
                raise ValueError("bad header")
        except (OSError, ValueError, RecursionError, MemoryError):
            fh.close()
            return cls.empty()
        return cls(fh, base, size - base, header)

    def has(self, key: str) -> bool:
        return key in self._entries or key in self._trivial

    def blob(self, key: str) -> bytes | None:
        """The entry's bytes (b"" for a trivial summary), or None."""
        if key in self._trivial:
            return b""
        where = self._entries.get(key)
        if self._fh is None or not _span(where, self._size):
            return None
        return self._read(where[0], where[1])

    def paths(self) -> dict[str, list[str]]:
        """file -> the entry keys its last run used; {} when unreadable."""
        if self._fh is None or self._paths is None:
            return {}
        data = self._read(self._paths[0], self._paths[1])
        try:
            paths = json.loads(data) if data is not None else None
        except (ValueError, RecursionError):
            return {}
        if not isinstance(paths, dict):
            return {}
        return {f: [k for k in keys if isinstance(k, str)] for f, keys in paths.items() if isinstance(keys, list)}

    def _read(self, offset: int, length: int) -> bytes | None:
        assert self._fh is not None
        try:
            self._fh.seek(self._base + offset)
            data = self._fh.read(length)
        except (OSError, ValueError):
            return None
        return data if len(data) == length else None

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def _span(value: Any, size: int) -> bool:
    """An [offset, length] pair that lies within `size` bytes."""
    return (
        isinstance(value, list) and len(value) == 2 and all(type(v) is int and v >= 0 for v in value)
        and value[0] + value[1] <= size
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# The folder, without following links


_CACHEDIR_TAG = b"Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by lrlint.\n"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
# Where the OS opens files relative to a folder's descriptor, nothing is looked up by path twice.
_AT = {os.open, os.mkdir, os.unlink, os.stat} <= os.supports_dir_fd and os.listdir in os.supports_fd


class _Folder:
    def __init__(self, path: str, fd: int | None) -> None:
        self.path = path
        self.fd = fd  # the folder's descriptor, where the OS supports *at() calls

    @classmethod
    def open(cls, directory: Path, tree: Path, create: bool) -> _Folder | None:
        """The cache folder, or None when it does not exist (and `create` is false). Inside the
        linted tree, every folder from the tree down is opened without following a link (a
        link there is CacheRefused); outside it, the path is the user's and followed."""
        target, top = os.path.abspath(directory), os.path.abspath(tree)
        inside = target == top or target.startswith(top.rstrip(os.sep) + os.sep)
        parts = [p for p in target[len(top) :].split(os.sep) if p] if inside else []
        if not _AT:
            return cls._open_by_path(target, top, parts, inside, create)
        try:
            fd = os.open(top if inside else target, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
        except FileNotFoundError:
            if not create or inside:
                return None
            os.makedirs(target, exist_ok=True)
            fd = os.open(target, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
        for part in parts:
            try:
                if create:
                    try:
                        os.mkdir(part, dir_fd=fd)
                    except FileExistsError:
                        pass
                inner = os.open(part, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=fd)
            except FileNotFoundError:
                os.close(fd)
                return None
            except OSError as exc:
                os.close(fd)
                if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
                    raise CacheRefused(f"{display_name(Path(target))}: a symbolic link (or not a folder) inside the linted tree") from None
                raise
            os.close(fd)
            fd = inner
        return cls(target, fd)

    @classmethod
    def _open_by_path(cls, target: str, top: str, parts: list[str], inside: bool, create: bool) -> _Folder | None:
        here = top
        for part in parts:
            here = os.path.join(here, part)
            if os.path.islink(here):
                raise CacheRefused(f"{display_name(Path(target))}: a symbolic link inside the linted tree")
        if create:
            os.makedirs(target, exist_ok=True)
        return cls(target, None) if os.path.isdir(target) else None

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def __del__(self) -> None:
        self.close()

    def _at(self, name: str) -> tuple[str, dict[str, int]]:
        if self.fd is None:
            return os.path.join(self.path, name), {}
        return name, {"dir_fd": self.fd}

    def open_file(self, name: str) -> IO[bytes] | None:
        """A regular file of the folder, opened for reading, never through a link."""
        where, at = self._at(name)
        try:
            fd = os.open(where, os.O_RDONLY | _NOFOLLOW | _CLOEXEC | getattr(os, "O_NONBLOCK", 0), **at)
        except OSError:
            return None
        fh = os.fdopen(fd, "rb")
        if not stat.S_ISREG(os.fstat(fd).st_mode) or (self.fd is None and os.path.islink(where)):
            fh.close()
            return None
        return fh

    def read(self, name: str) -> bytes | None:
        fh = self.open_file(name)
        if fh is None:
            return None
        with fh:
            try:
                return fh.read()
            except OSError:
                return None

    def create_once(self, name: str, content: bytes) -> None:
        """Write a file unless the name exists (as anything: a link is left alone)."""
        where, at = self._at(name)
        try:
            fd = os.open(where, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o666, **at)
        except FileExistsError:
            return
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)

    def write_atomically(self, name: str, chunks: list[bytes]) -> None:
        temporary = f".tmp-{os.urandom(8).hex()}"
        where, at = self._at(temporary)
        fd = os.open(where, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o666, **at)
        try:
            with os.fdopen(fd, "wb") as fh:
                for chunk in chunks:
                    fh.write(chunk)
            if self.fd is None:
                os.replace(where, os.path.join(self.path, name))
            else:
                os.replace(temporary, name, src_dir_fd=self.fd, dst_dir_fd=self.fd)
        except BaseException:
            self.remove(temporary)
            raise

    def names(self) -> list[str]:
        try:
            return os.listdir(self.fd if self.fd is not None else self.path)
        except OSError:
            return []

    def age(self, name: str) -> float:
        where, at = self._at(name)
        try:
            return time.time() - os.stat(where, follow_symlinks=False, **at).st_mtime
        except OSError:
            return 0.0

    def remove(self, name: str) -> None:
        where, at = self._at(name)
        try:
            os.unlink(where, **at)
        except OSError:
            pass
