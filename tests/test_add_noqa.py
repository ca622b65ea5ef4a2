"""`--add-noqa`: every remaining finding gets a `# noqa: CODE` where lrlint (and ruff) read it,
and the file then lints clean; nothing else changes."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from tests.helpers import FIXTURES, run_cli

HEADER = "from torch.optim.lr_scheduler import MultiStepLR, StepLR\n"


def add_noqa(tmp_path: Path, text: str, name: str = "train.py") -> tuple[str, str, int]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    proc = run_cli("--no-cache", "--add-noqa", name, cwd=tmp_path)
    return path.read_text(encoding="utf-8"), proc.stderr.decode(), proc.returncode


def clean(tmp_path: Path, name: str = "train.py") -> bool:
    proc = run_cli("--no-cache", "--extend-select", "LR100", name, cwd=tmp_path)
    return proc.returncode == 0


@pytest.mark.parametrize(
    "before, after",
    [
        ("s = StepLR(opt, milestones=[30, 80])\n", "s = StepLR(opt, milestones=[30, 80])  # noqa: LR001\n"),
        # Codes added to the directive the line has; what follows it stays.
        ("s = StepLR(opt, milestones=[30, 80])  # noqa: F401   \n", "s = StepLR(opt, milestones=[30, 80])  # noqa: F401, LR001   \n"),
        # After another comment.
        ("s = StepLR(opt, milestones=[30, 80])  # the paper's schedule\n", "s = StepLR(opt, milestones=[30, 80])  # the paper's schedule  # noqa: LR001\n"),
        # Two findings on one line: one directive, codes sorted.
        ("s = MultiStepLR(opt, milestones=[80, 30], gamma=2.0)\n", "s = MultiStepLR(opt, milestones=[80, 30], gamma=2.0)  # noqa: LR003, LR004\n"),
        # Inside brackets over several lines: on the finding's own line.
        ("s = StepLR(\n    opt,\n    milestones=[30, 80],\n)\n", "s = StepLR(\n    opt,\n    milestones=[30, 80],  # noqa: LR001\n)\n"),
        # A backslash continuation: where it ends (no comment can follow a backslash).
        ("s = StepLR(opt, milestones=[30, 80]) if True \\\n    else None\n", "s = StepLR(opt, milestones=[30, 80]) if True \\\n    else None  # noqa: LR001\n"),
        # A multi-line string on the finding's line: where the string ends.
        ('s = StepLR(opt, milestones=[30, 80]), """a\nb"""\n', 's = StepLR(opt, milestones=[30, 80]), """a\nb"""  # noqa: LR001\n'),
    ],
    ids=["new", "merged", "after-comment", "two-codes", "brackets", "backslash", "string"],
)
def test_a_directive_goes_where_it_suppresses(tmp_path: Path, before: str, after: str) -> None:
    text, err, code = add_noqa(tmp_path, HEADER + before)
    assert code == 0
    assert text == HEADER + after
    assert err == "Added 1 noqa directive.\n"
    ast.parse(text)
    assert clean(tmp_path)  # suppressed, and no directive is unused (LR100)


def test_a_second_run_adds_nothing(tmp_path: Path) -> None:
    text, _, _ = add_noqa(tmp_path, HEADER + "s = StepLR(opt, milestones=[30, 80])\n")
    again, err, code = add_noqa(tmp_path, text)
    assert (again, err, code) == (text, "", 0)


def test_a_file_with_a_syntax_error_gets_nothing(tmp_path: Path) -> None:
    source = HEADER + "s = StepLR(opt, milestones=[30, 80])\ndef f(:\n"
    text, err, code = add_noqa(tmp_path, source)
    assert (text, err, code) == (source, "", 0)


def test_stdin_is_refused(tmp_path: Path) -> None:
    proc = run_cli("--add-noqa", "-", cwd=tmp_path, stdin=b"x = 1\n")
    assert proc.returncode == 2 and b"cannot read the source from stdin" in proc.stderr


def test_every_bad_fixture_lints_clean_after_add_noqa(tmp_path: Path) -> None:
    """The bad fixtures (every rule), copied: afterwards nothing is reported, nothing parses
    differently, and only comments were added."""
    for path in sorted((FIXTURES / "bad").glob("*.py")):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    proc = run_cli("--no-cache", "--add-noqa", ".", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.decode().startswith("Added ")
    assert run_cli("--no-cache", ".", cwd=tmp_path).returncode == 0
    for path in sorted((FIXTURES / "bad").glob("*.py")):
        before, after = path.read_text(), (tmp_path / path.name).read_text()
        assert ast.dump(ast.parse(before)) == ast.dump(ast.parse(after)), path.name
        assert [line.split("  # noqa")[0].split("# noqa")[0].rstrip() for line in after.splitlines()] == [
            line.split("  # noqa")[0].split("# noqa")[0].rstrip() for line in before.splitlines()
        ], path.name


def test_a_notebook_gets_its_directive_in_the_cell(tmp_path: Path) -> None:
    notebook = {
        "cells": [
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": ["%matplotlib inline\n", HEADER]},
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": ["s = StepLR(opt, milestones=[30, 80])\n", "x = 1"]},
        ],
        "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    original = json.dumps(notebook, indent=1) + "\n"
    text, err, code = add_noqa(tmp_path, original, "train.ipynb")
    assert code == 0 and err == "Added 1 noqa directive.\n"
    assert text == original.replace("milestones=[30, 80])\\n", "milestones=[30, 80])  # noqa: LR001\\n")
    assert clean(tmp_path, "train.ipynb")
