"""Differential run of exvlint's HCL front end against the python-hcl2 reference over real files.

    python benchmarks/hcl_corpus.py DIR [DIR ...] [--show 20] [--mutate]

Parses every ``.tf`` and ``.tfvars`` file under the directories with both front ends (needs the
test dependencies: python-hcl2), prints how many agree, the disagreements by kind, and the time
each front end took. ``--mutate`` also breaks every file three ways (cut in the middle, a quote or
an ``=`` deleted after the middle) and compares which variants each rejects, and at which line.
Keep corpora (clones of public repositories) outside this repository.
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
    ap.add_argument("--mutate", action="store_true", help="also compare broken variants of every file")
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
    if args.mutate:
        mutations(texts, args.show)
    return 0


def variants(text: str) -> list:
    middle = text.find("\n", len(text) // 2) + 1
    out = [text[:middle]]
    for ch in ('"', "="):
        at = text.find(ch, middle)
        if at >= 0:
            out.append(text[:at] + text[at + 1:])
    return out


def mutations(texts: list, show: int) -> None:
    kinds: collections.Counter = collections.Counter()
    for path, text in texts:
        for variant in variants(text):
            diffs = differences(variant)
            new, ref = (_rejects(hcl.parse_hcl, variant), _rejects(hcl_reference.parse_hcl, variant))
            kind = ("both reject" if new and ref else "only exvlint rejects" if new else
                    "only the reference rejects" if ref else "both accept")
            kind += ", same line" if new and ref and not diffs else ", other line" if new and ref else ""
            kind += ", ASTs differ" if not new and not ref and diffs else ""
            kinds[kind] += 1
            if diffs and show > 0:
                print(f"{path} (broken variant): {diffs[0]}")
                show -= 1
    print(f"broken variants: {sum(kinds.values())}")
    for kind, n in kinds.most_common():
        print(f"  {kind}: {n}")


def _rejects(parse, text: str) -> bool:
    try:
        parse(text)
    except (hcl.HCLSyntaxError, RecursionError):
        return True
    return False


if __name__ == "__main__":
    sys.exit(main())
