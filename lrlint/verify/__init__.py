"""--verify's mechanism: rebuild what the linter flagged in real torch, in one subprocess, and
hand each run back to the finding's rule to judge.

- `record`: the plan of a run and what it recorded (plain data, shared with the worker);
- `horizon`: how many steps a run simulates; `jobs`: plans for a finding or a schedule, and their
  runs read back (judged by the rule, or as a trajectory);
- `runner`: the worker subprocess and its protocol; `worker`: the child side, the only place torch
  is imported, which knows no rule;
- `render`: a learning-rate curve drawn for the terminal; `options`: --verify's option values.

Importing this package never imports torch. Its names are loaded on first use: the rules import
`lrlint.verify.record` for their judges, and a plain lint run must not pay for the runner.
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
