"""A learning-rate trajectory kept as its change points, not one float per step.

A schedule stepped 10,000 times mostly repeats itself (StepLR changes 3 times); storing every step
made a 27 MB JSON for 150 findings. This is the shape used by the --verify worker protocol and by
the JSON output:

    {"start": 0.1, "epochs": 30, "changes": [[10, 0.01], [20, 0.001]], "change_count": 2,
     "horizon": "loop range(30)", "assumed": false, "capped": false}

`start` is the lr after construction (epoch 0); `[epoch, lr]` means the lr becomes `lr` at that
epoch and stays until the next change; `epochs` is the number of steps simulated. A curve that
changes at nearly every step (cosine, exponential) keeps at most MAX_CHANGES evenly spaced change
points: then `change_count` (every change) is larger than `len(changes)`. A non-finite lr is
written as the string "inf", "-inf" or "nan" (JSON has no such numbers).

This module is plain data: the linter, the worker and the reporters all import it; it never
imports torch.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from typing import Any, Sequence

MAX_CHANGES = 200  # change points kept per trajectory; more are thinned evenly (both ends kept)
_REL_TOL, _ABS_TOL = 1e-9, 1e-15  # float noise (0.0010000000000000002) is no change


def json_number(value: float) -> float | str:
    """A float JSON can hold: non-finite values become "inf", "-inf" or "nan"."""
    if math.isfinite(value):
        return value
    return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")


def from_json_number(value: Any) -> float:
    """The inverse of json_number; raises ValueError for anything else."""
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    if value in ("inf", "-inf", "nan"):
        return float(value)
    raise ValueError(f"not a number: {value!r}")


def _same(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=_REL_TOL, abs_tol=_ABS_TOL)


def _thin(changes: list[tuple[int, float]], limit: int) -> list[tuple[int, float]]:
    """At most `limit` evenly spaced change points, keeping the first and the last."""
    if len(changes) <= limit:
        return changes
    if limit < 2:  # no room for both ends: the last change says where the curve ends up
        return changes[-1:] if limit == 1 else []
    last = len(changes) - 1
    picks = sorted({round(i * last / (limit - 1)) for i in range(limit)})
    return [changes[i] for i in picks]


@dataclass(frozen=True)
class Trajectory:
    start: float
    epochs: int
    changes: tuple[tuple[int, float], ...] = ()
    change_count: int = 0  # every change, also those thinned out of `changes`
    horizon: str | None = None  # where `epochs` came from, e.g. "loop range(30)"
    assumed: bool = False  # `epochs` was not read from a literal range(N) loop
    capped: bool = False  # stopped short of the loop: MAX_STEPS, or the lr overflowed

    @classmethod
    def from_values(
        cls,
        values: Sequence[float],
        *,
        horizon: str | None = None,
        assumed: bool = False,
        capped: bool = False,
        max_changes: int = MAX_CHANGES,
    ) -> Trajectory:
        """The change points of `values` (index = epoch); `values` must not be empty."""
        if not values:
            raise ValueError("a trajectory needs at least its start value")
        changes: list[tuple[int, float]] = []
        current = values[0]
        for epoch in range(1, len(values)):
            # Against the last value kept, not the previous step: slow drifts still show up.
            if not _same(values[epoch], current):
                current = values[epoch]
                changes.append((epoch, current))
        return cls(
            start=float(values[0]),
            epochs=len(values) - 1,
            changes=tuple(_thin(changes, max_changes)),
            change_count=len(changes),
            horizon=horizon,
            assumed=assumed,
            capped=capped,
        )

    @property
    def sampled(self) -> bool:
        return self.change_count > len(self.changes)

    @property
    def end(self) -> float:
        return self.changes[-1][1] if self.changes else self.start

    def __len__(self) -> int:
        """Points on the curve: the start, then one per epoch."""
        return self.epochs + 1

    def value_at(self, epoch: int) -> float:
        """The lr in effect after `epoch` steps (0: after construction)."""
        index = bisect.bisect_right([e for e, _ in self.changes], epoch)
        return self.changes[index - 1][1] if index else self.start

    def values(self) -> list[float]:
        """Every step's lr, expanded from the change points (for tests and small curves)."""
        out: list[float] = []
        level, edges = self.start, list(self.changes)
        for epoch in range(self.epochs + 1):
            while edges and edges[0][0] <= epoch:
                level = edges.pop(0)[1]
            out.append(level)
        return out

    def brief(self, limit: int = 3) -> str:
        """`0.1, 0.01 from epoch 29, 0.001 from epoch 59 (+1 more)`: the start and first changes."""
        parts = [_number(self.start)] + [f"{_number(lr)} from epoch {epoch}" for epoch, lr in self.changes[:limit]]
        more = self.change_count - min(limit, len(self.changes))
        return ", ".join(parts) + (f" (+{more} more)" if more > 0 else "")

    def levels(self) -> list[float]:
        """Every distinct value the curve holds (start and each change point kept)."""
        return [self.start, *(lr for _, lr in self.changes)]

    def to_json(self) -> dict[str, Any]:
        return {
            "start": json_number(self.start),
            "epochs": self.epochs,
            "changes": [[epoch, json_number(lr)] for epoch, lr in self.changes],
            "change_count": self.change_count,
            "horizon": self.horizon,
            "assumed": self.assumed,
            "capped": self.capped,
        }

    @classmethod
    def from_json(cls, data: Any, max_epochs: int = 10**7) -> Trajectory:
        """Parse and check the compact shape; raises ValueError when it is malformed."""
        if not isinstance(data, dict):
            raise ValueError("a trajectory is an object")
        epochs = data.get("epochs")
        if isinstance(epochs, bool) or not isinstance(epochs, int) or not 0 <= epochs <= max_epochs:
            raise ValueError(f"bad epoch count {epochs!r}")
        raw = data.get("changes")
        if not isinstance(raw, list):
            raise ValueError("changes must be a list")
        changes: list[tuple[int, float]] = []
        for item in raw:
            if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], int) and not isinstance(item[0], bool)):
                raise ValueError(f"bad change point {item!r}")
            if not 0 < item[0] <= epochs or (changes and item[0] <= changes[-1][0]):
                raise ValueError(f"change point out of order: {item!r}")
            changes.append((item[0], from_json_number(item[1])))
        count = data.get("change_count", len(changes))
        if isinstance(count, bool) or not isinstance(count, int) or count < len(changes):
            raise ValueError(f"bad change count {count!r}")
        horizon = data.get("horizon")
        return cls(
            start=from_json_number(data.get("start")),
            epochs=epochs,
            changes=tuple(changes),
            change_count=count,
            horizon=horizon if isinstance(horizon, str) else None,
            assumed=bool(data.get("assumed", False)),
            capped=bool(data.get("capped", False)),
        )


def _number(value: float) -> str:
    return f"{value:.6g}"
