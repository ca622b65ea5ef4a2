"""--verify: rebuild what the linter flagged in real torch, in one subprocess, and judge it.

Importing this package never imports torch; only `lrlint.verify.worker`, run as a child process,
does.
"""

from lrlint.verify.render import render_trajectory
from lrlint.verify.runner import TrajectoryResult, schedule_trajectories, torch_available, verify, verify_diagnostics

__all__ = [
    "TrajectoryResult",
    "render_trajectory",
    "schedule_trajectories",
    "torch_available",
    "verify",
    "verify_diagnostics",
]
