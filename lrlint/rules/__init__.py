"""The rule registry: every `lrNNN_*.py` module of this package that defines `RULE`, discovered."""

from __future__ import annotations

import pkgutil
import re
from functools import lru_cache
from importlib import import_module

from lrlint.rules.base import ProjectRule, Rule, SuppressionRule

_RULE_MODULE = re.compile(r"^lr\d{3}_\w+$")


@lru_cache(maxsize=None)
def all_rules() -> tuple[Rule, ...]:
    """Every rule, in code order."""
    found: list[Rule] = []
    for module in pkgutil.iter_modules(__path__):
        if _RULE_MODULE.match(module.name):
            rule = getattr(import_module(f"{__name__}.{module.name}"), "RULE", None)
            if not isinstance(rule, Rule):
                raise TypeError(f"lrlint.rules.{module.name} defines no RULE")
            found.append(rule)
    found.sort(key=lambda rule: rule.code)
    codes = [rule.code for rule in found]
    if len(set(codes)) != len(codes):
        raise ValueError(f"two rule modules share a code: {codes}")
    return tuple(found)


def rule_for(code: str) -> Rule | None:
    return next((rule for rule in all_rules() if rule.code == code), None)


def file_rules() -> tuple[Rule, ...]:
    return tuple(rule for rule in all_rules() if not isinstance(rule, (ProjectRule, SuppressionRule)))


def suppression_rules() -> tuple[SuppressionRule, ...]:
    return tuple(rule for rule in all_rules() if isinstance(rule, SuppressionRule))


def project_rules() -> tuple[ProjectRule, ...]:
    return tuple(rule for rule in all_rules() if isinstance(rule, ProjectRule))


def verifiable_codes() -> frozenset[str]:
    """The codes whose rule makes a runtime claim that --verify checks (it has a verify hook)."""
    return frozenset(rule.code for rule in all_rules() if rule.verification is not None)
