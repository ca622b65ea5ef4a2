"""Which modules a file may call into, read from its bytes without parsing it.

The project stage analyses a file that holds no scheduler when analysed code calls into it; which
files those are is decided for every file of a project, before any is parsed (a one-file run
must know which files call into the file it lints). This scan answers it from the bytes: every
`import` and `from ... import` statement, wherever it is (a string or a comment that looks like
one counts too), kept when the name it binds appears in the file as the head of a call or an
attribute (`name(`, `name.`), as the first argument of `functools.partial` (under whatever name
the file imports it: a call of the partial is a call of `name`), or in a class's bases. Whatever the parsed facts record as an import
used by a call or a base, this scan reports too: it may report more, never less.
"""

from __future__ import annotations

import re

_ID = rb"[A-Za-z_\x80-\xff][A-Za-z0-9_\x80-\xff]*"  # bytes >= 0x80: any non-ASCII identifier
_DOTTED = _ID + rb"(?:\s*\.\s*" + _ID + rb")*"
_FROM = re.compile(rb"\s*from\s*(\.*)\s*(" + _DOTTED + rb")?\s*")  # what precedes `import`
_NAME = re.compile(rb"(" + _DOTTED + rb")(?:\s+as\s+(" + _ID + rb"))?")
_CLASS = re.compile(rb"class\s+" + _ID + rb"\s*\(([^:]{0,4000}?)\)\s*:")
_WORD = re.compile(_ID)
_SPACE = re.compile(rb"\s+")
_IDENTIFIER = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") | frozenset(range(0x80, 0x100))
_BLANK = b" \t\f\r\n"

# (dotted target relative to `level` packages up, level, whether a class's bases use it)
Imported = tuple[str, int, bool]


def scan_imports(data: bytes) -> tuple[Imported, ...]:
    """The imports of a file whose bound name it uses as a call head or a base, in order."""
    if b"import" not in data:
        return ()
    text = data.replace(b"\\\r\n", b" ").replace(b"\\\n", b" ")  # line continuations
    bound = _statements(text)
    if not bound:
        return ()
    bases: set[bytes] = set()
    if b"class" in text:
        for match in _CLASS.finditer(text):
            bases.update(_WORD.findall(match.group(1)))
    partials = {name for name, target, level in bound if not level and target == b"functools.partial"}
    partials |= {name + b".partial" for name, target, level in bound if not level and target == b"functools"}
    found: list[Imported] = []
    for name, target, level in bound:
        base = name in bases
        if base or _used_as_head(text, name, partials):
            found.append((target.decode("utf-8", "replace"), level, base))
    return tuple(dict.fromkeys(found))


def _statements(text: bytes) -> list[tuple[bytes, bytes, int]]:
    """(name bound, dotted target, level) of every import statement: an `import` word that
    starts a statement (after a line break, `;` or `:`), or ends a `from ...` clause that does."""
    bound: list[tuple[bytes, bytes, int]] = []
    position = text.find(b"import")
    while position != -1:
        end = position + 6
        if (position and text[position - 1] in _IDENTIFIER) or (end < len(text) and text[end] in _IDENTIFIER):
            position = text.find(b"import", end)
            continue  # part of another word
        line = text.rfind(b"\n", 0, position) + 1
        start = max(line, text.rfind(b";", line, position) + 1, text.rfind(b":", line, position) + 1)
        head = text[start:position]
        names = _rest(text, end)
        if not head.strip(_BLANK):  # `import a.b as c, d.e`: binds `c` and `d`
            for item in _NAME.finditer(names):
                target = _SPACE.sub(b"", item.group(1))
                bound.append((item.group(2) or target.split(b".", 1)[0], target, 0))
        else:
            clause = _FROM.fullmatch(head)
            if clause is not None:
                dots, module = clause.groups()
                prefix = _SPACE.sub(b"", module) + b"." if module else b""
                for item in _NAME.finditer(names):
                    name = item.group(1)
                    if b"." not in name:  # `from a import b.c` binds nothing
                        bound.append((item.group(2) or name, prefix + name, len(dots)))
        position = text.find(b"import", end)
    return bound


def _rest(text: bytes, start: int) -> bytes:
    """What an import statement names after `import`: to the end of the line (or `;`, `#`), or
    within the parentheses that open it."""
    stripped = start
    while stripped < len(text) and text[stripped] in b" \t\f":
        stripped += 1
    if stripped < len(text) and text[stripped] == ord("("):
        close = text.find(b")", stripped)
        return text[stripped + 1 : close if close != -1 else len(text)]
    stop = len(text)
    for mark in (b"\n", b";", b"#"):
        found = text.find(mark, start, stop)
        if found != -1:
            stop = found
    return text[start:stop]


def _used_as_head(text: bytes, name: bytes, partials: set[bytes]) -> bool:
    """Whether `name` appears as a word followed by `(` or `.` (blanks and closing parentheses
    allowed between), or as the first argument of one of `partials`."""
    size = len(text)
    position = text.find(name)
    while position != -1:
        end = position + len(name)
        whole = (not position or text[position - 1] not in _IDENTIFIER) and (end >= size or text[end] not in _IDENTIFIER)
        if whole and (not position or text[position - 1] != ord(".")):
            after = end
            while after < size and (text[after] in _BLANK or text[after] == ord(")")):
                after += 1  # `(name)(...)` calls `name` too
            if (after < size and text[after] in b"(.") or (partials and _first_argument_of(text, position, partials)):
                return True
        position = text.find(name, end)
    return False


def _first_argument_of(text: bytes, position: int, callees: set[bytes]) -> bool:
    """Whether what starts at `position` is the first argument of a call of one of `callees`."""
    before = position - 1
    while before >= 0 and text[before] in _BLANK:
        before -= 1
    if before < 0 or text[before] != ord("("):
        return False
    before -= 1
    while before >= 0 and text[before] in _BLANK:
        before -= 1
    end = before + 1
    while before >= 0 and (text[before] in _IDENTIFIER or text[before] in b". \t"):
        before -= 1
    return _SPACE.sub(b"", text[before + 1 : end]) in callees
