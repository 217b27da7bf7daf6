"""Terraform files parsed through the parse cache (see exvlint/cache.py): the AST of a file's text,
or its syntax error, stored under the text's digest and the limits of the run."""
from __future__ import annotations

from typing import Optional

from .. import limits
from ..cache import Codec, Store, text_key
from . import hcl, syntax

_CODEC: Optional[Codec] = None
_ERROR = "syntax error"  # a cached HCLSyntaxError: (_ERROR, message, line, col)


def _codec() -> Codec:
    global _CODEC
    if _CODEC is None:
        s = syntax
        _CODEC = Codec([s.Literal, s.Template, s.TemplateIf, s.TemplateFor, s.Name, s.GetAttr, s.Index, s.Splat,
                        s.Call, s.TupleExpr, s.ObjectExpr, s.Conditional, s.Binary, s.Unary, s.ForExpr,
                        s.Attribute, s.Block, s.Body, s.Comment, s.ParsedFile])
    return _CODEC


def parse(text: str, path: str, store: Optional[Store]) -> syntax.ParsedFile:
    """``path``'s text parsed as HCL, or as Terraform JSON for a ``.json`` path; raises HCLSyntaxError."""
    json = path.endswith(".json")
    if store is None:
        return _parse(text, path, json)
    namespace = "tfjson" if json else "hcl"
    key = text_key(text, limits.current())
    payload = store.get(namespace, key)
    if payload is not None:
        try:
            value = _codec().loads(payload)
        except (ValueError, RecursionError):
            value = None  # corrupt or foreign: parsed again below, and rewritten
        if isinstance(value, syntax.ParsedFile):
            value.path = path
            return value
        if isinstance(value, tuple) and len(value) == 4 and value[0] == _ERROR:
            raise syntax.HCLSyntaxError(*value[1:])
    try:
        parsed = _parse(text, path, json)
    except syntax.HCLSyntaxError as exc:
        _put(store, namespace, key, (_ERROR, exc.message, exc.line, exc.col))
        raise
    # the entry holds no path: the same text elsewhere (another checkout) reads it under its own
    _put(store, namespace, key, syntax.ParsedFile("", parsed.body, parsed.comments))
    return parsed


def _put(store: Store, namespace: str, key: bytes, value) -> None:
    try:
        payload = _codec().dumps(value)
    except (ValueError, RecursionError):  # deeper than marshal goes, or a value it cannot hold: not cached
        return
    store.put(namespace, key, payload)


def _parse(text: str, path: str, json: bool) -> syntax.ParsedFile:
    if json:
        from .tfjson import parse_tf_json

        return parse_tf_json(text, path)
    return hcl.parse_hcl(text, path)
