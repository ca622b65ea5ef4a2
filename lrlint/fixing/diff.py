"""`--diff`: what `--fix` would change, as a unified diff (ruff's headers: the path on both sides,
so `patch -p0` or `git apply -p0` applies it). A notebook's changes are shown cell by cell
(`--- train.ipynb:cell 3`), since its JSON is not what anyone edits by hand."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from lrlint.fixing.documents import NotebookDocument, PythonDocument

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def unified_diff(filename: str, original: bytes, fixed: bytes, notebook: bool) -> str:
    if notebook:
        before, after = NotebookDocument(original), NotebookDocument(fixed)
        return "".join(
            _diff(f"{filename}:cell {cell}", before.sources[cell], after.sources.get(cell, ""))
            for cell in sorted(before.sources)
            if before.sources[cell] != after.sources.get(cell)
        )
    return _diff(filename, PythonDocument(original).text, PythonDocument(fixed).text)


def _diff(name: str, old: str, new: str) -> str:
    lines = difflib.unified_diff(_lines(old), _lines(new), fromfile=name, tofile=name)
    return "".join(_terminated(lines))


def _lines(text: str) -> list[str]:
    # Line breaks as Python's parser reads them (str.splitlines would also break at \f, \x1c...).
    return _LINE.findall(text)


def _terminated(lines: Iterable[str]) -> Iterable[str]:
    """Every diff line ends with a newline; a last line without one is marked as diff does."""
    for line in lines:
        if line.endswith(("\n", "\r")):
            yield line
        else:
            yield line + "\n\\ No newline at end of file\n"
