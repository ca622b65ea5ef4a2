"""The cache's JSON codec: every summary lrlint makes round-trips exactly, and what comes back from
the cache gives the same findings as a fresh analysis (suppressions, notebooks, fixes, links)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from lrlint.cache_codec import Codec, Invalid, Unsupported, codec
from lrlint.config import load_settings
from lrlint.diagnostics import Diagnostic
from lrlint.linter import FileSummary, analyze_file
from lrlint.run import RunOptions, lint_paths
from tests.helpers import FIXTURES, ROOT


def sources() -> list[Path]:
    found = sorted(FIXTURES.rglob("*.py")) + sorted(FIXTURES.rglob("*.ipynb"))
    return found + sorted((ROOT / "tests" / "projects").rglob("*.py")) + sorted((ROOT / "lrlint").rglob("*.py"))


def same(a: FileSummary, b: FileSummary) -> bool:
    directives = [[vars(d) for d in s.suppressions._directives] if s.suppressions is not None else None for s in (a, b)]  # type: ignore[attr-defined]
    return (a.filename, a.diagnostics, a.parsed, a.notes, a.facts, a.cell_rows) == (
        b.filename, b.diagnostics, b.parsed, b.notes, b.facts, b.cell_rows) and directives[0] == directives[1]  # fmt: skip


def test_every_summary_round_trips() -> None:
    checked = 0
    for path in sources():
        for force in (False, True):
            summary = analyze_file(str(path), path.read_bytes(), path.suffix == ".ipynb", None, force)
            back = codec().loads(FileSummary, codec().dumps(FileSummary, summary))  # Unsupported would fail here
            assert same(summary, back), path
            checked += summary.facts is not None
    assert checked > 100


def test_decoded_suppressions_still_track_what_they_suppress() -> None:
    """A directive's use is recorded on the objects both lookups share: rebuilt, not copied."""
    summary = analyze_file("s.py", b"import torch.optim.lr_scheduler as s\ns.StepLR(o, gamma=2)  # noqa: LR004, LR001\n")
    back = codec().loads(FileSummary, codec().dumps(FileSummary, summary))
    assert back.suppressions.is_suppressed("LR004", 2)  # type: ignore[union-attr]
    assert [u.codes for u in back.suppressions.unused()] == [("LR001",)]  # type: ignore[union-attr]


def test_findings_from_cached_summaries_equal_fresh_ones(tmp_path: Path) -> None:
    """Every fixture, linted cold and then from its cached summary (re-linked): the same report."""
    tree = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, tree)
    settings = load_settings(tree)

    def report(**options: object) -> list[tuple[str, int, int, str, str, object]]:
        result = lint_paths([str(tree)], settings, options=RunOptions(jobs=1, **options))  # type: ignore[arg-type]
        return [(d.filename, d.location.row, d.location.column, d.code, d.message, d.fix) for d in result.diagnostics]

    fresh = report(use_cache=False)
    assert report(cache_dir=tmp_path / "c") == fresh
    (tree / "unrelated.py").write_text("x = 1\n")  # another run: its result is not stored, summaries are
    assert report(cache_dir=tmp_path / "c") == fresh
    assert len(fresh) > 50


@dataclass
class Holder:
    value: object


def test_values_it_cannot_hold_are_unsupported_not_silently_changed() -> None:
    with pytest.raises(Unsupported):
        codec().dumps(Diagnostic, "not a diagnostic")
    with pytest.raises(Unsupported):  # a class outside lrlint's data modules
        Codec().dumps(object, Holder(1))
    with pytest.raises(Unsupported):  # a str-keyed mapping with an int key: JSON would make it "1"
        codec().dumps(FileSummary, _with_constants({1: 2}))
    assert codec().loads(object, codec().dumps(object, {1: 2})) == {1: 2}  # tagged, the key is kept


def _with_constants(constants: dict[object, object]) -> FileSummary:
    from lrlint.facts.model import FileFacts

    return FileSummary("x.py", facts=FileFacts(frames=(), constants=constants))


def test_tagged_values_keep_their_kind() -> None:
    value = {"a": [1, (2, 3.5)], "b": frozenset({"x"}), "c": {4}, "d": None, "e": True}
    assert codec().loads(object, codec().dumps(object, value)) == value
    with pytest.raises(Invalid):
        codec().loads(object, b'["q", 1]')
