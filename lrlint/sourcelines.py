"""The lines of reported files, read again on demand for reporters that quote or map them.

The full format quotes the lines around each finding; SARIF, GitHub and GitLab place a notebook
finding on the row of the `.ipynb` file where that cell line is stored. Only files with findings
are read, only regular files (a FIFO is never read twice), and anything unreadable just means
"no snippet": a reporter never fails because a file changed or vanished since it was linted.

A plain file is streamed: only the rows asked for are kept, reading stops after the last of them,
and a line longer than MAX_LINE_BYTES is not kept (its findings get no snippet), so quoting line 1
of ten 60 MB files costs kilobytes, not gigabytes. A notebook is parsed whole (lrlint reads
notebooks up to 32 MiB), one at a time.
"""

from __future__ import annotations

import bisect
import io
import itertools
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable

_NEWLINE = re.compile(r"\r\n|\r|\n")  # what Python (and lrlint's notebook reader) counts as a line end
_BREAK = re.compile(rb"\r\n|\r|\n")
_WS = re.compile(r"[ \t\n\r]*")
MAX_BYTES = 64 * 1024 * 1024  # a notebook is never reread past this size
MAX_LINE_BYTES = 64 * 1024  # a longer line is not quoted
CHUNK = 256 * 1024


def split_lines(text: str) -> list[str]:
    lines = _NEWLINE.split(text)
    if lines and lines[-1] == "":
        lines.pop()  # the final newline ends the last line; it starts none
    return lines


@dataclass(frozen=True)
class Lines:
    """Some rows of a file or cell: `rows[r]` is line r (1-based), or None when it cannot be quoted
    (too long, not text); a row asked for but absent lies past the end. `total` is the number of
    lines when the end was reached, else None (there are more)."""

    rows: dict[int, str | None]
    total: int | None


class SourceLines:
    """Rows by file (and notebook cell). `given` holds source not on disk (stdin)."""

    def __init__(self, cwd: Path, given: dict[str, bytes] | None = None) -> None:
        self.cwd = cwd
        self._given = dict(given or {})
        self._notebook_name: str | None = None  # the one notebook kept parsed
        self._notebook: _Notebook | None = None

    def rows(self, filename: str, wanted: Iterable[int], cell: int | None = None) -> Lines | None:
        """Lines `wanted` of a file, or of one cell (1-based, among all cells) of a notebook; None
        when the file cannot be read."""
        wanted = set(wanted)
        if cell is not None:
            notebook = self._notebook_of(filename)
            lines = notebook.lines(cell) if notebook is not None else None
            if lines is None:
                return None
            return Lines({r: lines[r - 1] for r in wanted if 1 <= r <= len(lines)}, len(lines))
        if filename in self._given:
            return _stream_rows(io.BytesIO(self._given[filename]), wanted)
        path = Path(self.cwd, filename)
        try:
            with open(path, "rb") as fh:
                if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                    return None
                return _stream_rows(fh, wanted)
        except (OSError, ValueError):
            return None

    def notebook_row(self, filename: str, cell: int, row: int) -> int | None:
        """The 1-based row of the `.ipynb` file on which line `row` of `cell` is stored."""
        notebook = self._notebook_of(filename)
        return notebook.file_row(cell, row) if notebook is not None else None

    def _notebook_of(self, filename: str) -> _Notebook | None:
        if filename != self._notebook_name:  # reporters ask file by file: keep only the last one
            self._notebook = None
            self._notebook_name = filename
            data = self._given[filename] if filename in self._given else _read_regular(Path(self.cwd, filename))
            self._notebook = _Notebook.parse(data) if data is not None else None
        return self._notebook


def _stream_rows(fh: BinaryIO, wanted: set[int]) -> Lines:
    """The wanted rows of a byte stream, decoded as Python decodes source (BOM, coding cookie)."""
    found: dict[int, str | None] = {}
    last = max(wanted, default=0)
    lines = _raw_lines(fh.read, MAX_LINE_BYTES)
    head = list(itertools.islice(lines, 2))  # where a coding cookie may be
    encoding = _encoding(head)
    row = 0
    for row, raw in enumerate(itertools.chain(head, lines), start=1):
        if row in wanted:
            found[row] = _decoded(raw, encoding, first=row == 1)
        if row >= last:
            return Lines(found, None)
    return Lines(found, row)


def _raw_lines(read: Callable[[int], bytes], limit: int) -> Iterator[bytes | None]:
    """Each physical line's bytes without its line end (`\\n`, `\\r\\n` or `\\r`), or None for a
    line longer than `limit`, whose bytes are skipped, never held."""
    buffer = b""
    overlong = False
    while True:
        chunk = read(CHUNK)
        if not chunk:
            break
        buffer += chunk
        start = 0
        for match in _BREAK.finditer(buffer):
            if match.group() == b"\r" and match.end() == len(buffer):
                break  # may be the first half of `\r\n`: decide with the next chunk
            yield None if overlong else buffer[start : match.start()]
            overlong = False
            start = match.end()
        buffer = buffer[start:]
        if len(buffer) > limit:
            overlong = True
            buffer = buffer[-1:] if buffer.endswith(b"\r") else b""
    if buffer.endswith(b"\r"):
        yield None if overlong else buffer[:-1]
    elif buffer or overlong:
        yield None if overlong else buffer


def _encoding(head: list[bytes | None]) -> str:
    import tokenize

    lines = iter([*(line + b"\n" for line in head if line is not None), b""])
    try:
        return tokenize.detect_encoding(lambda: next(lines, b""))[0]
    except SyntaxError:
        return "utf-8"


def _decoded(raw: bytes | None, encoding: str, first: bool) -> str | None:
    if raw is None or b"\x00" in raw:
        return None  # too long to quote, or not text
    try:
        text = raw.decode(encoding if first else encoding.replace("utf-8-sig", "utf-8"))
    except (UnicodeDecodeError, LookupError):
        return None
    return text[1:] if first and text.startswith("\ufeff") else text


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
