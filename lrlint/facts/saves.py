"""`torch.save({...})`: what each entry of a checkpoint dict written out in the call holds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import libcst as cst

from lrlint.facts.model import SavedEntry
from lrlint.facts.scopes import BindingKey, binding_id
from lrlint.facts.syntax import descendants, dotted_name, is_name
from lrlint.facts.walker import Context

# Calls in a saved value that return plain data, not some object's whole state.
_PLAIN_METHODS = frozenset({"state_dict", "item", "cpu", "tolist", "detach", "clone", "numpy"})
_PLAIN_FUNCTIONS = frozenset({"int", "float", "str", "bool", "dict", "list", "tuple", "len", "vars", "round", "deepcopy", "copy.deepcopy"})
_OPAQUE = (cst.Lambda, cst.Await, cst.Yield, cst.NamedExpr)


@dataclass(frozen=True)
class PendingSave:
    """A `torch.save` of a literal dict, before its span is known."""

    call: cst.Call
    frames: tuple[int, ...]
    entries: tuple[SavedEntry, ...]


def saved_entry(
    key: str, value: cst.BaseExpression, ctx: Context, binding_key: Callable[[cst.BaseExpression, Context], BindingKey | None]
) -> SavedEntry:
    """One `key: value` of the dict: the names it mentions, whether it calls something that may
    hold any state, and the receiver of a plain `<receiver>.state_dict()`."""
    names: set[str] = set()
    opaque = False
    for node in descendants(value):
        kind = type(node)
        if is_name(node) or kind is cst.Attribute:
            dotted = dotted_name(node)
            if dotted is not None:
                names.add(ctx.normalise(dotted))
        elif kind is cst.Call:
            func = node.func  # type: ignore[attr-defined]
            if type(func) is cst.Attribute and func.attr.value in _PLAIN_METHODS:
                continue
            if dotted_name(func) not in _PLAIN_FUNCTIONS:
                opaque = True
        elif kind in _OPAQUE:
            opaque = True
    receiver: str | None = None
    binding: str | None = None
    if type(value) is cst.Call and not value.args:
        func = value.func
        if type(func) is cst.Attribute and func.attr.value == "state_dict" and (dotted := dotted_name(func.value)) is not None:
            receiver = ctx.normalise(dotted)
            binding = binding_id(binding_key(func.value, ctx))
    return SavedEntry(key, receiver, binding, tuple(sorted(names)), opaque)
