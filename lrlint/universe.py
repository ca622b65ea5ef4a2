"""A project's files, as every run sees them whatever it was given.

A file's findings may depend on files nobody named: the helpers its training loop calls, the
script that passes it a scheduler. So each run looks at the whole project a named file belongs
to, its *universe*: the Python files under the project root (the folder of the file's config,
else the nearest folder with a `pyproject.toml` or `.git`), as a walk of that folder finds them
(each folder's excludes and `.gitignore` apply; a folder that is a project root of its own is
another project).

Of each file the universe keeps what deciding the analysed set needs, read from bytes without
parsing: whether it holds a marker (lrlint/prefilter.py), its imports (lrlint/import_scan.py), its
module name. The cache keeps a universe between runs, checked by `stat` alone (not by reading
the files): every folder's modification time (a file added, removed or renamed changes it), and
every file's inode, size, modification and change times (a write changes the change time, which
no tool can set back). A timestamp that was still as recent as the clock's granularity when it
was recorded proves nothing and is checked again next time. A folder changed means a new walk;
a file changed, a new read of that file.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lrlint.cache import digest as content_digest
from lrlint.discovery import SOURCE_SUFFIXES, Target, discover
from lrlint.import_scan import Imported, scan_imports
from lrlint.prefilter import may_have_findings
from lrlint.project.modules import absolute_target, forget_packages, module_name
from lrlint.source import read_source

if TYPE_CHECKING:
    from lrlint.config import Configs

Signature = tuple[int, int, int, int]  # inode, size, modification and change times (ns)
_SETTLING_NS = 2_000_000_000  # a timestamp this close to its reading may change unseen (FAT: 2 s)
_FORMAT = 1
_WATCHED_NAMES = (".lrlint.toml", "lrlint.toml", "pyproject.toml", ".gitignore")


def signature(info: os.stat_result) -> Signature:
    return (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


@dataclass
class Member:
    path: str  # absolute
    module: str | None  # None: a file named outside its project (nothing imports it)
    package: bool  # an `__init__.py`
    sig: Signature | None = None  # of the bytes `marker`, `digest` and `imports` describe
    marker: bool | None = None  # None: not read yet
    digest: str | None = None
    imports: tuple[Imported, ...] | None = None
    settled: bool = True  # False: its timestamps were too fresh to trust; read it again
    data: bytes | None = None  # this run's bytes, when kept
    stat: os.stat_result | None = None  # this run's stat of the file

    @property
    def notebook(self) -> bool:
        return self.path.endswith(".ipynb")


class Universe:
    """The files of one project root, with what the analysed set is decided from."""

    def __init__(self, root: str, members: list[Member], dirs: dict[str, int], watched: dict[str, Signature | None], started: int, cli: str) -> None:
        self.root = root
        self.members = members
        self.index = {m.path: i for i, m in enumerate(members)}
        self.dirs = dirs  # folder -> modification time (ns), every folder walked
        self.watched = watched  # config and .gitignore files -> signature
        self.started = started  # when the walk began (ns): later timestamps are not settled
        self.cli = cli  # the command line's walking options
        self.changed = True  # what the cache holds differs
        self._by_module: dict[str, list[int]] | None = None
        self._edges: dict[int, tuple[frozenset[int], frozenset[int]]] = {}

    # -- reading -----------------------------------------------------------------------------

    def overlay(self, path: str, data: bytes, info: os.stat_result | None, digest: str) -> int:
        """A named file's bytes, as this run read them (a file outside the project joins it
        as a guest, that nothing imports)."""
        i = self.index.get(path)
        if i is None:
            i = len(self.members)
            self.members.append(Member(path, None, os.path.basename(path) == "__init__.py"))
            self.index[path] = i
        member = self.members[i]
        if digest != member.digest:
            member.marker, member.imports = None, None
        member.digest = digest
        member.data, member.stat = data, info
        self._describe(member, data, signature(info) if info is not None else None)
        return i

    def marker(self, i: int) -> bool:
        member = self.members[i]
        if member.marker is None:
            self._read(member)
        return bool(member.marker)

    def digest(self, i: int) -> str | None:
        """The hash of the file's bytes (None: unreadable)."""
        member = self.members[i]
        if member.digest is None:
            self._read(member)
        return member.digest

    def imports(self, i: int) -> frozenset[int]:
        """The files `i` may call into."""
        return self._resolved(i)[0]

    def bases(self, i: int) -> frozenset[int]:
        """The files whose classes `i` may subclass."""
        return self._resolved(i)[1]

    def _resolved(self, i: int) -> tuple[frozenset[int], frozenset[int]]:
        found = self._edges.get(i)
        if found is None:
            member = self.members[i]
            if member.imports is None:
                self._read(member)
            calls: set[int] = set()
            bases: set[int] = set()
            by_module = self.by_module()
            for target, level, base in member.imports or ():
                if level:
                    if member.module is None:
                        continue  # relative to nothing known
                    target = absolute_target(member.module, member.package, target, level)
                parts = target.split(".")
                for n in range(1, len(parts) + 1):
                    for j in by_module.get(".".join(parts[:n]), ()):
                        if j != i:
                            calls.add(j)
                            if base:
                                bases.add(j)
            found = self._edges[i] = (frozenset(calls), frozenset(bases))
        return found

    def by_module(self) -> dict[str, list[int]]:
        if self._by_module is None:
            self._by_module = {}
            for i, member in enumerate(self.members):
                if member.module is not None:
                    self._by_module.setdefault(member.module, []).append(i)
        return self._by_module

    def _read(self, member: Member) -> None:
        """Read what is not known of a file (its bytes changed, or were never read)."""
        data = member.data
        if data is None:
            try:
                info, data = read_source(member.path)
            except OSError:  # gone or unreadable: no finding here, nothing called (a named one gets its E902)
                member.marker, member.digest, member.imports, member.sig = False, None, (), None
                self.changed = True
                return
            sig = signature(info)
            if sig != member.sig or not member.settled:
                member.marker, member.digest, member.imports = None, None, None
            member.stat = info
            self._describe(member, data, sig)
        if member.imports is None:
            member.imports = scan_imports(data)
            self.changed = True
        if member.marker:
            member.data = data  # it will be analysed: spare the worker a second read

    def _describe(self, member: Member, data: bytes, sig: Signature | None) -> None:
        """What is read of every file: whether it holds a marker, and the hash of its bytes
        (its imports are read only when the analysed set needs them)."""
        if member.marker is None:
            member.marker = may_have_findings(data)
            self.changed = True
        if member.digest is None:
            member.digest = content_digest(data)
            self.changed = True
        settled = sig is not None and self._settled(sig)
        if (sig, settled) != (member.sig, member.settled):
            member.sig, member.settled = sig, settled
            self.changed = True

    def _settled(self, sig: Signature) -> bool:
        return max(sig[2], sig[3]) < self.started - _SETTLING_NS

    # -- storing -------------------------------------------------------------------------------

    def stored(self) -> dict[str, Any]:
        """The universe as the cache keeps it (plain JSON, paths relative to the root)."""
        files = []
        for m in self.members:
            if m.module is None or m.sig is None:
                continue  # guests are this run's; an unread file is read again
            imports = [list(item) for item in m.imports] if m.imports is not None else None
            files.append([self._relative(m.path), m.module, m.package, list(m.sig), m.marker, m.digest, imports, m.settled])
        return {
            "format": _FORMAT,
            "cli": self.cli,
            "started": self.started,
            "dirs": [[self._relative(d), t] for d, t in sorted(self.dirs.items())],
            "watched": [[self._relative(p), list(s) if s is not None else None] for p, s in sorted(self.watched.items())],
            "files": files,
        }

    def _relative(self, path: str) -> str:
        return os.path.relpath(path, self.root)


# ---------------------------------------------------------------------------------------------
# Building: from the cache when nothing changed, else by walking the root


def universe(root: str, configs: Configs, stored: Any, cli: str, known: dict[str, os.stat_result] | None = None, skip: str | None = None) -> Universe:
    """The universe of `root`: the cache's, each folder that changed since listed again and each
    file whose signature changed read again; walked again when a watched file changed (or much
    did). `known`: the stats this run took already (of the files it read); `skip`: a folder never
    walked (lrlint's cache, which changes at every run)."""
    walker = _Walker(root, configs, skip)
    old = _from_stored(root, stored, cli)
    if old is not None:
        checked = _checked(old, known or {}, walker)
        if checked is not None:
            return checked
    return walk(root, configs, cli, old, walker)


class _Walker:
    """What a walk of a project root finds in a folder, and the folders and files it watches."""

    def __init__(self, root: str, configs: Configs, skip: str | None = None) -> None:
        self.root = root
        self.configs = configs
        self.skip = skip
        self.dirs: dict[str, int] = {}
        self.watched: dict[str, Signature | None] = {}

    def on_folder(self, folder: str, info: os.stat_result) -> None:
        self.dirs[folder] = info.st_mtime_ns
        for name in _WATCHED_NAMES:
            path = os.path.join(folder, name)
            try:
                self.watched[path] = signature(os.stat(path))
            except OSError:
                pass  # its creation changes the folder's time

    def excluded(self, path: str) -> bool:
        return self.configs.for_file(path).is_excluded(Path(path))

    def entry_excluded(self, path: str, is_dir: bool) -> bool:
        if self.configs.for_folder(os.path.dirname(path)).is_excluded_entry(path, is_dir):
            return True
        if is_dir:
            if path == self.skip:
                return True
            inner = self.configs.root_of(path)
            return inner is not None and inner != self.root  # a project of its own
        return False

    def files(self, folder: str) -> list[str]:
        """Every file a walk of `folder` finds (its subfolders too)."""
        found = discover([folder], self.excluded, entry_excluded=self.entry_excluded, on_folder=self.on_folder)
        return [item.file for item in found if isinstance(item, Target)]

    def listing(self, folder: str) -> tuple[list[str], list[str]] | None:
        """(files, subfolders) a walk finds directly in `folder`; None if it cannot be listed."""
        try:
            info = os.stat(folder)
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            return None
        self.on_folder(folder, info)
        files, folders = [], []
        for entry in entries:
            try:
                is_dir = entry.is_dir()
                if not is_dir and not entry.name.endswith(SOURCE_SUFFIXES):
                    continue
                if self.entry_excluded(entry.path, is_dir):
                    continue
                if is_dir:
                    folders.append(entry.path)
                elif os.path.isfile(entry.path):  # a link to a file counts, to anything else not
                    files.append(entry.path)
            except OSError:
                continue
        return files, folders


def walk(root: str, configs: Configs, cli: str, old: Universe | None = None, walker: _Walker | None = None) -> Universe:
    started = time.time_ns()
    walker = walker or _Walker(root, configs)
    walker.dirs, walker.watched = {}, {}
    forget_packages()
    for folder in _ancestors_watched(root) + _packages_above(root):
        try:
            walker.on_folder(folder, os.stat(folder))
        except OSError:
            pass
    members = sorted((m for m in (_new_member(path, old) for path in walker.files(root)) if m is not None), key=lambda m: m.path)
    return Universe(root, members, walker.dirs, walker.watched, started, cli)


def _new_member(path: str, old: Universe | None) -> Member | None:
    """A file the walk found, with what was read of it when its signature is unchanged."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    member = Member(path, module_name(Path(path))[1], os.path.basename(path) == "__init__.py", stat=info)
    previous = old.members[old.index[path]] if old is not None and path in old.index else None
    if previous is not None and previous.settled and previous.sig == signature(info):
        member.sig, member.marker, member.digest, member.imports = previous.sig, previous.marker, previous.digest, previous.imports
    return member


def _ancestors_watched(root: str) -> list[str]:
    """The folders above the root up to its git repository's top: their `.gitignore` files
    apply inside it (none outside a repository)."""
    found: list[str] = []
    here = root
    while not os.path.exists(os.path.join(here, ".git")):
        parent = os.path.dirname(here)
        if parent == here:
            return []
        found.append(parent)
        here = parent
    return found


def _packages_above(root: str) -> list[str]:
    """The folders above the root whose `__init__.py` decides module names inside it: while the
    root is a package, its parents up to the first that is not one (creating an `__init__.py` in
    a folder changes the folder's modification time)."""
    found: list[str] = []
    here = root
    while os.path.isfile(os.path.join(here, "__init__.py")):
        parent = os.path.dirname(here)
        if parent == here:
            break
        found.append(parent)
        here = parent
    return found


# Past this many changed folders (and this share of them), a project is walked again rather than
# listed folder by folder.
_RELIST_SHARE = 0.25
_RELIST_ANYWAY = 16


def _checked(old: Universe, known: dict[str, os.stat_result], walker: _Walker) -> Universe | None:
    """The stored universe, brought up to date: a folder that changed (a file added, removed or
    renamed in it) is listed again, a new folder walked, a file whose signature changed is to be
    read again. None when it must be walked again: a watched file changed, or a config file or
    `.gitignore` appeared, or many folders changed."""
    started = time.time_ns()
    for path, sig in old.watched.items():
        try:
            now_sig: Signature | None = signature(os.stat(path))
        except OSError:
            now_sig = None
        if now_sig != sig or (sig is not None and max(sig[2], sig[3]) >= old.started - _SETTLING_NS):
            return None
    changed: list[str] = []
    gone: list[str] = []
    for folder, mtime in old.dirs.items():
        try:
            now = os.stat(folder).st_mtime_ns
        except OSError:
            gone.append(folder)
            continue
        if now != mtime or mtime >= old.started - _SETTLING_NS:
            changed.append(folder)
    if len(changed) + len(gone) > max(_RELIST_ANYWAY, _RELIST_SHARE * len(old.dirs)):
        return None
    members = {m.path: m for m in old.members}
    dirs = dict(old.dirs)
    walker.dirs, walker.watched = dirs, dict(old.watched)
    for folder in gone:
        dirs.pop(folder, None)
        prefix = folder.rstrip(os.sep) + os.sep
        for path in [p for p in members if p.startswith(prefix)]:
            del members[path]
    if changed:
        forget_packages()  # an `__init__.py` may have come or gone
    for folder in changed:
        if folder not in dirs:
            continue  # below a folder that is gone
        before = set(walker.watched)
        listed = walker.listing(folder) if folder == old.root or folder.startswith(old.root.rstrip(os.sep) + os.sep) else None
        if listed is None:  # above the root (its .gitignore and packages), or unlistable
            return None
        if set(walker.watched) != before:
            return None  # a config file or .gitignore appeared: the excludes may have changed
        files, folders = listed
        for path in [p for p in members if os.path.dirname(p) == folder and p not in files]:
            del members[path]
        for path in files:
            if path not in members:
                added = _new_member(path, None)
                if added is not None:
                    members[path] = added
        for sub in folders:
            if sub not in dirs:  # a new folder: walked whole
                for path in walker.files(sub):
                    added = _new_member(path, None)
                    if added is not None:
                        members[path] = added
    rewritten = False
    for member in members.values():
        info = known.get(member.path) or member.stat
        if info is None:
            try:
                info = os.stat(member.path)
            except OSError:
                return None  # gone without its folder's time saying so: walk again
        member.stat = info
        if not member.settled or signature(info) != member.sig:
            member.marker, member.digest, member.imports, member.sig = None, None, None, None
            rewritten = True
    relisted = tuple(folder.rstrip(os.sep) + os.sep for folder in changed if folder in dirs)
    if relisted:  # an `__init__.py` may have come or gone there: the names below may change
        for member in members.values():
            if member.path.startswith(relisted):
                member.module = module_name(Path(member.path))[1]
    fresh = Universe(old.root, sorted(members.values(), key=lambda m: m.path), dirs, walker.watched, started, old.cli)
    fresh.changed = bool(changed or gone or rewritten)
    return fresh


def _from_stored(root: str, stored: Any, cli: str) -> Universe | None:
    """A stored universe, every value checked (the cache is untrusted); None when unusable."""
    try:
        if not isinstance(stored, dict) or stored.get("format") != _FORMAT or stored.get("cli") != cli:
            return None
        started = stored["started"]
        if type(started) is not int:
            return None
        dirs = {_joined(root, d, above=True): _int(t) for d, t in _pairs(stored["dirs"])}
        watched = {_joined(root, p, above=True): (_signature(s) if s is not None else None) for p, s in _pairs(stored["watched"])}
        members = [_member(root, row) for row in stored["files"]]
    except (KeyError, TypeError, ValueError):
        return None
    universe = Universe(root, members, dirs, watched, started, cli)
    universe.changed = False
    return universe


def _member(root: str, row: Any) -> Member:
    path, module, package, sig, marker, digest, imports, settled = row
    if not (isinstance(module, str) and type(package) is bool and type(settled) is bool):
        raise ValueError("bad member")
    if marker is not None and type(marker) is not bool:
        raise ValueError("bad marker")
    if digest is not None and not isinstance(digest, str):
        raise ValueError("bad digest")
    found = None
    if imports is not None:
        found = tuple((_str(t), _int(level), _bool(base)) for t, level, base in imports)
    return Member(_joined(root, path), module, package, _signature(sig), marker, digest, found, settled)


def _pairs(value: Any) -> list[tuple[Any, Any]]:
    if not isinstance(value, list):
        raise TypeError("not a list")
    return [(a, b) for a, b in value]


def _joined(root: str, relative: Any, above: bool = False) -> str:
    """A stored path: inside the root, or for a folder only stat-ed, above it."""
    if not isinstance(relative, str) or os.path.isabs(relative):
        raise ValueError("not a relative path")
    if not above and (relative == ".." or relative.startswith(".." + os.sep)):
        raise ValueError("not a path inside the root")
    return os.path.normpath(os.path.join(root, relative))


def _signature(value: Any) -> Signature:
    if not (isinstance(value, list) and len(value) == 4):
        raise ValueError("bad signature")
    a, b, c, d = (_int(v) for v in value)
    return (a, b, c, d)


def _int(value: Any) -> int:
    if type(value) is not int:
        raise ValueError("not an int")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


def _bool(value: Any) -> bool:
    if type(value) is not bool:
        raise ValueError("not a bool")
    return value

