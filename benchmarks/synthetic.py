"""A deterministic synthetic corpus for benchmarks/run.py: ordinary modules and training scripts.

Most files are ordinary code (models, utils, data) that never mention `lr_scheduler`; about 6%
are training scripts that use `torch.optim.lr_scheduler`, half of them correctly and half with
one of the bugs lrlint looks for. Each training script's expected codes are returned in a
manifest so the benchmark can report what lrlint found. Nothing here imports torch: the files
are written, never run.

Everything is derived from the seed: the same (seed, files) always writes the same bytes.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from pathlib import Path

TRAINING_SHARE = 0.06
SHORT_RANGE = (50, 800)  # lines of an ordinary module, drawn log-uniform (median ~200)
TRAIN_RANGE = (150, 700)
LONG_RANGE = (2000, 3200)

WORDS = (
    "anchor batch block box buffer cache channel config count depth embed epoch feature grid head "
    "hidden image index input item kernel key label layer logit loss mask metric name norm offset "
    "output patch path pool prob query ratio record root sample scale score shape size span stage "
    "state stats step stride target token total value weight width window"
).split()
NOUNS = ("Encoder Decoder Block Head Neck Backbone Stem Adapter Projector Mixer Router Pooler "
         "Sampler Collator Reader Writer Registry Tracker Meter Builder Loader Cache").split()

# The seeded variants, in the order they are handed out: buggy and correct alternate, so even a
# tiny corpus holds a bug. `expect` is what lrlint should report for the file ("" = nothing).
VARIANTS: tuple[tuple[str, str], ...] = (
    ("LR001_steplr_milestones", "LR001"),
    ("ok_steplr_after_helper", ""),
    ("LR005_step_at_epoch_start", "LR005"),
    ("ok_multistep_after_inline", ""),
    ("LR002_multisteplr_step_size", "LR002"),
    ("ok_onecycle_scaler_per_iteration", ""),
    ("LR005_step_then_train_helper", "LR005"),
    ("ok_non_literal_args", ""),
    ("LR003_repeated_milestones", "LR003"),
    ("ok_exponential_after_helper", ""),
    ("LR004_gamma_10", "LR004"),
    ("ok_cosine_after_inline", ""),
)


@dataclass(frozen=True)
class SeededFile:
    path: str
    variant: str
    expect: str  # the code lrlint should report, "" when the file is correct
    lines: int


@dataclass(frozen=True)
class Corpus:
    root: Path
    files: int
    training: list[SeededFile]


def generate(root: Path, files: int = 2000, seed: int = 13) -> Corpus:
    """Write `files` Python files under `root` (created if needed)."""
    plan_rng = random.Random(f"plan:{seed}")
    n_train = max(1, round(files * TRAINING_SHARE)) if files >= 10 else min(files, 1)
    n_long = files // 400  # "a few" 2,000+ line files: 5 in 2,000
    kinds = ["train"] * n_train + ["module"] * (files - n_train)
    plan_rng.shuffle(kinds)
    # Long files: alternately training scripts and modules (the long training scripts are the
    # expensive case for lrlint, long modules for everyone else).
    long_idx: set[int] = set()
    train_pos = [i for i, k in enumerate(kinds) if k == "train"]
    module_pos = [i for i, k in enumerate(kinds) if k == "module"]
    for j in range(n_long):
        pool = train_pos if j % 2 == 0 else module_pos
        if pool:
            long_idx.add(pool[(j * 7919) % len(pool)])
    projects = max(1, files // 250)
    training: list[SeededFile] = []
    n_variant = 0
    for i, kind in enumerate(kinds):
        rng = random.Random(f"file:{seed}:{i}")
        project = root / f"project_{i % projects:02d}"
        if kind == "train":
            variant, expect = VARIANTS[n_variant % len(VARIANTS)]
            n_variant += 1
            target = _draw(rng, LONG_RANGE if i in long_idx else TRAIN_RANGE)
            text = _training_script(rng, variant, target)
            sub = rng.choice(("tools", "scripts", "examples"))
            path = project / sub / f"train_{rng.choice(WORDS)}_{i:05d}.py"
        else:
            sub = rng.choice(("models", "models", "utils", "utils", "data", "ops", "evaluation"))
            target = _draw(rng, LONG_RANGE if i in long_idx else SHORT_RANGE)
            text = _module(rng, sub, target)
            path = project / "src" / sub / f"{rng.choice(WORDS)}_{rng.choice(WORDS)}_{i:05d}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if kind == "train":
            training.append(SeededFile(str(path), variant, expect, text.count("\n")))
    return Corpus(root, files, training)


def _draw(rng: random.Random, bounds: tuple[int, int]) -> int:
    lo, hi = bounds
    return int(math.exp(rng.uniform(math.log(lo), math.log(hi))))


# ---------------------------------------------------------------------------------------------
# Ordinary code: valid, varied, realistic-looking statements. None of it mentions lr_scheduler.


class _Writer:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.lines: list[str] = []

    def add(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text if text else "")

    def __len__(self) -> int:
        return len(self.lines)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _name(rng: random.Random, parts: int = 2) -> str:
    return "_".join(rng.choice(WORDS) for _ in range(parts))


def _expr(rng: random.Random, names: list[str]) -> str:
    a, b = rng.choice(names), rng.choice(names)
    w, k = rng.choice(WORDS), rng.randint(1, 512)
    forms = (
        f"{a} + {b}",
        f"{a} * {k}",
        f"({a} - {b}) / max({b}, 1e-6)",
        f"len({a})",
        f"{a}.get({w!r}, {k})",
        f"[x * {k} for x in {a}]",
        f"{{k: v for k, v in {a}.items() if v is not None}}",
        f"{{{w!r}: {a}, 'count': {k}}}",
        f"max({a}, {b})",
        f"os.path.join({a}, '{w}_{k}.json')",
        f"f'{w}_{{{a}}}_{{{b}:.3f}}'",
        f"sorted({a}, key=lambda item: item[{k % 3}])",
        f"{a} if {b} is None else {b}",
        f"math.sqrt(abs({a})) * {k / 7:.4f}",
        f"tuple(int(v) for v in str({a}).split(','))",
    )
    return rng.choice(forms)


def _statements(w: _Writer, indent: int, names: list[str], budget: int, depth: int = 0) -> None:
    rng = w.rng
    done = 0
    while done < budget:
        done += 1
        roll = rng.random()
        if depth < 3 and roll < 0.14:
            a = rng.choice(names)
            w.add(indent, f"if {a} is not None and len(str({a})) > {rng.randint(1, 64)}:")
            _statements(w, indent + 1, names, rng.randint(1, 3), depth + 1)
            if rng.random() < 0.5:
                w.add(indent, "else:")
                _statements(w, indent + 1, names, rng.randint(1, 2), depth + 1)
        elif depth < 3 and roll < 0.26:
            var = rng.choice(("item", "entry", "row", "chunk", "part"))
            w.add(indent, f"for idx, {var} in enumerate({rng.choice(names)}):")
            _statements(w, indent + 1, names + [var, "idx"], rng.randint(1, 4), depth + 1)
        elif depth < 2 and roll < 0.32:
            w.add(indent, "try:")
            _statements(w, indent + 1, names, rng.randint(1, 3), depth + 1)
            w.add(indent, "except (KeyError, ValueError, TypeError) as exc:")
            w.add(indent + 1, f'logger.warning("{rng.choice(WORDS)} failed: %s", exc)')
        elif roll < 0.36:
            w.add(indent, f'with open({rng.choice(names)}, "r", encoding="utf-8") as fh:')
            new = _name(rng)
            w.add(indent + 1, f"{new} = json.load(fh)")
            names.append(new)
        elif roll < 0.42:
            w.add(indent, f'logger.info("{rng.choice(WORDS)} %s -> %s", {rng.choice(names)}, {rng.choice(names)})')
        elif roll < 0.46:
            w.add(indent, f"# {rng.choice(WORDS)} {rng.choice(WORDS)} is kept for {rng.choice(WORDS)} {rng.choice(WORDS)}")
            done -= 1  # a comment is not a statement: a block of only comments would not parse
        elif roll < 0.50:
            w.add(indent, f"{rng.choice(names)} += {rng.randint(1, 9)}")
        elif roll < 0.53:
            w.add(indent, f"assert {rng.choice(names)} is not None, \"{rng.choice(WORDS)} must be set\"")
        else:
            new = _name(rng)
            w.add(indent, f"{new} = {_expr(rng, names)}")
            names.append(new)


def _function(w: _Writer, indent: int, method: bool = False) -> None:
    rng = w.rng
    params = [_name(rng, 1) + f"_{j}" for j in range(rng.randint(1, 4))]
    hints = [rng.choice(("int", "float", "str", "list", "dict", "Optional[int]", "Any")) for _ in params]
    sig = ", ".join(f"{p}: {h}" for p, h in zip(params, hints))
    if method:
        sig = "self, " + sig
    if rng.random() < 0.15:
        w.add(indent, "@torch.no_grad()" if method else rng.choice(("@torch.no_grad()", "@functools.lru_cache(maxsize=None)")))
    w.add(indent, f"def {_name(rng)}({sig}) -> {rng.choice(('Any', 'dict', 'float', 'None', 'list'))}:")
    w.add(indent + 1, f'"""{rng.choice(WORDS).capitalize()} the {rng.choice(WORDS)} of each {rng.choice(WORDS)}.')
    for _ in range(rng.randint(0, 3)):
        w.add(indent + 1, f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(WORDS)}.")
    w.add(indent + 1, '"""')
    names = list(params) + (["self.config"] if method else [])
    _statements(w, indent + 1, names, rng.randint(3, 14))
    w.add(indent + 1, f"return {rng.choice(names)}")
    w.add(0, "")


def _nn_module(w: _Writer) -> None:
    rng = w.rng
    cls = rng.choice(NOUNS) + rng.choice(NOUNS)
    dim = rng.choice((64, 128, 256, 384, 512, 768))
    w.add(0, f"class {cls}(nn.Module):")
    w.add(1, f'"""{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} module."""')
    w.add(0, "")
    w.add(1, f"def __init__(self, dim: int = {dim}, depth: int = {rng.randint(1, 12)}, dropout: float = 0.{rng.randint(0, 5)}) -> None:")
    w.add(2, "super().__init__()")
    w.add(2, "self.config = {'dim': dim, 'depth': depth}")
    for j in range(rng.randint(2, 6)):
        layer = rng.choice((
            "nn.Linear(dim, dim)", f"nn.Conv2d(dim, dim, kernel_size={rng.choice((1, 3, 5))}, padding={rng.choice((0, 1, 2))})",
            "nn.LayerNorm(dim)", "nn.Dropout(dropout)", "nn.GELU()",
            "nn.ModuleList([nn.Linear(dim, dim) for _ in range(depth)])",
        ))
        w.add(2, f"self.{rng.choice(WORDS)}_{j} = {layer}")
    w.add(0, "")
    w.add(1, "def forward(self, x: torch.Tensor, mask: Optional[torch.Tensor] = None) -> torch.Tensor:")
    for _ in range(rng.randint(3, 10)):
        w.add(2, rng.choice((
            "x = F.gelu(x) + x", "x = x * torch.sigmoid(x)", "x = torch.cat([x, x.mean(dim=1, keepdim=True)], dim=1)[:, :-1]",
            "x = x.masked_fill(mask == 0, 0.0) if mask is not None else x", "x = F.dropout(x, p=0.1, training=self.training)",
            "x = x.flatten(1).view_as(x)", "x = x / (x.norm(dim=-1, keepdim=True) + 1e-6)",
        )))
    w.add(2, "return x")
    w.add(0, "")
    for _ in range(rng.randint(0, 2)):
        _function(w, 1, method=True)
    w.add(0, "")


def _dataset(w: _Writer) -> None:
    rng = w.rng
    cls = rng.choice(NOUNS) + "Dataset"
    w.add(0, f"class {cls}(torch.utils.data.Dataset):")
    w.add(1, "def __init__(self, root: str, split: str = \"train\", transform: Optional[Any] = None) -> None:")
    w.add(2, "self.root = root")
    w.add(2, "self.transform = transform")
    w.add(2, "with open(os.path.join(root, f\"{split}.json\"), encoding=\"utf-8\") as fh:")
    w.add(3, "self.records = json.load(fh)")
    w.add(0, "")
    w.add(1, "def __len__(self) -> int:")
    w.add(2, "return len(self.records)")
    w.add(0, "")
    w.add(1, "def __getitem__(self, index: int) -> dict:")
    w.add(2, "record = self.records[index]")
    w.add(2, f"sample = {{'{rng.choice(WORDS)}': record['{rng.choice(WORDS)}'], 'label': int(record.get('label', -1))}}")
    w.add(2, "if self.transform is not None:")
    w.add(3, "sample = self.transform(sample)")
    w.add(2, "return sample")
    w.add(0, "")
    w.add(0, "")


def _dataclass(w: _Writer) -> None:
    rng = w.rng
    w.add(0, "@dataclasses.dataclass")
    w.add(0, f"class {rng.choice(NOUNS)}Config:")
    for _ in range(rng.randint(3, 9)):
        w.add(1, rng.choice((
            f"{_name(rng)}: int = {rng.randint(0, 1024)}",
            f"{_name(rng)}: float = {rng.random():.4f}",
            f"{_name(rng)}: str = {rng.choice(WORDS)!r}",
            f"{_name(rng)}: Optional[str] = None",
            f"{_name(rng)}: List[int] = dataclasses.field(default_factory=lambda: [{rng.randint(1, 9)}, {rng.randint(10, 99)}])",
        )))
    w.add(0, "")
    w.add(0, "")


_HEADER = (
    "import dataclasses",
    "import functools",
    "import json",
    "import logging",
    "import math",
    "import os",
    "from typing import Any, Dict, List, Optional, Tuple",
    "",
    "import torch",
    "import torch.nn as nn",
    "import torch.nn.functional as F",
    "",
    "logger = logging.getLogger(__name__)",
)


def _body(w: _Writer, target: int, flavour: str) -> None:
    """Append definitions until the file reaches about `target` lines."""
    rng = w.rng
    for _ in range(rng.randint(0, 4)):
        w.add(0, f"{_name(rng).upper()} = {rng.choice((str(rng.randint(0, 4096)), repr(rng.choice(WORDS)), f'({rng.randint(1, 9)}, {rng.randint(1, 9)})'))}")
    w.add(0, "")
    w.add(0, "")
    while len(w) < target:
        roll = rng.random()
        if flavour == "models" and roll < 0.5:
            _nn_module(w)
        elif flavour == "data" and roll < 0.35:
            _dataset(w)
        elif roll < 0.15:
            _dataclass(w)
        else:
            _function(w, 0)
            w.add(0, "")


def _module(rng: random.Random, flavour: str, target: int) -> str:
    w = _Writer(rng)
    w.add(0, f'"""{flavour.capitalize()}: {rng.choice(WORDS)} and {rng.choice(WORDS)} helpers."""')
    w.add(0, "")
    for line in _HEADER:
        w.add(0, line)
    w.add(0, "")
    _body(w, target, flavour)
    return w.text()


# ---------------------------------------------------------------------------------------------
# Training scripts. The scheduler part is spelled four ways, as real code spells it.

_SPELLINGS = (
    ("from torch.optim.lr_scheduler import {cls}", "{cls}"),
    ("from torch.optim import lr_scheduler", "lr_scheduler.{cls}"),
    ("import torch.optim.lr_scheduler as sched", "sched.{cls}"),
    ("", "torch.optim.lr_scheduler.{cls}"),
)

# variant -> (class, arguments after the optimizer, loop shape)
_SCHEDULES: dict[str, tuple[str, str, str]] = {
    "LR001_steplr_milestones": ("StepLR", "milestones=[30, 80]", "after_helper"),
    "LR002_multisteplr_step_size": ("MultiStepLR", "step_size=30", "after_inline"),
    "LR003_repeated_milestones": ("MultiStepLR", "milestones=[30, 60, 60], gamma=0.1", "after_helper"),
    "LR004_gamma_10": ("StepLR", "step_size=30, gamma=10", "after_inline"),
    "LR005_step_at_epoch_start": ("MultiStepLR", "milestones=[30, 60, 80], gamma=0.1", "top_inline"),
    "LR005_step_then_train_helper": ("StepLR", "step_size=30, gamma=0.1", "top_helper"),
    "ok_steplr_after_helper": ("StepLR", "step_size=30, gamma=0.1", "after_helper"),
    "ok_multistep_after_inline": ("MultiStepLR", "milestones=[30, 60, 80], gamma=0.1", "after_inline"),
    "ok_onecycle_scaler_per_iteration": ("OneCycleLR", "max_lr=args.lr, total_steps=args.epochs * len(loader)", "per_iteration"),
    "ok_non_literal_args": ("StepLR", "step_size=args.step_size, gamma=args.gamma", "after_helper"),
    "ok_exponential_after_helper": ("ExponentialLR", "gamma=0.95", "after_helper"),
    "ok_cosine_after_inline": ("CosineAnnealingLR", "T_max=args.epochs", "after_inline"),
}

_TRAIN_FN = """\
def train_one_epoch(model, loader, optimizer, epoch: int, device, log_interval: int = 50) -> float:
    \"\"\"One pass over the training set; returns the mean loss.\"\"\"
    model.train()
    total = 0.0
    for batch_idx, (inputs, targets) in enumerate(loader):
        inputs, targets = inputs.to(device), targets.to(device)
        optimizer.zero_grad()
        loss = F.cross_entropy(model(inputs), targets)
        loss.backward()
        optimizer.step()
        total += loss.item()
        if batch_idx % log_interval == 0:
            logger.info("epoch %d [%d/%d] loss %.4f", epoch, batch_idx, len(loader), loss.item())
    return total / max(len(loader), 1)


@torch.no_grad()
def evaluate(model, loader, device) -> float:
    model.eval()
    correct = 0
    for inputs, targets in loader:
        outputs = model(inputs.to(device))
        correct += (outputs.argmax(dim=1) == targets.to(device)).sum().item()
    return correct / max(len(loader.dataset), 1)


def build_model(args) -> nn.Module:
    return nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, 512), nn.ReLU(), nn.Linear(512, 10))


def build_loaders(args):
    train_set = torch.utils.data.TensorDataset(torch.randn(512, 3, 32, 32), torch.randint(0, 10, (512,)))
    val_set = torch.utils.data.TensorDataset(torch.randn(128, 3, 32, 32), torch.randint(0, 10, (128,)))
    return (
        torch.utils.data.DataLoader(train_set, batch_size=64, shuffle=True),
        torch.utils.data.DataLoader(val_set, batch_size=64),
    )
"""

_INLINE_BATCH = """\
model.train()
for inputs, targets in loader:
    inputs, targets = inputs.to(device), targets.to(device)
    optimizer.zero_grad()
    loss = F.cross_entropy(model(inputs), targets)
    loss.backward()
    optimizer.step()"""

_LOOPS: dict[str, str] = {
    "after_helper": "train_one_epoch(model, loader, optimizer, epoch, device)\n"
                    "accuracy = evaluate(model, val_loader, device)\n"
                    "scheduler.step()\n"
                    'logger.info("epoch %d accuracy %.3f lr %.5f", epoch, accuracy, scheduler.get_last_lr()[0])',
    "after_inline": _INLINE_BATCH + "\nscheduler.step()",
    "top_inline": "scheduler.step()\n" + _INLINE_BATCH,
    "top_helper": "scheduler.step()\n"
                  "train_one_epoch(model, loader, optimizer, epoch, device)\n"
                  "accuracy = evaluate(model, val_loader, device)",
    "per_iteration": "model.train()\n"
                     "for inputs, targets in loader:\n"
                     "    optimizer.zero_grad(set_to_none=True)\n"
                     "    with torch.autocast(device_type=device.type, dtype=torch.bfloat16):\n"
                     "        loss = F.cross_entropy(model(inputs.to(device)), targets.to(device))\n"
                     "    scaler.scale(loss).backward()\n"
                     "    scaler.step(optimizer)\n"
                     "    scaler.update()\n"
                     "    scheduler.step()",
}


def _training_script(rng: random.Random, variant: str, target: int) -> str:
    cls, args, loop = _SCHEDULES[variant]
    import_line, call = _SPELLINGS[rng.randrange(len(_SPELLINGS))]
    w = _Writer(rng)
    w.add(0, f'"""Train a {rng.choice(NOUNS).lower()} on {rng.choice(WORDS)} data."""')
    w.add(0, "import argparse")
    for line in _HEADER:
        w.add(0, line)
    if import_line:
        w.add(0, import_line.format(cls=cls))
    w.add(0, "")
    # Padding first (helpers, models), the training code last, as in most training scripts.
    tail_lines = 80
    _body(w, max(target - tail_lines, 10), "models")
    _nn_module(w)
    for line in _TRAIN_FN.splitlines():
        w.add(0, line)
    w.add(0, "")
    w.add(0, "")
    w.add(0, "def main() -> None:")
    w.add(1, 'parser = argparse.ArgumentParser(description="training")')
    w.add(1, f'parser.add_argument("--epochs", type=int, default={rng.choice((90, 100, 120, 300))})')
    w.add(1, f'parser.add_argument("--lr", type=float, default={rng.choice((0.1, 0.01, 3e-4))})')
    w.add(1, 'parser.add_argument("--step-size", type=int, default=30)')
    w.add(1, 'parser.add_argument("--gamma", type=float, default=0.1)')
    w.add(1, "args = parser.parse_args()")
    w.add(1, 'device = torch.device("cuda" if torch.cuda.is_available() else "cpu")')
    w.add(1, "model = build_model(args).to(device)")
    w.add(1, "loader, val_loader = build_loaders(args)")
    w.add(1, rng.choice((
        "optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=1e-4)",
        "optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)",
    )))
    if loop == "per_iteration":
        w.add(1, 'scaler = torch.amp.GradScaler("cuda")')
    w.add(1, f"scheduler = {call.format(cls=cls)}(optimizer, {args})")
    w.add(1, "for epoch in range(args.epochs):")
    for line in _LOOPS[loop].splitlines():
        w.add(2, line)
    w.add(1, 'torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, "checkpoint.pt")')
    w.add(0, "")
    w.add(0, "")
    w.add(0, 'if __name__ == "__main__":')
    w.add(1, "main()")
    return w.text()
