"""Evaluation-level differential: a .bicep file and the JSON the compiler made from it must deploy the same.

    python benchmarks/bicep_eval_differential.py DIR [DIR ...] [--show N]

For every ``.bicep`` file beside its compiled JSON (as in ``bicep_differential.py``), evaluates both
with the ARM evaluator (``exvlint.arm.template.evaluate``): the compiled JSON read with positions,
the ``.bicep`` file through :func:`exvlint.bicep.lower.lower`. Compares the deployed resources
(type and evaluated name) and, for each resource both deploy, every evaluated property value;
values unknown on either side are counted apart. Needs the ARM evaluator (``exvlint.arm``).
"""
from __future__ import annotations

import argparse
import collections
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

from bicep_differential import find_pairs  # noqa: E402

from exvlint import jsonpos  # noqa: E402
from exvlint.bicep.lower import lower  # noqa: E402


def plain(value, path=()):
    """(path, scalar or '<unknown>') for every leaf of an evaluated value."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from plain(v, path + (str(k).lower(),))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from plain(v, path + (i,))
    elif isinstance(value, (str, int, float, bool)) or value is None:
        yield path, value.lower() if isinstance(value, str) else value
    else:
        yield path, "<unknown>"


def deployed(result) -> dict:
    out = {}
    for r in result.resources:
        name = r.name if isinstance(r.name, str) else "<unknown>"
        out[(r.type.lower(), name.lower(), r.deployment.count("/"))] = r
    return out


def main() -> int:
    from exvlint.arm.template import evaluate

    ap = argparse.ArgumentParser()
    ap.add_argument("roots", nargs="+")
    ap.add_argument("--show", type=int, default=20)
    args = ap.parse_args()
    boundary = os.path.commonpath([os.path.abspath(r) for r in args.roots])
    counts = collections.Counter()
    diffs = collections.Counter()
    examples = {}
    for bicep, compiled, _ in find_pairs(args.roots):
        with open(compiled, encoding="utf-8-sig") as fh:
            doc = jsonpos.loads(fh.read())
        ours, _ = lower(bicep, boundary=boundary)
        if ours is None:
            counts["not lowered"] += 1
            continue
        try:
            expected = deployed(evaluate(compiled, doc, boundary=boundary))
            actual = deployed(evaluate(bicep, ours, boundary=boundary))
        except Exception as exc:  # a crash in either evaluation is a finding of this check
            counts["evaluation failed"] += 1
            diffs[f"evaluation failed: {type(exc).__name__}"] += 1
            examples.setdefault(f"evaluation failed: {type(exc).__name__}", (bicep, str(exc)[:200]))
            continue
        counts["files"] += 1
        for key, res in expected.items():
            counts["resources"] += 1
            other = actual.get(key)
            if other is None:
                counts["resources missing"] += 1
                diffs[f"resource missing: {key[0]}"] += 1
                examples.setdefault(f"resource missing: {key[0]}", (bicep, key))
                continue
            exp_leaves = dict(plain(res.body))
            act_leaves = dict(plain(other.body))
            for path, v in exp_leaves.items():
                if path and path[0] in ("dependson", "metadata"):
                    continue
                a = act_leaves.get(path, "<absent>")
                if v == "<unknown>" or a == "<unknown>":
                    counts["values unknown on a side"] += 1
                    if (v == "<unknown>") != (a == "<unknown>"):
                        counts["values unknown on one side only"] += 1
                        label = f"unknown only in {'compiled' if v == '<unknown>' else 'lowered'}: {path[-1]}"
                        diffs[label] += 1
                        examples.setdefault(label, (bicep, key, path, v, a))
                elif v == a:
                    counts["values equal"] += 1
                else:
                    counts["values different"] += 1
                    label = f"different: {'/'.join(map(str, path[-2:]))}"
                    diffs[label] += 1
                    examples.setdefault(label, (bicep, key, path, v, a))
        counts["resources extra"] += len(set(actual) - set(expected))
    for k in sorted(counts):
        print(f"{k:35} {counts[k]}")
    known = counts["values equal"] + counts["values different"]
    if known:
        print(f"known values equal: {counts['values equal']}/{known} ({100 * counts['values equal'] / known:.2f}%)")
    for label, n in diffs.most_common(args.show):
        print(f"{n:6} {label}\n       e.g. {examples[label]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
