"""The HCL syntax tree: what :mod:`exvlint.terraform.hcl` parses Terraform files into.

Expressions (literals, templates with their ``%{if}`` / ``%{for}`` directives, names, attribute and
index access, splats, calls, tuples, objects, conditionals, operators, ``for`` expressions) and
the file structure (attributes, blocks, bodies, comments). Every node keeps the line and column it
starts on; attributes and blocks keep their full span. Slotted dataclasses keep the tree of a
large configuration small.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional


class HCLSyntaxError(Exception):
    def __init__(self, message: str, line: int = 0, col: int = 0):
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col


@dataclass(slots=True)
class Expr:
    line: int = field(default=0, kw_only=True)
    col: int = field(default=0, kw_only=True)


@dataclass(slots=True)
class Literal(Expr):
    value: Any


@dataclass(slots=True)
class Template(Expr):
    """A string template: parts are ``str`` literals or expressions or directives."""

    parts: list


@dataclass(slots=True)
class TemplateIf:
    cond: Expr
    then: list
    other: list


@dataclass(slots=True)
class TemplateFor:
    key_var: Optional[str]
    val_var: str
    coll: Expr
    body: list


@dataclass(slots=True)
class Name(Expr):
    name: str


@dataclass(slots=True)
class GetAttr(Expr):
    obj: Expr
    name: str


@dataclass(slots=True)
class Index(Expr):
    obj: Expr
    key: Expr


@dataclass(slots=True)
class Splat(Expr):
    """``obj[*].a.b`` or ``obj.*.a``: ``ops`` applied to every element."""

    obj: Expr
    ops: list  # list of ("attr", name) | ("index", Expr)
    full: bool


@dataclass(slots=True)
class Call(Expr):
    name: str
    args: list
    expand_last: bool = False


@dataclass(slots=True)
class TupleExpr(Expr):
    items: list


@dataclass(slots=True)
class ObjectExpr(Expr):
    items: list  # list[(key Expr, value Expr)]; bare identifiers as keys are Literal strings


@dataclass(slots=True)
class Conditional(Expr):
    cond: Expr
    then: Expr
    other: Expr


@dataclass(slots=True)
class Binary(Expr):
    op: str
    left: Expr
    right: Expr


@dataclass(slots=True)
class Unary(Expr):
    op: str
    operand: Expr


@dataclass(slots=True)
class ForExpr(Expr):
    key_var: Optional[str]
    val_var: str
    coll: Expr
    value: Expr
    key: Optional[Expr]  # set for object ``for``
    cond: Optional[Expr]
    grouping: bool = False


@dataclass(slots=True)
class Attribute:
    name: str
    expr: Expr
    line: int
    col: int
    end_line: int
    end_col: int
    path: str = ""  # set when it comes from another file than its block (an override file)


@dataclass(slots=True)
class Block:
    type: str
    labels: list
    body: "Body"
    line: int
    col: int
    end_line: int
    end_col: int
    synthetic: bool = False  # a .tf.json object read as a nested block (it is also an attribute)
    path: str = ""  # set when it comes from another file than its parent (an override file)


@dataclass(slots=True)
class Body:
    attributes: dict = field(default_factory=dict)  # name -> Attribute
    blocks: list = field(default_factory=list)  # list[Block]


@dataclass(slots=True)
class Comment:
    line: int
    text: str


@dataclass(slots=True)
class ParsedFile:
    path: str
    body: Body
    comments: list
