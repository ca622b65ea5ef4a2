"""What one file's analysis may take, and the environment variables that change it.

Light on purpose: the entry point checks the variables before anything else is imported."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Bounds:
    """CPU seconds, and megabytes of memory (address space) on top of what the analysing process
    holds before it starts (enforced in lrlint/workers.py).

    The slowest and largest files of 13 public training repositories (6,071 files, 133 MB) take
    at most 0.72 s of CPU and 105 MB to parse with libcst; the defaults leave a wide margin above
    that while ending a pathological file long before it costs minutes or gigabytes. Override
    with LRLINT_FILE_TIMEOUT (seconds) and LRLINT_FILE_MEMORY (megabytes).
    """

    seconds: float = 10.0
    megabytes: int = 1024
    # A file waiting rather than computing (a stalled network file system) is stopped after this
    # many times `seconds` of wall-clock time: CPU time is the measure, load does not change it.
    wall_factor: float = 10.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Bounds:
        """The defaults, or the LRLINT_FILE_* overrides; ValueError (one line) for a bad value."""
        seconds: float = cls.seconds
        megabytes: int = cls.megabytes
        raw = environ.get("LRLINT_FILE_TIMEOUT", "").strip()
        if raw:
            seconds = float(_positive(raw, float, "LRLINT_FILE_TIMEOUT", "a number of seconds"))
        raw = environ.get("LRLINT_FILE_MEMORY", "").strip()
        if raw:
            megabytes = int(_positive(raw, int, "LRLINT_FILE_MEMORY", "a whole number of megabytes"))
        return cls(seconds, megabytes)

    @property
    def timed_out(self) -> str:
        return f"parsing it took longer than {self.seconds:g} s of CPU time, lrlint's limit per file"

    @property
    def out_of_memory(self) -> str:
        return f"parsing it needed more than {self.megabytes:,} MB of memory, lrlint's limit per file"


def _positive(raw: str, kind: type, name: str, what: str) -> float | int:
    try:
        value = kind(raw)
    except ValueError:
        value = 0
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be {what} above 0, not {raw!r}")
    return value  # type: ignore[no-any-return]
