"""Suppression comments: `# noqa`, `# noqa: LR003, LR005`, `# lrlint: disable=LR005` and the
file-level `# lrlint: noqa` / `# lrlint: noqa: LR004`.

`# noqa` (ruff/flake8 syntax) applies to its own line. `# lrlint: disable=...` applies to its own
line and, when the comment stands alone on its line, to the next line holding code, so that
several stacked directive lines all reach the statement below them. `# lrlint: noqa` (ruff's
`# ruff: noqa`) applies to the whole file; like ruff's, it must stand alone on its line.

Where a code is accepted, so is a rule's name (`# lrlint: disable=gamma-not-decaying`). Codes
match exactly, as in ruff: `# noqa: LR` or `# noqa: LR0` suppresses nothing (LR100 says so).
As in ruff, `# noqa LR004` without a colon is a blanket `# noqa` (every code on the line); a
warning says so when the code is lrlint's (`# noqa F403` is left to ruff's PGH004). An unknown name in a `# lrlint:` directive, or a `# noqa:` without any code, is
a warning too, and suppresses nothing.

A diagnostic is matched on its start row (ruff's `noqa_row`). A line that cannot end in a comment
(inside a multi-line string, or ending in a backslash) is covered, as in ruff, by a directive on
the line where that string or continuation ends. E999/E902/E903 are lrlint's reports about the
input itself and cannot be suppressed.
"""

from __future__ import annotations

import bisect
import io
import re
import tokenize
from dataclasses import dataclass, field
from collections.abc import Iterator
from typing import Any, Literal

from lrlint.diagnostics import FILE_CODES

Kind = Literal["noqa", "disable", "file"]

_NOQA = re.compile(r"#\s*noqa(?![\w-])", re.IGNORECASE)
_COLON = re.compile(r"\s*:")
_DISABLE = re.compile(r"#\s*lrlint\s*:\s*disable\s*=", re.IGNORECASE)
_FILE_NOQA = re.compile(r"#\s*lrlint\s*:\s*noqa(?![\w-])", re.IGNORECASE)
_ITEM = re.compile(r"[\s,]*([^\s,#]+)")  # the next item of a code list, after separators
_CODE = re.compile(r"[A-Za-z]+[0-9]+|[Ll][Rr]")  # a code, or lrlint's bare prefix (a code of no rule)
_NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)+")  # a rule name: gamma-not-decaying
_UNSUPPRESSIBLE = frozenset(FILE_CODES)
_NOT_CODE = frozenset(
    {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
     tokenize.ENDMARKER}
)  # fmt: skip


@dataclass(frozen=True)
class UnusedSuppression:
    row: int
    column: int  # 1-based column of the directive's `#`
    kind: Kind
    codes: tuple[str, ...]  # the codes that suppressed nothing; () for a bare noqa
    # For LR100's fix, not part of what the report is (not compared):
    end_column: int = field(default=0, compare=False)  # 1-based column just past the directive
    listed: tuple[str, ...] = field(default=(), compare=False)  # every code it lists, used or not
    rest: str = field(default="", compare=False)  # the comment's text after the directive
    no_colon: bool = field(default=False, compare=False)  # `# noqa LR004`: blanket for want of a colon
    lead: int = field(default=0, compare=False)  # whitespace characters right before its `#`
    alone: bool = field(default=False, compare=False)  # nothing else before it on its line


@dataclass
class _Directive:
    row: int
    column: int
    kind: Kind
    codes: tuple[str, ...] | None  # None: a blanket directive, which suppresses every code
    rows: tuple[int, ...]  # the rows it applies to; () for a file-level directive (all rows)
    used: set[str] = field(default_factory=set)
    end_column: int = 0  # 1-based column just past the directive
    rest: str = ""  # the comment's text after the directive
    no_colon: bool = False
    lead: int = 0  # whitespace characters right before its `#` (for LR100's fix)
    alone: bool = False  # nothing else before it on its line

    def covers(self, code: str) -> bool:
        return self.codes is None or code in self.codes


@dataclass(frozen=True)
class _Comment:
    row: int
    column: int  # 0-based, in characters
    text: str  # from the `#` to the end of the line
    standalone: bool  # nothing but whitespace before it on its line
    lead: int = 0  # whitespace characters right before it


@dataclass(frozen=True)
class DirectiveWarning:
    """A directive lrlint does not read as its author may have meant: printed as a warning."""

    row: int
    column: int  # 1-based
    message: str


class Suppressions:
    def __init__(self, directives: list[_Directive], warnings: list[DirectiveWarning] | None = None) -> None:
        self._directives = directives
        self.warnings = list(warnings or ())
        self._by_row: dict[int, list[_Directive]] = {}
        self._file = [d for d in directives if d.kind == "file"]
        for directive in directives:
            for row in directive.rows:
                self._by_row.setdefault(row, []).append(directive)

    @classmethod
    def from_source(cls, text: str) -> Suppressions:
        comments, code_rows, joined = _scan(text)
        directives: list[_Directive] = []
        warnings: list[DirectiveWarning] = []
        for comment in comments:
            directives.extend(_directives(comment, code_rows, warnings, joined.get(comment.row, comment.row)))
        return cls(directives, warnings)

    def __len__(self) -> int:
        return len(self._directives)

    def __reduce__(self) -> tuple[type[Suppressions], tuple[list[_Directive]]]:
        return (Suppressions, (self._directives,))  # rebuilt from its directives (the cache's codec too)

    def is_suppressed(self, code: str, row: int) -> bool:
        """Whether a diagnostic `code` starting on `row` is suppressed; records the use."""
        code = code.upper()
        if code in _UNSUPPRESSIBLE:
            return False
        suppressed = False
        for directive in (*self._by_row.get(row, ()), *self._file):
            if directive.covers(code):
                directive.used.add(code)  # every matching directive counts as used
                suppressed = True
        return suppressed

    def unused(self) -> list[UnusedSuppression]:
        """Directives, or codes in them, that suppressed nothing so far, in source order."""
        found: list[UnusedSuppression] = []
        for d in self._directives:
            if d.codes is None:
                if not d.used:
                    found.append(UnusedSuppression(d.row, d.column, d.kind, (), d.end_column, (), d.rest, d.no_colon, d.lead, d.alone))
                continue
            idle = tuple(code for code in d.codes if code not in d.used)
            if idle:
                found.append(UnusedSuppression(d.row, d.column, d.kind, idle, d.end_column, d.codes, d.rest, False, d.lead, d.alone))
        return found

    def noqa_at(self, row: int) -> tuple[int, int, tuple[str, ...] | None] | None:
        """The `# noqa` directive written on `row`, as (1-based column of its `#`, column just
        past it, its codes or None for a bare one); None when the row has none."""
        for d in self._directives:
            if d.kind == "noqa" and d.row == row:
                return d.column, d.end_column, d.codes
        return None

    def rows_listing(self, code: str) -> frozenset[int]:
        """The rows of directives that name `code` explicitly (a bare noqa does not)."""
        return frozenset(d.row for d in self._directives if d.codes is not None and code in d.codes)

    def file_exempts(self, code: str) -> bool:
        """Whether a file-level directive covers `code` (`# lrlint: noqa`, `# lrlint: noqa: LR100`),
        without counting it as a use."""
        return any(d.covers(code) for d in self._file)


def _directives(comment: _Comment, code_rows: list[int], warnings: list[DirectiveWarning], first_row: int) -> Iterator[_Directive]:
    """`first_row`: where the lines a comment on this row ends start (a multi-line string or a
    backslash continuation ending here): its directives cover them all, as ruff's noqa does."""
    own = tuple(range(first_row, comment.row + 1))
    text = comment.text
    noqa = _NOQA.search(text)
    if noqa is not None:
        column = comment.column + noqa.start() + 1
        colon = _COLON.match(text, noqa.end())
        if colon is not None:
            codes, end = _code_list(text, colon.end(), comment, warnings, own=False)
            if codes:
                yield _Directive(comment.row, column, "noqa", codes, own,
                                 end_column=comment.column + end + 1, rest=text[end:], **_place(comment, noqa.start()))
            else:  # like ruff: malformed, suppresses nothing
                warnings.append(DirectiveWarning(comment.row, column, "`# noqa:` without a rule code suppresses nothing (expected e.g. `# noqa: LR004`)"))
        else:
            after = _ITEM.match(text, noqa.end())
            # Only lrlint's own codes: `# noqa F403` is ruff's or flake8's to judge (ruff's PGH004).
            no_colon = after is not None and (_code_of(after.group(1)) or "").startswith("LR")
            if no_colon:
                written = after.group(1)  # type: ignore[union-attr]
                warnings.append(DirectiveWarning(comment.row, column, f"`# noqa {written}` has no colon: as in ruff, it suppresses every code on its line; write `# noqa: {written}` for that code only"))
            yield _Directive(comment.row, column, "noqa", None, own,
                             end_column=comment.column + noqa.end() + 1, rest=text[noqa.end():], no_colon=no_colon,
                             **_place(comment, noqa.start()))
    for disable in _DISABLE.finditer(text):
        column = comment.column + disable.start() + 1
        before = len(warnings)
        codes, end = _code_list(text, disable.end(), comment, warnings, own=True)
        if not codes:
            if len(warnings) == before:  # not said already (an unknown name)
                    warnings.append(DirectiveWarning(comment.row, column, "`# lrlint: disable=` without a rule code or name suppresses nothing"))
            continue
        rows = list(own)
        if comment.standalone:
            after = bisect.bisect_right(code_rows, comment.row)
            if after < len(code_rows):
                rows.append(code_rows[after])
        yield _Directive(comment.row, column, "disable", codes, tuple(rows),
                         end_column=comment.column + end + 1, rest=text[end:], **_place(comment, disable.start()))
    for whole in _FILE_NOQA.finditer(text):
        column = comment.column + whole.start() + 1
        if not comment.standalone:
            warnings.append(DirectiveWarning(comment.row, column, "`# lrlint: noqa` applies to the whole file only on a line of its own; ignored here (for this line, write `# noqa`)"))
            continue
        colon = _COLON.match(text, whole.end())
        if colon is None:
            yield _Directive(comment.row, column, "file", None, (),
                             end_column=comment.column + whole.end() + 1, rest=text[whole.end():], **_place(comment, whole.start()))
            continue
        before = len(warnings)
        codes, end = _code_list(text, colon.end(), comment, warnings, own=True)
        if not codes:
            if len(warnings) == before:
                warnings.append(DirectiveWarning(comment.row, column, "`# lrlint: noqa:` without a rule code or name suppresses nothing"))
            continue
        yield _Directive(comment.row, column, "file", codes, (), end_column=comment.column + end + 1, rest=text[end:],
                         **_place(comment, whole.start()))


def _place(comment: _Comment, start: int) -> dict[str, Any]:
    """What precedes a directive starting at `start` in the comment: its lead and whether it is alone."""
    if start == 0:
        return {"lead": comment.lead, "alone": comment.standalone}
    before = comment.text[:start]
    return {"lead": len(before) - len(before.rstrip()), "alone": False}


def _code_list(text: str, start: int, comment: _Comment, warnings: list[DirectiveWarning], own: bool) -> tuple[tuple[str, ...], int]:
    """The codes listed from `start` on (names turned into codes) and the offset just past the
    last one. The list ends at the first item that is neither a code nor a rule name: the rest is
    a comment (`# noqa: LR004 milestones come from the config`). In lrlint's own directives
    (`own`), a word shaped like a rule name that names no rule is reported, not skipped."""
    unique: dict[str, None] = {}
    end = start
    while True:
        item = _ITEM.match(text, end)
        if item is None:
            break
        code = _code_of(item.group(1))
        if code is None:
            if own and _NAME.fullmatch(item.group(1)):
                warnings.append(DirectiveWarning(comment.row, comment.column + item.start(1) + 1, f"{item.group(1)!r} is not an lrlint rule code or name; it suppresses nothing (`lrlint rule --all` lists them)"))
            break
        unique[code] = None
        end = item.end()
    return tuple(unique), end


def _code_of(word: str) -> str | None:
    """The code a list item stands for: a code as written (upper-cased), or a rule's code by name."""
    if _CODE.fullmatch(word):
        return word.upper()
    if _NAME.fullmatch(word):
        from lrlint.catalogue import codes  # only for names: reads the catalogue once

        return next((code for code, info in codes().items() if info.name == word), None)
    return None


def noqa_rows(text: str) -> dict[int, int]:
    """Rows whose `# noqa` has to go on a later row, mapped to that row: the rows of a multi-line
    string and of a backslash continuation, which cannot end in a comment, belong to the row where
    it ends (as ruff's noqa line for such code)."""
    ends = _scan(text)[2]
    return {row: end for end, start in ends.items() for row in range(start, end)}


def _scan(text: str) -> tuple[list[_Comment], list[int], dict[int, int]]:
    """Real comments (never a `#` inside a string), the sorted rows that hold code, and the rows
    that end multi-line strings or backslash continuations, mapped to the row these start on."""
    lines = re.split(r"\r\n|\r|\n", text)
    comments: list[_Comment] = []
    code_rows: set[int] = set()
    joined: list[tuple[int, int]] = []  # (first row, last row) that only a comment after the last may follow
    fstrings: list[int] = []  # start rows of the f-strings open (Python 3.12 tokenizes them in parts)
    last: tokenize.TokenInfo | None = None
    done = 0  # rows fully seen by tokenize
    try:
        # newline=None: `\r` and `\r\n` count as line ends, as they do for Python's parser.
        for tok in tokenize.generate_tokens(io.StringIO(text, newline=None).readline):
            row, col = tok.start
            if tok.type == tokenize.COMMENT:
                before = lines[row - 1][:col]
                comments.append(_Comment(row, col, tok.string, not before.strip(), len(before) - len(before.rstrip())))
            elif tok.type not in _NOT_CODE:
                code_rows.add(row)
            if tok.type == tokenize.STRING and tok.end[0] > row:
                joined.append((row, tok.end[0]))
            elif tok.type == getattr(tokenize, "FSTRING_START", -1):
                fstrings.append(row)
            elif tok.type == getattr(tokenize, "FSTRING_END", -1) and fstrings:
                opened = fstrings.pop()
                if tok.end[0] > opened:
                    joined.append((opened, tok.end[0]))
            if (last is not None and row > last.end[0] and last.type not in (tokenize.NEWLINE, tokenize.NL)
                    and lines[last.end[0] - 1].rstrip().endswith("\\")):
                joined.append((last.end[0], row))  # a backslash continuation
            last = tok
            done = tok.start[0] - 1
    except (tokenize.TokenError, SyntaxError):
        # Source tokenize rejects (it will be reported as E999): read the rest line by line.
        for row in range(done + 1, len(lines) + 1):
            line = lines[row - 1]
            start = _naive_comment_start(line)
            if start is not None:
                comments.append(_Comment(row, start, line[start:], not line[:start].strip()))
            if line[:start].strip():
                code_rows.add(row)
        comments.sort(key=lambda c: (c.row, c.column))
        comments = list({(c.row, c.column): c for c in comments}.values())
    return comments, sorted(code_rows), _merged(joined)


def _merged(spans: list[tuple[int, int]]) -> dict[int, int]:
    """Overlapping or chained (first, last) row spans merged, as {last row: first row}."""
    merged: list[list[int]] = []
    for first, end in sorted(spans):
        if merged and first <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([first, end])
    return {end: first for first, end in merged}


def _naive_comment_start(line: str) -> int | None:
    """Where a `#` outside quotes starts on one line, ignoring strings spanning lines."""
    quote: str | None = None
    i = 0
    while i < len(line):
        ch = line[i]
        if quote is not None:
            if ch == "\\":
                i += 2
                continue
            if line.startswith(quote, i):
                i += len(quote)
                quote = None
                continue
        elif ch == "#":
            return i
        elif ch in "'\"":
            quote = ch * 3 if line.startswith(ch * 3, i) else ch
            i += len(quote)
            continue
        i += 1
    return None
