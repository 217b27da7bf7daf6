"""GitLab Code Quality (``artifacts:reports:codequality``): the part of the Code Climate format
GitLab reads.

A JSON array; each entry has ``description``, ``check_name``, ``fingerprint``, ``severity`` and
``location.path`` / ``location.lines.begin`` (https://docs.gitlab.com/ci/testing/code_quality/).
GitLab merges entries that share a fingerprint, so each finding gets its own: exvlint's
line-independent fingerprint, made unique within the report where two findings share it.
"""
from __future__ import annotations

import hashlib
import json

from . import repo_relative

# GitLab's severities are info, minor, major, critical, blocker: an unsupported configuration is
# major (as ESLint's and most linters' GitLab reports map errors), a warning minor, a note info
SEVERITY = {"error": "major", "warning": "minor", "note": "info"}


def render(result, options=None) -> str:
    entries = []
    seen: dict = {}
    for f in result.findings:
        if f.suppressed:
            continue  # GitLab has no suppressed state: a suppressed finding is not reported
        fingerprint = f.fingerprint or hashlib.sha256(f"{f.rule_id}{f.location}{f.message}".encode()).hexdigest()[:32]
        n = seen.get(fingerprint, 0)
        seen[fingerprint] = n + 1
        if n:
            fingerprint = hashlib.sha256(f"{fingerprint}#{n}".encode()).hexdigest()[:32]
        loc = f.location
        # a finding about the command line has no file: it is reported against the repository root
        path = "." if loc.path.startswith("<") else repo_relative(loc.path, result.root)
        line = max(loc.line, 1)
        description = f.message + (f" ({f.address})" if f.address else "")
        entries.append({
            "description": description,
            "check_name": f.rule_id,
            "fingerprint": fingerprint,
            "severity": SEVERITY.get(f.level, "info"),
            "location": {"path": path, "lines": {"begin": line, "end": max(loc.end_line or line, line)}},
        })
    return json.dumps(entries, indent=2, ensure_ascii=False) + "\n"
