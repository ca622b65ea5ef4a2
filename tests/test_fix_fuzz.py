"""The fix engine under generated code (tests/fuzz/fixes.py): `--fix --unsafe-fixes` never
produces unparsable code or a new finding, and settles in one pass. Fixed seed, as tests/test_fuzz.py."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from tests.fuzz.fixes import fix_is_sound, fixable_scripts
from tests.fuzz.strategies import Sample, inputs, notebooks

FIXED = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
FIXED_COUNTS: list[int] = []


@settings(FIXED, max_examples=200)
@given(fixable_scripts())
def test_fixing_generated_training_scripts_is_sound(source: str) -> None:
    FIXED_COUNTS.append(fix_is_sound(Sample("train.py", source.encode())))


def test_the_generated_scripts_were_fixable() -> None:
    """The property above is only worth something if fixes were applied."""
    assert sum(1 for n in FIXED_COUNTS if n) >= 100, FIXED_COUNTS


@settings(FIXED, max_examples=150)
@given(inputs())
def test_fixing_any_input_never_raises_and_never_breaks_a_file(sample: Sample) -> None:
    fix_is_sound(sample)


@settings(FIXED, max_examples=50)
@given(notebooks())
def test_fixing_notebooks_is_sound(sample: Sample) -> None:
    fix_is_sound(sample)
