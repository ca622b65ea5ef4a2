"""How rules name the torch release a finding is about (LR006, LR008), in messages and verdicts."""

from __future__ import annotations

import re

from lrlint.catalogue import Release
from lrlint.scenario import Scenario


def torch_name(target: Release | None) -> str:
    return f"torch {target[0]}.{target[1]}" if target is not None else "current torch"


def target_text(target: Release | None) -> str | None:
    return f"{target[0]}.{target[1]}" if target is not None else None


def release_of(version: str | None) -> Release | None:
    """"2.13.0+cpu" as (2, 13); None for an unknown or empty version."""
    match = re.match(r"(\d+)\.(\d+)", version or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def target_name(scenario: Scenario) -> str:
    """The release a finding's scenario was judged for, as evidence names it."""
    return f"torch {scenario.torch_target}" if scenario.torch_target else "the newest torch"
