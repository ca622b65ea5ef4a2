from __future__ import annotations

import textwrap

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
