"""JSON: a stable document of findings (documented in the README)."""
from __future__ import annotations

import json

from .. import __version__
from ..catalog import load_catalog
from . import counts

SCHEMA_VERSION = 1


def location_dict(loc) -> dict:
    out = {"path": loc.path.replace("\\", "/"), "line": loc.line, "column": loc.col}
    if loc.end_line:
        out["end_line"] = loc.end_line
    if loc.end_col:
        out["end_column"] = loc.end_col
    return out


def _suppression(s) -> dict:
    out = {"kind": s.kind, "reason": s.reason}
    if s.location is not None:
        out["location"] = location_dict(s.location)
    return out


def render(result, options=None) -> str:
    catalog = load_catalog()
    findings = []
    for f in result.findings:
        doc = catalog.get(f.rule_id)
        findings.append({
            "rule": f.rule_id,
            "name": doc.slug if doc else f.rule_id,
            "level": f.level,
            "message": f.message,
            "location": location_dict(f.location),
            "address": f.address,
            "vm": f.vm,
            "scope_reason": f.scope_reason,
            "related": [dict(location_dict(r.location), message=r.message) for r in f.related],
            "fingerprint": f.fingerprint,
            "suppressed": _suppression(f.suppression) if f.suppression else None,
        })
    summary = dict(counts(result), files=len(result.files), units=len(result.deployments), vms=len(result.vms),
                   exchange_vms=sum(1 for vm in result.vms if vm.reason), suppressed=result.suppressed,
                   baseline_stale=result.baseline_stale)
    doc = {"tool": "exvlint", "version": __version__, "schema_version": SCHEMA_VERSION,
           "findings": findings, "summary": summary, "notices": list(result.notices)}
    return json.dumps(doc, indent=2, sort_keys=False) + "\n"
