"""ARM template and parameters documents as positioned JSON.

Reading them (comments, a byte order mark and trailing commas accepted, as Azure reads them),
telling templates from parameters files by ``$schema``, where a member of a positioned object is
written, the parameter values a parameters file sets, and the conversion of a positioned JSON value
into the evaluated trees (:class:`~exvlint.arm.result.EvDict` / ``EvList``) that keep each member's
place and origins.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Optional

from .. import files, jsonpos
from ..evaluation import Unknown, located
from ..findings import Diagnostic, Location, Related
from ..paths import Boundary
from .expressions import is_expression
from .result import EvDict, EvList, find_key


def read_json(path: str, boundary: Optional[Boundary]) -> tuple:
    """(positioned document, None) or (None, Diagnostic): how template and parameters files are read
    (through the one reader of the project, inside the boundary).

    Reads as Azure does: comments, a byte order mark and trailing commas are accepted.
    """
    text, diagnostic = files.read_source(path, boundary)
    if diagnostic is not None:
        return None, diagnostic
    return parse_json(path, text)


def parse_json(path: str, text: str) -> tuple:
    try:
        return jsonpos.loads(text, lenient=True), None
    except jsonpos.JSONPosError as exc:
        return None, Diagnostic("EXV000", Location(path, exc.line, exc.col), f"invalid JSON: {exc.message}")
    except RecursionError:
        return None, Diagnostic("EXV000", Location(path, 1), "JSON nested too deeply")


def _schema(doc: Any) -> str:
    if not isinstance(doc, dict):
        return ""
    key = find_key(doc, "$schema")
    value = doc.get(key) if key else None
    return value.lower() if isinstance(value, str) else ""


def is_template(doc: Any) -> bool:
    """A deployment template of any scope and schema version (by its ``$schema``)."""
    return "deploymenttemplate.json" in _schema(doc)


def is_parameters_file(doc: Any) -> bool:
    return "deploymentparameters.json" in _schema(doc)


def template_scope(doc: Any) -> str:
    schema = _schema(doc)
    for marker, level in (("subscriptiondeploymenttemplate", "subscription"),
                          ("managementgroupdeploymenttemplate", "managementGroup"),
                          ("tenantdeploymenttemplate", "tenant")):
        if marker in schema:
            return level
    return "resourceGroup"


def _ci(obj: Any, key: str) -> Any:
    if not isinstance(obj, dict):
        return None
    k = find_key(obj, key)
    return obj[k] if k is not None else None


def _inner(node: Any, path: str) -> str:
    """The file the positions of ``node`` refer to: its own ``path`` when set, else its parent's."""
    return getattr(node, "path", "") or path


def _key_loc(obj: Any, key: str, path: str) -> Location:
    """Where ``key`` of positioned object ``obj`` is written (the object itself when it is not)."""
    path = _inner(obj, path)
    k = find_key(obj, key) if isinstance(obj, dict) else None
    lines = getattr(obj, "key_lines", {}) if k is not None else {}
    if k is not None and k in lines:
        return Location(path, lines[k][0], lines[k][1])
    return Location(path, getattr(obj, "line", 0), getattr(obj, "col", 0))


def _node_loc(node: Any, path: str) -> Location:
    return Location(getattr(node, "path", "") or path, getattr(node, "line", 0), getattr(node, "col", 0))


def _without(node: Any, key: str) -> Any:
    """A positioned object without ``key`` (positions kept)."""
    out = jsonpos.PosDict()
    out.line, out.col, out.path = node.line, node.col, getattr(node, "path", "")
    for k, v in node.items():
        if k.lower() != key.lower():
            out[k] = v
            if k in node.key_lines:
                out.key_lines[k] = node.key_lines[k]
    return out


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _dedupe(items: list) -> tuple:
    seen = set()
    out = []
    for r in items:
        key = (r.location.path, r.location.line, r.message)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return tuple(out)


def _is_property_copy(node: Any) -> bool:
    return isinstance(node, list) and bool(node) and all(
        isinstance(n, dict) and find_key(n, "name") is not None and find_key(n, "input") is not None for n in node)


@dataclass
class _Input:
    value: Any
    origins: tuple = ()


def parameter_inputs(doc: Any, path: str) -> dict:
    """Parameter values of an ARM parameters file: name (lower) -> _Input, located in that file."""
    params = _ci(doc, "parameters") if find_key(doc, "$schema") is not None or find_key(doc, "parameters") else doc
    if not isinstance(params, dict):
        return {}
    path = getattr(params, "path", "") or path
    name = os.path.basename(path)
    inputs = {}
    for key, entry in params.items():
        if not isinstance(entry, dict):
            continue
        if find_key(entry, "value") is not None:
            where = _key_loc(entry, "value", getattr(entry, "path", "") or path)
            value = _literal_tree(_ci(entry, "value"), getattr(entry, "path", "") or path, where)
            inputs[key.lower()] = _Input(value, (Related(where, f"parameter {key} set in {name}"),))
        elif find_key(entry, "reference") is not None:
            inputs[key.lower()] = _Input(Unknown(f"parameter {key} comes from a Key Vault secret ({name})"), ())
    return inputs


def _literal_tree(node: Any, path: str, where: Location) -> Any:
    """A JSON value from a parameters file: positions kept, strings not evaluated (ARM does not)."""
    return _tree(node, path, where, lambda text, at, trace: located(text, at), [])


def _tree(node: Any, path: str, where: Location, string, trace: list, copies=None) -> Any:
    """A positioned JSON value as EvDict / EvList that keep each member's place and origins.

    ``string(text, where, trace)`` gives a string's value (evaluating an expression adds to
    ``trace`` where its inputs came from); ``copies(out, specs, where, path)``, when given, expands
    ``"copy": [{"name", "count", "input"}]`` property loops into ``out``.
    """
    if isinstance(node, str):
        return string(node, where, trace)
    if isinstance(node, dict):
        path = getattr(node, "path", "") or path
        out = EvDict()
        out.loc = _node_loc(node, path)
        lines = getattr(node, "key_lines", {})
        loops = None
        for key, child in node.items():
            loc = Location(path, *lines[key]) if key in lines else out.loc
            if copies is not None and key.lower() == "copy" and _is_property_copy(child):
                loops = (child, loc)
                continue
            member_trace: list = []
            out[key] = _tree(child, path, loc, string, member_trace, copies)
            out.member_loc[key] = loc
            if member_trace:
                out.member_origins[key] = _dedupe(member_trace)
            if isinstance(child, str) and is_expression(child):
                out.computed.add(key)
        if loops is not None:
            copies(out, loops[0], loops[1], path)
        return out
    if isinstance(node, list):
        path = getattr(node, "path", "") or path
        items = EvList()
        items.loc = _node_loc(node, path)
        item_lines = getattr(node, "item_lines", [])
        for i, child in enumerate(node):
            loc = Location(path, *item_lines[i]) if i < len(item_lines) else items.loc
            item_trace: list = []
            items.append(_tree(child, path, loc, string, item_trace, copies))
            items.item_loc.append(loc)
            items.item_origins.append(_dedupe(item_trace))
            if isinstance(child, str) and is_expression(child):
                items.computed.add(i)
        return items
    return located(node, where)
