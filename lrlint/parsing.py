"""libcst's parse of a file, and a large stack to work on its tree.

libcst's native parser recurses once per operand of a chain that CPython keeps flat (an
8,000-operand `a and a and ...` overflows the main thread's 8 MiB stack and kills the process),
and its tree nests as deep: generating code from it, or walking it, recurses as deep again. The
per-file analysis therefore runs on a thread of its own with a stack large enough for any file
within lrlint's size bounds (100,000 names and numbers: a 50,000-operand chain), and with a
recursion limit to match. The stack is reserved, not used: a thread touches only what it needs.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:  # libcst costs a tenth of a second to import: only files that need it pay
    import libcst

T = TypeVar("T")

# A 50,000-operand chain (the most the 100,000-name bound allows) needs about 60 MiB. Reserved
# address space counts against the per-file memory bound (lrlint/workers.py): 128 MiB of its 1 GiB.
STACK_BYTES = 128 * 1024 * 1024
# Python frames above the caller's that the work may use (codegen takes two per nesting level).
RECURSION_BUDGET = 300_000


class CstParseError(Exception):
    """libcst cannot parse the text; the message is one line (libcst's positions are not
    reliable enough to report)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse(text: str) -> libcst.Module:
    """libcst's tree of `text`. Call it on a large stack (see `on_large_stack`)."""
    import libcst

    try:
        return libcst.parse_module(text)
    except libcst.ParserSyntaxError as exc:
        raise CstParseError(_one_line(exc.message.removeprefix("parser error: "))) from None
    except MemoryError:
        raise  # the per-file memory bound (lrlint/workers.py): E903, not a verdict on the syntax
    except Exception as exc:  # noqa: BLE001 - libcst also raises its own validation errors
        raise CstParseError(_one_line(f"{type(exc).__name__}: {exc}")) from None


def _one_line(message: str, limit: int = 120) -> str:
    line = " ".join(message.split())
    return line if len(line) <= limit else line[: limit - 3].rstrip() + "..."


def on_large_stack(work: Callable[..., T], *args: object) -> T:
    """`work(*args)` on a thread with a large stack and a high recursion limit; its result, or
    the exception it raised."""
    result: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.append(work(*args))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=run, name="lrlint-analysis", daemon=True)
    limit = sys.getrecursionlimit()
    try:
        previous = threading.stack_size(STACK_BYTES)  # read when the thread starts
    except ValueError:  # a platform that refuses such a stack
        previous = threading.stack_size()
    try:
        sys.setrecursionlimit(max(limit, RECURSION_BUDGET))
        try:
            thread.start()
        except (RuntimeError, MemoryError):  # no room for such a stack (a low `ulimit -v`)
            sys.setrecursionlimit(limit)
            run()  # with the usual limit: a RecursionError, never a crash
        else:
            thread.join()
    finally:
        sys.setrecursionlimit(limit)
        threading.stack_size(previous)
    if failure:
        raise failure[0]
    return result[0]
