"""The building blocks of the positioned ARM template the Bicep lowering emits.

:class:`~exvlint.jsonpos.PosDict` / :class:`~exvlint.jsonpos.PosList` made at a Bicep node's line
and column, ARM expression trees written as JSON values (``'[...]'`` strings, literals kept as
literals), and :func:`unknown`, the call the ARM evaluator reads as a value not known before
deployment.
"""
from __future__ import annotations

from typing import Any

from ..arm.template import UNKNOWN_FUNCTION
from ..jsonpos import PosDict, PosList
from . import armexpr as A
from .armexpr import Fn, Tok


def unknown(reason: str) -> Fn:
    return Fn(UNKNOWN_FUNCTION, [Tok(reason)])


def _literal_string(v: str) -> str:
    """A string value as JSON: ARM reads '[...]' as an expression, so such a literal gets '[[' (as Bicep writes it)."""
    return "[" + v if v.startswith("[") and v.endswith("]") else v


def _pd(line: int, col: int, path: str = "") -> PosDict:
    d = PosDict()
    d.line, d.col = line, col
    if path:
        d.path = path
    return d


def _pl(line: int, col: int) -> PosList:
    out = PosList()
    out.line, out.col = line, col
    return out


def _put(d: PosDict, key: str, value: Any, node: Any) -> None:
    d[key] = value
    d.key_lines[key] = (getattr(node, "line", 0) or d.line, getattr(node, "col", 0) or d.col)


def _add(lst: PosList, value: Any, node: Any) -> None:
    lst.append(value)
    lst.item_lines.append((getattr(node, "line", 0) or lst.line, getattr(node, "col", 0) or lst.col))


def _expr_string(e: Any) -> Any:
    """An expression as a JSON value: literals stay literals, everything else is '[...]'."""
    if isinstance(e, Tok):
        return _literal_string(e.value) if isinstance(e.value, str) else e.value
    if isinstance(e, Fn) and not e.args and not e.props and e.name in ("true", "false", "null"):
        return {"true": True, "false": False, "null": None}[e.name]
    return "[" + A.text(e) + "]"


def _positioned(value: Any, node: Any) -> Any:
    """A plain JSON value (from loadJsonContent) as PosDict/PosList located at the call."""
    if isinstance(value, dict):
        out = _pd(node.line, node.col)
        for k, v in value.items():
            _put(out, str(k), _positioned(v, node), node)
        return out
    if isinstance(value, list):
        out = _pl(node.line, node.col)
        for v in value:
            _add(out, _positioned(v, node), node)
        return out
    if isinstance(value, str):
        return _literal_string(value)
    return value
