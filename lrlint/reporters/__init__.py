"""Reporters turn a Report into text. Each module exposes `render(report: Report) -> str`."""
