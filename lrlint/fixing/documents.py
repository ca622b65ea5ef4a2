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
        """A fix's edits as offsets; None when one is not in this file's text."""
        spans: list[Span] = []
        for edit in edits:
            if getattr(edit, "cell", None) is not None:
                return None
            span = _span(self.lines, edit, self.newline)
            if span is None:
                return None
            spans.append(span)
        return [(None, s) for s in spans] if valid(spans) else None

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

    def lines(self, cell: int) -> Lines:
        if cell not in self._lines:
            self._lines[cell] = Lines(self.sources[cell])
        return self._lines[cell]

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
            if span is None:
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
