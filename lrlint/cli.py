"""The `lrlint` command: `lrlint [check] [PATH ...]`, `lrlint rule CODE|--all`, `lrlint clean`.

Exit codes, as ruff: 0 no findings, 1 findings (`--fail-on error`: error findings only), 2 usage
error or a crash of lrlint itself; a reader that goes away before the report is written
(`lrlint | head -1` on a long report) ends the run with 0.
Start-up imports nothing heavy: the parser and the rules only once a file passes the prefilter,
rich only for colour, torch never (only the --verify worker process does).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Sequence, TextIO

from lrlint import __version__

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

OUTPUT_FORMATS = ("full", "text", "concise", "json", "json-lines", "sarif", "github", "gitlab", "junit")
# The formats --statistics can replace the findings with (as ruff: its table, or JSON).
STATISTICS_FORMATS = ("full", "text", "concise", "json")
OUTPUT_FORMAT_ENV = "LRLINT_OUTPUT_FORMAT"  # as ruff's RUFF_OUTPUT_FORMAT; --output-format wins
DEVICES = ("cpu", "cuda", "auto")
# lrlint is not on PyPI (yet): the hint names only what any index has; the README says the same.
VERIFY_HINT = "--verify needs torch (>= 2.0) in lrlint's environment: pip install torch"
NO_FILES_WARNING = "lrlint: warning: No Python files found under the given path(s)"


class UsageError(Exception):
    pass


def _check_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lrlint",
        description="Find misuse of PyTorch learning-rate schedulers.",
        epilog="`lrlint rule CODE` shows a rule's documentation; `lrlint rule --all` lists the rules; "
        "`lrlint clean` removes the caches.",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to lint (default: .); - reads stdin")
    out = parser.add_argument_group("output")
    out.add_argument(
        "--output-format", choices=OUTPUT_FORMATS, default=None,
        help=f"default: ${OUTPUT_FORMAT_ENV} if set, else full (source lines with the span underlined) "
        "on a terminal and text otherwise",
    )  # fmt: skip
    out.add_argument("-o", "--output-file", metavar="PATH", help="write the report to this file instead of stdout")
    out.add_argument("-q", "--quiet", action="store_true", help="print findings only: no summary, no warnings")
    out.add_argument(
        "--statistics", action="store_true",
        help=f"print the number of findings per code instead of the findings ({', '.join(STATISTICS_FORMATS)} output)",
    )  # fmt: skip
    out.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    out.add_argument(
        "--fail-on", choices=("warning", "error"), default=None,
        help="the least severe finding that makes the exit code 1 (default: warning; config key fail-on)",
    )  # fmt: skip
    out.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    sel = parser.add_argument_group("rule selection and files (override the config file)")
    sel.add_argument("--select", metavar="CODES", help="codes or prefixes to enable, e.g. LR001,LR003 or LR")
    sel.add_argument("--ignore", metavar="CODES", help="codes or prefixes to disable")
    sel.add_argument("--extend-select", metavar="CODES", help="codes or prefixes to enable on top of select")
    sel.add_argument(
        "--per-file-ignores", metavar="GLOB:CODES", action="append",
        help="e.g. 'tests/*:LR005' (`*` crosses folders, as in ruff); replaces the config's per-file-ignores",
    )  # fmt: skip
    sel.add_argument(
        "--extend-per-file-ignores", metavar="GLOB:CODES", action="append",
        help="like --per-file-ignores, but adds to the ones already configured",
    )  # fmt: skip
    sel.add_argument("--exclude", metavar="GLOBS", help="replace the default excluded paths")
    sel.add_argument("--extend-exclude", metavar="GLOBS", help="exclude these paths too")
    sel.add_argument("--force-exclude", action="store_true", help="apply excludes and .gitignore to paths named on the command line too")
    sel.add_argument(
        "--respect-gitignore", action=argparse.BooleanOptionalAction, default=None,
        help="skip files that .gitignore ignores when walking folders (default: on)",
    )  # fmt: skip
    sel.add_argument(
        "--torch-version", metavar="X.Y",
        help="the torch release the findings are judged for (LR006, LR008); default: the installed "
        "torch's, or the newest when torch is not installed; 'latest': the newest",
    )  # fmt: skip
    sel.add_argument("--config", metavar="PATH", help="use this config file; skip discovery")
    sel.add_argument("--isolated", action="store_true", help="ignore all config files")
    sel.add_argument("--stdin-filename", metavar="PATH", help="the name to report for source read from stdin")
    sel.add_argument("--show-files", action="store_true", help="list the files that would be checked, and exit")
    sel.add_argument("--show-settings", action="store_true", help="show the settings the first path is checked with (and their config file), and exit")
    perf = parser.add_argument_group("speed")
    perf.add_argument("-j", "--jobs", type=_positive_int, metavar="N", help="worker processes (default: one per CPU)")
    perf.add_argument("--no-cache", action="store_true", help="neither read nor write the result cache")
    perf.add_argument("--cache-dir", metavar="PATH", help="where the cache lives (default: .lrlint_cache in the project root)")
    perf.add_argument("--show-progress", action="store_true", help="draw a progress bar on stderr even when it is not a terminal")
    ver = parser.add_argument_group("runtime verification (needs torch)")
    ver.add_argument("--verify", action="store_true", help="prove each finding by building its literal configuration in torch")
    ver.add_argument("--verify-all", action="store_true", help="also run every scheduler without a finding and report its schedule")
    ver.add_argument("--device", choices=DEVICES, default=None, help="with --verify: where torch runs the verification (default: cpu)")
    ver.add_argument("--show-trajectory", action="store_true", help="draw the learning-rate curve of each verified scheduler")
    ver.add_argument("--verify-timeout", default=None, metavar="SECONDS", help="with --verify: time limit per finding in torch (default: 120); past it the finding is inconclusive")
    ver.add_argument("--schedules-file", metavar="PATH", help="with --verify-all: also write every scheduler's schedule to PATH as JSON")
    ver.add_argument("--plot", metavar="DIR", help="with --verify: draw each verified scheduler's learning rate as an image in DIR, with DIR/index.html (needs matplotlib: lrlint[plot])")
    from lrlint.fix_command import add_arguments as add_fix_arguments

    add_fix_arguments(parser)  # --fix, --unsafe-fixes, --diff, --fix-only, --show-fixes, --add-noqa...
    parser.add_argument("-V", "--version", action="version", version=f"lrlint {__version__}")
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _rule_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lrlint rule", description="Show the documentation of a rule.")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("code", nargs="?", help="a rule code, e.g. LR003 or E999, or a rule name")
    group.add_argument("--all", action="store_true", help="list every rule and input code")
    parser.add_argument("--output-format", choices=("text", "json", "markdown"), default="text")
    return parser


def _clean_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lrlint clean",
        description="Remove lrlint's caches: every .lrlint_cache folder in the current directory and "
        "below, as `ruff clean` does, and the cache that --cache-dir or $LRLINT_CACHE_DIR names.",
    )
    parser.add_argument("--cache-dir", metavar="PATH", help="also remove this cache (as lint runs use it)")
    parser.add_argument("-q", "--quiet", action="store_true", help="do not list what is removed")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from lrlint.output import OutputFileError, ensure_standard_streams, silence_stdout

    ensure_standard_streams()
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] == "rule":
            return _rule_command(args[1:], sys.stdout)
        if args and args[0] == "clean":
            return _clean_command(args[1:])
        if args and args[0] == "check":
            args = args[1:]
        return _check_command(args, sys.stdout)
    except (UsageError, OutputFileError) as exc:
        print(f"lrlint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `lrlint ... | head`: the reader went away and wants no more; not a crash. As ruff and
        # ripgrep do, end quietly with 0.
        silence_stdout()
        return EXIT_CLEAN
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, exit 2
        if os.environ.get("LRLINT_DEBUG"):
            raise
        print(f"lrlint: internal error: {type(exc).__name__}: {exc} (set LRLINT_DEBUG=1 for a traceback)", file=sys.stderr)
        return EXIT_ERROR


def _use_color(choice: str, stream: TextIO) -> bool:
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def _settings(options: argparse.Namespace):  # noqa: ANN202 - lrlint.config.Settings
    from lrlint.config import ConfigError, load_settings
    from lrlint.fix_command import overrides as fix_overrides

    paths = [Path(p) for p in options.paths if p != "-"]
    if options.stdin_filename:
        paths.append(Path(options.stdin_filename))
    start = Path(os.path.commonpath([str(p.absolute()) for p in paths])) if paths else Path.cwd()
    if not start.is_dir():
        start = start.parent
    overrides = {
        "select": options.select,
        "ignore": options.ignore,
        "extend-select": options.extend_select,
        "per-file-ignores": options.per_file_ignores,
        "extend-per-file-ignores": options.extend_per_file_ignores,
        "exclude": options.exclude,
        "extend-exclude": options.extend_exclude,
        "torch-version": options.torch_version,
        "respect-gitignore": options.respect_gitignore,
        "fail-on": options.fail_on,
        "config": options.config,
        "isolated": options.isolated or None,
        **fix_overrides(options),
    }
    try:
        return load_settings(start, overrides)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def _check_command(argv: list[str], out: TextIO) -> int:
    from lrlint.report import Report
    from lrlint.run import RunOptions, lint_paths

    options = _check_parser().parse_args(argv)
    if options.output_format is None:
        options.output_format = _format_from_environment()
    if options.output_format is None:
        # As ruff: the full format for people at a terminal; the stable one-line text format for
        # pipes, CI logs and files.
        tty = not options.output_file and hasattr(out, "isatty") and out.isatty()
        options.output_format = "full" if tty else "text"
    if options.statistics and options.output_format not in STATISTICS_FORMATS:
        # As ruff: the statistics exist as a table or as JSON, nothing else would hold them.
        raise UsageError(
            f"--statistics cannot be written as {options.output_format}; "
            f"use --output-format {', '.join(STATISTICS_FORMATS[:-1])} or {STATISTICS_FORMATS[-1]}"
        )
    if options.verify_all:
        options.verify = True
    # Options that mean something only with --verify are an error without it, not silently idle.
    verify_only = {
        "--show-trajectory": options.show_trajectory,
        "--device": options.device is not None,
        "--verify-timeout": options.verify_timeout is not None,
        "--plot": options.plot is not None,
    }
    for name, given in verify_only.items():
        if given and not options.verify:
            raise UsageError(f"{name} needs --verify or --verify-all")
    options.device = "cpu" if options.device is None else options.device
    options.verify_timeout = "120" if options.verify_timeout is None else options.verify_timeout
    if options.show_trajectory and options.output_format not in ("text", "full"):
        raise UsageError("--show-trajectory draws in the text output only; the JSON output carries each trajectory")
    _check_verify_options(options)
    from lrlint import fix_command as fixing

    problem = fixing.usage_problem(options)
    if problem:
        raise UsageError(problem)
    if options.verify:
        from lrlint.verify import torch_available

        if not torch_available():
            raise UsageError(VERIFY_HINT)
    if options.plot is not None:
        from lrlint.reporters.plot import PLOT_HINT, available

        if not available():
            raise UsageError(PLOT_HINT)
    settings = _settings(options)
    fix_request = fixing.request(options, settings)
    # As ruff: --stdin-filename alone means the source comes from stdin.
    paths = options.paths or (["-"] if options.stdin_filename else ["."])
    if options.show_files or options.show_settings:
        return _show(options, paths, settings, out)
    given: dict[str, bytes] = {}
    stdin = None
    if "-" in paths:  # read here so that the full format can quote it
        import io

        from lrlint.source import read_stream

        name = options.stdin_filename or "-"
        given[name] = read_stream(sys.stdin.buffer, name) if sys.stdin is not None else b""
        stdin = io.BytesIO(given[options.stdin_filename or "-"])
    from lrlint.progress import ProgressBar

    progress = ProgressBar(sys.stderr, forced=options.show_progress)
    from lrlint.config import ConfigError

    try:
        result = lint_paths(
            paths,
            settings,
            stdin=stdin,
            stdin_filename=options.stdin_filename,
            force_exclude=options.force_exclude,
            with_schedules=options.verify_all,
            options=RunOptions(
                jobs=options.jobs,
                cache_dir=Path(options.cache_dir) if options.cache_dir else None,
                use_cache=not options.no_cache,
                keep_summaries=fix_request.changes_files,
            ),
            progress=progress,
            warn=lambda line: _warn(line, options.quiet),
        )
    except ConfigError as exc:  # a config file found below the paths (each file has its own)
        raise UsageError(str(exc)) from None
    finally:
        progress.close()
    from lrlint.sourcelines import SourceLines

    fixed = fixing.apply(fix_request, result, settings, given)  # result.diagnostics: what remains
    for line in fixed.problems:
        print(line, file=sys.stderr)
    report = Report(result.diagnostics, result.files_checked, Path.cwd(), SourceLines(Path.cwd(), given), fixes=fixed.status)
    nothing_found = result.files_checked == 0 and not report.diagnostics
    if nothing_found and not options.quiet:
        print(NO_FILES_WARNING, file=sys.stderr)
    # Never ANSI codes in a report file.
    color = False if options.output_file else _use_color(options.color, out)
    schedules_text = verify_summary = ""
    if options.verify:
        from lrlint.verify import verify

        checked = [d for d in report.diagnostics if d.code.startswith("LR")]
        # Findings and --verify-all schedules go to ONE worker request.
        wanted = options.verify_all and (options.output_format in ("text", "full") or options.schedules_file or options.plot)
        from lrlint.fixing import proof  # each fix's configuration is run too: "after the fix: ..."

        after_fix = proof.fix_schedules(checked)
        verifying = ProgressBar(sys.stderr, forced=options.show_progress, label="verify")
        try:
            schedules = verify(checked, (result.schedules if wanted else []) + after_fix, options.device, options.verify_timeout, verifying)
        finally:
            verifying.close()
        schedules = proof.attach(checked, schedules, len(after_fix))
        verify_summary = _verify_summary(checked, schedules)
        if options.plot is not None:
            _write_plots(checked, schedules, [s for _, s in result.schedules] if wanted else [], options.plot)
        if options.schedules_file:
            _write_schedules(schedules, options.schedules_file)
        elif options.verify_all and options.output_format not in ("text", "full"):
            print("lrlint: note: the JSON output stays an array of findings; --schedules-file PATH writes the --verify-all schedules", file=sys.stderr)
        if options.output_format in ("text", "full"):
            schedules_text = _verification_extras(report, schedules if options.verify_all else None, options, color)
    replaced = fixing.replaced_report(fixed, report, options.output_format, options.quiet)
    if replaced is not None:  # --diff, --fix-only, --add-noqa: no findings shown
        rendered = replaced[0]
        print(replaced[1], end="", file=sys.stderr)
    elif options.statistics:
        # As ruff: the counts replace the findings, in the chosen format.
        rendered = _statistics(report, as_json=options.output_format == "json")
    else:
        # No "All checks passed!" when nothing was checked: the warning above says why.
        rendered = _render(report, options, color, quiet=options.quiet or nothing_found)
        if verify_summary and not options.quiet and options.output_format in ("text", "full", "concise"):
            rendered += verify_summary + "\n"  # the verify stage's counts, under the findings' summary
        rendered += schedules_text
    if verify_summary and not options.quiet and (options.statistics or options.output_format not in ("text", "full", "concise")):
        print(f"lrlint: {verify_summary}", file=sys.stderr)  # beside a machine-readable report
    from lrlint.reporters._text import escape_surrogates

    rendered = escape_surrogates(rendered)  # a file name that is not UTF-8 never stops the report
    if options.output_file:
        from lrlint.output import write_report

        write_report(Path(options.output_file), rendered)
    elif fixed.stdin_source is not None:  # as ruff: the fixed source on stdout, the report on stderr
        out.flush()
        binary = getattr(out, "buffer", None)
        if binary is not None:
            binary.write(fixed.stdin_source)
            binary.flush()
        else:
            out.write(fixed.stdin_source.decode("utf-8", "surrogateescape"))
        print(rendered, end="", file=sys.stderr)
    else:
        from lrlint.output import write_stdout

        write_stdout(out, rendered)
    if result.crashed:
        return EXIT_ERROR
    return fixing.exit_code(fixed, any(settings.fails(d.severity) for d in report.diagnostics), options.exit_zero)


def _show(options: argparse.Namespace, paths: list[str], settings, out: TextIO) -> int:  # noqa: ANN001
    from lrlint.config import ConfigError
    from lrlint.show import show_files, show_settings

    try:
        if options.show_settings:
            show_settings(options.stdin_filename if paths == ["-"] and options.stdin_filename else paths[0], settings, out)
        else:
            show_files(paths, settings, options.force_exclude, out)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    return EXIT_CLEAN


def _verify_summary(checked, schedules) -> str:  # noqa: ANN001 - Diagnostics, TrajectoryResults
    """`Verified in torch 2.13.0+cpu on cpu: 3 confirmed, 0 refuted, 1 inconclusive, 2 skipped.`"""
    verdicts = [d.verification for d in checked if d.verification is not None]
    counts = {status: sum(v.status == status for v in verdicts) for status in ("confirmed", "refuted", "inconclusive", "skipped")}
    ran = next((v for v in [*verdicts, *schedules] if v.torch_version), None)
    where = f" in torch {ran.torch_version} on {ran.device}" if ran is not None else ""
    line = f"Verified{where}: " + ", ".join(f"{n} {status}" for status, n in counts.items())
    silent = len(checked) - len(verdicts)
    if silent:
        line += f"; {silent} finding{'s' if silent != 1 else ''} without a runtime claim"
    if schedules:
        built = sum(1 for item in schedules if item.built and not item.error)
        line += f"; {built} of {len(schedules)} schedule{'s' if len(schedules) != 1 else ''} run"
    return line + "."


def _format_from_environment() -> str | None:
    value = os.environ.get(OUTPUT_FORMAT_ENV)
    if not value:
        return None
    if value not in OUTPUT_FORMATS:
        raise UsageError(f"${OUTPUT_FORMAT_ENV}: invalid output format {value!r} (choose from {', '.join(OUTPUT_FORMATS)})")
    return value


def _warn(line: str, quiet: bool) -> None:
    """A run's notes on stderr; --quiet keeps only errors (lrlint's own failures)."""
    if not (quiet and line.startswith("lrlint: warning:")):
        print(line, file=sys.stderr)


def _render(report, options: argparse.Namespace, color: bool, quiet: bool) -> str:  # noqa: ANN001
    fmt = options.output_format
    if fmt == "concise":
        from lrlint.reporters import concise

        return concise.render(report, quiet=quiet)
    if fmt == "text":
        from lrlint.reporters import text

        if color:
            return text.render_color(report, quiet=quiet)
        return text.render(report, quiet=quiet)
    if fmt == "full":
        from lrlint.reporters import full

        return full.render(report, quiet=quiet, color=color)
    from importlib import import_module

    reporter = import_module(f"lrlint.reporters.{fmt.replace('-', '_')}")
    return reporter.render(report)


def _check_verify_options(options: argparse.Namespace) -> None:
    from lrlint.verify.options import parse_timeout

    try:
        options.verify_timeout = parse_timeout(options.verify_timeout)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if options.schedules_file and not options.verify_all:
        raise UsageError("--schedules-file needs --verify-all")


def _write_schedules(schedules, path: str) -> None:  # noqa: ANN001
    from lrlint.reporters._schedules import write_schedules

    try:
        write_schedules(schedules, path)
    except OSError as exc:
        raise UsageError(f"--schedules-file: cannot write {path}: {exc.strerror or exc}") from None


def _write_plots(checked, schedules, scenarios, folder: str) -> None:  # noqa: ANN001
    from lrlint.reporters.plot import pictures, write_plots

    try:
        write_plots(pictures(checked, schedules, scenarios), Path(folder))
    except OSError as exc:
        raise UsageError(f"--plot: cannot write {folder}: {exc.strerror or exc}") from None


def _verification_extras(report, results, options: argparse.Namespace, color: bool) -> str:  # noqa: ANN001
    """Trajectories of verified findings (--show-trajectory) and of every scheduler (--verify-all)."""
    from lrlint.verify import render_trajectory

    lines: list[object] = []
    if options.show_trajectory:
        for d in report.diagnostics:
            if d.verification is not None and d.verification.trajectory:
                cell = f"cell {d.cell}:" if d.cell is not None else ""
                label = f"{d.filename}:{cell}{d.location.row} {d.code}"
                lines.append(render_trajectory(label, d.verification.trajectory))
    if results:
        ran = sum(1 for item in results if item.built)
        not_run = f", {len(results) - ran} not run" if ran != len(results) else ""
        lines.append(f"Schedules ({ran} scheduler{'s' if ran != 1 else ''} run in torch{not_run}):")
        for item in results:
            head = f"{item.label} {item.scheduler}"
            if item.error:
                lines.append(f"  {head}: not run: {item.error}")
            elif options.show_trajectory and item.trajectory is not None:
                lines.append(render_trajectory(head, item.trajectory))
            else:
                lines.append(f"  {head}: {_trajectory_summary(item.trajectory)}" + (f" ({item.note})" if item.note else ""))
    if not lines:
        return ""
    return "\n" + _print_lines(lines, color)


def _trajectory_summary(trajectory) -> str:  # noqa: ANN001 - lrlint.trajectory.Trajectory | None
    from lrlint.verify.render import describe_changes

    if trajectory is None:
        return "no steps"
    changes = describe_changes(trajectory)
    # The note that follows says where the step count came from (a loop's range(N), or assumed).
    return f"lr {trajectory.start:.4g} -> {trajectory.end:.4g} over {trajectory.epochs} steps" + (
        f"; {changes}" if changes else ""
    )


def _print_lines(lines: list[object], color: bool) -> str:
    if not color:
        return "".join((getattr(line, "plain", line) + "\n") for line in lines)  # type: ignore[operator]
    import io

    from rich.console import Console

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, highlight=False, soft_wrap=True)
    for line in lines:
        console.print(line)
    return buffer.getvalue()


def _statistics(report, as_json: bool) -> str:  # noqa: ANN001
    counts = Counter(d.code for d in report.diagnostics)
    names = {d.code: d.name for d in report.diagnostics}
    ordered = sorted(counts, key=lambda c: (-counts[c], c))
    if as_json:
        import json

        rows = [{"code": code, "name": names[code], "count": counts[code]} for code in ordered]
        return json.dumps(rows, indent=2) + "\n"
    lines = [f"{counts[code]:5}\t{code}\t{names[code]}" for code in ordered]
    return "\n".join(lines) + ("\n" if lines else "")


def _clean_command(argv: list[str]) -> int:
    from lrlint.clean import CleanError, caches_to_remove, remove_cache

    options = _clean_parser().parse_args(argv)
    named = options.cache_dir or os.environ.get("LRLINT_CACHE_DIR")
    try:
        found = caches_to_remove(Path.cwd(), Path(named) if named else None)
    except CleanError as exc:
        raise UsageError(str(exc)) from None
    for cache in found:
        if not options.quiet:
            print(f"Removing cache at: {cache}", file=sys.stderr)
        try:
            remove_cache(cache)
        except OSError as exc:
            raise UsageError(f"cannot remove {cache}: {exc.strerror or exc}") from None
    return EXIT_CLEAN


def _rule_command(argv: list[str], out: TextIO) -> int:
    from lrlint.catalogue import codes

    options = _rule_parser().parse_args(argv)
    catalogue = codes()  # the rules, and the input codes E902/E999 that lrlint prints too
    if options.all:
        if options.output_format == "markdown":
            from lrlint.catalogue import markdown_table

            out.write(markdown_table(list(catalogue.values())))
            return EXIT_CLEAN
        if options.output_format == "json":
            import json

            out.write(json.dumps([_rule_json(i) for i in catalogue.values()], indent=2) + "\n")
            return EXIT_CLEAN
        width = max(len(info.name) for info in catalogue.values())
        out.write(f"{'code':6} {'name':{width}} {'severity':8} {'fix':6} {'verify':6} summary\n")
        for info in catalogue.values():
            verify = "yes" if info.verify else "no"
            out.write(f"{info.code:6} {info.name:{width}} {info.severity:8} {info.fix:6} {verify:6} {info.summary}\n")
        return EXIT_CLEAN
    match = catalogue.get(options.code.upper()) or next(
        (i for i in catalogue.values() if i.name == options.code), None
    )
    if match is None:
        raise UsageError(f"unknown rule {options.code!r}; `lrlint rule --all` lists the rules")
    if options.output_format == "json":
        import json

        out.write(json.dumps(_rule_json(match), indent=2) + "\n")
    else:
        out.write(match.markdown())
    return EXIT_CLEAN


def _rule_json(info) -> dict[str, object]:  # noqa: ANN001
    return {
        "code": info.code,
        "name": info.name,
        "severity": info.severity,
        "summary": info.summary,
        "fix": info.fix,
        "verify": info.verify,
        "explanation": info.markdown(),
    }
