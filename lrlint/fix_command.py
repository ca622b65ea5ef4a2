"""The fix options of `lrlint check`, with ruff's names and meanings.

- `--fix` (config `fix = true`; `--no-fix`): apply the applicable fixes in place, then report
  what remains. `--unsafe-fixes` (config `unsafe-fixes = true`) makes unsafe fixes applicable
  too; `--no-unsafe-fixes` (`unsafe-fixes = false`) also drops the hint about them.
- `--fix-only` (config `fix-only`): apply, report no findings; exit 0 unless
  `--exit-non-zero-on-fix` and something was fixed.
- `--diff`: print the unified diff of what `--fix` would do, write nothing; exit 1 when there is
  something to fix. The diff is the report (stdout, or `-o`); the summary goes to stderr.
- `--show-fixes` (config `show-fixes`): list what was fixed, per file and rule.
- `--exit-non-zero-on-fix`: exit 1 when anything was fixed, even with nothing left.
- `--add-noqa`: a `# noqa: CODE` for every remaining finding (lrlint/fixing/noqa.py); exit 0.

Source read from stdin is never written: with `--fix` or `--fix-only` the fixed source is
printed on stdout and the report goes to stderr, as ruff does.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from lrlint.fixing.edits import Unsafe
from lrlint.reporters.fixes import FixStatus

if TYPE_CHECKING:
    from lrlint.config import Settings
    from lrlint.fixing.engine import FixRun
    from lrlint.report import Report
    from lrlint.run import RunResult

FIX_KEYS = ("fix", "unsafe-fixes", "show-fixes", "fix-only")  # config keys, as ruff's
EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("fixes (as ruff's)")
    group.add_argument(
        "--fix", action=argparse.BooleanOptionalAction, default=None,
        help="apply the safe fixes in place, then report what remains (config key fix)",
    )  # fmt: skip
    group.add_argument(
        "--unsafe-fixes", action=argparse.BooleanOptionalAction, default=None,
        help="offer and apply the unsafe fixes too; --no-unsafe-fixes also hides the hint about them (config key unsafe-fixes)",
    )  # fmt: skip
    group.add_argument(
        "--fix-only", action=argparse.BooleanOptionalAction, default=None,
        help="apply the fixes without reporting the findings that remain; exit 0 unless --exit-non-zero-on-fix (config key fix-only)",
    )  # fmt: skip
    group.add_argument("--diff", action="store_true", help="print what --fix would change as a unified diff and write nothing; exit 1 when there is something to fix")
    group.add_argument(
        "--show-fixes", action=argparse.BooleanOptionalAction, default=None,
        help="list what was fixed, per file and rule (config key show-fixes)",
    )  # fmt: skip
    group.add_argument("--exit-non-zero-on-fix", action="store_true", help="exit 1 when a fix was applied, even if no finding remains")
    group.add_argument("--add-noqa", action="store_true", help="add `# noqa: CODE` to every line with a finding (adopting lrlint gradually), then exit")


def overrides(options: argparse.Namespace) -> dict[str, bool | None]:
    """The command line's values for the config keys FIX_KEYS (None: not given)."""
    return {key: getattr(options, key.replace("-", "_"), None) for key in FIX_KEYS}


def usage_problem(options: argparse.Namespace) -> str | None:
    """Combinations that make no sense, as a one-line usage error (checked before any work)."""
    fixing = [name for name, on in (("--fix", options.fix), ("--fix-only", options.fix_only), ("--diff", options.diff)) if on]
    if options.add_noqa:
        if fixing:
            return f"--add-noqa cannot be combined with {fixing[0]}: it only adds directives"
        if "-" in options.paths or (options.stdin_filename and not options.paths):
            return "--add-noqa changes files: it cannot read the source from stdin"
    shown_nothing = (["--add-noqa"] if options.add_noqa else []) + [f for f in fixing if f != "--fix"]
    if shown_nothing and (options.verify or options.verify_all):
        return f"--verify cannot be combined with {shown_nothing[0]}, which reports no findings to verify"
    if shown_nothing and options.statistics:
        return f"--statistics cannot be combined with {shown_nothing[0]}, which reports no findings"
    return None


@dataclass(frozen=True)
class FixRequest:
    mode: Literal["check", "apply", "diff", "add-noqa"] = "check"
    fix_only: bool = False
    unsafe: Unsafe = "hint"
    show_fixes: bool = False
    exit_non_zero_on_fix: bool = False

    @property
    def changes_files(self) -> bool:
        return self.mode != "check"


def request(options: argparse.Namespace, settings: Settings) -> FixRequest:
    """What this run does about fixes: the command line over the config file, as ruff decides."""
    flags = dict(settings.fix_flags)
    unsafe_flag = flags.get("unsafe-fixes")
    unsafe: Unsafe = "hint" if unsafe_flag is None else ("enabled" if unsafe_flag else "disabled")
    fix_only = bool(flags.get("fix-only"))
    if options.add_noqa:
        mode: Literal["check", "apply", "diff", "add-noqa"] = "add-noqa"
        fix_only = False
    elif options.diff:
        mode = "diff"
    elif flags.get("fix") or fix_only:
        mode = "apply"
    else:
        mode = "check"
    return FixRequest(mode, fix_only and mode == "apply", unsafe, bool(flags.get("show-fixes")), bool(options.exit_non_zero_on_fix))


@dataclass
class FixOutcome:
    request: FixRequest
    status: FixStatus
    problems: list[str] = field(default_factory=list)  # "lrlint: error: ..." lines for stderr
    failed: bool = False  # a file could not be read or written: exit code 2
    diff: str = ""
    stdin_source: bytes | None = None  # --fix/--fix-only on stdin: the fixed source, for stdout
    added: int = 0  # --add-noqa: lines changed


def apply(req: FixRequest, result: RunResult, settings: Settings, given: dict[str, bytes]) -> FixOutcome:
    """Fix (or diff, or add directives to) what `result` found; `result.diagnostics` becomes what
    remains, and `given` (stdin's bytes, by name) the fixed source. Writes files in "apply" and
    "add-noqa" modes only."""
    mode = "apply" if req.mode in ("apply", "add-noqa") else ("diff" if req.mode == "diff" else "check")
    status = FixStatus(mode=mode, unsafe=req.unsafe, show_fixes=req.show_fixes)  # type: ignore[arg-type]
    outcome = FixOutcome(req, status)
    if req.mode == "check":
        from lrlint.fixing.engine import offered_fixes

        offered_fixes(result.diagnostics, given)
        return outcome
    from lrlint.fixing.engine import Fixer, write_all

    fixer = Fixer(result, settings, status.applies, given)
    run = fixer.add_noqa() if req.mode == "add-noqa" else fixer.run()
    for problem in run.problems:
        outcome.problems.append(f"lrlint: error: {problem}")
    outcome.failed = any(f.document is None for f in run.files.values())
    if req.mode in ("apply", "add-noqa"):
        written = write_all(run, fixer)
        outcome.problems += [f"lrlint: error: {p}" for p in written]
        outcome.failed = outcome.failed or bool(written)
    result.diagnostics = run.diagnostics
    status.fixed = {name: f.fixed for name, f in run.files.items() if f.fixed}
    outcome.added = sum(f.added for f in run.files.values())
    if req.mode == "diff":
        outcome.diff = _diff(run)
    for name, f in run.files.items():
        if f.path is None and f.changed and req.mode == "apply":
            given[name] = f.current  # the report quotes the fixed source
    if req.mode == "apply" and given:
        stdin = next(iter(given))
        outcome.stdin_source = given[stdin]
    return outcome


def _diff(run: FixRun) -> str:
    from lrlint.fixing.diff import unified_diff

    return "".join(unified_diff(f.filename, f.original, f.current, f.notebook) for f in sorted(run.changed(), key=lambda f: f.filename))


def exit_code(outcome: FixOutcome, findings: bool, exit_zero: bool) -> int:
    """ruff's exit codes with fixes; `findings`: the remaining ones make the run fail (fail-on)."""
    req, fixed = outcome.request, outcome.status.fixed_count > 0
    if outcome.failed:
        return EXIT_ERROR
    if exit_zero or req.mode == "add-noqa":
        return EXIT_CLEAN
    if req.mode == "diff":
        return EXIT_FINDINGS if fixed else EXIT_CLEAN
    if req.fix_only:
        return EXIT_FINDINGS if req.exit_non_zero_on_fix and fixed else EXIT_CLEAN
    if req.exit_non_zero_on_fix and fixed:
        return EXIT_FINDINGS
    return EXIT_FINDINGS if findings else EXIT_CLEAN


def replaced_report(outcome: FixOutcome, report: Report, output_format: str, quiet: bool) -> tuple[str, str] | None:
    """For the modes that show no findings: (the report for stdout or -o, lines for stderr);
    None when the ordinary report is printed."""
    req, status = outcome.request, outcome.status
    if req.mode == "add-noqa":
        n = outcome.added
        return "", "" if quiet or not n else f"Added {n} noqa directive{'' if n == 1 else 's'}.\n"
    if req.mode == "diff":
        return outcome.diff, "" if quiet else _lines(status.fixed_listing() if req.show_fixes else "", status.fixes_only_line(report))
    if req.fix_only:
        if output_format not in ("text", "full", "concise") or quiet:
            return "", ""
        return _lines(status.fixed_listing() if req.show_fixes else "", status.fixes_only_line(report)), ""
    return None


def _lines(*parts: str | None) -> str:
    return "".join(p if p.endswith("\n") else p + "\n" for p in parts if p)
