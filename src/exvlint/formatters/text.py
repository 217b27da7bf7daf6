"""Plain text: one line per finding, sorted, then a summary and what the run noticed."""
from __future__ import annotations

from . import summary

_COLORS = {"error": "31", "warning": "33", "note": "36"}  # red, yellow, cyan


def render(result, options=None) -> str:
    color = bool(options and options.color)

    def paint(text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if color else text

    lines = []
    for f in result.findings:
        address = f" ({f.address})" if f.address else ""
        level = paint(f"[{f.level}]", _COLORS.get(f.level, "0"))
        mark = ""
        if f.suppressed:
            why = f": {f.suppression.reason}" if f.suppression.reason else ""
            mark = paint(f" [suppressed{why}]", "2")
        lines.append(f"{paint(str(f.location), '1')}: {f.rule_id} {level} {f.message}{address}{mark}")
        for rel in f.related:
            lines.append(f"    {rel.location}: {rel.message}")
    if not (options and options.quiet):
        lines.append(summary(result))
        lines.extend(f"note: {n}" for n in result.notices)
    return "".join(line + "\n" for line in lines)
