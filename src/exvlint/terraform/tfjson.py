"""Terraform's JSON configuration syntax (``.tf.json``) read into the same AST as HCL.

JSON cannot say whether ``"os_disk": {...}`` is a nested block or a map attribute (only the
provider schema knows), so an object (or array of objects) becomes both: an attribute and a
*synthetic* nested block. Adapters ask for blocks or attributes by name and find what they
expect; references to the resource see only the attribute.
"""
from __future__ import annotations

from typing import Any

from .. import jsonpos
from .hcl import (Attribute, Block, Body, HCLSyntaxError, Literal, ObjectExpr, ParsedFile, TupleExpr,
                  parse_expression, parse_template)

LABELS = {"resource": 2, "data": 2, "variable": 1, "module": 1, "output": 1, "provider": 1,
          "locals": 0, "terraform": 0, "moved": 0, "import": 0, "check": 1, "removed": 0}


def parse_tf_json(text: str, path: str) -> ParsedFile:
    try:
        doc = jsonpos.loads(text)
    except jsonpos.JSONPosError as exc:
        raise HCLSyntaxError(f"invalid JSON: {exc.message}", exc.line, exc.col) from None
    if not isinstance(doc, jsonpos.PosDict):
        raise HCLSyntaxError("a .tf.json file must hold a JSON object", 1, 1)
    body = Body()
    for kind, content in doc.items():
        if kind == "//":
            continue
        line, col = doc.key_lines[kind]
        n = LABELS.get(kind)
        if n is None:
            raise HCLSyntaxError(f"unknown top-level block type {kind!r}", line, col)
        for labels, inner, (bl, bc) in _labelled(content, n, (line, col)):
            if kind == "locals":
                body.blocks.append(Block("locals", [], _locals_body(inner), bl, bc, bl, bc))
            else:
                body.blocks.append(Block(kind, labels, _body(inner, kind), bl, bc, bl, bc))
    return ParsedFile(path, body, [])


def _labelled(content: Any, n: int, where: tuple) -> list:
    """(labels, body object, position) for every block under a top-level key."""
    if n == 0:
        items = content if isinstance(content, list) else [content]
        return [([], obj, (getattr(obj, "line", where[0]), getattr(obj, "col", where[1])))
                for obj in items if isinstance(obj, dict)]
    out = []
    objects = content if isinstance(content, list) else [content]
    for obj in objects:
        if not isinstance(obj, jsonpos.PosDict):
            continue
        for label, inner in obj.items():
            if label == "//":
                continue
            pos = obj.key_lines[label]
            for labels, body, p in _labelled(inner, n - 1, pos):
                out.append(([label] + labels, body, pos if n == 1 else p))
    return out


def _members(obj: Any) -> list:
    return [(k, v) for k, v in obj.items() if k != "//"] if isinstance(obj, dict) else []


def _locals_body(obj: jsonpos.PosDict) -> Body:
    body = Body()
    for name, value in _members(obj):
        line, col = obj.key_lines[name]
        body.attributes[name] = Attribute(name, _expr(value, line), line, col, line, 0)
    return body


def _body(obj: Any, kind: str) -> Body:
    body = Body()
    if not isinstance(obj, jsonpos.PosDict):
        return body
    for name, value in _members(obj):
        line, col = obj.key_lines[name]
        if kind == "variable" and name in ("default",):
            expr = _literal_expr(value, line)
        elif kind == "variable" and name == "type" and isinstance(value, str):
            expr = parse_expression(value, line)
        else:
            expr = _expr(value, line)
        body.attributes[name] = Attribute(name, expr, line, col, line, 0)
        if kind in ("variable", "output", "locals"):
            continue
        for child in _as_blocks(value):
            body.blocks.append(Block(name, [], _body(child, "block"), getattr(child, "line", line),
                                     getattr(child, "col", col), getattr(child, "line", line), 0, synthetic=True))
    return body


def _as_blocks(value: Any) -> list:
    if isinstance(value, jsonpos.PosDict):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, jsonpos.PosDict) for v in value):
        return list(value)
    return []


def _expr(value: Any, line: int):
    """A JSON value as an expression: strings are templates, containers recurse."""
    if isinstance(value, str):
        template = parse_template(value, line)
        template.line = line
        return template
    if isinstance(value, jsonpos.PosDict):
        items = []
        for k, v in _members(value):
            kl = value.key_lines[k][0]
            items.append((Literal(k, line=kl), _expr(v, kl)))
        return ObjectExpr(items, line=value.line or line)
    if isinstance(value, list):
        lines = getattr(value, "item_lines", [])
        return TupleExpr([_expr(v, lines[i][0] if i < len(lines) else line) for i, v in enumerate(value)],
                         line=getattr(value, "line", line) or line)
    return Literal(value, line=line)


def _literal_expr(value: Any, line: int):
    """Variable defaults are literal values in JSON syntax (no template interpretation)."""
    if isinstance(value, dict):
        return ObjectExpr([(Literal(k, line=line), _literal_expr(v, line)) for k, v in value.items()], line=line)
    if isinstance(value, list):
        return TupleExpr([_literal_expr(v, line) for v in value], line=line)
    return Literal(value, line=line)
