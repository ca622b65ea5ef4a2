"""--plot DIR: one image per scheduler --verify ran, and an `index.html` that shows them all.

Each image draws the learning rate as the code runs it (a step curve from the run in torch) beside
the intended one when the finding has it (LR005: the schedule stepped after the optimizer) and the
one after its fix (a fix that carries its configuration, run in torch too), marks
the epochs where the scheduler's arguments put a decay (milestones, every `step_size`), and is
titled with `file:line`, the finding and torch's verdict. matplotlib is an optional extra
(lrlint's `[plot]`), imported here only, with its file-only Agg canvas: no window, no
global pyplot state.
"""

from __future__ import annotations

import html
import math
import os
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lrlint.catalogue import schedulers
from lrlint.trajectory import Trajectory

if TYPE_CHECKING:
    from lrlint.diagnostics import Diagnostic
    from lrlint.scenario import Scenario
    from lrlint.verify.runner import TrajectoryResult

PLOT_HINT = "--plot needs matplotlib in lrlint's environment (lrlint's [plot] extra): pip install matplotlib"
MAX_MARKS = 60  # decay marks drawn at most (a StepLR stepped 10,000 times with step_size=1)
INDEX = "index.html"


@dataclass
class Picture:
    """One scheduler to draw: its curves, where its decays are due, and what to say about it."""

    title: str  # `train.py:12 LR005 ...` or `train.py:12 StepLR`
    curves: list[tuple[str, Trajectory]]  # (legend, curve), the curve as run first
    caption: str = ""  # torch's verdict, or the schedule's note
    marks: list[int] = field(default_factory=list)  # epochs where a decay is due
    stem: str = "schedule"  # file name, without the number and extension


def available() -> bool:
    """Whether matplotlib can be imported, without importing it."""
    from importlib.util import find_spec

    try:
        return find_spec("matplotlib") is not None
    except (ImportError, ValueError):
        return False


def pictures(diagnostics: Sequence[Diagnostic], schedules: Sequence[TrajectoryResult], scenarios: Sequence[Scenario | None] = ()) -> list[Picture]:
    """A picture for every verified finding with a curve, then every --verify-all schedule that ran
    (`scenarios`: each schedule's, for its decay marks)."""
    found: list[Picture] = []
    for d in diagnostics:
        v = d.verification
        if v is None or v.trajectory is None:
            continue
        curves = [("lr as run", v.trajectory)]
        if v.intended is not None:
            curves.append(("lr as intended", v.intended))
        if v.after_fix is not None and v.after_fix.trajectory is not None:
            curves.append(("lr after the fix", v.after_fix.trajectory))
        cell = f"cell {d.cell}:" if d.cell is not None else ""
        found.append(
            Picture(
                title=f"{d.filename}:{cell}{d.location.row} {d.code} {d.message}",
                curves=curves,
                caption=f"verify: {v.status}: {v.evidence}",
                marks=_marks(d.scenario, v.trajectory.epochs),
                stem=f"{Path(d.filename).stem}-{cell.replace('cell ', 'cell').rstrip(':')}{d.location.row}-{d.code}",
            )
        )
    for index, item in enumerate(schedules):
        if item.trajectory is None:
            continue
        scenario = scenarios[index] if index < len(scenarios) else None
        found.append(
            Picture(
                title=f"{item.label} {item.scheduler}",
                curves=[("lr as run", item.trajectory)],
                caption=item.note or "",
                marks=_marks(scenario, item.trajectory.epochs),
                stem=f"{Path(item.label.split(':')[0]).stem}-{item.label.rsplit(':', 1)[-1]}-{item.scheduler}",
            )
        )
    return found


def _marks(scenario: Scenario | None, horizon: int) -> list[int]:
    """The epochs where the scheduler's literal arguments put a decay (or a composite's switch)."""
    if scenario is None:
        return []
    signature = schedulers().get(scenario.scheduler)
    if signature is None:
        return []
    params = signature.bind(list(scenario.args), {k: v for k, v in scenario.kwargs.items() if k != "optimizer"}) or dict(scenario.kwargs)
    due: list[int] | None = None
    if signature.decay is not None and signature.decay.param is not None:
        due = signature.decay.due(params, horizon)
    elif signature.composite:
        milestones = params.get("milestones")
        if isinstance(milestones, (list, tuple)) and all(isinstance(m, int) and not isinstance(m, bool) for m in milestones):
            due = sorted({m for m in milestones if 0 < m <= horizon})
    return (due or [])[:MAX_MARKS]


def write_plots(found: Sequence[Picture], folder: Path) -> list[Path]:
    """Write each picture as a PNG in `folder` (made if missing) and the index; returns the images
    written. Raises OSError."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for number, picture in enumerate(found, start=1):
        path = folder / f"{number:03d}-{_safe(picture.stem)}.png"
        _atomic(path, _png(picture))
        written.append(path)
    _atomic(folder / INDEX, index_html(found, [p.name for p in written]).encode("utf-8"))
    return written


def _safe(stem: str) -> str:
    """A file name from a label: letters, digits, `.`, `-`, `_` (a path's odd bytes never reach it)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", stem)[:80].strip("._") or "schedule"


def _atomic(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _png(picture: Picture) -> bytes:
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    finite: list[float] = []
    for (legend, curve), style in zip(picture.curves, ("-", "--", ":", "-.")):
        values = curve.values()
        finite += [v for v in values if math.isfinite(v)]
        axes.step(range(len(values)), values, where="post", linestyle=style, linewidth=1.8, label=legend)
    if finite and min(finite) > 0 and max(finite) / min(finite) >= 100:
        axes.set_yscale("log")  # decays span decades: on a linear scale the later ones are flat
    for epoch in picture.marks:
        axes.axvline(epoch, color="grey", linewidth=0.8, linestyle=":", alpha=0.8)
    if picture.marks:
        axes.plot([], [], color="grey", linewidth=0.8, linestyle=":", label="decay due (from the arguments)")
    axes.set_xlabel("step (epoch)")
    axes.set_ylabel("learning rate")
    axes.grid(True, alpha=0.3)
    axes.legend(loc="best", fontsize=8)
    figure.suptitle(_wrap(picture.title, 100, 2), fontsize=9, x=0.01, ha="left")
    if picture.caption:
        axes.set_title(_wrap(picture.caption, 110, 3), fontsize=7, loc="left")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _wrap(text: str, width: int, lines: int) -> str:
    """At most `lines` lines; matplotlib reads `$` as the start of mathematics, so it is escaped."""
    wrapped = textwrap.wrap(text.replace("$", r"\$"), width) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1] + "…"
    return "\n".join(wrapped)


def index_html(found: Sequence[Picture], names: Sequence[str]) -> str:
    """A page showing every image with its title and verdict."""
    figures = "\n".join(
        f'<figure><a href="{html.escape(name)}"><img src="{html.escape(name)}" alt="{html.escape(p.title)}" '
        f'width="800" height="450"></a><figcaption><b>{html.escape(p.title)}</b><br>{html.escape(p.caption)}</figcaption></figure>'
        for p, name in zip(found, names)
    )
    empty = "" if found else "<p>No scheduler was run in torch.</p>"
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>lrlint --verify: learning-rate schedules</title>\n'
        "<style>body{font-family:sans-serif;margin:1em}figure{display:inline-block;margin:.5em;max-width:810px;"
        "vertical-align:top}img{max-width:100%;height:auto;border:1px solid #ccc}figcaption{font-size:.8em}</style>"
        f"</head><body><h1>Learning-rate schedules run in torch ({len(found)})</h1>\n{empty}{figures}\n</body></html>\n"
    )
