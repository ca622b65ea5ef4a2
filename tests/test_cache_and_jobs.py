"""The result cache and the worker processes: same output as a plain run, whatever the cache holds
and however many processes run; a corrupt cache or a crashing worker loses nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import lrlint.workers
from lrlint.cache import Cache, digest, entry_key
from lrlint.config import load_settings
from lrlint.linter import analyze_file
from lrlint.prefilter import may_have_findings
from lrlint.run import RunOptions, lint_paths
from tests.helpers import FIXTURES, ROOT

LR001 = "from torch.optim.lr_scheduler import StepLR\nStepLR(opt, milestones=[30, 80])\n"
LR004 = "from torch.optim.lr_scheduler import ExponentialLR\nExponentialLR(opt, gamma={gamma})\n"


def project(tmp_path: Path, files: int = 12) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    for i in range(files):
        body = LR004.format(gamma=1 + (i + 1) / 10) if i % 3 else "import os\nprint(os.sep)\n"
        (tmp_path / f"m{i:02}.py").write_text(body)
    (tmp_path / "train.py").write_text(LR001)
    return tmp_path


def _keys(root: Path) -> list[str]:
    """The cache keys of a project's files: its analysis for a file with a marker, what a walk
    reads of it for one without (nothing here calls into those)."""
    return [entry_key(digest(data), notebook=False, kind="" if may_have_findings(data) else "x") for data in (p.read_bytes() for p in sorted(root.glob("*.py")))]


def run(root: Path, **options: object) -> tuple[list[tuple[str, int, str, str]], object]:
    result = lint_paths([str(root)], load_settings(root), options=RunOptions(**options))  # type: ignore[arg-type]
    return [(d.filename, d.location.row, d.code, d.message) for d in result.diagnostics], result


def test_warm_run_reuses_every_summary_and_reports_the_same(tmp_path: Path) -> None:
    root = project(tmp_path / "p")
    cache = tmp_path / "cache"
    cold, first = run(root, cache_dir=cache, jobs=1)
    warm, second = run(root, cache_dir=cache, jobs=1)
    assert cold == warm and len(cold) == 9
    assert first.cached == 0 and second.cached == 13  # type: ignore[attr-defined]
    assert (cache / ".gitignore").read_text().strip().endswith("*") and (cache / "CACHEDIR.TAG").is_file()


def test_changing_one_file_reanalyses_only_that_file(tmp_path: Path) -> None:
    root = project(tmp_path / "p")
    cache = tmp_path / "cache"
    run(root, cache_dir=cache, jobs=1)
    target = root / "train.py"
    target.write_text(LR001.replace("milestones=[30, 80]", "step_size=30"))
    os.utime(target, ns=(target.stat().st_atime_ns, target.stat().st_mtime_ns + 10**9))
    found, result = run(root, cache_dir=cache, jobs=1)
    assert result.cached == 12  # type: ignore[attr-defined]
    assert not any(code == "LR001" for _, _, code, _ in found)


def test_corrupt_cache_is_ignored_and_rewritten(tmp_path: Path) -> None:
    root = project(tmp_path / "p")
    cache = tmp_path / "cache"
    expected, _ = run(root, cache_dir=cache, jobs=1)
    [stored] = cache.glob("*.entries")
    [results] = cache.glob("*.results")
    for path in (stored, results):
        path.write_bytes(b"\x80\x04not a cache")
    found, result = run(root, cache_dir=cache, jobs=1)
    assert found == expected and result.cached == 0  # type: ignore[attr-defined]
    rewritten = Cache(cache, stored.name.removesuffix(".entries"), root)  # rewritten whole
    assert all(rewritten.has(key) for key in _keys(root))


def test_no_cache_writes_nothing(tmp_path: Path) -> None:
    root = project(tmp_path / "p")
    os.chdir(tmp_path)
    found, _ = run(root, use_cache=False, jobs=1)
    assert found and not any(tmp_path.rglob("*.entries")) and not any(tmp_path.rglob(".lrlint_cache"))


def test_cache_key_follows_the_target_torch_version(tmp_path: Path) -> None:
    root = project(tmp_path / "p", files=2)
    cache = tmp_path / "cache"
    for version in ("2.6", "2.13"):
        (root / "lrlint.toml").write_text(f'torch-version = "{version}"\n')
        run(root, cache_dir=cache, jobs=1)
    assert len(list(cache.glob("*.entries"))) == 2


def test_concurrent_runs_share_a_cache_without_corrupting_it(tmp_path: Path) -> None:
    root = project(tmp_path / "p", files=30)
    cache = tmp_path / "cache"
    command = [sys.executable, "-m", "lrlint", "--output-format", "json", "--cache-dir", str(cache), "-j", "2", str(root)]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT) for _ in range(4)]
    outputs = [r.communicate(timeout=120) for r in runs]
    assert {r.returncode for r in runs} == {1}
    reports = [json.loads(out) for out, _ in outputs]
    assert all(report == reports[0] for report in reports) and all(not err for _, err in outputs)
    again = json.loads(subprocess.run(command, capture_output=True, cwd=ROOT, check=False).stdout)
    assert again == reports[0]
    [stored] = cache.glob("*.entries")
    shared = Cache(cache, stored.name.removesuffix(".entries"), root)
    assert all(shared.has(key) for key in _keys(root))


def test_output_does_not_depend_on_the_number_of_jobs(tmp_path: Path) -> None:
    root = project(tmp_path / "p", files=40)
    one, _ = run(root, use_cache=False, jobs=1)
    four, _ = run(root, use_cache=False, jobs=4)
    assert one == four and len(one) == 27


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the test relies on fork to inherit the patch")
def test_a_worker_that_dies_loses_no_other_files_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path / "p", files=20)
    (root / "crash.py").write_text(LR001)
    real = lrlint.workers.analyze_file

    def crashing(filename: str, *args: object, **kwargs: object) -> object:
        if filename.endswith("crash.py"):
            os.kill(os.getpid(), signal.SIGSEGV)  # as a parser crash would
        return real(filename, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(lrlint.workers, "analyze_file", crashing)
    warnings: list[str] = []
    result = lint_paths([str(root)], load_settings(root), options=RunOptions(use_cache=False, jobs=2), warn=warnings.append)
    assert result.crashed
    assert [w for w in warnings if "crash.py" in w] == [
        f"lrlint: internal error while checking {root / 'crash.py'}: the analysis process crashed on this file"
    ]
    assert len([d for d in result.diagnostics if d.filename.endswith("train.py")]) == 1
    assert len(result.diagnostics) == 13 + 1  # every other file's findings are kept (13 LR004, 1 LR001)


def test_prefilter_never_loses_a_finding() -> None:
    """Every file the prefilter skips, analysed in full anyway, has no finding."""
    sources: list[tuple[str, bytes]] = [(p.name, p.read_bytes()) for p in sorted(FIXTURES.rglob("*.py"))]
    sources += [(p.name, p.read_bytes()) for p in sorted((ROOT / "tests" / "projects").rglob("*.py"))]
    sources += [(p.name, p.read_bytes()) for p in sorted((ROOT / "lrlint").rglob("*.py"))]
    skipped = [(name, data) for name, data in sources if not may_have_findings(data)]
    assert len(skipped) > 20
    for name, data in skipped:
        forced = analyze_file(name, data, force=True)
        assert forced.parsed and forced.diagnostics == [], name
    # and files that pass it give the same findings either way
    for name, data in sources:
        if may_have_findings(data):
            assert analyze_file(name, data).diagnostics == analyze_file(name, data, force=True).diagnostics
