"""lrlint never leaves a torch worker behind: not on Ctrl-C, not when it is killed itself."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.skipif(not hasattr(os, "killpg"), reason="POSIX signals and process groups")

SOURCE = (
    "import torch\n"
    "from torch.optim.lr_scheduler import ExponentialLR\n"
    "opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)\n"
    "s = ExponentialLR(opt, gamma=1.5)\n"
)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is gone for every purpose but its process-table entry
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except OSError:
        return True


def gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


def wait_for_file(path: Path, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text().strip()
        time.sleep(0.05)
    raise AssertionError(f"{path} never appeared")


def start_lrlint(tmp_path: Path, worker: str) -> tuple[subprocess.Popen[bytes], int]:
    """lrlint --verify in its own process group, as a shell runs it, with `worker` as its worker.

    `worker` is Python code run as the worker; it writes its pid to pid.txt first. Returns the
    lrlint process and the worker's pid.
    """
    (tmp_path / "train.py").write_text(SOURCE)
    pid_file = tmp_path / "pid.txt"
    fake = f"import os; open({str(pid_file)!r}, 'w').write(str(os.getpid()))\n" + worker
    launcher = (
        "import sys\n"
        "from lrlint.verify import runner\n"
        f"runner._worker_command = lambda: [sys.executable, '-c', {fake!r}]\n"
        "from lrlint.cli import main\n"
        "sys.exit(main(['--verify', 'train.py']))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", launcher], cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    return proc, int(wait_for_file(pid_file, 30))


def test_ctrl_c_during_verify_ends_the_worker(tmp_path: Path) -> None:
    proc, worker = start_lrlint(tmp_path, "import time; time.sleep(300)")
    try:
        assert alive(worker)
        os.killpg(proc.pid, signal.SIGINT)  # what the terminal sends on Ctrl-C: the foreground group
        proc.wait(timeout=20)
        assert proc.returncode == 130, proc.stderr.read().decode() if proc.stderr else ""
        assert gone_within(worker, 10), "the torch worker outlived lrlint"
    finally:
        proc.kill()
        if alive(worker):
            os.kill(worker, signal.SIGKILL)


def test_real_worker_exits_when_lrlint_is_killed(tmp_path: Path) -> None:
    """SIGKILL leaves lrlint no chance to clean up: the worker notices its parent is gone."""
    bootstrap = (
        "import sys, time\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from lrlint.verify import worker\n"
        "worker.watch_parent()\n"  # what worker.main() starts with
        "time.sleep(300)\n"  # a job that never ends
    )
    proc, worker = start_lrlint(tmp_path, bootstrap)
    try:
        time.sleep(0.3)
        assert alive(worker)
        proc.kill()
        proc.wait(timeout=10)
        assert gone_within(worker, 10), "the torch worker outlived a killed lrlint"
    finally:
        if alive(worker):
            os.kill(worker, signal.SIGKILL)
