"""A compact terminal picture of one scheduler's learning-rate curve (--show-trajectory)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from lrlint.verify.evidence import change_epochs, fmt as _fmt

if TYPE_CHECKING:  # rich is imported lazily: only --show-trajectory pays for it
    from rich.text import Text

BLOCKS = "▁▂▃▄▅▆▇█"
WIDTH = 48  # sparkline cells at most; longer trajectories are sampled
MAX_CHANGES_LISTED = 6


def _sample(trajectory: list[float], width: int) -> list[float]:
    """At most `width` points, evenly spaced and keeping both ends."""
    if len(trajectory) <= width:
        return list(trajectory)
    last = len(trajectory) - 1
    return [trajectory[round(i * last / (width - 1))] for i in range(width)]


def _log_scale(values: list[float]) -> bool:
    # Decays span decades (0.1 -> 0.001): on a linear scale everything after the first drop is flat.
    low, high = min(values), max(values)
    return low > 0 and high / low >= 100


def sparkline(trajectory: list[float], width: int = WIDTH) -> tuple[str, bool]:
    """(blocks, log_scale): one block per sampled point, height by value."""
    finite = [v for v in trajectory if math.isfinite(v)]
    if not finite:
        return "", False
    points = _sample(trajectory, width)
    log = _log_scale(finite)
    scale = (lambda v: math.log10(v)) if log else (lambda v: v)
    low, high = scale(min(finite)), scale(max(finite))
    span = high - low
    cells = []
    for value in points:
        if not math.isfinite(value):
            cells.append("?")
        elif span == 0:
            cells.append(BLOCKS[len(BLOCKS) // 2])
        else:
            level = (scale(value) - low) / span
            cells.append(BLOCKS[round(level * (len(BLOCKS) - 1))])
    return "".join(cells), log


def describe_changes(trajectory: list[float]) -> str:
    changes = change_epochs(trajectory)
    if not changes:
        return "constant"
    if len(changes) > MAX_CHANGES_LISTED:
        return f"changes at {len(changes)} epochs ({changes[0]}..{changes[-1]})"
    steps = ", ".join(f"{i}: {_fmt(trajectory[i - 1])}->{_fmt(trajectory[i])}" for i in changes)
    return f"changes at {steps}"


def summary(label: str, trajectory: list[float]) -> str:
    """The plain-text line `render_trajectory` styles."""
    if not trajectory:
        return f"{label}  (no trajectory)"
    line, log = sparkline(trajectory)
    finite = [v for v in trajectory if math.isfinite(v)] or [math.nan]
    stats = (
        f"start {_fmt(trajectory[0])}  end {_fmt(trajectory[-1])}  "
        f"min {_fmt(min(finite))}  max {_fmt(max(finite))}  over {len(trajectory) - 1} epochs"
    )
    scale = " (log)" if log else ""
    return f"{label}  {line}{scale}  {stats}  {describe_changes(trajectory)}"


def render_trajectory(label: str, trajectory: list[float]) -> Text:
    """A one-line rich Text: label, sparkline, start/end/min/max and the epochs where the lr changes."""
    from rich.text import Text

    plain = summary(label, trajectory)
    text = Text(plain)
    text.stylize("bold", 0, len(label))
    line, _ = sparkline(trajectory) if trajectory else ("", False)
    if line:
        start = len(label) + 2
        text.stylize("cyan", start, start + len(line))
    return text
