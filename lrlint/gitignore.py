"""`.gitignore` semantics for walking folders, in pure Python (no dependency, nothing heavy).

What git does, and ruff (through the `ignore` crate) too:

- the rules apply only inside a git repository (a folder holding `.git`, a folder or a file);
  outside one, `.gitignore` files are plain files;
- every `.gitignore` from the repository root down to a path's folder applies, a deeper one
  taking precedence; `.git/info/exclude` applies at the root with the lowest precedence;
- within one file the last matching pattern wins; `!pattern` re-includes; `pattern/` matches
  folders only; a pattern with a `/` at the start or in the middle is anchored to its file's
  folder, one without matches a name at any depth; `*`, `?`, `[...]` never match `/`; `**/`,
  `/**/` and a trailing `/**` span folders; `\\` escapes the next character;
- a path inside an ignored folder is ignored, whatever a later `!` says (git cannot re-include
  a file whose parent folder is excluded).

Not read: the user's global excludes file (`core.excludesFile`) and `.ignore` files.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from lrlint.discovery import display_name
from lrlint.globmatch import assemble, tokens

GITIGNORE = ".gitignore"


@dataclass(frozen=True)
class Rule:
    pattern: str  # as written, for messages and tests
    regex: re.Pattern[str]  # matches a path relative to the rule's folder, with `/` separators
    negated: bool
    dir_only: bool


def translate(pattern: str) -> str:
    """The regular expression body for one gitignore glob (already stripped of `!`, `/`); never
    exponential, whatever the pattern (see globmatch)."""

    def klass(body: str, negate: bool) -> str:
        return f"(?!/)[{'^' if negate else ''}{body}]"  # a class never matches `/`

    return assemble(tokens(pattern, escapes=True, klass=klass))


def parse_line(line: str) -> Rule | None:
    """One line of a `.gitignore`; None for blanks, comments and patterns that match nothing."""
    line = line.rstrip("\n").rstrip("\r")
    while line.endswith(" ") and not line.endswith("\\ "):
        line = line[:-1]  # trailing spaces are dropped unless escaped
    if not line or line.startswith("#"):
        return None
    written = line
    negated = line.startswith("!")
    if negated:
        line = line[1:]
    dir_only = line.endswith("/")
    if dir_only:
        line = line[:-1]
    if not line or line == "/":
        return None
    anchored = "/" in line  # at the start or in the middle (a trailing one was removed)
    if line.startswith("/"):
        line = line[1:]
    body = translate(line)
    if not anchored:
        body = "(?:.*/)?" + body
    return Rule(written, re.compile(f"(?s:{body})\\Z"), negated, dir_only)


def parse(text: str) -> tuple[Rule, ...]:
    return tuple(rule for rule in map(parse_line, text.splitlines()) if rule is not None)


def _read_rules(path: str) -> tuple[Rule, ...]:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return parse(fh.read())
    except OSError:  # missing, unreadable or a folder: no rules
        return ()


class GitIgnore:
    """Answers "is this path ignored?" for paths in any number of repositories, caching per folder."""

    def __init__(self) -> None:
        self._roots: dict[str, str | None] = {}  # folder -> its repository root
        self._rules: dict[str, tuple[tuple[Rule, str], ...]] = {}  # folder -> (rule, its file)
        self._dirs: dict[str, bool] = {}  # folder -> ignored

    def is_ignored(self, path: os.PathLike[str] | str, is_dir: bool | None = None) -> bool:
        full = os.path.abspath(path)
        parent = os.path.dirname(full)
        root = self._root(parent)
        if root is None or full == root:
            return False
        if self._dir_ignored(parent, root):
            return True
        decided = self._decide(full, root, is_dir)
        return decided is not None and not decided[0].negated

    def explain(self, path: os.PathLike[str] | str) -> str | None:
        """Why a folder is ignored: the pattern and the file it is in (None: it is not)."""
        full = os.path.abspath(path)
        root = self._root(os.path.dirname(full))
        if root is None or full == root:
            return None
        chain = [full]
        while len(os.path.dirname(chain[-1])) > len(root):
            chain.append(os.path.dirname(chain[-1]))
        for folder in reversed(chain):  # the outermost ignored folder is the reason
            decided = self._decide(folder, root, True)
            if decided is not None and not decided[0].negated:
                rule, source = decided
                inside = "" if folder == full else f" (it is inside {display_name(Path(folder))})"
                return f"`{rule.pattern}` in {display_name(Path(source))}{inside}"
        return None

    def _root(self, folder: str) -> str | None:
        if folder in self._roots:
            return self._roots[folder]
        if os.path.exists(os.path.join(folder, ".git")):
            root: str | None = folder
        else:
            up = os.path.dirname(folder)
            root = None if up == folder else self._root(up)
        self._roots[folder] = root
        return root

    def _dir_ignored(self, folder: str, root: str) -> bool:
        if folder == root or len(folder) <= len(root):
            return False
        if folder not in self._dirs:
            if self._dir_ignored(os.path.dirname(folder), root):
                self._dirs[folder] = True
            else:
                decided = self._decide(folder, root, True)
                self._dirs[folder] = decided is not None and not decided[0].negated
        return self._dirs[folder]

    def _folder_rules(self, folder: str, root: str) -> tuple[tuple[Rule, str], ...]:
        if folder not in self._rules:
            own = os.path.join(folder, GITIGNORE)
            rules = tuple((rule, own) for rule in _read_rules(own))
            if folder == root:  # info/exclude first: the root .gitignore overrides it
                exclude = os.path.join(root, ".git", "info", "exclude")
                rules = tuple((rule, exclude) for rule in _read_rules(exclude)) + rules
            self._rules[folder] = rules
        return self._rules[folder]

    def _decide(self, full: str, root: str, is_dir: bool | None) -> tuple[Rule, str] | None:
        """The last pattern matching `full` itself in the deepest `.gitignore` that has one."""
        level = os.path.dirname(full)
        while True:
            rules = self._folder_rules(level, root)
            if rules:
                rel = full[len(level) :].lstrip(os.sep)  # `full` lies below `level`
                if os.sep != "/":
                    rel = rel.replace(os.sep, "/")
                for rule, source in reversed(rules):
                    if not rule.regex.match(rel):
                        continue
                    if rule.dir_only:
                        if is_dir is None:
                            is_dir = os.path.isdir(full)  # asked only when a folder pattern matches
                        if not is_dir:
                            continue
                    return rule, source
            if level == root or len(level) <= len(root):
                return None
            level = os.path.dirname(level)
