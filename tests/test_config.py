from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lrlint import config
from lrlint.config import DEFAULT_EXCLUDE, ConfigError, Settings, find_config, load_settings

from lrlint.catalogue import rules

ALL_RULES = [code for code, info in rules().items() if info.default]  # on by default (LR100 is not), in code order


def rules_but(*codes: str) -> list[str]:
    return [code for code in ALL_RULES if code not in codes]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every test runs from its own empty folder, so no config of the checkout leaks in.
    monkeypatch.chdir(tmp_path)


def load(start: Path, **overrides: object) -> Settings:
    return load_settings(start, overrides)


# ---------------------------------------------------------------------------------- discovery


def test_no_config_gives_defaults(tmp_path: Path) -> None:
    s = load(tmp_path)
    assert s.config_path is None
    assert s.enabled_rules == ALL_RULES
    assert s.project_root == tmp_path
    assert [p.pattern for p in s.exclude] == list(DEFAULT_EXCLUDE)


def test_pyproject_table_found_from_nested_start(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.lrlint]\nselect = ["LR001"]\n')
    nested = tmp_path / "src" / "pkg"
    nested.mkdir(parents=True)
    s = load(nested)
    assert s.config_path == tmp_path / "pyproject.toml"
    assert s.enabled_rules == ["LR001"]
    assert s.project_root == tmp_path


def test_pyproject_without_table_is_skipped(tmp_path: Path) -> None:
    write(tmp_path / "lrlint.toml", 'select = ["LR002"]\n')
    write(tmp_path / "sub" / "pyproject.toml", '[tool.black]\nline-length = 99\n')
    assert find_config(tmp_path / "sub") == tmp_path / "lrlint.toml"
    assert load(tmp_path / "sub").enabled_rules == ["LR002"]


def test_nearest_file_wins(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.lrlint]\nselect = ["LR001"]\n')
    write(tmp_path / "sub" / "pyproject.toml", '[tool.lrlint]\nselect = ["LR004"]\n')
    assert load(tmp_path / "sub").enabled_rules == ["LR004"]
    assert load(tmp_path).enabled_rules == ["LR001"]


def test_lrlint_toml_beats_pyproject_in_same_folder(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.lrlint]\nselect = ["LR001"]\n')
    write(tmp_path / "lrlint.toml", 'select = ["LR003"]\n')
    assert load(tmp_path).config_path == tmp_path / "lrlint.toml"
    write(tmp_path / ".lrlint.toml", 'select = ["LR005"]\n')
    assert load(tmp_path).enabled_rules == ["LR005"]


def test_empty_lrlint_toml_still_counts(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.lrlint]\nselect = ["LR001"]\n')
    write(tmp_path / "sub" / "lrlint.toml", "")
    s = load(tmp_path / "sub")
    assert s.config_path == tmp_path / "sub" / "lrlint.toml"
    assert s.enabled_rules == ALL_RULES


def test_start_may_be_a_file(tmp_path: Path) -> None:
    write(tmp_path / "lrlint.toml", 'ignore = ["LR001"]\n')
    script = write(tmp_path / "train.py", "")
    s = load(script)
    assert s.config_path == tmp_path / "lrlint.toml"
    assert "LR001" not in s.enabled


def test_config_option_skips_discovery(tmp_path: Path) -> None:
    write(tmp_path / "lrlint.toml", 'select = ["LR001"]\n')
    other = write(tmp_path / "elsewhere" / "custom.toml", 'select = ["LR002"]\n')
    s = load(tmp_path, config=str(other))
    assert s.config_path == other
    assert s.enabled_rules == ["LR002"]
    assert s.project_root == other.parent


def test_config_option_pyproject_without_table_means_defaults(tmp_path: Path) -> None:
    write(tmp_path / "lrlint.toml", 'select = ["LR001"]\n')
    pyproject = write(tmp_path / "x" / "pyproject.toml", "[project]\nname = 'x'\n")
    assert load(tmp_path, config=pyproject).enabled_rules == ALL_RULES


def test_isolated_ignores_files(tmp_path: Path) -> None:
    write(tmp_path / "lrlint.toml", 'select = ["LR001"]\n')
    s = load(tmp_path, isolated=True)
    assert s.config_path is None
    assert s.enabled_rules == ALL_RULES


# ---------------------------------------------------------------------------------- selection


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('select = ["LR"]', ALL_RULES),
        ('select = ["ALL"]', list(rules())),  # ALL includes LR100, as ruff's ALL includes RUF100
        ('select = ["LR00"]', [code for code in ALL_RULES if code.startswith("LR00")]),
        ('select = ["LR003"]', ["LR003"]),
        ('select = ["lr003"]', ["LR003"]),
        ("select = []", []),
        ('ignore = ["LR003", "LR005"]', rules_but("LR003", "LR005")),
        ('select = ["LR001"]\nextend-select = ["LR004"]', ["LR001", "LR004"]),
        # A more specific selector wins whichever list it is in.
        ('select = ["LR003"]\nignore = ["LR"]', ["LR003"]),
        ('select = ["LR"]\nignore = ["LR003"]', rules_but("LR003")),
        # Equal specificity: ignore wins.
        ('select = ["LR003"]\nignore = ["LR003"]', []),
        ('ignore = ["ALL"]\nextend-select = ["LR002"]', ["LR002"]),
    ],
)
def test_rule_selection(tmp_path: Path, toml: str, expected: list[str]) -> None:
    write(tmp_path / "lrlint.toml", toml + "\n")
    assert load(tmp_path).enabled_rules == expected


def test_cli_select_replaces_file_selection(tmp_path: Path) -> None:
    write(tmp_path / "lrlint.toml", 'select = ["LR001", "LR003"]\nignore = ["LR003"]\n')
    assert load(tmp_path).enabled_rules == ["LR001"]
    # Like ruff: a CLI --select starts over, the file's ignores included.
    assert load(tmp_path, select=["LR003"]).enabled_rules == ["LR003"]


def test_cli_ignore_and_extend_select_adjust_file_selection(tmp_path: Path) -> None:
    write(tmp_path / "lrlint.toml", 'ignore = ["LR005"]\n')
    assert load(tmp_path, ignore="LR001,LR002").enabled_rules == rules_but("LR001", "LR002", "LR005")
    assert load(tmp_path, extend_select=["LR005"]).enabled_rules == ALL_RULES


def test_cli_accepts_argparse_spelling_and_comma_lists(tmp_path: Path) -> None:
    s = load_settings(tmp_path, {"select": ["LR001, LR002", "LR003"], "extend_select": None})
    assert s.enabled_rules == ["LR001", "LR002", "LR003"]


def test_syntax_and_io_errors_are_always_enabled(tmp_path: Path) -> None:
    write(tmp_path / "lrlint.toml", 'select = []\n[per-file-ignores]\n"*.py" = ["ALL", "E999"]\n')
    s = load(tmp_path)
    assert s.is_enabled("E999", tmp_path / "a.py")
    assert s.is_enabled("E902", tmp_path / "a.py")
    assert not s.is_enabled("LR001", tmp_path / "a.py")


# ---------------------------------------------------------------------------------- per-file-ignores


def test_per_file_ignores_relative_to_config_folder(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[tool.lrlint.per-file-ignores]\n"tests/**" = ["LR005"]\n"conftest.py" = ["LR00"]\n'
        '"scripts/*.py" = ["LR001"]\n',
    )
    s = load(tmp_path / "tests")  # start below the config: globs still anchor at its folder
    assert not s.is_enabled("LR005", tmp_path / "tests" / "unit" / "test_a.py")
    assert s.is_enabled("LR003", tmp_path / "tests" / "unit" / "test_a.py")
    assert s.is_enabled("LR005", tmp_path / "src" / "tests.py")
    assert s.is_enabled("LR005", tmp_path / "src" / "tests" / "a.py")  # anchored, not anywhere
    # A bare filename matches at any depth.
    assert not s.is_enabled("LR002", tmp_path / "src" / "deep" / "conftest.py")
    # `*` crosses folders, as in ruff (globset): `scripts/*.py` matches nested files too.
    assert not s.is_enabled("LR001", tmp_path / "scripts" / "run.py")
    assert not s.is_enabled("LR001", tmp_path / "scripts" / "sub" / "run.py")
    assert s.is_enabled("LR001", tmp_path / "src" / "scripts" / "run.py")  # still anchored


def test_per_file_ignores_accept_relative_paths(tmp_path: Path) -> None:
    write(tmp_path / "lrlint.toml", '[per-file-ignores]\n"tests/**" = ["LR005"]\n')
    s = load(tmp_path)
    assert not s.is_enabled("LR005", Path("tests/test_x.py"))  # relative to the cwd (tmp_path)


def test_cli_per_file_ignores_replace_file_ones(tmp_path: Path) -> None:
    write(tmp_path / "lrlint.toml", '[per-file-ignores]\n"a.py" = ["LR001"]\n')
    s = load(tmp_path, per_file_ignores=["b.py:LR002,LR003", "c/**:LR"])
    assert s.is_enabled("LR001", tmp_path / "a.py")
    assert not s.is_enabled("LR002", tmp_path / "b.py")
    assert not s.is_enabled("LR003", tmp_path / "b.py")
    assert s.is_enabled("LR004", tmp_path / "b.py")
    assert not s.is_enabled("LR004", tmp_path / "c" / "d.py")


def test_globs_in_a_folder_with_glob_characters(tmp_path: Path) -> None:
    project = tmp_path / "exp[1]*"
    write(project / "lrlint.toml", '[per-file-ignores]\n"tests/*.py" = ["LR005"]\n')
    s = load(project)
    assert not s.is_enabled("LR005", project / "tests" / "t.py")
    assert s.is_enabled("LR005", tmp_path / "exp1x" / "tests" / "t.py")


# ---------------------------------------------------------------------------------- exclude


def test_default_excludes_match_components(tmp_path: Path) -> None:
    s = load(tmp_path)
    for rel in (".venv/lib/x.py", "a/build/x.py", "__pycache__", "pkg.egg-info/y.py", "x/.git"):
        assert s.is_excluded(tmp_path / rel), rel
    assert not s.is_excluded(tmp_path / "src" / "builder.py")
    assert not s.is_excluded(tmp_path / "src" / "train.py")


def test_project_inside_excluded_name_is_not_excluded(tmp_path: Path) -> None:
    project = tmp_path / "dist" / "build"  # the root itself bears an excluded name
    project.mkdir(parents=True)
    s = load(project)
    assert not s.is_excluded(project / "train.py")
    assert s.is_excluded(project / "dist" / "train.py")


def test_exclude_replaces_defaults_and_extend_exclude_adds(tmp_path: Path) -> None:
    write(tmp_path / "lrlint.toml", 'exclude = ["legacy"]\nextend-exclude = ["data/*.py"]\n')
    s = load(tmp_path)
    assert s.is_excluded(tmp_path / "legacy" / "old.py")
    assert not s.is_excluded(tmp_path / ".venv" / "x.py")
    assert s.is_excluded(tmp_path / "data" / "gen.py")
    assert not s.is_excluded(tmp_path / "data" / "sub" / "gen.py")


def test_extend_exclude_keeps_defaults_and_cli_adds(tmp_path: Path) -> None:
    write(tmp_path / "lrlint.toml", 'extend-exclude = ["notebooks/**"]\n')
    s = load(tmp_path, extend_exclude="generated")
    assert s.is_excluded(tmp_path / ".venv" / "x.py")
    assert s.is_excluded(tmp_path / "notebooks" / "a" / "b.ipynb")
    assert s.is_excluded(tmp_path / "pkg" / "generated" / "x.py")
    assert not s.is_excluded(tmp_path / "pkg" / "x.py")


def test_cli_exclude_replaces(tmp_path: Path) -> None:
    s = load(tmp_path, exclude=["only_this"])
    assert s.is_excluded(tmp_path / "only_this" / "x.py")
    assert not s.is_excluded(tmp_path / "build" / "x.py")


# ---------------------------------------------------------------------------------- torch-version


def test_torch_version_from_file_and_cli(tmp_path: Path) -> None:
    write(tmp_path / "lrlint.toml", 'torch-version = "2.2"\n')
    assert load(tmp_path).torch_version == "2.2"
    assert load(tmp_path, torch_version="2.6").torch_version == "2.6"
    assert load(tmp_path, torch_version="latest").torch_version is None
    assert load(tmp_path, torch_version="2.6.0+cu121").torch_version == "2.6.0"


def test_torch_version_defaults_to_installed_metadata(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from importlib import metadata

    monkeypatch.setattr(config, "_version_from_dist_info", lambda name: "2.5.1+cpu")
    assert load(tmp_path).torch_version == "2.5.1"
    # Without a dist-info folder beside the package, importlib.metadata decides.
    monkeypatch.setattr(config, "_version_from_dist_info", lambda name: None)
    monkeypatch.setattr(metadata, "version", lambda name: "2.4.0")
    assert load(tmp_path).torch_version == "2.4.0"

    def missing(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", missing)
    assert load(tmp_path).torch_version is None


def test_version_is_read_from_the_dist_info_folder_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "lrlint_fake_pkg").mkdir()
    (tmp_path / "lrlint_fake_pkg" / "__init__.py").write_text("raise RuntimeError('never imported')\n")
    (tmp_path / "lrlint_fake_pkg-2.7.1+cu121.dist-info").mkdir()
    monkeypatch.syspath_prepend(str(tmp_path))
    assert config._version_from_dist_info("lrlint_fake_pkg") == "2.7.1+cu121"
    assert config._version_from_dist_info("lrlint_no_such_pkg") is None


def test_loading_settings_does_not_import_torch_or_rich(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    code = (
        "import json, sys; from pathlib import Path; from lrlint.config import load_settings\n"
        "s = load_settings(Path('.'), {})\n"
        "heavy = [m for m in ('torch', 'rich') if m in sys.modules]\n"
        "from importlib import metadata\n"
        "try: v = metadata.version('torch')\n"
        "except metadata.PackageNotFoundError: v = None\n"
        "print(json.dumps([heavy, s.torch_version, v]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True,
        env={"PYTHONPATH": str(root), "PATH": ""},
    )  # fmt: skip
    heavy, found, installed = json.loads(out.stdout)
    assert heavy == []
    if installed is None:
        assert found is None
    else:
        assert found and installed.startswith(found)


# ---------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("filename", "text", "message"),
    [
        ("pyproject.toml", '[tool.lrlint]\nselekt = ["LR001"]\n',
         "pyproject.toml: [tool.lrlint] unknown key 'selekt' (did you mean 'select'?)"),
        ("lrlint.toml", 'extend_select = ["LR001"]\n',
         "lrlint.toml: unknown key 'extend_select' (did you mean 'extend-select'?)"),
        ("lrlint.toml", '[tool.lrlint]\nselect = ["LR001"]\n',
         "lrlint.toml: unknown key 'tool' (lrlint.toml takes top-level keys, not a [tool.lrlint] table)"),
        ("lrlint.toml", 'colour = "red"\n', "lrlint.toml: unknown key 'colour'"),
        ("pyproject.toml", '[tool.lrlint]\nselect = "LR001"\n',
         "pyproject.toml: [tool.lrlint] 'select': must be a list of strings"),
        ("lrlint.toml", "ignore = [1]\n", "lrlint.toml: 'ignore': must be a list of strings"),
        ("lrlint.toml", 'select = ["LR099"]\n',
         "lrlint.toml: 'select': unknown rule code or prefix 'LR099'"),
        ("lrlint.toml", 'ignore = ["F401"]\n',
         "lrlint.toml: 'ignore': unknown rule code or prefix 'F401'"),
        ("lrlint.toml", 'per-file-ignores = ["x"]\n',
         "lrlint.toml: 'per-file-ignores': must be a table of glob = [codes]"),
        ("lrlint.toml", '[per-file-ignores]\n"a.py" = "LR001"\n',
         "lrlint.toml: 'per-file-ignores.a.py': must be a list of strings"),
        ("lrlint.toml", '[per-file-ignores]\n"a.py" = ["LR7"]\n',
         "lrlint.toml: 'per-file-ignores': unknown rule code or prefix 'LR7'"),
        ("lrlint.toml", "torch-version = 2.6\n",
         "lrlint.toml: 'torch-version': must be a string such as \"2.6\""),
        ("lrlint.toml", 'torch-version = "two"\n',
         "lrlint.toml: 'torch-version': expected a release such as \"2.6\", got 'two'"),
        ("pyproject.toml", "[tool]\nlrlint = 3\n", "pyproject.toml: [tool.lrlint] must be a table"),
    ],
)  # fmt: skip
def test_config_errors_name_file_and_key(
    tmp_path: Path, filename: str, text: str, message: str
) -> None:
    write(tmp_path / filename, text)
    with pytest.raises(ConfigError) as info:
        load(tmp_path)
    assert str(info.value) == message
    assert "\n" not in str(info.value)


def test_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    write(tmp_path / "lrlint.toml", "select = [\n")
    with pytest.raises(ConfigError, match=r"^lrlint.toml: invalid TOML: "):
        load(tmp_path)


def test_error_names_a_parent_file_by_its_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "lrlint.toml", "nope = 1\n")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    with pytest.raises(ConfigError, match="unknown key 'nope'") as info:
        load(tmp_path / "sub")
    assert str(info.value).startswith(str(tmp_path / "lrlint.toml") + ":")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"select": ["LR9"]}, "--select: unknown rule code or prefix 'LR9'"),
        ({"extend_select": "X1"}, "--extend-select: unknown rule code or prefix 'X1'"),
        ({"per_file_ignores": ["nocolon"]}, "--per-file-ignores: expected GLOB:CODES, got 'nocolon'"),
        ({"per_file_ignores": ["a.py:LR99"]}, "--per-file-ignores: unknown rule code or prefix 'LR99'"),
        ({"torch_version": "v2"}, "--torch-version: expected a release such as \"2.6\", got 'v2'"),
        ({"config": "missing.toml"}, "--config: no such file: missing.toml"),
        ({"config": "x.toml", "isolated": True}, "--config and --isolated cannot be used together"),
    ],
)  # fmt: skip
def test_cli_errors(tmp_path: Path, overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path, overrides)
    assert str(info.value) == message


def test_unknown_override_key_is_a_programming_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown settings override 'format'"):
        load_settings(tmp_path, {"format": "json"})


# ---------------------------------------------------------------------------------- fingerprint


def test_fingerprint_is_stable_and_tracks_effective_settings(tmp_path: Path) -> None:
    base = load(tmp_path, torch_version="2.6").fingerprint()
    assert base == load(tmp_path, torch_version="2.6").fingerprint()
    assert len(base) == 64
    # Spelled differently, same effect: same fingerprint.
    assert base == load(tmp_path, torch_version="2.6", select=["LR0", "LR003"]).fingerprint()
    assert base != load(tmp_path, torch_version="2.7").fingerprint()
    assert base != load(tmp_path, torch_version="2.6", ignore=["LR001"]).fingerprint()
    assert base != load(tmp_path, torch_version="2.6", per_file_ignores="a.py:LR001").fingerprint()
    assert base != load(tmp_path, torch_version="2.6", extend_exclude="x").fingerprint()


def test_fingerprint_ignores_code_order_but_not_the_anchor(tmp_path: Path) -> None:
    cfg = write(tmp_path / "a" / "lrlint.toml", '[per-file-ignores]\n"x.py" = ["LR001", "LR002"]\n')
    first = load(tmp_path / "a").fingerprint()
    write(cfg, '[per-file-ignores]\n"x.py" = ["LR002", "LR001"]\n')
    assert load(tmp_path / "a").fingerprint() == first
    # The same text in another folder anchors "x.py" elsewhere: a different fingerprint.
    write(tmp_path / "b" / "lrlint.toml", '[per-file-ignores]\n"x.py" = ["LR001", "LR002"]\n')
    assert load(tmp_path / "b").fingerprint() != first


def test_settings_is_frozen(tmp_path: Path) -> None:
    s = load(tmp_path)
    with pytest.raises(AttributeError):
        s.torch_version = "1.0"  # type: ignore[misc]


def test_override_keys_cover_the_file_keys() -> None:
    assert set(config.FILE_KEYS) < set(config.OVERRIDE_KEYS)
