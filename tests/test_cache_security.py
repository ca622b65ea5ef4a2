"""Nothing in a cache folder runs when lrlint reads it (issue 24), a hostile or malformed entry is a
miss and never a crash (issue 25), and lrlint never writes through a symbolic link planted in the
linted tree (issue 25).

Each hostile payload is planted where lrlint looks (the file of the current key, an entry under a
file's real key, the run record) after a first run filled the cache; the next run must give the
same findings as a run without cache, leave the marker file unwritten, and report no crash.
"""

from __future__ import annotations

import json
import marshal
import os
import pickle
from pathlib import Path

import pytest

from lrlint.cache import Cache, digest, entry_key, fingerprint
from lrlint.cache_codec import Invalid, codec
from lrlint.config import load_settings
from lrlint.linter import FileSummary, analyze_file
from lrlint.run import RunOptions, lint_paths

TRAIN = "from torch.optim.lr_scheduler import ExponentialLR\nscheduler = ExponentialLR(opt, gamma=1.5)\n"
OTHER = "import os\nprint(os.sep)\n"


def project(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "train.py").write_text(TRAIN)
    (root / "other.py").write_text(OTHER)
    return root


def lint(root: Path, cache: Path | None, warnings: list[str] | None = None, **options: object) -> tuple[list[tuple[str, str]], object]:
    opts = RunOptions(cache_dir=cache, use_cache=cache is not None, jobs=1, **options)  # type: ignore[arg-type]
    result = lint_paths([str(root)], load_settings(root), options=opts, warn=(warnings if warnings is not None else []).append)
    return [(Path(d.filename).name, d.code) for d in result.diagnostics], result


def key_of(root: Path) -> str:
    return fingerprint(load_settings(root).torch_version)


def write_pack(path: Path, blobs: dict[str, bytes], paths: dict[str, list[str]] | None = None) -> None:
    """An entries file in the current format, holding exactly these blobs."""
    entries, body, offset = {}, b"", 0
    for key, blob in blobs.items():
        entries[key] = [offset, len(blob)]
        body += blob
        offset += len(blob)
    listing = json.dumps(paths or {}).encode()
    header = json.dumps({"key": path.stem, "entries": entries, "trivial": [], "paths": [offset, len(listing)]}).encode()
    path.write_bytes(b"lrlint-cache entries 3\n" + b"%d\n" % len(header) + header + body + listing)


class Boom:
    """Unpickling this runs `touch <marker>`."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


@pytest.fixture
def filled(tmp_path: Path) -> tuple[Path, Path, Path, list[tuple[str, str]]]:
    """A project, its cache after one run, the marker a payload would write, and the findings."""
    root = project(tmp_path / "p")
    cache = tmp_path / "cache"
    expected, _ = lint(root, None)
    assert expected == [("train.py", "LR004")]
    found, _ = lint(root, cache)
    assert found == expected
    return root, cache, tmp_path / "pwned", expected


def assert_safe(root: Path, cache: Path, marker: Path, expected: list[tuple[str, str]]) -> None:
    warnings: list[str] = []
    found, result = lint(root, cache, warnings)
    assert found == expected
    assert not result.crashed and not any("internal error" in w for w in warnings)  # type: ignore[attr-defined]
    assert not marker.exists(), "a payload in the cache ran"
    again, _ = lint(root, cache)  # rewritten: the next run is clean too
    assert again == expected and not marker.exists()


def test_a_pickle_with_os_system_in_the_entries_file_runs_nothing(filled) -> None:
    root, cache, marker, expected = filled
    (cache / f"{key_of(root)}.entries").write_bytes(pickle.dumps(Boom(marker)))
    (cache / f"{key_of(root)}.results").write_bytes(pickle.dumps(Boom(marker)))
    assert_safe(root, cache, marker, expected)


def test_a_pickle_in_the_old_cache_file_is_never_read_and_is_removed(filled) -> None:
    root, cache, marker, expected = filled
    old = cache / f"summaries-{key_of(root)}.pickle"
    old.write_bytes(pickle.dumps({"format": 2, "entries": Boom(marker)}))
    (root / "train.py").write_text(TRAIN + "# changed\n")  # something to save, so pruning runs
    assert_safe(root, cache, marker, expected)
    assert not old.exists()


def test_a_global_lookup_of_builtins_exec_in_a_pickle_entry_runs_nothing(filled) -> None:
    root, cache, marker, expected = filled
    key = entry_key(digest(TRAIN.encode()), notebook=False)
    payload = b"cbuiltins\nexec\n(V" + f"open({str(marker)!r}, 'w')".encode() + b"\ntR."
    write_pack(cache / f"{key_of(root)}.entries", {key: payload})
    assert_safe(root, cache, marker, expected)


def test_a_marshalled_code_object_runs_nothing(filled) -> None:
    root, cache, marker, expected = filled
    key = entry_key(digest(TRAIN.encode()), notebook=False)
    code = marshal.dumps(compile(f"open({str(marker)!r}, 'w')", "x", "exec"))
    write_pack(cache / f"{key_of(root)}.entries", {key: code})
    (cache / f"{key_of(root)}.results").write_bytes(b"lrlint-cache results 3\n" + code)
    assert_safe(root, cache, marker, expected)


def entry_with(root: Path, facts: object) -> bytes:
    """A well-formed entry for train.py whose facts field holds `facts` (a tagged value)."""
    summary = analyze_file("train.py", TRAIN.encode())
    data = codec().encode(FileSummary, summary)
    data[4] = facts  # FileSummary.facts: typed `object`, so written tagged
    return json.dumps([entry_key(digest(TRAIN.encode()), notebook=False), "train.py", data]).encode()


@pytest.mark.parametrize(
    "tagged",
    [
        ["c", "posix:system", "touch pwned"],  # a function, not a class of lrlint's
        ["c", "builtins:eval", "__import__('os').system('touch pwned')"],
        ["r", "subprocess:Popen", ["l", "touch", "pwned"]],
        ["c", "lrlint.linter:analyze_file", "x", "y"],  # lrlint's, but a function
        ["c", "lrlint.cache:Cache", "/", "x", "/"],  # lrlint's, but not a data class
        ["r", "lrlint.facts.model:FileFacts"],  # a data class, but with the other tag
    ],
)
def test_a_tagged_value_naming_anything_but_lrlints_data_classes_is_a_miss(filled, tagged: list[object]) -> None:
    root, cache, marker, expected = filled
    os.chdir(marker.parent)  # where `touch pwned` would write
    key = entry_key(digest(TRAIN.encode()), notebook=False)
    write_pack(cache / f"{key_of(root)}.entries", {key: entry_with(root, tagged)})
    assert_safe(root, cache, marker, expected)


def test_the_codec_rejects_those_values_without_touching_them() -> None:
    for tagged in (["c", "posix:system", "x"], ["c", "builtins:exec", "x"], ["r", "os:system", "x"], ["x"], [], {"a": 1}):
        with pytest.raises(Invalid):
            codec().decode(object, tagged)
    assert "os" not in codec()._modules and "builtins" not in codec()._modules


def test_a_huge_allocation_is_refused(filled) -> None:
    root, cache, marker, expected = filled
    key = entry_key(digest(TRAIN.encode()), notebook=False)
    pack = cache / f"{key_of(root)}.entries"
    # A header claiming a blob of 1 TiB (a pickle memo index or a marshal tuple size of 2**30
    # allocates gigabytes from a few bytes; here the claim is checked against the file first).
    header = json.dumps({"key": key_of(root), "entries": {key: [0, 2**40]}, "trivial": [], "paths": [0, 0]}).encode()
    pack.write_bytes(b"lrlint-cache entries 3\n" + b"%d\n" % len(header) + header)
    assert_safe(root, cache, marker, expected)
    pack.write_bytes(b"lrlint-cache entries 3\n" + b"%d\n" % 2**50)  # a header length past the file
    assert_safe(root, cache, marker, expected)
    write_pack(pack, {key: b'["' + key.encode() + b'","train.py",' + b"9" * 100_000 + b"]"})  # a 100,000-digit number
    assert_safe(root, cache, marker, expected)


def test_deep_nesting_is_a_miss(filled) -> None:
    root, cache, marker, expected = filled
    key = entry_key(digest(TRAIN.encode()), notebook=False)
    deep = b"[" * 200_000 + b"]" * 200_000
    write_pack(cache / f"{key_of(root)}.entries", {key: b'["' + key.encode() + b'","train.py",' + deep + b"]"})
    assert_safe(root, cache, marker, expected)
    tagged: object = 1
    for _ in range(500):  # nested within the limits of JSON, past lrlint's own for tagged values
        tagged = ["l", tagged]
    write_pack(cache / f"{key_of(root)}.entries", {key: entry_with(root, tagged)})
    assert_safe(root, cache, marker, expected)


@pytest.mark.parametrize("summary", ["5", "null", '{"filename": "train.py"}', "[]"])
def test_a_malformed_summary_is_a_miss(filled, summary: str) -> None:
    root, cache, marker, expected = filled
    key = entry_key(digest(TRAIN.encode()), notebook=False)
    write_pack(cache / f"{key_of(root)}.entries", {key: f'["{key}","train.py",{summary}]'.encode()})
    assert_safe(root, cache, marker, expected)


def test_a_summary_with_diagnostics_none_is_a_miss(filled) -> None:
    root, cache, marker, expected = filled
    summary = analyze_file("train.py", TRAIN.encode())
    data = codec().encode(FileSummary, summary)
    data[1] = None  # diagnostics
    key = entry_key(digest(TRAIN.encode()), notebook=False)
    write_pack(cache / f"{key_of(root)}.entries", {key: json.dumps([key, "train.py", data]).encode()})
    assert_safe(root, cache, marker, expected)


def test_an_entry_filed_under_another_files_key_is_a_miss(filled) -> None:
    """Each entry names its own key: a clean summary filed under train.py's key is not used."""
    root, cache, marker, expected = filled
    clean = analyze_file("other.py", OTHER.encode(), force=True)
    key = entry_key(digest(TRAIN.encode()), notebook=False)
    other = entry_key(digest(OTHER.encode()), notebook=False)
    blob = json.dumps([other, "train.py", codec().encode(FileSummary, clean)]).encode()
    write_pack(cache / f"{key_of(root)}.entries", {key: blob})
    assert_safe(root, cache, marker, expected)


def test_a_hostile_run_record_is_a_miss(filled) -> None:
    """The run record replays a whole run: planted objects in it are refused like entries'."""
    root, cache, marker, expected = filled
    results = cache / f"{key_of(root)}.results"
    stored = json.loads(results.read_bytes().split(b"\n", 1)[1])
    run_key = stored[0][0]
    for record in (
        [[["c", "posix:system", "x"]], [], 1, []],
        [None, [], 2, []],
        5,
        [[], ["lrlint: warning: planted"], "2", []],
    ):
        results.write_bytes(b"lrlint-cache results 3\n" + json.dumps([[run_key, record]]).encode())
        os.chdir(marker.parent)
        assert_safe(root, cache, marker, expected)


# -- symbolic links -------------------------------------------------------------------------------


def default_cache_run(root: Path, warnings: list[str]) -> list[tuple[str, str]]:
    """A run with the cache in its default place: `.lrlint_cache/` in the project root."""
    os.chdir(root)
    result = lint_paths([str(root)], load_settings(root), options=RunOptions(jobs=1), warn=warnings.append)
    return [(Path(d.filename).name, d.code) for d in result.diagnostics]


def test_a_symlinked_cache_folder_in_the_tree_is_not_used(tmp_path: Path) -> None:
    root = project(tmp_path / "p")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / ".lrlint_cache").symlink_to(elsewhere, target_is_directory=True)
    warnings: list[str] = []
    assert default_cache_run(root, warnings) == [("train.py", "LR004")]
    assert list(elsewhere.iterdir()) == []  # nothing written through the link
    assert [w for w in warnings if "not using the cache" in w and ".lrlint_cache" in w]
    assert (root / ".lrlint_cache").is_symlink()


def test_a_symlinked_folder_above_the_cache_inside_the_tree_is_refused(tmp_path: Path) -> None:
    root = project(tmp_path / "p")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / "build").symlink_to(elsewhere, target_is_directory=True)
    warnings: list[str] = []
    found, _ = lint(root, root / "build" / "cache", warnings)
    assert found == [("train.py", "LR004")]
    assert list(elsewhere.iterdir()) == [] and any("not using the cache" in w for w in warnings)


def test_a_cache_folder_outside_the_tree_may_be_reached_through_a_link(tmp_path: Path) -> None:
    """The user's own choice of folder (a link in their home, say) is followed."""
    root = project(tmp_path / "p")
    real = tmp_path / "real-cache"
    real.mkdir()
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    lint(root, tmp_path / "link")
    assert any(p.name.endswith(".entries") for p in real.iterdir())


@pytest.mark.parametrize("name", ["CACHEDIR.TAG", ".gitignore", "ENTRIES", "RESULTS"])
def test_files_in_the_cache_folder_are_never_written_through_a_link(tmp_path: Path, name: str) -> None:
    root = project(tmp_path / "p")
    cache = root / ".lrlint_cache"
    cache.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    key = key_of(root)
    link = cache / {"ENTRIES": f"{key}.entries", "RESULTS": f"{key}.results"}.get(name, name)
    link.symlink_to(victim)
    warnings: list[str] = []
    assert default_cache_run(root, warnings) == [("train.py", "LR004")]
    assert victim.read_text() == "precious\n"
    if name in ("CACHEDIR.TAG", ".gitignore"):
        assert link.is_symlink()  # left alone
    else:  # replaced by the new file, the link itself and not its target
        assert not link.is_symlink() and link.read_bytes().startswith(b"lrlint-cache")
        assert default_cache_run(root, []) == [("train.py", "LR004")]


def test_a_fifo_planted_as_the_entries_file_does_not_block(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    root = project(tmp_path / "p")
    cache = root / ".lrlint_cache"
    cache.mkdir()
    os.mkfifo(cache / f"{key_of(root)}.entries")
    os.mkfifo(cache / f"{key_of(root)}.results")
    assert default_cache_run(root, []) == [("train.py", "LR004")]


def test_cache_folder_opening_is_confined_below_the_tree(tmp_path: Path) -> None:
    """The Cache itself refuses a linked folder inside the tree (what run.py turns into a warning)."""
    from lrlint.cache import CacheRefused

    root = project(tmp_path / "p")
    (tmp_path / "out").mkdir()
    (root / "c").symlink_to(tmp_path / "out", target_is_directory=True)
    with pytest.raises(CacheRefused):
        Cache(root / "c", key_of(root), root)
