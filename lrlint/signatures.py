"""What one row of `rules/schedulers.toml` means: a torch scheduler class, its parameters by
release, and the traits lrlint's rules and --verify rely on (read by `lrlint.catalogue`).

Plain data and small predicates over literal values; never imports torch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal, TypeGuard

Release = tuple[int, int]  # a torch release as (major, minor)
StepArgument = Literal["epoch", "fractional-epoch", "metric", "none"]


def release(text: str) -> Release:
    """"2.7" (or "2.7.1") as (2, 7)."""
    major, minor = text.split(".")[:2]
    return int(major), int(minor)


class _NoDefault:
    def __repr__(self) -> str:
        return "NO_DEFAULT"


NO_DEFAULT: Any = _NoDefault()  # a required parameter, or one whose default the table does not give


def number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def integer(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


_INTERVAL = re.compile(r"([(\[])\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*([)\]])")
_INT_BOUND = re.compile(r"int\s*(>=|>)\s*(-?\d+)")


@dataclass(frozen=True)
class ValueCheck:
    """A literal value torch rejects: `valid` is what it accepts, `raises` the start of its error
    (`{value}` stands for the value), `why` the reason a finding quotes."""

    valid: str  # "!= 0", "[0, 1]", "(0, 1]", "int > 0", "int >= 1"
    raises: str
    why: str = ""

    def __post_init__(self) -> None:
        if self.valid != "!= 0" and not _INTERVAL.fullmatch(self.valid) and not _INT_BOUND.fullmatch(self.valid):
            raise ValueError(f"schedulers.toml: unknown check {self.valid!r}")

    @property
    def error(self) -> str:
        """The exception torch raises, e.g. "ValueError"."""
        return self.raises.split(":", 1)[0]

    @property
    def at_step(self) -> bool:
        """Raised by the first `scheduler.step()`, not when the scheduler is built."""
        return self.error == "ZeroDivisionError"

    def holds(self, value: Any) -> bool | None:
        """Whether torch accepts the literal `value`; None when it is not a number (not judged)."""
        if not number(value):
            return None
        if self.valid == "!= 0":
            return bool(value != 0)
        bound = _INT_BOUND.fullmatch(self.valid)
        if bound:
            limit = int(bound.group(2))
            return integer(value) and (value > limit if bound.group(1) == ">" else value >= limit)
        low_open, low, high, high_open = _INTERVAL.fullmatch(self.valid).groups()  # type: ignore[union-attr]
        above = value > float(low) if low_open == "(" else value >= float(low)
        below = value < float(high) if high_open == ")" else value <= float(high)
        return bool(above and below)

    def torch_text(self, value: Any) -> str:
        return self.raises.replace("{value}", str(value))


@dataclass(frozen=True)
class Decay:
    """How a scheduler applies its `gamma`: every `param` steps ("every step_size"), at the epochs
    listed in `param` ("at milestones"), or at every step ("every step": param None)."""

    kind: Literal["every", "at"]
    param: str | None

    @classmethod
    def parse(cls, text: str) -> Decay:
        kind, _, what = text.partition(" ")
        if kind not in ("every", "at") or not what or (kind == "at" and what == "step"):
            raise ValueError(f"schedulers.toml: unknown decay {text!r}")
        return cls(kind, None if what == "step" else what)  # type: ignore[arg-type]

    def due(self, params: dict[str, Any], horizon: int) -> list[int] | None:
        """The steps (1..horizon) at which gamma is applied, from literal arguments; None when the
        arguments do not say (not literal, not whole, not positive)."""
        if self.param is None:
            return list(range(1, horizon + 1))
        value = params.get(self.param)
        if self.kind == "every":
            if not integer(value) or value <= 0:
                return None
            return list(range(value, horizon + 1, value)) if value <= horizon else []
        if not isinstance(value, (list, tuple)) or not value or not all(integer(m) for m in value):
            return None
        return sorted({m for m in value if 0 < m <= horizon})

    def first_due(self, params: dict[str, Any]) -> int | None:
        """The first step at which gamma is applied, from literal arguments."""
        if self.param is None:
            return 1
        value = params.get(self.param)
        if self.kind == "every":
            return value if integer(value) and value > 0 else None
        if isinstance(value, (list, tuple)):
            epochs = [m for m in value if integer(m) and m >= 0]
            return min(epochs) if epochs else None
        return None


@dataclass(frozen=True)
class Length:
    """The parameters a scheduler sizes itself from, as alternatives torch tries in order, and
    what it raises when none is given."""

    alternatives: tuple[tuple[str, ...], ...]
    raises: str
    why: str
    anchor: str  # the argument a finding about the missing length points at


@dataclass(frozen=True)
class Param:
    name: str
    required: bool
    deprecated: str | None = None  # the release that started warning about it
    removed: str | None = None  # the first release that rejects it
    since: str | None = None  # the release that introduced it (the class's, unless later)
    link: str | None = None  # the torch change behind `since`
    deprecated_link: str | None = None
    removed_link: str | None = None
    default: Any = NO_DEFAULT  # torch's default value
    check: ValueCheck | None = None

    def accepted(self, target: Release | None) -> bool:
        """Whether torch `target` accepts the parameter; None is the newest release."""
        if target is None:
            return self.removed is None
        if self.since is not None and release(self.since) > target:
            return False
        return self.removed is None or target < release(self.removed)

    def deprecated_in(self, target: Release | None) -> bool:
        """Accepted by `target`, but with a deprecation warning."""
        if self.deprecated is None or not self.accepted(target):
            return False
        return target is None or target >= release(self.deprecated)


@dataclass(frozen=True)
class SchedulerSignature:
    name: str
    params: tuple[Param, ...]
    optimizer_param: str = "optimizer"
    since: str | None = None  # the release that introduced the class
    link: str | None = None
    decay: Decay | None = None
    step_argument: StepArgument = "epoch"
    order_insensitive: bool = False
    order_warning: bool = True
    get_lr: bool = True
    length: Length | None = None
    horizon: str | None = None
    horizon_exact: bool = False
    example: dict[str, Any] = field(default_factory=dict)

    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def exists_in(self, target: Release | None) -> bool:
        return target is None or self.since is None or release(self.since) <= target

    def params_for(self, target: Release | None) -> tuple[Param, ...]:
        """The parameters torch `target` accepts, in positional order."""
        return tuple(p for p in self.params if p.accepted(target))

    @property
    def composite(self) -> bool:
        """Built from other schedulers (SequentialLR, ChainedScheduler)."""
        return "schedulers" in self.param_names()

    @property
    def cycles_momentum(self) -> bool:
        """Cycles the optimizer's momentum unless told not to (`cycle_momentum` on by default)."""
        param = self.param("cycle_momentum")
        return param is not None and param.default is True

    def default(self, name: str) -> Any:
        """torch's default for `name`; NO_DEFAULT when there is none (or it is not known)."""
        param = self.param(name)
        return param.default if param is not None else NO_DEFAULT

    def bind(self, args: list[Any] | tuple[Any, ...], kwargs: dict[str, Any], target: Release | None = None) -> dict[str, Any] | None:
        """The call `cls(optimizer, *args, **kwargs)` by parameter name, torch's defaults filled in
        (the optimizer left out); None when Python would reject it."""
        names = [p.name for p in self.params_for(target)]
        if not names or names[0] != self.optimizer_param or 1 + len(args) > len(names):
            return None
        bound = dict(zip(names[1:], args))
        for name, value in kwargs.items():
            if name not in names or name in bound or name == self.optimizer_param:
                return None
            bound[name] = value
        for param in self.params_for(target):
            if param.name == self.optimizer_param or param.name in bound:
                continue
            if param.required:
                return None
            if param.default is not NO_DEFAULT:
                bound[param.name] = param.default
        return bound
