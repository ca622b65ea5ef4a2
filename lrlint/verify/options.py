"""--verify's option values, checked without importing the worker's plumbing (every run parses
them, most never verify)."""

from __future__ import annotations

import math

MAX_TIMEOUT = 86_400.0  # a day: beyond this a "timeout" is a typo, and timers overflow


def parse_timeout(text: str) -> float:
    """--verify-timeout: seconds per finding, a finite number > 0; ValueError says why not."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"--verify-timeout: expected a number of seconds, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"--verify-timeout: expected a number of seconds above 0, got {text!r}")
    if value > MAX_TIMEOUT:
        raise ValueError(f"--verify-timeout: at most {MAX_TIMEOUT:g} seconds, got {text!r}")
    return value
