"""--schedules-file: the --verify-all schedules as a JSON array, one object per scheduler."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from lrlint.reporters._json import dumps
from lrlint.verify.runner import TrajectoryResult


def schedules_json(results: list[TrajectoryResult]) -> list[dict[str, Any]]:
    """--schedules-file: one object per scheduler built (label parsed back into file, cell, row)."""
    return [_schedule_json(item) for item in results]


def _schedule_json(item: TrajectoryResult) -> dict[str, Any]:
    match = re.fullmatch(r"(.*?):(?:cell (\d+):)?(\d+)", item.label)
    filename, cell, row = (match.group(1), match.group(2), match.group(3)) if match else (item.label, None, "0")
    return {
        "filename": filename,
        "row": int(row),
        "cell": int(cell) if cell else None,
        "scheduler": item.scheduler,
        "ran": item.built,
        "error": item.error,
        "note": item.note,
        "device": item.device if item.built else None,
        "torch_version": item.torch_version if item.built else None,
        "trajectory": item.trajectory.to_json() if item.trajectory is not None else None,
        "configuration": item.configuration,
    }


def write_schedules(results: list[TrajectoryResult], path: str) -> None:
    """--schedules-file: strict JSON, written whole then moved in place (concurrent runs never
    leave a half-written file). Raises OSError."""
    target = Path(path)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(dumps(schedules_json(results), indent=2) + "\n", encoding="utf-8")
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
