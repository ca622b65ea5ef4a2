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
    except SyntaxError as exc:
        if "invalid or missing encoding declaration" not in exc.msg:
            raise SourceError("E902", f"cannot decode: {exc.msg}") from None  # a bad coding cookie
        encoding = "utf-8"  # undecodable first lines: report the exact byte below
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


def check_syntax(text: str) -> tuple[ast.Module | None, SourceError | None]:
    """CPython's parse of `text`: (the tree, None), or (None, the E999 it is rejected with)."""
    try:
        return ast.parse(text), None
    except SyntaxError as exc:
        return None, SourceError("E999", f"SyntaxError: {exc.msg}", exc.lineno or 1, max(exc.offset or 1, 1))
    except (RecursionError, MemoryError):
        return None, SourceError("E999", "SyntaxError: too deeply nested for CPython's parser")
    except ValueError as exc:
        return None, SourceError("E999", f"SyntaxError: {exc}")


# libcst's native parser overflows the C stack on pathological nesting that CPython's parser
# rejects cleanly; only inputs well inside these bounds are given to it after CPython said no.
_MAX_LINE = 20_000
_MAX_BRACKET_DEPTH = 150


def may_be_newer_syntax(text: str, error: SourceError) -> bool:
    """Whether a file the running CPython rejected is worth a second opinion from libcst, which
    knows the grammar of newer Pythons (a 3.12 f-string on 3.11)."""
    if "too deeply nested" in error.message or "too many nested" in error.message:
        return False
    depth = deepest = 0
    for line in text.splitlines():
        if len(line) > _MAX_LINE:
            return False
        for char in line:
            if char in "([{":
                depth += 1
                deepest = max(deepest, depth)
            elif char in ")]}":
                depth -= 1
    return deepest <= _MAX_BRACKET_DEPTH
