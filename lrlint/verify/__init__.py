"""--verify: rebuild what the linter flagged in real torch, in one subprocess, and judge it.

Importing this package never imports torch; only `lrlint.verify.worker`, run as a child process,
does. Its names are loaded on first use: the rules import `lrlint.verify.evidence` for their
verification hooks, and a plain lint run must not pay for the worker's plumbing.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_WHERE = {
    "render_trajectory": "lrlint.verify.render",
    "TrajectoryResult": "lrlint.verify.runner",
    "schedule_trajectories": "lrlint.verify.runner",
    "torch_available": "lrlint.verify.runner",
    "verify": "lrlint.verify.runner",
    "verify_diagnostics": "lrlint.verify.runner",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'lrlint.verify' has no attribute {name!r}")
