"""The `lrlint` command and `python -m lrlint`: isolate the process's imports, then run the CLI.

Nothing from the linted tree may execute, but a plain Python process imports from its current
directory (`python -m`) and from PYTHONPATH before the standard library: an `inspect.py` or a
`warnings.py` there would run inside lrlint. Before anything else is imported, this drops what
`python -I` would not have put on sys.path: the current directory, the script's directory and the
PYTHONPATH entries, except those that are installations (site-packages, an archive, a folder of
`*.dist-info`: where lrlint's own dependencies may be) and the one lrlint itself came from. What ran before this module cannot
be undone: a `sitecustomize.py` on PYTHONPATH runs when the interpreter starts, and `python -m`
imports `runpy` with the current directory first (see the README: run `python -I -m lrlint`).
This imports only modules the interpreter has loaded already (sys, os).
"""

from __future__ import annotations

import os
import sys


def isolate_imports(path: list[str] | None = None, environ: dict[str, str] | None = None, cwd: str | None = None) -> list[str]:
    """sys.path without the entries `python -I` leaves out (changed in place); returns the dropped ones."""
    entries = sys.path if path is None else path
    env = os.environ if environ is None else environ
    try:
        here = os.path.realpath(cwd if cwd is not None else os.getcwd())
    except OSError:  # the directory was removed: nothing can be imported from it either
        here = None
    package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    unsafe = {os.path.realpath(p) for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and not _installation(p)}
    if entries and not (sys.flags.isolated or getattr(sys.flags, "safe_path", False)):
        # sys.path[0] is the script's directory or, for `python -m`, the current one (-I/-P: neither)
        unsafe.add(os.path.realpath(entries[0] or "."))
    if here is not None:
        unsafe.add(here)
    unsafe.discard(package)  # lrlint's own root: its modules, not the tree's
    dropped = [entry for entry in entries if entry == "" or os.path.realpath(entry) in unsafe]
    entries[:] = [entry for entry in entries if entry not in dropped]
    return dropped


def _installation(entry: str) -> bool:
    """Whether a sys.path entry holds installed distributions rather than someone's source tree."""
    if os.path.basename(os.path.normpath(entry)) in ("site-packages", "dist-packages"):
        return True
    if os.path.isfile(entry):  # a zip, egg, wheel or pex: built, not a working tree
        return True
    try:
        with os.scandir(entry) as found:
            return any(item.name.endswith(".dist-info") for item in found)
    except OSError:
        return False


def main() -> int:
    dropped = isolate_imports()
    try:
        from lrlint.bounds import Bounds
        from lrlint.cli import main as cli
    except ImportError as exc:
        hint = " (lrlint ignores source folders on PYTHONPATH for its own imports)" if dropped else ""
        print(f"lrlint: error: cannot import {exc.name or exc}: install lrlint with its dependencies{hint}", file=sys.stderr)
        return 2
    try:
        Bounds.from_env()  # LRLINT_FILE_TIMEOUT / LRLINT_FILE_MEMORY: a usage error, before any work
    except ValueError as exc:
        print(f"lrlint: error: {exc}", file=sys.stderr)
        return 2
    return cli()


if __name__ == "__main__":
    raise SystemExit(main())
