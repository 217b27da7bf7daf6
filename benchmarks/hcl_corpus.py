"""Differential run of exvlint's HCL front end against the python-hcl2 reference over real files.

    python benchmarks/hcl_corpus.py DIR [DIR ...] [--show 20]

Parses every ``.tf`` and ``.tfvars`` file under the directories with both front ends (needs the
test dependencies: python-hcl2), prints how many agree, the disagreements by kind, and the time
each front end took. Keep corpora (clones of public repositories) outside this repository.
"""
from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import hcl_reference  # noqa: E402
from hcl_compare import differences  # noqa: E402

from exvlint.terraform import hcl  # noqa: E402


def timed(parse, text: str) -> float:
    start = time.perf_counter()
    try:
        parse(text)
    except (hcl.HCLSyntaxError, RecursionError):
        pass
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dirs", nargs="+", type=Path)
    ap.add_argument("--show", type=int, default=20, help="disagreements to print")
    args = ap.parse_args()
    files = sorted(p for d in args.dirs for p in d.rglob("*") if p.is_file() and p.name.endswith((".tf", ".tfvars")))
    texts = []
    for p in files:
        try:
            texts.append((p, p.read_text(encoding="utf-8-sig")))
        except (UnicodeDecodeError, OSError):
            pass
    fast = sum(timed(hcl.parse_hcl, t) for _, t in texts)
    ref = sum(timed(hcl_reference.parse_hcl, t) for _, t in texts)
    kinds: collections.Counter = collections.Counter()
    shown = differing = rejected = 0
    for path, text in texts:
        diffs = differences(text)
        differing += bool(diffs)
        try:
            hcl.parse_hcl(text)
        except hcl.HCLSyntaxError:
            rejected += 1
        for d in diffs:
            kinds[d.split(":")[0] if d.startswith(("only", "both")) else "AST differs"] += 1
            if shown < args.show:
                print(f"{path}: {d}")
                shown += 1
    agree = len(texts) - differing
    size = sum(len(t) for _, t in texts) / 1e6
    print(f"{len(texts)} files ({size:.1f} MB): {agree} agree ({100 * agree / max(1, len(texts)):.1f}%), "
          f"{differing} differ; {rejected} rejected by exvlint")
    for kind, n in kinds.most_common():
        print(f"  {kind}: {n}")
    print(f"parse time: exvlint (tree-sitter) {fast:.2f} s, python-hcl2 reference {ref:.2f} s ({ref / fast:.1f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
