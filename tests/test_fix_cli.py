"""`--fix` and friends from the command line, as a user runs them; semantics as ruff's."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests.helpers import run_cli

HEADER = "from torch.optim.lr_scheduler import StepLR\n"
SAFE = HEADER + "scheduler = StepLR(optimizer, 30, verbose=True)\n"  # LR008: safe
UNSAFE = HEADER + "scheduler = StepLR(optimizer, 30)\nscheduler.step(3)\n"  # LR009: unsafe
UNFIXABLE = HEADER + "scheduler = StepLR(optimizer, milestones=[30, 80])\n"  # LR001: no fix
MIXED = HEADER + "scheduler = StepLR(optimizer, 30, verbose=True)\nfor epoch in range(90):\n    optimizer.step()\n    scheduler.step(epoch)\n    print(scheduler.get_lr())\n"


def lrlint(tmp_path: Path, *args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    proc = run_cli("--no-cache", *args, cwd=tmp_path, stdin=stdin)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- without fixing: what would be fixed ------------------------------------------------------


def test_fixable_findings_are_marked_and_the_summary_counts_them(tmp_path: Path) -> None:
    write(tmp_path, "train.py", MIXED)
    code, out, _ = lrlint(tmp_path, "train.py")
    assert code == 1
    assert "train.py:2:35: LR008 [*] `verbose`" in out
    assert ": LR009 `scheduler.step(...)`" in out  # unsafe: no marker without --unsafe-fixes
    assert out.rstrip().endswith(
        "Found 1 error and 2 warnings in 1 file.\n"
        "[*] 1 fixable with `--fix` (2 unsafe fixes available with `--fix --unsafe-fixes`)."
    )


def test_with_unsafe_fixes_every_fix_is_marked_and_no_hint_is_left(tmp_path: Path) -> None:
    write(tmp_path, "train.py", MIXED)
    _, out, _ = lrlint(tmp_path, "--unsafe-fixes", "train.py")
    assert ": LR009 [*] " in out and ": LR010 [*] " in out
    assert out.rstrip().endswith("[*] 3 fixable with `--fix`.")


def test_only_unsafe_fixes_says_none_is_available_yet(tmp_path: Path) -> None:
    write(tmp_path, "train.py", UNSAFE)
    _, out, _ = lrlint(tmp_path, "train.py")
    assert out.rstrip().endswith("1 unsafe fix available with `--fix --unsafe-fixes`.")
    assert "[*]" not in out


def test_no_unsafe_fixes_drops_the_hint(tmp_path: Path) -> None:
    write(tmp_path, "train.py", UNSAFE)
    _, out, _ = lrlint(tmp_path, "--no-unsafe-fixes", "train.py")
    assert out.rstrip().endswith("Found 1 warning in 1 file.")


def test_no_fix_no_line(tmp_path: Path) -> None:
    write(tmp_path, "train.py", UNFIXABLE)
    _, out, _ = lrlint(tmp_path, "train.py")
    assert out.rstrip().endswith("Found 1 error in 1 file.") and "[*]" not in out


def test_the_full_format_shows_what_the_fix_does(tmp_path: Path) -> None:
    write(tmp_path, "train.py", SAFE)
    _, out, _ = lrlint(tmp_path, "--output-format", "full", "train.py")
    assert "train.py:2:35: LR008 [*] `verbose`" in out
    assert "  = help: Delete the `verbose` argument" in out


def test_json_keeps_ruffs_fix_object(tmp_path: Path) -> None:
    write(tmp_path, "train.py", MIXED)
    _, out, _ = lrlint(tmp_path, "--output-format", "json", "train.py")
    fixes = {d["code"]: d["fix"] for d in json.loads(out)}
    assert fixes["LR008"] == {
        "applicability": "safe",
        "message": "Delete the `verbose` argument",
        "edits": [{"content": "", "location": {"row": 2, "column": 33}, "end_location": {"row": 2, "column": 47}}],
    }
    assert fixes["LR009"]["applicability"] == "unsafe" and fixes["LR010"]["applicability"] == "unsafe"


# --- --fix ---------------------------------------------------------------------------------------


def test_fix_applies_safe_fixes_in_place_and_reports_what_remains(tmp_path: Path) -> None:
    path = write(tmp_path, "train.py", MIXED)
    code, out, err = lrlint(tmp_path, "--fix", "train.py")
    assert code == 1, err  # LR009 and LR010 remain
    assert path.read_text() == MIXED.replace(", verbose=True", "")
    assert "LR008" not in out
    assert "Found 1 error and 2 warnings in 1 file (1 fixed, 2 remaining)." in out
    assert out.rstrip().endswith("2 unsafe fixes available with `--fix --unsafe-fixes`.")
    assert "[*]" not in out.splitlines()[0]


def test_fix_with_unsafe_fixes_fixes_everything_and_exits_zero(tmp_path: Path) -> None:
    path = write(tmp_path, "train.py", MIXED)
    code, out, err = lrlint(tmp_path, "--fix", "--unsafe-fixes", "train.py")
    assert code == 0, out + err
    assert path.read_text() == MIXED.replace(", verbose=True", "").replace("step(epoch)", "step()").replace("get_lr()", "get_last_lr()")
    assert out.strip() == "Found 1 error and 2 warnings in 1 file (3 fixed, 0 remaining)."
    # A second --fix changes nothing.
    before = path.read_bytes()
    code, out, _ = lrlint(tmp_path, "--fix", "--unsafe-fixes", "train.py")
    assert code == 0 and path.read_bytes() == before
    assert out.startswith("All checks passed!")


def test_exit_non_zero_on_fix(tmp_path: Path) -> None:
    write(tmp_path, "train.py", SAFE)
    assert lrlint(tmp_path, "--fix", "--exit-non-zero-on-fix", "train.py")[0] == 1
    assert lrlint(tmp_path, "--fix", "--exit-non-zero-on-fix", "train.py")[0] == 0  # nothing left to fix


def test_show_fixes_lists_what_was_fixed_per_file_and_rule(tmp_path: Path) -> None:
    write(tmp_path, "a.py", MIXED)
    write(tmp_path, "b.py", SAFE)
    _, out, _ = lrlint(tmp_path, "--fix", "--unsafe-fixes", "--show-fixes", ".")
    assert "Fixed 2 errors and 2 warnings:\n- a.py:\n    1 × LR008 (removed-verbose-argument)\n" in out
    assert "- b.py:\n    1 × LR008 (removed-verbose-argument)\n" in out


def test_fix_only_reports_no_findings_and_exits_zero(tmp_path: Path) -> None:
    path = write(tmp_path, "train.py", MIXED)
    code, out, _ = lrlint(tmp_path, "--fix-only", "train.py")
    assert code == 0
    assert "verbose" not in path.read_text()
    assert out == "Fixed 1 error (2 additional fixes available with `--unsafe-fixes`).\n"
    code, out, _ = lrlint(tmp_path, "--fix-only", "train.py")
    assert code == 0 and out == "No findings fixed (2 fixes available with `--unsafe-fixes`).\n"


def test_fix_only_with_exit_non_zero_on_fix(tmp_path: Path) -> None:
    write(tmp_path, "train.py", SAFE)
    assert lrlint(tmp_path, "--fix-only", "--exit-non-zero-on-fix", "train.py")[0] == 1
    assert lrlint(tmp_path, "--fix-only", "--exit-non-zero-on-fix", "train.py")[0] == 0


def test_fix_only_in_a_machine_format_prints_nothing(tmp_path: Path) -> None:
    write(tmp_path, "train.py", SAFE)
    code, out, _ = lrlint(tmp_path, "--fix-only", "--output-format", "json", "train.py")
    assert code == 0 and out == ""


def test_config_fix_and_unsafe_fixes_and_the_command_line_over_them(tmp_path: Path) -> None:
    path = write(tmp_path, "train.py", MIXED)
    (tmp_path / "pyproject.toml").write_text("[tool.lrlint]\nfix = true\nunsafe-fixes = true\n")
    code, _, _ = lrlint(tmp_path, "--no-fix", "train.py")
    assert code == 1 and path.read_text() == MIXED
    code, _, _ = lrlint(tmp_path, "--no-unsafe-fixes", "train.py")
    assert "verbose" not in path.read_text() and "step(epoch)" in path.read_text()
    code, _, _ = lrlint(tmp_path, "train.py")
    assert code == 0 and "get_last_lr()" in path.read_text()


def test_a_fix_config_key_that_is_not_a_boolean_is_a_usage_error(tmp_path: Path) -> None:
    write(tmp_path, "train.py", SAFE)
    (tmp_path / "lrlint.toml").write_text('unsafe-fixes = "yes"\n')
    code, _, err = lrlint(tmp_path, "train.py")
    assert code == 2 and "'unsafe-fixes': must be true or false" in err


def test_fix_keeps_the_files_mode(tmp_path: Path) -> None:
    path = write(tmp_path, "train.py", SAFE)
    path.chmod(0o751)
    lrlint(tmp_path, "--fix", "train.py")
    assert stat.S_IMODE(path.stat().st_mode) == 0o751 and "verbose" not in path.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["train.py"]  # no temporary file left


def test_fix_writes_through_a_symlink(tmp_path: Path) -> None:
    real = write(tmp_path, "real.py", SAFE)
    (tmp_path / "link.py").symlink_to("real.py")
    lrlint(tmp_path, "--fix", "link.py")
    assert (tmp_path / "link.py").is_symlink() and "verbose" not in real.read_text()


def test_a_hard_linked_file_is_not_split(tmp_path: Path) -> None:
    path = write(tmp_path, "train.py", SAFE)
    os.link(path, tmp_path / "other.txt")
    code, out, err = lrlint(tmp_path, "--fix", "train.py")
    assert code == 2 and "train.py: not fixed: it has 1 other hard link(s)" in err
    assert path.read_text() == SAFE and "LR008" in out  # reported as it still is


def test_an_unwritable_folder_is_a_one_line_error_and_other_files_are_fixed(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    locked = tmp_path / "locked"
    locked.mkdir()
    write(locked, "a.py", SAFE)
    other = write(tmp_path, "b.py", SAFE)
    locked.chmod(0o555)
    try:
        code, out, err = lrlint(tmp_path, "--fix", ".")
    finally:
        locked.chmod(0o755)
    assert code == 2
    assert [line for line in err.splitlines() if "a.py" in line] == [f"lrlint: error: {os.path.join('locked', 'a.py')}: not fixed: cannot create a file beside it: Permission denied"]
    assert "verbose" not in other.read_text() and "verbose" in (locked / "a.py").read_text()
    assert "a.py:2:35: LR008" in out


def test_files_with_syntax_errors_are_not_touched(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.py", SAFE + "def f(:\n")
    code, out, _ = lrlint(tmp_path, "--fix", "broken.py")
    assert code == 1 and "E999" in out and path.read_text() == SAFE + "def f(:\n"


def test_stdin_fix_prints_the_fixed_source_and_reports_on_stderr(tmp_path: Path) -> None:
    code, out, err = lrlint(tmp_path, "--fix", "-", "--stdin-filename", "train.py", stdin=MIXED.encode())
    assert out == MIXED.replace(", verbose=True", "")
    assert "train.py:5:5: LR009" in err and "(1 fixed, 2 remaining)" in err
    assert code == 1


def test_stdin_fix_with_nothing_to_fix_echoes_the_source(tmp_path: Path) -> None:
    code, out, _ = lrlint(tmp_path, "--fix", "-", stdin=UNFIXABLE.encode())
    assert out == UNFIXABLE and code == 1


# --- --diff --------------------------------------------------------------------------------------


def test_diff_prints_a_patch_writes_nothing_and_exits_one(tmp_path: Path) -> None:
    path = write(tmp_path, "train.py", MIXED)
    code, out, err = lrlint(tmp_path, "--diff", "train.py")
    assert code == 1 and path.read_text() == MIXED
    assert out.startswith("--- train.py\n+++ train.py\n@@ ")
    assert "-scheduler = StepLR(optimizer, 30, verbose=True)\n+scheduler = StepLR(optimizer, 30)\n" in out
    assert err == "Would fix 1 error (2 additional fixes available with `--unsafe-fixes`).\n"


def test_diff_applies_with_patch(tmp_path: Path) -> None:
    import shutil
    import subprocess

    if shutil.which("patch") is None:
        pytest.skip("no patch")
    path = write(tmp_path, "train.py", MIXED)
    _, out, _ = lrlint(tmp_path, "--diff", "--unsafe-fixes", "train.py")
    subprocess.run(["patch", "-p0", "-s"], input=out.encode(), cwd=tmp_path, check=True)
    fixed = path.read_text()
    code, out, _ = lrlint(tmp_path, "--diff", "--unsafe-fixes", "train.py")
    assert code == 0 and out == "" and "get_last_lr" in fixed


def test_diff_with_nothing_to_fix_exits_zero(tmp_path: Path) -> None:
    write(tmp_path, "train.py", UNFIXABLE)
    code, out, err = lrlint(tmp_path, "--diff", "train.py")
    assert (code, out, err) == (0, "", "")


def test_diff_of_only_unsafe_fixes_says_so(tmp_path: Path) -> None:
    write(tmp_path, "train.py", UNSAFE)
    code, out, err = lrlint(tmp_path, "--diff", "train.py")
    assert (code, out) == (0, "") and err == "No findings would be fixed (1 fix available with `--unsafe-fixes`).\n"


def test_exit_zero_wins_over_diff(tmp_path: Path) -> None:
    write(tmp_path, "train.py", SAFE)
    assert lrlint(tmp_path, "--diff", "--exit-zero", "train.py")[0] == 0


# --- usage errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (["--add-noqa", "--fix"], "--add-noqa cannot be combined with --fix"),
        (["--add-noqa", "--diff"], "--add-noqa cannot be combined with --diff"),
        (["--diff", "--verify"], "--verify cannot be combined with --diff"),
        (["--fix-only", "--statistics"], "--statistics cannot be combined with --fix-only"),
    ],
)
def test_combinations_that_make_no_sense_are_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    path = write(tmp_path, "train.py", SAFE)
    code, _, err = lrlint(tmp_path, *args, "train.py")
    assert code == 2 and message in err and path.read_text() == SAFE


def test_help_lists_the_fix_options() -> None:
    proc = run_cli("--help")
    text = proc.stdout.decode()
    for flag in ("--fix", "--no-fix", "--unsafe-fixes", "--fix-only", "--diff", "--show-fixes", "--exit-non-zero-on-fix", "--add-noqa"):
        assert flag in text, flag


# --- notebooks -------------------------------------------------------------------------------------


def _notebook(cells: list[str]) -> str:
    return json.dumps(
        {
            "cells": [{"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [], "source": c.splitlines(keepends=True)} for c in cells],
            "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        },
        indent=1,
    ) + "\n"


def test_a_notebook_is_fixed_inside_its_cell(tmp_path: Path) -> None:
    original = _notebook(["%matplotlib inline\n" + HEADER, "scheduler = StepLR(optimizer, 30, verbose=True)\nscheduler.step(2)\n"])
    path = write(tmp_path, "train.ipynb", original)
    code, out, err = lrlint(tmp_path, "--diff", "--unsafe-fixes", "train.ipynb")
    assert code == 1, err
    assert out.startswith("--- train.ipynb:cell 2\n+++ train.ipynb:cell 2\n")
    code, out, _ = lrlint(tmp_path, "--fix", "--unsafe-fixes", "train.ipynb")
    assert code == 0, out
    fixed = path.read_text()
    assert fixed == original.replace(", verbose=True", "").replace("step(2)", "step()")
    assert json.loads(fixed)["cells"][1]["source"] == ["scheduler = StepLR(optimizer, 30)\n", "scheduler.step()\n"]


def test_with_the_cache_a_fixed_file_is_analysed_again(tmp_path: Path) -> None:
    path = write(tmp_path, "train.py", MIXED)
    first = run_cli("--output-format", "text", "train.py", cwd=tmp_path)  # fills the cache
    assert b"LR008 [*]" in first.stdout
    fixed = run_cli("--fix", "--unsafe-fixes", "train.py", cwd=tmp_path)
    assert fixed.returncode == 0 and "get_last_lr" in path.read_text()
    after = run_cli("--output-format", "text", "train.py", cwd=tmp_path)
    assert after.returncode == 0 and after.stdout.decode().startswith("All checks passed!")
