"""The data in rules/ agrees with itself and with the installed torch."""

from __future__ import annotations

import inspect
import re

import pytest

from lrlint.catalogue import markdown_table, rules, schedulers
from lrlint.diagnostics import FILE_CODES
from tests.helpers import ROOT


def _torch_release() -> tuple[int, int]:
    import torch

    major, minor = re.match(r"(\d+)\.(\d+)", torch.__version__).groups()  # type: ignore[union-attr]
    return int(major), int(minor)


def _release(text: str) -> tuple[int, int]:
    major, minor = text.split(".")[:2]
    return int(major), int(minor)


@pytest.mark.parametrize("name", sorted(schedulers()))
def test_signature_table_matches_installed_torch(name: str) -> None:
    import torch.optim.lr_scheduler as lr_scheduler

    installed = [p for p in inspect.signature(getattr(lr_scheduler, name)).parameters if p != "self"]
    release = _torch_release()
    table = [
        p.name
        for p in schedulers()[name].params
        if not (p.removed and release >= _release(p.removed))
    ]
    assert table == installed
    required = {
        p for p, spec in inspect.signature(getattr(lr_scheduler, name)).parameters.items()
        if spec.default is inspect.Parameter.empty and p != "self"
    }
    assert {p.name for p in schedulers()[name].params if p.required} == required


def test_every_torch_scheduler_is_in_the_table() -> None:
    import torch.optim.lr_scheduler as lr_scheduler

    public = {
        name for name, obj in vars(lr_scheduler).items()
        if inspect.isclass(obj) and issubclass(obj, lr_scheduler.LRScheduler)
        and obj is not lr_scheduler.LRScheduler and not name.startswith("_")
        and obj.__module__ == lr_scheduler.__name__
    }
    assert public <= set(schedulers())


def test_catalogue_files_are_complete() -> None:
    for code, info in rules().items():
        assert re.fullmatch(r"LR\d{3}", code)
        assert info.severity in ("error", "warning") and info.fix in ("none", "safe", "unsafe")
        assert re.fullmatch(r"[a-z0-9-]+", info.name)


def test_readme_rule_table_is_the_catalogue() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("\n", readme.index("<!-- rules-table")) + 1
    table = readme[start : readme.index("<!-- /rules-table -->")]
    assert table == markdown_table(list(rules().values())), (
        "README's rule table is generated: run `lrlint rule --all --output-format markdown`"
    )


def test_every_rule_has_a_module_and_every_module_a_toml() -> None:
    from lrlint.rules import all_rules

    assert [rule.code for rule in all_rules()] == list(rules())


def test_a_verified_rule_says_what_torch_shows() -> None:
    for info in rules().values():
        assert bool(info.verify_evidence) == info.verify, info.code



def test_input_codes_are_documented_but_are_no_lint_rules() -> None:
    from lrlint.catalogue import codes, input_codes, lookup

    assert set(input_codes()) == {"E902", "E903", "E999"}
    assert not set(input_codes()) & set(rules())  # rules() enumerates what can be selected: LR only
    assert all(code.startswith("LR") for code in rules())
    assert list(codes()) == [*rules(), "E902", "E903", "E999"]
    for code, info in input_codes().items():
        assert lookup(code.lower()) is info
        assert info.severity == FILE_CODES[code][1] and info.verify is False
        for part in (info.what_it_does, info.why_is_this_bad, info.example, info.use_instead):
            assert part.strip()
    assert lookup("LR003") is rules()["LR003"] and lookup("X1") is None
    # The names are the ones findings carry.
    from lrlint.diagnostics import file_error

    assert {c: file_error("f.py", c, "m").name for c in input_codes()} == {c: i.name for c, i in input_codes().items()}
