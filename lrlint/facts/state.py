"""Whether anything in a module may restore an optimizer's state: "initial_lr" written, its
param_groups assigned or extended. A scheduler built with `last_epoch=` on such a module's
optimizer may be resuming, not starting (LR017)."""

from __future__ import annotations

import libcst as cst

from lrlint.facts.syntax import STRINGS, descendants, string_constants

_ASSIGNMENTS = (cst.Assign, cst.AugAssign, cst.AnnAssign)


def restores_state(module: cst.Module) -> bool:
    for node in descendants(module):
        kind = type(node)
        if kind is cst.Attribute:
            if node.attr.value == "add_param_group":  # type: ignore[attr-defined]
                return True
        elif kind in STRINGS:
            if "initial_lr" in string_constants(node):  # type: ignore[arg-type]
                return True
        elif kind in _ASSIGNMENTS:
            targets = [t.target for t in node.targets] if kind is cst.Assign else [node.target]  # type: ignore[attr-defined]
            if any(type(n) is cst.Attribute and n.attr.value == "param_groups" for t in targets for n in descendants(t)):
                return True
    return False
