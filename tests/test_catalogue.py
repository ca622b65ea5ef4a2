"""The data in rules/ agrees with itself and with the installed torch."""

from __future__ import annotations

import inspect
import re

import pytest

from lrlint.catalogue import codes, markdown_table, rules, schedulers
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
    """Names, order and required-ness for the installed release: what the table says that release
    accepts (`since` reached, not `removed`) is exactly what inspect.signature() shows."""
    import torch.optim.lr_scheduler as lr_scheduler

    parameters = inspect.signature(getattr(lr_scheduler, name)).parameters
    installed = [p for p in parameters if p != "self"]
    signature = schedulers()[name]
    release = _torch_release()
    assert signature.exists_in(release)
    assert [p.name for p in signature.params_for(release)] == installed
    # Removed before the installed release: absent from it; every other parameter is present.
    for param in signature.params:
        gone = param.removed is not None and release >= _release(param.removed)
        assert (param.name in installed) == (not gone and param.accepted(release)), param.name
    required = {p for p, spec in parameters.items() if spec.default is inspect.Parameter.empty and p != "self"}
    assert {p.name for p in signature.params_for(release) if p.required} == required
    # Every positional-or-keyword: positional binding by the table's order is sound.
    assert all(spec.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for spec in parameters.values())


@pytest.mark.parametrize("name", sorted(schedulers()))
def test_every_version_in_the_table_links_to_the_torch_change(name: str) -> None:
    signature = schedulers()[name]
    assert signature.since and signature.link and signature.link.startswith("https://github.com/pytorch/pytorch/")
    for param in signature.params:
        assert param.since is not None and param.link, param.name
        for version, link in ((param.deprecated, param.deprecated_link), (param.removed, param.removed_link)):
            assert (version is None) == (link is None), param.name
            if link is not None:
                assert link.startswith("https://github.com/pytorch/pytorch/"), link
        # A parameter appears with or after its class, and is deprecated before it is removed.
        assert _release(param.since) >= _release(signature.since), param.name
        if param.deprecated and param.removed:
            assert _release(param.deprecated) < _release(param.removed)


def test_the_table_answers_for_a_target_release() -> None:
    steplr, chained = schedulers()["StepLR"], schedulers()["ChainedScheduler"]
    assert [p.name for p in steplr.params_for((2, 6))][-1] == "verbose"
    assert "verbose" not in [p.name for p in steplr.params_for((2, 7))]
    assert "verbose" not in [p.name for p in steplr.params_for(None)]  # None: the newest release
    assert "verbose" not in [p.name for p in steplr.params_for((1, 7))]  # before it was added
    verbose = steplr.param("verbose")
    assert verbose is not None and verbose.deprecated_in((2, 2)) and not verbose.deprecated_in((2, 1))
    assert [p.name for p in chained.params_for((2, 3))] == ["schedulers"]
    assert not schedulers()["PolynomialLR"].exists_in((1, 12)) and schedulers()["PolynomialLR"].exists_in((1, 13))


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
    assert table == markdown_table(list(codes().values())), (
        "README's rule table is generated: run `lrlint rule --all --output-format markdown`"
    )


def test_every_rule_has_a_module_and_every_module_a_toml() -> None:
    from lrlint.rules import all_rules

    assert [rule.code for rule in all_rules()] == list(rules())


def test_a_verified_rule_says_what_torch_shows() -> None:
    """The catalogue says what torch shows exactly for the rules whose module has a verify hook."""
    from lrlint.rules import rule_for

    for info in rules().values():
        rule = rule_for(info.code)
        assert rule is not None
        assert bool(info.verify_evidence) == (rule.verification is not None) == info.verify, info.code



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
