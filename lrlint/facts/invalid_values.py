"""Literal scheduler arguments torch rejects, or that defeat the schedule (LR013), as plain data.

One function reads a scheduler's literal arguments and says what torch does with each bad one; the
rule reports from it and its --verify judge recomputes it from the scenario, so the claim and its
check cannot drift apart. What each class accepts is data (`check`, `length` and `decay` in
rules/schedulers.toml, checked against the installed torch by the tests); what is said here holds
for every class with that trait.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from lrlint.catalogue import schedulers
from lrlint.signatures import Decay, SchedulerSignature, integer, number

# What happens at run time:
# "construct": an error when the scheduler is built; "zero-division": ZeroDivisionError at the
# first step; "lr-zero" / "lr-negative": the decay makes the rate 0 / negative; "at-construction":
# a decay applied while building, before the first epoch; "never": a milestone no epoch reaches;
# "sequential": SequentialLR's milestones misfit its schedulers (not rebuilt: its schedulers are
# not literals).
Outcome = Literal["construct", "zero-division", "lr-zero", "lr-negative", "at-construction", "never", "sequential"]


@dataclass(frozen=True)
class Problem:
    param: str
    outcome: Outcome
    message: str  # what torch does, for the finding (no final period)
    torch_text: str = ""  # the start of torch's error message, when it raises

    @property
    def key(self) -> str:
        """Which problem of a construction a finding is about (its scenario's `subject`)."""
        return f"{self.param}:{self.outcome}"


def _whole(value: Any) -> bool:
    # Ints are whole without a float conversion, which a literal past float range (10**400) overflows.
    return integer(value) or (isinstance(value, float) and value.is_integer())


def problems(
    cls: str, values: Mapping[str, Any], present: Collection[str], lengths: Mapping[str, int] | None = None, opaque: bool = False
) -> list[Problem]:
    """The bad literals of one construction. `values`: literal arguments by name; `present`:
    every argument given, literal or not; `opaque`: `*args`/`**kwargs` or extra positionals, which
    may supply what looks missing. Torch stops at the first value it rejects when building, so at
    most one "construct" problem is returned."""
    signature = schedulers().get(cls)
    if signature is None:
        return []
    found: list[Problem] = []
    if signature.decay is not None:
        found.extend(_decay(signature, signature.decay, values))
    found.extend(_checked(signature, values, present, opaque))
    if signature.composite and "milestones" in signature.param_names():
        found.extend(_sequential(values, lengths or {}))
    return found


def _decay(signature: SchedulerSignature, decay: Decay, values: Mapping[str, Any]) -> list[Problem]:
    cls = signature.name
    found: list[Problem] = []
    gamma = values.get("gamma")
    if number(gamma) and gamma <= 0:
        if gamma == 0:
            found.append(Problem("gamma", "lr-zero", f"`{cls}` with gamma={gamma!r} sets the learning rate to 0 at the first decay: nothing is learned after it"))
        else:
            found.append(Problem("gamma", "lr-negative", f"`{cls}` with gamma={gamma!r} makes the learning rate negative at the first decay: the optimizer then climbs the loss"))
    epochs = values.get(decay.param) if decay.kind == "at" and decay.param else None
    if isinstance(epochs, (list, tuple)) and epochs and all(number(m) for m in epochs):
        if any(m == 0 for m in epochs):
            found.append(Problem(decay.param, "at-construction", f"milestone 0 is reached while `{cls}` is built: the learning rate is decayed before the first epoch and the initial one is never used"))  # type: ignore[arg-type]
        unreachable = [m for m in epochs if m < 0 or not _whole(m)]
        if unreachable:
            shown = ", ".join(repr(m) for m in unreachable)
            many = len(unreachable) > 1
            found.append(Problem(decay.param, "never", f"milestone{'s' if many else ''} {shown} {'are' if many else 'is'} never reached ({cls} compares milestones with the whole epoch count): no decay happens there"))  # type: ignore[arg-type]
    return found


def _checked(signature: SchedulerSignature, values: Mapping[str, Any], present: Collection[str], opaque: bool) -> list[Problem]:
    """The table's value checks, in parameter order; the length parameters only when torch uses them."""
    skipped: set[str] = set()
    found: list[Problem] = []
    length = signature.length
    if length is not None:
        def given(name: str) -> bool:
            return name in present and not (name in values and values[name] is None)

        used = next((alternative for alternative in length.alternatives if all(given(n) for n in alternative)), None)
        skipped = {name for alternative in length.alternatives for name in alternative} - set(used or ())
        if used is None and not opaque:  # *args / **kwargs may hold them
            found.append(Problem(length.anchor, "construct", f"`{signature.name}` without {_alternatives(length.alternatives)}: building it raises {length.raises.split(':')[0]} ({length.why})", length.raises))
    for param in signature.params:
        check = param.check
        if check is None or param.name in skipped or param.name not in values:
            continue
        value = values[param.name]
        if check.holds(value) is not False:
            continue
        if check.at_step:
            why = f" ({check.why})" if check.why else ""
            message = f"`{signature.name}` with {param.name}={value!r}: the first `scheduler.step()` raises {check.error}{why}"
            found.append(Problem(param.name, "zero-division", message, check.torch_text(value)))
        else:
            message = f"`{signature.name}` with {param.name}={value!r}: building it raises {check.error} ({check.why})"
            found.append(Problem(param.name, "construct", message, check.torch_text(value)))
    constructs = [p for p in found if p.outcome == "construct"]
    return [p for p in found if p.outcome != "construct" or p is constructs[0]]


def _alternatives(alternatives: tuple[tuple[str, ...], ...]) -> str:
    """`total_steps` nor both `epochs` and `steps_per_epoch`."""
    parts = []
    for names in alternatives:
        quoted = [f"`{n}`" for n in names]
        parts.append(quoted[0] if len(quoted) == 1 else "both " + " and ".join(quoted))
    return " nor ".join(parts)


def _sequential(values: Mapping[str, Any], lengths: Mapping[str, int]) -> list[Problem]:
    milestones = values.get("milestones")
    if not isinstance(milestones, (list, tuple)) or not all(number(m) for m in milestones):
        return []
    count = lengths.get("schedulers")
    if count is not None and count >= 1 and len(milestones) != count - 1:
        return [Problem("milestones", "sequential", f"`SequentialLR` with {count} schedulers needs {count - 1} milestone(s), got {len(milestones)}: building it raises ValueError")]
    if any(b <= a for a, b in zip(milestones, milestones[1:])):
        return [Problem("milestones", "sequential", f"`SequentialLR` milestones {list(milestones)!r} are not increasing: torch bisects them as if sorted, so the schedulers switch at other epochs than written and some may never run")]
    return []
