"""The baseline: findings accepted when exvlint was adopted, so that only new ones fail.

The file is JSON, written by ``--write-baseline FILE`` and read by ``--baseline FILE`` (or the
``baseline`` configuration key)::

    {"exvlint_baseline": 1,
     "findings": [{"fingerprint": "…", "rule": "EXV301", "path": "modules/vm/main.tf",
                   "address": "module.vm.azurerm_managed_disk.db", "message": "…"}]}

Only ``fingerprint`` is matched (``Finding.make_fingerprint``: rule, deployment, resource address
and what is flagged, never a line), so entries survive edits above them and resources moved
between files. The other fields are there for the reader of a diff. An entry matches one finding;
an entry that matches none is counted as stale in the summary.
"""
from __future__ import annotations

import json
from collections import Counter
from typing import Optional

from .findings import Finding, Location, Suppression
from .suppress import ALWAYS_REPORTED

VERSION = 1


def read(path: str) -> tuple:
    """(Counter of fingerprints, None) or (None, EXV003 finding) when the file is unusable."""
    def error(message: str, line: int = 1) -> tuple:
        return None, Finding("EXV003", "error", f"baseline: {message}", Location(path, line, 1), key=message)

    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        return error("no such file; create it with --write-baseline")
    except (OSError, UnicodeDecodeError) as exc:
        return error(f"cannot read the file: {exc}")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        return error(f"invalid JSON: {exc.msg}", exc.lineno)
    if not isinstance(doc, dict) or doc.get("exvlint_baseline") != VERSION or not isinstance(doc.get("findings"), list):
        return error(f"not an exvlint baseline (expected {{\"exvlint_baseline\": {VERSION}, \"findings\": [...]}})")
    prints = Counter()
    for entry in doc["findings"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            return error("every entry needs a fingerprint")
        prints[entry["fingerprint"]] += 1
    return prints, None


def apply(findings: list, prints: Counter, where: str) -> int:
    """Mark the findings the baseline accepts; returns how many entries matched none (stale)."""
    left = Counter(prints)
    for f in findings:
        if f.suppressed or f.rule_id in ALWAYS_REPORTED or not left.get(f.fingerprint):
            continue
        left[f.fingerprint] -= 1
        f.suppression = Suppression("external", "accepted in the baseline", Location(where))
    return sum(left.values())


def render(findings: list, paths: dict) -> str:
    """The baseline document for ``findings`` (``paths``: finding -> repository-relative path)."""
    entries = [{"fingerprint": f.fingerprint, "rule": f.rule_id, "path": paths.get(id(f), f.location.path),
                "address": f.address, "message": f.message}
               for f in findings if not f.suppressed and f.rule_id not in ALWAYS_REPORTED]
    entries.sort(key=lambda e: (e["path"], e["rule"], e["address"], e["fingerprint"]))
    return json.dumps({"exvlint_baseline": VERSION, "findings": entries}, indent=2, ensure_ascii=False) + "\n"


def write(path: str, findings: list, paths: dict) -> Optional[str]:
    """Write the baseline; returns an error message or None."""
    try:
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(render(findings, paths))
    except OSError as exc:
        return f"cannot write {path}: {exc.strerror or exc}"
    return None
