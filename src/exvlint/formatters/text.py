"""Plain text: one line per finding, sorted, then a summary."""
from __future__ import annotations


def render(result) -> str:
    lines = []
    for f in result.findings:
        if f.suppressed:
            continue
        address = f" ({f.address})" if f.address else ""
        lines.append(f"{f.location}: {f.rule_id} [{f.level}] {f.message}{address}")
        for rel in f.related:
            lines.append(f"    {rel.location}: {rel.message}")
    counts = {level: sum(1 for f in result.findings if f.level == level and not f.suppressed)
              for level in ("error", "warning", "note")}
    total = sum(counts.values())
    noun = "finding" if total == 1 else "findings"
    files = len(result.files)
    lines.append(f"{total} {noun} ({counts['error']} errors, {counts['warning']} warnings, "
                 f"{counts['note']} notes) in {files} file{'s' if files != 1 else ''}")
    return "\n".join(lines) + "\n"
