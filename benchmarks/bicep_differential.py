"""Differential check of the Bicep lowering against what the Bicep compiler emitted.

    python benchmarks/bicep_differential.py DIR [DIR ...] [--show N] [--json OUT]

Finds every folder holding a ``.bicep`` file together with the JSON the Bicep compiler produced
from it (``x.symbolicnames.json`` or ``x.json`` beside ``x.bicep``, ``azuredeploy.json`` beside
``main.bicep``, recognised by ``metadata._generator.name == "bicep"``), lowers the ``.bicep`` file
with :func:`exvlint.bicep.lower.lower` and compares the two templates structurally: parameters
(type, default, allowed values, nullable), variables, functions, resources matched by symbolic
name (or by type and name for the older array form), with their type, apiVersion, name,
condition, copy, scope and every property, and outputs; nested deployments recursively.
Metadata, descriptions, definitions, dependsOn order and whitespace inside expressions are
ignored. Prints the share of compared values that agree, per section and overall, and the most
frequent differences. The corpus is not shipped; point it at checkouts of public repositories.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

from exvlint.bicep.lower import lower  # noqa: E402

IGNORED_KEYS = {"metadata", "definitions", "$schema", "contentVersion", "languageVersion", "dependsOn",
                "sourceUri", "imports"}
_QUOTED = re.compile(r"'(?:[^']|'')*'")


def norm_expr(value: str, key: str = "") -> str:
    """Whitespace outside string literals removed; ['name'] written as .name; expressions and
    resource types compared case-insensitively (ARM reads both so; exvlint has no type index to
    restore the compiler's canonical casing of resource types)."""
    if key == "type" and "/" in value:
        return value.lower()
    if not (value.startswith("[") and value.endswith("]") and not value.startswith("[[")):
        return value
    out, pos = [], 0
    for m in _QUOTED.finditer(value):
        out.append(re.sub(r"\s+", "", value[pos:m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(re.sub(r"\s+", "", value[pos:]))
    text = "".join(out)
    return re.sub(r"\['([A-Za-z_][A-Za-z0-9_]*)'\]", r".\1", text).lower()


def leaves(value, path=()):
    """(path, normalized leaf) for every scalar inside a JSON value."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k in IGNORED_KEYS:
                continue
            yield from leaves(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from leaves(v, path + (i,))
    elif isinstance(value, str):
        yield path, norm_expr(value, str(path[-1]) if path else "")
    else:
        yield path, value


def resources_by_key(template: dict) -> dict:
    res = template.get("resources") or {}
    if isinstance(res, dict):
        return {k: v for k, v in res.items() if isinstance(v, dict)}
    out = {}
    for r in res:
        if isinstance(r, dict):
            out[(str(r.get("type", "")).lower(), norm_expr(str(r.get("name", ""))))] = r
    return out


def as_array_keys(ours: dict) -> dict:
    """Our symbolic resources keyed as the array form is (existing resources are not emitted there)."""
    return {(str(r.get("type", "")).lower(), norm_expr(str(r.get("name", "")))): r
            for r in ours.values() if not r.get("existing")}


class Tally:
    def __init__(self):
        self.counts = collections.Counter()
        self.diffs = collections.Counter()
        self.examples = {}

    def compare(self, section: str, expected, actual, where: str) -> None:
        exp = dict(leaves(expected))
        act = dict(leaves(actual))
        for path, v in exp.items():
            self.counts[(section, "total")] += 1
            if path in act and act[path] == v:
                self.counts[(section, "same")] += 1
            else:
                kind = "missing" if path not in act else "different"
                self.counts[(section, kind)] += 1
                label = f"{section}: {kind} {'/'.join(str(p) for p in path[-2:])}"
                self.diffs[label] += 1
                self.examples.setdefault(label, (where, path, v, act.get(path)))
        for path in act:
            if path not in exp:
                self.counts[(section, "extra")] += 1


def compare_templates(tally: Tally, expected: dict, ours: dict, where: str, depth: int = 0) -> None:
    if depth > 8:
        return
    for section in ("parameters", "variables", "functions", "outputs"):
        tally.compare(section, expected.get(section) or {}, ours.get(section) or {}, where)
    exp_res = resources_by_key(expected)
    our_res = ours.get("resources") or {}
    if isinstance(our_res, list):
        our_res = resources_by_key(ours)
    elif isinstance(expected.get("resources"), list):
        our_res = as_array_keys(our_res)
    for key, exp in exp_res.items():
        tally.counts[("resources", "declared")] += 1
        act = our_res.get(key)
        if act is None:
            tally.counts[("resources", "unmatched")] += 1
            tally.diffs[f"resources: no resource {key if isinstance(key, str) else key[0]}"] += 1
            tally.examples.setdefault(f"resources: no resource {key if isinstance(key, str) else key[0]}",
                                      (where, key, None, None))
            continue
        if isinstance(act.get("properties"), dict) and "templateLink" in act["properties"]:
            tally.counts[("resources", "registry modules (not compared)")] += 1
            continue
        exp_t = (exp.get("properties") or {}).get("template") if isinstance(exp.get("properties"), dict) else None
        act_t = (act.get("properties") or {}).get("template") if isinstance(act.get("properties"), dict) else None
        strip = lambda r: {k: (v if k != "properties" or not isinstance(v, dict) else  # noqa: E731
                               {pk: pv for pk, pv in v.items() if pk != "template"}) for k, v in r.items()}
        tally.compare("resources", strip(exp), strip(act), where)
        if isinstance(exp_t, dict) and isinstance(act_t, dict):
            compare_templates(tally, exp_t, act_t, where + " > " + str(key), depth + 1)


def find_pairs(roots: list) -> list:
    pairs = []
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for f in sorted(filenames):
                if not f.endswith(".bicep"):
                    continue
                stem = f[:-6]
                candidates = [stem + ".symbolicnames.json", stem + ".json"]
                if stem == "main":
                    candidates.append("azuredeploy.json")
                for c in candidates:
                    if c in filenames:
                        path = os.path.join(dirpath, c)
                        try:
                            with open(path, encoding="utf-8-sig") as fh:
                                doc = json.load(fh)
                        except (OSError, ValueError):
                            continue
                        gen = ((doc.get("metadata") or {}).get("_generator") or {}) if isinstance(doc, dict) else {}
                        if gen.get("name") == "bicep":
                            pairs.append((os.path.join(dirpath, f), path, doc))
                            break
    return pairs


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("roots", nargs="+")
    ap.add_argument("--show", type=int, default=25, help="most frequent differences to print")
    ap.add_argument("--json", help="write the figures here")
    args = ap.parse_args()
    pairs = find_pairs(args.roots)
    tally = Tally()
    failed = []
    identical = 0
    for bicep, compiled, doc in pairs:
        ours, diags = lower(bicep, boundary=os.path.commonpath([os.path.abspath(r) for r in args.roots]))
        if ours is None:
            failed.append((bicep, [d.message for d in diags][:1]))
            continue
        before = dict(tally.counts)
        compare_templates(tally, doc, json.loads(json.dumps(ours)), bicep)
        changed = {k: tally.counts[k] - before.get(k, 0) for k in tally.counts}
        if not any(v for (s, kind), v in changed.items() if kind in ("missing", "different", "unmatched")):
            identical += 1
    print(f"{len(pairs)} .bicep files with compiled JSON; {len(failed)} not lowered; "
          f"{identical} agree on every compared value")
    sections = sorted({s for s, _ in tally.counts})
    for s in sections:
        c = tally.counts
        if s == "resources":
            print(f"  resources matched: {c[(s, 'declared')] - c[(s, 'unmatched')]}/{c[(s, 'declared')]}; "
                  f"registry modules not compared: {c[(s, 'registry modules (not compared)')]}")
        total = c[(s, "total")]
        if total:
            print(f"  {s:10} values: {c[(s, 'same')]}/{total} agree ({100 * c[(s, 'same')] / total:.1f}%), "
                  f"{c[(s, 'different')]} different, {c[(s, 'missing')]} missing, {c[(s, 'extra')]} extra")
    total = sum(tally.counts[(s, "total")] for s in sections)
    same = sum(tally.counts[(s, "same")] for s in sections)
    if total:
        print(f"  overall: {same}/{total} ({100 * same / total:.1f}%)")
    for label, n in tally.diffs.most_common(args.show):
        where, path, exp, act = tally.examples[label]
        print(f"{n:6}  {label}\n        e.g. {where} {path}\n          compiler: {str(exp)[:160]}\n          "
              f"exvlint:  {str(act)[:160]}")
    for bicep, msg in failed[:10]:
        print("not lowered:", bicep, msg)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"pairs": len(pairs), "failed": len(failed), "identical": identical,
                       "counts": {f"{s}.{k}": v for (s, k), v in tally.counts.items()}}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
