"""The facts behind LR007, LR012, LR014, LR015 and LR016: a scheduler's variable and its reads,
torch.save dict literals, loops that may end early; and the rules' edges."""

from __future__ import annotations

import pickle

import pytest

from lrlint.linter import facts_of as collect
from lrlint.facts.model import FileFacts
from tests.helpers import codes

HEADER = "import torch\nfrom torch.optim.lr_scheduler import MultiStepLR, OneCycleLR, StepLR\n"


def facts_of(source: str) -> FileFacts:
    return collect(source)


def test_uses_are_classified_by_what_is_done_with_the_name() -> None:
    facts = facts_of(
        HEADER
        + "def f(opt, log):\n"
        "    s = StepLR(opt, 3)\n"
        "    if s is not None and s:\n"
        "        s.step()\n"
        "    log(s.last_epoch)\n"
        "    s.last_epoch = 4\n"
        "    return s\n"
    )
    [fact] = facts.schedulers
    assert fact.target == "s"
    assert sorted(fact.uses) == ["attr:last_epoch", "call:step", "other", "other", "test", "test"]


def test_reads_outside_the_function_are_not_its_uses_but_locals_is() -> None:
    source = HEADER + "def f(opt):\n    s = StepLR(opt, 3)\ndef g(s):\n    s.step()\n"
    assert facts_of(source).schedulers[0].uses == ()
    assert facts_of(source.replace("StepLR(opt, 3)\n", "StepLR(opt, 3)\n    print(locals())\n")).schedulers[0].uses == ("other",)


def test_target_is_none_unless_a_plain_single_assignment() -> None:
    for line in ("a = b = StepLR(opt, 3)", "wrap(StepLR(opt, 3))", "xs[0] = StepLR(opt, 3)", "a, *b = StepLR(opt, 3), 1"):
        assert facts_of(HEADER + line + "\n").schedulers[0].target is None, line
    assert facts_of(HEADER + "class T:\n    def __init__(s, o):\n        s.sch = StepLR(o, 3)\n").schedulers[0].target == "self.sch"


def test_saves_keep_literal_dicts_only() -> None:
    facts = facts_of(
        HEADER
        + "import torch as T\n"
        "def f(model, opt, extra, path):\n"
        "    T.save({'m': model.state_dict(), 'o': opt.state_dict(), 'e': int(3)}, path)\n"
        "    T.save({'o': opt.state_dict(), **extra}, path)\n"
        "    T.save({k: 1 for k in extra}, path)\n"
        "    ck = {'o': opt.state_dict()}\n"
        "    T.save(ck, path)\n"
        "    ck2 = {'o': opt.state_dict()}\n"
        "    ck2['s'] = 1\n"
        "    T.save(ck2, path)\n"
        "    T.save({'rng': T.get_rng_state()}, path)\n"
    )
    assert [[e.key for e in s.entries] for s in facts.saves] == [["m", "o", "e"], ["o"], ["rng"]]
    first = facts.saves[0]
    assert [e.state_dict_of for e in first.entries] == ["model", "opt", None]
    assert not any(e.opaque for e in first.entries) and facts.saves[2].entries[0].opaque


def test_a_users_own_save_is_not_torch_save() -> None:
    assert facts_of(HEADER + "def save(obj, p): ...\nsave({'o': opt.state_dict()}, 'p')\n").saves == ()


def test_early_exits() -> None:
    facts = facts_of(
        HEADER
        + "s = StepLR(opt, 3)\n"
        "for i in range(3):\n    for j in range(2):\n        break\n"
        "for i in range(3):\n    if i:\n        break\n"
        "for i in range(3):\n    def g():\n        return 1\n"
    )
    loops = [f.id for f in facts.frames if f.kind == "loop"]
    assert [loop in facts.early_exits for loop in loops] == [False, True, True, False]


def test_new_facts_pickle() -> None:
    facts = facts_of(HEADER + "s = StepLR(opt, 3)\ns.step()\ntorch.save({'o': opt.state_dict()}, 'p')\n")
    assert pickle.loads(pickle.dumps(facts)) == facts


LOOP = "    for b in loader:\n        opt.step()\n"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # Stepped first (LR005 territory): epoch 19 trains after step 20, so step_size=20 is reached.
        (HEADER + "opt = torch.optim.SGD(p, lr=0.1)\ns = StepLR(opt, 20)\nfor e in range(20):\n    s.step()\n" + LOOP,
         [(6, "LR005")]),
        (HEADER + "opt = torch.optim.SGD(p, lr=0.1)\ns = StepLR(opt, 21)\nfor e in range(20):\n    s.step()\n" + LOOP,
         [(4, "LR007"), (6, "LR005")]),
        # range(start, stop) with literals: the count is stop - start.
        (HEADER + "opt = torch.optim.SGD(p, lr=0.1)\ns = StepLR(opt, 15)\nfor e in range(10, 25):\n" + LOOP + "    s.step()\n",
         [(4, "LR007")]),
        # Stepped twice per epoch: not once per epoch.
        (HEADER + "opt = torch.optim.SGD(p, lr=0.1)\ns = StepLR(opt, 30)\nfor e in range(20):\n" + LOOP + "    s.step()\n    s.step()\n",
         []),
        # An outer loop the construction is not in: the scheduler is stepped 3 x 20 times.
        (HEADER + "opt = torch.optim.SGD(p, lr=0.1)\ns = StepLR(opt, 30)\nfor run in range(3):\n    for e in range(20):\n"
         "        opt.step()\n        s.step()\n", []),
        # OneCycleLR in literal loops that may break out early: no crash is sure.
        (HEADER + "opt = torch.optim.SGD(p, lr=0.1)\ns = OneCycleLR(opt, 0.1, total_steps=10)\nfor e in range(20):\n"
         "    opt.step()\n    s.step()\n    if e == 9:\n        break\n", []),
        # LR012 only for a loop after the construction, in the same function.
        (HEADER + "def f(opt):\n    s = StepLR(opt, 3)\ndef g(opt):\n    for b in loader:\n        opt.step()\n", []),
        # LR015: the scheduler is saved in the same dict under a nested key.
        (HEADER + "def f(opt):\n    s = StepLR(opt, 3)\n    for e in range(9):\n        opt.step()\n        s.step()\n"
         "        torch.save({'o': opt.state_dict(), 'state': {'s': s.state_dict()}}, 'p')\n", []),
        # LR015: another optimizer's state: not this scheduler's checkpoint.
        (HEADER + "def f(opt, other):\n    s = StepLR(opt, 3)\n    for e in range(9):\n        opt.step()\n        s.step()\n"
         "        torch.save({'o': other.state_dict()}, 'p')\n", []),
    ],
)
def test_rule_edges(source: str, expected: list[tuple[int, str]]) -> None:
    assert sorted(codes(source)) == expected
