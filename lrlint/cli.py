"""The `lrlint` command: `lrlint [check] [PATH ...]` and `lrlint rule CODE|--all`.

Exit codes, as ruff: 0 no findings, 1 findings, 2 usage error or a crash of lrlint itself.
Start-up imports nothing heavy: libcst only once a file passes the prefilter, rich only for colour,
torch never (only the --verify worker does).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Sequence, TextIO

from lrlint import __version__

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

OUTPUT_FORMATS = ("text", "concise", "json")


class UsageError(Exception):
    pass


def _check_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lrlint",
        description="Find misuse of PyTorch learning-rate schedulers.",
        epilog="`lrlint rule CODE` shows a rule's documentation; `lrlint rule --all` lists them.",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to lint (default: .); - reads stdin")
    parser.add_argument("--output-format", choices=OUTPUT_FORMATS, default="text")
    parser.add_argument("-q", "--quiet", action="store_true", help="print findings only, no summary")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    parser.add_argument("--stdin-filename", metavar="PATH", help="the name to report for source read from stdin")
    parser.add_argument("--version", action="version", version=f"lrlint {__version__}")
    return parser


def _rule_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lrlint rule", description="Show the documentation of a rule.")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("code", nargs="?", help="a rule code, e.g. LR003, or a rule name")
    group.add_argument("--all", action="store_true", help="list every rule")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] == "rule":
            return _rule_command(args[1:], sys.stdout)
        if args and args[0] == "check":
            args = args[1:]
        return _check_command(args, sys.stdout)
    except UsageError as exc:
        print(f"lrlint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `lrlint ... | head`: the reader went away; nothing left to say.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
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


def _check_command(argv: list[str], out: TextIO) -> int:
    from lrlint.discovery import Target, discover
    from lrlint.diagnostics import Diagnostic
    from lrlint.linter import lint_bytes
    from lrlint.report import Report

    options = _check_parser().parse_args(argv)
    paths = options.paths or ["."]
    diagnostics: list[Diagnostic] = []
    files_checked = 0
    crashed = False

    def run(display: str, read: "object") -> None:
        nonlocal files_checked, crashed
        try:
            data = read()  # type: ignore[operator]
        except OSError as exc:
            from lrlint.diagnostics import IO_ERROR, file_error

            diagnostics.append(file_error(display, IO_ERROR, exc.strerror or str(exc)))
            return
        files_checked += 1
        try:
            result = lint_bytes(display, data)
            diagnostics.extend(result.diagnostics)
            for note in result.notes:
                print(f"lrlint: warning: {note}", file=sys.stderr)
        except Exception as exc:  # noqa: BLE001 - a bug in lrlint must not stop the other files
            if os.environ.get("LRLINT_DEBUG"):
                raise
            crashed = True
            print(f"lrlint: internal error while checking {display}: {type(exc).__name__}: {exc}", file=sys.stderr)

    file_paths = [p for p in paths if p != "-"]
    if "-" in paths:
        run(options.stdin_filename or "-", sys.stdin.buffer.read)
    for found in discover(file_paths):
        if isinstance(found, Target):
            run(found.display, found.path.read_bytes)
        else:
            diagnostics.append(found)

    diagnostics.sort(key=Diagnostic.sort_key)
    report = Report(diagnostics, files_checked, Path.cwd())
    out.write(_render(report, options, out))
    out.flush()
    if crashed:
        return EXIT_ERROR
    if diagnostics and not options.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _render(report: "object", options: argparse.Namespace, out: TextIO) -> str:
    fmt = options.output_format
    if fmt == "json":
        from lrlint.reporters import json as json_reporter

        return json_reporter.render(report)  # type: ignore[arg-type]
    from lrlint.reporters import text

    quiet = options.quiet or fmt == "concise"
    if _use_color(options.color, out):
        return text.render_color(report, quiet=quiet)  # type: ignore[arg-type]
    return text.render(report, quiet=quiet)  # type: ignore[arg-type]


def _rule_command(argv: list[str], out: TextIO) -> int:
    from lrlint.catalogue import rules

    options = _rule_parser().parse_args(argv)
    catalogue = rules()
    if options.all:
        width = max(len(info.name) for info in catalogue.values())
        out.write(f"{'code':6} {'name':{width}} {'severity':8} {'fix':6} {'verify':6} summary\n")
        for info in catalogue.values():
            verify = "yes" if info.verify else "no"
            out.write(f"{info.code:6} {info.name:{width}} {info.severity:8} {info.fix:6} {verify:6} {info.summary}\n")
        return EXIT_CLEAN
    wanted = options.code.upper()
    match = catalogue.get(wanted) or next((i for i in catalogue.values() if i.name == options.code), None)
    if match is None:
        raise UsageError(f"unknown rule {options.code!r}; `lrlint rule --all` lists the rules")
    out.write(match.markdown())
    return EXIT_CLEAN
