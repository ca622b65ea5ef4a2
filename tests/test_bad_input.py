"""Bad input: a one-line diagnostic naming the file, and lrlint goes on with the other files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lrlint.cli import main
from lrlint.linter import lint_bytes

GOOD_BAD = "from torch.optim.lr_scheduler import StepLR\nStepLR(opt, milestones=[3])\n"


def one(data: bytes):
    result = lint_bytes("f.py", data)
    assert len(result.diagnostics) == 1, result.diagnostics
    return result.diagnostics[0]


def test_syntax_error_is_e999_with_cpython_message() -> None:
    d = one(b"import torch.optim.lr_scheduler\ndef f(:\n    pass\n")
    assert (d.code, d.location.row) == ("E999", 2)
    assert d.message.startswith("SyntaxError: ") and "\n" not in d.message


def test_python2_print_is_e999() -> None:
    d = one(b"from torch.optim import lr_scheduler\nprint 'hello'\n")
    assert d.code == "E999" and d.location.row == 2


def test_binary_file() -> None:
    d = one(b"\x00\x01\x02lr_scheduler\xff")
    assert d.code == "E902" and "binary" in d.message


def test_non_utf8_without_cookie() -> None:
    d = one(b"# lr_scheduler\nname = '\xe9t\xe9'\n")
    assert d.code == "E902" and "utf-8" in d.message and d.location.row == 2


def test_latin1_with_cookie_is_fine() -> None:
    data = b"# -*- coding: latin-1 -*-\n# \xe9\n" + GOOD_BAD.encode()
    assert [d.code for d in lint_bytes("f.py", data).diagnostics] == ["LR001"]


def test_bom_and_crlf() -> None:
    data = b"\xef\xbb\xbf" + GOOD_BAD.replace("\n", "\r\n").encode()
    [d] = lint_bytes("f.py", data).diagnostics
    assert (d.code, d.location.row) == ("LR001", 2)


def test_empty_file_is_clean() -> None:
    assert lint_bytes("f.py", b"").diagnostics == []


@pytest.mark.parametrize(
    "expression",
    [b"(" * 5000 + b"1" + b")" * 5000, b"1+" * 50000 + b"1", b"1+" * 10000 + b"1", b"a." * 20000 + b"b",
     b"-" * 5000 + b"1", b"-" * 10000 + b"1", b"not " * 5000 + b"y", b"lambda: " * 3000 + b"1",
     b"lambda: " * 900 + b"1", b"f" + b"(1)" * 10000],
    ids=["parens", "binop-chain", "binop-chain-10k", "attribute-chain", "unary-chain", "unary-chain-10k",
         "not-chain", "lambdas", "lambdas-900", "call-chain"],
)
def test_pathological_nesting_never_crashes(expression: bytes) -> None:
    # Each case once crashed (segfault or a minutes-long parse in libcst, RecursionError in the
    # analysis), on some Python between 3.9 and 3.13. Whatever CPython parses is analysed in full
    # (the walk is iterative), so the finding after it is not lost; the rest is CPython's E999.
    data = b"from torch.optim.lr_scheduler import StepLR\nx = " + expression + b"\nStepLR(o, milestones=[3])\n"
    result = lint_bytes("f.py", data)
    assert [d.code for d in result.diagnostics] in (["E999"], ["LR001"])
    assert result.notes == []


def _run(args: list[str], capsys) -> tuple[int, list[dict], str]:
    code = main(["--output-format", "json", *args])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def test_cli_goes_on_after_bad_files(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a_syntax.py").write_text("import torch.optim.lr_scheduler\ndef (:\n")
    (tmp_path / "b_binary.py").write_bytes(b"\x00\x00")
    (tmp_path / "c_latin.py").write_bytes(b"x = '\xe9'\n")
    (tmp_path / "d_empty.py").write_text("")
    (tmp_path / "e_bad.py").write_text(GOOD_BAD)
    (tmp_path / "f_broken.py").symlink_to(tmp_path / "nowhere.py")
    loop = tmp_path / "loop"
    loop.mkdir()
    (loop / "back").symlink_to(tmp_path, target_is_directory=True)
    code, diags, err = _run([".", "missing.py"], capsys)
    assert code == 1 and err == ""
    seen = {(d["filename"], d["code"]) for d in diags}
    assert seen == {
        ("a_syntax.py", "E999"),
        ("b_binary.py", "E902"),
        ("c_latin.py", "E902"),
        ("e_bad.py", "LR001"),
        ("f_broken.py", "E902"),
        ("loop/back", "E902"),
        ("missing.py", "E902"),
    }
    messages = {d["filename"]: d["message"] for d in diags}
    assert "symbolic link loop" in messages["loop/back"]
    assert messages["missing.py"] == "No such file or directory"
    assert all("\n" not in m for m in messages.values())


def test_unreadable_file(tmp_path: Path, capsys, monkeypatch) -> None:
    target = tmp_path / "secret.py"
    target.write_text(GOOD_BAD)
    (tmp_path / "ok.py").write_text(GOOD_BAD)
    import lrlint.run
    import lrlint.workers

    real = lrlint.workers.read_source

    def deny(path: Path) -> tuple[os.stat_result, bytes]:
        if Path(path).name == "secret.py":  # as root, chmod 000 would not stop the read
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(lrlint.workers, "read_source", deny)
    monkeypatch.setattr(lrlint.run, "read_source", deny)  # the run reads (and hashes) files too
    monkeypatch.chdir(tmp_path)
    code, diags, _ = _run(["--no-cache", "."], capsys)
    assert code == 1
    assert {(d["filename"], d["code"], d["message"]) for d in diags} == {
        ("ok.py", "LR001", diags[0]["message"] if diags[0]["filename"] == "ok.py" else diags[1]["message"]),
        ("secret.py", "E902", "Permission denied"),
    }


def test_default_excludes(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    for folder in (".git", ".venv", "venv", "__pycache__", "build", "dist", "node_modules", "pkg.egg-info"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.py").write_text(GOOD_BAD)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "x.py").write_text(GOOD_BAD)
    code, diags, _ = _run([], capsys)
    assert [d["filename"] for d in diags] == [os.path.join("src", "x.py")]


def test_explicit_file_in_excluded_folder_is_linted(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "x.py").write_text(GOOD_BAD)
    code, diags, _ = _run(["build/x.py"], capsys)
    assert [d["code"] for d in diags] == ["LR001"]


def test_internal_error_is_one_line_and_exit_2(tmp_path: Path, capsys, monkeypatch) -> None:
    import lrlint.workers

    def boom(*args, **kwargs):
        raise RuntimeError("simulated bug")

    (tmp_path / "a.py").write_text(GOOD_BAD)
    (tmp_path / "b.py").write_text(GOOD_BAD)
    calls = []
    real = lrlint.workers.analyze_file

    def flaky(name, data, *a, **k):
        calls.append(name)
        if name.endswith("a.py"):
            boom()
        return real(name, data, *a, **k)

    monkeypatch.setattr(lrlint.workers, "analyze_file", flaky)
    monkeypatch.chdir(tmp_path)
    code = main(["--output-format", "json", "--no-cache", "."])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.strip() == "lrlint: internal error while checking a.py: RuntimeError: simulated bug"
    assert [d["filename"] for d in json.loads(captured.out)] == ["b.py"]


@pytest.mark.parametrize(
    "source",
    [
        'names = ["a"]\nprint(f"{", ".join(names)}")\n',  # PEP 701 (3.12)
        "def first[T](xs: list[T]) -> T:\n    return xs[0]\n",  # PEP 695 (3.12)
        "type Vector = list[float]\n",  # PEP 695 (3.12)
    ],
    ids=["pep701-fstring", "pep695-generic-def", "pep695-type-alias"],
)
def test_newer_python_syntax_is_not_a_syntax_error(source: str) -> None:
    data = ("from torch.optim.lr_scheduler import StepLR\n" + source + "StepLR(opt, milestones=[3])\n").encode()
    found = lint_bytes("f.py", data).diagnostics
    if sys.version_info >= (3, 12):
        assert [d.code for d in found] == ["LR001"]
    else:  # CPython's ast of this Python cannot hold it: "not analysed", never a false E999
        [d] = found
        assert (d.code, d.severity, d.name) == ("E903", "warning", "cannot-analyse")
        assert d.message.startswith("not analysed: the file uses syntax newer than Python 3.")


def test_real_syntax_error_keeps_cpython_message_after_libcst_second_opinion() -> None:
    d = one(b"import torch.optim.lr_scheduler\nx = (1,\ny = 2\n")
    assert d.code == "E999" and d.message.startswith("SyntaxError: ") and "parser error" not in d.message


def test_invalid_notebook_is_one_e902_without_repeating_the_name() -> None:
    result = lint_bytes("nb.ipynb", b'{"cells": [', notebook=True)
    [d] = result.diagnostics
    assert d.code == "E902" and d.filename == "nb.ipynb"
    assert d.message.startswith("invalid notebook") and "nb.ipynb" not in d.message


@pytest.mark.parametrize(
    "name,data,code,start",
    [
        ("bigint.py", b"from torch.optim.lr_scheduler import StepLR\nx = " + b"1" * 5000 + b"\n", "E999", "SyntaxError: Exceeds the limit (4300 digits)"),
    ],
)
def test_inputs_that_once_were_internal_errors_are_one_finding(name: str, data: bytes, code: str, start: str) -> None:
    [d] = lint_bytes(name, data, notebook=name.endswith(".ipynb")).diagnostics
    assert d.code == code and d.message.startswith(start), d.message


def test_a_class_redefining_an_imported_steplr_is_not_torchs() -> None:
    source = (
        "from torch.optim.lr_scheduler import StepLR\n"
        "class StepLR:\n    def __init__(self, optimizer, milestones): ...\n"
        "StepLR(opt, milestones=[30, 80])\n"
    )
    assert lint_bytes("f.py", source.encode()).diagnostics == []


def test_files_over_the_size_limit_are_named_not_analysed(tmp_path: Path, capsys) -> None:
    from lrlint.source import MAX_FILE_BYTES

    line = b"from torch.optim.lr_scheduler import StepLR\nStepLR(opt, milestones=[3])\n"
    (tmp_path / "huge.py").write_bytes(line * (MAX_FILE_BYTES // len(line) + 1))
    (tmp_path / "ok.py").write_bytes(line)
    code, diags, _ = _run(["--no-cache", str(tmp_path)], capsys)
    assert code == 1
    assert [(Path(d["filename"]).name, d["code"]) for d in diags] == [("huge.py", "E903"), ("ok.py", "LR001")]
    assert diags[0]["message"] == "not analysed: the file is larger than lrlint's limit of 1 MiB per file"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_or_device_named_on_the_command_line_never_hangs(tmp_path: Path, capsys) -> None:
    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)
    code, diags, _ = _run(["--no-cache", str(fifo), "/dev/zero"], capsys)
    assert code == 1
    assert {(d["code"], d["message"]) for d in diags} == {("E902", "not a regular file (a FIFO, socket or device), skipped")}
    assert len(diags) == 2


def test_stdin_that_never_ends_is_bounded() -> None:
    import subprocess

    with open("/dev/zero", "rb") as zero:
        done = subprocess.run(
            [sys.executable, "-m", "lrlint", "--no-cache", "-", "--stdin-filename", "z.py"],
            stdin=zero, capture_output=True, timeout=60, check=False,
        )
    assert done.returncode == 1 and b"E903" in done.stdout


def test_code_too_dense_for_bounded_memory_is_named_not_analysed() -> None:
    data = b"from torch.optim.lr_scheduler import StepLR\n" + b"g(lambda q: q)\n" * 40_000
    [d] = lint_bytes("gen.py", data).diagnostics
    assert (d.code, d.severity) == ("E903", "warning")
    assert d.message == "not analysed: 160,006 names and numbers, over lrlint's limit of 100,000 per file"


@pytest.mark.parametrize(
    "body",
    [
        # An 8,000-operand `and`: flat in CPython's tree, it once crashed libcst (its parser
        # recurses per operand: the analysis runs on a large stack now).
        b"x = " + b" and ".join([b"a"] * 8000) + b"\n",
        b"x = (" + b" and\n".join([b"a"] * 8000) + b")\n",
        # Its tree nests as deep: generating positions and walking it must not overflow either.
        b"x = " + b" or ".join([b"a"] * 40000) + b"\n",
    ],
    ids=["and-chain-8000", "and-chain-8000-lines", "or-chain-40000"],
)
def test_what_cpython_parses_is_analysed(body: bytes) -> None:
    data = b"from torch.optim.lr_scheduler import StepLR\n" + body + b"StepLR(opt, milestones=[3])\n"
    assert [d.code for d in lint_bytes("f.py", data).diagnostics] == ["LR001"]


@pytest.mark.parametrize(
    "body",
    [
        # Code libcst rejects although CPython accepts it. lrlint analyses libcst's tree, so such
        # a file is named as not analysed (a warning), never a syntax error.
        b"try:\n    pass\n\\\nfinally:\n    pass\n",
        b"x = (" + b" ".join(b'"s"' for _ in range(5000)) + b")\n",
    ],
    ids=["backslash-before-finally", "5000-implicit-strings"],
)
def test_what_only_cpython_parses_is_named_not_analysed(body: bytes) -> None:
    data = b"from torch.optim.lr_scheduler import StepLR\n" + body + b"StepLR(opt, milestones=[3])\n"
    [d] = lint_bytes("f.py", data).diagnostics
    assert (d.code, d.severity, d.location.row) == ("E903", "warning", 1)
    assert d.message.startswith("not analysed: libcst, the parser lrlint analyses with, cannot parse this file")
    assert "\n" not in d.message


def test_deep_nesting_cpython_accepts_is_analysed() -> None:
    # Past CPython's symbol table's share of the depth budget (about 1,000 levels), CPython's own
    # parse decides; libcst's parse of what it accepts is bounded like any other (workers.py).
    data = b"from torch.optim.lr_scheduler import StepLR\nx = " + b"1 if a else " * 1200 + b"1\nStepLR(opt, milestones=[3])\n"
    assert [d.code for d in lint_bytes("f.py", data).diagnostics] == ["LR001"]


# --- found by the fuzz target (tests/test_fuzz.py) --------------------------------------------

_AND_CHAIN = b"x = (" + b" and\n".join([b"a"] * 8000) + b")\n"


@pytest.mark.parametrize(
    "data",
    [
        b"try:\n    pass\nexcept E, e:\n    pass\n" + _AND_CHAIN,  # Python 2 syntax: segfaulted libcst
        b"y = " + b"9" * 5000 + b"\n" + _AND_CHAIN,  # int limit: segfaulted libcst
        b"x = a" + b".b" * 9000 + b"\ndef (:\n",  # segfaulted libcst
        b"x = (" + b" +\n".join([b"1"] * 10000) + b")\ndef (:\n",  # 104 s in libcst
        b"x = f" + b"(1)" * 6000 + b"\ndef (:\n",  # over a minute in libcst
    ],
    ids=["py2-except-and-chain", "huge-int-and-chain", "attribute-chain", "binop-chain-lines", "call-chain"],
)
def test_rejected_file_with_a_long_chain_gets_no_second_opinion(data: bytes, tmp_path: Path) -> None:
    """A file CPython rejects went to libcst for a second opinion (newer syntax?), whose parser
    crashes or takes minutes on long operator chains: in a subprocess, as a crash would kill pytest."""
    (tmp_path / "f.py").write_bytes(b"import torch.optim.lr_scheduler\n" + data)
    code = "import sys; from lrlint.linter import lint_bytes; print(*[d.code for d in lint_bytes('f.py', open('f.py','rb').read()).diagnostics])"
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)})  # fmt: skip
    assert proc.returncode == 0, proc.stderr.decode()[-500:]
    assert proc.stdout.decode().split() == ["E999"]


def test_int_over_the_digit_limit_is_cpythons_e999_not_newer_syntax() -> None:
    d = one(b"import torch.optim.lr_scheduler\nBIG = " + b"9" * 5000 + b"\n")
    assert d.code == "E999" and "Exceeds the limit (4300 digits)" in d.message


def _notebook(extra: bytes = b"", source: bytes = b'"import torch.optim.lr_scheduler\\n"') -> bytes:
    return b'{"nbformat": 4, "cells": [{"cell_type": "code", "source": ' + source + b"}]" + extra + b"}"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_notebook(b', "n": ' + b"7" * 5000), "Exceeds the limit (4300 digits)"),  # was ValueError
        (_notebook(b', "deep": ' + b"[" * 1000 + b"]" * 1000), "nested deeper than"),  # was RecursionError
        (_notebook(source=b'"import torch.optim.lr_scheduler\\nx = \'\\ud800\'\\n"'), "cell 1 holds a lone surrogate"),
    ],
    ids=["int-5000-digits", "nested-1000", "lone-surrogate"],
)
def test_hostile_notebook_json_is_one_e902(data: bytes, message: str) -> None:
    [d] = lint_bytes("nb.ipynb", data, notebook=True).diagnostics
    assert d.code == "E902" and message in d.message, d.message


def test_notebook_depth_verdict_does_not_depend_on_the_callers_stack() -> None:
    """json's limit is the recursion limit: the same notebook was clean when linted alone and an
    E902 in a worker process, deeper in the stack. The depth is now checked before parsing."""
    data = _notebook(b', "deep": ' + b"[" * 900 + b"]" * 900)

    def nested(depth: int) -> list[str]:
        return nested(depth - 1) if depth else [d.code for d in lint_bytes("nb.ipynb", data, notebook=True).diagnostics]

    assert nested(0) == nested(150) == ["E902"]
    shallow = _notebook(b', "deep": ' + b"[" * 150 + b"]" * 150)
    assert lint_bytes("nb.ipynb", shallow, notebook=True).diagnostics == []


def test_verify_confirms_only_the_predicted_type_error(tmp_path: Path) -> None:
    from tests.helpers import run_cli

    (tmp_path / "t.py").write_text(
        "import torch\nfrom torch.optim.lr_scheduler import MultiStepLR\n"
        "opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)\n"
        "MultiStepLR(opt, 30, verbose=False)\n"
    )
    proc = run_cli("--verify", "--output-format", "json", "--no-cache", "t.py", cwd=tmp_path)
    finding, verbose = json.loads(proc.stdout)
    assert (finding["code"], verbose["code"]) == ("LR002", "LR008")
    # torch raised about `verbose`, not "'int' object is not iterable": that proves nothing.
    assert finding["verification"]["status"] == "inconclusive", finding["verification"]["evidence"]
    assert verbose["verification"]["status"] == "confirmed", verbose["verification"]["evidence"]


def test_a_notebook_large_with_outputs_is_judged_by_its_code() -> None:
    import base64

    cell = {"cell_type": "code", "metadata": {}, "execution_count": 1,
            "source": "from torch.optim.lr_scheduler import StepLR\nStepLR(opt, milestones=[30])\n",
            "outputs": [{"output_type": "display_data", "metadata": {},
                         "data": {"image/png": base64.b64encode(os.urandom(3 * 1024 * 1024)).decode()}}]}  # fmt: skip
    data = json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]}).encode()
    assert len(data) > 4 * 1024 * 1024
    assert [d.code for d in lint_bytes("big.ipynb", data, notebook=True).diagnostics] == ["LR001"]


def test_a_deep_expression_gets_the_same_verdict_at_any_stack_depth() -> None:
    """Found by the fuzz target: `not not ... y` 5,000 deep parsed alone, but was an E999 inside a
    worker process, whose stack is deeper when it parses."""
    data = b"from torch.optim.lr_scheduler import StepLR\nStepLR(o, milestones=[3])\nx = " + b"not " * 5000 + b"y\n"

    def nested(depth: int) -> list[str]:
        return nested(depth - 1) if depth else [d.code for d in lint_bytes("f.py", data).diagnostics]

    assert nested(0) == nested(300)
