"""Module names from paths, as Python would import the files, and the modules a file's calls may
lead into.

A folder with `__init__.py` is a package; a script's own folder is a source root, as `sys.path[0]`
makes it.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # module names are asked before any analysis (lrlint/universe.py): keep them light
    from lrlint.project.model import LinkedFile


def module_name(path: Path) -> tuple[Path, str]:
    """(source root, dotted module name) of a Python file."""
    path = Path(os.path.abspath(path))
    root, package = _package_of(path.parent)
    parts = [*package, path.stem] if path.stem != "__init__" else list(package)
    return root, ".".join(parts)


@lru_cache(maxsize=4096)
def _package_of(folder: Path) -> tuple[Path, tuple[str, ...]]:
    """(source root, package parts) of a folder: folders with `__init__.py` are packages."""
    if folder.parent == folder or not (folder / "__init__.py").is_file():
        return folder, ()
    root, parts = _package_of(folder.parent)
    return root, (*parts, folder.name)


def forget_packages() -> None:
    """Forget which folders are packages (a new run looks again: one may have gained an
    `__init__.py`)."""
    _package_of.cache_clear()


def wanted_modules(file: LinkedFile) -> set[str]:
    """The modules this file's calls and base classes may lead into: every import used as a
    callee or a base, as absolute dotted names (with their parents: `from a import b` may name
    module `a.b` or a function `b` of `a`)."""
    facts = file.facts
    imports = {i.name: i for i in facts.imports}
    heads = {c.callee.split(".", 1)[0] for c in facts.calls}
    heads |= {base.split(".", 1)[0] for cls in facts.classes for base in cls.bases}
    wanted: set[str] = set()
    is_package = file.path is not None and file.path.name == "__init__.py"
    for head in heads & imports.keys():
        imported = imports[head]
        target = absolute_target(file.module or "", is_package, imported.target, imported.level) if imported.level else imported.target
        parts = target.split(".")
        wanted.update(".".join(parts[:n]) for n in range(1, len(parts) + 1))
    return wanted


def absolute_target(module: str, is_package: bool, target: str, level: int) -> str:
    """`from ..a import b` in module `pkg.sub.mod` names `pkg.a.b`."""
    package = module.split(".") if module else []
    if not is_package:
        package = package[:-1]  # a module's package is its parent
    if level > 1:
        package = package[: max(len(package) - (level - 1), 0)]
    return ".".join([*package, target]) if target else ".".join(package)
