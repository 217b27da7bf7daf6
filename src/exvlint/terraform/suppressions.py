"""``exvlint:ignore`` comments in HCL, as neutral suppression directives.

A comment ``# exvlint:ignore EXV301 reason`` (also ``//`` and ``/* */``) on the line of a block or
attribute, or directly above it (other comment lines may stand between), covers that construct and
everything inside it. A directive on a ``module`` block covers what the module creates: findings
carry the module calls that create their resource as anchors (see ``suppress.py``).
"""
from __future__ import annotations

from ..findings import Location
from ..suppress import Directive, parse_directive


def directives(paths: list, parse_cache: dict) -> list:
    out = []
    for path in paths:
        parsed, _ = parse_cache.get(path, (None, None))
        comments = getattr(parsed, "comments", None)
        if not comments:
            continue
        comment_lines = set()
        for c in comments:
            comment_lines.update(range(c.line, c.line + c.text.count("\n") + 1))
        starts = _constructs(parsed.body)
        for c in comments:
            found = parse_directive(_strip_markers(c.text))
            if found is None:
                continue
            rules, unknown, reason = found
            last = c.line + c.text.count("\n")
            span = starts.get(c.line)  # on the same line as a block or attribute
            if span is None or c.text.startswith("/*") and last != c.line:
                line = last + 1
                while line in comment_lines and line not in starts:
                    line += 1
                span = starts.get(line)
            start, end = span if span else (0, -1)  # a directive above nothing covers nothing
            out.append(Directive(Location(path, c.line, 1), path, start, end, rules, reason, unknown, c.text))
    return out


def _strip_markers(text: str) -> str:
    text = text.strip()
    if text.startswith("/*"):
        text = text[2:].removesuffix("*/")
    return text.lstrip("#/").strip()


def _constructs(body, out=None) -> dict:
    """First line -> (first, last line) of the outermost block or attribute starting on it."""
    out = {} if out is None else out
    for attr in body.attributes.values():
        out.setdefault(attr.line, (attr.line, max(attr.end_line, attr.line)))
    for block in body.blocks:
        span = (block.line, max(block.end_line, block.line))
        if block.line not in out or out[block.line][1] < span[1]:
            out[block.line] = span
        _constructs(block.body, out)
    return out
