"""Path globs as ruff users write them: `*`, `?`, `[...]`, and `**` for any number of folders.

`fnmatch` lets `*` cross `/` and has no `**`, and `PurePath.full_match` needs Python 3.13, so
patterns are translated to regular expressions here. Matching works on POSIX-style strings.

The translation never backtracks exponentially. A naive one does: `*a*a*a*a*b` against a long
name of `a`s tries every way of splitting it between the stars (minutes for a dozen stars).
Only the last star of a folder name and the last `**/` of a pattern may backtrack; every other
one matches the shortest text after which its fixed part follows, and keeps that choice. That
choice is never wrong: a later start for the fixed part only leaves less room for what follows,
and the next star (or `**/`) can take up what the earlier choice skipped. Python's `re` has no
atomic groups before 3.11, so "keep that choice" is a lookahead (which `re` never re-enters)
captured and then consumed by a back-reference.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Callable

# Tokens of a translated glob: a regex for exactly one character (never `/`), or one of these.
SEP = "/"  # a literal `/`
STAR = "*"  # any text within one folder name
FOLDERS = "**/"  # zero or more whole folders
REST = "**"  # a trailing `/**` or a lone `**`: anything
Token = str  # SEP, STAR, FOLDERS, REST, or a one-character regex (escaped, so never equal to those)

# Group names must be unique across patterns: Settings joins many of them into one regex.
_names = itertools.count()


def tokens(pattern: str, escapes: bool, klass: Callable[[str, bool], str], one: str = "[^/]") -> list[Token]:
    """A glob as tokens. `escapes`: `\\` quotes the next character (gitignore); `klass` renders a
    `[...]` class from its escaped members and whether it is negated; `one` is what `?` matches."""
    out: list[Token] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\" and escapes:
            out.append(re.escape(pattern[i + 1]) if i + 1 < n else re.escape(ch))
            i += 2
            continue
        if ch == "*":
            j = i
            while j < n and pattern[j] == "*":
                j += 1
            double = j - i == 2 and (i == 0 or pattern[i - 1] == "/")  # `**` as a whole name
            if double and j == n:
                out.append(REST)
            elif double and pattern[j] == "/":
                out.append(FOLDERS)
                j += 1  # the `/` belongs to `**/`
            else:
                out.append(STAR)  # any other run of `*` is one `*`
            i = j
            continue
        if ch == "/":
            out.append(SEP)
        elif ch == "?":
            out.append(one)
        elif ch == "[":
            found = bracket(pattern, i)
            if found is None:
                out.append(re.escape(ch))
            else:
                body, negate, i = found
                out.append(klass(body, negate))
        else:
            out.append(re.escape(ch))
        i += 1
    return out


def assemble(toks: list[Token], literal_separator: bool = True) -> str:
    """The regular expression body for glob tokens (see the module's docstring).

    `literal_separator=False` (globset's default, which ruff's per-file-ignores use): `*` crosses
    `/` too, so a folder name is no boundary for it and the whole block is one segment."""
    blocks: list[list[Token]] = [[]]
    for tok in toks:
        if tok == FOLDERS:
            if blocks[-1] or len(blocks) == 1:
                blocks.append([])  # consecutive `**/` are one
        else:
            blocks[-1].append(tok)
    out = [_block(blocks[0], literal_separator)]
    for index, block in enumerate(blocks[1:], start=1):
        body = _block(block, literal_separator)
        if index < len(blocks) - 1:  # a middle block: ends at a folder boundary, kept once found
            out.append(_atomic(f"(?:[^/]*/)*?{body}"))
        else:
            out.append(f"(?:.*/)?{body}")
    return "".join(out)


def _block(toks: list[Token], literal_separator: bool = True) -> str:
    """Folder names separated by `/`, each with its stars made safe; REST ends the last one."""
    if not literal_separator:  # `/` is an ordinary character that stars may cross
        return _segment(["/" if tok == SEP else ("*" if tok == REST else tok) for tok in toks], ".")
    out: list[str] = []
    segment: list[Token] = []
    for tok in toks:
        if tok == SEP:
            out.append(_segment(segment) + "/")
            segment = []
        elif tok == REST:
            out.append(_segment(segment) + ".*")
            segment = []
        else:
            segment.append(tok)
    out.append(_segment(segment))
    return "".join(out)


def _segment(toks: list[Token], anything: str = "[^/]") -> str:
    pieces: list[list[str]] = [[]]  # fixed-width parts between the stars
    for tok in toks:
        if tok == STAR:
            if pieces[-1] or len(pieces) == 1:
                pieces.append([])
        else:
            pieces[-1].append(tok)
    out = "".join(pieces[0])
    for index, piece in enumerate(pieces[1:], start=1):
        fixed = "".join(piece)
        if index < len(pieces) - 1:
            out += _atomic(f"{anything}*?{fixed}")
        else:
            out += f"{anything}*{fixed}"
    return out


def _atomic(body: str) -> str:
    name = f"g{next(_names)}"
    return f"(?=(?P<{name}>{body}))(?P={name})"


def translate(pattern: str, literal_separator: bool = True) -> str:
    """The regular expression (anchored) that matches exactly the paths `pattern` matches.

    `literal_separator=False` is globset's default, which ruff's per-file-ignores use: `*`, `?`
    and `[...]` match `/` too, so `src/*` matches `src/a/b.py`."""

    def klass(body: str, negate: bool) -> str:
        return f"[{('^/' if literal_separator else '^') if negate else ''}{body}]"

    one = "[^/]" if literal_separator else "."
    toks = tokens(pattern, escapes=False, klass=klass, one=one)
    return "(?s:" + assemble(toks, literal_separator) + r")\Z"


def bracket(pattern: str, start: int) -> tuple[str, bool, int] | None:
    """The `[...]` class opening at `start`: (its members escaped for `re`, negated, index of its
    closing `]`), or None when it is unclosed (then `[` is a literal)."""
    j = start + 1
    if j < len(pattern) and pattern[j] in "!^":
        j += 1
    if j < len(pattern) and pattern[j] == "]":
        j += 1  # a leading `]` is a literal member
    end = pattern.find("]", j)
    if end < 0:
        return None
    body = pattern[start + 1 : end]
    negate = body[:1] in ("!", "^")
    if negate:
        body = body[1:]
    # Escape what `re` would read as syntax or warn about (nested sets, `&&`).
    return "".join("\\" + c if c in "\\[]^&~|" else c for c in body), negate, end


@dataclass(frozen=True)
class Glob:
    """A pattern as written, compiled once."""

    pattern: str
    literal_separator: bool = True
    regex: re.Pattern[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", re.compile(translate(self.pattern, self.literal_separator)))

    def matches(self, path: str) -> bool:
        return self.regex.match(path) is not None

