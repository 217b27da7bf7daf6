"""Compare Bicep parsers on a corpus of real .bicep files (the corpus is not shipped).

    python benchmarks/bicep_parsers.py CORPUS_DIR [--json OUT]

Needs `tree-sitter`, `tree-sitter-bicep` and `pycep-parser` installed in the running interpreter.
For each parser: files parsed without error, time per file and in total, which files it rejects
(and how far that agrees with the other parser), import time in a fresh interpreter and the
installed size of its distributions. exvlint's own front end (`exvlint.bicep.parse`) is measured
too when it is importable.
"""
from __future__ import annotations

import argparse
import importlib.metadata as md
import json
import os
import select
import statistics
import subprocess
import sys
import time

TIMEOUT_S = 10.0  # per file: one parser backtracks for minutes on some files; such a file counts as failed


def corpus(root: str) -> list:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        out.extend(os.path.join(dirpath, f) for f in sorted(filenames) if f.endswith(".bicep"))
    return out


def tree_sitter_parser():
    import tree_sitter
    import tree_sitter_bicep

    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_bicep.language()))

    def parse(text: str) -> bool:
        return not parser.parse(text.encode("utf-8")).root_node.has_error

    return parse


def pycep_parser():
    from pycep import BicepParser

    parser = BicepParser()

    def parse(text: str) -> bool:
        try:
            parser.parse(text=text)
        except Exception:  # lark errors, the validator's ValueError, transformer failures
            return False
        return True

    return parse


def exvlint_parser():
    from exvlint.bicep.parse import BicepSyntaxError, parse

    def parse_one(text: str) -> bool:
        try:
            parse(text, "x.bicep")
        except BicepSyntaxError:
            return False
        return True

    return parse_one


PARSERS = {
    "tree-sitter-bicep": (tree_sitter_parser, "import tree_sitter, tree_sitter_bicep",
                          ("tree-sitter", "tree-sitter-bicep")),
    "pycep-parser": (pycep_parser, "import pycep", ("pycep-parser", "lark")),
    "exvlint.bicep": (exvlint_parser, "import exvlint.bicep.parse", ()),
}


def import_seconds(statement: str, repeat: int = 5) -> float:
    """Median wall time of the import alone, in fresh interpreters (start-up subtracted)."""
    def run(code: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - start
    base = statistics.median(run("pass") for _ in range(repeat))
    return max(0.0, statistics.median(run(statement) for _ in range(repeat)) - base)


def installed_bytes(dists: tuple) -> int:
    total = 0
    for name in dists:
        for f in md.distribution(name).files or ():
            try:
                total += os.path.getsize(f.locate())
            except OSError:
                pass
    return total


def worker(name: str) -> int:
    """Child process: parse the files named on stdin, one JSON line per file on stdout."""
    parse = PARSERS[name][0]()
    for line in sys.stdin:
        path = line.rstrip("\n")
        with open(path, encoding="utf-8-sig", errors="replace") as fh:
            text = fh.read()
        start = time.perf_counter()
        ok = parse(text)
        print(json.dumps([ok, time.perf_counter() - start]), flush=True)
    return 0


def measure(name: str, files: list) -> tuple:
    """(failed files, timed-out files, seconds per file) with a fresh worker after each timeout."""
    failed, timed_out, times = [], [], []
    i = 0
    while i < len(files):
        proc = subprocess.Popen([sys.executable, __file__, "--worker", name], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
        try:
            while i < len(files):
                proc.stdin.write(files[i] + "\n")
                proc.stdin.flush()
                ready, _, _ = select.select([proc.stdout], [], [], TIMEOUT_S + (30 if i == 0 else 0))
                if not ready:
                    timed_out.append(files[i])
                    times.append(TIMEOUT_S)
                    i += 1
                    break
                ok, seconds = json.loads(proc.stdout.readline())
                times.append(seconds)
                if not ok:
                    failed.append(files[i])
                i += 1
        finally:
            proc.kill()
            proc.wait()
    return failed, timed_out, times


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        return worker(sys.argv[2])
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--json", help="write the raw figures here")
    ap.add_argument("--parsers", default=",".join(PARSERS), help="comma-separated subset")
    args = ap.parse_args()
    files = corpus(args.corpus)
    size = sum(os.path.getsize(f) for f in files)
    print(f"{len(files)} .bicep files, {size / 1e6:.1f} MB")
    results = {}
    for name in args.parsers.split(","):
        factory, statement, dists = PARSERS[name]
        try:
            factory()
        except ImportError as exc:
            print(f"{name}: not installed ({exc})")
            continue
        failed, timed_out, times = measure(name, files)
        results[name] = {
            "ok": len(files) - len(failed) - len(timed_out), "failed": failed + timed_out,
            "timed_out": timed_out, "total_s": sum(times),
            "median_ms": statistics.median(times) * 1000, "max_ms": max(times) * 1000,
            "import_s": import_seconds(statement),
            "installed_kb": installed_bytes(dists) // 1024 if dists else 0,
        }
    print(f"{'parser':20} {'parsed':>12} {'timeouts':>8} {'total s':>8} {'median ms':>10} {'max ms':>8} "
          f"{'import ms':>10} {'installed KB':>13}")
    for name, r in results.items():
        print(f"{name:20} {r['ok']:>5}/{len(files):<6} {len(r['timed_out']):8} {r['total_s']:8.2f} "
              f"{r['median_ms']:10.2f} {r['max_ms']:8.1f} {r['import_s'] * 1000:10.0f} {r['installed_kb']:13}")
    names = list(results)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            fa, fb = set(results[a]["failed"]), set(results[b]["failed"])
            print(f"rejected by both {a} and {b}: {len(fa & fb)}; only {a}: {len(fa - fb)}; only {b}: {len(fb - fa)}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
