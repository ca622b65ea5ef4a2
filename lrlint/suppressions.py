"""Inline suppressions: `# noqa`, `# noqa: LR003, LR005` and `# lrlint: disable=LR005`.

`# noqa` (ruff/flake8 syntax) applies to its own line. `# lrlint: disable=...` applies to its own
line and, when the comment stands alone on its line, to the next line holding code, so that
several stacked directive lines all reach the statement below them.

A diagnostic is matched on its start row (ruff's `noqa_row`). E999/E902 are lrlint's reports about
the input itself and cannot be suppressed.
"""

from __future__ import annotations

import bisect
import io
import re
import tokenize
from dataclasses import dataclass, field
from collections.abc import Iterator
from typing import Literal

from lrlint.diagnostics import FILE_CODES

Kind = Literal["noqa", "disable"]

_CODE = r"[A-Za-z]+[0-9]+"
_NOQA = re.compile(r"#\s*noqa(?![\w-])", re.IGNORECASE)
_NOQA_CODES = re.compile(rf"\s*:\s*(?P<codes>{_CODE}(?:[\s,]+{_CODE})*)")
_DISABLE = re.compile(
    rf"#\s*lrlint\s*:\s*disable\s*=\s*(?P<codes>{_CODE}(?:\s*,\s*{_CODE})*)", re.IGNORECASE
)
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


@dataclass
class _Directive:
    row: int
    column: int
    kind: Kind
    codes: tuple[str, ...] | None  # None: a bare noqa, which suppresses every code
    rows: tuple[int, ...]  # the rows it applies to
    used: set[str] = field(default_factory=set)
    end_column: int = 0  # 1-based column just past the directive
    rest: str = ""  # the comment's text after the directive

    def covers(self, code: str) -> bool:
        return self.codes is None or code in self.codes


@dataclass(frozen=True)
class _Comment:
    row: int
    column: int  # 0-based, in characters
    text: str  # from the `#` to the end of the line
    standalone: bool  # nothing but whitespace before it on its line


class Suppressions:
    def __init__(self, directives: list[_Directive]) -> None:
        self._directives = directives
        self._by_row: dict[int, list[_Directive]] = {}
        for directive in directives:
            for row in directive.rows:
                self._by_row.setdefault(row, []).append(directive)

    @classmethod
    def from_source(cls, text: str) -> Suppressions:
        comments, code_rows = _scan(text)
        directives: list[_Directive] = []
        for comment in comments:
            directives.extend(_directives(comment, code_rows))
        return cls(directives)

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
        for directive in self._by_row.get(row, ()):
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
                    found.append(UnusedSuppression(d.row, d.column, d.kind, (), d.end_column, (), d.rest))
                continue
            idle = tuple(code for code in d.codes if code not in d.used)
            if idle:
                found.append(UnusedSuppression(d.row, d.column, d.kind, idle, d.end_column, d.codes, d.rest))
        return found

    def rows_listing(self, code: str) -> frozenset[int]:
        """The rows of directives that name `code` explicitly (a bare noqa does not)."""
        return frozenset(d.row for d in self._directives if d.codes is not None and code in d.codes)


def _directives(comment: _Comment, code_rows: list[int]) -> Iterator[_Directive]:
    noqa = _NOQA.search(comment.text)
    if noqa is not None:
        column = comment.column + noqa.start() + 1
        tail = comment.text[noqa.end() :]
        listed = _NOQA_CODES.match(tail)
        if listed is not None:
            end = noqa.end() + listed.end()
            yield _Directive(comment.row, column, "noqa", _codes(listed["codes"]), (comment.row,),
                             end_column=comment.column + end + 1, rest=comment.text[end:])
        elif not tail.lstrip().startswith(":"):
            yield _Directive(comment.row, column, "noqa", None, (comment.row,),
                             end_column=comment.column + noqa.end() + 1, rest=tail)
        # A noqa colon followed by no code is malformed: like ruff, it suppresses nothing.
    for disable in _DISABLE.finditer(comment.text):
        rows = [comment.row]
        if comment.standalone:
            after = bisect.bisect_right(code_rows, comment.row)
            if after < len(code_rows):
                rows.append(code_rows[after])
        column = comment.column + disable.start() + 1
        yield _Directive(comment.row, column, "disable", _codes(disable["codes"]), tuple(rows),
                         end_column=comment.column + disable.end() + 1, rest=comment.text[disable.end():])


def _codes(listed: str) -> tuple[str, ...]:
    unique: dict[str, None] = {}
    for code in re.split(r"[\s,]+", listed.strip()):
        unique[code.upper()] = None
    return tuple(unique)


def _scan(text: str) -> tuple[list[_Comment], list[int]]:
    """Real comments (never a `#` inside a string) and the sorted rows that hold code."""
    lines = re.split(r"\r\n|\r|\n", text)
    comments: list[_Comment] = []
    code_rows: set[int] = set()
    done = 0  # rows fully seen by tokenize
    try:
        # newline=None: `\r` and `\r\n` count as line ends, as they do for Python's parser.
        for tok in tokenize.generate_tokens(io.StringIO(text, newline=None).readline):
            row, col = tok.start
            if tok.type == tokenize.COMMENT:
                standalone = not lines[row - 1][:col].strip()
                comments.append(_Comment(row, col, tok.string, standalone))
            elif tok.type not in _NOT_CODE:
                code_rows.add(row)
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
    return comments, sorted(code_rows)


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
