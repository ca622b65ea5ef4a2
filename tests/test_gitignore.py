"""`.gitignore` when walking folders: the matcher against git itself, and the command line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from lrlint.cli import main
from lrlint.gitignore import GitIgnore, parse_line
from tests.helpers import write

BAD = "from torch.optim.lr_scheduler import StepLR\nscheduler = StepLR(optimizer, milestones=[30, 80])\n"


@pytest.mark.parametrize(
    ("pattern", "path", "matched"),
    [
        ("*.py", "a.py", True),
        ("*.py", "deep/er/a.py", True),  # no slash: any depth
        ("/top.py", "top.py", True),
        ("/top.py", "sub/top.py", False),  # leading slash: anchored
        ("sub/x.py", "sub/x.py", True),
        ("sub/x.py", "a/sub/x.py", False),  # a middle slash anchors too
        ("**/gen.py", "a/b/gen.py", True),
        ("**/gen.py", "gen.py", True),
        ("a/**/z.py", "a/z.py", True),
        ("a/**/z.py", "a/b/c/z.py", True),
        ("a/**", "a/b/c.py", True),
        ("a/**", "a", False),
        ("x?.py", "x1.py", True),
        ("x?.py", "x/.py", False),
        ("[ab].py", "b.py", True),
        ("[!ab].py", "c.py", True),
        ("[!ab].py", "a.py", False),
        ("\\#hash.py", "#hash.py", True),
        ("\\!bang.py", "!bang.py", True),
        ("trailing.py   ", "trailing.py", True),
        ("a*.py", "a/b.py", False),  # `*` never crosses a folder
    ],
)
def test_pattern(pattern: str, path: str, matched: bool) -> None:
    rule = parse_line(pattern)
    assert rule is not None
    assert (rule.regex.match(path) is not None) is matched


@pytest.mark.parametrize("line", ["", "   ", "# comment", "!", "/"])
def test_lines_that_are_no_pattern(line: str) -> None:
    assert parse_line(line) is None


REPO = {
    ".gitignore": "*.log\nbuild/\n/outputs\n!keep.log\nsecret*.py\n",
    "src/.gitignore": "gen_*.py\n!gen_keep.py\nlocal/\n",
    "src/deep/.gitignore": "!secret_ok.py\n",
    "a.py": "", "run.log": "", "keep.log": "", "build/x.py": "", "src/build": "",
    "outputs/o.py": "", "src/outputs/o.py": "", "secret_1.py": "",
    "src/gen_a.py": "", "src/gen_keep.py": "", "src/local/l.py": "", "src/m.py": "",
    "src/deep/secret_ok.py": "", "src/deep/secret_no.py": "", "docs/a/b/gen_a.py": "",
}  # fmt: skip


def test_nested_files_negation_dir_only_and_anchoring(tmp_path: Path) -> None:
    write(tmp_path, REPO)
    (tmp_path / ".git").mkdir()
    ignored = GitIgnore()
    verdicts = {name: ignored.is_ignored(tmp_path / name) for name in REPO if not name.endswith(".gitignore")}
    assert {name for name, v in verdicts.items() if v} == {
        "run.log",  # *.log
        "build/x.py",  # inside build/
        "outputs/o.py",  # /outputs is anchored to the root...
        "secret_1.py",
        "src/gen_a.py",  # src/.gitignore
        "src/local/l.py",
        "src/deep/secret_no.py",  # the root's secret*.py at any depth
    }
    assert not verdicts["src/outputs/o.py"]  # ...so src/outputs is not
    assert not verdicts["src/build"]  # build/ matches folders only; this is a file
    assert not verdicts["keep.log"] and not verdicts["src/gen_keep.py"]  # `!` re-includes
    assert not verdicts["src/deep/secret_ok.py"]  # a deeper file overrides a higher one
    assert not verdicts["docs/a/b/gen_a.py"]  # src/.gitignore applies below src/ only


def test_a_file_in_an_ignored_folder_cannot_be_re_included(tmp_path: Path) -> None:
    write(tmp_path, {".gitignore": "vendor/\n!vendor/keep.py\n", "vendor/keep.py": ""})
    (tmp_path / ".git").mkdir()
    assert GitIgnore().is_ignored(tmp_path / "vendor" / "keep.py")


def test_outside_a_repository_gitignore_is_a_plain_file(tmp_path: Path) -> None:
    write(tmp_path, {".gitignore": "*.py\n", "a.py": ""})
    assert not GitIgnore().is_ignored(tmp_path / "a.py")


def test_info_exclude_applies_below_the_root_gitignore(tmp_path: Path) -> None:
    write(tmp_path, {".git/info/exclude": "*.py\nlocal.py\n", ".gitignore": "!keep.py\n", "a.py": "", "keep.py": ""})
    ignored = GitIgnore()
    assert ignored.is_ignored(tmp_path / "a.py")
    assert not ignored.is_ignored(tmp_path / "keep.py")


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_agrees_with_git_check_ignore(tmp_path: Path) -> None:
    """The same verdicts as git itself on a tree that exercises every feature."""
    write(tmp_path, REPO)
    write(tmp_path, {
        "x/.gitignore": "*\n!*/\n!*.py\n", "x/y/z.py": "", "x/y/z.txt": "",
        "w/.gitignore": "**/tmp/**\n[Bb]ak*\n", "w/tmp/a/b.py": "", "w/Bak.py": "", "w/cak.py": "",
        "esc/.gitignore": "\\#x.py\n sp.py\n", "esc/#x.py": "", "esc/ sp.py": "", "esc/sp.py": "",
    })  # fmt: skip
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    paths = sorted(
        str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(tmp_path).parts[:1] and p.name != ".gitignore"
    )  # fmt: skip
    git = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin"], cwd=tmp_path, input="\n".join(paths) + "\n",
        capture_output=True, text=True, env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(tmp_path)},
    )  # fmt: skip
    assert git.returncode in (0, 1), git.stderr
    by_git = set(git.stdout.splitlines())
    assert len(by_git) >= 10 and len(paths) - len(by_git) >= 10  # both verdicts are exercised
    ours = GitIgnore()
    by_us = {p for p in paths if ours.is_ignored(tmp_path / p)}
    assert by_us == by_git


# --- the command line -------------------------------------------------------------------------


def lint_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    rc = main(["--output-format", "json", *args])
    out = capsys.readouterr().out
    return rc, sorted(d["filename"] for d in json.loads(out))


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write(tmp_path, {".gitignore": "generated/\n", "src/.gitignore": "scratch_*.py\n", "train.py": BAD,
                    "generated/g.py": BAD, "src/scratch_1.py": BAD, "src/model.py": BAD})  # fmt: skip
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def test_walking_respects_gitignore_by_default(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert lint_json(capsys) == (1, ["src/model.py", "train.py"])
    everything = ["generated/g.py", "src/model.py", "src/scratch_1.py", "train.py"]
    assert lint_json(capsys, "--no-respect-gitignore") == (1, everything)
    write(repo, {"pyproject.toml": "[tool.lrlint]\nrespect-gitignore = false\n"})
    assert lint_json(capsys) == (1, everything)
    assert lint_json(capsys, "--respect-gitignore") == (1, ["src/model.py", "train.py"])  # the CLI wins


def test_named_files_are_linted_unless_force_exclude(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert lint_json(capsys, "src/scratch_1.py", "generated/g.py") == (1, ["generated/g.py", "src/scratch_1.py"])
    assert lint_json(capsys, "--force-exclude", "src/scratch_1.py", "generated/g.py", "train.py") == (1, ["train.py"])


def test_respect_gitignore_must_be_a_boolean(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo, {"lrlint.toml": 'respect-gitignore = "yes"\n'})
    assert main([]) == 2
    assert capsys.readouterr().err == "lrlint: error: lrlint.toml: 'respect-gitignore': must be true or false\n"
