"""SIGKILL during `--fix` on 300 files: each file is either as it was or fully fixed, never half
written (each is replaced by a rename of a complete, flushed file)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import ROOT

COUNT = 300
TEMPLATE = (
    "# training script {i}\n"
    "from torch.optim.lr_scheduler import StepLR\n"
    "scheduler = StepLR(optimizer, {step}, verbose=True)\n"
    "for epoch in range(90):\n"
    "    optimizer.step()\n"
    "    scheduler.step(epoch)\n"
)


def _fixed(text: str) -> str:
    return text.replace(", verbose=True", "").replace("step(epoch)", "step()")


@pytest.mark.parametrize("kill_after", [0, COUNT // 2], ids=["first-write", "mid-way"])
def test_sigkill_during_fix_leaves_every_file_whole(tmp_path: Path, kill_after: int) -> None:
    if not hasattr(signal, "SIGKILL"):
        pytest.skip("no SIGKILL here")
    files = []
    for i in range(COUNT):
        path = tmp_path / f"train_{i:03}.py"
        path.write_text(TEMPLATE.format(i=i, step=10 + i % 50))
        files.append(path)
    originals = {p: p.read_text() for p in files}
    watched = files[kill_after]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "lrlint", "--no-cache", "--fix", "--unsafe-fixes", "-j", "2", "."],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if watched.read_text() != originals[watched]:
                break
            time.sleep(0.0005)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    changed = 0
    for path in files:
        text = path.read_text()
        assert text in (originals[path], _fixed(originals[path])), f"{path.name} is neither original nor fixed:\n{text}"
        changed += text != originals[path]
    assert changed >= 1, "the kill came before any file was written: the test proves nothing"
    leftovers = sorted(p.name for p in tmp_path.iterdir() if p not in originals)
    assert all(name.endswith(".lrlint-fix.tmp") for name in leftovers), leftovers
    # A fresh --fix finishes the job.
    done = subprocess.run([sys.executable, "-m", "lrlint", "--no-cache", "--fix", "--unsafe-fixes", "."], cwd=tmp_path, env=env, capture_output=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert all(path.read_text() == _fixed(originals[path]) for path in files)
