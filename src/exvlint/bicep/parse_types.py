"""Bicep type expressions, a part of the parser (:class:`exvlint.bicep.parse._Parser` inherits
:class:`TypeParsing`).

What follows ``param x``, ``output x``, ``type x =``, a function's parameters and result:
primitive and declared type names, literal and union types, arrays (``T[]``), tuples, object types
with decorated properties, nullable types (``T?``), ``resource<'type@version'>`` and
resource-derived types, and property access into types.
"""
from __future__ import annotations

from .lexer import Token
from .syntax import Lit, TypeExpr


class TypeParsing:
    """Type expressions (a part of :class:`exvlint.bicep.parse._Parser`, whose token cursor it uses)."""

    # -- types
    def type_or_resource(self, allow_bare_resource: bool) -> TypeExpr:
        tok = self.peek()
        if tok.kind == "id" and tok.value == "resource" and self.peek(1).kind != "<":
            self.next()
            line, col = self.pos(tok)
            if self.check("str"):
                return TypeExpr("resource", line, col, value=self.next().value)
            if not allow_bare_resource:
                self.fail("expected the resource type string")
            return TypeExpr("resource", line, col, value=None)
        return self.type_expression()

    def type_expression(self) -> TypeExpr:
        self.enter()
        try:
            tok = self.peek()
            line, col = self.pos(tok)
            members = []
            if self.check("|") or (self.check("nl") and self.peek_after_nl().kind == "|"):
                self.newlines()
                self.next()
            members.append(self.unary_type())
            while self.check("|") or (self.check("nl") and self.peek_after_nl().kind == "|"):
                self.newlines()
                self.next()
                members.append(self.unary_type())
            if len(members) == 1:
                return members[0]
            return TypeExpr("union", line, col, members=members)
        finally:
            self.depth -= 1

    def peek_after_nl(self) -> Token:
        return self.peek_skip_nl()

    def unary_type(self) -> TypeExpr:
        tok = self.peek()
        line, col = self.pos(tok)
        if tok.kind in ("-", "!"):
            self.next()
            inner = self.member_type()
            if tok.kind == "-" and inner.kind == "literal" and isinstance(inner.value, int):
                node = TypeExpr("literal", line, col, value=-inner.value)
            else:
                node = TypeExpr("literal", line, col, value=None) if tok.kind == "!" else inner
        else:
            node = self.member_type()
        while self.check("?") or self.check("!"):
            if self.next().kind == "?":
                node = TypeExpr("nullable", line, col, item=node)
        return node

    def member_type(self) -> TypeExpr:
        node = self.primary_type()
        while True:
            if self.check("["):
                tok = self.next()
                line, col = self.pos(tok)
                if self.check("]"):
                    self.next()
                    node = TypeExpr("array", node.line, node.col, item=node)
                elif self.check("*"):
                    self.next()
                    self.expect("]", "']'")
                    node = TypeExpr("access", line, col, item=node, name="[*]")
                else:
                    index = self.expression()
                    self.expect("]", "']'")
                    node = TypeExpr("access", line, col, item=node, name=index)
                continue
            if self.check("."):
                self.next()
                if self.check("*"):
                    self.next()
                    node = TypeExpr("access", node.line, node.col, item=node, name=".*")
                    continue
                name = self.ident("a property name")
                if self.check("<"):
                    args = self.type_args()
                    node = TypeExpr("parameterized", node.line, node.col, name=name.value, args=args, item=node)
                else:
                    node = TypeExpr("access", node.line, node.col, item=node, name=name.value)
                continue
            return node

    def type_args(self) -> list:
        self.expect("<", "'<'")
        return self.comma_list(">", self.type_expression)

    def primary_type(self) -> TypeExpr:
        tok = self.peek()
        line, col = self.pos(tok)
        if tok.kind == "int":
            self.next()
            return TypeExpr("literal", line, col, value=tok.value)
        if tok.kind == "id" and tok.value in ("true", "false", "null"):
            self.next()
            return TypeExpr("literal", line, col, value={"true": True, "false": False, "null": None}[tok.value])
        if tok.kind in ("str", "strl"):
            s = self.string()
            return TypeExpr("literal", line, col, value=s.value if isinstance(s, Lit) else None)
        if tok.kind == "{":
            return self.object_type()
        if tok.kind == "[":
            self.next()
            members = []
            for _ in self.elements("]"):
                self.decorators()
                members.append(self.type_expression())
            return TypeExpr("tuple", line, col, members=members)
        if tok.kind == "(":
            self.next()
            inner = self.type_expression()
            self.expect(")", "')'")
            return inner
        if tok.kind == "id":
            self.next()
            if self.check("<"):
                return TypeExpr("parameterized", line, col, name=tok.value, args=self.type_args())
            return TypeExpr("name", line, col, name=tok.value)
        self.fail("expected a type")

    def object_type(self) -> TypeExpr:
        tok = self.next()
        line, col = self.pos(tok)
        props, additional = [], None
        for _ in self.elements("}"):
            decorators = self.decorators()
            ktok = self.peek()
            if ktok.kind == "id":
                key = self.next().value
            elif ktok.kind == "str":
                key = self.next().value
            elif ktok.kind == "*":
                self.next()
                key = None
            else:
                self.fail("expected a property name")
            self.expect(":", "':'")
            ptype = self.type_expression()
            ptype.decorators = decorators
            if key is None:
                additional = ptype
            else:
                props.append((key, ptype) + self.pos(ktok))
        return TypeExpr("object", line, col, props=props, additional=additional)
