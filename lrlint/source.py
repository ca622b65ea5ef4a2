"""Reading a file's bytes into source text, with a one-line reason when that is not possible."""

from __future__ import annotations

import ast
import codecs
import io
import tokenize
from dataclasses import dataclass


class SourceError(Exception):
    """An input that is not Python source lrlint can read; the message is one line."""

    def __init__(self, code: str, message: str, row: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.row = row
        self.column = column


@dataclass(frozen=True)
class Source:
    text: str
    encoding: str  # as declared (PEP 263) or utf-8; kept so that a later --fix can write it back


def decode(data: bytes) -> Source:
    """Decode like CPython does (BOM, coding cookie, else UTF-8); reject binary files."""
    if b"\x00" in data:
        raise SourceError("E902", "binary file (contains NUL bytes), not Python source")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:  # an unknown or inconsistent coding cookie
        raise SourceError("E902", f"cannot decode: {exc.msg}") from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        row = data.count(b"\n", 0, exc.start) + 1
        raise SourceError(
            "E902", f"not valid {encoding} (byte 0x{data[exc.start]:02x} at line {row})", row
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return Source(text, "utf-8" if encoding == "utf-8-sig" else codecs.lookup(encoding).name)


def syntax_error(text: str, fallback: str) -> SourceError:
    """The syntax error CPython reports for `text` (clearer than libcst's), as E999."""
    try:
        ast.parse(text)
    except SyntaxError as exc:
        row = exc.lineno or 1
        column = exc.offset or 1
        return SourceError("E999", f"SyntaxError: {exc.msg}", row, max(column, 1))
    except (ValueError, RecursionError, MemoryError) as exc:
        return SourceError("E999", f"SyntaxError: {exc}")
    # CPython accepts it but libcst does not (syntax newer than libcst knows).
    return SourceError("E999", f"libcst cannot parse this file: {fallback}")
