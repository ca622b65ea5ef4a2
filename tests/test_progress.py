"""The progress bar: drawn only after a second, only on a terminal (or when asked)."""

from __future__ import annotations

import io

import pytest

from lrlint.progress import ProgressBar


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_drawn_on_a_terminal_once_a_second_has_passed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    now = [0.0]
    stream = Tty()
    bar = ProgressBar(stream, clock=lambda: now[0])
    bar(0, 10)
    bar(3, 0)
    assert stream.getvalue() == ""  # under a second: nothing
    now[0] = 1.5
    bar(3, 0)
    bar.close()
    assert "6/10" in stream.getvalue() or "10" in stream.getvalue()


@pytest.mark.parametrize("ci", ["", "true"])
def test_never_in_pipes_or_ci_logs_unless_asked(monkeypatch: pytest.MonkeyPatch, ci: str) -> None:
    monkeypatch.setenv("CI", ci) if ci else monkeypatch.delenv("CI", raising=False)
    stream: io.StringIO = Tty() if ci else io.StringIO()
    bar = ProgressBar(stream, delay=0)
    bar(5, 10)
    bar.close()
    assert stream.getvalue() == ""
    forced = io.StringIO()
    bar = ProgressBar(forced, forced=True, delay=0)
    bar(5, 10)
    bar.close()
    assert forced.getvalue()
