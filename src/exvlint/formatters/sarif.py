"""SARIF 2.1.0 for GitHub code scanning and other code-scanning UIs.

Every result has one physical location relative to the repository root (``%SRCROOT%``),
a logical location with the resource address, related locations for where values came from
and partial fingerprints that do not move with lines. Output is byte-for-byte deterministic.
"""
from __future__ import annotations

import json

from .. import __version__
from ..catalog import load_catalog, plain_text
from ..engine import checked_rules
from . import repo_relative, repository_root

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/exvlint/exvlint"


NOT_CHECKED = "Not checked yet: this version of exvlint documents the rule but has no check for it. "


def _rule_descriptor(doc, checked: bool) -> dict:
    prefix = "" if checked else NOT_CHECKED
    out = {
        "id": doc.id,
        "name": doc.slug,
        "shortDescription": {"text": doc.summary},
        "fullDescription": {"text": (prefix + doc.what_it_flags)[:1024]},
        "help": {"text": prefix + plain_text(doc.markdown), "markdown": (f"**{prefix.strip()}**\n\n" if prefix else "") + doc.markdown},
        "helpUri": doc.help_uri,
        "defaultConfiguration": {"level": doc.level},
        "properties": {"tags": list(doc.tags) + [p for p in doc.platforms if p not in doc.tags]},
    }
    if not checked:  # SARIF's way to say a rule produces no results
        out["defaultConfiguration"]["enabled"] = False
    return out


def _suppressions(f, root: str) -> list:
    s = f.suppression
    entry = {"kind": s.kind, "status": "accepted"}
    if s.reason:
        entry["justification"] = s.reason
    if s.location is not None and not s.location.path.startswith("<"):
        entry["location"] = {"physicalLocation": _physical(s.location, root)}
    return [entry]


def _region(loc) -> dict:
    line = max(loc.line, 1)
    region = {"startLine": line, "endLine": max(loc.end_line or line, line)}
    if loc.col:
        region["startColumn"] = loc.col
        if loc.end_col and region["endLine"] == line and loc.end_col > loc.col:
            region["endColumn"] = loc.end_col
    return region


def _physical(loc, root: str) -> dict:
    return {"artifactLocation": {"uri": repo_relative(loc.path, root), "uriBaseId": "%SRCROOT%"},
            "region": _region(loc)}


def render(result, options=None) -> str:
    root = getattr(result, "root", None) or repository_root()
    catalog = load_catalog()
    ids = list(catalog)
    checked = getattr(result, "checked_rules", None) or checked_rules()
    results = []
    notifications = []
    for f in result.findings:
        entry = {
            "ruleId": f.rule_id,
            "ruleIndex": ids.index(f.rule_id),
            "level": f.level,
            "message": {"text": f.message},
            "locations": [{"physicalLocation": _physical(f.location, root)}],
            "partialFingerprints": {"exvlint/v1": f.fingerprint},
        }
        if f.address:
            entry["locations"][0]["logicalLocations"] = [{"fullyQualifiedName": f.address, "kind": "resource"}]
        if f.related:
            entry["relatedLocations"] = [
                {"id": i + 1, "physicalLocation": _physical(r.location, root), "message": {"text": r.message}}
                for i, r in enumerate(f.related) if not r.location.path.startswith("<")]
            if not entry["relatedLocations"]:
                del entry["relatedLocations"]
        if f.scope_reason:
            entry["properties"] = {"exchangeScope": f.scope_reason}
        if f.suppressed:  # only with --show-suppressed; GitHub code scanning may not honour it
            entry["suppressions"] = _suppressions(f, root)
        results.append(entry)
        if f.rule_id == "EXV000":
            notifications.append({"level": "error", "message": {"text": f.message},
                                  "locations": [{"physicalLocation": _physical(f.location, root)}],
                                  "descriptor": {"id": "EXV000"}})
    invocation = {"executionSuccessful": not any(f.rule_id in ("EXV002",) for f in result.findings)}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "exvlint", "version": __version__, "semanticVersion": __version__,
                                "informationUri": INFORMATION_URI,
                                "rules": [_rule_descriptor(catalog[i], i in checked) for i in ids]}},
            "invocations": [invocation],
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The repository root"}}},
            "results": results,
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
