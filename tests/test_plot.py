"""--plot DIR (issue 24): one image per scheduler --verify ran, opened and looked at, and an
index.html that shows them all. matplotlib is in the `test` extra: these run in CI."""

from __future__ import annotations

import html.parser
import subprocess
import sys
from pathlib import Path

import pytest

from lrlint.diagnostics import AfterFix, Verification
from lrlint.reporters.plot import Picture, index_html, pictures, write_plots
from lrlint.scenario import Scenario
from lrlint.trajectory import Trajectory
from tests.helpers import ROOT, run_cli, write
from tests.test_reporters import diag

pytest.importorskip("matplotlib")  # in the test extra; skipped only where it is not installed
image = pytest.importorskip("matplotlib.image")

WIDTH, HEIGHT = 800, 450


def looked_at(path: Path) -> tuple[int, int, int]:
    """(width, height, distinct colours) of a PNG, read back from the file."""
    pixels = image.imread(str(path))
    height, width = pixels.shape[:2]
    colours = {tuple(round(float(c), 2) for c in pixel) for row in pixels[::3] for pixel in row[::3]}
    return width, height, len(colours)


def test_plot_draws_every_verified_finding_and_schedule(tmp_path: Path) -> None:
    write(tmp_path, {
        "train.py": (
            "import torch\nfrom torch.optim.lr_scheduler import MultiStepLR, StepLR, SequentialLR, LinearLR\n"
            "def train(model, optimizer):\n    optimizer.step()\n\n"
            "def fit(model):\n"
            "    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
            "    scheduler = MultiStepLR(optimizer, milestones=[30, 80], gamma=0.1)\n"
            "    for epoch in range(100):\n"
            "        scheduler.step()\n"
            "        train(model, optimizer)\n"
            "    warm = SequentialLR(optimizer, [LinearLR(optimizer, 0.1, total_iters=5), StepLR(optimizer, 10)], milestones=[5])\n"
            "    for epoch in range(40):\n"
            "        optimizer.step()\n"
            "        warm.step()\n"
        ),
    })  # fmt: skip
    proc = run_cli("--verify-all", "--no-cache", "--plot", "plots", "train.py", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr.decode()  # the LR005 finding
    folder = tmp_path / "plots"
    images = sorted(folder.glob("*.png"))
    # The finding, then each schedule that ran: MultiStepLR, SequentialLR and its two members.
    assert [p.name for p in images] == [
        "001-train-10-LR005.png", "002-train-8-MultiStepLR.png", "003-train-12-SequentialLR.png",
        "004-train-12-LinearLR.png", "005-train-12-StepLR.png",
    ]  # fmt: skip
    for path in images:
        width, height, colours = looked_at(path)
        assert (width, height) == (WIDTH, HEIGHT), path.name
        assert colours > 20, path.name  # curves, axes and text: not a blank canvas
    # The index shows every image with its title.
    page = (folder / "index.html").read_text(encoding="utf-8")
    found = Images()
    found.feed(page)
    assert found.sources == [p.name for p in images]
    assert "train.py:10 LR005" in page and "verify: confirmed" in page


class Images(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.sources.append(dict(attrs)["src"] or "")


def test_pictures_mark_the_decays_the_arguments_put_and_draw_both_curves() -> None:
    d = diag("LR005", 12, 9, (12, 25))
    d.scenario = Scenario("MultiStepLR", kwargs={"milestones": [3, 6, 50]}, epochs=10)
    d.verification = Verification(
        "confirmed", "torch warned", "cpu", "2.13.0+cpu",
        Trajectory.from_values([0.1, 0.1, 0.01, 0.01, 0.01, 0.001, 0.001]),
        Trajectory.from_values([0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.001]),
    )  # fmt: skip
    unverified = diag("LR003")
    skipped = diag("LR004")
    skipped.verification = Verification("skipped", "not verified")
    [picture] = pictures([d, unverified, skipped], [])
    assert [legend for legend, _ in picture.curves] == ["lr as run", "lr as intended"]
    assert picture.marks == [3, 6]  # within the 6 steps run
    assert picture.title.startswith("train.py:12 LR005 ") and picture.caption == "verify: confirmed: torch warned"


def test_a_fix_run_in_torch_is_drawn_after_the_fix() -> None:
    d = diag("LR009", 12, 9, (12, 25))
    d.verification = Verification("confirmed", "torch warned", "cpu", "2.13.0+cpu", Trajectory.from_values([0.1, 0.01, 0.01]))
    d.verification.after_fix = AfterFix(True, Trajectory.from_values([0.1, 0.1, 0.01]))
    [picture] = pictures([d], [])
    assert [legend for legend, _ in picture.curves] == ["lr as run", "lr after the fix"]


def test_titles_are_escaped_in_the_index_and_names_are_safe(tmp_path: Path) -> None:
    odd = Picture('<b>"x"</b> $lr$ & co', [("lr as run", Trajectory.from_values([0.1, 0.05]))], "a < b", [], stem="../../etc/passwd café")
    [written] = write_plots([odd], tmp_path / "out")
    assert written.parent == tmp_path / "out" and written.name == "001-etc_passwd_caf.png"
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "<b>\"x\"" not in page and "&lt;b&gt;" in page and "a &lt; b" in page
    assert looked_at(written)[:2] == (WIDTH, HEIGHT)
    assert "No scheduler" in index_html([], [])


def test_plot_needs_verify_and_says_how_to_get_matplotlib(tmp_path: Path) -> None:
    proc = run_cli("--plot", "out", "x.py", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stderr.decode() == "lrlint: error: --plot needs --verify or --verify-all\n"
    # Without matplotlib (an import hook hides it), a clear usage error, before linting.
    blocker = tmp_path / "block.py"
    blocker.write_text(
        "import importlib.abc, sys\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name.split('.')[0] == 'matplotlib':\n"
        "            raise ImportError('hidden')\n"
        "sys.meta_path.insert(0, Block())\n"
        "sys.argv = ['lrlint', '--verify', '--plot', 'out', 'x.py']\n"
        "from lrlint.cli import main\n"
        "sys.exit(main())\n"
    )
    done = subprocess.run([sys.executable, str(blocker)], cwd=tmp_path, capture_output=True, env={"PYTHONPATH": str(ROOT)}, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stderr.decode() == "lrlint: error: --plot needs matplotlib in lrlint's environment (lrlint's [plot] extra): pip install matplotlib\n"
    assert not (tmp_path / "out").exists()


def test_plain_lint_never_imports_matplotlib(tmp_path: Path) -> None:
    write(tmp_path, {"t.py": "import torch\nfrom torch.optim.lr_scheduler import StepLR\nStepLR(opt, 3, gamma=2)\n"})
    code = "import sys\nfrom lrlint.cli import main\nmain(['--no-cache', 't.py'])\nprint('matplotlib' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, env={"PYTHONPATH": str(ROOT)}, timeout=60, check=False)
    assert done.stdout.decode().splitlines()[-1] == "False"
