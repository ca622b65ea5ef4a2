"""A compact terminal picture of one scheduler's learning-rate curve (--show-trajectory).

Curves arrive as change points (lrlint/trajectory.py); drawing samples them, never expanding a
10,000-step schedule. Plain lists of per-step values are accepted too.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Sequence, Union

from lrlint.trajectory import Trajectory
from lrlint.verify.record import fmt as _fmt

if TYPE_CHECKING:  # rich is imported lazily: only --show-trajectory pays for it
    from rich.text import Text

BLOCKS = "▁▂▃▄▅▆▇█"
WIDTH = 48  # sparkline cells at most; longer trajectories are sampled
MAX_CHANGES_LISTED = 6

Curve = Union[Trajectory, Sequence[float]]


def _as_trajectory(curve: Curve) -> Trajectory | None:
    if isinstance(curve, Trajectory):
        return curve
    return Trajectory.from_values(list(curve), max_changes=len(curve)) if len(curve) else None


def change_epochs(trajectory: Curve) -> list[int]:
    """Epochs at which the learning rate differs from the epoch before."""
    curve = _as_trajectory(trajectory)
    return [epoch for epoch, _ in curve.changes] if curve else []


def _sample(curve: Trajectory, width: int) -> list[float]:
    """At most `width` points, evenly spaced and keeping both ends."""
    if len(curve) <= width:
        return [curve.value_at(i) for i in range(len(curve))]
    last = len(curve) - 1
    return [curve.value_at(round(i * last / (width - 1))) for i in range(width)]


def _log_scale(values: list[float]) -> bool:
    # Decays span decades (0.1 -> 0.001): on a linear scale everything after the first drop is flat.
    low, high = min(values), max(values)
    return low > 0 and high / low >= 100


def sparkline(trajectory: Curve, width: int = WIDTH) -> tuple[str, bool]:
    """(blocks, log_scale): one block per sampled point, height by value."""
    curve = _as_trajectory(trajectory)
    finite = [v for v in curve.levels() if math.isfinite(v)] if curve else []
    if curve is None or not finite:
        return "", False
    points = _sample(curve, width)
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


def describe_changes(trajectory: Curve) -> str:
    curve = _as_trajectory(trajectory)
    if curve is None or not curve.changes:
        return "constant"
    epochs = [epoch for epoch, _ in curve.changes]
    if curve.change_count > MAX_CHANGES_LISTED:
        return f"changes at {curve.change_count} epochs ({epochs[0]}..{epochs[-1]})"
    steps = ", ".join(f"{epoch}: {_fmt(curve.value_at(epoch - 1))}->{_fmt(lr)}" for epoch, lr in curve.changes)
    return f"changes at {steps}"


def epochs_text(curve: Trajectory) -> str:
    """`over 30 epochs`, saying when that count was assumed or capped rather than read from range(N)."""
    flags = [word for word, on in (("assumed: no literal range(N)", curve.assumed), ("capped", curve.capped)) if on]
    return f"over {curve.epochs} epochs" + (f" ({', '.join(flags)})" if flags else "")


def summary(label: str, trajectory: Curve) -> str:
    """The plain-text line `render_trajectory` styles."""
    curve = _as_trajectory(trajectory)
    if curve is None:
        return f"{label}  (no trajectory)"
    line, log = sparkline(curve)
    finite = [v for v in curve.levels() if math.isfinite(v)] or [math.nan]
    stats = (
        f"start {_fmt(curve.start)}  end {_fmt(curve.end)}  "
        f"min {_fmt(min(finite))}  max {_fmt(max(finite))}  {epochs_text(curve)}"
    )
    scale = " (log)" if log else ""
    return f"{label}  {line}{scale}  {stats}  {describe_changes(curve)}"


def render_trajectory(label: str, trajectory: Curve) -> Text:
    """A one-line rich Text: label, sparkline, start/end/min/max and the epochs where the lr changes."""
    from rich.text import Text

    plain = summary(label, trajectory)
    text = Text(plain)
    text.stylize("bold", 0, len(label))
    line, _ = sparkline(trajectory)
    if line:
        start = len(label) + 2
        text.stylize("cyan", start, start + len(line))
    return text
