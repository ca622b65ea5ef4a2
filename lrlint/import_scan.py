"""Which modules a file may call into, read from its bytes without parsing it.

The project stage analyses a file that holds no scheduler when analysed code calls into it; which
files those are is decided for every file of a project, before any is parsed (a one-file run
must know which files call into the file it lints). This scan answers it from the bytes: every
`import` and `from ... import` statement, wherever it is (a string or a comment that looks like
one counts too), kept when the name it binds appears in the file as the head of a call or an
attribute (`name(`, `name.`) or in a class's bases. Whatever the parsed facts record as an import
used by a call or a base, this scan reports too: it may report more, never less.
"""

from __future__ import annotations

import re

_ID = rb"[A-Za-z_\x80-\xff][A-Za-z0-9_\x80-\xff]*"  # bytes >= 0x80: any non-ASCII identifier
_DOTTED = _ID + rb"(?:[ \t]*\.[ \t]*" + _ID + rb")*"
_NOT_AFTER = rb"(?<![A-Za-z0-9_\x80-\xff.])"
_STATEMENT = re.compile(
    _NOT_AFTER + rb"(?:from[ \t]*(\.*)[ \t]*(" + _DOTTED + rb")?[ \t]*import[ \t]*(\([^)]*\)|[^\n;#]*)"
    rb"|import[ \t]+([^\n;#]*))"
)
_NAME = re.compile(rb"(" + _DOTTED + rb")(?:[ \t]+as[ \t]+(" + _ID + rb"))?")
_HEAD = re.compile(_NOT_AFTER + rb"(" + _ID + rb")\s*[(.]")
_CLASS = re.compile(rb"class\s+" + _ID + rb"\s*\(([^:]{0,4000}?)\)\s*(?:->[^:]*)?:")
_WORD = re.compile(_ID)
_SPACE = re.compile(rb"\s+")

# (dotted target relative to `level` packages up, level, whether a class's bases use it)
Imported = tuple[str, int, bool]


def scan_imports(data: bytes) -> tuple[Imported, ...]:
    """The imports of a file whose bound name it uses as a call head or a base, in order."""
    if b"import" not in data:
        return ()
    text = data.replace(b"\\\r\n", b" ").replace(b"\\\n", b" ")  # line continuations
    bound: list[tuple[bytes, bytes, int]] = []  # (name bound, target, level)
    for match in _STATEMENT.finditer(text):
        dots, module, names, plain = match.groups()
        if plain is not None:  # `import a.b as c, d.e`: binds `c` and `d`
            for item in _NAME.finditer(plain):
                target = _SPACE.sub(b"", item.group(1))
                bound.append((item.group(2) or target.split(b".", 1)[0], target, 0))
            continue
        prefix = _SPACE.sub(b"", module) + b"." if module else b""
        for item in _NAME.finditer(names):
            name = item.group(1)
            if b"." in name:
                continue  # not a valid imported name (`from a import b.c`): nothing is bound
            bound.append((item.group(2) or name, prefix + name, len(dots)))
    if not bound:
        return ()
    heads = set(_HEAD.findall(text))
    bases: set[bytes] = set()
    for match in _CLASS.finditer(text):
        bases.update(_WORD.findall(match.group(1)))
    found: list[Imported] = []
    for name, target, level in bound:
        if name in heads or name in bases:
            found.append((target.decode("utf-8", "replace"), level, name in bases))
    return tuple(dict.fromkeys(found))
