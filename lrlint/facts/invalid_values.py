"""Literal scheduler arguments torch rejects, or that defeat the schedule (LR013), as plain data.

One function reads a scheduler's literal arguments and says what torch 2.x does with each bad
one; the rule reports from it and the --verify judge recomputes it from the scenario, so the claim
and its check cannot drift apart. Torch-agnostic: the texts are torch's messages, checked by
tests/test_differential.py against the installed torch.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeGuard

# What happens at run time:
# "construct": ValueError when the scheduler is built; "zero-division": ZeroDivisionError at the
# first step; "lr-zero" / "lr-negative": the decay makes the rate 0 / negative; "at-construction":
# a decay applied while building, before the first epoch; "never": a milestone no epoch reaches;
# "sequential": SequentialLR's milestones misfit its schedulers (not rebuilt: its schedulers are
# not literals).
Outcome = Literal["construct", "zero-division", "lr-zero", "lr-negative", "at-construction", "never", "sequential"]

DECAYING = frozenset({"StepLR", "MultiStepLR", "ExponentialLR"})


@dataclass(frozen=True)
class Problem:
    param: str
    outcome: Outcome
    message: str  # what torch does, for the finding (no final period)
    torch_text: str = ""  # the start of torch's error message, when it raises


def _number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _whole(value: Any) -> bool:
    # Ints are whole without a float conversion, which a literal past float range (10**400) overflows.
    return _int(value) or (isinstance(value, float) and value.is_integer())


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def problems(
    cls: str, values: Mapping[str, Any], present: Collection[str], lengths: Mapping[str, int] | None = None, opaque: bool = False
) -> list[Problem]:
    """The bad literals of one construction. `values`: literal arguments by name; `present`:
    every argument given, literal or not; `opaque`: `*args`/`**kwargs` or extra positionals, which
    may supply what looks missing."""
    found: list[Problem] = []
    gamma = values.get("gamma")
    if cls in DECAYING and _number(gamma) and gamma <= 0:
        if gamma == 0:
            found.append(Problem("gamma", "lr-zero", f"`{cls}` with gamma={gamma!r} sets the learning rate to 0 at the first decay: nothing is learned after it"))
        else:
            found.append(Problem("gamma", "lr-negative", f"`{cls}` with gamma={gamma!r} makes the learning rate negative at the first decay: the optimizer then climbs the loss"))
    if cls == "StepLR" and _number(values.get("step_size")) and values["step_size"] == 0:
        found.append(Problem("step_size", "zero-division", "`StepLR` with step_size=0: the first `scheduler.step()` raises ZeroDivisionError (epoch % step_size)", "ZeroDivisionError"))
    if cls == "CosineAnnealingLR" and _number(values.get("T_max")) and values["T_max"] == 0:
        found.append(Problem("T_max", "zero-division", "`CosineAnnealingLR` with T_max=0: the first `scheduler.step()` raises ZeroDivisionError", "ZeroDivisionError"))
    milestones = values.get("milestones")
    if cls == "MultiStepLR" and isinstance(milestones, (list, tuple)) and milestones and all(_number(m) for m in milestones):
        if any(m == 0 for m in milestones):
            found.append(Problem("milestones", "at-construction", "milestone 0 is reached while `MultiStepLR` is built: the learning rate is decayed before the first epoch and the initial one is never used"))
        unreachable = [m for m in milestones if m < 0 or not _whole(m)]
        if unreachable:
            shown = ", ".join(repr(m) for m in unreachable)
            many = len(unreachable) > 1
            found.append(Problem("milestones", "never", f"milestone{'s' if many else ''} {shown} {'are' if many else 'is'} never reached (MultiStepLR compares milestones with the whole epoch count): no decay happens there"))
    if cls == "LinearLR":
        start, end = values.get("start_factor"), values.get("end_factor")
        if _number(start) and not 0 < start <= 1:
            found.append(Problem("start_factor", "construct", f"`LinearLR` with start_factor={start!r}: building it raises ValueError (the factor must be in (0, 1])", "ValueError: Starting multiplicative factor expected to be greater than 0 and less or equal to 1"))
        if _number(end) and not 0 <= end <= 1:
            found.append(Problem("end_factor", "construct", f"`LinearLR` with end_factor={end!r}: building it raises ValueError (the factor must be in [0, 1])", "ValueError: Ending multiplicative factor expected to be between 0 and 1"))
    if cls == "ConstantLR" and _number(values.get("factor")) and not 0 <= values["factor"] <= 1:
        found.append(Problem("factor", "construct", f"`ConstantLR` with factor={values['factor']!r}: building it raises ValueError (the factor must be in [0, 1])", "ValueError: Constant multiplicative factor expected to be between 0 and 1"))
    if cls == "OneCycleLR":
        found.extend(_one_cycle(values, present, opaque))
    if cls == "CosineAnnealingWarmRestarts":
        t0, mult = values.get("T_0"), values.get("T_mult")
        if _number(t0) and not (_int(t0) and t0 > 0):
            found.append(Problem("T_0", "construct", f"`CosineAnnealingWarmRestarts` with T_0={t0!r}: building it raises ValueError (T_0 must be a positive int)", f"ValueError: Expected positive integer T_0, but got {t0}"))
        elif _number(mult) and not (_int(mult) and mult >= 1):
            found.append(Problem("T_mult", "construct", f"`CosineAnnealingWarmRestarts` with T_mult={mult!r}: building it raises ValueError (T_mult must be an int >= 1)", f"ValueError: Expected integer T_mult >= 1, but got {mult}"))
    if cls == "SequentialLR":
        found.extend(_sequential(values, lengths or {}))
    return found


def _one_cycle(values: Mapping[str, Any], present: Collection[str], opaque: bool) -> list[Problem]:
    total = values.get("total_steps")
    if "total_steps" in present and not ("total_steps" in values and total is None):
        if _number(total) and not (_int(total) and total > 0):
            return [Problem("total_steps", "construct", f"`OneCycleLR` with total_steps={total!r}: building it raises ValueError (it must be a positive int)", f"ValueError: Expected positive integer total_steps, but got {total}")]
        return []
    given = [name for name in ("epochs", "steps_per_epoch") if name in present and not (name in values and values[name] is None)]
    if len(given) == 2:
        for name in given:
            value = values.get(name)
            if _number(value) and not (_int(value) and value > 0):
                return [Problem(name, "construct", f"`OneCycleLR` with {name}={value!r}: building it raises ValueError (it must be a positive int)", f"ValueError: Expected positive integer {name}, but got {value}")]
        return []
    if opaque:
        return []  # *args / **kwargs may hold them
    return [Problem("max_lr", "construct", "`OneCycleLR` without `total_steps` nor both `epochs` and `steps_per_epoch`: building it raises ValueError (it cannot know the cycle's length)", "ValueError: You must define either total_steps OR (epochs AND steps_per_epoch)")]


def _sequential(values: Mapping[str, Any], lengths: Mapping[str, int]) -> list[Problem]:
    milestones = values.get("milestones")
    if not isinstance(milestones, (list, tuple)) or not all(_number(m) for m in milestones):
        return []
    count = lengths.get("schedulers")
    if count is not None and count >= 1 and len(milestones) != count - 1:
        return [Problem("milestones", "sequential", f"`SequentialLR` with {count} schedulers needs {count - 1} milestone(s), got {len(milestones)}: building it raises ValueError")]
    if any(b <= a for a, b in zip(milestones, milestones[1:])):
        return [Problem("milestones", "sequential", f"`SequentialLR` milestones {list(milestones)!r} are not increasing: torch bisects them as if sorted, so the schedulers switch at other epochs than written and some may never run")]
    return []
