"""ARM template expressions as the Bicep compiler builds them, and their text form.

A tiny tree mirroring the compiler's: :class:`Fn` is a function call with an optional chain of
property/index accesses, :class:`Tok` a literal (string or integer). :func:`text` writes an
expression the way the compiler serializes it (``name(a, b).prop[0]``, strings in single quotes
with ``''`` for a quote).
"""
from __future__ import annotations

import re
from typing import Any

_IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


class Tok:
    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value  # str or int


class Fn:
    __slots__ = ("name", "args", "props")

    def __init__(self, name: str, args: list = (), props: list = ()):
        self.name = name
        self.args = list(args)
        self.props = list(props)


def fn(name: str, *args: Any) -> Fn:
    return Fn(name, [a if isinstance(a, (Fn, Tok)) else Tok(a) for a in args])


def to_function(e: Any) -> Fn:
    """Property access needs a function on its left: literals become string()/int() (as Bicep does)."""
    if isinstance(e, Fn):
        return e
    return Fn("int" if isinstance(e.value, int) else "string", [e])


def append(base: Any, *props: Any) -> Fn:
    b = to_function(base)
    return Fn(b.name, b.args, b.props + [p if isinstance(p, (Fn, Tok)) else Tok(p) for p in props])


def text(e: Any) -> str:
    if isinstance(e, Tok):
        v = e.value
        if isinstance(v, str):
            return "'" + v.replace("'", "''") + "'"
        return str(v)
    out = e.name + "(" + ", ".join(text(a) for a in e.args) + ")"
    for p in e.props:
        if isinstance(p, Tok) and isinstance(p.value, str) and _IDENT.match(p.value):
            out += "." + p.value
        else:
            out += "[" + text(p) + "]"
    return out


def walk(e: Any):
    """Every node of an expression tree."""
    yield e
    if isinstance(e, Fn):
        for a in e.args:
            yield from walk(a)
        for p in e.props:
            yield from walk(p)


def from_value(value: Any) -> Any:
    """A JSON value (from a compile-time file function) as an expression."""
    if isinstance(value, bool):
        return Fn("true" if value else "false")
    if value is None:
        return Fn("null")
    if isinstance(value, (int, str)):
        return Tok(value)
    if isinstance(value, float):
        return fn("json", repr(value))
    if isinstance(value, dict):
        args: list = []
        for k, v in value.items():
            args += [Tok(str(k)), from_value(v)]
        return Fn("createObject", args)
    if isinstance(value, list):
        return Fn("createArray", [from_value(v) for v in value])
    return fn("string", str(value))
