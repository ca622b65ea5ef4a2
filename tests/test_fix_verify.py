"""Proven, not hoped: each fix's configuration after the fix (Fix.scenario) runs in real torch.
A fix whose fixed configuration still fails in torch is a bug, and this catches it."""

from __future__ import annotations

import json
from pathlib import Path

from lrlint.fixing.proof import fix_schedules
from lrlint.linter import lint_bytes
from lrlint.verify.runner import schedule_trajectories
from tests.helpers import FIXTURES, run_cli

SOURCES = sorted(p for p in FIXTURES.rglob("*.py") if "fixed" not in p.parts)


def test_every_fixture_fix_runs_clean_in_torch() -> None:
    diagnostics = [d for p in SOURCES for d in lint_bytes(str(p), p.read_bytes()).diagnostics]
    schedules = fix_schedules(diagnostics)
    assert {label.split()[-2] for label, _ in schedules} >= {"LR008", "LR009", "LR010"}
    results = schedule_trajectories(schedules)
    ran = [r for r in results if r.built]
    assert len(ran) >= 8, [(r.label, r.error) for r in results]
    failures = [(r.label, r.error) for r in ran if r.error]
    assert not failures, failures
    assert all(r.trajectory is not None for r in ran)


def test_verify_shows_the_run_as_written_and_after_the_fix(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(
        "import torch\nfrom torch.optim.lr_scheduler import MultiStepLR\n"
        "optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)\n"
        "scheduler = MultiStepLR(optimizer, milestones=[30, 80], gamma=0.1, verbose=True)\n"
        "for epoch in range(100):\n    optimizer.step()\n    scheduler.step()\n"
    )
    proc = run_cli("--no-cache", "--verify", "--output-format", "text", "--torch-version", "2.7", "train.py", cwd=tmp_path)
    out = proc.stdout.decode()
    assert "    fix: as written: raises TypeError; after the fix: lr 0.1, 0.01 from epoch 30, 0.001 from epoch 80" in out, out
    proc = run_cli("--no-cache", "--verify", "--output-format", "json", "--torch-version", "2.7", "train.py", cwd=tmp_path)
    after = json.loads(proc.stdout)[0]["verification"]["after_fix"]
    assert after["ran"] is True and after["error"] is None
    changes = after["trajectory"]["changes"]
    assert [epoch for epoch, _ in changes] == [30, 80]
    assert [round(lr, 12) for _, lr in changes] == [0.01, 0.001]
