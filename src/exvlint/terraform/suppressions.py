"""``exvlint:ignore`` comments in HCL, as neutral suppression directives.

A comment ``# exvlint:ignore EXV301 reason`` (also ``//`` and ``/* */``) on the line of a block or
attribute, or directly above it (other comment lines may stand between), covers that construct and
everything inside it. A directive on a ``module`` block covers what the module creates: findings
carry the module calls that create their resource as anchors (see ``suppress.py``).
"""
from __future__ import annotations

from ..suppress import comment_directives


def directives(paths: list, parse_cache: dict) -> list:
    out = []
    for path in paths:
        parsed, _ = parse_cache.get(path, (None, None))
        comments = getattr(parsed, "comments", None)
        if comments:
            spans = getattr(parsed, "spans", None)  # a file whose AST is released keeps these (loader.release)
            out.extend(comment_directives(path, ((c.line, c.text) for c in comments),
                                          constructs(parsed.body) if spans is None else spans))
    return out


def constructs(body, out=None) -> dict:
    """First line -> (first, last line) of the outermost block or attribute starting on it."""
    out = {} if out is None else out
    for attr in body.attributes.values():
        out.setdefault(attr.line, (attr.line, max(attr.end_line, attr.line)))
    for block in body.blocks:
        span = (block.line, max(block.end_line, block.line))
        if block.line not in out or out[block.line][1] < span[1]:
            out[block.line] = span
        constructs(block.body, out)
    return out
