"""Globs (excludes, per-file-ignores, `.gitignore`) never backtrack exponentially (issue 25), and
the safe translation matches exactly what the plain one did."""

from __future__ import annotations

import re
import time
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from lrlint.gitignore import GitIgnore, parse_line
from lrlint.globmatch import Glob, bracket
from tests.helpers import write

# -- the translations as they were before: the reference for what a pattern means ------------------


def _old_glob(pattern: str) -> str:
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*":
            if pattern.startswith("**", i):
                at_start = i == 0 or pattern[i - 1] == "/"
                j = i + 2
                if at_start and j < n and pattern[j] == "/":
                    out.append("(?:.*/)?")
                    i = j + 1
                    continue
                if at_start and j == n:
                    out.append(".*")
                    i = j
                    continue
                out.append("[^/]*")
                i = j
                continue
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            found = bracket(pattern, i)
            if found is None:
                out.append(re.escape(ch))
            else:
                body, negate, i = found
                out.append(f"[{'^/' if negate else ''}{body}]")
        else:
            out.append(re.escape(ch))
        i += 1
    return "(?s:" + "".join(out) + r")\Z"


def _old_gitignore(pattern: str) -> str:
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            out.append(re.escape(pattern[i + 1]) if i + 1 < n else re.escape(ch))
            i += 2
            continue
        if ch == "*":
            if pattern.startswith("**", i):
                after = i + 2
                whole = (i == 0 or pattern[i - 1] == "/") and (after == n or pattern[after] == "/")
                if whole and after == n:
                    out.append(".*")
                    i = after
                    continue
                if whole:
                    out.append("(?:.*/)?")
                    i = after + 1
                    continue
            while i < n and pattern[i] == "*":
                i += 1
            out.append("[^/]*")
            continue
        if ch == "?":
            out.append("[^/]")
        elif ch == "[":
            found = bracket(pattern, i)
            if found is None:
                out.append(re.escape(ch))
            else:
                body, negate, i = found
                out.append(f"(?!/)[{'^' if negate else ''}{body}]")
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out)


def _old_gitignore_rule(line: str) -> re.Pattern[str]:
    """As parse_line did: one trailing `/` means folders only, one leading `/` anchors."""
    if line.endswith("/"):
        line = line[:-1]
    anchored = "/" in line
    if line.startswith("/"):
        line = line[1:]
    body = _old_gitignore(line)
    return re.compile(f"(?s:{'' if anchored else '(?:.*/)?'}{body})\\Z")


# Small alphabets: the interesting cases are stars, double stars and slashes meeting.
patterns = st.lists(st.sampled_from(["a", "b", "*", "**", "/", "?", "[ab]", "**/", "/**"]), min_size=1, max_size=9).map("".join)
paths = st.lists(st.sampled_from(["a", "b", "/", "ab/"]), max_size=12).map("".join)


@settings(max_examples=600, deadline=None)
@given(patterns, paths)
def test_safe_glob_matches_like_the_plain_translation(pattern: str, path: str) -> None:
    assert Glob(pattern).matches(path) == (re.match(_old_glob(pattern), path) is not None)


@settings(max_examples=600, deadline=None)
@given(patterns, paths)
def test_safe_gitignore_rule_matches_like_the_plain_translation(pattern: str, path: str) -> None:
    rule = parse_line(pattern)
    if rule is None:
        return
    assert (rule.regex.match(path) is not None) == (_old_gitignore_rule(pattern).match(path) is not None)


def _quick(regex: re.Pattern[str], text: str) -> bool:
    start = time.process_time()
    regex.match(text)
    return time.process_time() - start < 1.0  # the plain translation: minutes and more


def test_many_stars_in_one_name_do_not_backtrack() -> None:
    stars = "*a" * 14 + "*b"  # fourteen stars, and names of `a` that never end in `b`
    assert _quick(Glob(stars).regex, "a" * 60)
    rule = parse_line(stars)
    assert rule is not None and _quick(rule.regex, "x/" + "a" * 60)
    assert Glob(stars).matches("a" * 30 + "b") and not Glob(stars).matches("a" * 60)


def test_many_double_stars_do_not_backtrack() -> None:
    pattern = "a/" + "**/a/" * 10 + "b"
    deep = "a/" * 60 + "c"
    assert _quick(Glob(pattern).regex, deep)
    rule = parse_line(pattern)
    assert rule is not None and _quick(rule.regex, deep)
    assert Glob(pattern).matches("a/" * 11 + "b") and not Glob(pattern).matches("a/" * 10 + "b")


def test_a_hostile_gitignore_does_not_stall_the_walk(tmp_path: Path) -> None:
    """The issue's case: a `.gitignore` line of many stars and a folder of long names (34 s)."""
    files = {".gitignore": "*a" * 20 + "*b\n" + ("**/a" * 12) + "/**/x\n"}
    files.update({f"{'a' * 80}{i}.py": "" for i in range(30)})
    files.update({"a/" * 25 + "y.py": ""})
    write(tmp_path, files)
    (tmp_path / ".git").mkdir()
    ignored = GitIgnore()
    start = time.process_time()
    verdicts = [ignored.is_ignored(p) for p in sorted(tmp_path.rglob("*.py"))]
    assert time.process_time() - start < 5.0
    assert verdicts == [False] * len(verdicts)


def test_joined_patterns_keep_unique_group_names() -> None:
    """Settings joins every exclude into one regex: the back-reference names must not clash."""
    globs = [Glob("*a*b*c"), Glob("*a*b*c"), Glob("x/**/y/**/z")]
    joined = re.compile("|".join(g.regex.pattern for g in globs))
    assert joined.match("xaybzc") and joined.match("x/1/y/2/z") and not joined.match("xyz")
