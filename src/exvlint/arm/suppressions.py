"""``exvlint:ignore`` in ARM templates, as neutral suppression directives.

A resource's ``"metadata": {"exvlint:ignore": {"EXV301": "reason"}}`` (rule ids or slugs as keys, the
reason as value; several rules may be listed) covers that resource object and everything inside it:
its properties, the child resources written in it and, for a nested deployment, what its inline
template deploys. ``"exvlint:ignore": "EXV301 reason"`` (the comment syntax) works too.
"""
from __future__ import annotations

from typing import Any

from ..findings import Location
from ..suppress import Directive, parse_directive
from .documents import _ci
from .result import find_key

KEY = "exvlint:ignore"


def file_directives(path: str, doc: Any) -> list:
    """The directives of a positioned template document read from ``path``."""
    out: list = []
    _template(doc, path, out, 0)
    return out


def _template(doc: Any, path: str, out: list, depth: int) -> None:
    if not isinstance(doc, dict) or depth > 64:
        return
    resources = _ci(doc, "resources")
    nodes = resources.values() if isinstance(resources, dict) else resources if isinstance(resources, list) else ()
    for node in nodes:
        _resource(node, path, out, depth)


def _resource(node: Any, path: str, out: list, depth: int) -> None:
    if not isinstance(node, dict):
        return
    path = getattr(node, "path", "") or path
    metadata = _ci(node, "metadata")
    entry = _ci(metadata, KEY)
    if entry is not None:
        out.extend(_entries(entry, metadata, node, path))
    children = _ci(node, "resources")
    for child in children if isinstance(children, list) else ():
        _resource(child, path, out, depth + 1)
    _template(_ci(_ci(node, "properties"), "template"), path, out, depth + 1)


def _entries(entry: Any, metadata: Any, node: Any, path: str) -> list:
    start, end = getattr(node, "line", 0), max(getattr(node, "end_line", 0), getattr(node, "line", 0))
    at = getattr(metadata, "key_lines", {}).get(find_key(metadata, KEY), (start, 1))
    if isinstance(entry, str):
        found = parse_directive(f"{KEY} {entry}")
        rules, unknown, reason = found if found is not None else ((), (), "")
        return [Directive(Location(path, at[0], at[1]), path, start, end, rules, unknown=unknown, reason=reason,
                          text=f'"{KEY}": "{entry}"')]
    if not isinstance(entry, dict):
        return [Directive(Location(path, at[0], at[1]), path, start, end, (), "", (), f'"{KEY}"')]
    from ..catalog import resolve_rule

    out = []
    for name, reason in entry.items():
        where = getattr(entry, "key_lines", {}).get(name, at)
        rid = resolve_rule(str(name))
        text = reason.strip() if isinstance(reason, str) else ""
        out.append(Directive(Location(path, where[0], where[1]), path, start, end, (rid,) if rid else (), text,
                             () if rid else (str(name),), f'"{KEY}": {{"{name}": ...}}'))
    return out
