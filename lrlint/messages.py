"""Messages quote the source (names, literal lists); this keeps such quotes short.

A rule quotes what it read (`self.scheduler`, `[30, 60]`) and may quote it twice; a 4,300-digit
name or a literal list of 10,000 huge numbers would otherwise make one message megabytes long. Any
piece longer than the bounds below keeps its start and end around an ellipsis, and a whole message
is at most MAX_MESSAGE characters (its end, which says what to do, is kept).
"""

from __future__ import annotations

import re

MAX_QUOTE = 120  # characters of one backtick-quoted piece, or of one run without spaces
MAX_MESSAGE = 1000
ELLIPSIS = "\u2026"

_QUOTED = re.compile(r"`[^`]*`")  # every quote, left to right: the text between two is prose
_LONG_RUN = re.compile(r"[^\s`]{%d,}" % (MAX_QUOTE + 1))


def _middle(text: str, limit: int) -> str:
    head = (limit * 2) // 3
    tail = limit - head - 1
    return text[:head] + ELLIPSIS + text[len(text) - tail :]


def _short_quote(match: re.Match[str]) -> str:
    inner = match.group()[1:-1]
    return match.group() if len(inner) <= MAX_QUOTE else "`" + _middle(inner, MAX_QUOTE) + "`"


def bound(message: str) -> str:
    """`message` with every over-long quote shortened (a short message is returned as is)."""
    if len(message) <= MAX_QUOTE:
        return message
    message = _QUOTED.sub(_short_quote, message)
    message = _LONG_RUN.sub(lambda m: _middle(m.group(), MAX_QUOTE), message)
    if len(message) > MAX_MESSAGE:
        message = _middle(message, MAX_MESSAGE)
    return message
