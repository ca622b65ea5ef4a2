"""The lines of reported files, read again on demand for reporters that quote or map them.

The full format quotes the line under each finding; SARIF and GitHub annotations place a notebook
finding on the row of the `.ipynb` file where that cell line is stored. Only files with findings
are read, only regular files (a FIFO is never read twice), and anything unreadable just means
"no snippet": a reporter never fails because a file changed or vanished since it was linted.
"""

from __future__ import annotations

import bisect
import json
import os
import re
import stat
from pathlib import Path
from typing import Callable

_NEWLINE = re.compile(r"\r\n|\r|\n")  # what Python (and lrlint's notebook reader) counts as a line end
_WS = re.compile(r"[ \t\n\r]*")
MAX_BYTES = 64 * 1024 * 1024  # a report never rereads more than this per file


def split_lines(text: str) -> list[str]:
    lines = _NEWLINE.split(text)
    if lines and lines[-1] == "":
        lines.pop()  # the final newline ends the last line; it starts none
    return lines


class SourceLines:
    """Lines by file (and notebook cell), cached. `given` holds source not on disk (stdin)."""

    def __init__(self, cwd: Path, given: dict[str, bytes] | None = None) -> None:
        self.cwd = cwd
        self._given = dict(given or {})
        self._data: dict[str, bytes | None] = {}
        self._notebooks: dict[str, _Notebook | None] = {}

    def lines(self, filename: str, cell: int | None = None) -> list[str] | None:
        """The lines of a file, or of one cell (1-based, among all cells) of a notebook."""
        if cell is not None:
            notebook = self._notebook(filename)
            return notebook.lines(cell) if notebook is not None else None
        data = self._read(filename)
        if data is None:
            return None
        from lrlint.source import SourceError, decode

        try:
            return split_lines(decode(data).text)
        except SourceError:
            return None

    def notebook_row(self, filename: str, cell: int, row: int) -> int | None:
        """The 1-based row of the `.ipynb` file on which line `row` of `cell` is stored."""
        notebook = self._notebook(filename)
        return notebook.file_row(cell, row) if notebook is not None else None

    def _read(self, filename: str) -> bytes | None:
        if filename in self._given:
            return self._given[filename]
        if filename not in self._data:
            self._data[filename] = _read_regular(Path(self.cwd, filename))
        return self._data[filename]

    def _notebook(self, filename: str) -> _Notebook | None:
        if filename not in self._notebooks:
            data = self._read(filename)
            self._notebooks[filename] = _Notebook.parse(data) if data is not None else None
        return self._notebooks[filename]


def _read_regular(path: Path) -> bytes | None:
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
            return None
        return path.read_bytes()
    except (OSError, ValueError):
        return None


class _Notebook:
    """Each cell's source, and where in the file each of its strings starts."""

    def __init__(self, text: str, sources: list[list[tuple[int, str]]]) -> None:
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self._sources = sources  # per cell: (offset in the file, decoded string) of each part

    @classmethod
    def parse(cls, data: bytes) -> _Notebook | None:
        try:
            text = data.decode("utf-8-sig")
            return cls(text, _cell_sources(text))
        except (ValueError, RecursionError, IndexError, TypeError, KeyError):
            return None  # not a notebook this reader understands: no snippet, no mapping

    def _parts(self, cell: int) -> list[tuple[int, str]] | None:
        if not 1 <= cell <= len(self._sources):
            return None
        return self._sources[cell - 1]

    def lines(self, cell: int) -> list[str] | None:
        parts = self._parts(cell)
        return None if parts is None else split_lines("".join(s for _, s in parts))

    def file_row(self, cell: int, row: int) -> int | None:
        parts = self._parts(cell)
        if not parts or row < 1:
            return None
        joined = "".join(s for _, s in parts)
        starts = [0] + [m.end() for m in _NEWLINE.finditer(joined)]
        if row > len(starts):
            return None
        position = starts[row - 1]  # where the cell line starts in the joined source
        # The JSON string holding that position: nbformat stores one line per string.
        ends = []
        total = 0
        for _, s in parts:
            total += len(s)
            ends.append(total)
        index = min(bisect.bisect_right(ends, position), len(parts) - 1)
        offset = parts[index][0]
        return bisect.bisect_right(self._line_starts, offset)


def _cell_sources(text: str) -> list[list[tuple[int, str]]]:
    """For every cell of an nbformat document, its `source` strings with their file offsets.

    A small scanner over the JSON text (json.loads keeps no positions): it descends into the top
    object's "cells" and each cell's "source", and lets the json module parse everything else.
    Anything unexpected raises ValueError.
    """
    decoder = json.JSONDecoder()
    scanstring = json.decoder.scanstring  # type: ignore[attr-defined]
    sources: list[list[tuple[int, str]]] = []

    def ws(i: int) -> int:
        return _WS.match(text, i).end()  # type: ignore[union-attr]

    def expect(i: int, char: str) -> int:
        if text[i : i + 1] != char:
            raise ValueError(f"expected {char!r} at offset {i}")
        return i + 1

    def skip(_key: str, i: int) -> int:
        return decoder.raw_decode(text, i)[1]

    def json_object(i: int, member: Callable[[str, int], int]) -> int:
        i = ws(expect(i, "{"))
        if text[i : i + 1] == "}":
            return i + 1
        while True:
            key, i = scanstring(text, expect(i, '"'))
            i = ws(member(key, ws(expect(ws(i), ":"))))
            if text[i : i + 1] == "}":
                return i + 1
            i = ws(expect(i, ","))

    def json_array(i: int, item: Callable[[int], int]) -> int:
        i = ws(expect(i, "["))
        if text[i : i + 1] == "]":
            return i + 1
        while True:
            i = ws(item(i))
            if text[i : i + 1] == "]":
                return i + 1
            i = ws(expect(i, ","))

    def source_string(i: int) -> int:
        value, end = scanstring(text, expect(i, '"'))
        sources[-1].append((i, value))
        return end

    def cell_member(key: str, i: int) -> int:
        if key != "source":
            return skip(key, i)
        if text[i : i + 1] == "[":
            return json_array(i, source_string)
        return source_string(i)

    def cell(i: int) -> int:
        sources.append([])
        return json_object(i, cell_member)

    def top_member(key: str, i: int) -> int:
        return json_array(i, cell) if key == "cells" else skip(key, i)

    json_object(ws(0), top_member)
    return sources
