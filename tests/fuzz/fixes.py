"""Generated code for the fix engine: training scripts with what lrlint can fix (verbose in every
position and layout, `step(epoch)`, `get_lr()`, unused and used directives), and the property
`--fix --unsafe-fixes` must keep: the result parses, loses exactly what was fixed, gains nothing,
has nothing fixable left, and a second pass changes nothing."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

from hypothesis import strategies as st

from lrlint.config import load_settings
from lrlint.fixing.engine import fix_bytes
from lrlint.fixing.edits import applicable
from lrlint.linter import lint_bytes
from tests.fuzz.properties import PropertyFailure
from tests.fuzz.strategies import Sample, training_scripts

SETTINGS = load_settings(Path.cwd(), {"isolated": True, "extend-select": ["LR100"]})
UNMASKED_BY_LR009 = ("LR005", "LR007", "LR014", "LR016")

_CLASSES = [
    ("StepLR", ["30", "step_size=30", "gamma=0.5"]),
    ("MultiStepLR", ["[30, 80]", "milestones=[30, 80]", "gamma=0.1"]),
    ("ExponentialLR", ["0.9", "gamma=0.9"]),
    ("ReduceLROnPlateau", ["'min'", "patience=3", "factor=0.5"]),
    ("CosineAnnealingLR", ["100", "T_max=100", "eta_min=0.0"]),
]
_COMMENTS = ["", "", "  # why", "  # noqa: LR001", "  # noqa", "  # lrlint: disable=LR004", "  # noqa: LR004  # note"]


@st.composite
def verbose_constructions(draw: st.DrawFn, name: str) -> list[str]:
    cls, options = draw(st.sampled_from(_CLASSES))
    args = [options[0]] if options[0][0].isdigit() or options[0][0] in "['" else []
    keywords = draw(st.lists(st.sampled_from([o for o in options if "=" in o]), unique=True, max_size=2))
    verbose = f"verbose={draw(st.sampled_from(['True', 'False', 'flag']))}"
    items = ["optimizer", *args, *keywords]
    items.insert(draw(st.integers(1 if args else len(items), len(items))) if draw(st.booleans()) else len(items), verbose)
    layout = draw(st.sampled_from(["line", "lines", "trailing-comma", "comments"]))
    comment = draw(st.sampled_from(_COMMENTS))
    if layout == "line":
        return [f"{name} = {cls}({', '.join(items)}){comment}"]
    inner = [f"    {item}," for item in items]
    if layout == "lines":
        inner[-1] = inner[-1].rstrip(",")
    if layout == "comments":
        inner = [line + draw(st.sampled_from(["", "  # a note"])) for line in inner]
    return [f"{name} = {cls}(", *inner, f"){comment}"]


@st.composite
def fixable_scripts(draw: st.DrawFn) -> str:
    """A generated training script with fixable constructions added at module level."""
    base = draw(training_scripts()).splitlines()
    lines = ["from torch.optim.lr_scheduler import ExponentialLR, MultiStepLR, StepLR, ReduceLROnPlateau, CosineAnnealingLR", *base, "flag = True"]
    for k in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["verbose", "verbose", "positional", "epoch", "get_lr", "directive"]))
        name = f"fixme{k}"
        comment = draw(st.sampled_from(_COMMENTS))
        if kind == "verbose":
            lines += draw(verbose_constructions(name))
        elif kind == "positional":
            lines.append(f"{name} = StepLR(optimizer, 30, 0.1, -1, {draw(st.sampled_from(['True', 'False']))}){comment}")
        elif kind == "epoch":
            lines.append(f"{name} = StepLR(optimizer, 30)")
            call = draw(st.sampled_from(["step(epoch)", "step(epoch=epoch)", "step( 3 )", "step(\n    epoch\n)"]))
            lines += ["for epoch in range(90):", "    optimizer.step()", *("    " + part for part in f"{name}.{call}{comment}".split("\n"))]
        elif kind == "get_lr":
            lines.append(f"{name} = ExponentialLR(optimizer, 0.9)")
            lines.append(draw(st.sampled_from([f"print({name}.get_lr()){comment}", f"lr = {name}.get_lr()[0]{comment}", f"log(f'{{{name}.get_lr()}}'){comment}"])))
        else:
            lines.append(draw(st.sampled_from(["x = 1  # noqa: LR003", "# lrlint: disable=LR002", "y = 2  # noqa", "z = 3  # noqa: LR004, F401", "w = 4  # noqa: LR099"])))
    return "\n".join(lines) + "\n"


def _codes(name: str, data: bytes, notebook: bool) -> tuple[Counter[str], list]:  # noqa: ANN401
    found = lint_bytes(name, data, lambda code: SETTINGS.is_enabled(code, Path(name)), notebook=notebook, torch_version=SETTINGS.torch_version).diagnostics
    return Counter(d.code for d in found), found


def fix_is_sound(sample: Sample) -> int:
    """The property; returns how many findings were fixed."""
    fixed, run = fix_bytes(sample.name, sample.data, SETTINGS, unsafe=True, notebook=sample.notebook)
    if fixed == sample.data:
        if run.fixed:
            raise PropertyFailure(f"counted {dict(run.fixed)} fixed without changing the file")
        return 0
    if not sample.notebook:
        try:
            ast.parse(fixed)
        except SyntaxError as exc:
            raise PropertyFailure(f"the fixed file does not parse: {exc}\n{fixed.decode(errors='replace')}") from None
    before, _ = _codes(sample.name, sample.data, sample.notebook)
    after, _ = _codes(sample.name, fixed, sample.notebook)
    done: Counter[str] = Counter()
    for (code, _, _), n in run.fixed.items():
        done[code] += n
    new = after - (before - done)
    if done["LR009"]:
        # Unmasked, not made: the loop rules do not read a `step(epoch)` call (its schedule is
        # torch's closed form), so what they say about the plain `step()` shows after LR009's fix.
        for code in UNMASKED_BY_LR009:
            new.pop(code, None)
            after[code] = min(after[code], (before - done)[code])
    if new:
        raise PropertyFailure(f"the fixes made new findings {dict(new)} (fixed {dict(done)})\n{fixed.decode(errors='replace')}")
    if after != before - done:
        raise PropertyFailure(f"a fix removed other findings: before {dict(before)}, fixed {dict(done)}, after {dict(after)}\n{fixed.decode(errors='replace')}")
    # What --fix leaves: nothing it could still apply (a fix it cannot place is not offered).
    left = [d for d in run.diagnostics if applicable(d.fix, "enabled")]
    if left:
        raise PropertyFailure(f"fixable findings left: {[(d.code, d.location.row) for d in left]}")
    again, second = fix_bytes(sample.name, fixed, SETTINGS, unsafe=True, notebook=sample.notebook)
    if again != fixed or second.fixed:
        raise PropertyFailure("a second pass changed the file")
    return sum(done.values())
