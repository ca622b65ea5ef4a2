"""Text every output format can carry: file names that are not UTF-8.

Python holds a byte of a file name that is not valid UTF-8 as a lone surrogate (U+DC80-U+DCFF,
PEP 383); no UTF-8 writer, JSON parser or XML document accepts one. Every format writes such a
byte as the four characters `\\xNN` (a name `caf\\xe9.py` on disk is reported as `caf\\xe9.py`),
and any other lone surrogate (from a notebook's JSON) as `\\uNNNN`. SARIF's URIs percent-encode
the raw bytes instead (`caf%E9.py`), which names the file exactly.
"""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    point = ord(match.group())
    return f"\\x{point - 0xDC00:02x}" if 0xDC80 <= point <= 0xDCFF else f"\\u{point:04x}"


def escape_surrogates(text: str) -> str:
    """`text` with each lone surrogate spelled out as above; text without one is returned as is."""
    if text.isascii():
        return text
    return _SURROGATE.sub(_escape, text)
