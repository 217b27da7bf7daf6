"""The ARM template expression language: which strings are expressions, and their syntax tree.

A JSON string is an expression when it starts with ``[`` and ends with ``]``; a string that
starts with ``[[`` is the literal text without its first ``[`` (ARM's escape). Inside the
brackets: function calls (``concat(a, b)``, user-defined ``ns.fn(x)``), string literals in single
quotes (``''`` is one quote), integers, and property (``.name``) and index (``[expr]``) access.
The parser never raises anything but :class:`ExpressionError`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Union



class ExpressionError(ValueError):
    def __init__(self, message: str, offset: int):
        super().__init__(f"{message} (at character {offset + 1} of the expression)")
        self.message = message
        self.offset = offset


@dataclass(frozen=True)
class Literal:
    value: Any  # str, int, float, bool or None


@dataclass(frozen=True)
class Call:
    name: str  # as written; "ns.fn" for user-defined functions
    args: tuple
    offset: int = 0


@dataclass(frozen=True)
class Member:
    obj: "Node"
    name: str  # .name


@dataclass(frozen=True)
class Index:
    obj: "Node"
    index: "Node"  # [expr]


Node = Union[Literal, Call, Member, Index]


def is_expression(text: Any) -> bool:
    return isinstance(text, str) and len(text) >= 2 and text[0] == "[" and text[-1] == "]" and text[1] != "["


def unescape(text: str) -> str:
    """The value of a JSON string that is not an expression (``[[x]`` -> ``[x]``)."""
    if text.startswith("[[") and text.endswith("]"):
        return text[1:]
    return text


def parse(text: str) -> Node:
    """Parse an expression string, brackets included: ``"[concat('a', 'b')]"``."""
    if not is_expression(text):
        raise ExpressionError("not an expression", 0)
    parser = _Parser(text[1:-1])
    node = parser.expression(0)
    parser.skip_ws()
    if parser.pos != len(parser.text):
        parser.fail(f"unexpected {parser.text[parser.pos]!r}")
    return node


_IDENT_START = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$")
_IDENT_CHARS = _IDENT_START | set("0123456789")
_DIGITS = set("0123456789")
_LITERAL_NAMES = {"true": True, "false": False, "null": None}


class _Parser:
    def __init__(self, text: str):
        from ..limits import current

        self.text = text
        self.pos = 0
        self.max_depth = current().nesting_depth  # deeper is an error, never a RecursionError

    def fail(self, message: str) -> None:
        raise ExpressionError(message, self.pos)

    def skip_ws(self) -> None:
        text, pos = self.text, self.pos
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        self.pos = pos

    def peek(self) -> str:
        self.skip_ws()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def expect(self, ch: str) -> None:
        if self.peek() != ch:
            found = repr(self.text[self.pos]) if self.pos < len(self.text) else "the end"
            self.fail(f"expected {ch!r}, found {found}")
        self.pos += 1

    def expression(self, depth: int) -> Node:
        if depth > self.max_depth:
            self.fail(f"expression nested more than {self.max_depth} levels deep (limits.nesting_depth)")
        node = self.primary(depth)
        while True:
            ch = self.peek()
            if ch == ".":
                self.pos += 1
                self.skip_ws()
                name = self.identifier()
                if name is None:
                    self.fail("expected a property name after '.'")
                node = Member(node, name)
            elif ch == "[":
                self.pos += 1
                index = self.expression(depth + 1)
                self.expect("]")
                node = Index(node, index)
            else:
                return node

    def identifier(self) -> Optional[str]:
        text, start = self.text, self.pos
        if start >= len(text) or text[start] not in _IDENT_START:
            return None
        pos = start + 1
        while pos < len(text) and text[pos] in _IDENT_CHARS:
            pos += 1
        self.pos = pos
        return text[start:pos]

    def primary(self, depth: int) -> Node:
        ch = self.peek()
        if ch == "'":
            return Literal(self.string())
        if ch in _DIGITS or (ch in "-+" and self.pos + 1 < len(self.text) and self.text[self.pos + 1] in _DIGITS):
            return Literal(self.number())
        start = self.pos
        name = self.identifier()
        if name is None:
            self.fail("expected a function call, a 'string' or a number" if ch else "unexpected end of expression")
        # a user-defined function is called as namespace.name(...)
        save = self.pos
        if self.peek() == ".":
            self.pos += 1
            self.skip_ws()
            member = self.identifier()
            if member is not None and self.peek() == "(":
                name = f"{name}.{member}"
            else:
                self.pos = save
        if self.peek() != "(":
            if name.lower() in _LITERAL_NAMES:  # lenient: bare true / false / null
                return Literal(_LITERAL_NAMES[name.lower()])
            self.pos = start
            self.fail(f"expected '(' after function name {name!r}")
        self.pos += 1
        args = []
        if self.peek() == ")":
            self.pos += 1
            return Call(name, tuple(args), start)
        while True:
            args.append(self.expression(depth + 1))
            ch = self.peek()
            if ch == ",":
                self.pos += 1
                continue
            if ch == ")":
                self.pos += 1
                return Call(name, tuple(args), start)
            self.fail(f"expected ',' or ')' in the arguments of {name}()")

    def string(self) -> str:
        text = self.text
        pos = self.pos + 1
        out = []
        while True:
            end = text.find("'", pos)
            if end < 0:
                self.fail("unterminated string")
            out.append(text[pos:end])
            if end + 1 < len(text) and text[end + 1] == "'":  # '' is one quote
                out.append("'")
                pos = end + 2
                continue
            self.pos = end + 1
            return "".join(out)

    def number(self) -> Any:
        text, start = self.text, self.pos
        pos = start + 1 if text[start] in "-+" else start
        while pos < len(text) and text[pos] in _DIGITS:
            pos += 1
        is_float = pos < len(text) and text[pos] == "." and pos + 1 < len(text) and text[pos + 1] in _DIGITS
        if is_float:
            pos += 1
            while pos < len(text) and text[pos] in _DIGITS:
                pos += 1
        literal = text[start:pos]
        if is_float:
            self.pos = pos
            return float(literal)
        digits = literal.lstrip("-+")
        # the template language's integers are 64-bit, as Bicep's (BCP010): a longer literal is no number
        if len(digits.lstrip("0")) > 19 or not -(1 << 63) <= int(literal) < 1 << 63:
            self.fail(f"the integer {digits[:24]}{'...' if len(digits) > 24 else ''} does not fit 64 bits")
        self.pos = pos
        return int(literal)
