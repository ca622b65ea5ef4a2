"""Writing changed cell sources back into a notebook's JSON text, byte for byte elsewhere.

A notebook is not re-serialised: each changed cell's `"source"` value is found in the raw text
and only that value is replaced, written in the shape it had (a JSON string, or nbformat's list
of lines with the layout and escaping the file already uses; lines that did not change keep
their exact JSON text). Outputs, metadata, key order and indentation stay as they were.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

_WS = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_SCALAR = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null")
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_LINE = re.compile(r"[^\n]*\n|[^\n]+")


class NotebookJSONError(ValueError):
    """The notebook's JSON is not in a shape whose cell sources can be rewritten in place."""


@dataclass(frozen=True)
class SourceSpan:
    """Where one cell's `"source"` value lies in the raw JSON text."""

    start: int
    end: int  # exclusive
    key_indent: str  # the whitespace before the `"source"` key on its line


def source_spans(raw: str) -> dict[int, SourceSpan]:
    """The span of every cell's `"source"` value, by 1-based cell number (the last `"source"`
    key of a cell wins, as in `json.loads`)."""
    top = _skip_ws(raw, 0)
    cells = None
    for key, key_start, start, _end in _members(raw, top):
        if key == "cells":
            cells = start
    if cells is None or raw[cells] != "[":
        raise NotebookJSONError("no 'cells' array")
    spans: dict[int, SourceSpan] = {}
    for number, (start, _end) in enumerate(_elements(raw, cells), start=1):
        if raw[start] != "{":
            continue
        for key, key_start, value_start, value_end in _members(raw, start):
            if key == "source":
                line_start = raw.rfind("\n", 0, key_start) + 1
                indent = raw[line_start:key_start]
                spans[number] = SourceSpan(value_start, value_end, indent if not indent.strip() else "")
    return spans


def replace_sources(raw: str, changed: dict[int, str]) -> str:
    """`raw` with the source of each cell in `changed` (by 1-based number) replaced."""
    if not changed:
        return raw
    spans = source_spans(raw)
    ascii_only = raw.isascii() and "\\u" in raw  # the file escapes non-ASCII text itself
    parts: list[str] = []
    cursor = 0
    for number in sorted(changed, key=lambda n: spans[n].start if n in spans else -1):
        span = spans.get(number)
        if span is None:
            raise NotebookJSONError(f"cell {number} has no 'source'")
        parts.append(raw[cursor : span.start])
        parts.append(_written(raw, span, changed[number], ascii_only))
        cursor = span.end
    parts.append(raw[cursor:])
    return "".join(parts)


def _written(raw: str, span: SourceSpan, source: str, ascii_only: bool) -> str:
    old = raw[span.start : span.end]
    if old.startswith('"'):
        return json.dumps(source, ensure_ascii=ascii_only)
    if not old.startswith("["):
        raise NotebookJSONError("a cell's 'source' is neither a string nor a list")
    elements = list(_elements(raw, span.start))
    kept = {json.loads(raw[s:e]): raw[s:e] for s, e in elements}  # unchanged lines keep their text
    lines = _LINE.findall(source)
    if not lines:
        return "[]"
    if elements:
        opening = raw[span.start + 1 : elements[0][0]]
        between = raw[elements[0][1] : elements[1][0]] if len(elements) > 1 else "," + opening
        closing = raw[elements[-1][1] : span.end - 1]
    else:  # nbformat's own layout: one line per element, one space deeper than the key
        opening, closing = "\n" + span.key_indent + " ", "\n" + span.key_indent
        between = "," + opening
    written = [kept.get(line) or json.dumps(line, ensure_ascii=ascii_only) for line in lines]
    return "[" + opening + between.join(written) + closing + "]"


def _skip_ws(raw: str, i: int) -> int:
    match = _WS.match(raw, i)
    return match.end() if match else i


def _value_end(raw: str, i: int) -> int:
    """The end of the JSON value starting at `i`."""
    char = raw[i : i + 1]
    if char == '"':
        match = _STRING.match(raw, i)
        if match is None:
            raise NotebookJSONError(f"unterminated string at offset {i}")
        return match.end()
    if char in ("[", "{"):
        depth = 0
        for token in _TOKEN.finditer(raw, i):
            text = token.group()
            if text in ("[", "{"):
                depth += 1
            elif text in ("]", "}"):
                depth -= 1
                if depth == 0:
                    return token.end()
        raise NotebookJSONError(f"unclosed bracket at offset {i}")
    match = _SCALAR.match(raw, i)
    if match is None:
        raise NotebookJSONError(f"no JSON value at offset {i}")
    return match.end()


def _members(raw: str, i: int) -> Iterator[tuple[str, int, int, int]]:
    """(key, key start, value start, value end) of each member of the object at `i`."""
    if raw[i : i + 1] != "{":
        raise NotebookJSONError(f"no JSON object at offset {i}")
    i = _skip_ws(raw, i + 1)
    if raw[i : i + 1] == "}":
        return
    while True:
        key_start = i
        key_end = _value_end(raw, i)
        key = json.loads(raw[key_start:key_end])
        i = _skip_ws(raw, key_end)
        if raw[i : i + 1] != ":":
            raise NotebookJSONError(f"expected ':' at offset {i}")
        start = _skip_ws(raw, i + 1)
        end = _value_end(raw, start)
        yield key, key_start, start, end
        i = _skip_ws(raw, end)
        if raw[i : i + 1] == ",":
            i = _skip_ws(raw, i + 1)
            continue
        if raw[i : i + 1] == "}":
            return
        raise NotebookJSONError(f"expected ',' or '}}' at offset {i}")


def _elements(raw: str, i: int) -> Iterator[tuple[int, int]]:
    """(start, end) of each element of the array at `i`."""
    if raw[i : i + 1] != "[":
        raise NotebookJSONError(f"no JSON array at offset {i}")
    i = _skip_ws(raw, i + 1)
    if raw[i : i + 1] == "]":
        return
    while True:
        end = _value_end(raw, i)
        yield i, end
        i = _skip_ws(raw, end)
        if raw[i : i + 1] == ",":
            i = _skip_ws(raw, i + 1)
            continue
        if raw[i : i + 1] == "]":
            return
        raise NotebookJSONError(f"expected ',' or ']' at offset {i}")
