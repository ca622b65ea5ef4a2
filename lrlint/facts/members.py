"""The schedulers a composite scheduler (SequentialLR, ChainedScheduler) is built from, when they
are written in its call: `SequentialLR(opt, [LinearLR(opt, ...), CosineAnnealingLR(opt, ...)], [5])`.

A member is a scheduler construction inside the composite's `schedulers` argument, itself a list
or tuple display: the constructions there that no other one holds must be as many as the display
has items, each built on the composite's own optimizer. Members named by a variable
(`[warmup, cosine]`) need the item's binding, a fact the walker does not record yet: those
composites stay unknown.
"""

from __future__ import annotations

from lrlint.catalogue import schedulers
from lrlint.facts.model import FileFacts, SchedulerFact, Span

MEMBERS_PARAM = "schedulers"


def _inside(outer: Span, inner: Span) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end and outer != inner


def members(fact: SchedulerFact, facts: FileFacts) -> tuple[SchedulerFact, ...] | None:
    """The member schedulers in the order written; None when they are not all in view."""
    signature = schedulers().get(fact.cls)
    arg = fact.bound.get(MEMBERS_PARAM)
    count = fact.lengths.get(MEMBERS_PARAM)
    if signature is None or not signature.composite or arg is None or not count:
        return None
    inside = [s for s in facts.schedulers if s.id != fact.id and _inside(arg.span, s.span)]
    found = [s for s in inside if not any(_inside(o.span, s.span) for o in inside)]
    if len(found) != count:
        return None  # an item that is not a construction, or one that holds two (`a if c else b`)
    keys = {key for s in found for key in _optimizers(s, facts)}
    if signature.optimizer_param in fact.bound:  # ChainedScheduler's optimizer is optional
        keys.add(fact.optimizer_key)
    if len(keys) != 1 or None in keys:
        return None  # torch requires one optimizer; --verify builds every member on the same one
    return tuple(sorted(found, key=lambda s: s.span.start))


def _optimizers(fact: SchedulerFact, facts: FileFacts) -> set[str | None]:
    """The optimizer a member is built on: its own, or for a ChainedScheduler written without
    one, its members'."""
    if fact.optimizer_key is not None or MEMBERS_PARAM not in fact.bound:
        return {fact.optimizer_key}
    inner = members(fact, facts)
    return {key for s in inner for key in _optimizers(s, facts)} if inner else {None}
