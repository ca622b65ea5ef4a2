"""The rule registry: one module per rule, imported only when a file needs checking."""

from __future__ import annotations

from functools import lru_cache
from importlib import import_module

from lrlint.rules.base import Rule

_MODULES = (
    "lr001_steplr_milestones",
    "lr002_multisteplr_step_size",
    "lr003_milestones_not_increasing",
    "lr004_gamma_not_decaying",
    "lr005_scheduler_step_before_optimizer_step",
)


@lru_cache(maxsize=None)
def all_rules() -> tuple[Rule, ...]:
    rules = []
    for name in _MODULES:
        module = import_module(f"lrlint.rules.{name}")
        rules.append(module.RULE)
    return tuple(rules)
