"""Strict JSON for every reporter: a CI gate's parser rejects `NaN` and `Infinity` tokens.

Non-finite floats (an lr that overflowed, a literal `1e400`) are written as the strings "inf",
"-inf" and "nan"; anything else non-finite that slips through raises rather than print invalid JSON.
A file name that is not UTF-8 has its odd bytes written as `\\xNN` (see _text.py): strict parsers
reject the lone surrogates `json` would otherwise escape.
"""

from __future__ import annotations

import json
from typing import Any

from lrlint.reporters._text import escape_surrogates
from lrlint.trajectory import json_number


def finite(data: Any) -> Any:
    """`data` with every non-finite float replaced by its string."""
    if isinstance(data, float):
        return json_number(data)
    if isinstance(data, str):
        return escape_surrogates(data)
    if isinstance(data, dict):
        return {escape_surrogates(key): finite(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [finite(value) for value in data]
    return data


def dumps(data: Any, **options: Any) -> str:
    return json.dumps(finite(data), allow_nan=False, **options)
