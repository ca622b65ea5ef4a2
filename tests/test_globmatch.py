from __future__ import annotations

import warnings

import pytest

from lrlint.globmatch import Glob


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("tests/**", "tests/a.py", True),
        ("tests/**", "tests/a/b/c.py", True),
        ("tests/**", "tests", False),
        ("tests/**", "src/tests/a.py", False),
        ("**/conftest.py", "conftest.py", True),
        ("**/conftest.py", "a/b/conftest.py", True),
        ("a/**/b.py", "a/b.py", True),
        ("a/**/b.py", "a/x/y/b.py", True),
        ("a/**/b.py", "ab.py", False),
        ("*.py", "train.py", True),
        ("*.py", "src/train.py", False),
        ("src/*.py", "src/train.py", True),
        ("src/*.py", "src/sub/train.py", False),
        ("train_?.py", "train_1.py", True),
        ("train_?.py", "train_/.py", False),
        ("train_[0-9].py", "train_7.py", True),
        ("train_[!0-9].py", "train_7.py", False),
        ("train_[!0-9].py", "train_x.py", True),
        ("[[]x].py", "[x].py", True),
        ("a[&&]b", "a&b", True),
        ("unclosed[", "unclosed[", True),
        ("file.py", "filexpy", False),
        ("a**b", "a/b", False),
        ("a**b", "axxb", True),
    ],
)
def test_glob(pattern: str, path: str, expected: bool) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no FutureWarning from `re` about nested sets
        assert Glob(pattern).matches(path) is expected
