"""Turns a scheduler fact into the literal Scenario that --verify rebuilds in torch."""

from __future__ import annotations

from dataclasses import replace
from typing import Collection

from lrlint.catalogue import schedulers
from lrlint.facts.loops import may_resume, scheduler_step_count, step_count
from lrlint.facts.members import MEMBERS_PARAM, members
from lrlint.facts.model import FileFacts, SchedulerFact, StepFact
from lrlint.facts.ordering import Ordering, step_ordering
from lrlint.scenario import Scenario


def build_scenario(fact: SchedulerFact, facts: FileFacts, step: StepFact | None = None, ordering: Ordering | None = None) -> Scenario:
    """Literals only: every non-literal argument is listed in `unknown`, never guessed.

    `step` picks which `scheduler.step()` call gives the loop and the order; by default the order
    is the first of the scheduler's steps whose order is known, and the loop count that of its one
    step (none when it has several); `ordering`, when given, is that order and count (found across
    calls by the project stage).
    """
    unknown: list[str] = []
    kwargs: dict[str, object] = {}
    for name in fact.bound:
        if name == "optimizer":
            continue
        if name in fact.values:
            kwargs[name] = fact.values[name]
        else:
            unknown.append(name)
    for name in fact.unexpected:
        # The keyword itself is what torch rejects (LR001, LR002): its value does not matter,
        # so a non-literal value is passed as None and listed as unknown.
        kwargs[name] = fact.values.get(name)
        if name not in fact.values:
            unknown.append(name)
    if fact.factory is not None:
        unknown.append(f"{fact.factory.rsplit('.', 1)[-1]}(...)")  # its lr_lambda is the library's
    if fact.extra_positional:
        unknown.append("*extra-positional")
    if fact.star_args:
        unknown.append("*args")
    if fact.star_kwargs:
        unknown.append("**kwargs")
    children = _children(fact, facts) if MEMBERS_PARAM in unknown else None
    if children is not None:
        unknown.remove(MEMBERS_PARAM)
        for index, child in enumerate(children):
            unknown += [f"{MEMBERS_PARAM}[{index}].{name}" for name in child.unknown_params()]
    if ordering is not None:
        count = ordering.count
    else:
        ordering = _ordering(fact, facts, step)
        if step is None:
            count = scheduler_step_count(fact, facts)
        else:
            count = None if may_resume(fact) else step_count(step, facts, fact.frames)
    optimizer = facts.optimizer(fact.optimizer)
    return Scenario(
        scheduler=fact.cls,
        args=(),
        kwargs=kwargs,
        unknown=tuple(unknown),
        optimizer=optimizer.cls if optimizer is not None else None,
        lr=optimizer.lr if optimizer is not None else None,
        epochs=count.count if count is not None else None,
        loops=count.loops if count is not None else (),
        children=children or (),
        order=ordering.order if ordering is not None else None,
        grad_scaler=ordering.through_scaler if ordering is not None else False,
    )


def _children(fact: SchedulerFact, facts: FileFacts) -> tuple[Scenario, ...] | None:
    """A composite's members as scenarios of their own, when every one is in view."""
    found = members(fact, facts)
    if found is None:
        return None
    return tuple(build_scenario(member, facts) for member in found)


def _ordering(fact: SchedulerFact, facts: FileFacts, step: StepFact | None) -> Ordering | None:
    candidates = [step] if step is not None else [facts.steps[i] for i in fact.steps]
    for candidate in candidates:
        ordering = step_ordering(candidate, facts)
        if ordering is not None:
            return ordering
    return None


def call_scenario(
    fact: SchedulerFact,
    facts: FileFacts,
    torch_target: str | None,
    positional: int | None = None,
    keywords: Collection[str] | None = None,
) -> Scenario | None:
    """The call as written, positional arguments in order and then keywords, for a claim about its
    shape (what Python's argument binding rejects), which no value changes: a value that is not a
    literal is passed as None and listed in `unknown`.

    `positional` keeps the first N positional arguments (the optimizer counted), `keywords` only
    these keywords: a finding keeps what its claim is about. None when the optimizer is not the
    first parameter (ChainedScheduler): the worker always passes it first.
    """
    signature = schedulers().get(fact.cls)
    if signature is None or not signature.params or signature.params[0].name != signature.optimizer_param:
        return None
    names = [*fact.positional, *(f"*extra-positional-{i + 1}" for i in range(fact.extra_positional))]
    if positional is not None:
        names = names[:positional]
    if names and names[0] != signature.optimizer_param:
        return None
    given = names[1:]
    named = [n for n in fact.bound if n not in fact.positional and n != signature.optimizer_param]
    named += list(fact.unexpected)
    if keywords is not None:
        named = [n for n in named if n in keywords]
    return replace(
        build_scenario(fact, facts),
        args=tuple(fact.values.get(n) for n in given),
        kwargs={n: fact.values.get(n) for n in named},
        unknown=tuple(n for n in [*given, *named] if n not in fact.values),
        torch_target=torch_target,
        children=(),  # the call as written: its `schedulers` is a placeholder too
    )
