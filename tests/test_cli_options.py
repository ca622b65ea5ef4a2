"""Issue 24, "what a new user and a CI gate trip on": the options and formats a ruff user expects.

Each test names the ruff behaviour it matches. In-process runs (capsys) where a fresh interpreter
adds nothing; `run_cli` where the process boundary is the point (exit codes, environment).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

import lrlint
from lrlint.catalogue import rules, torch_releases
from lrlint.cli import OUTPUT_FORMATS
from lrlint.config import ConfigError, installed_torch_version, load_settings
from tests.helpers import run_cli, write
from tests.test_cli import LR001_SRC, LR004_SRC, NOTEBOOK, lrlint_in_process

TWO_FINDINGS = LR001_SRC + "scheduler = StepLR(optimizer, milestones=[1])\n"  # LR001 at rows 5 and 6


@pytest.fixture(autouse=True)
def plain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("LRLINT_OUTPUT_FORMAT", raising=False)
    monkeypatch.delenv("CI_PROJECT_DIR", raising=False)
    monkeypatch.setenv("LRLINT_NO_CACHE", "1")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write(tmp_path, {"a.py": LR001_SRC, "b.py": LR004_SRC})
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- --statistics --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["sarif", "github", "gitlab", "junit", "json-lines"])
def test_statistics_refuses_a_format_that_cannot_hold_it(project: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    """ruff: "Unsupported serialization format for statistics", exit 2; never a table in a .sarif."""
    result = lrlint_in_process(capsys, "--statistics", "--output-format", fmt, "-o", f"report.{fmt}", "a.py")
    assert (result.rc, result.out) == (2, "")
    assert result.err == f"lrlint: error: --statistics cannot be written as {fmt}; use --output-format full, text, concise or json\n"
    assert not (project / f"report.{fmt}").exists()


@pytest.mark.parametrize("fmt", ["text", "full", "concise"])
def test_statistics_table_in_the_text_formats(project: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    result = lrlint_in_process(capsys, "--statistics", "--output-format", fmt, "a.py", "b.py")
    assert result.rc == 1
    assert result.out.splitlines() == ["    1\tLR001\tsteplr-milestones", "    1\tLR004\tgamma-not-decaying"]


# --- --torch-version -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("2.x", "expected a release such as \"2.6\", got '2.x'"),
        ("2", "expected a release such as \"2.6\", got '2'"),
        ("3.0", "torch 3.0 is not a release lrlint knows (known: 0.1 to 2.14, or \"latest\"), got '3.0'"),
        ("2.99", "torch 2.99 is not a release lrlint knows (known: 0.1 to 2.14, or \"latest\"), got '2.99'"),
    ],
)
def test_torch_version_that_is_no_release_is_a_one_line_usage_error(project: Path, capsys: pytest.CaptureFixture[str], value: str, problem: str) -> None:
    result = lrlint_in_process(capsys, "--torch-version", value, "a.py")
    assert (result.rc, result.out, result.err) == (2, "", f"lrlint: error: --torch-version: {problem}\n")
    write(project, {"lrlint.toml": f'torch-version = "{value}"\n'})
    result = lrlint_in_process(capsys, "a.py")
    assert (result.rc, result.err) == (2, f"lrlint: error: lrlint.toml: 'torch-version': {problem}\n")


@pytest.mark.parametrize("value", ["2.6", "2.6.1", "2.6.0+cu121", "1.13", "latest", "LATEST", "2.14"])
def test_torch_version_releases_and_latest_stay_valid(tmp_path: Path, value: str) -> None:
    load_settings(tmp_path, {"isolated": True, "torch_version": value})


def test_known_releases_cover_the_installed_torch() -> None:
    """The release list is data (rules/torch_releases.toml); the torch the tests run is in it."""
    installed = installed_torch_version()
    assert installed is not None
    assert ".".join(installed.split(".")[:2]) in torch_releases()
    assert torch_releases()[-1] == "2.14"  # schedulers.toml: releases 1.13 to 2.14 were checked


def test_the_2x_typo_no_longer_switches_lr008_off(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        load_settings(tmp_path, {"isolated": True, "torch_version": "2.x"})


# --- -V, LRLINT_OUTPUT_FORMAT, verify-only options -------------------------------------------------


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version_short_flag(capsys: pytest.CaptureFixture[str], flag: str) -> None:
    result = lrlint_in_process(capsys, flag)
    assert (result.rc, result.out) == (0, f"lrlint {lrlint.__version__}\n")


def test_output_format_from_the_environment(project: Path) -> None:
    """ruff reads RUFF_OUTPUT_FORMAT; --output-format wins over it."""
    as_json = run_cli("a.py", cwd=project, env={"LRLINT_OUTPUT_FORMAT": "json"})
    assert [d["code"] for d in json.loads(as_json.stdout)] == ["LR001"]
    text = run_cli("--output-format", "concise", "a.py", cwd=project, env={"LRLINT_OUTPUT_FORMAT": "json"})
    assert text.stdout.decode().startswith("a.py:5:31: LR001 ")
    bad = run_cli("a.py", cwd=project, env={"LRLINT_OUTPUT_FORMAT": "xml"})
    assert bad.returncode == 2 and bad.stdout == b""
    assert bad.stderr.decode() == f"lrlint: error: $LRLINT_OUTPUT_FORMAT: invalid output format 'xml' (choose from {', '.join(OUTPUT_FORMATS)})\n"


@pytest.mark.parametrize("args", [["--device", "cuda"], ["--device", "cpu"], ["--verify-timeout", "5"], ["--show-trajectory"]])
def test_verify_options_without_verify_are_usage_errors(project: Path, capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    result = lrlint_in_process(capsys, *args, "a.py")
    assert (result.rc, result.out, result.err) == (2, "", f"lrlint: error: {args[0]} needs --verify or --verify-all\n")


def test_help_lists_every_new_option(capsys: pytest.CaptureFixture[str]) -> None:
    out = lrlint_in_process(capsys, "--help").out
    for option in ("-V, --version", "--extend-per-file-ignores", "LRLINT_OUTPUT_FORMAT", "json-lines", "gitlab"):
        assert option in out, option
    clean = lrlint_in_process(capsys, "clean", "--help").out
    assert "--cache-dir" in clean and ".lrlint_cache" in clean


# --- lrlint clean ----------------------------------------------------------------------------------


def test_clean_removes_the_caches_instead_of_linting_a_path_named_clean(project: Path) -> None:
    first = run_cli("a.py", cwd=project, env={"LRLINT_NO_CACHE": None})
    assert first.returncode == 1 and (project / ".lrlint_cache").is_dir()
    write(project, {"sub/deep/.lrlint_cache/x": "old", "keep/.lrlint_cachex/y": "not a cache"})
    result = run_cli("clean", cwd=project)
    assert (result.returncode, result.stdout) == (0, b"")
    assert sorted(result.stderr.decode().splitlines()) == [
        "Removing cache at: .lrlint_cache",
        f"Removing cache at: {os.path.join('sub', 'deep', '.lrlint_cache')}",
    ]
    assert not (project / ".lrlint_cache").exists() and not (project / "sub" / "deep" / ".lrlint_cache").exists()
    assert (project / "keep" / ".lrlint_cachex" / "y").exists() and (project / "a.py").exists()
    assert run_cli("clean", cwd=project).stderr == b""  # nothing left: nothing said, exit 0


def test_clean_removes_the_cache_dir_it_is_given(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": LR001_SRC})
    cache = tmp_path / "elsewhere" / "mycache"
    assert run_cli("--cache-dir", str(cache), "a.py", cwd=tmp_path, env={"LRLINT_NO_CACHE": None}).returncode == 1
    assert (cache / "CACHEDIR.TAG").exists()
    assert run_cli("clean", "-q", "--cache-dir", str(cache), cwd=tmp_path).returncode == 0
    assert not cache.exists()
    # The environment variable names it too, as for lint runs.
    assert run_cli("a.py", cwd=tmp_path, env={"LRLINT_NO_CACHE": None, "LRLINT_CACHE_DIR": str(cache)}).returncode == 1
    assert run_cli("clean", cwd=tmp_path, env={"LRLINT_CACHE_DIR": str(cache)}).returncode == 0
    assert not cache.exists()


def test_clean_refuses_a_folder_that_is_not_a_cache(tmp_path: Path) -> None:
    write(tmp_path, {"home/notes.txt": "precious"})
    result = run_cli("clean", "--cache-dir", "home", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.decode().startswith("lrlint: error: not removing home: it does not look like lrlint's cache")
    assert (tmp_path / "home" / "notes.txt").read_text() == "precious"


def test_clean_does_not_follow_a_symlinked_cache(tmp_path: Path) -> None:
    write(tmp_path, {"outside/data.txt": "keep"})
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / ".lrlint_cache").symlink_to(tmp_path / "outside", target_is_directory=True)
    assert run_cli("clean", cwd=tmp_path / "proj").returncode == 0
    assert (tmp_path / "outside" / "data.txt").read_text() == "keep"


# --- --select ALL ----------------------------------------------------------------------------------


def test_select_all_includes_lr100_as_ruffs_all_includes_ruf100(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"a.py": LR004_SRC.replace("gamma=2.0)", "gamma=0.5)  # noqa: LR004")})
    monkeypatch.chdir(tmp_path)
    assert lrlint_in_process(capsys, "a.py").rc == 0  # LR100 is off by default
    assert lrlint_in_process(capsys, "--select", "LR", "a.py").rc == 0  # and off through a prefix
    result = lrlint_in_process(capsys, "--output-format", "json", "--select", "ALL", "a.py")
    assert [d["code"] for d in json.loads(result.out)] == ["LR100"]
    assert load_settings(tmp_path, {"isolated": True, "select": "ALL"}).enabled == frozenset(rules())


def test_rule_names_select_like_codes(tmp_path: Path) -> None:
    s = load_settings(tmp_path, {"isolated": True, "select": "gamma-not-decaying,unused-noqa", "per_file_ignores": ["a.py:gamma-not-decaying"]})
    assert s.enabled == frozenset({"LR004", "LR100"})  # a name switches on even a rule off by default
    assert not s.is_enabled("LR004", tmp_path / "a.py")
    with pytest.raises(ConfigError, match="unknown rule code or prefix 'gamma-not-decay'"):
        load_settings(tmp_path, {"isolated": True, "ignore": "gamma-not-decay"})


# --- gitlab and json-lines -------------------------------------------------------------------------


def test_json_lines_is_one_json_object_per_finding(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """ruff's json-lines: the json format's objects, one per line."""
    as_json = json.loads(lrlint_in_process(capsys, "--output-format", "json", "a.py", "b.py").out)
    result = lrlint_in_process(capsys, "--output-format", "json-lines", "a.py", "b.py")
    assert result.rc == 1
    lines = result.out.splitlines()
    assert [json.loads(line) for line in lines] == as_json
    assert all("\n" not in line for line in lines)
    clean = lrlint_in_process(capsys, "--output-format", "json-lines", "--select", "LR002", "a.py")
    assert (clean.rc, clean.out) == (0, "")


GITLAB_KEYS = {"check_name", "description", "severity", "fingerprint", "location"}


def _gitlab(capsys: pytest.CaptureFixture[str], *paths: str) -> list[dict[str, Any]]:
    result = lrlint_in_process(capsys, "--output-format", "gitlab", *paths)
    assert result.rc in (0, 1), result.err
    return json.loads(result.out)


def test_gitlab_code_quality_shape(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """ruff's gitlab format: Code Climate issues GitLab's Code Quality widget reads."""
    write(project, {"two.py": TWO_FINDINGS})
    issues = _gitlab(capsys, "a.py", "b.py", "two.py")
    assert all(set(issue) == GITLAB_KEYS for issue in issues)
    a, b, two_first, two_second = issues
    assert a["check_name"] == "LR001" and a["severity"] == "major"
    assert a["description"].startswith("LR001: `StepLR` has no `milestones` parameter")
    assert a["location"] == {"path": "a.py", "positions": {"begin": {"line": 5, "column": 31}, "end": {"line": 5, "column": 50}}}
    assert b["severity"] == "minor"  # a warning
    assert len({issue["fingerprint"] for issue in issues}) == 4  # unique, even for one code twice in one file
    assert two_first["fingerprint"] != two_second["fingerprint"]
    assert _gitlab(capsys, "a.py", "b.py", "two.py") == issues  # stable from run to run
    assert _gitlab(capsys, "b.py") == [b]  # and independent of the other files


def test_gitlab_fingerprints_survive_edits_above_the_finding(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = _gitlab(capsys, "a.py")
    write(project, {"a.py": "# a comment\n\n" + LR001_SRC})
    after = _gitlab(capsys, "a.py")
    assert after[0]["location"]["positions"]["begin"]["line"] == before[0]["location"]["positions"]["begin"]["line"] + 2
    assert after[0]["fingerprint"] == before[0]["fingerprint"]
    expected = hashlib.sha256("\0".join(("", "LR001", "a.py")).encode()).hexdigest()[:32]
    assert before[0]["fingerprint"] == expected  # a documented hash, not Python's per-process hash()


def test_gitlab_paths_relative_to_ci_project_dir(project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    write(project, {"src/c.py": LR001_SRC})
    monkeypatch.setenv("CI_PROJECT_DIR", str(project))
    monkeypatch.chdir(project / "src")
    [issue] = _gitlab(capsys, "c.py")
    assert issue["location"]["path"] == "src/c.py"


def test_gitlab_notebook_finding_points_at_the_ipynb_row(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = json.dumps(NOTEBOOK, indent=1)
    write(project, {"nb.ipynb": text})
    issues = _gitlab(capsys, "nb.ipynb")
    lines = text.splitlines()
    for issue in issues:
        row = issue["location"]["positions"]["begin"]["line"]
        assert row > 1 and '"' in lines[row - 1]  # a source string of the JSON, not line 1


def test_every_format_renders_a_clean_run(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for fmt in OUTPUT_FORMATS:
        result = lrlint_in_process(capsys, "--output-format", fmt, "--select", "LR002", "a.py")
        assert result.rc == 0, (fmt, result.err)
        if fmt in ("json", "gitlab"):
            assert json.loads(result.out) == []
        elif fmt == "sarif":
            assert json.loads(result.out)["runs"][0]["results"] == []
        elif fmt in ("github", "json-lines"):
            assert result.out == ""
        elif fmt == "junit":
            assert "No errors found" in result.out
        else:
            assert re.fullmatch(r"All checks passed! \(1 file checked\)\n", result.out), (fmt, result.out)


# --- lint_bytes selects what the CLI selects ---------------------------------------------------------


def test_lint_bytes_default_selection_is_the_clis(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The fuzzer's cli_folder property compares the two: LR100 is off by default in both."""
    from lrlint.linter import lint_bytes
    from tests.helpers import select_all

    source = LR004_SRC.replace("gamma=2.0)", "gamma=0.5)  # noqa: LR004") + "x = 1  # noqa\n"
    assert lint_bytes("a.py", source.encode()).diagnostics == []
    assert [d.code for d in lint_bytes("a.py", source.encode(), enabled=select_all).diagnostics] == ["LR100", "LR100"]
    write(tmp_path, {"a.py": source})
    monkeypatch.chdir(tmp_path)
    assert json.loads(lrlint_in_process(capsys, "--output-format", "json", "--isolated", "a.py").out) == []
