"""Jupyter notebooks (nbformat 4) as one virtual Python module, with a map back to cells.

All code cells are joined in document order, because a name defined in one cell is used in later
ones and the linter has to see both. IPython syntax is neutralised line for line, so every line
keeps its row: a line magic, shell escape or help query becomes `pass` (at its indentation),
`x = !cmd` / `x = %magic` becomes `x = None` (the name stays bound), and a cell that starts with
a `%%cell-magic` (its body may not even be Python) is left out entirely.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Sequence

_ASSIGNED_ESCAPE = re.compile(
    r"(?P<lhs>\s*[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*)\s*=\s*[!%]"
)


class NotebookError(Exception):
    """A notebook lrlint cannot read; the message is one line and names the file."""


@dataclass(frozen=True)
class NotebookSource:
    filename: str
    text: str  # the virtual module: every included code cell, in order
    cell_count: int  # all cells of the notebook, markdown included
    code_cells: tuple[int, ...]  # 1-based numbers of the cells included in `text`
    rows: tuple[tuple[int, int], ...]  # virtual row - 1 -> (cell, row in cell)

    def locate(self, row: int) -> tuple[int, int]:
        """(cell, row in that cell) of a 1-based virtual row; cells count from 1 among all cells.

        Rows past the end (a parser may point just after the last line) continue the last cell.
        """
        if row < 1:
            raise ValueError(f"row {row} is not a 1-based row")
        if not self.rows:
            raise ValueError(f"{self.filename} has no Python code to locate row {row} in")
        return locate(row, self.rows)


def locate(row: int, cell_rows: Sequence[tuple[int, int]]) -> tuple[int, int]:
    """(cell, row in that cell) of a notebook's virtual row; rows past the end continue the last cell."""
    if row <= len(cell_rows):
        return cell_rows[max(row, 1) - 1]
    cell, last = cell_rows[-1]
    return cell, last + row - len(cell_rows)


def load_notebook(data: bytes, filename: str) -> NotebookSource:
    doc = _parse(data, filename)
    cells = doc.get("cells")
    if not isinstance(cells, list):
        raise NotebookError(f"{filename}: invalid notebook: 'cells' is not a list")
    python = _is_python(_notebook_language(doc))

    lines: list[str] = []
    rows: list[tuple[int, int]] = []
    included: list[int] = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            raise NotebookError(f"{filename}: invalid notebook: cell {number} has no 'cell_type'")
        if cell["cell_type"] != "code":
            continue
        source = _source(cell, number, filename)
        if not python or not _is_python(_cell_language(cell)):
            continue
        cell_lines = python_lines(source)
        if cell_lines is None:
            continue
        included.append(number)
        for row, line in enumerate(cell_lines, start=1):
            lines.append(line)
            rows.append((number, row))
    text = "".join(line + "\n" for line in lines)
    return NotebookSource(filename, text, len(cells), tuple(included), tuple(rows))


# nbformat nests a handful of levels (outputs' JSON data a few more); far below Python's stack.
MAX_JSON_DEPTH = 200
_JSON_STRING = re.compile(rb'"[^"]*"')  # once escapes are gone (see _json_depth)
_NOT_A_BRACKET = bytes(set(range(256)) - set(b"[]{}"))


def _json_depth(data: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON document (strings skipped).

    On the UTF-8 bytes (these ASCII bytes never occur inside a multi-byte character), in passes
    that keep no state per character: escaped backslashes go first, then escaped quotes, and then
    a string is a quote, non-quotes and a quote. A pattern that matched strings escape by escape
    kept backtracking state for each of their characters: 1 GB for one 8 MiB output.
    """
    plain = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    brackets = _JSON_STRING.sub(b"", plain).translate(None, _NOT_A_BRACKET)
    depth = deepest = 0
    for bracket in brackets:
        if bracket in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _parse(data: bytes, filename: str) -> dict[str, Any]:
    # Checked before parsing: json's own limit is the interpreter's recursion limit, so the same
    # file would be read or rejected depending on the stack depth of the caller. And before
    # decoding, so that its passes are freed before the text exists.
    if _json_depth(data) > MAX_JSON_DEPTH:
        raise NotebookError(f"{filename}: invalid notebook JSON: nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        text = data.decode("utf-8-sig")  # nbformat files are UTF-8; tolerate a BOM
    except UnicodeDecodeError:
        raise NotebookError(f"{filename}: invalid notebook: not UTF-8 JSON") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(
            f"{filename}: invalid notebook JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:  # arrays or objects nested past the interpreter's recursion limit
        raise NotebookError(f"{filename}: invalid notebook JSON: nested too deeply") from None
    except ValueError as exc:  # an integer over CPython's 4,300-digit limit is no JSONDecodeError
        raise NotebookError(f"{filename}: invalid notebook JSON: {str(exc).split(';')[0]}") from None
    del text  # the document holds what it needs
    if not isinstance(doc, dict):
        raise NotebookError(f"{filename}: invalid notebook: the top level is not a JSON object")
    version = doc.get("nbformat", 4)
    if version != 4:
        raise NotebookError(
            f"{filename}: unsupported nbformat {version!r} (lrlint reads nbformat 4)"
        )
    return doc


def _source(cell: dict[str, Any], number: int, filename: str) -> str:
    source = cell.get("source")
    if isinstance(source, list) and all(isinstance(part, str) for part in source):
        source = "".join(source)  # nbformat's list form: lines that keep their own "\n"
    if not isinstance(source, str):
        raise NotebookError(
            f"{filename}: invalid notebook: cell {number} 'source' is not a string or list of strings"
        )
    try:
        source.encode("utf-8")
    except UnicodeEncodeError as exc:  # JSON's "\ud800" escape decodes to a lone surrogate
        raise NotebookError(
            f"{filename}: invalid notebook: cell {number} holds a lone surrogate "
            f"({source[exc.start]!a}), which is not text Python can compile"
        ) from None
    return source


def _notebook_language(doc: dict[str, Any]) -> str | None:
    metadata = doc.get("metadata")
    if not isinstance(metadata, dict):
        return None
    info = metadata.get("language_info")
    if isinstance(info, dict) and isinstance(info.get("name"), str):
        return str(info["name"])
    kernel = metadata.get("kernelspec")
    if isinstance(kernel, dict) and isinstance(kernel.get("language"), str):
        return str(kernel["language"])
    return None


def _cell_language(cell: dict[str, Any]) -> str | None:
    # Jupyter has no per-cell language; VS Code records one for its polyglot notebooks.
    metadata = cell.get("metadata")
    if isinstance(metadata, dict):
        vscode = metadata.get("vscode")
        if isinstance(vscode, dict) and isinstance(vscode.get("languageId"), str):
            return str(vscode["languageId"])
    return None


def _is_python(language: str | None) -> bool:
    return language is None or language.strip().lower().startswith(("python", "ipython"))


# --------------------------------------------------------------------------------------------
# IPython syntax -> Python, row for row


# Cell magics whose body is Python (as ruff treats them): the magic line is blanked, the body kept.
PYTHON_CELL_MAGICS = frozenset({"capture", "debug", "prun", "pypy", "python", "python3", "time", "timeit"})


def python_lines(source: str) -> list[str] | None:
    """The cell's lines with IPython syntax neutralised; None for a cell in another language."""
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the text's final newline ends the last line; it starts none
    first = next((line for line in lines if line.strip()), "")
    if first.startswith("%%") and first[2:].split(maxsplit=1)[:1] not in ([m] for m in PYTHON_CELL_MAGICS):
        return None  # the body is another language (%%bash, %%writefile, ...)

    out: list[str] = []
    scanner = _Scanner()
    escaped_continues = False  # inside a `!cmd \` or `%magic \` continued onto this line
    for line in lines:
        if escaped_continues:
            out.append("")
            escaped_continues = line.rstrip().endswith("\\")
            continue
        if scanner.at_statement_start:
            replacement = _escape_replacement(line, scanner)
            if replacement is not None:
                out.append(replacement)
                escaped_continues = line.rstrip().endswith("\\")
                continue
        scanner.feed(line)
        out.append(line)
    return out


def _escape_replacement(line: str, scanner: _Scanner) -> str | None:
    stripped = line.lstrip()
    indent = line[: len(line) - len(stripped)]
    if stripped.startswith(("%", "!", "?")):
        return indent + "pass"
    assigned = _ASSIGNED_ESCAPE.match(line)
    if assigned is not None:
        return assigned["lhs"].rstrip() + " = None"
    if stripped and scanner.is_help_query(line):
        return indent + "pass"
    return None


class _Scanner:
    """Just enough of Python's tokenizer to tell whether a line starts a new statement.

    A `%` or `?` that continues an open bracket, a backslash line or a triple-quoted string is
    Python (or string text), never IPython syntax.
    """

    def __init__(self) -> None:
        self.depth = 0  # open brackets
        self.string: str | None = None  # the quote of a string still open at the line end
        self.continued = False  # the last line ended with a backslash

    @property
    def at_statement_start(self) -> bool:
        return self.depth == 0 and self.string is None and not self.continued

    def feed(self, line: str) -> None:
        self.depth, self.string, self.continued, _ = self._scan(line)

    def is_help_query(self, line: str) -> bool:
        """`obj?`, `obj.attr??`: a one-line statement whose code ends in `?`."""
        depth, string, continued, code = self._scan(line)
        return depth == 0 and string is None and not continued and code.rstrip().endswith("?")

    def _scan(self, line: str) -> tuple[int, str | None, bool, str]:
        depth, string = self.depth, self.string
        i, end = 0, len(line)
        while i < len(line):
            ch = line[i]
            if string is not None:
                if ch == "\\":
                    i += 2
                    continue
                if line.startswith(string, i):
                    i += len(string)
                    string = None
                    continue
                i += 1
                continue
            if ch == "#":
                end = i
                break
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth = max(depth - 1, 0)
            elif ch in "'\"":
                string = ch * 3 if line.startswith(ch * 3, i) else ch
                i += len(string)
                continue
            i += 1
        code = line[:end]
        continued = code.endswith("\\")
        if string is not None and len(string) == 1 and not continued:
            string = None  # an unterminated one-line string ends at the line end (a syntax error)
        return depth, string, continued, code
