"""Text edits: from 1-based (row, column) positions to offsets, and applying a set of fixes to one
text without letting two of them touch the same characters.

As ruff does, fixes are taken in source order and a fix whose edits overlap one already taken is
left for the next round (the engine re-lints the edited text and asks again); so a file is never
corrupted by two edits that disagree. Rows end at `\\r\\n`, `\\r` or `\\n`, as for CPython's parser;
columns count characters (code points).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Optional

_NEWLINE = re.compile(r"\r\n|\r|\n")
Cell = Optional[int]  # which text of a document an edit is in: a notebook cell, or None for the file

Unsafe = Literal["hint", "enabled", "disabled"]  # --unsafe-fixes unset, on, off (--no-unsafe-fixes)


def applicable(fix: object, unsafe: Unsafe) -> bool:
    """Whether a fix is applied by this run's `--fix` (safe ones; unsafe ones too when enabled)."""
    if fix is None:
        return False
    return getattr(fix, "applicability", None) == "safe" or (unsafe == "enabled" and getattr(fix, "applicability", None) == "unsafe")


class Lines:
    """Where each row of a text starts and where its content (before the line break) ends."""

    def __init__(self, text: str) -> None:
        self.text = text
        starts = [0]
        ends = []
        for match in _NEWLINE.finditer(text):
            ends.append(match.start())
            starts.append(match.end())
        ends.append(len(text))
        self.starts = starts
        self.ends = ends

    def __len__(self) -> int:
        return len(self.starts)

    def offset(self, row: int, column: int) -> int | None:
        """The offset of a 1-based position, or None when it is not inside the text. A column one
        past a row's content is the row's line break (or the end of the text)."""
        if not 1 <= row <= len(self.starts) or column < 1:
            return None
        offset = self.starts[row - 1] + column - 1
        return offset if offset <= self.ends[row - 1] else None

    def line(self, row: int) -> str:
        return self.text[self.starts[row - 1] : self.ends[row - 1]]

    def newline(self) -> str:
        """The text's line break, as its first line ends (`\\n` when it has none)."""
        match = _NEWLINE.search(self.text)
        return match.group() if match else "\n"


@dataclass(frozen=True)
class Span:
    """An edit as offsets into one text: replace `text[start:end]` with `content`."""

    start: int
    end: int
    content: str

    @property
    def empty(self) -> bool:
        return self.start == self.end


def conflicts(a: Span, b: Span) -> bool:
    """Whether applying both could depend on their order: they overlap, or one is an insertion
    at the other's edge. Two replacements that only meet end to start are independent."""
    if a.end < b.start or b.end < a.start:
        return False
    return not ((a.end == b.start or b.end == a.start) and not a.empty and not b.empty)


def valid(spans: Sequence[Span]) -> bool:
    """The edits of one fix, in order: each well formed, none overlapping another."""
    if any(s.start > s.end for s in spans):
        return False
    ordered = sorted(spans, key=lambda s: (s.start, s.end))
    return all(not (a.end > b.start) for a, b in zip(ordered, ordered[1:]))


def normalise_content(content: str, newline: str) -> str:
    """An edit's line breaks written as the file writes its own."""
    if newline == "\n" or ("\n" not in content and "\r" not in content):
        return content
    return _NEWLINE.sub(newline, content)


def choose(fixes: Sequence[Sequence[tuple[Cell, Span]]]) -> list[int]:
    """The indices of the fixes to apply this round: in order of their first edit, each taken
    unless one of its edits conflicts with an edit already taken in the same text (that fix waits
    for the next round). Each fix is its edits as (the text they belong to, such as a notebook
    cell, or None for the file; the edit)."""
    order = sorted(range(len(fixes)), key=lambda i: _first(fixes[i]))
    taken: list[int] = []
    placed: list[tuple[Cell, Span]] = []
    seen: set[tuple[tuple[Cell, Span], ...]] = set()
    for index in order:
        edits = fixes[index]
        signature = tuple(edits)
        if signature in seen:  # the same edits offered by another finding: applied once, both fixed
            taken.append(index)
            continue
        if any(k == key and conflicts(s, p) for key, s in edits for k, p in placed):
            continue
        seen.add(signature)
        taken.append(index)
        placed.extend(edits)
    return sorted(taken)


def _cell(key: Cell) -> int:
    return 0 if key is None else key


def _first(edits: Sequence[tuple[Cell, Span]]) -> tuple[int, int, int]:
    return min(((_cell(key), s.start, s.end) for key, s in edits), default=(0, 0, 0))


def apply(text: str, spans: Sequence[Span]) -> str:
    """Apply non-conflicting edits (as `choose` leaves them) to `text`, last first so that the
    offsets of the others stay true."""
    parts: list[str] = []
    cursor = len(text)
    # Insertions at one place keep their given order: the later one is taken first here.
    order = sorted(range(len(spans)), key=lambda i: (spans[i].start, spans[i].end, i), reverse=True)
    for span in (spans[i] for i in order):
        parts.append(text[span.end : cursor])
        parts.append(span.content)
        cursor = span.start
    parts.append(text[:cursor])
    return "".join(reversed(parts))
