"""The scheduler configuration lrlint read statically: literals only, JSON-able, never user code.

`--verify` rebuilds exactly this in real torch. Anything the linter could not read as a literal is
listed in `unknown` and is never guessed at by the linter itself.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

StepOrder = Literal["scheduler-first", "optimizer-first"]

# Never a literal, and never needed as one: --verify always builds its own optimizer.
SUPPLIED_BY_VERIFY = frozenset({"optimizer"})

# A literal value as read from source: numbers, strings, booleans, None, and lists of them.
LiteralValue = Any


@dataclass(frozen=True)
class Scenario:
    scheduler: str  # class name in torch.optim.lr_scheduler, e.g. "StepLR"
    args: tuple[LiteralValue, ...] = ()  # positional literals after the optimizer, as written
    kwargs: dict[str, LiteralValue] = field(default_factory=dict)  # literal keywords, as written
    # Parameters (by name, or "*args"/"**kwargs") whose value is not a literal: never guessed.
    unknown: tuple[str, ...] = ()
    optimizer: str | None = None  # torch.optim class name when the optimizer was built in view
    lr: float | None = None  # the optimizer's literal lr
    # How many times the code steps the scheduler: the product of the literal `range(...)` loops
    # around its step (`loops`, outermost first); None when a loop or a condition makes it unknown.
    epochs: int | None = None
    order: StepOrder | None = None  # observed order of scheduler.step() and optimizer.step()
    grad_scaler: bool = False  # the optimizer is stepped through a GradScaler
    # The torch release ("X.Y") the finding was judged for (--torch-version); None: the newest.
    torch_target: str | None = None
    # What the finding is about when its rule may report several things of one construction
    # (LR013: "milestones:never"), for the rule's judge to check that one; None: the only thing.
    subject: str | None = None
    loops: tuple[int, ...] = ()
    # A composite's members (SequentialLR's, ChainedScheduler's `schedulers`), in order: each is
    # built on the same optimizer, then passed to it as that list.
    children: tuple[Scenario, ...] = ()

    def unknown_params(self) -> list[str]:
        """The parameters whose value --verify would have to guess."""
        return [name for name in self.unknown if name not in SUPPLIED_BY_VERIFY]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["args"] = list(self.args)
        data["unknown"] = list(self.unknown)
        data["loops"] = list(self.loops)
        data["children"] = [child.to_json() for child in self.children]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Scenario:
        return cls(
            scheduler=data["scheduler"],
            args=tuple(data.get("args", ())),
            kwargs=dict(data.get("kwargs", {})),
            unknown=tuple(data.get("unknown", ())),
            optimizer=data.get("optimizer"),
            lr=data.get("lr"),
            epochs=data.get("epochs"),
            order=data.get("order"),
            grad_scaler=bool(data.get("grad_scaler", False)),
            torch_target=data.get("torch_target"),
            subject=data.get("subject"),
            loops=tuple(data.get("loops", ())),
            children=tuple(cls.from_json(child) for child in data.get("children", ())),
        )
