"""Path globs as ruff users write them: `*`, `?`, `[...]`, and `**` for any number of folders.

`fnmatch` lets `*` cross `/` and has no `**`, and `PurePath.full_match` needs Python 3.13, so
patterns are translated to regular expressions here. Matching works on POSIX-style strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


def translate(pattern: str, literal_separator: bool = True) -> str:
    """The regular expression (anchored) that matches exactly the paths `pattern` matches.

    `literal_separator=False` is globset's default, which ruff's per-file-ignores use: `*`, `?`
    and `[...]` match `/` too, so `src/*` matches `src/a/b.py`."""
    star, one = ("[^/]*", "[^/]") if literal_separator else (".*", ".")
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*":
            if pattern.startswith("**", i):
                at_start = i == 0 or pattern[i - 1] == "/"
                j = i + 2
                if at_start and j < n and pattern[j] == "/":
                    out.append("(?:.*/)?")  # `**/`: zero or more whole folders
                    i = j + 1
                    continue
                if at_start and j == n:
                    out.append(".*")  # trailing `**`: everything below
                    i = j
                    continue
                out.append(star)  # `**` glued to other text acts like `*`
                i = j
                continue
            out.append(star)
        elif ch == "?":
            out.append(one)
        elif ch == "[":
            found = bracket(pattern, i)
            if found is None:
                out.append(re.escape(ch))
            else:
                body, negate, i = found
                out.append(f"[{('^/' if literal_separator else '^') if negate else ''}{body}]")
        else:
            out.append(re.escape(ch))
        i += 1
    return "(?s:" + "".join(out) + r")\Z"


def bracket(pattern: str, start: int) -> tuple[str, bool, int] | None:
    """The `[...]` class opening at `start`: (its members escaped for `re`, negated, index of its
    closing `]`), or None when it is unclosed (then `[` is a literal)."""
    j = start + 1
    if j < len(pattern) and pattern[j] in "!^":
        j += 1
    if j < len(pattern) and pattern[j] == "]":
        j += 1  # a leading `]` is a literal member
    end = pattern.find("]", j)
    if end < 0:
        return None
    body = pattern[start + 1 : end]
    negate = body[:1] in ("!", "^")
    if negate:
        body = body[1:]
    # Escape what `re` would read as syntax or warn about (nested sets, `&&`).
    return "".join("\\" + c if c in "\\[]^&~|" else c for c in body), negate, end


@dataclass(frozen=True)
class Glob:
    """A pattern as written, compiled once."""

    pattern: str
    literal_separator: bool = True
    regex: re.Pattern[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", re.compile(translate(self.pattern, self.literal_separator)))

    def matches(self, path: str) -> bool:
        return self.regex.match(path) is not None
