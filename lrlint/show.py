"""`--show-files` and `--show-settings`, as ruff has them: what a run would check, and with which
settings a given file is checked (and the config file they come from)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TextIO

from lrlint.config import FIX_KEYS, Settings
from lrlint.discovery import Target, discover


def show_files(paths: list[str], settings: Settings, force_exclude: bool, out: TextIO) -> None:
    """The absolute path of every file a run over `paths` would check, sorted, one per line."""
    found = discover(
        [p for p in paths if p != "-"], lambda path: settings.for_path(path).is_excluded(Path(path)), force_exclude=force_exclude,
        entry_excluded=lambda path, is_dir: settings.for_path(path).is_excluded_entry(path, is_dir),
    )  # fmt: skip
    out.writelines(path + "\n" for path in sorted(os.path.abspath(item.file) for item in found if isinstance(item, Target)))


def show_settings(path: str, settings: Settings, out: TextIO) -> None:
    """The settings `path` is checked with: its config file, its project, and every value."""
    where = os.path.abspath(path)
    folder = where if os.path.isdir(where) else os.path.dirname(where)
    mine = settings.resolver.for_folder(folder) if settings.resolver is not None else settings
    root = settings.resolver.root_of(folder) if settings.resolver is not None else None
    here = Path(where)
    ignored = sorted(code for code in mine.enabled if not mine.is_enabled(code, here))
    lines = [
        f"Resolved settings for: {json.dumps(where)}",
        f"Settings path: {json.dumps(str(mine.config_path)) if mine.config_path is not None else 'none (the defaults)'}",
        f"Project root: {json.dumps(root) if root is not None else 'none (the folder named is the project)'}",
        "",
        f"select = {_list(mine.enabled_rules)}",
        f"ignored here by per-file-ignores = {_list(ignored)}",
        f"per-file-ignores = {_list(sorted(('!' if p.negated else '') + p.pattern.pattern + ':' + ','.join(sorted(p.codes)) for p in mine.per_file_ignores))}",
        f"exclude = {_list([p.pattern for p in mine.exclude])}",
        f"torch-version = {json.dumps(mine.torch_version) if mine.torch_version else json.dumps('latest')}",
        f"respect-gitignore = {_bool(mine.respect_gitignore)}",
        f"fail-on = {json.dumps(mine.fail_on)}",
    ]
    flags = dict(mine.fix_flags)
    lines += [f"{key} = {_bool(flags.get(key, False))}" for key in FIX_KEYS]
    out.write("\n".join(lines) + "\n")


def _list(values: list[str]) -> str:
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


def _bool(value: bool) -> str:
    return "true" if value else "false"
