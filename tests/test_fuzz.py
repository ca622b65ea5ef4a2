"""The fuzz target's short, fixed-seed run (CI): see tests/fuzz/ for the strategies and properties.

`derandomize=True` and no example database: every CI run draws the same examples, so a failure
here reproduces on any machine. tests/fuzz/run_long.py runs the same properties with a random seed
and a count.
"""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.fuzz import properties
from tests.fuzz.strategies import Sample, inputs, notebooks, training_scripts

FIXED = settings(
    derandomize=True,
    database=None,
    deadline=None,
    # Some inputs are built large on purpose (a 100,000-element list, a 10,000-operand chain).
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)


@settings(FIXED, max_examples=300)
@given(inputs())
def test_lint_bytes_never_raises(sample: Sample) -> None:
    properties.lint_alone(sample)


@settings(FIXED, max_examples=100)
@given(notebooks())
def test_lint_bytes_never_raises_on_notebooks(sample: Sample) -> None:
    properties.lint_alone(sample)


@settings(FIXED, max_examples=100)
@given(training_scripts())
def test_static_findings_match_the_oracle(source: str) -> None:
    properties.oracle_agrees(source, properties.lint_alone(Sample("train.py", source.encode())))


@settings(FIXED, max_examples=4)
@given(st.lists(inputs(), min_size=10, max_size=12))
def test_cli_json_parses_and_matches_linting_alone(samples: list[Sample]) -> None:
    # 10+ files: several analysing children at once (lrlint.workers.worker_count).
    properties.lint_folder(samples)


# The --verify part: the torch worker costs seconds, so few runs of 20 files each.
VERIFY_COUNTS: list[properties.VerifyCounts] = []


# No shrinking: each example is a --verify run; the failure names the file, row and verdicts.
@settings(FIXED, max_examples=3, phases=[Phase.explicit, Phase.generate])
@given(st.lists(training_scripts(literal_only=True), min_size=20, max_size=20))
def test_static_findings_agree_with_verify(sources: list[str]) -> None:
    VERIFY_COUNTS.append(properties.verify_agrees(sources))


def test_verify_decided_most_findings() -> None:
    """Agreement is only worth something if torch decided: most findings must be confirmed or
    refuted, not inconclusive."""
    if not VERIFY_COUNTS:
        test_static_findings_agree_with_verify()
    findings = sum(c.findings for c in VERIFY_COUNTS)
    decided = sum(c.decided for c in VERIFY_COUNTS)
    assert findings >= 20, VERIFY_COUNTS
    assert decided >= 0.8 * findings, VERIFY_COUNTS
