"""lrlint's settings: `[tool.lrlint]` in pyproject.toml or lrlint.toml/.lrlint.toml, plus the CLI.

Rule selection follows ruff: `select` (default `LR`) sets the base, `extend-select` adds, `ignore`
removes; within one source the more specific selector wins (`LR003` beats `LR`), and at equal
specificity `ignore` beats `select`. Command-line values form a second source on top of the file:
a CLI `--select` replaces the file's selection, a CLI `--ignore`/`--extend-select` adjusts it.
A rule's name (`gamma-not-decaying`) is accepted wherever its code is.

per-file-ignores follow ruff too: globset's glob syntax with `*` crossing folders (`tests/*`
matches `tests/unit/test_a.py`), a leading `!` negates, a bare file name matches at any depth; a
CLI `--per-file-ignores` replaces the file's `per-file-ignores`, and `extend-per-file-ignores`
(file or CLI) adds to whichever applies.
"""

from __future__ import annotations

import os
import posixpath
import re
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from collections.abc import Mapping, Sequence
from typing import Any

from lrlint import __version__
from lrlint.catalogue import rules
from lrlint.diagnostics import FILE_CODES
from lrlint.gitignore import GitIgnore
from lrlint.globmatch import Glob

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

# Nearest folder wins; within one folder, the first of these that holds lrlint settings wins.
CONFIG_FILENAMES = (".lrlint.toml", "lrlint.toml", "pyproject.toml")

DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "__pycache__", "build", "dist",
    "node_modules", ".mypy_cache", ".ruff_cache", ".lrlint_cache", "site-packages", ".eggs",
    "*.egg-info",
)  # fmt: skip

# lrlint's own reports about an input: never switched off, never ignored per file.
ALWAYS_ENABLED = frozenset(FILE_CODES)

# Fixing (lrlint/fix_command.py), ruff's keys: true or false each.
FIX_KEYS = ("fix", "unsafe-fixes", "show-fixes", "fix-only")

FILE_KEYS = (
    "select", "ignore", "extend-select", "per-file-ignores", "extend-per-file-ignores", "exclude",
    "extend-exclude", "torch-version", "respect-gitignore", "fail-on", *FIX_KEYS,
)  # fmt: skip

# `fail-on`: the least severe finding that makes the exit code 1.
FAIL_ON = ("warning", "error")

# Keys `load_settings` accepts in its `overrides` dict (argparse's `extend_select` spelling too).
OVERRIDE_KEYS = (*FILE_KEYS, "config", "isolated")

_ALL = "ALL"
_LATEST = "latest"
_RELEASE = re.compile(r"(\d+(?:\.\d+)*)(?:[.+\-]?[A-Za-z].*)?")
_MAJOR_MINOR = re.compile(r"(\d+)\.(\d+)(?:\.\d+)*")


class ConfigError(Exception):
    """A configuration problem, with a one-line message that names the file (or option) and key."""


# --------------------------------------------------------------------------------------------
# Path patterns


@dataclass(frozen=True)
class PathPattern:
    """A glob anchored to a folder: matches a path's absolute form or, like ruff, its basename."""

    pattern: str  # as written
    absolute: Glob
    basename: Glob

    @classmethod
    def anchored(cls, pattern: str, root: Path, literal_separator: bool = True) -> PathPattern:
        written = pattern.replace(os.sep, "/") if os.sep != "/" else pattern
        if _is_absolute(written):
            full = written
        else:
            full = posixpath.normpath(_escape_glob(_posix(root)) + "/" + written)
        return cls(pattern, Glob(full, literal_separator), Glob(written, literal_separator))

    def matches(self, abs_posix: str) -> bool:
        return self.absolute.matches(abs_posix) or self.basename.matches(
            posixpath.basename(abs_posix)
        )


@dataclass(frozen=True)
class PerFileIgnore:
    pattern: PathPattern
    codes: frozenset[str]
    negated: bool = False  # `!pattern`: applies to the files the pattern does not match

    def applies_to(self, abs_posix: str) -> bool:
        return self.pattern.matches(abs_posix) != self.negated

    @classmethod
    def parse(cls, written: str, root: Path, codes: frozenset[str]) -> PerFileIgnore:
        # As ruff (globset, literal_separator off): `*` crosses folders.
        negated = written.startswith("!")
        pattern = written[1:] if negated else written
        return cls(PathPattern.anchored(pattern, root, literal_separator=False), codes, negated)


def _posix(path: Path) -> str:
    return path.as_posix()


def _is_absolute(pattern: str) -> bool:
    return pattern.startswith("/") or bool(re.match(r"[A-Za-z]:/", pattern))


def _escape_glob(text: str) -> str:
    """A literal path used as the head of a glob: its `*?[` must not act as wildcards."""
    return re.sub(r"([*?\[])", r"[\1]", text)


def _absolute(path: Path | str) -> Path:
    # abspath (not resolve): symlinks stay as the user named them, `..` is collapsed.
    return Path(os.path.abspath(os.fspath(path)))


# --------------------------------------------------------------------------------------------
# Settings


@dataclass(frozen=True)
class Settings:
    enabled: frozenset[str]  # rule codes switched on (before per-file-ignores)
    per_file_ignores: tuple[PerFileIgnore, ...] = ()
    exclude: tuple[PathPattern, ...] = ()  # exclude (or the defaults) followed by extend-exclude
    torch_version: str | None = None  # release like "2.6"; None means the latest torch
    config_path: Path | None = None  # the file the settings came from; None if none was used
    project_root: Path = field(default_factory=Path.cwd)  # anchor of relative patterns
    respect_gitignore: bool = True
    fail_on: str = "warning"  # one of FAIL_ON
    fix_flags: tuple[tuple[str, bool], ...] = ()  # the FIX_KEYS set, by the file or the command line
    # Built by load_settings when respect_gitignore; holds per-folder caches, so not compared.
    gitignore: GitIgnore | None = field(default=None, compare=False, repr=False)
    # Exclude verdicts by absolute posix path: a walk asks about the same folders once per file.
    _excluded: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)
    # Every file's own settings (its nearest config file), when these are a run's (load_settings).
    resolver: Configs | None = field(default=None, compare=False, repr=False)
    _fingerprint: list[str] = field(default_factory=list, compare=False, repr=False)  # computed once

    def for_path(self, path: Path | str) -> Settings:
        """The settings of a file: those of its nearest config file, with the command line on
        top, as ruff resolves them (these settings when they were not loaded for a run)."""
        return self if self.resolver is None else self.resolver.for_file(path)

    def is_enabled(self, code: str, path: Path) -> bool:
        code = code.upper()
        if code in ALWAYS_ENABLED:
            return True
        if code not in self.enabled:
            return False
        if not self.per_file_ignores:
            return True
        target = _posix(_absolute(path))
        return not any(code in pfi.codes and pfi.applies_to(target) for pfi in self.per_file_ignores)

    def is_excluded(self, path: Path) -> bool:
        """Whether `path`, or a folder it lies in below the project root, matches an exclude,
        or (with respect_gitignore) git ignores it."""
        text = os.path.abspath(os.fspath(path))  # strings, not pathlib: called for every entry walked
        if os.sep != "/":
            text = text.replace(os.sep, "/")
        absolute, basename = self._exclude_regexes
        for candidate in _candidates(text, *self._anchors):
            verdict = self._excluded.get(candidate)
            if verdict is None:
                verdict = bool(absolute.match(candidate) or basename.match(posixpath.basename(candidate)))
                self._excluded[candidate] = verdict
            if verdict:
                return True
        return self.gitignore is not None and self.gitignore.is_ignored(text)

    def is_excluded_entry(self, path: str, is_dir: bool) -> bool:
        """`is_excluded` for an entry of a folder a walk found not excluded: its folders were
        matched already, so only the entry itself is (the walk asks for every entry)."""
        text = path if os.sep == "/" else path.replace(os.sep, "/")
        verdict = self._excluded.get(text)
        if verdict is None:
            absolute, basename = self._exclude_regexes
            verdict = bool(absolute.match(text) or basename.match(posixpath.basename(text)))
            self._excluded[text] = verdict
        return verdict or (self.gitignore is not None and self.gitignore.is_ignored(path, is_dir))

    @cached_property
    def _anchors(self) -> tuple[str, str]:
        """The project root and the cwd as absolute posix strings (computed once per run)."""
        return _posix(_absolute(self.project_root)), _posix(_absolute(Path.cwd()))

    @cached_property
    def _exclude_regexes(self) -> tuple[re.Pattern[str], re.Pattern[str]]:
        """Every exclude as one regular expression on the absolute path and one on the basename
        (what PathPattern.matches does pattern by pattern): one match per path walked."""
        never = r"(?!)"
        return (
            re.compile("|".join(p.absolute.regex.pattern for p in self.exclude) or never),
            re.compile("|".join(p.basename.regex.pattern for p in self.exclude) or never),
        )

    def fails(self, severity: str) -> bool:
        """Whether a finding of this severity makes the exit code 1 (`fail-on`)."""
        return self.fail_on == "warning" or severity == "error"

    @property
    def enabled_rules(self) -> list[str]:
        return sorted(self.enabled)

    def fingerprint(self) -> str:
        """A stable hash of everything that can change a result (not of where it came from)."""
        if self._fingerprint:
            return self._fingerprint[0]
        import hashlib
        import json

        payload = {
            "lrlint": __version__,
            "enabled": sorted(self.enabled),
            "per_file_ignores": [
                [p.pattern.absolute.pattern, p.pattern.basename.pattern, sorted(p.codes), p.negated]
                for p in self.per_file_ignores
            ],
            "exclude": [[p.absolute.pattern, p.basename.pattern] for p in self.exclude],
            "torch_version": self.torch_version,
            "respect_gitignore": self.respect_gitignore,
        }
        blob = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        self._fingerprint.append(hashlib.sha256(blob.encode("utf-8")).hexdigest())
        return self._fingerprint[0]


def _candidates(path: str, root: str, cwd: str) -> list[str]:
    """The path and its ancestors up to, not including, the root (or the cwd, for paths outside),
    as absolute posix strings."""
    for anchor in (root, cwd):
        prefix = anchor.rstrip("/") + "/"
        if path == anchor.rstrip("/") or path == anchor:
            return []
        if path.startswith(prefix):
            parts = path[len(prefix):].split("/")
            return [prefix + "/".join(parts[: i + 1]) for i in range(len(parts))]
    return [path]


# --------------------------------------------------------------------------------------------
# Raw layers: what one source (a file, or the command line) said


@dataclass
class _Layer:
    where: str  # prefix of error messages, e.g. "pyproject.toml: [tool.lrlint]" or ""
    root: Path  # folder that relative patterns are anchored to
    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] | None = None
    extend_per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] | None = None
    extend_exclude: list[str] = field(default_factory=list)
    torch_version: str | None = None  # as written; "latest" when explicitly the newest
    respect_gitignore: bool | None = None
    fail_on: str | None = None
    fix_flags: dict[str, bool] = field(default_factory=dict)  # FIX_KEYS given


def _message(where: str, key: str, problem: str) -> str:
    """`pyproject.toml: [tool.lrlint] 'select': ...` for files, `--select: ...` for the CLI."""
    return f"{where} {key!r}: {problem}" if where else f"{key}: {problem}"


def _display(path: Path) -> str:
    try:
        return str(_absolute(path).relative_to(_absolute(Path.cwd())))
    except ValueError:
        return str(path)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{_display(path)}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{_display(path)}: cannot read: {exc.strerror or exc}") from None


def _lrlint_table(path: Path, doc: dict[str, Any]) -> dict[str, Any] | None:
    """The lrlint settings of a parsed file; None for a pyproject.toml without `[tool.lrlint]`."""
    if path.name != "pyproject.toml":
        return doc
    tool = doc.get("tool")
    if not isinstance(tool, dict) or "lrlint" not in tool:
        return None
    table = tool["lrlint"]
    if not isinstance(table, dict):
        raise ConfigError(f"{_display(path)}: [tool.lrlint] must be a table")
    return table


def find_config(start: Path) -> Path | None:
    """The nearest config file holding lrlint settings, walking up from `start`."""
    found = _discover(start)
    return found[0] if found else None


def _discover(start: Path) -> tuple[Path, dict[str, Any]] | None:
    here = _absolute(start)
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        for name in CONFIG_FILENAMES:
            candidate = folder / name
            if not candidate.is_file():
                continue
            table = _lrlint_table(candidate, _read_toml(candidate))
            if table is not None:
                return candidate, table
    return None


def _file_layer(path: Path, table: dict[str, Any]) -> _Layer:
    name = _display(path)
    where = f"{name}: [tool.lrlint]" if path.name == "pyproject.toml" else f"{name}:"
    layer = _Layer(where=where, root=_absolute(path).parent)
    for key, value in table.items():
        if key not in FILE_KEYS:
            raise ConfigError(f"{where} unknown key {key!r}{_hint(key, path)}")
        if key == "per-file-ignores":
            layer.per_file_ignores = _per_file_table(where, value, key)
        elif key == "extend-per-file-ignores":
            layer.extend_per_file_ignores = _per_file_table(where, value, key)
        elif key == "torch-version":
            if not isinstance(value, str):
                raise ConfigError(_message(where, key, 'must be a string such as "2.6"'))
            layer.torch_version = value
        elif key == "respect-gitignore":
            if not isinstance(value, bool):
                raise ConfigError(_message(where, key, "must be true or false"))
            layer.respect_gitignore = value
        elif key == "fail-on":
            layer.fail_on = _fail_on(where, key, value)
        elif key in FIX_KEYS:
            if not isinstance(value, bool):
                raise ConfigError(_message(where, key, "must be true or false"))
            layer.fix_flags[key] = value
        else:
            setattr(layer, key.replace("-", "_"), _str_list(where, key, value))
    return layer


def _hint(key: str, path: Path) -> str:
    if key.replace("_", "-") in FILE_KEYS:
        return f" (did you mean {key.replace('_', '-')!r}?)"
    if key == "tool" and path.name != "pyproject.toml":
        return f" ({path.name} takes top-level keys, not a [tool.lrlint] table)"
    import difflib  # only on the error path: keeps start-up light

    close = difflib.get_close_matches(key, FILE_KEYS, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _fail_on(where: str, key: str, value: Any) -> str:
    if value not in FAIL_ON:
        raise ConfigError(_message(where, key, f'must be "warning" or "error", got {value!r}'))
    return str(value)


def _str_list(where: str, key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(_message(where, key, "must be a list of strings"))
    return list(value)


def _per_file_table(where: str, value: Any, key: str) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise ConfigError(_message(where, key, "must be a table of glob = [codes]"))
    return {glob: _str_list(where, f"{key}.{glob}", codes) for glob, codes in value.items()}


# --------------------------------------------------------------------------------------------
# Command-line overrides


def _cli_layer(overrides: Mapping[str, Any]) -> _Layer:
    layer = _Layer(where="", root=_absolute(Path.cwd()))  # CLI patterns are relative to the cwd
    for raw_key, value in overrides.items():
        key = raw_key.replace("_", "-")
        if key not in OVERRIDE_KEYS:
            raise ValueError(f"unknown settings override {raw_key!r}")
        if value is None or key in ("config", "isolated"):
            continue
        if key in ("per-file-ignores", "extend-per-file-ignores"):
            setattr(layer, key.replace("-", "_"), _cli_per_file(_cli_items(value, key), f"--{key}"))
        elif key == "torch-version":
            layer.torch_version = str(value)
        elif key == "respect-gitignore":
            layer.respect_gitignore = bool(value)
        elif key == "fail-on":
            layer.fail_on = _fail_on("", "--fail-on", value)
        elif key in FIX_KEYS:
            layer.fix_flags[key] = bool(value)
        else:
            items = _cli_items(value, key)
            codes_or_globs = [part for item in items for part in _split(item)]
            setattr(layer, key.replace("-", "_"), codes_or_globs)
    return layer


def _cli_items(value: Any, key: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ValueError(f"settings override {key!r} must be a string or a list of strings")


def _split(item: str) -> list[str]:
    return [part for part in re.split(r"[,\s]+", item) if part]


_CODE_LIKE = re.compile(r"[A-Za-z]+[0-9]*|[a-z][a-z0-9]*(?:-[a-z0-9]+)+")  # a code, a prefix or a rule name


def _cli_per_file(items: Sequence[str], option: str = "--per-file-ignores") -> dict[str, list[str]]:
    """ruff's `PATTERN:CODES[,PATTERN:CODES...]`, codes also comma-separated after one colon:
    `a/*:LR001,LR002,b/*:LR005`. A token holding `:` starts a new pair (the last `:` splits
    it, so `C:/x/*:LR001` works); a token without one adds a code to the pair before it."""
    table: dict[str, list[str]] = {}
    for item in items:
        current: list[str] | None = None
        for token in (t.strip() for t in item.split(",")):
            if not token:
                continue
            glob, sep, code = token.rpartition(":")
            if sep:
                glob, code = glob.strip(), code.strip()
                if not glob or not code:
                    raise ConfigError(f"{option}: expected PATTERN:CODES, got {token!r} in {item!r}")
                current = table.setdefault(glob, [])
                current.extend(_split(code))
            elif current is None:
                raise ConfigError(f"{option}: expected GLOB:CODES, got {item!r}")
            elif not all(_CODE_LIKE.fullmatch(part) for part in _split(token)):
                # `src/*:LR001,tests/*`: a pattern left without codes, not a code.
                raise ConfigError(f"{option}: {token!r} has no codes (expected PATTERN:CODES) in {item!r}")
            else:
                current.extend(_split(token))
    return table


# --------------------------------------------------------------------------------------------
# Resolution


def _known_codes() -> list[str]:
    return list(rules())


def _default_codes() -> frozenset[str]:
    """The rules on by default, and through any prefix: all but those selected only by code."""
    return frozenset(code for code, info in rules().items() if info.default)


def default_selection() -> frozenset[str]:
    """What a run reports with no configuration: the rules on by default and the input codes."""
    return _default_codes() | ALWAYS_ENABLED


def _code_of_name(name: str) -> str | None:
    from lrlint.catalogue import codes

    return next((code for code, info in codes().items() if info.name == name), None)


def _expand(selector: str, where: str, key: str) -> tuple[int, frozenset[str]]:
    """The rules a selector names and its specificity (higher is more specific)."""
    sel = selector.strip().upper()
    if sel == _ALL:
        return 0, frozenset(_known_codes())
    named = _code_of_name(selector.strip())  # a rule's name stands for its code
    if named is not None:
        sel = named
    if sel in ALWAYS_ENABLED:
        return len(sel), frozenset()  # accepted, but these cannot be switched
    if sel.startswith("LR"):
        matched = frozenset(code for code in _known_codes() if code.startswith(sel))
        if matched:
            return len(sel), matched
    raise ConfigError(_message(where, key, f"unknown rule code or prefix {selector!r}"))


def _apply_layer(current: frozenset[str], layer: _Layer, cli: bool) -> frozenset[str]:
    def key(name: str) -> str:
        return f"--{name}" if cli else name

    updates: list[tuple[int, bool, frozenset[str]]] = []
    for name, selectors, on in (
        ("select", layer.select or [], True),
        ("extend-select", layer.extend_select, True),
        ("ignore", layer.ignore, False),
    ):
        for selector in selectors:
            spec, codes = _expand(selector, layer.where, key(name))
            # A rule off by default is switched on by its own code (or name), or by ALL (as ruff's
            # ALL includes RUF100); never by a prefix.
            if on and spec > 0:
                codes = frozenset(c for c in codes if c in _default_codes() or spec == len(c))
            updates.append((spec, on, codes))
    # Least specific first, and ignores after selects at equal specificity: the last word wins.
    updates.sort(key=lambda u: (u[0], u[1] is False))
    result = set() if layer.select is not None else set(current)
    for _, on, codes in updates:
        if on:
            result |= codes
        else:
            result -= codes
    return frozenset(result)


def _resolve_codes(where: str, key: str, selectors: list[str]) -> frozenset[str]:
    codes: set[str] = set()
    for selector in selectors:
        codes |= _expand(selector, where, key)[1]
    return frozenset(codes)


def _torch_version(written: str, where: str) -> str | None:
    if written.strip().lower() == _LATEST:
        return None
    key = "torch-version" if where else "--torch-version"
    match = _RELEASE.fullmatch(written.strip())
    release = _MAJOR_MINOR.fullmatch(match.group(1)) if match else None
    if match is None or release is None:
        problem = f'expected a release such as "2.6", got {written!r}'
        raise ConfigError(_message(where, key, problem))
    from lrlint.catalogue import torch_releases

    known = torch_releases()
    major_minor = f"{int(release.group(1))}.{int(release.group(2))}"
    if major_minor not in known:
        problem = f"torch {major_minor} is not a release lrlint knows (known: {known[0]} to {known[-1]}, or \"latest\"), got {written!r}"
        raise ConfigError(_message(where, key, problem))
    return match.group(1)


def installed_torch_version() -> str | None:
    """The installed torch's release, from package metadata: torch itself is never imported."""
    raw = _version_from_dist_info("torch")
    if raw is None:
        from importlib import metadata  # slower to import (it loads the email parser)

        try:
            raw = metadata.version("torch")
        except metadata.PackageNotFoundError:
            return None
    match = _RELEASE.match(raw)
    return match.group(1) if match else None


def _version_from_dist_info(name: str) -> str | None:
    """The version in the name of the package's `NAME-VERSION.dist-info` folder beside it, found
    without importing it or importlib.metadata (every run asks; a pre-commit hook must be quick)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    site = Path(next(iter(spec.submodule_search_locations))).parent
    found = sorted(site.glob(f"{name}-*.dist-info"))
    if len(found) != 1:
        return None  # none, or several: let importlib.metadata decide
    return found[0].name[len(name) + 1 : -len(".dist-info")]


def load_settings(start: Path, overrides: Mapping[str, Any] | None = None) -> Settings:
    """Settings for a run started from `start` (the common parent of its paths, or the cwd): the
    run's own settings (its cache folder, `fail-on`, the fix flags) are those of `start`; each
    file's are `result.for_path(file)` (its nearest config file, as ruff resolves them).

    `overrides` holds the CLI's values under the keys in OVERRIDE_KEYS (None = not given).
    """
    return Configs(overrides or {}, _project_root(start)).for_folder(_folder_of(start))


class Configs:
    """Each folder's settings: the nearest config file above it (a `pyproject.toml` without
    `[tool.lrlint]` does not count; config files are never merged), or `--config`'s for every
    folder, or none with `--isolated`; the command line on top of each. Read once per file."""

    def __init__(self, overrides: Mapping[str, Any], default_root: Path) -> None:
        overrides = dict(overrides)
        config = overrides.get("config")
        self.isolated = bool(overrides.get("isolated"))
        if config is not None and self.isolated:
            raise ConfigError("--config and --isolated cannot be used together")
        self.fixed: Path | None = None  # --config
        if config is not None:
            self.fixed = _absolute(Path(config))
            if not self.fixed.is_file():
                raise ConfigError(f"--config: no such file: {config}")
        self.cli = _cli_layer(overrides)
        self.default_root = default_root  # anchor of a folder without config file
        self._tables: dict[Path, dict[str, Any] | None] = {}
        self._nearest: dict[str, Path | None] = {}  # folder -> its config file
        self._settings: dict[Path | None, Settings] = {}
        self._by_folder: dict[str, Settings] = {}
        self._roots: dict[str, str | None] = {}
        self._installed: list[str | None] = []

    @classmethod
    def single(cls, settings: Settings) -> Configs:
        """Every folder with these settings (settings built without load_settings)."""
        configs = cls({"isolated": True}, settings.project_root)
        configs._settings[None] = settings
        return configs

    def installed_torch(self) -> str | None:
        """The installed torch's release, read once per run (several configs may need it)."""
        if not self._installed:
            self._installed.append(installed_torch_version())
        return self._installed[0]

    def for_file(self, path: Path | str) -> Settings:
        text = os.fspath(path)
        return self.for_folder(os.path.dirname(text if os.path.isabs(text) else os.path.abspath(text)))

    def for_folder(self, folder: Path | str) -> Settings:
        key = os.fspath(folder)
        found = self._by_folder.get(key)
        if found is None:
            found = self._by_folder[key] = self._settings_of(self.config_of(key))
        return found

    def config_of(self, folder: str) -> Path | None:
        """The config file of a folder (absolute), or None."""
        if self.fixed is not None:
            return self.fixed
        if self.isolated:
            return None
        here = os.path.abspath(folder)
        if here in self._nearest:
            return self._nearest[here]
        found: Path | None = None
        for name in CONFIG_FILENAMES:
            candidate = os.path.join(here, name)
            if os.path.isfile(candidate) and self._table(Path(candidate)) is not None:
                found = Path(candidate)
                break
        else:
            parent = os.path.dirname(here)
            found = self.config_of(parent) if parent != here else None
        self._nearest[here] = found
        return found

    def root_of(self, folder: str) -> str | None:
        """The project root of a folder: its config file's folder, or the nearest folder with a
        `pyproject.toml` or `.git`; None when there is none (the caller decides)."""
        here = os.path.abspath(folder)
        if here in self._roots:
            return self._roots[here]
        config = self.config_of(here)
        root: str | None = None
        if config is not None:
            top = str(config.parent)
            if here == top or here.startswith(top.rstrip(os.sep) + os.sep):
                root = top
        if root is None:
            root = self._marked(here)
        self._roots[here] = root
        return root

    def _marked(self, here: str) -> str | None:
        for folder in (here, *_ancestors(here)):
            if os.path.isfile(os.path.join(folder, "pyproject.toml")) or os.path.exists(os.path.join(folder, ".git")):
                return folder
        return None

    def fingerprint(self, files: Sequence[Path | str]) -> str:
        """The settings of these files, in order (the run's cache key)."""
        import hashlib

        seen: dict[int, str] = {}
        parts = []
        for file in files:
            settings = self.for_file(file)
            if id(settings) not in seen:
                seen[id(settings)] = settings.fingerprint()
            parts.append(seen[id(settings)])
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()

    def _table(self, path: Path) -> dict[str, Any] | None:
        if path not in self._tables:
            self._tables[path] = _lrlint_table(path, _read_toml(path))
        return self._tables[path]

    def _settings_of(self, config_path: Path | None) -> Settings:
        found = self._settings.get(config_path)
        if found is None:
            layers = []
            if config_path is not None:
                table = self._table(config_path) or {}
                layers.append(_file_layer(config_path, table))
            found = self._settings[config_path] = _build(layers, self.cli, config_path, self.default_root, self)
        return found


def _ancestors(folder: str) -> list[str]:
    found: list[str] = []
    while True:
        parent = os.path.dirname(folder)
        if parent == folder:
            return found
        found.append(parent)
        folder = parent


def _folder_of(start: Path) -> Path:
    here = _absolute(start)
    return here.parent if here.is_file() else here


def _build(layers: list[_Layer], cli: _Layer, config_path: Path | None, default_root: Path, resolver: Configs) -> Settings:
    root = layers[0].root if layers else default_root

    enabled = _default_codes()  # the default `select = ["LR"]`
    for layer in layers:
        enabled = _apply_layer(enabled, layer, cli=False)
    enabled = _apply_layer(enabled, cli, cli=True)

    per_file: list[PerFileIgnore] = []
    pfi_layer = _deciding(layers, cli, "per_file_ignores")
    tables = [(pfi_layer, "per-file-ignores", pfi_layer.per_file_ignores)] if pfi_layer is not None else []
    tables += [(layer, "extend-per-file-ignores", layer.extend_per_file_ignores) for layer in (*layers, cli)]
    for layer, name, table in tables:
        key = f"--{name}" if layer is cli else name
        for glob, selectors in (table or {}).items():
            codes = _resolve_codes(layer.where, key, selectors)
            per_file.append(PerFileIgnore.parse(glob, layer.root, codes))

    exclude: list[PathPattern] = []
    base = _deciding(layers, cli, "exclude")
    if base is None:
        exclude += [PathPattern.anchored(p, root) for p in DEFAULT_EXCLUDE]
    else:
        exclude += [PathPattern.anchored(p, base.root) for p in base.exclude or []]
    for layer in (*layers, cli):
        exclude += [PathPattern.anchored(p, layer.root) for p in layer.extend_exclude]

    written = _deciding(layers, cli, "torch_version")
    if written is not None:
        torch_version = _torch_version(written.torch_version or "", written.where)
    else:
        torch_version = resolver.installed_torch()

    deciding = _deciding(layers, cli, "respect_gitignore")
    respect_gitignore = True if deciding is None else bool(deciding.respect_gitignore)
    deciding = _deciding(layers, cli, "fail_on")
    fail_on = "warning" if deciding is None else str(deciding.fail_on)

    fix_flags: dict[str, bool] = {}
    for layer in (*layers, cli):  # the command line over the file
        fix_flags.update(layer.fix_flags)
    return Settings(
        fix_flags=tuple(sorted(fix_flags.items())),
        enabled=enabled,
        per_file_ignores=tuple(per_file),
        exclude=tuple(exclude),
        torch_version=torch_version,
        config_path=config_path,
        project_root=root,
        respect_gitignore=respect_gitignore,
        fail_on=fail_on,
        gitignore=GitIgnore() if respect_gitignore else None,
        resolver=resolver,
    )


def _deciding(layers: list[_Layer], cli: _Layer, attr: str) -> _Layer | None:
    """The highest-priority source that sets `attr` (the CLI, then the file); None if none does."""
    return next((lay for lay in (cli, *reversed(layers)) if getattr(lay, attr) is not None), None)


def _project_root(start: Path) -> Path:
    here = _absolute(start)
    return here.parent if here.is_file() else here
