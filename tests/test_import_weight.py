"""pre-commit runs lrlint on every commit: the CI building blocks must import nothing heavy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

MODULES = [
    "lrlint.config",
    "lrlint.suppressions",
    "lrlint.notebook",
    "lrlint.reporters.concise",
    "lrlint.reporters.github",
    "lrlint.reporters.sarif",
    "lrlint.reporters.junit",
]
HEAVY = ["torch", "rich", "libcst", "numpy", "jsonschema", "importlib.metadata"]


def test_modules_import_nothing_heavy() -> None:
    root = Path(__file__).resolve().parent.parent
    code = (
        "import importlib, json, sys\n"
        f"for name in {MODULES!r}: importlib.import_module(name)\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(root)!r})\n" + code],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert json.loads(out.stdout) == []
