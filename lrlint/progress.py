"""A progress bar on stderr for runs that take more than a second, on a terminal only.

Never in pipes or CI logs (the `CI` variable) unless asked with `--show-progress`; rich is
imported only once the bar is actually drawn.
"""

from __future__ import annotations

import os
import time
from typing import Any, Callable, TextIO


class ProgressBar:
    def __init__(
        self, stream: TextIO, forced: bool = False, delay: float = 1.0, clock: Callable[[], float] = time.monotonic, label: str = "lrlint"
    ) -> None:
        interactive = hasattr(stream, "isatty") and stream.isatty() and not os.environ.get("CI")
        self.enabled = forced or interactive
        self.stream = stream
        self.delay = delay
        self.clock = clock
        self.label = label  # what the bar counts: "lrlint" (files), "verify" (runs in torch)
        self.started = clock()
        self.done = 0
        self.total = 0
        self._bar: Any = None
        self._task: Any = None

    def __call__(self, advance: int, total: int) -> None:
        """`advance` more files done; a non-zero `total` sets how many there are."""
        if total:
            self.total = total
        self.done += advance
        if not self.enabled or self.total == 0:
            return
        if self._bar is None:
            if self.clock() - self.started < self.delay:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            console = Console(file=self.stream, force_terminal=True)
            self._bar = Progress(
                TextColumn(self.label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=True
            )
            self._bar.start()
            self._task = self._bar.add_task("files", total=self.total)
        self._bar.update(self._task, completed=min(self.done, self.total), total=self.total)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
