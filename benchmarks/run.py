#!/usr/bin/env python3
"""Benchmark lrlint against CPython's parser, libcst, ruff and TorchFix on one corpus, in one run.

    python benchmarks/run.py                      # synthetic corpus of 2,000 files (seeded)
    python benchmarks/run.py /path/to/repos ...   # real trees
    python benchmarks/run.py --json out.json --repeat 7 --skip-libcst

Every measured command runs in a fresh wrapper subprocess that starts it, times it with
`time.perf_counter`, and reads its CPU time and peak RSS with `getrusage(RUSAGE_CHILDREN)`, so
no two measurements share a process (peaks would mix) and the wrapper's own start-up is not
counted. On Linux the wrapper also samples the summed RSS of the command's whole process tree,
which is what matters once a tool runs parallel workers (`ru_maxrss` is one process's peak).

Stdlib only; ruff, TorchFix and libcst are optional and reported as missing when absent.
Issue 20 sets the targets in force (checked and printed as PASS/MISS); issue 13's are printed as history.
"""

from __future__ import annotations

import argparse
import fnmatch
import importlib.metadata
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synthetic  # the sibling module, found through the line above

SCHEMA = 1
MB = 1024 * 1024

# lrlint's default excludes (lrlint/config.py), copied rather than imported: `--lrlint` may
# point at another install, and the floor must parse the same files lrlint walks.
EXCLUDED_DIRS = (
    ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "__pycache__", "build", "dist",
    "node_modules", ".mypy_cache", ".ruff_cache", ".lrlint_cache", "site-packages", ".eggs",
    "*.egg-info",
)  # fmt: skip

# Issue 20's targets (in force).
TARGET20_COLD_VS_FLOOR = 1.2  # cold wall, against the ast.parse floor
TARGET20_COLD_VS_LIBCST = 1.5  # cold CPU, against libcst.parse_module of the files lrlint parses
TARGET20_WARM_S = 0.3  # warm wall, seconds
# Issue 13's (history; the one-file and memory targets carry over).
TARGET_COLD_VS_FLOOR = 0.5
TARGET_WARM_VS_COLD = 0.05
TARGET_ONE_FILE_OVER_PASS_MS = 150.0
TARGET_PEAK_RSS_MB = 300.0
TARGET_MIN_FILES = 2000
TARGET_LINK_SHARE = 0.10  # issue 14: the link stage (link + project rules) adds at most 10%

# Runs one command and prints one JSON line about it. Kept as source so that it runs in a bare
# `python -c`: importing this benchmark in the wrapper would add noise to nothing, but a small
# wrapper keeps its own footprint out of the figures anyway (RUSAGE_CHILDREN = the command only).
_WRAPPER = r"""
import json, os, resource, signal, subprocess, sys, threading, time
spec = json.loads(sys.argv[1])
page = os.sysconf("SC_PAGE_SIZE")

def descendants(pid):
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except OSError:
            pass
    return found

def tree_rss(pid):
    total = 0
    for p in descendants(pid):
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * page
        except (OSError, ValueError, IndexError):
            pass
    return total

def tree_cpu(pid):
    # utime, stime, cutime, cstime of every live process in the tree (reaped ones are in their
    # parent's cutime): what a killed run had used, workers included
    ticks = 0
    for p in descendants(pid):
        try:
            with open(f"/proc/{p}/stat") as fh:
                ticks += sum(int(x) for x in fh.read().rsplit(")", 1)[1].split()[11:15])
        except (OSError, ValueError, IndexError):
            pass
    return ticks / os.sysconf("SC_CLK_TCK")

def on_term(signum, frame):
    raise KeyboardInterrupt

signal.signal(signal.SIGTERM, on_term)
me = os.getpid()
can_sample = os.path.exists(f"/proc/{me}/task/{me}/children")
peak = [0]
done = threading.Event()

def sample(pid):
    while True:
        peak[0] = max(peak[0], tree_rss(pid))
        if done.wait(spec["interval"]):
            return

before = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(spec["stdout"], "wb") as out, open(spec["stderr"], "wb") as err:
    t0 = time.perf_counter()
    try:
        # A session of its own: a timeout kills the whole tree (TorchFix runs a worker pool).
        child = subprocess.Popen(spec["cmd"], cwd=spec["cwd"], stdin=subprocess.DEVNULL,
                                 stdout=out, stderr=err, start_new_session=True)
    except OSError as exc:
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
        sys.exit(0)
    sampler = threading.Thread(target=sample, args=(child.pid,), daemon=True)
    if can_sample:
        sampler.start()
    timed_out = False
    cpu_at_kill = None
    try:
        rc = child.wait(timeout=spec["timeout"])
    except subprocess.TimeoutExpired:
        timed_out = True
        # Killed workers are never reaped by their parent, so getrusage misses them: read the
        # tree's CPU time before the kill.
        cpu_at_kill = tree_cpu(child.pid) if can_sample else None
        os.killpg(child.pid, signal.SIGKILL)
        rc = child.wait()
    except KeyboardInterrupt:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        raise
    wall = time.perf_counter() - t0
done.set()
if can_sample:
    sampler.join()
after = resource.getrusage(resource.RUSAGE_CHILDREN)
scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
print(json.dumps({
    "rc": rc, "timed_out": timed_out, "wall_s": wall,
    "user_s": after.ru_utime - before.ru_utime, "sys_s": after.ru_stime - before.ru_stime,
    "maxrss_bytes": after.ru_maxrss * scale,
    "tree_rss_bytes": peak[0] if can_sample else None, "cpu_at_kill_s": cpu_at_kill,
}))
"""

_FLOOR = r"""
import ast, json, sys, warnings
warnings.simplefilter("ignore")  # SyntaxWarnings (bad escapes) would be printed: not parsing
parsed = errors = 0
for path in open(sys.argv[1], encoding="utf-8").read().splitlines():
    try:
        with open(path, "rb") as fh:
            ast.parse(fh.read(), path)
        parsed += 1
    except (SyntaxError, ValueError, OSError, RecursionError, MemoryError):
        errors += 1
print(json.dumps({"parsed": parsed, "errors": errors}))
"""

# One line per file, flushed: a timeout kills the process, and the count of files done so far
# is what makes "timed out after X s" useful.
# lrlint cold in one process, with the project stage (link + project rules) timed inside it.
_STAGES = r"""
import json, sys, time
import lrlint.linter, lrlint.run, lrlint.workers
spent = [0.0]
parsed = []
def timing(real):
    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - start
    return timed
def recording(real):
    # The files the per-file stage parsed (passed the prefilter, or followed by the link stage):
    # what "libcst of the files lrlint analyses" parses. Outcomes come back to this process.
    def analyse(tasks, *args, **kwargs):
        outcomes = real(tasks, *args, **kwargs)
        parsed.extend(str(t.path) for t, o in zip(tasks, outcomes) if o.summary.parsed)
        return outcomes
    return analyse
# Patched where lrlint looks them up: the module that defines them, and run.py when it imports
# them by name (older releases).
for module, name, wrap in ((lrlint.linter, "project_diagnostics", timing), (lrlint.workers, "analyze_all", recording)):
    real = getattr(module, name)
    setattr(module, name, wrap(real))
    if getattr(lrlint.run, name, None) is real:
        setattr(lrlint.run, name, getattr(module, name))
from lrlint.cli import main
start = time.perf_counter()
code = main(["--no-cache", "--quiet", "--exit-zero", "--output-format", "json", *sys.argv[2:]])
total = time.perf_counter() - start
with open(sys.argv[1], "w", encoding="utf-8") as fh:
    fh.write("".join(f"{p}\n" for p in sorted(set(parsed))))
print(json.dumps({"total_s": total, "project_stage_s": spent[0], "exit": code, "parsed": len(set(parsed))}), file=sys.stderr)
"""

_LIBCST = r"""
import json, sys, warnings
warnings.simplefilter("ignore")
import libcst
parsed = errors = 0
for path in open(sys.argv[1], encoding="utf-8").read().splitlines():
    try:
        with open(path, "rb") as fh:
            libcst.parse_module(fh.read())
        parsed += 1
    except Exception:
        errors += 1
    print(parsed + errors, flush=True)
print(json.dumps({"parsed": parsed, "errors": errors}))
"""


# ---------------------------------------------------------------------------------------------
# Measuring


class Runner:
    """Runs commands through the wrapper, from a scratch directory (tools' caches land there)."""

    def __init__(self, scratch: Path, interval: float = 0.05) -> None:
        self.scratch = scratch
        self.interval = interval
        self.count = 0

    def measure(self, cmd: list[str], timeout: float, ok_codes: tuple[int, ...] = (0,)) -> dict[str, Any]:
        self.count += 1
        out = self.scratch / f"out{self.count}.txt"
        err = self.scratch / f"err{self.count}.txt"
        spec = {"cmd": cmd, "cwd": str(self.scratch), "timeout": timeout, "stdout": str(out),
                "stderr": str(err), "interval": self.interval}
        result: dict[str, Any] = {"cmd": list(cmd)}
        try:
            proc = subprocess.run([sys.executable, "-c", _WRAPPER, json.dumps(spec)],
                                  capture_output=True, text=True, timeout=timeout + 120)
            raw = json.loads(proc.stdout.strip().splitlines()[-1])
        except (subprocess.TimeoutExpired, json.JSONDecodeError, IndexError) as exc:
            return {**result, "status": "failed", "note": f"wrapper failed: {type(exc).__name__}"}
        if "error" in raw:
            return {**result, "status": "failed", "note": raw["error"]}
        result.update(
            rc=raw["rc"],
            wall_s=raw["wall_s"],
            cpu_s=raw["user_s"] + raw["sys_s"],
            user_s=raw["user_s"],
            sys_s=raw["sys_s"],
            peak_rss_mb=raw["maxrss_bytes"] / MB,
            tree_rss_mb=None if raw["tree_rss_bytes"] is None else raw["tree_rss_bytes"] / MB,
            stdout_path=str(out),
            stderr_path=str(err),
        )
        if raw["timed_out"]:
            result.update(status="timeout", note=f"timed out after {timeout:g} s")
            if raw.get("cpu_at_kill_s") is not None:
                result["cpu_s"] = max(result["cpu_s"], raw["cpu_at_kill_s"])
        elif raw["rc"] in ok_codes:
            result["status"] = "ok"
        else:
            result.update(status="failed", note=f"exit code {raw['rc']}: {_last_line(err)}")
        return result


def _last_line(path: Path) -> str:
    try:
        lines = [ln for ln in path.read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return lines[-1][:200] if lines else ""


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median wall and CPU of repeated runs, max of the peaks; failed if any run failed."""
    bad = [r for r in runs if r.get("status") != "ok"]
    if bad:
        return {**bad[0], "runs": len(runs)}
    return {
        "status": "ok",
        "cmd": runs[0]["cmd"],
        "runs": len(runs),
        "wall_s": statistics.median(r["wall_s"] for r in runs),
        "cpu_s": statistics.median(r["cpu_s"] for r in runs),
        "wall_all_s": [r["wall_s"] for r in runs],
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "tree_rss_mb": max((r["tree_rss_mb"] or 0.0) for r in runs) or None,
    }


def _find_tool(name: str) -> str | None:
    """The tool next to this interpreter first (a venv run without activation), then PATH."""
    local = Path(sys.executable).parent / name
    if local.exists():
        return str(local)
    return shutil.which(name)


def _version(cmd: list[str]) -> str | None:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (proc.stdout or proc.stderr).strip()
    if proc.returncode != 0 or not text:
        return None
    found = re.search(r"\d+\.\d+[\w.+-]*", text)  # "ruff 0.17.6" -> "0.17.6"
    return found.group(0) if found else text.splitlines()[0]


def _help_flags(cmd: list[str]) -> set[str]:
    try:
        proc = subprocess.run([*cmd, "--help"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return set()
    return set(re.findall(r"--[a-z][a-z0-9-]*", proc.stdout))


# ---------------------------------------------------------------------------------------------
# The corpus


def python_files(roots: list[Path]) -> list[Path]:
    files: list[Path] = []
    for root in roots:
        if root.is_file():
            if root.suffix == ".py":
                files.append(root)
            continue
        for here, dirs, names in os.walk(root):
            dirs[:] = sorted(d for d in dirs if not any(fnmatch.fnmatch(d, pat) for pat in EXCLUDED_DIRS))
            files.extend(Path(here) / n for n in sorted(names) if n.endswith(".py"))
    return files


def corpus_stats(files: list[Path]) -> tuple[dict[str, Any], list[Path]]:
    """Counts, and the files that mention lr_scheduler. Reading every file here also warms the
    OS page cache, so that the first measured tool does not pay for the disk alone."""
    total_bytes = total_lines = longest = 0
    scheduler_files: list[Path] = []
    for path in files:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        total_bytes += len(data)
        lines = data.count(b"\n")
        total_lines += lines
        longest = max(longest, lines)
        if b"lr_scheduler" in data:
            scheduler_files.append(path)
    stats = {"py_files": len(files), "bytes": total_bytes, "lines": total_lines,
             "longest_file_lines": longest, "files_mentioning_lr_scheduler": len(scheduler_files)}
    return stats, scheduler_files


def pick_one_file(scheduler_files: list[Path], manifest: synthetic.Corpus | None) -> Path | None:
    """The pre-commit case: one training script. Synthetic: the first seeded LR001 script of
    ordinary length; real: the median-sized file that mentions lr_scheduler."""
    if manifest is not None:
        for seeded in manifest.training:
            if seeded.expect and seeded.lines < 1000:
                return Path(seeded.path)
    if not scheduler_files:
        return None
    by_size = sorted(scheduler_files, key=lambda p: (p.stat().st_size, str(p)))
    return by_size[len(by_size) // 2]


# ---------------------------------------------------------------------------------------------
# Steps


def _skipped(reason: str, status: str = "skipped") -> dict[str, Any]:
    return {"status": status, "note": reason}


def _parse_result(result: dict[str, Any]) -> None:
    """Pull the parse snippet's own counts (and a timed-out libcst's progress) into the result."""
    path = result.pop("stdout_path", None)
    if path is None:
        return
    lines = Path(path).read_text(errors="replace").splitlines()
    if lines and lines[-1].startswith("{"):
        result.update(json.loads(lines[-1]))
    elif result.get("status") == "timeout" and lines:
        done = int(lines[-1]) if lines[-1].isdigit() else 0
        result["files_done"] = done
        result["note"] += f" ({done} files parsed by then)"


def _lrlint_findings(result: dict[str, Any]) -> list[dict[str, Any]] | None:
    path = result.pop("stdout_path", None)
    if path is None or result.get("status") != "ok":
        return None
    try:
        findings = json.loads(Path(path).read_text(encoding="utf-8") or "[]")
    except (OSError, json.JSONDecodeError):
        result["note"] = "output is not JSON"
        return None
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.get("code", "?")] = counts.get(f.get("code", "?"), 0) + 1
    result["findings"] = len(findings)
    result["findings_by_code"] = dict(sorted(counts.items()))
    return findings


def seeded_recall(findings: list[dict[str, Any]], manifest: synthetic.Corpus, cwd: Path) -> dict[str, Any]:
    """What lrlint found of the bugs the generator planted, per variant, and reports elsewhere."""
    found: dict[str, set[str]] = {}
    for f in findings:
        path = os.path.realpath(cwd / f["filename"])
        found.setdefault(path, set()).add(f["code"])
    per_variant: dict[str, dict[str, Any]] = {}
    expected_paths: set[str] = set()
    for seeded in manifest.training:
        path = os.path.realpath(seeded.path)
        entry = per_variant.setdefault(seeded.variant, {"expect": seeded.expect, "files": 0, "found": 0})
        entry["files"] += 1
        codes = found.get(path, set())
        if seeded.expect:
            expected_paths.add(path)
            entry["found"] += seeded.expect in codes
        else:
            entry["found"] += bool(codes)  # for a correct file, "found" counts false positives
    planted = sum(v["files"] for v in per_variant.values() if v["expect"])
    caught = sum(v["found"] for v in per_variant.values() if v["expect"])
    unexpected = sum(len(codes) for path, codes in found.items() if path not in expected_paths)
    return {"planted": planted, "found": caught, "unexpected_findings": unexpected, "variants": per_variant}


def run_benchmark(args: argparse.Namespace) -> dict[str, Any]:
    scratch = Path(tempfile.mkdtemp(prefix="lrlint-bench-"))
    runner = Runner(scratch)
    manifest: synthetic.Corpus | None = None
    try:
        if args.corpus:
            roots = [Path(p).resolve() for p in args.corpus]
            missing = [str(p) for p in roots if not p.exists()]
            if missing:
                raise SystemExit(f"benchmarks/run.py: no such corpus: {', '.join(missing)}")
            kind = "real"
        else:
            root = Path(args.corpus_out).resolve() if args.corpus_out else scratch / "corpus"
            print(f"generating a synthetic corpus of {args.files} files (seed {args.seed}) in {root}", file=sys.stderr)
            manifest = synthetic.generate(root, args.files, args.seed)
            roots = [root]
            kind = "synthetic"
        files = python_files(roots)
        stats, scheduler_files = corpus_stats(files)
        file_list = scratch / "files.txt"
        file_list.write_text("".join(f"{p}\n" for p in files), encoding="utf-8")
        corpus = {"kind": kind, "paths": [str(p) for p in roots], **stats}
        if manifest is not None:
            corpus["seed"] = args.seed
        report: dict[str, Any] = {"schema": SCHEMA, "machine": machine(), "corpus": corpus, "steps": {}}
        steps: dict[str, dict[str, Any]] = report["steps"]
        timeout = args.timeout

        def log(name: str) -> None:
            print(f"  {name} ...", file=sys.stderr, flush=True)

        # 1. The floor: CPython's own parser over every file, reading included.
        log("ast.parse floor")
        steps["floor"] = runner.measure([sys.executable, "-c", _FLOOR, str(file_list)], timeout)
        _parse_result(steps["floor"])
        steps["floor"]["cmd"][2] = "<ast.parse of each file listed>"  # the JSON need not hold the source

        # 2. libcst's parser (what lrlint builds on) over every file.
        if args.skip_libcst:
            steps["libcst"] = _skipped("--skip-libcst")
        elif not _has_module("libcst"):
            steps["libcst"] = _skipped("libcst is not installed", "missing")
        else:
            log("libcst.parse_module")
            steps["libcst"] = runner.measure([sys.executable, "-c", _LIBCST, str(file_list)],
                                             args.libcst_timeout or timeout)
            _parse_result(steps["libcst"])
            steps["libcst"]["cmd"][2] = "<libcst.parse_module of each file listed>"
        steps["libcst_analysed"] = _skipped("lrlint not runnable", "missing")  # filled after the cold runs

        # 3-5. lrlint.
        lrlint = shlex.split(args.lrlint) if args.lrlint else ([_find_tool("lrlint")] if _find_tool("lrlint") else [])
        flags = _help_flags(lrlint) if lrlint else set()
        features = {"no_cache": "--no-cache" in flags, "cache_dir": "--cache-dir" in flags, "jobs": "--jobs" in flags}
        report["lrlint_features"] = features
        skip = {name for name in ("ruff", "torchfix") if getattr(args, f"skip_{name}")}
        report["tools"] = tool_versions(lrlint, skip)
        paths = [str(p) for p in roots]
        base = [*lrlint, "--output-format", "json", "--exit-zero"]
        if args.jobs is not None and features["jobs"]:
            base += ["--jobs", str(args.jobs)]
        elif args.jobs is not None:
            report["lrlint_jobs_note"] = "lrlint has no --jobs: --jobs was not passed"
        lr_ok = (0, 1)  # 1 = findings: success for a linter
        if not lrlint or report["tools"]["lrlint"] is None:
            for name in ("lrlint_cold", "lrlint_warm", "lrlint_one_file"):
                steps[name] = _skipped(f"lrlint not runnable ({args.lrlint or 'not on PATH'})", "missing")
        else:
            log("lrlint cold")
            cold_cmd = base + (["--no-cache"] if features["no_cache"] else []) + paths
            steps["lrlint_cold"] = runner.measure(cold_cmd, timeout, lr_ok)
            findings = _lrlint_findings(steps["lrlint_cold"])
            if findings is not None and manifest is not None:
                report["seeded"] = seeded_recall(findings, manifest, scratch)
            if features["cache_dir"]:
                cache = scratch / "lrlint-cache"  # fresh and empty: this run populates it
                log("lrlint cold, populating a fresh --cache-dir")
                steps["lrlint_cold_populate"] = runner.measure(base + ["--cache-dir", str(cache)] + paths, timeout, lr_ok)
                _lrlint_findings(steps["lrlint_cold_populate"])
                log("lrlint warm")
                steps["lrlint_warm"] = runner.measure(base + ["--cache-dir", str(cache)] + paths, timeout, lr_ok)
                _lrlint_findings(steps["lrlint_warm"])
            else:
                # No cache to warm: a plain second run shows what a re-run costs today.
                log("lrlint second run (no cache support)")
                steps["lrlint_warm"] = runner.measure(cold_cmd, timeout, lr_ok)
                _lrlint_findings(steps["lrlint_warm"])
                note = steps["lrlint_warm"].get("note")
                steps["lrlint_warm"]["note"] = "; ".join(filter(None, ["lrlint has no --cache-dir: a plain second run", note]))

            # The project stage's share of a cold run, timed inside one lrlint process, which
            # also lists the files lrlint parsed.
            log("lrlint project stage (link + project rules), in-process")
            analysed_list = scratch / "analysed.txt"
            stages = runner.measure([sys.executable, "-c", _STAGES, str(analysed_list), *paths], timeout, lr_ok)
            report["project_stage"] = _stage_share(stages)

            # libcst's parser over only the files lrlint analyses: the floor of a libcst-based
            # lrlint's cold CPU (issue 20). Notebooks are left out (their JSON is not Python).
            if not _has_module("libcst"):
                steps["libcst_analysed"] = _skipped("libcst is not installed", "missing")
            elif not analysed_list.exists():
                steps["libcst_analysed"] = _skipped("lrlint did not list the files it parsed", "failed")
            else:
                listed = [ln for ln in analysed_list.read_text(encoding="utf-8").splitlines() if ln.endswith(".py")]
                py_list = scratch / "analysed-py.txt"
                py_list.write_text("".join(f"{p}\n" for p in listed), encoding="utf-8")
                log(f"libcst.parse_module of the {len(listed)} files lrlint parsed")
                steps["libcst_analysed"] = runner.measure([sys.executable, "-c", _LIBCST, str(py_list)],
                                                          args.libcst_timeout or timeout)
                _parse_result(steps["libcst_analysed"])
                steps["libcst_analysed"]["cmd"][2] = "<libcst.parse_module of each file lrlint parsed>"
                steps["libcst_analysed"]["files"] = len(listed)

            # 5. One file, process start included, against `python -c pass`, interleaved so
            # that drift on the machine hits both alike.
            one = Path(args.one_file).resolve() if args.one_file else pick_one_file(scheduler_files, manifest)
            if one is None:
                steps["lrlint_one_file"] = _skipped("no file mentions lr_scheduler")
                steps["python_pass"] = _skipped("no file to compare with")
            else:
                log(f"lrlint one file x{args.repeat} ({one.name})")
                one_cmd = base + (["--no-cache"] if features["no_cache"] else []) + [str(one)]
                one_runs, pass_runs = [], []
                for _ in range(args.repeat):
                    one_runs.append(runner.measure(one_cmd, timeout, lr_ok))
                    pass_runs.append(runner.measure([sys.executable, "-c", "pass"], timeout))
                    one_runs[-1].pop("stdout_path", None)
                    pass_runs[-1].pop("stdout_path", None)
                steps["lrlint_one_file"] = {**_median_run(one_runs), "file": str(one),
                                            "file_lines": one.read_bytes().count(b"\n")}
                steps["python_pass"] = _median_run(pass_runs)

        # 6. ruff, default rules.
        ruff = _find_tool("ruff")
        if args.skip_ruff:
            steps["ruff"] = _skipped("--skip-ruff")
        elif ruff is None:
            steps["ruff"] = _skipped("ruff is not installed (pip install ruff)", "missing")
        else:
            log("ruff")
            steps["ruff"] = runner.measure([ruff, "check", "--no-cache", "--exit-zero", "--quiet", "--isolated", *paths], timeout)

        # 7. TorchFix, the closest peer (libcst-based too).
        torchfix = _find_tool("torchfix")
        if args.skip_torchfix:
            steps["torchfix"] = _skipped("--skip-torchfix")
        elif torchfix is None:
            steps["torchfix"] = _skipped("torchfix is not installed (pip install torchfix)", "missing")
        else:
            log("torchfix")
            steps["torchfix"] = runner.measure([torchfix, *paths], args.torchfix_timeout or timeout, (0, 1))

        for step in steps.values():
            step.pop("stdout_path", None)
            step.pop("stderr_path", None)
        if hasattr(os, "getloadavg"):
            report["machine"]["load_average_after"] = list(os.getloadavg())
        report["ratios"] = ratios(steps)
        report["targets"] = targets(report)
        report["earlier_targets"] = earlier_targets(report)
        return report
    finally:
        if not args.keep_scratch:
            shutil.rmtree(scratch, ignore_errors=True)


def _stage_share(step: dict[str, Any]) -> dict[str, Any] | None:
    """The project stage's seconds and share of the run, from the in-process timing's last line."""
    line = _last_line(Path(step["stderr_path"])) if step.get("stderr_path") else ""
    try:
        data = json.loads(line)
    except ValueError:
        return None
    data["share"] = data["project_stage_s"] / data["total_s"] if data.get("total_s") else None
    return data


def _has_module(name: str) -> bool:
    proc = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True)
    return proc.returncode == 0


def machine() -> dict[str, Any]:
    model = None
    mem_total = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_total = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": usable,
        "cpu_model": model or platform.processor() or None,
        "memory_gb": mem_total,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "python_executable": sys.executable,
        # Other work on the machine skews every figure: the load is printed with them.
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def tool_versions(lrlint: list[str], skip: set[str]) -> dict[str, str | None]:
    try:
        libcst = importlib.metadata.version("libcst")
    except importlib.metadata.PackageNotFoundError:
        libcst = None
    # A skipped tool is not asked either: `torchfix --version` alone takes a second.
    ruff = None if "ruff" in skip else _find_tool("ruff")
    torchfix = None if "torchfix" in skip else _find_tool("torchfix")
    return {
        "lrlint": _version([*lrlint, "--version"]) if lrlint else None,
        "libcst": libcst,
        "ruff": _version([ruff, "--version"]) if ruff else None,
        "torchfix": _version([torchfix, "--version"]) if torchfix else None,
    }


# ---------------------------------------------------------------------------------------------
# Figures


def _measured(step: dict[str, Any] | None) -> bool:
    return bool(step) and step.get("status") in ("ok", "timeout") and step.get("wall_s") is not None


def ratios(steps: dict[str, dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    floor = steps.get("floor", {})
    if floor.get("status") == "ok":
        for name, step in steps.items():
            if name in ("lrlint_one_file", "python_pass") or not _measured(step):
                continue
            out[f"{name}_wall_vs_floor"] = step["wall_s"] / floor["wall_s"]
            out[f"{name}_cpu_vs_floor"] = step["cpu_s"] / floor["cpu_s"] if floor["cpu_s"] else None
    cold, warm = steps.get("lrlint_cold", {}), steps.get("lrlint_warm", {})
    if cold.get("status") == "ok" and warm.get("status") == "ok":
        out["warm_vs_cold_wall"] = warm["wall_s"] / cold["wall_s"]
        out["warm_vs_cold_cpu"] = warm["cpu_s"] / cold["cpu_s"] if cold["cpu_s"] else None
    one, nop = steps.get("lrlint_one_file", {}), steps.get("python_pass", {})
    if one.get("status") == "ok" and nop.get("status") == "ok":
        out["one_file_minus_python_pass_ms"] = (one["wall_s"] - nop["wall_s"]) * 1000
        out["one_file_cpu_minus_python_pass_ms"] = (one["cpu_s"] - nop["cpu_s"]) * 1000
    return out


def _peak(step: dict[str, Any]) -> float | None:
    """The larger of the one-process peak and the sampled whole-tree peak."""
    values = [v for v in (step.get("peak_rss_mb"), step.get("tree_rss_mb")) if v is not None]
    return max(values) if values else None


def _checker(checks: list[dict[str, Any]]):  # noqa: ANN202 - a closure that appends to `checks`
    def check(name: str, value: float | None, limit: float, unit: str, why_missing: str, note: str = "") -> None:
        if value is None:
            checks.append({"target": name, "result": "n/a", "value": None, "limit": limit, "note": why_missing})
        else:
            checks.append({"target": name, "result": "PASS" if value <= limit else "MISS", "value": value,
                           "limit": limit, "unit": unit, "note": note})

    return check


def _lrlint_peak(steps: dict[str, Any]) -> float | None:
    lr_peaks = [p for name in ("lrlint_cold", "lrlint_cold_populate", "lrlint_warm", "lrlint_one_file")
                if _measured(steps.get(name)) and (p := _peak(steps[name])) is not None]
    return max(lr_peaks) if lr_peaks else None


def _scoped(checks: list[dict[str, Any]], corpus: dict[str, Any]) -> list[dict[str, Any]]:
    if corpus["py_files"] < TARGET_MIN_FILES or corpus["kind"] != "real":
        for c in checks:
            scope = f"set for >= {TARGET_MIN_FILES} files of real repos, not {corpus['py_files']} {corpus['kind']} ones"
            c["note"] = "; ".join(filter(None, [c["note"], scope]))
    return checks


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 20's targets: the ones in force."""
    steps, r = report["steps"], report["ratios"]
    checks: list[dict[str, Any]] = []
    check = _checker(checks)
    cpu = r.get("lrlint_cold_cpu_vs_floor")
    check("cold <= 1.2 x ast.parse floor (wall)", r.get("lrlint_cold_wall_vs_floor"), TARGET20_COLD_VS_FLOOR, "x floor",
          "cold run or floor not measured", f"CPU: {cpu:.2f} x floor" if cpu is not None else "")
    cold, parse = steps.get("lrlint_cold", {}), steps.get("libcst_analysed", {})
    ratio = cold["cpu_s"] / parse["cpu_s"] if _measured(cold) and parse.get("status") == "ok" and parse.get("cpu_s") else None
    check("cold CPU <= 1.5 x libcst of the files lrlint parses", ratio, TARGET20_COLD_VS_LIBCST, "x libcst",
          "cold run or the libcst row not measured",
          f"{cold['cpu_s']:.2f} s vs {parse['cpu_s']:.2f} s for {parse.get('files', '?')} files" if ratio is not None else "")
    warm = steps.get("lrlint_warm", {})
    check("warm <= 0.3 s (wall)", warm.get("wall_s") if warm.get("status") == "ok" else None, TARGET20_WARM_S, "s",
          "warm run not measured", f"CPU: {warm['cpu_s']:.3f} s" if warm.get("status") == "ok" else "")
    cpu = r.get("one_file_cpu_minus_python_pass_ms")
    check("one file <= python -c pass + 150 ms (wall, median)", r.get("one_file_minus_python_pass_ms"),
          TARGET_ONE_FILE_OVER_PASS_MS, "ms over python -c pass", "one-file run not measured",
          f"CPU: {cpu:.0f} ms over" if cpu is not None else "")
    check("peak RSS < 300 MB (any lrlint run)", _lrlint_peak(steps), TARGET_PEAK_RSS_MB, "MB", "no lrlint run measured")
    return _scoped(checks, report["corpus"])


def earlier_targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Issues 13 and 14's targets, kept for comparison with earlier reports."""
    steps, r = report["steps"], report["ratios"]
    checks: list[dict[str, Any]] = []
    check = _checker(checks)
    # Wall is the target; the CPU ratio rides along because it is the figure a busy machine skews less.
    cpu = r.get("lrlint_cold_cpu_vs_floor")
    check("cold <= 0.5 x ast.parse floor (wall)", r.get("lrlint_cold_wall_vs_floor"), TARGET_COLD_VS_FLOOR, "x floor",
          "cold run or floor not measured", f"CPU: {cpu:.2f} x floor" if cpu is not None else "")
    warm = steps.get("lrlint_warm", {})
    no_cache = not report.get("lrlint_features", {}).get("cache_dir")
    cpu = r.get("warm_vs_cold_cpu")
    check("warm <= 0.05 x cold (wall)", r.get("warm_vs_cold_wall"), TARGET_WARM_VS_COLD, "x cold",
          "warm or cold run not measured",
          "; ".join(filter(None, [f"CPU: {cpu:.2f} x cold" if cpu is not None else "",
                                  "lrlint has no cache: warm = a plain second run" if no_cache and warm else ""])))
    stage = report.get("project_stage") or {}
    check("project stage (link + project rules) <= 10% of a cold run", stage.get("share"), TARGET_LINK_SHARE,
          "of the run", "project stage not measured",
          f"{stage['project_stage_s']:.2f} s of {stage['total_s']:.2f} s (one process, --no-cache)" if stage.get("share") is not None else "")
    return _scoped(checks, report["corpus"])


# ---------------------------------------------------------------------------------------------
# Printing

_LABELS = {
    "floor": "ast.parse (floor)",
    "libcst": "libcst.parse_module",
    "libcst_analysed": "libcst, files lrlint parses",
    "lrlint_cold": "lrlint cold",
    "lrlint_cold_populate": "lrlint cold, fresh cache",
    "lrlint_warm": "lrlint warm",
    "lrlint_one_file": "lrlint one file (median)",
    "python_pass": "python -c pass (median)",
    "ruff": "ruff (default rules)",
    "torchfix": "TorchFix",
}


def _num(value: float | None, fmt: str, bound: bool = False) -> str:
    if value is None:
        return "-"
    return (">" if bound else "") + format(value, fmt)


def render(report: dict[str, Any]) -> str:
    m, c, tools = report["machine"], report["corpus"], report.get("tools", {})
    out: list[str] = []
    out.append(f"machine: {m['cpu_model']}, {m['cpu_count']} CPUs ({m['cpus_usable']} usable), "
               f"{m['memory_gb']} GB, {m['platform']}, Python {m['python']}")
    if m.get("load_average"):
        before, after = m["load_average"], m.get("load_average_after") or ["?"]
        out.append(f"load:    {before[0]:.2f} at start, {after[0]:.2f} at the end (1-minute load average)"
                   if isinstance(after[0], float) else f"load:    {before[0]:.2f} at start")
    steps = report["steps"]
    out.append("tools:   " + ", ".join(
        f"{k} {v or steps.get(k, {}).get('status', 'missing')}" for k, v in tools.items()))
    seed = f", seed {c['seed']}" if "seed" in c else ""
    out.append(f"corpus:  {c['kind']}{seed}: {c['py_files']:,} .py files, {c['lines']:,} lines, "
               f"{c['bytes'] / MB:.1f} MB, {c['files_mentioning_lr_scheduler']} mention lr_scheduler, "
               f"longest {c['longest_file_lines']:,} lines")
    out.append("         " + " ".join(c["paths"]))
    out.append("")
    header = f"{'tool':<30} {'wall s':>9} {'CPU s':>9} {'peak RSS MB':>11} {'tree RSS MB':>11} {'wall/floor':>10} {'CPU/floor':>9}  status"
    out.append(header)
    out.append("-" * len(header))
    r = report["ratios"]
    for name, step in report["steps"].items():
        label = _LABELS.get(name, name)
        if name in ("lrlint_one_file", "python_pass") and "runs" in step:
            label = label.replace("median", f"median of {step['runs']}")
        status = step.get("status", "?")
        note = step.get("note", "")
        if not _measured(step):
            out.append(f"{label:<30} {'-':>9} {'-':>9} {'-':>11} {'-':>11} {'-':>10} {'-':>9}  {status}: {note}")
            continue
        bound = status == "timeout"  # a killed run's figures are lower bounds
        extra = note if status != "ok" else ""
        if step.get("findings") is not None:
            extra = f"{step['findings']} finding{'s' if step['findings'] != 1 else ''}" + (f"; {note}" if note else "")
        elif step.get("errors"):
            extra = f"{step['errors']} files failed to parse" + (f"; {note}" if note and status != "ok" else "")
        out.append(
            f"{label:<30} {_num(step['wall_s'], '.3f', bound):>9} {_num(step['cpu_s'], '.3f', bound):>9} "
            f"{_num(step.get('peak_rss_mb'), '.0f'):>11} {_num(step.get('tree_rss_mb'), '.0f'):>11} "
            f"{_num(r.get(f'{name}_wall_vs_floor'), '.2f', bound):>10} {_num(r.get(f'{name}_cpu_vs_floor'), '.2f', bound):>9}  "
            f"{status}{': ' + extra if extra else ''}"
        )
    out.append("")
    out.append("peak RSS: the largest single process (ru_maxrss); tree RSS: the whole process tree's summed RSS, "
               "sampled every 50 ms (shared pages counted per process)")
    if "warm_vs_cold_wall" in r:
        what = "second run / first run" if not report.get("lrlint_features", {}).get("cache_dir") else "warm / cold"
        out.append(f"lrlint {what}: {r['warm_vs_cold_wall']:.3f} (wall), {_num(r.get('warm_vs_cold_cpu'), '.3f')} (CPU)")
    if "one_file_minus_python_pass_ms" in r:
        one = report["steps"]["lrlint_one_file"]
        out.append(f"lrlint one file - python -c pass: {r['one_file_minus_python_pass_ms']:.0f} ms (wall), "
                   f"{r['one_file_cpu_minus_python_pass_ms']:.0f} ms (CPU); file: {one['file']} ({one['file_lines']} lines)")
    stage = report.get("project_stage")
    if stage and stage.get("share") is not None:
        out.append(f"lrlint project stage (link + project rules): {stage['project_stage_s']:.2f} s of a "
                   f"{stage['total_s']:.2f} s cold run in one process ({stage['share']:.1%})")
    if report.get("lrlint_jobs_note"):
        out.append(report["lrlint_jobs_note"])
    seeded = report.get("seeded")
    if seeded:
        missed = [f"{k} {v['files'] - v['found']}/{v['files']}" for k, v in seeded["variants"].items()
                  if v["expect"] and v["found"] < v["files"]]
        fps = [f"{k} {v['found']}/{v['files']}" for k, v in seeded["variants"].items() if not v["expect"] and v["found"]]
        out.append(f"seeded bugs found by lrlint (cold run): {seeded['found']}/{seeded['planted']}"
                   + (f"; missed: {', '.join(missed)}" if missed else "")
                   + (f"; findings on correct scripts: {', '.join(fps)}" if fps else "")
                   + f"; findings outside the planted bugs: {seeded['unexpected_findings']}")
    for heading, key in (("targets (issue 20):", "targets"), ("history: targets (issue 13):", "earlier_targets")):
        out.append("")
        out.append(heading)
        for t in report.get(key, []):
            fmt = ".0f" if t.get("unit", "").startswith(("ms", "MB")) else ".3f" if t.get("unit") == "s" else ".2f"
            value = "-" if t["value"] is None else f"{t['value']:{fmt}} {t.get('unit', '')}".rstrip()
            limit = f"(limit {t['limit']:g})"
            out.append(f"  {t['result']:<4} {t['target']:<52} {value} {limit}" + (f"  [{t['note']}]" if t["note"] else ""))
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("corpus", nargs="*", metavar="CORPUS", help="directory trees of real code (default: a synthetic corpus)")
    p.add_argument("--files", type=int, default=2000, help="files in the synthetic corpus (default: 2000)")
    p.add_argument("--seed", type=int, default=13, help="seed of the synthetic corpus (default: 13)")
    p.add_argument("--corpus-out", metavar="DIR", help="write the synthetic corpus here and keep it")
    p.add_argument("--json", metavar="OUT", help="write every figure as JSON")
    p.add_argument("--lrlint", metavar="CMD", help="lrlint command line (default: lrlint next to this Python, or on PATH)")
    p.add_argument("--jobs", type=int, help="pass --jobs N to lrlint when it supports it")
    p.add_argument("--repeat", type=int, default=5, metavar="K", help="runs of the one-file case and of python -c pass (median; default 5)")
    p.add_argument("--one-file", metavar="PATH", help="the file of the one-file case (default: picked from the corpus)")
    p.add_argument("--timeout", type=float, default=1800, metavar="S", help="limit for each measured command (default 1800 s)")
    p.add_argument("--libcst-timeout", type=float, metavar="S", help="limit for the libcst step (default: --timeout)")
    p.add_argument("--torchfix-timeout", type=float, metavar="S", help="limit for the TorchFix step (default: --timeout)")
    p.add_argument("--skip-libcst", action="store_true", help="do not time libcst (slow on big corpora)")
    p.add_argument("--skip-ruff", action="store_true")
    p.add_argument("--skip-torchfix", action="store_true")
    p.add_argument("--keep-scratch", action="store_true", help="keep the scratch directory (tool outputs) for inspection")
    args = p.parse_args(argv)
    if args.repeat < 1 or args.files < 1:
        p.error("--repeat and --files must be >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report = run_benchmark(args)
    print(render(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
