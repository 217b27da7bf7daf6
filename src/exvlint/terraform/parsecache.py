"""Terraform files parsed through the parse cache (see exvlint/cache.py): the AST of a file's text,
or its syntax error, stored under the text's digest and the limits of the run."""
from __future__ import annotations

from typing import Optional

from .. import limits
from ..cache import Codec, Store, text_key
from . import hcl

_CODEC: Optional[Codec] = None
_ERROR = "syntax error"  # a cached HCLSyntaxError: (_ERROR, message, line, col)


def _codec() -> Codec:
    global _CODEC
    if _CODEC is None:
        _CODEC = Codec([hcl.Literal, hcl.Template, hcl.TemplateIf, hcl.TemplateFor, hcl.Name, hcl.GetAttr,
                        hcl.Index, hcl.Splat, hcl.Call, hcl.TupleExpr, hcl.ObjectExpr, hcl.Conditional,
                        hcl.Binary, hcl.Unary, hcl.ForExpr, hcl.Attribute, hcl.Block, hcl.Body, hcl.Comment,
                        hcl.ParsedFile])
    return _CODEC


def parse(text: str, path: str, store: Optional[Store]) -> hcl.ParsedFile:
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
        if isinstance(value, hcl.ParsedFile):
            value.path = path
            return value
        if isinstance(value, tuple) and len(value) == 4 and value[0] == _ERROR:
            raise hcl.HCLSyntaxError(*value[1:])
    try:
        parsed = _parse(text, path, json)
    except hcl.HCLSyntaxError as exc:
        _put(store, namespace, key, (_ERROR, exc.message, exc.line, exc.col))
        raise
    # the entry holds no path: the same text elsewhere (another checkout) reads it under its own
    _put(store, namespace, key, hcl.ParsedFile("", parsed.body, parsed.comments))
    return parsed


def _put(store: Store, namespace: str, key: bytes, value) -> None:
    try:
        payload = _codec().dumps(value)
    except (ValueError, RecursionError):  # deeper than marshal goes, or a value it cannot hold: not cached
        return
    store.put(namespace, key, payload)


def _parse(text: str, path: str, json: bool) -> hcl.ParsedFile:
    if json:
        from .tfjson import parse_tf_json

        return parse_tf_json(text, path)
    return hcl.parse_hcl(text, path)
