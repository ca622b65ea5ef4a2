"""The values of string literals as libcst holds them (the token text, prefix and quotes included),
decoded as CPython's parser decodes them, without evaluating anything.
"""

from __future__ import annotations

import re
from typing import Union

_PREFIX = re.compile(r"[A-Za-z]*")
_NEWLINES = re.compile(r"\r\n?")
# One escape sequence: a backslash and what it escapes. An invalid one (`\d`) stays as written.
_STR_ESCAPE = re.compile(r"\\(N\{[^}]*\}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|x[0-9A-Fa-f]{2}|[0-7]{1,3}|.|\n)", re.DOTALL)
_BYTES_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{2}|[0-7]{1,3}|.|\n)", re.DOTALL)
_SIMPLE = {"\n": "", "\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}

StringValue = Union[str, bytes]


def split_literal(token: str) -> tuple[str, str]:
    """(lowercase prefix, body between the quotes) of a string token such as `rb'''x'''`."""
    prefix = _PREFIX.match(token).group().lower()  # type: ignore[union-attr]
    rest = token[len(prefix):]
    quote = 3 if rest[:3] in ('"""', "'''") else 1
    return prefix, rest[quote:-quote]


def decode_body(body: str, prefix: str) -> StringValue | None:
    """The value of a literal's body; None when an escape cannot be decoded (`\\N{NO SUCH NAME}`)."""
    if "\r" in body:  # CPython reads every line ending as "\n" before it reads a literal
        body = _NEWLINES.sub("\n", body)
    raw = "r" in prefix
    if "b" in prefix:
        if raw or "\\" not in body:
            return body.encode("latin-1", "replace")
        return bytes(_unescape_bytes(body))
    if raw or "\\" not in body:
        return body
    try:
        return _STR_ESCAPE.sub(_unescape_str, body)
    except (KeyError, ValueError):
        return None


def literal_value(token: str) -> StringValue | None:
    """The value of one string token that is not an f-string."""
    prefix, body = split_literal(token)
    return decode_body(body, prefix)


def _unescape_str(match: re.Match[str]) -> str:
    escaped = match.group(1)
    head = escaped[0]
    if head in _SIMPLE:
        return _SIMPLE[head]
    if head == "N" and len(escaped) > 1:
        import unicodedata

        return unicodedata.lookup(escaped[2:-1])
    if head in "xuU" and len(escaped) > 1:
        return chr(int(escaped[1:], 16))
    if head in "01234567":
        return chr(int(escaped, 8))
    return match.group(0)  # not an escape: the backslash stays


def _unescape_bytes(body: str) -> bytearray:
    out = bytearray()
    position = 0
    for match in _BYTES_ESCAPE.finditer(body):
        out += body[position:match.start()].encode("latin-1", "replace")
        position = match.end()
        escaped = match.group(1)
        head = escaped[0]
        if head in _SIMPLE:
            out += _SIMPLE[head].encode("latin-1")
        elif head == "x" and len(escaped) > 1:
            out.append(int(escaped[1:], 16))
        elif head in "01234567":
            out.append(int(escaped, 8) & 0xFF)
        else:
            out += match.group(0).encode("latin-1", "replace")
    out += body[position:].encode("latin-1", "replace")
    return out


def fstring_text(raw_text: str, prefix: str) -> str | None:
    """The value of the text between the expressions of an f-string (`{{` is one brace)."""
    value = decode_body(raw_text, prefix.replace("f", ""))
    if not isinstance(value, str):
        return None
    return value.replace("{{", "{").replace("}}", "}")
