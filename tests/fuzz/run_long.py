"""The long fuzz run: the properties of tests/test_fuzz.py over `--count` examples, random seed.

    python -m tests.fuzz.run_long --count 5000 [--seed N] [--out fuzz-failures/]

`--count` examples go to `lint_bytes` (inputs of every kind), as many generated scripts to the
oracle, one CLI run over 10 files per 100 examples and one `--verify` run over 20 scripts per
1,000. Prints the figures; a failing example is shrunk by hypothesis and saved under `--out`
(`<property>.bin`, or `.txt` with the list of files); exit 1 on any failure. The input being
linted is written to `--out/current.*` first, so a crash that kills this process (a segfault in a
parser) still leaves its reproducer.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import traceback
import warnings
from pathlib import Path
from typing import Any, Callable

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from tests.fuzz import properties
from tests.fuzz.strategies import Sample, inputs, training_scripts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--out", type=Path, default=Path("fuzz-failures"))
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")  # torch/hypothesis chatter; failures are reported below
    run_seed = args.seed if args.seed is not None else random.randrange(2**32)
    args.out.mkdir(parents=True, exist_ok=True)
    current = args.out / "current.bin"
    base = settings(
        database=None, deadline=None, derandomize=False, print_blob=False,
        suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    figures: dict[str, Any] = {"seed": run_seed, "count": args.count}
    failures: list[str] = []
    last: dict[str, Any] = {}  # the latest failing input of each property: after shrinking, the minimal one

    def record(name: str, value: Any, check: Callable[[], Any]) -> Any:
        try:
            return check()
        except Exception:
            last[name] = value
            raise

    def lint_one(sample: Sample) -> None:
        current.write_bytes(sample.data)
        record("lint_bytes", sample, lambda: properties.lint_alone(sample))

    def oracle_one(source: str) -> None:
        record("oracle", source, lambda: properties.oracle_agrees(source, properties.lint_alone(Sample("train.py", source.encode()))))

    def folder_one(samples: list[Sample]) -> None:
        record("cli_folder", samples, lambda: properties.lint_folder(samples))

    verify_counts: list[properties.VerifyCounts] = []

    def verify_one(sources: list[str]) -> None:
        verify_counts.append(record("verify", sources, lambda: properties.verify_agrees(sources)))

    runs: list[tuple[str, Callable[..., None], st.SearchStrategy[Any], int, bool]] = [
        ("lint_bytes", lint_one, inputs(), args.count, True),
        ("oracle", oracle_one, training_scripts(), args.count, True),
        ("cli_folder", folder_one, st.lists(inputs(), min_size=10, max_size=10), max(1, args.count // 100), True),
        ("verify", verify_one, st.lists(training_scripts(literal_only=True), min_size=20, max_size=20), max(1, args.count // 1000), False),
    ]
    started = time.monotonic()
    for name, fn, strategy, count, shrink in runs:
        phases = [Phase.generate, Phase.shrink] if shrink else [Phase.generate]
        test = seed(run_seed)(settings(base, max_examples=count, phases=phases)(given(strategy)(fn)))
        t0 = time.monotonic()
        try:
            test()
            outcome = "ok"
        except Exception as exc:  # noqa: BLE001 - every failure is a finding of the fuzzer
            outcome = f"FAILED: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            failures.append(name)
            _save(args.out, name, last.get(name), traceback.format_exc())
        figures[name] = {"examples": count, "seconds": round(time.monotonic() - t0, 1), "outcome": outcome}
        print(f"{name}: {count} examples in {figures[name]['seconds']} s: {outcome}", flush=True)
    current.unlink(missing_ok=True)
    figures["seconds"] = round(time.monotonic() - started, 1)
    figures["verify_statuses"] = _merge(c.by_status for c in verify_counts)
    figures["failures"] = failures
    print(json.dumps(figures, indent=2))
    return 1 if failures else 0


def _merge(items: Any) -> dict[str, int]:
    total: dict[str, int] = {}
    for item in items:
        for key, n in item.items():
            total[key] = total.get(key, 0) + n
    return total


def _save(out: Path, name: str, value: Any, trace: str) -> None:
    (out / f"{name}.traceback.txt").write_text(trace, encoding="utf-8")
    if isinstance(value, Sample):
        (out / f"{name}{'.ipynb' if value.notebook else '.py'}.bin").write_bytes(value.data)
    elif isinstance(value, list):
        folder = out / name
        folder.mkdir(exist_ok=True)
        for i, item in enumerate(value):
            data = item.data if isinstance(item, Sample) else str(item).encode("utf-8", "surrogateescape")
            suffix = ".ipynb" if isinstance(item, Sample) and item.notebook else ".py"
            (folder / f"f{i:03d}{suffix}").write_bytes(data)
    elif isinstance(value, str):
        (out / f"{name}.py").write_text(value, encoding="utf-8")
    print(f"  reproducer saved under {out}/ ({name}*)", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
