from __future__ import annotations

import json
import sys
from typing import Any

import pytest

from lrlint.notebook import NotebookError, load_notebook, python_lines
from lrlint.suppressions import Suppressions


def code(source: str | list[str], **metadata: Any) -> dict[str, Any]:
    return {"cell_type": "code", "execution_count": None, "metadata": metadata, "outputs": [],
            "source": source}  # fmt: skip


def markdown(source: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def notebook(*cells: dict[str, Any], language: str | None = "python") -> bytes:
    metadata: dict[str, Any] = {}
    if language is not None:
        metadata["language_info"] = {"name": language}
    doc = {"nbformat": 4, "nbformat_minor": 5, "metadata": metadata, "cells": list(cells)}
    return json.dumps(doc, indent=1).encode("utf-8")


def test_code_cells_become_one_module_with_a_row_map() -> None:
    data = notebook(
        markdown("# Training\nSome prose with `code`."),
        code(["import torch\n", "from torch.optim.lr_scheduler import StepLR\n"]),
        code("opt = torch.optim.SGD([], lr=0.1)\nscheduler = StepLR(opt, step_size=3)"),  # no final \n
        code(""),
        code(["for epoch in range(3):\n", "    opt.step()\n", "    scheduler.step()\n"]),
    )
    nb = load_notebook(data, "train.ipynb")
    assert nb.text == (
        "import torch\n"
        "from torch.optim.lr_scheduler import StepLR\n"
        "opt = torch.optim.SGD([], lr=0.1)\n"
        "scheduler = StepLR(opt, step_size=3)\n"
        "for epoch in range(3):\n"
        "    opt.step()\n"
        "    scheduler.step()\n"
    )
    assert nb.cell_count == 5
    assert nb.code_cells == (2, 3, 4, 5)
    # Cells are numbered among all cells: the markdown cell is cell 1.
    assert nb.locate(1) == (2, 1)
    assert nb.locate(2) == (2, 2)
    assert nb.locate(3) == (3, 1)
    assert nb.locate(4) == (3, 2)
    assert nb.locate(5) == (5, 1)
    assert nb.locate(7) == (5, 3)
    compile(nb.text, nb.filename, "exec")


def test_rows_past_the_end_continue_the_last_cell() -> None:
    nb = load_notebook(notebook(code("a = 1\n"), code("b = (\n")), "x.ipynb")
    assert nb.locate(2) == (2, 1)
    assert nb.locate(3) == (2, 2)  # e.g. "unexpected end of file" just after the last line
    with pytest.raises(ValueError):
        nb.locate(0)


def test_notebook_without_code_has_no_rows() -> None:
    nb = load_notebook(notebook(markdown("only prose")), "x.ipynb")
    assert nb.text == ""
    assert nb.code_cells == ()
    with pytest.raises(ValueError):
        nb.locate(1)


def test_magics_and_shell_escapes_keep_rows() -> None:
    source = [
        "%matplotlib inline\n",
        "!pip install torch\n",
        "files = !ls *.py\n",
        "result, other = %timeit -o f()\n",
        "?StepLR\n",
        "StepLR?\n",
        "torch.optim.lr_scheduler.MultiStepLR??\n",
        "for epoch in range(3):\n",
        "    %time train(epoch)\n",
        "!pip install \\\n",
        "    lrlint\n",
        "scheduler = StepLR(opt, milestones=[1, 2])\n",
    ]
    nb = load_notebook(notebook(code(source)), "magic.ipynb")
    assert nb.text.splitlines() == [
        "pass",
        "pass",
        "files = None",
        "result, other = None",
        "pass",
        "pass",
        "pass",
        "for epoch in range(3):",
        "    pass",
        "pass",
        "",
        "scheduler = StepLR(opt, milestones=[1, 2])",
    ]
    compile(nb.text, "magic.ipynb", "exec")
    assert nb.locate(12) == (1, 12)


@pytest.mark.parametrize(
    "python",
    [
        "x = (a\n     % b)\n",  # `%` continuing an open bracket is the modulo operator
        "x = a \\\n    % b\n",  # ... and after a backslash continuation
        'doc = """\n%not a magic\n!nor a shell\n?nor help\n"""\n',
        "doc = '''it's %d\n% done'''\n",
        "d = {'a': 1}  # what?\n",
        "s = 'is it?'\n",
        "y = a % b\n",
        "if a != b:\n    pass\n",
        "z = f'{x!r}'\n",
        "path = 'C:\\\\'\n%pwd\n",
    ],
)
def test_python_that_looks_like_ipython_is_kept(python: str) -> None:
    lines = python_lines(python)
    expected = python.splitlines()
    if python.endswith("%pwd\n"):
        expected[-1] = "pass"  # the escaped backslash closed the string: %pwd is a magic
    assert lines == expected


def test_cell_magic_cells_in_other_languages_are_left_out() -> None:
    data = notebook(
        code("%%bash\necho hi\n"),
        code("\n\n%%writefile x.txt\nx = 1\n"),  # leading blank lines do not hide a cell magic
        code("y = 2\n"),
    )
    nb = load_notebook(data, "cells.ipynb")
    assert nb.text == "y = 2\n"
    assert nb.code_cells == (3,)
    assert nb.locate(1) == (3, 1)


def test_python_cell_magics_keep_their_body() -> None:
    # Colab training cells often start with %%time; the body is Python and is linted.
    data = notebook(code("%%time\nx = 1\n"), code("%%capture out\ny = 2\n"))
    nb = load_notebook(data, "timed.ipynb")
    assert nb.text == "pass\nx = 1\npass\ny = 2\n"
    assert nb.locate(2) == (1, 2) and nb.locate(4) == (2, 2)


def test_windows_line_ends_and_empty_lines() -> None:
    nb = load_notebook(notebook(code("a = 1\r\n\r\nb = 2\r\n"), code("\n")), "crlf.ipynb")
    assert nb.text == "a = 1\n\nb = 2\n\n"
    assert nb.locate(3) == (1, 3)
    assert nb.locate(4) == (2, 1)


@pytest.mark.parametrize("language", ["R", "julia", "scala"])
def test_non_python_notebooks_have_no_code(language: str) -> None:
    nb = load_notebook(notebook(code("x <- 1\n"), language=language), "r.ipynb")
    assert nb.text == ""
    assert nb.code_cells == ()


def test_kernelspec_language_is_used_without_language_info() -> None:
    data = notebook(code("x <- 1\n"), language=None)
    doc = json.loads(data)
    doc["metadata"]["kernelspec"] = {"name": "ir", "language": "R", "display_name": "R"}
    assert load_notebook(json.dumps(doc).encode(), "r.ipynb").text == ""
    doc["metadata"]["kernelspec"] = {"name": "python3", "language": "python"}
    assert load_notebook(json.dumps(doc).encode(), "p.ipynb").text == "x <- 1\n"


def test_cells_in_another_language_are_skipped() -> None:
    data = notebook(
        code("SELECT 1", vscode={"languageId": "sql"}),
        code("x = 1", vscode={"languageId": "python"}),
    )
    nb = load_notebook(data, "poly.ipynb")
    assert nb.text == "x = 1\n"
    assert nb.locate(1) == (2, 1)


def test_utf8_bom_and_unicode_source() -> None:
    data = b"\xef\xbb\xbf" + notebook(code("name = 'gr\u00fc\u00df'\n"))
    assert load_notebook(data, "bom.ipynb").text == "name = 'gr\u00fc\u00df'\n"


def test_suppressions_work_on_the_virtual_module() -> None:
    data = notebook(code("a = 1\n"), markdown("x"), code("b = 2\nc = 3  # noqa: LR003\n"))
    nb = load_notebook(data, "n.ipynb")
    suppressions = Suppressions.from_source(nb.text)
    assert nb.locate(3) == (3, 2)
    assert suppressions.is_suppressed("LR003", 3)
    assert not suppressions.is_suppressed("LR003", 2)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{not json", "bad.ipynb: invalid notebook JSON: Expecting property name enclosed in double quotes (line 1, column 2)"),
        (b"[]", "bad.ipynb: invalid notebook: the top level is not a JSON object"),
        (b"\xff\xfe\x00{", "bad.ipynb: invalid notebook: not UTF-8 JSON"),
        (b'{"nbformat": 3, "worksheets": []}', "bad.ipynb: unsupported nbformat 3 (lrlint reads nbformat 4)"),
        (b'{"nbformat": 4, "metadata": {}}', "bad.ipynb: invalid notebook: 'cells' is not a list"),
        (b'{"nbformat": 4, "cells": [{"source": "x"}]}', "bad.ipynb: invalid notebook: cell 1 has no 'cell_type'"),
        (b'{"nbformat": 4, "cells": ["x = 1"]}', "bad.ipynb: invalid notebook: cell 1 has no 'cell_type'"),
        (b'{"nbformat": 4, "cells": [{"cell_type": "markdown", "source": "x"}, {"cell_type": "code", "source": 7}]}',
         "bad.ipynb: invalid notebook: cell 2 'source' is not a string or list of strings"),
        (b'{"nbformat": 4, "cells": [{"cell_type": "code", "source": ["a", 1]}]}',
         "bad.ipynb: invalid notebook: cell 1 'source' is not a string or list of strings"),
    ],
)  # fmt: skip
def test_invalid_notebooks(data: bytes, message: str) -> None:
    with pytest.raises(NotebookError) as info:
        load_notebook(data, "bad.ipynb")
    assert str(info.value) == message


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


@pytest.mark.parametrize(
    "doc",
    [
        {"a": "[[[[", "b": [[["]]]"]]]},
        {"quote": 'x"[', "backslash": "\\", "both": '\\"[{', "tail": [[{"k": "\\\\"}]]},
        {"s": '\\\\"[[[[', "deep": [[[[[[1]]]]]], "u": "é😀[{"},
        [[], [[], [[[]]]], {"": {"": {}}}],
        "[[[[ just a string",
    ],
)
def test_json_depth_skips_what_strings_hold(doc: Any) -> None:
    from lrlint.notebook import _json_depth

    for text in (json.dumps(doc), json.dumps(doc, ensure_ascii=False), json.dumps(doc, indent=1)):
        assert _json_depth(text.encode()) == _depth(doc), text


@pytest.mark.parametrize(
    ("mib", "unit"),
    [(8, "x"), (16, "\n"), (31, "x"), (31, 'say "[{\\')],
    ids=["8MiB", "16MiB-escapes", "31MiB-one-astral-char", "31MiB-quotes-brackets-backslashes"],
)
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the peak from /proc")
def test_a_notebook_with_a_huge_output_stays_in_bounded_memory(tmp_path: Any, mib: int, unit: str) -> None:
    """One output string: 8 MiB of it peaked at 1 GB (16 MiB: 2 GB) in the JSON depth check.
    Measured in a fresh process; one astral character makes Python hold the text at 4 bytes a
    character, the worst case for the decoded notebook."""
    import subprocess

    from tests.helpers import ROOT

    text = unit * (mib * 2**20 // len(json.dumps(unit)[1:-1]) - 64)
    if mib == 31 and unit == "x":
        text += "😀"
    cell = code("from torch.optim.lr_scheduler import StepLR\nStepLR(opt, milestones=[30])\n")
    cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": text}]
    path = tmp_path / "big.ipynb"
    path.write_bytes(notebook(cell))
    del text, cell
    # VmHWM, not ru_maxrss: that one keeps the peak of the process that started this one (pytest).
    probe = (
        "import sys\n"
        "from lrlint.linter import lint_bytes\n"
        "data = open(sys.argv[1], 'rb').read()\n"
        "codes = [d.code for d in lint_bytes('big.ipynb', data, notebook=True).diagnostics]\n"
        "peak = next(int(line.split()[1]) for line in open('/proc/self/status') if line.startswith('VmHWM:'))\n"
        "print(*codes, peak // 1024)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    *codes, peak_mb = done.stdout.split()
    assert codes == ["LR001"]
    assert int(peak_mb) < 300, f"peak RSS {peak_mb} MB"
