"""The rule catalogue and the torch scheduler signatures, read from the data files in `rules/`.

In a source checkout the data lives in the top-level `rules/` folder; the wheel ships the same
files as `lrlint/_catalogue/`.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from lrlint.signatures import (
    NO_DEFAULT,
    Decay,
    Length,
    Param,
    Release,
    SchedulerSignature,
    ValueCheck,
    release,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

__all__ = [  # the table's types are the catalogue's: callers need not know where they are defined
    "Param", "Release", "RuleInfo", "SchedulerSignature", "codes", "data_dir", "input_codes", "lookup",
    "markdown_table", "release", "rule", "rules", "schedulers", "torch_releases",
]  # fmt: skip

FixApplicability = Literal["none", "safe", "unsafe"]


@dataclass(frozen=True)
class RuleInfo:
    code: str
    name: str
    severity: Literal["error", "warning"]
    summary: str  # what it catches, in one line
    fix: FixApplicability
    verify_evidence: str  # what torch shows under --verify; "" when the rule makes no runtime claim
    what_it_does: str
    why_is_this_bad: str
    example: str
    use_instead: str
    references: tuple[str, ...]
    # False: on only when selected by its full code (`--select LR100`, `extend-select`), never
    # through a prefix or the default selection (ruff's explicit preview rules).
    default: bool = True
    fix_docs: str = ""  # why the fix is safe or unsafe, or why there is none (`[docs] fix`)

    @property
    def verify(self) -> bool:
        """Whether --verify covers the rule: the catalogue says what torch shows (and the rule
        module has the hook that shows it: tests/test_catalogue.py holds the two together)."""
        return bool(self.verify_evidence)

    def markdown(self) -> str:
        """The rule's documentation, in the layout of ruff's rule pages."""
        parts = [
            f"# {self.name} ({self.code})",
            f"Severity: {self.severity}. Fix: {self.fix}. Verified in torch by --verify: "
            f"{'yes' if self.verify else 'no'}.",
            "## What it does\n" + self.what_it_does.strip(),
            "## Why is this bad?\n" + self.why_is_this_bad.strip(),
            "## Example\n" + self.example.strip(),
            "## Use instead\n" + self.use_instead.strip(),
        ]
        if self.fix_docs:
            parts.append("## Fix safety\n" + self.fix_docs.strip())
        if self.references:
            parts.append("## References\n" + "\n".join(f"- {url}" for url in self.references))
        return "\n\n".join(parts) + "\n"


def data_dir() -> Path:
    packaged = Path(__file__).with_name("_catalogue")
    if packaged.is_dir():
        return packaged
    source = Path(__file__).resolve().parent.parent / "rules"
    if source.is_dir():
        return source
    raise FileNotFoundError("lrlint's rule catalogue is missing: reinstall lrlint")


def _load(path: Path) -> dict[str, Any]:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def _info(path: Path) -> RuleInfo:
    raw = _load(path)
    docs = raw["docs"]
    info = RuleInfo(
        code=raw["code"],
        name=raw["name"],
        severity=raw["severity"],
        summary=raw["summary"],
        fix=raw["fix_applicability"],
        verify_evidence=raw.get("verify_evidence", ""),
        what_it_does=docs["what_it_does"],
        why_is_this_bad=docs["why_is_this_bad"],
        example=docs["example"],
        use_instead=docs["use_instead"],
        references=tuple(docs.get("references", ())),
        default=bool(raw.get("selected_by_default", True)),
        fix_docs=docs.get("fix", ""),
    )
    if info.code != path.stem:
        raise ValueError(f"{path.name}: code {info.code!r} does not match the file name")
    return info


@lru_cache(maxsize=None)
def rules() -> dict[str, RuleInfo]:
    """Every lint rule of the catalogue (LRxxx), by code, in code order: what can be selected."""
    return {info.code: info for info in map(_info, sorted(data_dir().glob("LR*.toml")))}


@lru_cache(maxsize=None)
def input_codes() -> dict[str, RuleInfo]:
    """lrlint's reports about an input it could not check (E902, E999, ...), by code: documented
    like rules, always enabled, never selectable. Every `rules/<letter><digits>.toml` not `LR`."""
    paths = [
        path for path in sorted(data_dir().glob("*.toml"))
        if re.fullmatch(r"[A-Z]+[0-9]+", path.stem) and not path.stem.startswith("LR")
    ]  # fmt: skip
    return {info.code: info for info in map(_info, paths)}


def codes() -> dict[str, RuleInfo]:
    """Everything lrlint may print, documented: the lint rules, then the input codes."""
    return {**rules(), **input_codes()}


def lookup(code: str) -> RuleInfo | None:
    """The documentation of any code lrlint prints (a rule or an input code)."""
    return codes().get(code.upper())


def markdown_table(infos: list[RuleInfo]) -> str:
    """The README's rule table."""
    lines = ["| code | name | severity | catches | verified in torch |", "|---|---|---|---|---|"]
    for info in infos:
        evidence = info.verify_evidence if info.verify else "no runtime claim"
        lines.append(f"| {info.code} | {info.name} | {info.severity} | {info.summary} | {evidence} |")
    return "\n".join(lines) + "\n"


def rule(code: str) -> RuleInfo | None:
    return rules().get(code.upper())


@lru_cache(maxsize=None)
def schedulers() -> dict[str, SchedulerSignature]:
    """torch.optim.lr_scheduler classes, by name: signatures and traits (see schedulers.toml)."""
    raw = _load(data_dir() / "schedulers.toml")
    return {name: _signature(name, entry) for name, entry in raw.items()}


def _signature(name: str, entry: dict[str, Any]) -> SchedulerSignature:
    since = entry.get("since")
    params = tuple(
        Param(
            name=p["name"],
            required=bool(p.get("required", False)),
            deprecated=p.get("deprecated"),
            removed=p.get("removed"),
            since=p.get("since", since),
            link=p.get("link") if "since" in p else entry.get("link"),  # a class's parameter: its link
            deprecated_link=p.get("deprecated_link"),
            removed_link=p.get("removed_link"),
            default=_default(p["default"]) if "default" in p else NO_DEFAULT,
            check=ValueCheck(**p["check"]) if "check" in p else None,
        )
        for p in entry["params"]
    )
    length = entry.get("length")
    return SchedulerSignature(
        name,
        params,
        entry.get("optimizer_param", "optimizer"),
        since,
        entry.get("link"),
        decay=Decay.parse(entry["decay"]) if "decay" in entry else None,
        step_argument=entry.get("step_argument", "epoch"),
        order_insensitive=bool(entry.get("order_insensitive", False)),
        order_warning=bool(entry.get("order_warning", True)),
        get_lr=bool(entry.get("get_lr", True)),
        length=Length(tuple(map(tuple, length["from"])), length["raises"], length["why"], length["anchor"]) if length else None,
        horizon=entry.get("horizon"),
        horizon_exact=bool(entry.get("horizon_exact", False)),
        example=dict(entry.get("example", {})),
    )


def _default(value: Any) -> Any:
    return None if value == "None" else value  # TOML has no null


@lru_cache(maxsize=None)
def torch_releases() -> tuple[str, ...]:
    """The torch releases lrlint knows ("major.minor"), oldest first."""
    return tuple(_load(data_dir() / "torch_releases.toml")["releases"])
