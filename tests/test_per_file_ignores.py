"""per-file-ignores as ruff documents them (https://docs.astral.sh/ruff/settings/#lint_per-file-ignores,
`ruff check --help`): globset globs in which `*` crosses folders, `!` negates, a bare file name
matches at any depth; `--per-file-ignores` replaces the configured `per-file-ignores`,
`extend-per-file-ignores` (setting or option) adds to whichever applies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lrlint.config import ConfigError, load_settings
from tests.helpers import write
from tests.test_cli import LR001_SRC, LR004_SRC, lrlint_in_process


def load(root: Path, **overrides: object):  # noqa: ANN201 - lrlint.config.Settings
    return load_settings(root, overrides)


@pytest.fixture(autouse=True)
def plain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("LRLINT_NO_CACHE", "1")


def test_star_matches_nested_files_as_in_ruff(tmp_path: Path) -> None:
    (tmp_path / "lrlint.toml").write_text('[per-file-ignores]\n"src/*" = ["LR001"]\n"tools/*.py" = ["LR004"]\n')
    s = load(tmp_path)
    assert not s.is_enabled("LR001", tmp_path / "src" / "a.py")
    assert not s.is_enabled("LR001", tmp_path / "src" / "pkg" / "deep" / "b.py")
    assert s.is_enabled("LR001", tmp_path / "other" / "src" / "a.py")  # anchored at the config's folder
    assert not s.is_enabled("LR004", tmp_path / "tools" / "sub" / "x.py")
    assert s.is_enabled("LR004", tmp_path / "tools" / "sub" / "x.pyi")


def test_cli_star_matches_nested_files_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"src/a.py": LR001_SRC, "src/pkg/b.py": LR001_SRC, "other/c.py": LR001_SRC})
    monkeypatch.chdir(tmp_path)
    result = lrlint_in_process(capsys, "--output-format", "json", "--per-file-ignores", "src/*:LR001", ".")
    assert sorted({d["filename"] for d in json.loads(result.out)}) == ["other/c.py"]


def test_negated_pattern_applies_to_the_other_files(tmp_path: Path) -> None:
    (tmp_path / "lrlint.toml").write_text('[per-file-ignores]\n"!src/**" = ["LR004"]\n')
    s = load(tmp_path)
    assert s.is_enabled("LR004", tmp_path / "src" / "train.py")
    assert not s.is_enabled("LR004", tmp_path / "scripts" / "sweep.py")


def test_extend_per_file_ignores_setting_adds(tmp_path: Path) -> None:
    (tmp_path / "lrlint.toml").write_text('[per-file-ignores]\n"a.py" = ["LR001"]\n[extend-per-file-ignores]\n"a.py" = ["LR004"]\n"b.py" = ["LR002"]\n')
    s = load(tmp_path)
    assert not s.is_enabled("LR001", tmp_path / "a.py") and not s.is_enabled("LR004", tmp_path / "a.py")
    assert not s.is_enabled("LR002", tmp_path / "b.py")


def test_cli_per_file_ignores_replaces_the_setting_but_not_its_extension(tmp_path: Path) -> None:
    """ruff: `--per-file-ignores` takes the place of `per-file-ignores`; `extend-per-file-ignores`
    still applies on top."""
    (tmp_path / "lrlint.toml").write_text('[per-file-ignores]\n"a.py" = ["LR001"]\n[extend-per-file-ignores]\n"c.py" = ["LR003"]\n')
    s = load(tmp_path, per_file_ignores=["b.py:LR002"])
    assert s.is_enabled("LR001", tmp_path / "a.py")  # replaced
    assert not s.is_enabled("LR002", tmp_path / "b.py")
    assert not s.is_enabled("LR003", tmp_path / "c.py")  # the extension stays


def test_cli_extend_per_file_ignores_adds_to_the_setting(tmp_path: Path) -> None:
    (tmp_path / "lrlint.toml").write_text('[per-file-ignores]\n"a.py" = ["LR001"]\n')
    s = load(tmp_path, extend_per_file_ignores=["a.py:LR004,b.py:LR002"])
    assert not s.is_enabled("LR001", tmp_path / "a.py")  # kept
    assert not s.is_enabled("LR004", tmp_path / "a.py")
    assert not s.is_enabled("LR002", tmp_path / "b.py")
    both = load(tmp_path, per_file_ignores=["b.py:LR003"], extend_per_file_ignores=["b.py:LR005"])
    assert both.is_enabled("LR001", tmp_path / "a.py")
    assert not both.is_enabled("LR003", tmp_path / "b.py") and not both.is_enabled("LR005", tmp_path / "b.py")


def test_cli_extend_per_file_ignores_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"lrlint.toml": '[per-file-ignores]\n"a.py" = ["LR001"]\n', "a.py": LR001_SRC, "b.py": LR004_SRC})
    monkeypatch.chdir(tmp_path)
    result = lrlint_in_process(capsys, "--output-format", "json", "--extend-per-file-ignores", "b.py:LR004", ".")
    assert (result.rc, json.loads(result.out)) == (0, [])
    replaced = lrlint_in_process(capsys, "--output-format", "json", "--per-file-ignores", "b.py:LR004", ".")
    assert [d["filename"] for d in json.loads(replaced.out)] == ["a.py"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"extend_per_file_ignores": ["nocolon"]}, "--extend-per-file-ignores: expected GLOB:CODES, got 'nocolon'"),
        ({"extend_per_file_ignores": ["a.py:LR99"]}, "--extend-per-file-ignores: unknown rule code or prefix 'LR99'"),
    ],
)
def test_extend_per_file_ignores_errors_name_the_option(tmp_path: Path, overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path, {"isolated": True, **overrides})
    assert str(info.value) == message


def test_extend_per_file_ignores_setting_errors_name_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lrlint.toml").write_text('[extend-per-file-ignores]\n"a.py" = "LR001"\n')
    with pytest.raises(ConfigError) as info:
        load(tmp_path)
    assert str(info.value) == "lrlint.toml: 'extend-per-file-ignores.a.py': must be a list of strings"


def test_negation_and_extension_change_the_settings_fingerprint(tmp_path: Path) -> None:
    base = load(tmp_path, isolated=True, per_file_ignores=["src/*:LR001"]).fingerprint()
    assert base != load(tmp_path, isolated=True, per_file_ignores=["!src/*:LR001"]).fingerprint()
    assert base != load(tmp_path, isolated=True, per_file_ignores=["src/*:LR001"], extend_per_file_ignores=["b.py:LR002"]).fingerprint()
