"""Every fixture with a fixable finding has a checked-in snapshot of itself after
`--fix --unsafe-fixes` (LR100 selected): `fixtures/fixed/<folder>/<name>.fixed`. The fixed file
parses, re-lints without what was fixed and with nothing new, and a second pass changes nothing.

`LRLINT_UPDATE_SNAPSHOTS=1 pytest tests/test_fix_snapshots.py` rewrites the snapshots (review
the diff); by default they are compared.
"""

from __future__ import annotations

import ast
import os
from collections import Counter
from pathlib import Path

import pytest

from lrlint.config import load_settings
from lrlint.fixing.engine import fix_bytes
from lrlint.fixing.edits import applicable
from lrlint.linter import lint_bytes
from tests.helpers import FIXTURES

SNAPSHOTS = FIXTURES / "fixed"
SETTINGS = load_settings(FIXTURES, {"isolated": True, "extend-select": ["LR100"]})
UPDATE = bool(os.environ.get("LRLINT_UPDATE_SNAPSHOTS"))
SOURCES = sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".py", ".ipynb") and SNAPSHOTS not in p.parents)


def _findings(path: Path, data: bytes) -> list:  # noqa: ANN401 - Diagnostic
    enabled = lambda code: SETTINGS.is_enabled(code, path)  # noqa: E731
    return lint_bytes(str(path), data, enabled, notebook=path.suffix == ".ipynb", torch_version=SETTINGS.torch_version).diagnostics


def _fixable(path: Path) -> bool:
    return any(applicable(d.fix, "enabled") for d in _findings(path, path.read_bytes()))


def _snapshot(path: Path) -> Path:
    return SNAPSHOTS / path.relative_to(FIXTURES).parent / (path.name + ".fixed")


FIXABLE = [p for p in SOURCES if _fixable(p)]


def test_every_fixable_fixture_has_a_snapshot_and_every_snapshot_a_fixture() -> None:
    assert FIXABLE, "no fixture has a fixable finding"
    wanted = {_snapshot(p) for p in FIXABLE}
    present = set(SNAPSHOTS.rglob("*.fixed"))
    if UPDATE:
        for stale in present - wanted:
            stale.unlink()
        return
    assert present == wanted, "run LRLINT_UPDATE_SNAPSHOTS=1 pytest tests/test_fix_snapshots.py"


@pytest.mark.parametrize("path", FIXABLE, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_the_fixed_fixture_matches_its_snapshot_and_is_sound(path: Path) -> None:
    data = path.read_bytes()
    notebook = path.suffix == ".ipynb"
    fixed, run = fix_bytes(str(path), data, SETTINGS, unsafe=True, notebook=notebook)
    snapshot = _snapshot(path)
    if UPDATE:
        snapshot.parent.mkdir(parents=True, exist_ok=True)
        snapshot.write_bytes(fixed)
    assert fixed == snapshot.read_bytes(), f"{snapshot} is stale: LRLINT_UPDATE_SNAPSHOTS=1 to rewrite it"
    assert fixed != data and run.fixed
    if not notebook:
        ast.parse(fixed)
    # What was fixed is gone, nothing new appeared, and nothing fixable is left.
    before = Counter(d.code for d in _findings(path, data))
    after_findings = _findings(path, fixed)
    after = Counter(d.code for d in after_findings)
    fixed_codes = Counter()
    for (code, _, _), n in run.fixed.items():
        fixed_codes[code] += n
    assert after == before - fixed_codes, (before, fixed_codes, after)
    assert not any(applicable(d.fix, "enabled") for d in after_findings)
    # A second pass changes nothing.
    again, second = fix_bytes(str(path), fixed, SETTINGS, unsafe=True, notebook=notebook)
    assert again == fixed and not second.fixed
