"""A file's bytes as something fixes apply to, and back to bytes.

- `PythonDocument`: the source decoded as lrlint read it (PEP 263 coding, BOM), edited as text,
  encoded back with the same encoding, BOM and line breaks. A file whose bytes would not come
  back identical before any edit is not offered for fixing at all.
- `NotebookDocument`: edits are relative to cells; each changed cell's source is spliced back into
  the JSON text (lrlint/fixing/nbjson.py), everything else byte for byte. An edit on a line lrlint
  read as IPython syntax (a magic it replaced by `pass`) is refused: it was not the cell's text.
"""

from __future__ import annotations

import codecs
from collections.abc import Sequence
from typing import Union

from lrlint.fixing.edits import Cell, Lines, Span, apply, normalise_content, valid

Placed = list[tuple[Cell, Span]]


class DocumentError(Exception):
    """The file cannot be fixed (nor written back); the message is one line."""


class PythonDocument:
    def __init__(self, data: bytes) -> None:
        from lrlint.source import SourceError, decode

        try:
            source = decode(data)
        except SourceError as exc:
            raise DocumentError(exc.message) from None
        self.encoding = source.encoding
        self.bom = data.startswith(codecs.BOM_UTF8)
        self.text = source.text
        self.lines = Lines(self.text)
        self.newline = self.lines.newline()
        self._comment_spans: tuple[list[tuple[int, int]] | None] | None = None
        try:
            same = self.encode(self.text) == data
        except DocumentError:
            same = False
        if not same:
            raise DocumentError(f"its bytes do not decode and encode back unchanged as {self.encoding}")

    def encode(self, text: str) -> bytes:
        try:
            data = text.encode(self.encoding)
        except UnicodeEncodeError as exc:
            raise DocumentError(f"the fixed text cannot be written as {self.encoding} ({exc.reason})") from None
        return codecs.BOM_UTF8 + data if self.bom else data

    def place(self, edits: Sequence[object]) -> Placed | None:
        """A fix's edits as offsets; None when one is not in this file's text, or would delete a
        comment together with code (fixes keep every comment; LR100 edits comments only)."""
        spans: list[Span] = []
        for edit in edits:
            if getattr(edit, "cell", None) is not None:
                return None
            span = _span(self.lines, edit, self.newline)
            if span is None or _drops_comment(self.text, span, self._comments()):
                return None
            spans.append(span)
        return [(None, s) for s in spans] if valid(spans) else None

    def _comments(self) -> list[tuple[int, int]] | None:
        if self._comment_spans is None:  # tokenized once, when a fix is first placed
            self._comment_spans = (_comment_spans(self.text, self.lines),)
        return self._comment_spans[0]

    def apply(self, placed: Sequence[Placed]) -> bytes:
        return self.encode(apply(self.text, [span for fix in placed for _, span in fix]))


class NotebookDocument:
    def __init__(self, data: bytes) -> None:
        from lrlint.fixing.nbjson import NotebookJSONError, source_spans
        from lrlint.notebook import NotebookError, load_notebook

        try:
            notebook = load_notebook(data, "notebook")
        except NotebookError as exc:
            raise DocumentError(str(exc).removeprefix("notebook: ")) from None
        self.bom = data.startswith(codecs.BOM_UTF8)
        self.raw = data.decode("utf-8-sig")
        try:
            spans = source_spans(self.raw)
        except NotebookJSONError as exc:
            raise DocumentError(f"cannot locate its cells in the JSON ({exc})") from None
        import json

        self.sources: dict[int, str] = {}
        for number in notebook.code_cells:
            span = spans.get(number)
            if span is None:
                continue
            value = json.loads(self.raw[span.start : span.end])
            self.sources[number] = "".join(value) if isinstance(value, list) else value
        self.notebook = notebook
        self._lines: dict[int, Lines] = {}
        self._python: dict[int, list[str]] = {}
        self._comment_spans: dict[int, list[tuple[int, int]] | None] = {}

    def lines(self, cell: int) -> Lines:
        if cell not in self._lines:
            self._lines[cell] = Lines(self.sources[cell])
        return self._lines[cell]

    def _comments(self, cell: int) -> list[tuple[int, int]] | None:
        """The comments of a cell as offsets in its source (found in the text lrlint analysed;
        the lines it replaced are never edited)."""
        if cell not in self._comment_spans:
            from lrlint.notebook import python_lines

            analysed = "".join(line + "\n" for line in python_lines(self.sources[cell]) or [])
            self._comment_spans[cell] = _comment_spans(analysed, self.lines(cell))
        return self._comment_spans[cell]

    def python_line(self, cell: int, row: int) -> str | None:
        """The cell's row as lrlint analysed it (IPython syntax neutralised)."""
        from lrlint.notebook import python_lines

        if cell not in self._python:
            self._python[cell] = python_lines(self.sources[cell]) or []
        rows = self._python[cell]
        return rows[row - 1] if 1 <= row <= len(rows) else None

    def place(self, edits: Sequence[object]) -> Placed | None:
        placed: Placed = []
        for edit in edits:
            cell = getattr(edit, "cell", None)
            if cell is None or cell not in self.sources:
                return None
            lines = self.lines(cell)
            span = _span(lines, edit, "\n")
            if span is None or _drops_comment(lines.text, span, self._comments(cell)):
                return None
            start, end = edit.start.row, edit.end.row  # type: ignore[attr-defined]
            if edit.end.column == 1 and end > start:  # type: ignore[attr-defined]
                end -= 1  # ends at the start of a row: that row is not edited
            for row in range(start, end + 1):
                if row <= len(lines) and self.python_line(cell, row) != lines.line(row):
                    return None  # lrlint read a stand-in for this line, not the cell's text
            placed.append((cell, span))
        by_cell: dict[Cell, list[Span]] = {}
        for cell, span in placed:
            by_cell.setdefault(cell, []).append(span)
        return placed if all(valid(spans) for spans in by_cell.values()) else None

    def apply(self, placed: Sequence[Placed]) -> bytes:
        from lrlint.fixing.nbjson import NotebookJSONError, replace_sources

        by_cell: dict[int, list[Span]] = {}
        for fix in placed:
            for cell, span in fix:
                assert cell is not None
                by_cell.setdefault(cell, []).append(span)
        changed = {cell: apply(self.sources[cell], spans) for cell, spans in by_cell.items()}
        try:
            raw = replace_sources(self.raw, changed)
        except NotebookJSONError as exc:
            raise DocumentError(f"cannot write its cells back ({exc})") from None
        data = raw.encode("utf-8")
        return codecs.BOM_UTF8 + data if self.bom else data


Document = Union[PythonDocument, NotebookDocument]


def open_document(data: bytes, notebook: bool) -> Document:
    """Raises DocumentError."""
    return NotebookDocument(data) if notebook else PythonDocument(data)


def _span(lines: Lines, edit: object, newline: str) -> Span | None:
    start = lines.offset(edit.start.row, edit.start.column)  # type: ignore[attr-defined]
    end = lines.offset(edit.end.row, edit.end.column)  # type: ignore[attr-defined]
    if start is None or end is None or start > end:
        return None
    return Span(start, end, normalise_content(edit.content, newline))  # type: ignore[attr-defined]


def _comment_spans(analysed: str, lines: Lines) -> list[tuple[int, int]] | None:
    """Each comment's (start, end) offsets in the text of `lines`, found by tokenizing
    `analysed` (the same rows); None when it does not tokenize."""
    import io
    import tokenize

    found: list[tuple[int, int]] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(analysed, newline=None).readline):
            if tok.type == tokenize.COMMENT:
                start = lines.offset(tok.start[0], tok.start[1] + 1)
                end = lines.offset(tok.end[0], tok.end[1] + 1)
                if start is not None and end is not None:
                    found.append((start, end))
    except (tokenize.TokenError, SyntaxError):
        return None
    return found


def _drops_comment(text: str, span: Span, comments: list[tuple[int, int]] | None) -> bool:
    """Whether the edit removes (part of) a comment together with code: what it replaces is
    neither only comments and space, nor inside one comment."""
    removed = text[span.start : span.end]
    if comments is None:
        return "#" in removed
    touched = [(a, b) for a, b in comments if a < span.end and span.start < b]
    if not touched:
        return False
    if any(a <= span.start and span.end <= b for a, b in touched):
        return False  # an edit within one comment (LR100 dropping a code)
    rest = list(removed)
    for a, b in touched:
        for i in range(max(a, span.start), min(b, span.end)):
            rest[i - span.start] = " "
    return bool("".join(rest).replace("\\", " ").strip())
