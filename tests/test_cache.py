"""The parse cache in the user's cache folder: never a different report, never a risk.

Every test here has a cache folder of its own (XDG_CACHE_HOME in tmp_path).
"""
from __future__ import annotations

import hashlib
import io
import marshal
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLE, ROOT
from exvlint import api, cache
from exvlint.formatters import FORMATS, ReportOptions, write_report
from exvlint.terraform import parsecache

FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """XDG_CACHE_HOME for this test; the cache is <home>/exvlint."""
    folder = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    monkeypatch.delenv("EXVLINT_NO_CACHE", raising=False)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # JUnit's timestamp
    return folder


def entries(home: Path) -> list:
    root = home / "exvlint"
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith((".tmp-", "trimmed"))) \
        if root.exists() else []


def reports(paths: list, use_cache: bool, **options) -> dict:
    """Every format's report of an in-process run, the run's duration left out."""
    result = api.lint([str(p) for p in paths], all_vms=True, strict=True, show_suppressed=True, jobs=1,
                      cache=use_cache, **options)
    out = {}
    for name in FORMATS:
        buffer = io.StringIO()
        write_report(name, result, ReportOptions(show_suppressed=True), buffer)
        out[name] = re.sub(r"; [0-9.]+ s\b", "; <duration>", buffer.getvalue())
    out["exit"] = result.exit_code()
    return out


def test_reports_are_the_same_without_cache_cold_and_warm(home, monkeypatch):
    """Every fixture tree and example: the findings of a run that parses everything, of the run that
    fills the cache and of the run that reads it are the same, byte for byte, in every format."""
    paths = [FIXTURES, ROOT / "examples"]
    plain = reports(paths, False)
    assert not entries(home), "--no-cache wrote to the cache"
    cold = reports(paths, True)
    written = entries(home)
    assert len(written) > 300
    parses = []
    real = parsecache._parse
    monkeypatch.setattr(parsecache, "_parse", lambda *a: parses.append(a[1]) or real(*a))
    warm = reports(paths, True)
    # every file came from the cache: no entry was refused (a silent miss would hide a codec fault)
    assert parses == [] and entries(home) == written
    assert "EXV000" in plain["sarif"] and "EXV301" in plain["sarif"]
    for name in plain:
        assert cold[name] == plain[name], f"the cold cache changed the {name} report"
        assert warm[name] == plain[name], f"the warm cache changed the {name} report"


def test_a_warm_run_reads_the_cache_instead_of_parsing(home, monkeypatch):
    reports([EXAMPLE], True)
    parses = []
    real = parsecache._parse
    monkeypatch.setattr(parsecache, "_parse", lambda *a: parses.append(a[1]) or real(*a))
    reports([EXAMPLE], True)
    assert parses == []
    reports([EXAMPLE], False)
    assert parses  # the same run without the cache parses


def test_a_syntax_error_is_cached_with_its_place(home, tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "main.tf").write_text('resource "azurerm_managed_disk" "d" {\n  name = "a"\n  size = \n}\n')
    plain = reports([tree], False)
    assert "main.tf:3" in plain["text"] or ":3:" in plain["text"]
    assert reports([tree], True) == plain
    assert entries(home)
    assert reports([tree], True) == plain


def test_limits_are_part_of_the_key(home, tmp_path):
    """A file parsed under the default limits is not taken from the cache under a lower nesting limit."""
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "main.tf").write_text("locals {\n  x = " + "[" * 30 + "1" + "]" * 30 + "\n}\n")
    reports([tree], True)  # fills the cache under the default limits
    (tree / ".exvlint.yaml").write_text("limits:\n  nesting_depth: 10\n")
    limited = reports([tree], True)
    assert "limits.nesting_depth" in limited["text"]
    assert limited == reports([tree], False)


def _mutations(data: bytes) -> list:
    header = len(cache.MAGIC) + 40
    flipped = bytearray(data)
    flipped[-1] ^= 0x01
    return [b"", data[:10], data[: len(data) // 2], bytes(flipped), b"garbage" * 10,
            data[:header] + marshal.dumps((lambda: 0).__code__)]


@pytest.mark.parametrize("how", range(6), ids=["empty", "truncated header", "truncated", "flipped byte",
                                                "garbage", "a code object"])
def test_a_corrupt_entry_is_ignored_and_rebuilt(home, how):
    plain = reports([EXAMPLE], False)
    reports([EXAMPLE], True)
    originals = {p: p.read_bytes() for p in entries(home)}
    for path, data in originals.items():
        path.write_bytes(_mutations(data)[how])
    assert reports([EXAMPLE], True) == plain
    assert {p: p.read_bytes() for p in entries(home)} == originals, "the entries were not rebuilt"


BAD_PAYLOADS = [(99, 1), (0,), (0, 1, 2, 3, 4), ("x",), {1: 2}, [(-2, "a")], set(), 1j, (19, "p", 1, 2)]


def test_a_well_formed_entry_of_unknown_shape_is_ignored(home):
    """An entry with a valid header and checksum whose payload is no AST the codec knows (a class it does
    not name, the wrong number of fields, a type it does not take) is a miss, not an object."""
    plain = reports([EXAMPLE], False)
    reports([EXAMPLE], True)
    originals = {p: p.read_bytes() for p in entries(home)}
    header = len(cache.MAGIC) + 20
    for i, (path, data) in enumerate(originals.items()):
        payload = marshal.dumps(BAD_PAYLOADS[i % len(BAD_PAYLOADS)])
        path.write_bytes(data[:header] + hashlib.blake2b(payload, digest_size=20).digest() + payload)
    assert reports([EXAMPLE], True) == plain
    assert {p: p.read_bytes() for p in entries(home)} == originals
    codec = parsecache._codec()
    for bad in BAD_PAYLOADS:
        with pytest.raises(ValueError):
            codec.loads(marshal.dumps(bad))


def test_an_entry_of_other_code_is_not_read(home, monkeypatch):
    reports([EXAMPLE], True)
    before = entries(home)
    monkeypatch.setattr(cache, "_IDENTITY", b"\0" * 20)  # another exvlint (version, package files)
    parses = []
    real = parsecache._parse
    monkeypatch.setattr(parsecache, "_parse", lambda *a: parses.append(a[1]) or real(*a))
    reports([EXAMPLE], True)
    assert parses
    assert len(entries(home)) == 2 * len(before)  # its own entries, beside the others


def test_no_cache_and_the_environment_variable_write_nothing(home, run_cli):
    code, _, err = run_cli("check", str(EXAMPLE), "--no-cache")
    assert code == 1, err
    assert not (home / "exvlint").exists()
    code, _, err = run_cli("check", str(EXAMPLE), env={"EXVLINT_NO_CACHE": "1"})
    assert code == 1, err
    assert not (home / "exvlint").exists()
    code, _, err = run_cli("check", str(EXAMPLE))
    assert code == 1, err
    assert entries(home)


def test_an_unwritable_cache_lets_the_run_go_on(home, monkeypatch):
    plain = reports([EXAMPLE], False)

    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cache.tempfile, "mkstemp", refused)
    assert reports([EXAMPLE], True) == plain
    assert not entries(home)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="permissions do not bind root")
def test_a_read_only_cache_folder_is_read_and_not_written(home, tmp_path):
    plain = reports([EXAMPLE], False)
    reports([EXAMPLE], True)
    folder = home / "exvlint"
    written = entries(home)
    modes = {}
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir():
            modes[path] = path.stat().st_mode
            path.chmod(0o500)
    try:
        other = tmp_path / "other"
        shutil.copytree(ROOT / "examples" / "vsphere-exchange", other)
        assert reports([EXAMPLE], True) == plain
        assert reports([other], True) == reports([other], False)
        assert entries(home) == written
    finally:
        for path, mode in modes.items():
            path.chmod(mode)


def test_a_cache_folder_that_cannot_be_made_is_no_cache(home):
    home.parent.mkdir(parents=True, exist_ok=True)
    home.write_text("a file where the cache home should be")
    assert reports([EXAMPLE], True) == reports([EXAMPLE], False)


@pytest.mark.skipif(not hasattr(os, "symlink") or sys.platform == "win32", reason="POSIX symbolic links")
def test_a_cache_folder_that_is_a_symbolic_link_is_not_used(home, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    home.mkdir()
    (home / "exvlint").symlink_to(elsewhere, target_is_directory=True)
    assert reports([EXAMPLE], True) == reports([EXAMPLE], False)
    assert not any(elsewhere.rglob("*"))


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX ownership")
def test_a_cache_folder_others_may_write_is_not_used(home):
    (home / "exvlint").mkdir(parents=True)
    (home / "exvlint").chmod(0o777)
    assert reports([EXAMPLE], True) == reports([EXAMPLE], False)
    assert not entries(home)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root can give a folder away")
def test_a_cache_folder_of_another_user_is_not_used(home):
    (home / "exvlint").mkdir(parents=True, mode=0o700)
    os.chown(home / "exvlint", 65534, 65534)
    assert reports([EXAMPLE], True) == reports([EXAMPLE], False)
    assert not entries(home)


def test_an_entry_holds_nothing_of_the_place_it_was_read(home, tmp_path):
    """Entries are keyed by content: the same files elsewhere read the entries, and every path in a
    report is the tree's own."""
    first, second = tmp_path / "first-checkout-x9", tmp_path / "second-checkout-y7"
    shutil.copytree(EXAMPLE, first)
    reports([first], True)
    for path in entries(home):
        data = path.read_bytes()
        assert b"first-checkout-x9" not in data and str(tmp_path).encode() not in data
    shutil.copytree(EXAMPLE, second)
    before = entries(home)
    warm = reports([second], True)
    assert entries(home) == before  # every file of the copy was read from the cache
    assert warm == reports([second], False)
    assert "first-checkout-x9" not in "".join(v for v in warm.values() if isinstance(v, str))


def test_relative_xdg_cache_home_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("EXVLINT_NO_CACHE", raising=False)
    expected = {"darwin": tmp_path / "home" / "Library" / "Caches" / "exvlint"}.get(
        sys.platform, tmp_path / "home" / ".cache" / "exvlint")
    if sys.platform != "win32":
        assert cache.directory() == str(expected)
    monkeypatch.setenv("EXVLINT_NO_CACHE", "1")
    assert cache.directory() is None


def test_concurrent_runs_share_the_cache(home, tmp_path):
    """Four processes fill one empty cache at once: every report is the report without a cache, and
    every entry is whole."""
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "examples", tree)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    cmd = [sys.executable, "-m", "exvlint", "check", str(tree), "--all-vms", "--format", "json"]
    expected = subprocess.run(cmd + ["--no-cache"], capture_output=True, text=True, env=env, timeout=120).stdout
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
             for _ in range(4)]
    outs = [p.communicate(timeout=300)[0] for p in procs]
    assert all(out == expected for out in outs)
    written = entries(home)
    assert written and all(p.read_bytes().startswith(cache.MAGIC) for p in written)
    assert not list((home / "exvlint").rglob(".tmp-*"))
    assert subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120).stdout == expected


def test_the_cache_is_kept_under_its_size_by_age(tmp_path):
    root = tmp_path / "v1"
    shard = root / "hcl" / "ab"
    shard.mkdir(parents=True)
    for i in range(10):
        path = shard / f"entry{i}"
        path.write_bytes(b"x" * 1000)
        os.utime(path, (1_000_000 + i, 1_000_000 + i))
    (shard / ".tmp-left-behind").write_bytes(b"x")
    os.utime(shard / ".tmp-left-behind", (1_000_000, 1_000_000))
    cache.trim(str(root), 5000)
    left = sorted(p.name for p in shard.iterdir())
    assert left == [f"entry{i}" for i in range(6, 10)]  # the newest, under 80% of the limit
    cache.trim(str(root), 5000)
    assert sorted(p.name for p in shard.iterdir()) == left


def test_a_hit_keeps_an_old_entry_from_eviction(home):
    reports([EXAMPLE], True)
    for path in entries(home):
        os.utime(path, (1_000_000, 1_000_000))
    reports([EXAMPLE], True)
    assert all(p.stat().st_mtime > 1_000_000 for p in entries(home))


def test_workers_write_and_read_the_cache(home, tmp_path):
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "examples", tree)
    plain = reports([tree], False)
    result = api.lint([str(tree)], all_vms=True, strict=True, show_suppressed=True, jobs=2)
    assert entries(home)
    assert result.findings
    assert reports([tree], True) == plain


def test_a_cached_parse_carries_the_path_it_was_read_for(home):
    store = cache.Store.open()
    text = 'resource "azurerm_managed_disk" "d" {\n  name = "a"\n}\n'
    first = parsecache.parse(text, "/one/main.tf", store)
    second = parsecache.parse(text, "/two/main.tf", store)
    assert entries(home) and first.path == "/one/main.tf" and second.path == "/two/main.tf"
    assert second.body == first.body
