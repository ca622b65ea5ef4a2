"""Hypothesis strategies for fuzzing lrlint: generated training scripts and mutated inputs.

`training_scripts()` writes realistic scheduler-using code (every import spelling lrlint resolves,
literal arguments valid and invalid, epoch/batch loops, AMP, conditions, functions, classes).
Each scheduler construction whose arguments are all literals carries the LR001-LR004 codes an
independent oracle (`expected_codes`) predicts, and the verdict `--verify` must give, as
`# expect:` annotations in the format of tests/helpers.py.

`inputs()` draws what a linter meets in the wild: those scripts or the bundled fixtures, mutated
(truncation, byte flips, odd encodings, deep nesting, huge literals, Python 2 syntax, NUL bytes,
line endings, tabs), and notebooks (valid nbformat 4, broken, nested, huge numbers, surrogates).
Huge inputs are built from small draws, so hypothesis shrinks them to the smallest case.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from hypothesis import strategies as st

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
FIXTURE_FILES: list[Path] = sorted(FIXTURES.rglob("*.py"))
DECAYING = ("StepLR", "MultiStepLR", "ExponentialLR")
OTHERS = ("CosineAnnealingLR", "ReduceLROnPlateau", "LinearLR", "ConstantLR")


@dataclass(frozen=True)
class Sample:
    """One input for lrlint: a file name (its suffix decides .py or notebook) and its bytes."""

    name: str
    data: bytes

    @property
    def notebook(self) -> bool:
        return self.name.endswith(".ipynb")


# --- literal values -----------------------------------------------------------------------


class Lit:
    """A literal as written in the source, with the Python value lrlint should read from it."""

    def __init__(self, text: str, value: Any) -> None:
        self.text, self.value = text, value

    def __repr__(self) -> str:
        return self.text


def _int_lit(value: int) -> Lit:
    return Lit(str(value), value)


def _float_lit(value: float) -> Lit:
    return Lit(repr(value), value)


def _seq_lit(items: list[Lit], tuple_form: bool) -> Lit:
    inner = ", ".join(i.text for i in items)
    if tuple_form:
        return Lit(f"({inner}{',' if len(items) == 1 else ''})", tuple(i.value for i in items))
    return Lit(f"[{inner}]", [i.value for i in items])


small_ints = st.integers(min_value=1, max_value=300)
# 10**12 and 10**18 as written digits: bounded arithmetic in torch, but a trap for naive loops.
huge_ints = st.sampled_from([10**6, 10**9, 10**12, 10**18, 2**63 - 1])
ints = st.one_of(small_ints.map(_int_lit), huge_ints.map(_int_lit), st.just(_int_lit(0)))
decaying_gammas = st.floats(min_value=0.01, max_value=0.99).map(lambda g: round(g, 3)).map(_float_lit)
growing_gammas = st.one_of(
    st.sampled_from([1.5, 2.0, 10.0, 1.01]).map(_float_lit),
    st.sampled_from([2, 10]).map(_int_lit),
    st.sampled_from([1e308, 1e10]).map(_float_lit),
)
gammas = st.one_of(
    decaying_gammas,
    growing_gammas,
    st.sampled_from([Lit("1", 1), Lit("1.0", 1.0), Lit("0.1", 0.1), Lit("0", 0), Lit("-0.5", -0.5)]),
)


@st.composite
def milestone_lists(draw: st.DrawFn) -> Lit:
    """Sorted, repeated, unsorted, float or huge milestones; as a list or a tuple."""
    kind = draw(st.sampled_from(["sorted", "repeat", "unsorted", "floats", "huge", "single"]))
    if kind == "single":
        values: list[Any] = [draw(small_ints)]
    elif kind == "huge":
        values = sorted(draw(st.lists(huge_ints, min_size=1, max_size=3, unique=True)))
    else:
        values = sorted(draw(st.lists(small_ints, min_size=2, max_size=6, unique=True)))
        if kind == "repeat":
            at = draw(st.integers(0, len(values) - 1))
            values.insert(at, values[at])
        elif kind == "unsorted":
            shuffled = draw(st.permutations(values))
            values = list(shuffled) if list(shuffled) != values else values[::-1]
        elif kind == "floats":
            values = [v + 0.5 for v in draw(st.permutations(values))]
    items = [_float_lit(v) if isinstance(v, float) else _int_lit(v) for v in values]
    return _seq_lit(items, draw(st.booleans()))


# --- scheduler constructions and their oracle ------------------------------------------------

# (parameter names in order after the optimizer) of the torch signatures lrlint binds with.
SIGNATURES = {
    "StepLR": ("step_size", "gamma", "last_epoch"),
    "MultiStepLR": ("milestones", "gamma", "last_epoch"),
    "ExponentialLR": ("gamma", "last_epoch"),
}


@dataclass(frozen=True)
class Construction:
    cls: str
    args: tuple[tuple[str, Lit], ...]  # (parameter or keyword name, value), in call order
    positional: int  # how many of `args` are written positionally
    extra: str = ""  # an unknown keyword, written last

    def call(self, ref: str, optimizer: str) -> str:
        parts = [optimizer]
        for i, (name, lit) in enumerate(self.args):
            parts.append(lit.text if i < self.positional else f"{name}={lit.text}")
        if self.extra:
            parts.append(self.extra)
        return f"{ref}({', '.join(parts)})"


@st.composite
def constructions(draw: st.DrawFn) -> Construction:
    cls = draw(st.sampled_from(DECAYING))
    params = SIGNATURES[cls]
    args: list[tuple[str, Lit]] = []
    wrong = draw(st.sampled_from(["none", "none", "swap", "shape"]))
    if cls == "StepLR":
        if wrong == "swap":  # LR001: milestones given to StepLR
            args.append(("milestones", draw(milestone_lists())))
        elif wrong == "shape":  # LR001: a milestone list as the step size
            args.append(("step_size", draw(milestone_lists())))
        else:
            args.append(("step_size", draw(ints)))
    elif cls == "MultiStepLR":
        if wrong == "swap":  # LR002: step_size given to MultiStepLR
            args.append(("step_size", draw(ints)))
        elif wrong == "shape":  # LR002: an int as the milestones
            args.append(("milestones", draw(ints)))
        else:
            args.append(("milestones", draw(milestone_lists())))
    if draw(st.booleans()) or cls == "ExponentialLR":
        args.append(("gamma", draw(gammas)))
    # Positional only while the names follow the signature's order.
    positional = 0
    for i, (name, _) in enumerate(args):
        if i < len(params) and params[i] == name and draw(st.booleans()):
            positional += 1
        else:
            break
    extra = draw(st.sampled_from(["", "", "", "", "", "", "foo=1", "verbose=False"]))
    return Construction(cls, tuple(args), positional, extra)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def expected_codes(c: Construction) -> dict[str, str]:
    """The LR001-LR004 findings lrlint must report for a literal construction, each with the
    verdict --verify should give (tests/test_differential.py's conventions: an unsorted list
    without repeats is `confirmed`: torch sorts it silently, as the message says; `inconclusive`
    when the run reaches none of its milestones). `inconclusive` where torch cannot
    show the effect: the construction raises first (an unknown keyword, which Python reports
    before the body runs) or the first step does (`step_size=0`, a list as `step_size`)."""
    values = dict(c.args)
    raises_at_build = bool(c.extra) or (c.cls == "StepLR" and "milestones" in values) or (
        c.cls == "MultiStepLR" and "step_size" in values
    )
    step_size = values["step_size"].value if c.cls == "StepLR" and "step_size" in values else 1
    raises_at_step = isinstance(step_size, (list, tuple)) or step_size == 0
    found: dict[str, str] = {}
    if c.cls == "StepLR":
        if "milestones" in values:  # the first unexpected keyword in call order: torch names it
            found["LR001"] = "confirmed"
        elif isinstance(step_size, (list, tuple)):
            found["LR001"] = "inconclusive" if raises_at_build else "confirmed"
    if c.cls == "MultiStepLR":
        if "step_size" in values:
            found["LR002"] = "confirmed"
        elif _number(values["milestones"].value):
            found["LR002"] = "inconclusive" if raises_at_build else "confirmed"
        milestones = values.get("milestones")
        if milestones is not None and isinstance(milestones.value, (list, tuple)):
            ms = milestones.value
            if not all(a < b for a, b in zip(ms, ms[1:])):
                reached = any(isinstance(m, int) and m > 0 for m in ms)
                verdict = "confirmed" if len(set(ms)) < len(ms) or reached else "inconclusive"
                found["LR003"] = "inconclusive" if raises_at_build else verdict
    gamma = values.get("gamma")
    if gamma is not None and _number(gamma.value) and gamma.value >= 1:  # grows, or (== 1) never decays
        found["LR004"] = "inconclusive" if raises_at_build or raises_at_step else "confirmed"
    return found


# --- training scripts ---------------------------------------------------------------------

# How the script imports the scheduler class and refers to it: (import lines, reference); an
# alias is numbered, so that two constructions never rebind each other's name.
IMPORTS: list[Callable[[str, int], tuple[str, str]]] = [
    lambda cls, k: (f"from torch.optim.lr_scheduler import {cls}\n", cls),
    lambda cls, k: (f"from torch.optim.lr_scheduler import {cls} as S{k}\n", f"S{k}"),
    lambda cls, k: ("import torch.optim.lr_scheduler as sched\n", f"sched.{cls}"),
    lambda cls, k: ("", f"torch.optim.lr_scheduler.{cls}"),
    lambda cls, k: ("from torch.optim import lr_scheduler\n", f"lr_scheduler.{cls}"),
    lambda cls, k: ("from torch import optim\n", f"optim.lr_scheduler.{cls}"),
]


def annotate(line: str, codes: dict[str, str]) -> str:
    if not codes:
        return line
    items = ", ".join(code if v == "confirmed" else f"{code} [{v}]" for code, v in sorted(codes.items()))
    return f"{line}  # expect: {items}"


@st.composite
def loop_body(draw: st.DrawFn, indent: str, sched: str, opt: str) -> list[str]:
    """An epoch loop with an optional batch loop; the scheduler step before or after the
    optimizer step (or `scaler.step`), maybe under a condition."""
    n = draw(st.sampled_from(["10", "3", "100", "0", "args.epochs", "10**9"]))
    lines = [f"{indent}for epoch in range({n}):"]
    inner = indent + "    "
    optimizer_step = draw(st.sampled_from([f"{opt}.step()", f"scaler.step({opt})", f"{opt}.step(closure)"]))
    scheduler_step = draw(st.sampled_from([f"{sched}.step()", f"{sched}.step()", f"{sched}.step(epoch)"]))
    where = draw(st.sampled_from(["epoch_end", "epoch_start", "per_batch", "per_batch_first"]))
    condition = draw(st.sampled_from(["", "", f"if {sched} is not None:", "if epoch > 0:", "if args.step:"]))

    def step(prefix: str) -> list[str]:
        if condition:
            return [prefix + condition, prefix + "    " + scheduler_step]
        return [prefix + scheduler_step]

    if where == "epoch_start":
        lines += step(inner)
    lines.append(f"{inner}for inputs, targets in loader:")
    batch = inner + "    "
    if where == "per_batch_first":
        lines += step(batch)
    lines += [
        f"{batch}{opt}.zero_grad()",
        f"{batch}loss = criterion(model(inputs), targets)",
        f"{batch}loss.backward()",
        f"{batch}{optimizer_step}",
    ]
    if optimizer_step.startswith("scaler"):
        lines.append(f"{batch}scaler.update()")
    if where == "per_batch":
        lines += step(batch)
    if where == "epoch_end":
        lines += step(inner)
    return lines


@st.composite
def training_scripts(draw: st.DrawFn, literal_only: bool = False) -> str:
    """A training script building one to three schedulers; literal constructions are annotated
    with the findings the oracle expects."""
    header = ["import torch", "import torch.nn as nn"]
    body: list[str] = []
    count = draw(st.integers(1, 3))
    imports: list[str] = []
    shape = draw(st.sampled_from(["module", "function", "class"]))
    indent = {"module": "", "function": "    ", "class": "        "}[shape]
    opt = "self.optimizer" if shape == "class" else "optimizer"
    setup = [
        f"{indent}model = nn.Linear(4, 2)",
        f"{indent}{opt} = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)",
        f"{indent}criterion = nn.MSELoss()",
        f"{indent}scaler = torch.cuda.amp.GradScaler()",
    ]
    body += setup
    for k in range(count):
        c = draw(constructions())
        import_line, ref = draw(st.sampled_from(IMPORTS))(c.cls, k)
        imports.append(import_line)
        sched = ("self." if shape == "class" else "") + f"scheduler{k}"
        codes = expected_codes(c)
        hoist = not literal_only and draw(st.integers(0, 4)) == 0
        if hoist and c.args:  # a module constant bound once to the literal is followed
            name, lit = c.args[0]
            const = f"CONST_{k}_{name.upper()}"
            header.append(f"{const} = {lit.text}")
            c = Construction(c.cls, ((name, Lit(const, lit.value)),) + c.args[1:], c.positional, c.extra)
        body.append(annotate(f"{indent}{sched} = {c.call(ref, opt)}", codes))
        if not literal_only and draw(st.booleans()):
            body += draw(loop_body(indent, sched, opt))
    lines = header[:2] + sorted(set(imports), key=imports.index) + header[2:] + ["", "loader = []", ""]
    if shape == "function":
        lines += ["def main(args=None):"] + body + ["", "if __name__ == '__main__':", "    main()"]
    elif shape == "class":
        lines += ["class Trainer:", "    def fit(self, args=None):"] + body
    else:
        lines += ["class args:", "    epochs = 3", "    step = True", ""] + body
    return "\n".join(lines) + "\n"


def hypothesmith_scripts() -> st.SearchStrategy[str]:
    """Random valid Python from the grammar (hypothesmith), with a scheduler import in front so
    that lrlint's prefilter lets it through to the analysis."""
    import hypothesmith

    head = "from torch.optim.lr_scheduler import StepLR, MultiStepLR\nimport torch.optim.lr_scheduler as sched\n"
    return hypothesmith.from_grammar().map(lambda code: head + code)


# --- mutators -----------------------------------------------------------------------------


def _seed_texts() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.sampled_from(FIXTURE_FILES).map(lambda p: p.read_bytes()),
        training_scripts().map(lambda s: s.encode()),
    )


Mutator = Callable[[bytes], bytes]


@st.composite
def mutators(draw: st.DrawFn) -> Mutator:
    kind = draw(
        st.sampled_from(
            ["truncate", "flip", "latin1", "latin1_cookie", "utf16", "surrogate", "nesting", "huge",
             "python2", "nul", "crlf", "cr", "tabs", "none"]
        )
    )
    if kind == "truncate":
        frac = draw(st.floats(0, 1))
        return lambda b: b[: int(len(b) * frac)]
    if kind == "flip":
        flips = draw(st.lists(st.tuples(st.floats(0, 1), st.integers(1, 255)), min_size=1, max_size=8))

        def flip(b: bytes) -> bytes:
            out = bytearray(b)
            for where, mask in flips:
                if out:
                    i = min(int(where * len(out)), len(out) - 1)
                    out[i] ^= mask
            return bytes(out)

        return flip
    if kind in ("latin1", "latin1_cookie"):
        cookie = b"# -*- coding: latin-1 -*-\n" if kind == "latin1_cookie" else b""
        return lambda b: cookie + b"# caf\xe9 na\xefve\n" + b.replace(b"lr=0.1", b"lr=0.1  # \xb5")
    if kind == "utf16":
        return lambda b: b.decode("utf-8", "surrogateescape").encode("utf-16", "surrogatepass")
    if kind == "surrogate":
        # A lone surrogate written back with surrogateescape: an undecodable byte in the file.
        return lambda b: b + "x = '\udcff\udc80'\n".encode("utf-8", "surrogateescape")
    if kind == "nesting":
        return draw(nesting())
    if kind == "huge":
        return draw(huge_literals())
    if kind == "python2":
        snippet = draw(st.sampled_from([b'print "x"\n', b"try:\n    pass\nexcept E, e:\n    pass\n",
                                        b"exec 'x = 1'\n", b"x = 0777L\n", b"print >>f, x\n", b"x = `y`\n"]))
        where = draw(st.floats(0, 1))
        return lambda b: _insert(b, snippet, where)
    if kind == "nul":
        return lambda b: b[: len(b) // 2] + b"\x00" + b[len(b) // 2 :]
    if kind == "crlf":
        return lambda b: b.replace(b"\n", b"\r\n")
    if kind == "cr":
        return lambda b: b.replace(b"\n", b"\r")
    if kind == "tabs":
        return lambda b: b.replace(b"    ", b"\t")
    return lambda b: b


def _insert(data: bytes, snippet: bytes, where: float) -> bytes:
    lines = data.splitlines(keepends=True)
    at = int(len(lines) * where)
    return b"".join(lines[:at]) + snippet + b"".join(lines[at:])


@st.composite
def nesting(draw: st.DrawFn) -> Mutator:
    """Deep nesting appended at module level: parens, operator chains, `and` chains, lambdas,
    attribute and call chains; on one line or split across lines inside brackets."""
    kind = draw(st.sampled_from(["parens", "binop", "and", "lambda", "attr", "call", "unary", "not", "strings"]))
    n = draw(st.sampled_from({"parens": [100, 200, 1000, 5000], "binop": [1000, 10_000], "and": [1000, 8000],
                               "lambda": [100, 900, 3000], "attr": [1000, 9000], "call": [1000, 6000],
                               "unary": [1000, 9000], "not": [1000, 5000], "strings": [1000, 5000]}[kind]))
    split = draw(st.booleans())
    sep = "\n" if split else ""
    expr = {
        "parens": "(" * n + "1" + ")" * n,
        "binop": "(" + f" +{sep}".join(["1"] * n) + ")",
        "and": "(" + f" and{sep} ".join(["a"] * n) + ")",
        "lambda": "lambda: " * n + "1",
        "attr": "a" + ".b" * n,
        "call": "f" + "(1)" * n,
        "unary": "-" * n + "1",
        "not": "not " * n + "y",
        "strings": "(" + f"{sep or ' '}".join(["'a'"] * n) + ")",
    }[kind]
    line = f"x = {expr}\n".encode()
    return lambda b: b + line


@st.composite
def huge_literals(draw: st.DrawFn) -> Mutator:
    """An int literal of thousands of digits, a 100,000-element list, a huge milestone list."""
    kind = draw(st.sampled_from(["int", "list", "milestones", "gamma", "step_size"]))
    digits = draw(st.sampled_from([4300, 4301, 5000]))
    size = draw(st.sampled_from([10_000, 100_000]))
    snippet = {
        "int": f"BIG = {'9' * digits}\n",
        "list": f"TABLE = [{', '.join(['1'] * size)}]\n",
        "milestones": "import torch.optim.lr_scheduler as _s\n"
        f"_s.MultiStepLR(optimizer, milestones=[{', '.join(str(i) for i in range(size))}])\n",
        "gamma": "import torch.optim.lr_scheduler as _s\n_s.ExponentialLR(optimizer, gamma=1e308)\n",
        "step_size": f"import torch.optim.lr_scheduler as _s\n_s.StepLR(optimizer, step_size={'9' * digits})\n",
    }[kind]
    return lambda b: b + snippet.encode()


@st.composite
def mutated_sources(draw: st.DrawFn) -> Sample:
    data = draw(_seed_texts())
    for mutate in draw(st.lists(mutators(), min_size=1, max_size=3)):
        data = mutate(data)
    return Sample("mutated.py", data)


# --- notebooks ----------------------------------------------------------------------------


def notebook_json(cells: list[str], language: str = "python") -> bytes:
    doc = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"language_info": {"name": language}},
        "cells": [
            {"cell_type": "code", "metadata": {}, "source": cell.splitlines(keepends=True),
             "outputs": [], "execution_count": None}
            for cell in cells
        ],
    }
    return json.dumps(doc).encode()


@st.composite
def notebooks(draw: st.DrawFn) -> Sample:
    """Valid nbformat 4 with generated or fixture cells (magics included), or broken JSON."""
    text = draw(st.one_of(training_scripts(), st.sampled_from(FIXTURE_FILES).map(lambda p: p.read_text("utf-8"))))
    lines = text.splitlines(keepends=True)
    cuts = sorted(draw(st.lists(st.integers(0, len(lines)), max_size=4)))
    cells = [("".join(lines[a:b])) for a, b in zip([0, *cuts], [*cuts, len(lines)])]
    if draw(st.booleans()):
        cells.insert(0, draw(st.sampled_from(["%matplotlib inline\n", "!pip install torch\n", "%%bash\necho hi\n",
                                              "x = !ls\n", "model?\n", "%%time\nimport torch\n"])))
    data = notebook_json(cells)
    kind = draw(st.sampled_from(["valid", "valid", "truncate", "deep", "bigint", "surrogate", "cell_nesting",
                                 "not_object", "nbformat3", "bad_source"]))
    if kind == "truncate":
        data = data[: int(len(data) * draw(st.floats(0, 1)))]
    elif kind == "deep":
        depth = draw(st.sampled_from([500, 1000, 100_000]))
        data = data[:-1] + b', "deep": ' + b"[" * depth + b"]" * depth + b"}"
    elif kind == "bigint":
        data = data[:-1] + b', "n": ' + b"7" * draw(st.sampled_from([4300, 4301, 5000])) + b"}"
    elif kind == "surrogate":
        data = data.replace(b"optimizer", b"optimizer\\ud800", 1) if b"optimizer" in data else data[:-1] + b', "x": "\\ud800"}'
    elif kind == "cell_nesting":
        data = notebook_json(cells + ["import torch.optim.lr_scheduler\nx = " + " and ".join(["a"] * 8000) + "\n"])
    elif kind == "not_object":
        data = b"[1, 2, 3]"
    elif kind == "nbformat3":
        data = data.replace(b'"nbformat": 4', b'"nbformat": 3')
    elif kind == "bad_source":
        data = data.replace(b'"source": [', b'"source": [1, ', 1)
    return Sample("notebook.ipynb", data)


def inputs() -> st.SearchStrategy[Sample]:
    """Everything: generated scripts as they are, mutated sources, notebooks."""
    return st.one_of(
        training_scripts().map(lambda s: Sample("train.py", s.encode())),
        mutated_sources(),
        notebooks(),
    )
