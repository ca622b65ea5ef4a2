"""Facts that cost work of their own, computed only for the rules that read them.

A rule declares what it reads (`Rule.needs`); the per-file stage is handed the union over the
rules that run and leaves the rest at its empty value. The facts layer names no rule.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Needs:
    # `SchedulerFact.target` and `.uses` (a walk of the code that can see the variable), for
    # schedulers of these classes, for schedulers nothing in their file steps, and for every
    # scheduler of a file that saves a checkpoint with `torch.save`.
    uses_of_classes: frozenset[str] = frozenset()
    uses_of_unstepped: bool = False
    uses_when_saving: bool = False
    # `SchedulerFact.optimizer_fresh` (a look at every call of the scheduler's function and at
    # the whole module for restored optimizer state).
    optimizer_fresh: bool = False
    # `OptimizerFact.keywords`, `.opaque` and `.param_groups`.
    optimizer_options: bool = False
    # `FileFacts.early_exits` (a walk of every `for` loop's body).
    early_exits: bool = False

    def __or__(self, other: Needs) -> Needs:
        return Needs(
            self.uses_of_classes | other.uses_of_classes,
            self.uses_of_unstepped or other.uses_of_unstepped,
            self.uses_when_saving or other.uses_when_saving,
            self.optimizer_fresh or other.optimizer_fresh,
            self.optimizer_options or other.optimizer_options,
            self.early_exits or other.early_exits,
        )


NOTHING = Needs()
