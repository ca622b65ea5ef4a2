from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lrlint.suppressions import Suppressions, UnusedSuppression


def parse(source: str) -> Suppressions:
    return Suppressions.from_source(textwrap.dedent(source))


def test_bare_noqa_suppresses_everything_on_its_line_only() -> None:
    s = parse(
        """\
        a = StepLR(opt, milestones=[1])  # noqa
        b = StepLR(opt, milestones=[1])
        """
    )
    assert s.is_suppressed("LR001", 1)
    assert s.is_suppressed("LR004", 1)
    assert not s.is_suppressed("LR001", 2)


@pytest.mark.parametrize(
    "comment",
    ["# noqa: LR003", "# noqa:LR003", "#noqa: LR003", "# NOQA: LR003", "# NoQa : lr003",
     "# noqa: LR003 milestones are read from a file", "# type: ignore  # noqa: LR003"],
)  # fmt: skip
def test_noqa_with_one_code(comment: str) -> None:
    s = parse(f"x = 1  {comment}\n")
    assert s.is_suppressed("LR003", 1)
    assert not s.is_suppressed("LR005", 1)


@pytest.mark.parametrize("codes", ["LR003, LR005", "LR003,LR005", "LR003 LR005", "LR003 ,  LR005"])
def test_noqa_with_several_codes(codes: str) -> None:
    s = parse(f"x = 1  # noqa: {codes}\n")
    assert s.is_suppressed("LR003", 1)
    assert s.is_suppressed("lr005", 1)
    assert not s.is_suppressed("LR001", 1)


@pytest.mark.parametrize("comment", ["# noqa:", "# noqa: because", "# noqanope", "# not noqa"])
def test_malformed_or_foreign_noqa_suppresses_nothing(comment: str) -> None:
    s = parse(f"x = 1  {comment}\n")
    assert not s.is_suppressed("LR003", 1)
    assert len(s) == 0


def test_hash_inside_strings_is_not_a_comment() -> None:
    s = parse(
        """\
        a = "# noqa"
        b = '''
        # noqa
        # lrlint: disable=LR005
        '''
        c = f"{a} # noqa: LR001"
        d = 1
        """
    )
    assert len(s) == 0
    for row in range(1, 8):
        assert not s.is_suppressed("LR001", row)
        assert not s.is_suppressed("LR005", row)


def test_disable_trailing_applies_to_its_own_line_only() -> None:
    s = parse(
        """\
        scheduler.step()  # lrlint: disable=LR005
        optimizer.step()
        """
    )
    assert s.is_suppressed("LR005", 1)
    assert not s.is_suppressed("LR005", 2)
    assert not s.is_suppressed("LR003", 1)


def test_disable_on_its_own_line_applies_to_the_next_code_line() -> None:
    s = parse(
        """\
        for epoch in range(10):
            # lrlint: disable=LR003,LR005
            scheduler.step()
            optimizer.step()
        """
    )
    assert s.is_suppressed("LR005", 3)
    assert s.is_suppressed("LR003", 3)
    assert s.is_suppressed("LR005", 2)
    assert not s.is_suppressed("LR005", 4)
    assert not s.is_suppressed("LR001", 3)


def test_stacked_disable_lines_reach_the_statement_below() -> None:
    s = parse(
        """\
        # lrlint: disable=LR003
        # lrlint: disable = LR005

        # an unrelated remark
        scheduler = MultiStepLR(opt, milestones=[3, 1])
        """
    )
    assert s.is_suppressed("LR003", 5)
    assert s.is_suppressed("LR005", 5)
    assert s.unused() == []


def test_disable_case_insensitive_and_mixed_with_noqa() -> None:
    s = parse("x = 1  # noqa: LR001  # LRLINT: Disable=lr004\n")
    assert s.is_suppressed("LR001", 1)
    assert s.is_suppressed("LR004", 1)
    assert not s.is_suppressed("LR002", 1)


def test_disable_without_codes_is_ignored() -> None:
    assert len(parse("# lrlint: disable=\nx = 1\n")) == 0


def test_multiline_call_is_matched_on_its_start_row() -> None:
    s = parse(
        """\
        scheduler = MultiStepLR(  # noqa: LR003
            optimizer,
            milestones=[30, 10],  # noqa: LR004
        )
        """
    )
    assert s.is_suppressed("LR003", 1)
    assert not s.is_suppressed("LR003", 3)
    assert s.is_suppressed("LR004", 3)


def test_syntax_and_io_errors_cannot_be_suppressed() -> None:
    s = parse("def f(:  # noqa\n")
    assert not s.is_suppressed("E999", 1)
    assert not s.is_suppressed("E902", 1)
    assert s.is_suppressed("LR001", 1)


def test_untokenizable_source_falls_back_to_line_scan() -> None:
    source = textwrap.dedent(
        """\
        x = 1  # noqa: LR001
        s = "unterminated
        y = 2  # noqa: LR002
        z = '# not a comment'  # noqa: LR003
        # lrlint: disable=LR005
        w = 3
        """
    )
    s = Suppressions.from_source(source)
    assert s.is_suppressed("LR001", 1)
    assert s.is_suppressed("LR002", 3)
    assert s.is_suppressed("LR003", 4)
    assert s.is_suppressed("LR005", 6)
    assert len(s) == 4  # nothing counted twice


def test_unterminated_triple_quoted_string_falls_back_after_the_tokens_read() -> None:
    source = (
        'x = 1  # noqa: LR001\nd = {"#": 1}  # noqa: LR002\n'
        's = """never closed\n# lrlint: disable=LR005\nw = 3\n'
    )
    s = Suppressions.from_source(source)
    assert s.is_suppressed("LR001", 1)
    assert s.is_suppressed("LR002", 2)
    assert not s.is_suppressed("LR003", 2)
    # Past the point tokenize gave up, the line scan still finds directives.
    assert s.is_suppressed("LR005", 5)
    assert len(s) == 3


def test_bad_indentation_falls_back_too() -> None:
    s = Suppressions.from_source("if x:\n        a = 1  # noqa: LR001\n    b = 2  # noqa: LR004\n")
    assert s.is_suppressed("LR001", 2)
    assert s.is_suppressed("LR004", 3)
    assert len(s) == 2  # the comment read by both tokenize and the line scan counts once


def test_carriage_return_line_ends_count_rows_like_python() -> None:
    s = Suppressions.from_source("a = 1\r\nb = 2  # noqa: LR001\rc = 3  # noqa: LR002\n")
    assert s.is_suppressed("LR001", 2)
    assert s.is_suppressed("LR002", 3)


def test_unused_reports_idle_directives_and_codes() -> None:
    s = parse(
        """\
        a = 1  # noqa
        b = 2  # noqa
        c = 3  # noqa: LR003, LR005
        # lrlint: disable=LR001
        d = 4
        e = 5  # noqa: LR002, LR002
        """
    )
    assert s.is_suppressed("LR004", 2)
    assert s.is_suppressed("LR005", 3)
    assert s.is_suppressed("LR002", 6)
    assert s.unused() == [
        UnusedSuppression(row=1, column=8, kind="noqa", codes=()),
        UnusedSuppression(row=3, column=8, kind="noqa", codes=("LR003",)),
        UnusedSuppression(row=4, column=1, kind="disable", codes=("LR001",)),
    ]


def test_unused_is_empty_once_all_are_used() -> None:
    s = parse("a = 1  # noqa: LR003\n")
    assert s.unused() == [UnusedSuppression(1, 8, "noqa", ("LR003",))]
    assert s.is_suppressed("LR003", 1)
    assert s.unused() == []


def test_checking_an_unmatched_code_does_not_mark_use() -> None:
    s = parse("a = 1  # noqa: LR003\n")
    assert not s.is_suppressed("LR001", 1)
    assert not s.is_suppressed("LR003", 2)
    assert [u.codes for u in s.unused()] == [("LR003",)]


def test_empty_source() -> None:
    s = Suppressions.from_source("")
    assert not s.is_suppressed("LR001", 1)
    assert s.unused() == []


# --- file level, rule names, prefixes, a missing colon (issue 24) -----------------------------------


def test_file_level_noqa_suppresses_everything_in_the_file() -> None:
    s = parse(
        """\
        # lrlint: noqa
        a = StepLR(opt, milestones=[1])
        b = 2
        """
    )
    for row in (1, 2, 3, 40):
        assert s.is_suppressed("LR001", row) and s.is_suppressed("LR005", row)
    assert not s.is_suppressed("E999", 2)  # lrlint's reports about the input stay
    assert s.unused() == []


def test_file_level_noqa_with_codes_and_names() -> None:
    s = parse("import torch\n    # LRLINT: NOQA: LR004, steplr-milestones\nx = 1\n")
    assert s.is_suppressed("LR004", 3) and s.is_suppressed("LR001", 9)
    assert not s.is_suppressed("LR005", 3)
    assert s.unused() == []
    idle = parse("# lrlint: noqa: LR004\nx = 1\n")
    assert idle.unused() == [UnusedSuppression(1, 1, "file", ("LR004",))]


def test_file_level_noqa_after_code_is_ignored_with_a_warning() -> None:
    """ruff: `# ruff: noqa` must stand on its own line; elsewhere it warns and ignores it."""
    s = parse("x = StepLR(opt, milestones=[1])  # lrlint: noqa\ny = 2\n")
    assert not s.is_suppressed("LR001", 1) and not s.is_suppressed("LR001", 2)
    [warning] = s.warnings
    assert (warning.row, warning.column) == (1, 34)
    assert "on a line of its own" in warning.message


@pytest.mark.parametrize(
    "comment",
    ["# lrlint: disable=gamma-not-decaying", "# lrlint: disable=LR001, gamma-not-decaying", "# noqa: gamma-not-decaying", "# noqa: LR001 gamma-not-decaying"],
)
def test_rule_names_are_accepted_where_codes_are(comment: str) -> None:
    s = parse(f"x = 1  {comment}\n")
    assert s.is_suppressed("LR004", 1)
    assert not s.is_suppressed("LR005", 1)
    assert s.warnings == []


def test_unknown_rule_name_in_an_lrlint_directive_is_rejected_with_a_message() -> None:
    s = parse("x = 1  # lrlint: disable=gamma-not-decay\n")
    assert not s.is_suppressed("LR004", 1) and len(s) == 0
    [warning] = s.warnings
    assert warning.message.startswith("'gamma-not-decay' is not an lrlint rule code or name; it suppresses nothing")
    assert (warning.row, warning.column) == (1, 26)


def test_an_unknown_name_ends_a_noqa_code_list_as_a_comment_would() -> None:
    s = parse("x = 1  # noqa: LR004 some-reason here\n")
    assert s.is_suppressed("LR004", 1) and s.warnings == []


@pytest.mark.parametrize("codes", ["LR", "LR0", "lr0", "LR00"])
def test_a_prefix_in_noqa_suppresses_nothing_and_is_kept_as_a_code(codes: str) -> None:
    """Codes match whole, as in ruff; `LR` is read like `LR0`, so LR100 reports both alike."""
    s = parse(f"x = StepLR(opt, milestones=[1])  # noqa: {codes}\n")
    assert not s.is_suppressed("LR001", 1)
    assert [u.codes for u in s.unused()] == [(codes.upper(),)]


def test_noqa_without_a_colon_is_a_blanket_noqa_with_a_warning() -> None:
    """ruff reads `# noqa F401` as a blanket `# noqa` (its PGH004 asks for the colon); lrlint too,
    and says so."""
    s = parse("x = StepLR(opt, milestones=[1])  # noqa LR004\n")
    assert s.is_suppressed("LR001", 1) and s.is_suppressed("LR004", 1)
    [warning] = s.warnings
    assert warning.message.startswith("`# noqa LR004` has no colon: as in ruff, it suppresses every code on its line")
    assert parse("x = 1  # noqa this is fine\n").warnings == []  # words, not a code: a plain blanket noqa
    assert parse("x = 1  # noqa F403\n").warnings == []  # another tool's code: ruff's PGH004 judges it
    assert parse("x = 1  # noqa gamma-not-decaying\n").warnings != []  # lrlint's rule, by name
    [idle] = parse("x = 1  # noqa LR004\n").unused()
    assert idle.codes == () and idle.no_colon


def test_noqa_colon_without_codes_warns_like_ruff() -> None:
    s = parse("x = 1  # noqa: because\n")
    assert len(s) == 0
    assert [w.message for w in s.warnings] == ["`# noqa:` without a rule code suppresses nothing (expected e.g. `# noqa: LR004`)"]


# --- end to end: LR100 and the warnings ---------------------------------------------------------------

HEAD = "from torch.optim.lr_scheduler import StepLR\n"


def _lr100(source: str) -> list[str]:
    from tests.helpers import lint

    return [d.message for d in lint(HEAD + source) if d.code == "LR100"]


def test_lr100_treats_lr_and_lr0_alike() -> None:
    [bare] = _lr100("StepLR(opt, milestones=[30])  # noqa: LR\n")
    [zero] = _lr100("StepLR(opt, milestones=[30])  # noqa: LR0\n")
    assert bare == zero.replace("LR0 ", "LR ")
    assert zero == ("unused `# noqa` code: LR0 is not an lrlint rule code (LR0 is a prefix: a suppression "
                    "names whole codes, such as LR001)")  # fmt: skip


def test_lr100_on_file_level_directives() -> None:
    [idle] = _lr100("# lrlint: noqa: LR004\nStepLR(opt, 30)\n")
    assert idle == "unused `# lrlint: noqa` code: no LR004 finding is suppressed in this file"
    assert _lr100("# lrlint: noqa: LR001\nStepLR(opt, milestones=[30])\n") == []
    assert _lr100("# lrlint: noqa\nStepLR(opt, 30)  # noqa: LR004\n") == []  # a blanket one exempts LR100 too, as in ruff
    [no_colon] = _lr100("StepLR(opt, 30)  # noqa LR004\n")
    assert "without a colon" in no_colon


def test_directive_warnings_reach_stderr_with_their_place_and_quiet_hides_them(tmp_path: Path) -> None:
    from tests.helpers import run_cli

    (tmp_path / "t.py").write_text(HEAD + "StepLR(opt, milestones=[3])  # noqa LR004\n", encoding="utf-8")
    result = run_cli("--no-cache", "t.py", cwd=tmp_path)
    assert result.returncode == 0  # the blanket noqa suppresses the LR001 too, as in ruff
    assert result.stderr.decode() == (
        "lrlint: warning: t.py:2:30: `# noqa LR004` has no colon: as in ruff, it suppresses every code on its "
        "line; write `# noqa: LR004` for that code only\n"
    )
    assert run_cli("--no-cache", "-q", "t.py", cwd=tmp_path).stderr == b""
