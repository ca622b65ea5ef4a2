"""The fix engine's parts: positions to offsets, choosing fixes without overlap, documents that
write back exactly what they read (encodings, BOM, line breaks, notebooks)."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrlint.config import load_settings
from lrlint.diagnostics import Position
from lrlint.fixing.documents import DocumentError, NotebookDocument, PythonDocument
from lrlint.fixing.edits import Lines, Span, apply, choose, conflicts, valid
from lrlint.fixing.engine import fix_bytes
from lrlint.fixing.nbjson import replace_sources, source_spans
from lrlint.rules.base import Edit

SETTINGS = load_settings(Path.cwd(), {"isolated": True, "extend-select": ["LR100"]})
VERBOSE = "from torch.optim.lr_scheduler import StepLR\ns = StepLR(opt, 30, verbose=True)\n"


# --- positions -------------------------------------------------------------------------------


def test_rows_end_at_every_python_line_break() -> None:
    lines = Lines("a = 1\r\nbb = 2\rc = 3\nd")
    assert [lines.line(r) for r in range(1, 5)] == ["a = 1", "bb = 2", "c = 3", "d"]
    assert lines.offset(2, 1) == 7 and lines.offset(3, 1) == 14 and lines.offset(4, 2) == 21
    assert lines.newline() == "\r\n"


def test_a_position_past_its_row_or_the_text_is_none() -> None:
    lines = Lines("ab\ncd\n")
    assert lines.offset(1, 3) == 2  # the line break itself: the end of the row
    assert lines.offset(1, 4) is None
    assert lines.offset(3, 1) == 6  # the empty row after the last line break
    assert lines.offset(4, 1) is None
    assert lines.offset(0, 1) is None and lines.offset(1, 0) is None


def test_columns_count_characters_not_bytes() -> None:
    lines = Lines("é = 'ü'; x\n")
    assert lines.offset(1, 10) == 9


# --- choosing and applying ---------------------------------------------------------------------


def test_replacements_that_only_meet_are_independent_but_an_insertion_at_their_edge_is_not() -> None:
    assert not conflicts(Span(0, 2, "x"), Span(2, 4, "y"))
    assert conflicts(Span(0, 2, "x"), Span(2, 2, "y"))
    assert conflicts(Span(3, 3, "x"), Span(3, 3, "y"))
    assert conflicts(Span(0, 3, ""), Span(2, 4, ""))


def test_overlapping_fixes_wait_for_the_next_round() -> None:
    fixes = [[(None, Span(5, 9, "a"))], [(None, Span(0, 6, "b"))], [(None, Span(10, 12, "c"))]]
    assert choose(fixes) == [1, 2]  # the first in source order wins; the other waits


def test_the_same_edits_offered_twice_are_applied_once() -> None:
    edit = [(None, Span(1, 2, "z"))]
    assert choose([edit, list(edit)]) == [0, 1]
    assert apply("abc", [edit[0][1]]) == "azc"


def test_edits_in_different_cells_never_conflict() -> None:
    assert choose([[(1, Span(0, 3, "a"))], [(2, Span(0, 3, "b"))]]) == [0, 1]


def test_insertions_at_one_place_keep_their_order() -> None:
    assert apply("ab", [Span(1, 1, "x"), Span(1, 1, "y")]) == "axyb"


def test_a_fix_whose_own_edits_overlap_is_invalid() -> None:
    assert not valid([Span(0, 3, ""), Span(2, 4, "")])
    assert not valid([Span(3, 2, "")])
    assert valid([Span(0, 2, ""), Span(2, 4, "")])


@st.composite
def edit_sets(draw: st.DrawFn) -> tuple[str, list[list[tuple[None, Span]]]]:
    text = draw(st.text(alphabet="ab\n", max_size=30))
    fixes = []
    for _ in range(draw(st.integers(0, 6))):
        spans = []
        for _ in range(draw(st.integers(1, 2))):
            start = draw(st.integers(0, len(text)))
            end = draw(st.integers(start, len(text)))
            spans.append((None, Span(start, end, draw(st.sampled_from(["", "X", "YY\n"])))))
        fixes.append(spans)
    return text, fixes


@settings(max_examples=300, derandomize=True, database=None)
@given(edit_sets())
def test_chosen_edits_never_touch_the_same_characters_and_apply_like_one_at_a_time(case) -> None:  # noqa: ANN001
    """Overlapping edits never corrupt a file: what is chosen is pairwise free of conflicts, and
    applying it at once equals applying each edit alone from the end of the text backwards."""
    text, fixes = case
    fixes = [f for f in fixes if valid([s for _, s in f])]
    taken = choose(fixes)
    for i in taken:  # edits of different fixes never conflict (one fix's own edits are valid)
        for j in taken:
            if i < j and tuple(fixes[i]) != tuple(fixes[j]):
                assert not any(conflicts(a, b) for _, a in fixes[i] for _, b in fixes[j])
    unique: list[Span] = []
    for i in taken:
        if all(tuple(fixes[i]) != tuple(fixes[j]) for j in taken if j < i):
            unique.extend(s for _, s in fixes[i])
    expected = text
    order = sorted(range(len(unique)), key=lambda k: (unique[k].start, unique[k].end, k), reverse=True)
    for span in (unique[k] for k in order):
        expected = expected[: span.start] + span.content + expected[span.end :]
    assert apply(text, unique) == expected


# --- Python documents ----------------------------------------------------------------------------


def _edit(row: int, col: int, end_row: int, end_col: int, content: str, cell: int | None = None) -> Edit:
    return Edit(Position(row, col), Position(end_row, end_col), content, cell)


@pytest.mark.parametrize(
    "data",
    [
        b"x = 1\r\ny = 2\r\n",
        codecs.BOM_UTF8 + b"x = 1\ny = 2\n",
        "# -*- coding: latin-1 -*-\ny = 2\nx = 'caf\xe9'\n".encode("latin-1"),
        b"x = 1\ny = 2",  # no final line break
    ],
    ids=["crlf", "bom", "latin-1", "no-final-newline"],
)
def test_a_python_file_keeps_its_encoding_bom_and_line_breaks(data: bytes) -> None:
    doc = PythonDocument(data)
    placed = doc.place([_edit(2, 5, 2, 6, "3\n# two lines")])
    assert placed is not None
    out = doc.apply([placed])
    newline = b"\r\n" if b"\r\n" in data else b"\n"
    assert out == data.replace(b"y = 2", b"y = 3" + newline + b"# two lines")


def test_a_file_that_would_not_encode_back_unchanged_is_refused() -> None:
    with pytest.raises(DocumentError):
        PythonDocument(b"x = 1\x00")


def test_an_edit_outside_the_text_is_not_placed() -> None:
    doc = PythonDocument(b"x = 1\n")
    assert doc.place([_edit(1, 1, 1, 9, "")]) is None
    assert doc.place([_edit(5, 1, 5, 1, "")]) is None
    assert doc.place([_edit(1, 1, 1, 2, "", cell=1)]) is None


# --- notebooks -----------------------------------------------------------------------------------


def _notebook(sources: list[object], indent: int | None = 1, ascii: bool = False) -> bytes:
    cells = [
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [{"output_type": "stream", "name": "stdout", "text": ["héllo\n"]}], "source": s}
        for s in sources
    ]
    cells.insert(1, {"cell_type": "markdown", "metadata": {}, "source": ["# Title\n"]})
    doc = {"cells": cells, "metadata": {"kernelspec": {"language": "python", "name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}
    return (json.dumps(doc, indent=indent, ensure_ascii=ascii) + "\n").encode("utf-8")


@pytest.mark.parametrize("ascii", [False, True], ids=["utf8", "escaped"])
@pytest.mark.parametrize("indent", [1, 2, None], ids=["nbformat", "two", "compact"])
def test_a_notebook_changes_only_in_the_edited_cell_source(indent: int | None, ascii: bool) -> None:
    data = _notebook([["import os\n", "x = 'é'\n", "s = StepLR(opt, 30, verbose=True)\n", "y = 2"], "z = 1\n"], indent, ascii)
    doc = NotebookDocument(data)
    placed = doc.place([_edit(3, 19, 3, 33, "", cell=1)])
    assert placed is not None
    out = doc.apply([placed])
    assert out == data.replace(b", verbose=True", b"")
    assert json.loads(out)["cells"][0]["source"][2] == "s = StepLR(opt, 30)\n"


def test_a_notebook_cell_written_as_one_string_stays_one_string() -> None:
    data = _notebook(["a = 1\nb = 2\n"])
    doc = NotebookDocument(data)
    out = doc.apply([doc.place([_edit(2, 5, 2, 6, "3", cell=1)])])  # type: ignore[list-item]
    assert json.loads(out)["cells"][0]["source"] == "a = 1\nb = 3\n"
    assert out.replace(b"b = 3", b"b = 2") == data


def test_an_edit_on_a_line_lrlint_read_as_ipython_syntax_is_refused() -> None:
    doc = NotebookDocument(_notebook([["%matplotlib inline\n", "x = 1\n"]]))
    assert doc.place([_edit(1, 1, 1, 3, "", cell=1)]) is None  # `%matplotlib` was read as `pass`
    assert doc.place([_edit(2, 5, 2, 6, "2", cell=1)]) is not None


def test_source_spans_find_every_cell_and_json_escapes_in_keys() -> None:
    raw = '{"cells": [{"sour\\u0063e": "a", "cell_type": "code"}, {"source": ["b\\n", "c"]}], "nbformat": 4}'
    spans = source_spans(raw)
    assert raw[spans[1].start : spans[1].end] == '"a"'
    assert raw[spans[2].start : spans[2].end] == '["b\\n", "c"]'
    assert replace_sources(raw, {2: "b\nd"}) == raw.replace('"c"', '"d"')


def test_a_line_added_to_an_empty_cell_is_written_in_nbformat_layout() -> None:
    raw = '{\n "cells": [\n  {\n   "cell_type": "code",\n   "source": []\n  }\n ],\n "nbformat": 4\n}'
    out = replace_sources(raw, {1: "x = 1\n"})
    assert '"source": [\n    "x = 1\\n"\n   ]' in out
    assert json.loads(out)["cells"][0]["source"] == ["x = 1\n"]


# --- rounds --------------------------------------------------------------------------------------


def test_a_file_is_fixed_in_memory_and_a_second_pass_changes_nothing() -> None:
    fixed, run = fix_bytes("t.py", VERBOSE.encode(), SETTINGS)
    assert fixed == VERBOSE.replace(", verbose=True", "").encode()
    assert sum(run.fixed.values()) == 1 and run.diagnostics == []
    again, run = fix_bytes("t.py", fixed, SETTINGS)
    assert again == fixed and not run.fixed


def test_fixes_that_overlap_settle_over_rounds() -> None:
    """Two unused directives on one line: removing the first takes the space up to the second,
    removing the second the space before it; the second waits for the next round."""
    source = (
        "from torch.optim.lr_scheduler import StepLR\n"
        "a = StepLR(opt, 30, verbose=True)  # noqa: LR004  # lrlint: disable=LR003\n"
    )
    fixed, run = fix_bytes("t.py", source.encode(), SETTINGS)
    assert fixed.decode() == "from torch.optim.lr_scheduler import StepLR\na = StepLR(opt, 30)\n"
    assert {code: n for (code, _, _), n in run.fixed.items()} == {"LR008": 1, "LR100": 2}


def test_a_blanket_noqa_that_suppresses_keeps_its_finding_unfixed() -> None:
    source = "from torch.optim.lr_scheduler import StepLR\nb = StepLR(opt, 30, 0.1, -1, True)  # noqa\n"
    fixed, run = fix_bytes("t.py", source.encode(), SETTINGS)
    assert fixed == source.encode() and not run.fixed


def test_a_file_with_a_syntax_error_is_never_fixed() -> None:
    source = VERBOSE + "def broken(:\n"
    fixed, run = fix_bytes("t.py", source.encode(), SETTINGS)
    assert fixed == source.encode() and not run.fixed
    assert [d.code for d in run.diagnostics] == ["E999"]


def test_only_safe_fixes_without_unsafe() -> None:
    source = VERBOSE + "s.step(3)\nprint(s.get_lr())\n"
    fixed, _ = fix_bytes("t.py", source.encode(), SETTINGS, unsafe=False)
    assert b"verbose" not in fixed and b"step(3)" in fixed and b"get_lr()" in fixed
    fixed, _ = fix_bytes("t.py", source.encode(), SETTINGS, unsafe=True)
    assert b"step()" in fixed and b"get_last_lr()" in fixed


def test_verbose_with_positional_arguments_after_it_is_not_deleted() -> None:
    """Deleting it would move `5` into its place: the program would change, not only lose verbose
    (found by the snapshot test's 'nothing else changes' check on the LR006 fixture)."""
    source = "from torch.optim.lr_scheduler import StepLR\ns = StepLR(opt, 30, 0.1, -1, False, 5)\n"
    fixed, run = fix_bytes("t.py", source.encode(), SETTINGS)
    assert fixed == source.encode() and not run.fixed


def test_a_fix_never_deletes_a_comment_with_code() -> None:
    """`verbose=True,  # why` deleted up to the next argument would take the comment along:
    the fix is not applied (lrlint's fixes keep every comment)."""
    source = "from torch.optim.lr_scheduler import StepLR\ns = StepLR(\n    opt,\n    verbose=True,  # why\n    step_size=30,\n)\n"
    fixed, run = fix_bytes("t.py", source.encode(), SETTINGS)
    assert fixed == source.encode() and not run.fixed
    assert run.diagnostics[0].code == "LR008" and run.diagnostics[0].fix is None  # not offered as fixable


def test_an_edit_of_comments_only_may_remove_them() -> None:
    doc = PythonDocument(b"x = 1  # noqa: LR001  # keep\n# lrlint: disable=LR005\ny = 2\n")
    assert doc.place([_edit(1, 8, 1, 23, "")]) is not None  # the directive and the space after it
    assert doc.place([_edit(2, 1, 3, 1, "")]) is not None  # a line holding only a directive
    assert doc.place([_edit(1, 1, 1, 23, "")]) is None  # code and a comment together
