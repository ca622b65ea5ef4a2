"""Where nodes are in the text: (row, column) spans for the few nodes that become facts.

libcst's nodes hold no positions; its PositionProvider computes them for every node in a
codegen pass that costs about twice the parse. The facts need spans for a few hundred nodes per
file (calls, their arguments, function definitions), so this runs one codegen pass that only
collects the tokens, notes which tokens the nodes asked for span, and stops after the last of
them; token lengths are summed once, in C, into offsets, and offsets become rows and columns by
bisecting the text's line starts. Rows are 1-based, columns 1-based characters (as lrlint
reported them when it read CPython's tree, whose byte columns it converted).

The span of a node is its syntactic extent as libcst and CPython define it: the parentheses
around an expression are not part of it, a keyword argument runs from its name to the end of
its value, a function definition from `def` (or `async`) to the end of its last statement.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from itertools import accumulate, islice
from typing import Any

import libcst as cst
from libcst._nodes.internal import CodegenState

from lrlint.diagnostics import Position
from lrlint.facts.model import Span

_LINE_END = re.compile(r"\r\n?|\n")  # CPython counts lines as its tokenizer reads them


class _Done(Exception):
    """Every node asked for has its span: the rest of the module need not be generated."""


class _Nothing:
    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


_NOTHING = _Nothing()


class _Record:
    """Notes which tokens a wanted node's syntactic extent spans."""

    __slots__ = ("end_node", "key", "start", "state")

    def __init__(self, state: _TokenState, key: int, end_node: cst.CSTNode | None) -> None:
        self.state, self.key, self.end_node = state, key, end_node

    def __enter__(self) -> None:
        self.start = len(self.state.tokens)

    def __exit__(self, kind: object, *exc: object) -> None:
        if kind is not None:
            return
        state = self.state
        end = state.found[id(self.end_node)][1] if self.end_node is not None else len(state.tokens)
        first = self.key not in state.found
        state.found[self.key] = (self.start, end)
        if first:
            state.left -= 1
            if state.left == 0:
                raise _Done


class _TokenState(CodegenState):
    """libcst's codegen state, with the calls it makes per token and per node bound to C
    functions (the pass costs what libcst's own traversal costs, little more), and the token
    indices of the nodes asked for recorded."""

    __slots__ = ("add_token", "after_codegen", "before_codegen", "found", "left", "wanted")

    def __init__(self, module: cst.Module, wanted: set[int]) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.add_token = self.tokens.append  # type: ignore[method-assign,assignment]
        self.before_codegen = self.after_codegen = id  # type: ignore[method-assign,assignment]  # nothing to do per node: a C no-op
        self.wanted = wanted
        self.found: dict[int, tuple[int, int]] = {}  # node id -> (first token, token after it)
        self.left = len(wanted)

    def record_syntactic_position(
        self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None, end_node: cst.CSTNode | None = None
    ) -> Any:
        key = id(node)
        if key not in self.wanted:
            return _NOTHING
        if end_node is not None and id(end_node) not in self.wanted:
            # A definition ends where its body does: the body's span is needed first.
            self.wanted.add(id(end_node))
            self.left += 1
        return _Record(self, key, end_node)


def _offsets(tokens: list[str], indices: Iterable[int]) -> dict[int, int]:
    """The text offset at which each token index starts, summing lengths in C."""
    found: dict[int, int] = {}
    sums = accumulate(map(len, tokens), initial=0)
    consumed = -1
    for index in sorted(set(indices)):
        found[index] = next(islice(sums, index - consumed - 1, None))
        consumed = index
    return found


class Spans:
    """The spans of the nodes given, computed in one pass over the module."""

    def __init__(self, module: cst.Module, text: str, nodes: Iterable[cst.CSTNode]) -> None:
        wanted = {id(node) for node in nodes}
        self._offsets: dict[int, tuple[int, int]] = {}
        self._starts = [0]
        if not wanted:
            return
        state = _TokenState(module, wanted)
        try:
            module._codegen(state)
        except _Done:
            pass
        at = _offsets(state.tokens, (i for pair in state.found.values() for i in pair))
        self._offsets = {key: (at[start], at[end]) for key, (start, end) in state.found.items()}
        self._starts = [0] + [m.end() for m in _LINE_END.finditer(text)]

    def span(self, node: cst.CSTNode) -> Span:
        start, end = self._offsets[id(node)]
        return Span(self._position(start), self._position(end))

    def _position(self, offset: int) -> Position:
        row = bisect_right(self._starts, offset)
        return Position(row, offset - self._starts[row - 1] + 1)
