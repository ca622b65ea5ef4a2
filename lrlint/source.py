"""Reading a file's bytes into source text, with a one-line reason when that is not possible."""

from __future__ import annotations

import ast
import codecs
import io
import os
import re
import stat
import sys
import tokenize
from dataclasses import dataclass
from typing import BinaryIO


class SourceError(Exception):
    """An input that is not Python source lrlint can read; the message is one line."""

    def __init__(self, code: str, message: str, row: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.row = row
        self.column = column


# The memory an analysis takes grows with the syntax nodes of a file: libcst's parse peaks at about
# 6 kB a name or number in the densest code (lambdas, one-line calls: 650 MB at the bound below),
# 3 kB in ordinary training code (a 21,000-name timm model: 100 MB). Past these bounds a file is
# not analysed (an E903 finding names it), before any parse: cheap verdicts on generated code.
# (What a parse may take whatever its input is bounded around it, in its process:
# lrlint/workers.py.) The largest file in 13 public training repositories holds about 30,000 of
# them; files past the bounds are generated.
MAX_FILE_BYTES = 1024 * 1024
# A notebook's JSON carries its outputs (images, logs): only its code cells count against the
# bounds above, and the JSON itself is read up to this size.
MAX_NOTEBOOK_BYTES = 32 * 1024 * 1024
MAX_WORDS = 100_000
_WORD = re.compile(rb"\w+")
# Empty brackets build syntax nodes without a name or number: a megabyte of `((),(),...)` took
# 600 MB in CPython's parser and gigabytes in libcst. The most in a file of 13 public training
# repositories is 4,000 opening brackets.
MAX_BRACKETS = 50_000



def too_large(notebook: bool = False, code: bool = False) -> SourceError:
    if code:
        what, limit = "the notebook's code cells are", MAX_FILE_BYTES
    elif notebook:
        what, limit = "the notebook is", MAX_NOTEBOOK_BYTES
    else:
        what, limit = "the file is", MAX_FILE_BYTES
    return SourceError("E903", f"not analysed: {what} larger than lrlint's limit of {limit // 2**20} MiB per file")


def read_limit(path: os.PathLike[str] | str) -> int:
    return MAX_NOTEBOOK_BYTES if os.fspath(path).endswith(".ipynb") else MAX_FILE_BYTES


def too_dense(code: bytes) -> SourceError | None:
    """E903 when the code holds more names and numbers than lrlint analyses in bounded memory."""
    words = len(_WORD.findall(code))
    if words > MAX_WORDS:
        return SourceError(
            "E903", f"not analysed: {words:,} names and numbers, over lrlint's limit of {MAX_WORDS:,} per file"
        )
    brackets = code.count(b"(") + code.count(b"[") + code.count(b"{")
    if brackets > MAX_BRACKETS:
        return SourceError(
            "E903", f"not analysed: {brackets:,} opening brackets, over lrlint's limit of {MAX_BRACKETS:,} per file"
        )
    return None


def read_source(path: os.PathLike[str] | str) -> tuple[os.stat_result, bytes]:
    """A file's stat and content, read at most one byte past its size bound (so an oversized file
    costs no memory) and only if it is a regular file: a FIFO would block, a device never end."""
    # O_NONBLOCK: opening a FIFO would otherwise wait for a writer, before fstat can tell.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(0, "not a regular file (a FIFO, socket or device), skipped")
        # The size it has (one byte more shows growth), never past the bound: every file of a
        # warm run is read to be hashed, and a buffer of the bound's size per file costs more
        # than the read.
        limit = read_limit(path) + 1
        want = min(info.st_size + 1, limit)
        chunks: list[bytes] = []
        got = 0
        while got < want:
            chunk = os.read(fd, want - got)
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
            if got == want < limit:  # it grew since fstat: read on, up to the bound
                want = min(want * 2, limit)
            elif got == info.st_size:
                break  # all of it, as of the fstat (no second read to see the end)
        return info, chunks[0] if len(chunks) == 1 else b"".join(chunks)
    finally:
        os.close(fd)


def read_stream(stream: BinaryIO, name: str = "-") -> bytes:
    """At most one byte past the size bound of a stream (stdin from /dev/zero ends too)."""
    return stream.read(read_limit(name) + 1)


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


# CPython turns deep nesting into a RecursionError counted from the caller's own recursion depth:
# a file parsed deeper in the stack could fail where the same file parsed alone passed. Every
# parse gets this many levels above wherever it is called from.
_PARSE_DEPTH_BUDGET = 1000


def _recursion_depth() -> int:
    """The interpreter's own count of nested calls here, which is what its limit is checked
    against: Python frames and C-level calls alike (walking frames misses the latter, so a call
    through a C function or an object's __call__ moved the verdict)."""
    limit = sys.getrecursionlimit()
    low, high = 1, limit  # the smallest limit the interpreter accepts at this depth is depth + 1
    try:
        while low < high:
            middle = (low + high) // 2
            try:
                sys.setrecursionlimit(middle)
                high = middle
            except RecursionError:
                low = middle + 1
    finally:
        sys.setrecursionlimit(limit)
    return low - 1


# The symbol table's depth budget: a third of the parse's (see check_syntax).
_SYMTABLE_DEPTH_BUDGET = _PARSE_DEPTH_BUDGET // 3


def check_syntax(text: str) -> SourceError | None:
    """CPython's verdict on `text`: None when it is Python, else the E999 it is rejected with.

    CPython's symbol table is built first: it runs CPython's own parser but makes no Python
    objects of the tree, so it costs half of `ast.parse`. Whatever it rejects gets `ast.parse`'s
    verdict and message, for it also raises errors `ast.parse` does not (`nonlocal` at module
    level: lrlint analyses such a file, as it always has). It runs with a third of the depth
    budget, so nothing it accepts is nested deep enough for `ast.parse` to reject (that counts at
    most three levels where the symbol table counts one, and a call's accounting may differ by
    one frame): skipping `ast.parse` never changes the verdict.

    MemoryError from the parser is CPython's own verdict on deep nesting, unless the process is
    at its memory bound (lrlint/child.py): then it propagates, as any other exhausted memory."""
    import symtable
    import warnings

    limit = sys.getrecursionlimit()
    depth = _recursion_depth()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the linted file's warnings are not lrlint's to print
            sys.setrecursionlimit(depth + _SYMTABLE_DEPTH_BUDGET)
            try:
                symtable.symtable(text, "<lrlint>", "exec")
                return None
            except (SyntaxError, RecursionError, MemoryError, ValueError):
                pass  # ast.parse decides
            sys.setrecursionlimit(depth + _PARSE_DEPTH_BUDGET)
            ast.parse(text)
    except SyntaxError as exc:
        return SourceError("E999", f"SyntaxError: {exc.msg}", exc.lineno or 1, max(exc.offset or 1, 1))
    except RecursionError:
        return SourceError("E999", "SyntaxError: too deeply nested for CPython's parser")
    except MemoryError:
        from lrlint.child import near_memory_bound

        if near_memory_bound():
            raise
        return SourceError("E999", "SyntaxError: too deeply nested for CPython's parser")
    except ValueError as exc:
        return SourceError("E999", f"SyntaxError: {exc}")
    finally:
        sys.setrecursionlimit(limit)
    return None


# libcst's native parser overflows the C stack on pathological nesting that CPython's parser
# rejects cleanly, and it is quadratic in the length of an operator chain (`a|a|...` with 6,000
# operands: 12 s; `a.a.` 9,000 deep or `-` 9,000 deep: a segfault; `f(1)(1)...` 6,000 long: over
# a minute). Only inputs well inside these bounds are given to it after CPython said no.
_MAX_LINE = 20_000  # characters of one logical line (brackets and backslashes joined)
_MAX_BRACKET_DEPTH = 150
_MAX_CHAIN = 500  # operators, dots, trailers and operator keywords in one logical line (~0.25 s)
_MAX_CHAIN_COST = 10_000_000  # the sum of their squares over the file (~10 s of libcst at worst)
# What binds into a nested node in libcst: operators, attribute dots (not a float's point),
# call/subscript trailers, and the operator keywords.
_CHAIN_TOKEN = re.compile(
    r"[-+*/%@&|^~<>]|(?<![0-9])\.(?![0-9])|[)\]]\s*[(\[]|\b(?:not|and|or|lambda|if|await|is|in)\b"
)
# CPython's own limits, which no Python version lifts by default: libcst accepts such a file, but
# calling it "newer syntax" would be false.
_NOT_A_GRAMMAR_ERROR = ("Exceeds the limit", "too deeply nested", "too many nested")


def may_be_newer_syntax(text: str, error: SourceError) -> bool:
    """Whether a file the running CPython rejected is worth a second opinion from libcst, which
    knows the grammar of newer Pythons (a 3.12 f-string on 3.11)."""
    if any(marker in error.message for marker in _NOT_A_GRAMMAR_ERROR):
        return False
    depth = deepest = 0
    logical: list[str] = []  # the physical lines of the logical line being read
    length = cost = 0
    for line in text.splitlines():
        for char in line:
            if char in "([{":
                depth += 1
                deepest = max(deepest, depth)
            elif char in ")]}":
                depth = max(depth - 1, 0)  # a stray closer must not hide the next opener
        logical.append(line)
        length += len(line) + 1
        if length > _MAX_LINE:
            return False
        if depth > 0 or line.endswith("\\"):
            continue  # the logical line goes on
        chain = len(_CHAIN_TOKEN.findall("\n".join(logical)))
        cost += chain * chain
        if chain > _MAX_CHAIN or cost > _MAX_CHAIN_COST:
            return False
        logical, length = [], 0
    if len(_CHAIN_TOKEN.findall("\n".join(logical))) > _MAX_CHAIN:  # a bracket left open at the end
        return False
    return deepest <= _MAX_BRACKET_DEPTH
