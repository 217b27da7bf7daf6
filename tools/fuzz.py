"""Mutation fuzzer: exvlint must survive whatever a stranger commits.

    python tools/fuzz.py --minutes 10 [--out DIR] [--seed N] [--timeout 10] [--memory-mb 2048]
    python tools/fuzz.py --replay DIR/crashes/<site>/<n>/case.json

Seeds are the trees in tests/fixtures/ and examples/ (Terraform, .tf.json derived from them,
variables files, plan JSON, module manifests, .exvlint.yaml and pyproject.toml configurations),
and with `--corpus DIR` (repeatable) folders of real code: every folder below DIR that holds files
exvlint reads (.tf, .tf.json, .tfvars, .json, .bicep, .bicepparam) is a seed tree, with its
subfolders while the tree stays small (--corpus-seeds of them at most, chosen with the run's seed).
Each input is a seed tree with one to four mutations: byte flips, random Unicode, truncation,
splicing, token and number injection, deep nesting, huge counts, JSON and YAML tree mutations,
renames, module calls, and filesystem oddities (symbolic links inside, outside and in loops,
FIFOs, files over the size cap, directories with file names).

Every input runs through the whole CLI (`exvlint.cli.main`: configuration, discovery, parsing,
evaluation, adapters, rules, every formatter) in one worker process, with a per-input timeout and
a memory watch; a sample also runs as `python -m exvlint` in a fresh process, whose JSON report
must be byte-identical to the in-process one (determinism across processes and hash seeds).

An input fails when the run raises, reports EXV002 (an internal error), exits with anything but
0/1/2, exits 0/1 with an input error reported, writes an invalid JSON or SARIF report, names a
file outside the scanned tree, leaks the marker planted in files outside the tree, gives
different output on a second run, or grows past the memory limit. An input that runs past the
timeout is kept as slow (with the stack at the timeout), and one still running at six times the
timeout as a hang (the worker is killed and restarted).
Failures are kept in DIR/crashes/<site>/ (the input as a tree and as case.json for --replay,
with the traceback or stack at the hang); DIR/summary.json counts inputs and failures by site.
DIR defaults to a new folder under the system's temporary directory, never inside the repository.
"""
from __future__ import annotations

import argparse
import base64
import contextlib
import copy
import faulthandler
import hashlib
import io
import json
import os
import random
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parents[1]
MARKER = "EXVFUZZ_CANARY_c41d"  # planted outside the tree: must never appear in any output
INPUT_ERRORS = ("EXV000", "EXV003")
GRACE = 6  # an input past the timeout is slow; past GRACE times the timeout it is a hang
REPORT_FORMATS = ("json", "sarif", "gitlab", "junit", "github", "markdown")
# the text and Markdown summaries end with the run's duration, the one part of a report that may differ
_UNTIMED = re.compile(r"; \d+\.\d s(?= |$)", re.M)
RULE_IDS = ["EXV000", "EXV001", "EXV101", "EXV102", "EXV103", "EXV201", "EXV202", "EXV301", "EXV302",
            "EXV303", "EXV304", "EXV305", "EXV306", "EXV307", "EXV401", "EXV402", "EXV403", "EXV404", "EXV405"]

# --------------------------------------------------------------------------------------------------
# inputs: a case is a tree of entries {relative path: entry}; entries are plain data so that a case
# can be written to case.json and replayed exactly


def file_entry(data: bytes) -> dict:
    return {"kind": "file", "data": data}


def materialise(entries: dict, directory: Path) -> None:
    directory.mkdir(parents=True)
    for rel, entry in sorted(entries.items()):
        target = directory / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        kind = entry["kind"]
        if kind == "file":
            target.write_bytes(entry["data"])
        elif kind == "symlink":
            os.symlink(entry["target"], target)
        elif kind == "fifo":
            os.mkfifo(target)
        elif kind == "sparse":  # a file over the size cap that costs no disk
            with open(target, "wb") as fh:
                fh.truncate(entry["size"])
        elif kind == "dir":
            target.mkdir(exist_ok=True)


def dump_case(case: dict) -> str:
    def enc(entry):
        return dict(entry, data=base64.b64encode(entry["data"]).decode()) if entry["kind"] == "file" else entry

    return json.dumps({"entries": {k: enc(v) for k, v in sorted(case["entries"].items())},
                       "args": case["args"], "mutations": case["mutations"], "seed": case["seed"]}, indent=1)


def load_case(text: str) -> dict:
    raw = json.loads(text)
    entries = {k: dict(v, data=base64.b64decode(v["data"])) if v["kind"] == "file" else v
               for k, v in raw["entries"].items()}
    return {"entries": entries, "args": raw["args"], "mutations": raw["mutations"], "seed": raw["seed"]}


def collect_seeds() -> list:
    """(name, entries) for every fixture tree: a directory holding case.yaml, an example, a plan."""
    import yaml

    roots = []
    for case_yaml in sorted((ROOT / "tests" / "fixtures").rglob("case.yaml")):
        # a case that bounds its run time is big on purpose: its mutants would only be slow
        if "seconds" not in (yaml.safe_load(case_yaml.read_text(encoding="utf-8")) or {}):
            roots.append(case_yaml.parent)
    roots += sorted(p for p in (ROOT / "examples").iterdir() if p.is_dir())
    for kind in ("plan", "terraform", "adapters", "bicep", "suppress"):  # trees with an expectation of another form
        folder = ROOT / "tests" / "fixtures" / kind
        roots += sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
    roots = sorted(set(roots))
    seeds = []
    for root in roots:
        entries = {}
        for path in sorted(root.rglob("*")):
            if path.name == "case.yaml" or path.is_symlink() or not path.is_file():
                continue
            entries[path.relative_to(root).as_posix()] = file_entry(path.read_bytes())
        if entries:
            seeds.append((root.relative_to(ROOT).as_posix(), entries))
    return seeds


CORPUS_SUFFIXES = (".tf", ".tf.json", ".tfvars", ".tfvars.json", ".json", ".bicep", ".bicepparam")
CORPUS_TREE_BYTES = 400_000  # a seed tree bigger than this would make slow inputs, not new ones
CORPUS_TREE_FILES = 80


def collect_corpus_seeds(directory: str, limit: int, rng: random.Random) -> list:
    """(name, entries) for folders of real code below ``directory`` that hold files exvlint reads:
    the folder with its subfolders when that is small, else its own files."""
    base = Path(directory).resolve()
    candidates = []
    for folder, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "node_modules")
        if any(f.endswith(CORPUS_SUFFIXES) for f in files):
            candidates.append(Path(folder))
    rng.shuffle(candidates)
    seeds = []
    for folder in candidates:
        if len(seeds) >= limit:
            break
        for paths in (_tree_files(folder, recursive=True), _tree_files(folder, recursive=False)):
            if paths is None:
                continue
            entries = {p.relative_to(folder).as_posix(): file_entry(p.read_bytes()) for p in paths}
            if entries:
                seeds.append((f"corpus:{base.name}/{folder.relative_to(base).as_posix()}", entries))
            break
    return seeds


def _tree_files(folder: Path, recursive: bool):
    """The regular files of ``folder`` (and below), or None when they pass the seed size caps."""
    paths, size = [], 0
    for path in sorted(folder.rglob("*") if recursive else folder.iterdir()):
        if ".git" in path.parts or path.is_symlink() or not path.is_file():
            continue
        size += path.stat().st_size
        paths.append(path)
        if size > CORPUS_TREE_BYTES or len(paths) > CORPUS_TREE_FILES:
            return None
    return paths


# --------------------------------------------------------------------------------------------------
# mutations: each takes (rng, entries, pool) and returns a short description, or None when it did
# not apply to this tree


TOKENS = ['${', '%{', '}', '{', '[', ']', '(', ')', '"', "'", '<<EOF\n', '<<-EOT\n', '\nEOF\n', '=', ':', '=>',
          '...', '.*', '[*]', '?', ' : ', 'null', 'true', '-', '!', '&&', '||', '==', '%', '/', '*', ',', '.',
          '#', '/*', '*/', '//', '\\', '\\u', '\\ud800', '\\u0000', '\r\n', '\r', '\n', '\t', '\x00', '\ufeff', '\u202e',
          '\u2028', 'e\u0301', '\U0001F600', '\udcff', 'count = 1e9\n', 'for_each = toset(["a","a"])\n',
          'dynamic "disk" {\n for_each = range(100000)\n content {}\n}\n',
          'x = [for i in range(100000) : [for j in range(100000) : j]]\n',
          'file("/etc/passwd")', 'file("/proc/self/environ")', 'fileset("/", "**")', 'templatefile("../x", {})',
          '${file("OUTSIDE/secret.txt")}', 'file("${path.module}/fifo")', 'module.m', 'var.x', 'local.x',
          'each.value', 'count.index', 'self', 'try(', 'can(', 'regex("(a*)*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")',
          'format("%999999999d", 1)', 'formatlist("%s", [])', 'range(1e9)', 'pow(10, 400)', 'jsondecode("[[[[[[")',
          'yamldecode("a: &a [*a]")', 'base64decode("@@@")', 'cidrsubnets("10.0.0.0/8", 32)', 'lookup({}, "a")',
          'element([], 0)', 'slice([1], 5, 1)', 'substr("x", 0, -5)', 'strrev("e\u0301\U0001F600")',
          'setproduct(range(1000), range(1000), range(1000))', 'flatten([[[[[]]]]])', 'merge()', 'zipmap([1],[])',
          'tonumber("1e99999")', 'parseint("zz", 99)', 'tostring(null)', 'sum([])', 'coalesce()',
          # ARM template expressions and Bicep
          "[parameters('x')]", "[variables('v')]", "[concat(", "[copyIndex()]", "[reference('r').x]",
          "[resourceId('Microsoft.Compute/disks', 'd')]", "[json('[[[[')]", "[range(0, 100000)]", "[if(", "]]",
          '"copy": {"name": "c", "count": 100000},', "'${", "resource r 'Microsoft.Compute/disks@2023-04-02' = {",
          "module m './m.bicep' = {", "param p int = ", "for i in range(0, 100000): ", "existing", "@description(",
          # suppression directives
          "# exvlint:ignore EXV301 reason", "# exvlint:ignore", "// exvlint:ignore-file EXV000"]
NUMBERS = ['0', '-1', '1e9', '1e400', '-1e400', '1.5', '0.0000001', '99999999999999999999999', '9' * 5000,
           '1' + '0' * 400, '2147483648', '-0', '1e-400', '007', '0x10', '1_000']
STRINGS = ['', ' ', 'Standard_LRS', 'Premium_LRS', 'UltraSSD_LRS', 'Standard_E8s_v5', 'exch01', 'EXCH-*',
           '2012-R2-Datacenter', 'windows8Server64Guest', 'Windows Server 2008 R2', '\\\\server\\share\\x.vhdx',
           'C:\\ClusterStorage\\Volume1\\x.avhdx', 'Exchange2019-CU14.iso', '${', '%{', '\u202e', '\x00', '\ufeff',
           '\U0001F600' * 50, 'a' * 100_000, 'role=exchange-mailbox', '../../../../etc/passwd', '*', '**', '[*]']
JSON_VALUES = [None, True, False, 0, -1, 1.5, 1e308, 10 ** 30, "", "x", "${var.x}", [], {}, [[[]]], {"": {}},
               "Premium_LRS", "Standard_LRS", {"a": [1, {"b": None}]}, list(range(50)), "\u0000", "\ud800"]
NAMES = ["main.tf", "x.tf.json", "terraform.tfvars", "terraform.tfvars.json", "x.auto.tfvars",
         "x.auto.tfvars.json", "plan.json", "x.json", ".exvlint.yaml", "pyproject.toml", "override.tf",
         "x_override.tf.json", ".terraform/modules/modules.json", "sub/main.tf", "modules/m/main.tf",
         "azuredeploy.json", "azuredeploy.parameters.json", "main.bicep", "main.bicepparam", "modules/m.bicep",
         ".exvlint-baseline.json"]


def _files(entries: dict, suffixes: tuple = ()) -> list:
    return [k for k, v in entries.items() if v["kind"] == "file" and (not suffixes or k.endswith(suffixes))]


def _pick_file(rng, entries, suffixes=()):
    names = _files(entries, suffixes)
    return rng.choice(names) if names else None


def _text(entry) -> str:
    return entry["data"].decode("utf-8", "surrogateescape")


def _set_text(entry, text: str) -> None:
    entry["data"] = text.encode("utf-8", "surrogatepass")


def m_byte_flip(rng, entries, pool):
    name = _pick_file(rng, entries)
    if not name or not entries[name]["data"]:
        return None
    data = bytearray(entries[name]["data"])
    for _ in range(rng.choice([1, 1, 2, 4, 16])):
        data[rng.randrange(len(data))] = rng.choice([rng.randrange(256), rng.choice(b'{}[]()"$%=\n\\#*.,:0')])
    entries[name]["data"] = bytes(data)
    return f"byte_flip {name}"


def m_truncate(rng, entries, pool):
    name = _pick_file(rng, entries)
    if not name:
        return None
    data = entries[name]["data"]
    entries[name]["data"] = data[: rng.randrange(len(data) + 1)]
    return f"truncate {name}"


def m_delete_range(rng, entries, pool):
    name = _pick_file(rng, entries)
    if not name or not entries[name]["data"]:
        return None
    data = entries[name]["data"]
    a = rng.randrange(len(data))
    b = min(len(data), a + rng.choice([1, 5, 50, 500]))
    entries[name]["data"] = data[:a] + data[b:]
    return f"delete_range {name}"


def _insert(rng, entries, make) -> str | None:
    """Text from ``make(rng)`` inserted at a random place of a random file; the file's name."""
    name = _pick_file(rng, entries)
    if not name:
        return None
    text = _text(entries[name])
    pos = rng.randrange(len(text) + 1)
    _set_text(entries[name], text[:pos] + make(rng) + text[pos:])
    return name


def m_insert_token(rng, entries, pool):
    token = rng.choice(TOKENS)
    name = _insert(rng, entries, lambda rng: token)
    return name and f"insert_token {name} {token[:20]!r}"


def _random_chars(rng) -> str:
    """Code points from every range: ASCII, two- and three-byte, astral, lone surrogates, controls."""
    return "".join(chr(rng.choice([rng.randrange(0x20, 0x7f), rng.randrange(0x80, 0x800),
                                   rng.randrange(0x800, 0xd800), rng.randrange(0xe000, 0x110000),
                                   rng.randrange(0xd800, 0xe000), rng.randrange(0, 0x20)]))
                   for _ in range(rng.choice([1, 3, 10])))


def m_random_unicode(rng, entries, pool):
    name = _insert(rng, entries, _random_chars)
    return name and f"random_unicode {name}"


def m_splice(rng, entries, pool):
    """A slice of another fixture file inserted into this one (or replacing part of it)."""
    name = _pick_file(rng, entries)
    if not name:
        return None
    donor = rng.choice(pool)
    data = entries[name]["data"]
    a = rng.randrange(len(donor) + 1)
    chunk = donor[a: a + rng.choice([10, 100, 1000, 10000])]
    pos = rng.randrange(len(data) + 1)
    end = pos + rng.choice([0, 0, len(chunk)])
    entries[name]["data"] = data[:pos] + chunk + data[end:]
    return f"splice {name}"


def m_lines(rng, entries, pool):
    name = _pick_file(rng, entries)
    if not name:
        return None
    lines = _text(entries[name]).split("\n")
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    how = rng.choice(["dup", "swap", "dup_block", "repeat"])
    if how == "dup":
        lines.insert(j, lines[i])
    elif how == "swap":
        lines[i], lines[j] = lines[j], lines[i]
    elif how == "dup_block":
        a, b = sorted((i, j))
        lines[b:b] = lines[a:b + 1]
    else:
        lines[i:i + 1] = [lines[i]] * rng.choice([10, 1000])
    _set_text(entries[name], "\n".join(lines))
    return f"lines_{how} {name}"


_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.])")
_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
_IDENT = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+\b")


def _replace_match(rng, entries, regex, choices, label):
    name = _pick_file(rng, entries)
    if not name:
        return None
    text = _text(entries[name])
    matches = list(regex.finditer(text))
    if not matches:
        return None
    m = rng.choice(matches)
    new = rng.choice(choices(text)) if callable(choices) else rng.choice(choices)
    if regex is _STRING:
        new = '"' + new.replace("\\", "\\\\").replace('"', '\\"') + '"' if rng.random() < 0.7 else '"' + new + '"'
    _set_text(entries[name], text[: m.start()] + new + text[m.end():])
    return f"{label} {name} -> {new[:20]!r}"


def m_number(rng, entries, pool):
    return _replace_match(rng, entries, _NUMBER, NUMBERS, "number")


def m_string(rng, entries, pool):
    return _replace_match(rng, entries, _STRING, STRINGS, "string")


def m_reference(rng, entries, pool):
    """A reference replaced by another one of the same file: cycles, wrong types, self references."""
    return _replace_match(rng, entries, _IDENT, lambda text: [m.group(0) for m in _IDENT.finditer(text)] +
                          ["self.id", "each.key", "count.index", "path.module", "var.nope", "module.nope.x"], "reference")


def m_deep_nesting(rng, entries, pool):
    name = _pick_file(rng, entries)
    if not name:
        return None
    depth = rng.choice([50, 150, 199, 201, 250, 600, 3000])
    opener, closer = rng.choice([("[", "]"), ("(", ")"), ("{a=", "}"), ('{"a":', "}"), ("a:\n", ""),
                                 ("- ", ""), ('"${', '}"'), ("!", ""), ("-", "")])
    text = _text(entries[name])
    m = _NUMBER.search(text) or _STRING.search(text)
    pos, end = (m.start(), m.end()) if m else (len(text), len(text))
    if opener in ("a:\n", "- "):  # nesting by indentation grows with the square of the depth
        depth = min(depth, 600)
    if opener == "a:\n":
        inner = "".join("  " * i + f"k{i}:\n" for i in range(depth)) + "  " * depth + "x: 1"
        new = "\n" + inner + "\n"
    elif opener == "- ":
        new = "".join("  " * i + "- " for i in range(depth)) + "1"
    else:
        new = opener * depth + text[pos:end] + closer * depth
    _set_text(entries[name], text[:pos] + new + text[end:])
    return f"deep_nesting {name} {opener!r}x{depth}"


def m_huge_count(rng, entries, pool):
    name = _pick_file(rng, entries, (".tf",))
    if not name:
        return None
    text = _text(entries[name])
    blocks = [m.end() for m in re.finditer(r'(?m)^resource "[^"]+" "[^"]+" \{\n', text)]
    if not blocks:
        return None
    pos = rng.choice(blocks)
    many = "{ for p in setproduct(range(100), range(%d)) : \"${p[0]}-${p[1]}\" => p }" % rng.choice([20, 99, 101])
    nested = rng.choice(["disk", "hard_disk_drives", "storage_data_disk", "dvd_drives", "network_interface"])
    meta = rng.choice(["count = 10001\n", "count = 1e9\n", "count = -1\n", "count = 2.5\n", 'count = "3"\n',
                       "for_each = toset([for i in range(20000) : tostring(i)])\n",
                       "for_each = {for i in range(5000) : i => i}\n", "count = length(range(9999))\n",
                       f"for_each = {many}\n",
                       # thousands of nested blocks from a few lines: work must grow with their number only
                       f'dynamic "{nested}" {{\n    for_each = {many}\n    content {{\n      label = {nested}.key\n'
                       f'      unit_number = 1\n      size = 10\n      path = "E:\\\\d${{{nested}.key}}.vhdx"\n'
                       f'      lun = 1\n      managed_disk_type = "Standard_LRS"\n    }}\n  }}\n'])
    _set_text(entries[name], text[:pos] + "  " + meta + text[pos:])
    return f"huge_count {name} {meta.strip()[:30]!r}"


def _walk_json(value, path=()):
    yield path, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk_json(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk_json(v, path + (i,))


def _set_at(doc, path, new):
    if not path:
        return new
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = new
    return doc


def _tree_mutation(rng, doc):
    """One structural change to a parsed JSON or YAML document; returns (document, description)."""
    nodes = list(_walk_json(doc))
    path, node = rng.choice(nodes)
    how = rng.choice(["replace", "replace", "wrap", "delete", "duplicate", "grow", "swap_type"])
    if how == "replace":
        return _set_at(doc, path, rng.choice(JSON_VALUES)), f"replace at {list(path)[-3:]}"
    if how == "wrap":
        return _set_at(doc, path, rng.choice([[node], {"x": node}])), "wrap"
    if how == "delete" and path:
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        del parent[path[-1]]
        return doc, f"delete {path[-1]!r}"
    if how == "duplicate" and path and isinstance(path[-1], str):
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        parent[path[-1] + rng.choice(["_2", "", "*"])] = copy.deepcopy(node)
        return doc, "duplicate"
    if how == "grow" and isinstance(node, list) and node:
        return _set_at(doc, path, node * rng.choice([2, 100, 5000])), "grow"
    if how == "swap_type":
        swapped = {dict: [], list: {}, str: 0, int: "1", float: "1.5", bool: "true", type(None): {}}.get(type(node), None)
        return _set_at(doc, path, swapped), "swap_type"
    return doc, "none"


def _parsed(rng, entries, suffixes: tuple, loads, types: tuple = (dict, list)) -> tuple:
    """(name, document) of a random file with one of ``suffixes`` that ``loads`` reads as one of
    ``types``; (None, None) when there is none."""
    name = _pick_file(rng, entries, suffixes)
    if not name:
        return None, None
    try:
        doc = loads(entries[name]["data"])
    except Exception:  # a file earlier mutations broke: nothing to mutate structurally
        return None, None
    return (name, doc) if isinstance(doc, types) else (None, None)


def _tree_mutations(rng, doc, counts) -> tuple:
    done = []
    for _ in range(rng.choice(counts)):
        doc, what = _tree_mutation(rng, doc)
        done.append(what)
    return doc, done


def m_json_tree(rng, entries, pool):
    name, doc = _parsed(rng, entries, (".json",), json.loads)
    if not name:
        return None
    doc, done = _tree_mutations(rng, doc, [1, 2, 5])
    entries[name]["data"] = json.dumps(doc, indent=rng.choice([None, 1])).encode()
    return f"json_tree {name} {done}"


def _yaml_load(data: bytes):
    import yaml

    return yaml.safe_load(data)


def m_yaml_tree(rng, entries, pool):
    import yaml

    name, doc = _parsed(rng, entries, (".yaml", ".yml"), _yaml_load)
    if not name:
        return None
    doc, done = _tree_mutations(rng, doc, [1, 2, 4])
    try:
        text = yaml.safe_dump(doc, allow_unicode=True)
    except yaml.YAMLError:
        return None
    extra = rng.choice(["", "", "", "x: !!python/object/apply:os.system ['true']\n", "x: !!binary AAAA\n",
                        "x: !!set {a, b}\n", "x: !!timestamp 2001-12-14\n", "x: &a [*a]\n",
                        "base: &b {physical_cores: 8}\nhosts: [{<<: *b, name: h}]\n", "? [a, b]\n: 1\n",
                        "x: 0o777\n", "x: .nan\n", "x: 1_000\n", "%YAML 1.1\n---\n", "---\n---\n"])
    entries[name]["data"] = (text + extra).encode("utf-8", "surrogatepass")
    return f"yaml_tree {name} {done} {extra[:20]!r}"


def hcl_to_tfjson(text: str):
    """The same configuration as Terraform JSON (via python-hcl2's dict form); None if it cannot."""
    try:
        import hcl2
    except ImportError:
        return None
    try:
        doc = hcl2.loads(text)
    except Exception:
        return None

    def value(v):
        if isinstance(v, str):
            return v[1:-1] if len(v) >= 2 and v[0] == '"' and v[-1] == '"' else v
        if isinstance(v, list):
            if v and all(isinstance(x, dict) and x.get("__is_block__") for x in v):
                blocks = [body(x) for x in v]
                return blocks[0] if len(blocks) == 1 else blocks
            return [value(x) for x in v]
        if isinstance(v, dict):
            return body(v)
        return v

    def body(d):
        return {key(k): value(v) for k, v in d.items() if k != "__is_block__"}

    def key(k):
        return k[1:-1] if len(k) >= 2 and k[0] == '"' and k[-1] == '"' else k

    out = {}
    for block_type, items in doc.items():
        if isinstance(items, list) and items and all(isinstance(x, dict) for x in items):
            merged: dict = {}
            for item in items:  # resource: [{type: {name: body}}] -> resource: {type: {name: body}}
                for k, v in body(item).items():
                    if isinstance(v, dict) and isinstance(merged.get(k), dict):
                        merged[k].update(v)
                    else:
                        merged[k] = v
            out[block_type] = merged
        else:
            out[block_type] = value(items)
    return json.dumps(out, indent=2)


def m_to_json(rng, entries, pool):
    """A .tf or .tfvars file rewritten as Terraform JSON (then usually mutated further)."""
    name = _pick_file(rng, entries, (".tf", ".tfvars"))
    if not name:
        return None
    converted = hcl_to_tfjson(_text(entries[name]))
    if converted is None:
        return None
    del entries[name]
    entries[name + ".json"] = file_entry(converted.encode())
    return f"to_json {name}"


def m_config_to_toml(rng, entries, pool):
    """An .exvlint.yaml rewritten as [tool.exvlint] in pyproject.toml."""
    name, doc = _parsed(rng, entries, (".exvlint.yaml",), _yaml_load, (dict,))
    if not name:
        return None

    def scalar(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, list):
            return "[" + ", ".join(scalar(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{json.dumps(str(k))} = {scalar(x)}" for k, x in v.items()) + "}"
        return json.dumps(str(v))

    lines = ["[project]", 'name = "x"', "", "[tool.exvlint]"]
    lines += [f"{json.dumps(str(k))} = {scalar(v)}" for k, v in doc.items()]
    del entries[name]
    entries[os.path.join(os.path.dirname(name), "pyproject.toml")] = file_entry("\n".join(lines).encode() + b"\n")
    return f"config_to_toml {name}"


def m_rename(rng, entries, pool):
    name = _pick_file(rng, entries)
    if not name:
        return None
    new = os.path.join(os.path.dirname(name), rng.choice(NAMES))
    entries[new] = entries.pop(name)
    return f"rename {name} -> {new}"


def m_module_call(rng, entries, pool):
    """A module call with a hostile or circular source, or a copy of the tree as a child module."""
    name = _pick_file(rng, entries, (".tf",))
    if not name:
        return None
    source = rng.choice(["./", ".", "../", "../../..", "/", "/etc", "./sub", "./sub/../sub", "./missing",
                         "git::https://example.com/x.git", "hashicorp/consul/aws", "./modules/exchange-server"])
    call = f'\nmodule "fz" {{\n  source = "{source}"\n  name = "exch-fz"\n}}\n'
    entries[name]["data"] += call.encode()
    if source == "./sub":
        for k, v in list(entries.items()):
            if v["kind"] == "file" and "/" not in k:
                entries["sub/" + k] = dict(v)
    return f"module_call {name} {source}"


def m_filesystem(rng, entries, pool, outside: str = ""):
    how = rng.choice(["link_outside_file", "link_outside_dir", "link_etc", "link_proc", "link_dev_zero",
                      "link_dangling", "link_loop", "link_dir_loop", "link_inside", "fifo", "sparse", "dir",
                      "empty", "config_outside", "odd_name"])
    target_name = rng.choice(NAMES)
    if how == "link_outside_file":
        entries[target_name] = {"kind": "symlink", "target": os.path.join(outside, "secret.tf")}
    elif how == "link_outside_dir":
        entries["linked"] = {"kind": "symlink", "target": outside}
    elif how == "link_etc":
        entries[target_name] = {"kind": "symlink", "target": "/etc/passwd"}
    elif how == "link_proc":
        entries[target_name] = {"kind": "symlink", "target": "/proc/self/environ"}
    elif how == "link_dev_zero":
        entries[target_name] = {"kind": "symlink", "target": "/dev/zero"}
    elif how == "link_dangling":
        entries[target_name] = {"kind": "symlink", "target": "nowhere/" + target_name}
    elif how == "link_loop":
        entries["a.tf"] = {"kind": "symlink", "target": "b.tf"}
        entries["b.tf"] = {"kind": "symlink", "target": "a.tf"}
    elif how == "link_dir_loop":
        entries["sub/up"] = {"kind": "symlink", "target": ".."}
    elif how == "link_inside":
        existing = _pick_file(rng, entries)
        if not existing or existing == target_name:
            return None
        entries[target_name] = {"kind": "symlink", "target": os.path.relpath(existing, os.path.dirname(target_name) or ".")}
    elif how == "fifo":
        entries[target_name] = {"kind": "fifo"}
    elif how == "sparse":
        entries[target_name] = {"kind": "sparse", "size": rng.choice([10 * 1024 * 1024 + 1, 64 * 1024 * 1024])}
    elif how == "dir":
        entries[target_name] = {"kind": "dir"}
    elif how == "empty":
        entries[target_name] = file_entry(b"")
    elif how == "odd_name":  # file names that are not UTF-8, or hold newlines, spaces or controls
        existing = _pick_file(rng, entries)
        if not existing:
            return None
        stem = rng.choice(["x\udcff", "a\nb", " lead", "tab\t", "\u202egnp", "\U0001F600", "e\u0301", "\x1b[31m", "-x"])
        new_name = os.path.join(os.path.dirname(existing), stem + existing.rsplit("/", 1)[-1])
        entries[new_name] = entries.pop(existing)
        target_name = new_name
    elif how == "config_outside":
        entries[".exvlint.yaml"] = {"kind": "symlink", "target": os.path.join(outside, "config.yaml")}
    # a path is either a file or a directory: drop entries that now sit below a non-directory
    for k in [k for k in entries if any(entries.get(p, {}).get("kind") not in (None, "dir")
                                        for p in _parents(k))]:
        del entries[k]
    return f"filesystem {how} {target_name}"


def _parents(rel: str) -> list:
    parts = rel.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


MUTATIONS = [(m_byte_flip, 8), (m_truncate, 4), (m_delete_range, 4), (m_insert_token, 10), (m_random_unicode, 4),
             (m_splice, 5), (m_lines, 5), (m_number, 8), (m_string, 8), (m_reference, 6), (m_deep_nesting, 3),
             (m_huge_count, 3), (m_json_tree, 6), (m_yaml_tree, 5), (m_to_json, 4), (m_config_to_toml, 1),
             (m_rename, 3), (m_module_call, 2), (m_filesystem, 4)]


def make_case(rng: random.Random, seeds: list, pool: list, outside: str) -> dict:
    seed_name, seed_entries = rng.choice(seeds)
    entries = {k: dict(v) for k, v in seed_entries.items()}
    if rng.random() < 0.3:  # structural mutations need JSON to work on: derive some
        m_to_json(rng, entries, pool)
    done = []
    funcs, weights = zip(*MUTATIONS)
    for _ in range(rng.choice([1, 1, 2, 2, 3, 4])):
        fn = rng.choices(funcs, weights)[0]
        try:
            what = fn(rng, entries, pool, outside) if fn is m_filesystem else fn(rng, entries, pool)
        except (RecursionError, ValueError, TypeError, KeyError, IndexError):
            what = None  # a mutation that does not fit this input (a recursive YAML alias...)
        if what:
            done.append(what)
    for entry in entries.values():  # the text of a file outside the tree must never reach a report
        if entry["kind"] == "file" and b"OUTSIDE" in entry["data"]:
            entry["data"] = entry["data"].replace(b"OUTSIDE", outside.encode())
    args = []
    if rng.random() < 0.5:
        args.append("--strict")
    if rng.random() < 0.3:
        args.append("--all-vms")
    tfvars = [k for k, v in entries.items() if v["kind"] == "file" and k.endswith((".tfvars", ".tfvars.json"))]
    if tfvars and rng.random() < 0.1:
        args += ["--var-file", "CASE/" + rng.choice(tfvars)]
    if rng.random() < 0.05:
        args += ["--var", rng.choice(["x=1", "name=exch", "disks={a={}}", "vm_size=[", "e=" + "\u202e"])]
    if rng.random() < 0.05:
        args += [rng.choice(["--select", "--ignore"]), ",".join(rng.sample(RULE_IDS, 3))]
    return {"entries": entries, "args": args, "mutations": done, "seed": seed_name}


# --------------------------------------------------------------------------------------------------
# the worker: runs inputs in-process, one at a time, and says what went wrong


def run_input(case_dir: str, args: list, check_twice: bool) -> dict:
    """The whole CLI on ``case_dir`` in this process; a dict with ``problems`` (empty when fine)."""
    from exvlint import cli

    parent, name = os.path.split(case_dir)
    reports = os.path.join(os.path.dirname(parent), "reports")
    os.makedirs(reports, exist_ok=True)
    # every report format to a file, and text to standard output
    argv = ["check", name]
    for fmt in REPORT_FORMATS:
        argv += ["--format", fmt, "--output", os.path.join(reports, "r." + fmt)]
    argv += ["--format", "text"]
    argv[2:2] = [a.replace("CASE", name) for a in args]
    outputs = []
    problems = []
    for attempt in range(2 if check_twice else 1):
        for fmt in REPORT_FORMATS:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(reports, "r." + fmt))
        stdout, stderr = io.StringIO(), io.StringIO()
        cwd = os.getcwd()
        os.chdir(parent)
        try:
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                code = cli.main(argv)
        except BaseException as exc:  # noqa: BLE001 - anything at all is a crash
            if isinstance(exc, KeyboardInterrupt):
                raise
            tb = traceback.format_exc()
            return {"problems": [{"kind": "traceback", "site": crash_site(exc), "detail": tb}], "code": None}
        finally:
            os.chdir(cwd)
        texts = {"stdout": _UNTIMED.sub("", stdout.getvalue()), "stderr": stderr.getvalue()}
        for fmt in REPORT_FORMATS:
            path = os.path.join(reports, "r." + fmt)
            texts["r." + fmt] = _UNTIMED.sub("", open(path, encoding="utf-8").read()) if os.path.exists(path) else ""
        outputs.append(texts)
        if attempt == 0:
            problems = judge(code, texts, name)
    if check_twice and outputs[0] != outputs[1] and not problems:
        which = [k for k in outputs[0] if outputs[0][k] != outputs[1][k]]
        problems.append({"kind": "nondeterministic", "site": f"nondeterministic {','.join(which)}",
                         "detail": "\n".join(f"--- {k} first:\n{outputs[0][k]}\n--- {k} second:\n{outputs[1][k]}"
                                             for k in which)})
    return {"problems": problems, "code": code, "json": outputs[0]["r.json"]}


def judge(code, texts: dict, name: str) -> list:
    problems = []

    def bad(kind, site, detail):
        problems.append({"kind": kind, "site": site, "detail": detail})

    if code not in (0, 1, 2):
        bad("exit_code", f"exit code {code}", texts["stdout"] + texts["stderr"])
    if "Traceback" in texts["stdout"] + texts["stderr"]:
        bad("traceback", "traceback in output", texts["stdout"] + texts["stderr"])
    for key, text in texts.items():
        if MARKER in text:
            bad("leak", f"outside content in {key}", text)
    try:
        report = json.loads(texts["r.json"])
        json.loads(texts["r.sarif"])
        json.loads(texts["r.gitlab"])
        ElementTree.fromstring(texts["r.junit"])
    except (ValueError, ElementTree.ParseError) as exc:
        bad("report", "invalid JSON, SARIF, GitLab or JUnit report", f"{exc}\n{texts['r.json'][:2000]}")
        return problems
    rules = Counter()
    for f in report["findings"]:
        rules[f["rule"]] += 1
        if f["rule"] == "EXV002":
            m = re.search(r"internal error in (.*?): (\w+): .* at (\S+:\d+); please report", f["message"], re.S)
            site = f"EXV002 {m.group(2)} at {m.group(3)}" if m else "EXV002 " + f["message"][:80]
            bad("EXV002", site, f["message"])
        path = f["location"]["path"]
        if not path.startswith("<") and (os.path.isabs(path) or ".." in path.split("/") or
                                         not (path == name or path.startswith(name + "/"))):
            bad("outside_path", f"{f['rule']} names a path outside the tree", json.dumps(f))
    if code in (0, 1) and any(rules[r] for r in INPUT_ERRORS):
        bad("exit_code", f"exit code {code} with an input error", texts["stdout"])
    return problems


def crash_site(exc: BaseException) -> str:
    """Exception type and the innermost frame in exvlint (else the innermost frame)."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "exvlint" in f.filename and "fuzz.py" not in f.filename] or frames
    where = f"{os.path.basename(ours[-1].filename)}:{ours[-1].lineno}" if ours else "?"
    return f"{type(exc).__name__} at {where}"


def worker_main(conn, stack_file: str, memory_mb: int) -> None:
    import resource

    sys.path.insert(0, str(ROOT / "src"))
    # a backstop beside the supervisor's watch: an allocation past it fails instead of swapping
    limit = (memory_mb + 1024) * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    stack = open(stack_file, "w")
    faulthandler.register(signal.SIGUSR1, file=stack, all_threads=False)
    import exvlint.cli  # noqa: F401  (imported once, before the clock starts)

    conn.send({"ready": True})
    while True:
        msg = conn.recv()
        if msg is None:
            return
        stack.seek(0)
        stack.truncate()
        result = run_input(msg["dir"], msg["args"], msg["twice"])
        conn.send(result)


# --------------------------------------------------------------------------------------------------
# the supervisor: makes inputs, watches the worker, keeps what fails


class Worker:
    def __init__(self, work: Path, memory_mb: int):
        import multiprocessing

        self.ctx = multiprocessing.get_context("spawn")
        self.work = work
        self.memory_mb = memory_mb
        self.stack_file = str(work / "stack.txt")
        self.proc = None

    def start(self):
        self.conn, child = self.ctx.Pipe()
        self.proc = self.ctx.Process(target=worker_main, args=(child, self.stack_file, self.memory_mb), daemon=True)
        self.proc.start()
        if not self.conn.poll(60):
            raise RuntimeError("the fuzz worker did not start")
        self.conn.recv()

    def rss_mb(self) -> float:
        try:
            with open(f"/proc/{self.proc.pid}/status") as fh:
                m = re.search(r"VmRSS:\s+(\d+) kB", fh.read())
            return int(m.group(1)) / 1024 if m else 0.0
        except OSError:
            return 0.0

    def run(self, case_dir: str, args: list, twice: bool, timeout: float) -> dict:
        """The worker's result; past ``timeout`` the input is slow (its stack is taken then), and
        past GRACE times that it is a hang and the worker is killed."""
        if self.proc is None or not self.proc.is_alive():
            self.start()
        self.conn.send({"dir": case_dir, "args": args, "twice": twice})
        started = time.monotonic()
        timeout *= 2 if twice else 1
        peak, slow_stack = 0.0, None
        while True:
            if self.conn.poll(0.05):
                try:
                    result = self.conn.recv()
                except EOFError:
                    result = None
                if result is not None:
                    result["peak_mb"] = peak
                    if slow_stack is not None:  # it finished, late: linear work on a big input, or worse
                        elapsed = time.monotonic() - started
                        result["problems"].append({"kind": "slow", "site": f"slow in {stack_site(slow_stack)}",
                                                   "detail": f"{elapsed:.1f}s (over {timeout}s)\n{slow_stack}"})
                    return result
            peak = max(peak, self.rss_mb())
            if not self.proc.is_alive():
                code = self.proc.exitcode
                self.proc = None
                return {"problems": [{"kind": "died", "site": f"worker died (exit {code})", "detail": ""}]}
            elapsed = time.monotonic() - started
            if elapsed > timeout and slow_stack is None:
                slow_stack = self._stack()
            if elapsed > timeout * GRACE or peak > self.memory_mb:
                stack = slow_stack if elapsed > timeout * GRACE else self._stack()
                self.proc.kill()
                self.proc.join()
                self.proc = None
                kind = "hang" if elapsed > timeout * GRACE else "memory"
                detail = f"{'over %ss' % (timeout * GRACE) if kind == 'hang' else 'over %d MB' % self.memory_mb}\n{stack}"
                return {"problems": [{"kind": kind, "site": f"{kind} in {stack_site(stack)}", "detail": detail}],
                        "peak_mb": peak}

    def _stack(self) -> str:
        """Where the worker is: faulthandler writes its Python stack on SIGUSR1."""
        with contextlib.suppress(OSError):
            os.kill(self.proc.pid, signal.SIGUSR1)
            time.sleep(0.5)
            with open(self.stack_file) as fh:
                return fh.read()
        return ""

    def stop(self):
        if self.proc is not None and self.proc.is_alive():
            self.conn.send(None)
            self.proc.join(5)
            if self.proc.is_alive():
                self.proc.kill()


def stack_site(stack: str) -> str:
    """The innermost exvlint frame of a faulthandler dump (most recent call first)."""
    for line in stack.splitlines():
        m = re.search(r'File "([^"]+)", line (\d+) in (\S+)', line)
        if m and "exvlint" in m.group(1) and "fuzz.py" not in m.group(1):
            return f"{os.path.basename(m.group(1))}:{m.group(2)} {m.group(3)}"
    return "?"


def run_cli_sample(case_dir: str, args: list, timeout: float, in_process_json: str) -> list:
    """The same input through `python -m exvlint` in a fresh process (another hash seed)."""
    parent, name = os.path.split(case_dir)
    report = os.path.join(os.path.dirname(parent), "reports", "cli.json")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), PYTHONHASHSEED="random")
    argv = [sys.executable, "-m", "exvlint", "check", *[a.replace("CASE", name) for a in args], name,
            "--format", "json", "--output", report]
    try:
        proc = subprocess.run(argv, cwd=parent, capture_output=True, text=True, timeout=timeout * 3, env=env)
    except subprocess.TimeoutExpired:
        return [{"kind": "hang", "site": "hang in the CLI", "detail": " ".join(argv)}]
    problems = []
    if proc.returncode not in (0, 1, 2) or "Traceback" in proc.stderr:
        problems.append({"kind": "cli", "site": f"CLI exit {proc.returncode}", "detail": proc.stderr[-5000:]})
    elif os.path.exists(report):
        with open(report, encoding="utf-8") as fh:
            text = fh.read()
        if in_process_json and text != in_process_json:
            problems.append({"kind": "nondeterministic", "site": "CLI report differs from the in-process one",
                             "detail": f"--- in process\n{in_process_json}\n--- CLI\n{text}"})
    return problems


def slug(site: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", site)[:80] + "-" + hashlib.sha1(site.encode()).hexdigest()[:8]


def record(out: Path, case: dict, case_dir: Path, problem: dict, counts: Counter) -> None:
    folder = out / "crashes" / slug(problem["site"])
    n = counts[problem["site"]]
    if n > 5:  # enough examples of one site
        return
    target = folder / str(n)
    target.mkdir(parents=True, exist_ok=True)
    (target / "case.json").write_text(dump_case(case))
    with contextlib.suppress(OSError, shutil.Error):  # FIFOs and links are in case.json; copy the rest
        shutil.copytree(case_dir, target / "tree", symlinks=True,
                        ignore=lambda d, names: [n for n in names if not _plain(os.path.join(d, n))])
    text = (f"site: {problem['site']}\nkind: {problem['kind']}\nseed: {case['seed']}\nmutations: {case['mutations']}\n"
            f"args: {case['args']}\nreplay: python tools/fuzz.py --replay {target / 'case.json'}\n\n{problem['detail']}\n")
    (target / "report.txt").write_text(text, encoding="utf-8", errors="backslashreplace")


def _plain(path: str) -> bool:
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return False
    return stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode)


def seed_kind(name: str) -> str:
    if name.startswith("corpus:"):
        return name.split("/")[0]
    return name.split("/")[2] if name.startswith("tests/") else "examples"


def prepare_outside(out: Path) -> str:
    """Files outside the scanned trees, each holding the marker, for links and paths to point at."""
    outside = out / "outside"
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "secret.txt").write_text(f"token={MARKER}\n")
    (outside / "secret.tf").write_text(f'resource "azurerm_managed_disk" "{MARKER}" {{\n  name = "exch-{MARKER}"\n'
                                       f'  storage_account_type = "Standard_LRS"\n}}\n')
    (outside / "config.yaml").write_text(f"exchange:\n  {MARKER}: 1\nguest_os:\n  x: {MARKER}\n")
    return str(outside)


def fuzz(args) -> int:
    out = Path(args.out or tempfile.mkdtemp(prefix="exvlint-fuzz-")).resolve()
    if str(out).startswith(str(ROOT) + os.sep):
        sys.exit("--out must be outside the repository")
    out.mkdir(parents=True, exist_ok=True)
    # the parse cache of every run (workers and fresh processes) lives in the output folder, never in
    # the user's own cache folder, and starts empty so cached and uncached parses are both exercised
    shutil.rmtree(out / "cache", ignore_errors=True)
    os.environ["XDG_CACHE_HOME"] = str(out / "cache")
    work = out / "work"
    shutil.rmtree(work, ignore_errors=True)
    (work / "cases").mkdir(parents=True)
    outside = prepare_outside(out)
    seed = args.seed if args.seed is not None else random.randrange(1 << 32)
    rng = random.Random(seed)
    seeds = collect_seeds()
    for directory in args.corpus or ():
        seeds += collect_corpus_seeds(directory, args.corpus_seeds, random.Random(seed))
    pool = [e["data"] for _, entries in seeds for e in entries.values() if e["kind"] == "file"]
    worker = Worker(work, args.memory_mb)
    worker.start()
    started = time.monotonic()
    deadline = started + args.minutes * 60
    tried, cli_runs = 0, 0
    by_site: Counter = Counter()
    by_kind: Counter = Counter()
    by_mutation: Counter = Counter()
    by_seed_kind: Counter = Counter()
    durations = []
    print(f"exvlint fuzz: seed {seed}, {len(seeds)} seed trees, {args.minutes} min, output in {out}", flush=True)
    try:
        while time.monotonic() < deadline and (not args.max_inputs or tried < args.max_inputs):
            case = make_case(rng, seeds, pool, outside)
            case_dir = work / "cases" / f"case-{tried}"
            try:
                materialise(case["entries"], case_dir)
            except OSError:  # a tree the filesystem cannot hold (a file below a file)
                shutil.rmtree(case_dir, ignore_errors=True)
                continue
            t0 = time.monotonic()
            result = worker.run(str(case_dir), case["args"], twice=rng.random() < 0.05, timeout=args.timeout)
            elapsed = time.monotonic() - t0
            durations.append(elapsed)
            problems = list(result["problems"])
            if not problems and rng.random() < 1 / args.cli_every:
                problems += run_cli_sample(str(case_dir), case["args"], args.timeout, result.get("json", ""))
                cli_runs += 1
            tried += 1
            for m in case["mutations"]:
                by_mutation[m.split()[0]] += 1
            by_seed_kind[seed_kind(case["seed"])] += 1
            for p in problems:
                by_site[p["site"]] += 1
                by_kind[p["kind"]] += 1
                record(out, case, case_dir, p, by_site)
                if by_site[p["site"]] == 1:
                    line = f"  NEW [{p['kind']}] {p['site']}  ({case['seed']}: {case['mutations']})"
                    print(line.encode("utf-8", "backslashreplace").decode("utf-8"), flush=True)
            shutil.rmtree(case_dir, ignore_errors=True)
            if tried % 500 == 0:
                print(f"  {tried} inputs, {sum(by_kind.values())} failures at {len(by_site)} sites, "
                      f"{time.monotonic() - started:.0f}s", flush=True)
    finally:
        worker.stop()
    summary = {
        "seed": seed, "minutes": round((time.monotonic() - started) / 60, 2), "inputs": tried,
        "cli_runs": cli_runs, "median_seconds": sorted(durations)[len(durations) // 2] if durations else 0,
        "max_seconds": max(durations, default=0),
        "failures": sum(by_kind.values()), "by_kind": dict(by_kind), "by_site": dict(by_site.most_common()),
        "mutations": dict(by_mutation.most_common()), "seeds": dict(by_seed_kind.most_common()),
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))
    return 1 if by_site else 0


def replay(path: str, timeout: float, memory_mb: int) -> int:
    case = load_case(Path(path).read_text())
    work = Path(tempfile.mkdtemp(prefix="exvlint-replay-"))
    case_dir = work / "cases" / "case"
    materialise(case["entries"], case_dir)
    worker = Worker(work, memory_mb)
    worker.start()
    try:
        result = worker.run(str(case_dir), case["args"], twice=True, timeout=timeout)
    finally:
        worker.stop()
    print(f"tree: {case_dir}\nargs: {case['args']}\nmutations: {case['mutations']}")
    for p in result["problems"]:
        print(f"[{p['kind']}] {p['site']}\n{p['detail']}")
    print("clean" if not result["problems"] else f"{len(result['problems'])} problem(s)")
    return 1 if result["problems"] else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--max-inputs", type=int, default=0, help="stop after this many inputs")
    parser.add_argument("--timeout", type=float, default=10, help="seconds one input may take")
    parser.add_argument("--memory-mb", type=int, default=2048, help="resident memory one input may reach")
    parser.add_argument("--cli-every", type=int, default=25, help="run about one input in N through the CLI too")
    parser.add_argument("--seed", type=int, help="random seed (a run with the same seed makes the same inputs)")
    parser.add_argument("--out", help="folder for crashes and the summary (default: a new temporary folder)")
    parser.add_argument("--replay", metavar="CASE_JSON", help="run one recorded input again")
    parser.add_argument("--corpus", action="append", metavar="DIR", help="seed from the real code below DIR too")
    parser.add_argument("--corpus-seeds", type=int, default=300, help="seed trees taken from each --corpus DIR")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))  # this checkout's exvlint, installed or not
    # one date for every run of every input (JUnit timestamps, EXV405's "today"): reports can be compared
    os.environ.setdefault("SOURCE_DATE_EPOCH", str(int(time.time())))
    if args.replay:
        return replay(args.replay, args.timeout, args.memory_mb)
    return fuzz(args)


if __name__ == "__main__":
    sys.exit(main())
