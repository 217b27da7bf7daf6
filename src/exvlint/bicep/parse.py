"""Read Bicep source into the syntax tree of :mod:`exvlint.bicep.syntax`.

A hand-written recursive-descent parser over the tokens of :mod:`exvlint.bicep.lexer`, following
the Bicep language as the Bicep compiler reads it (newline-separated declarations, objects and
arrays separated by newlines or commas, ``'...${expr}...'`` interpolation, ``'''`` multi-line
strings, decorators, ``for`` and ``if`` bodies, lambdas, user-defined types and functions,
compile-time imports, ``#disable-next-line`` pragmas). It was chosen over the PyPI parsers by measurement (see
``benchmarks/bicep_parsers.py``): they reject valid current Bicep (nullable and resource-derived
types, ``!`` assertions, typed variables, imports) that this one reads. The first syntax error
raises :class:`BicepSyntaxError` with its line and column; there is no error recovery because a
broken file is reported, not linted.
"""
from __future__ import annotations

import bisect
import re
from typing import Optional

from .lexer import BicepSyntaxError, Token, _Lexer
from .parse_types import TypeParsing
from .syntax import (ArrayLit, Binary, Call, Decl, For, Ident, If, Index, Interp, Lambda, Lit, Member,
                     ObjectLit, Program, Prop, ResourceAccess, Spread, Ternary, Unary)

__all__ = ["parse", "BicepSyntaxError"]

MAX_DEPTH = 100  # nesting of expressions; deeper input is an error with a location, never a RecursionError

DECLARATION_KEYWORDS = {"metadata", "targetScope", "type", "param", "var", "func", "resource", "output",
                        "module", "test", "import", "extension", "provider", "assert", "using", "extends"}


class _Parser(TypeParsing):
    def __init__(self, text: str, params_file: bool = False):
        self.text = text
        self.line_starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]
        lexer = _Lexer(text, self.where)
        self.tokens = lexer.run()
        self.comments = [(self.where(pos)[0], comment) for pos, comment in lexer.comments]
        self.spans: dict = {}  # first line -> (first, last line) of the outermost declaration or property there
        self.i = 0
        self.depth = 0
        self.params_file = params_file

    # -- positions and errors
    def where(self, pos: int) -> tuple:
        i = bisect.bisect_right(self.line_starts, pos) - 1
        return i + 1, pos - self.line_starts[i] + 1

    def fail(self, message: str, tok: Optional[Token] = None) -> None:
        tok = tok or self.peek()
        line, col = self.where(tok.pos)
        found = {"nl": "end of line", "eof": "end of file", "str": "a string", "strl": "a string",
                 "int": "a number"}.get(tok.kind, repr(tok.value) if tok.value is not None else tok.kind)
        raise BicepSyntaxError(f"{message}, found {found}", line, col)

    def pos(self, tok: Token) -> tuple:
        return self.where(tok.pos)

    # -- token access
    def peek(self, k: int = 0) -> Token:
        return self.tokens[min(self.i + k, len(self.tokens) - 1)]

    def peek_skip_nl(self) -> Token:
        j = self.i
        while self.tokens[j].kind == "nl":
            j += 1
        return self.tokens[j]

    def next(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind != "eof":
            self.i += 1
        return tok

    def check(self, kind: str) -> bool:
        return self.tokens[self.i].kind == kind

    def check_kw(self, word: str) -> bool:
        tok = self.tokens[self.i]
        return tok.kind == "id" and tok.value == word

    def expect(self, kind: str, what: str = "") -> Token:
        if not self.check(kind):
            self.fail(f"expected {what or repr(kind)}")
        return self.next()

    def expect_kw(self, word: str) -> Token:
        if not self.check_kw(word):
            self.fail(f"expected '{word}'")
        return self.next()

    def ident(self, what: str = "an identifier") -> Token:
        return self.expect("id", what)

    def newlines(self) -> None:
        while self.tokens[self.i].kind == "nl":
            self.i += 1

    # -- program
    def program(self) -> Program:
        decls = []
        while True:
            self.newlines()
            if self.check("eof"):
                break
            start = self.where(self.peek().pos)[0]  # its first decorator, or its keyword
            decl = self.declaration()
            if decl is not None:
                decls.append(decl)
                self.span(start)
            if not (self.check("nl") or self.check("eof")):
                self.fail("expected a new line after the declaration")
        program = Program(decls)
        program.comments = self.comments
        program.spans = self.spans
        return program

    def span(self, start: int) -> None:
        """Record the construct that starts on line ``start`` and ends with the last token read."""
        end = self.where(self.tokens[max(self.i - 1, 0)].pos)[0]
        if start not in self.spans or self.spans[start][1] < end:
            self.spans[start] = (start, max(end, start))

    def decorators(self) -> list:
        out = []
        while self.check("@"):
            self.next()
            out.append(self.decorator_expr())
            if not self.check("nl"):
                self.fail("expected a new line after the decorator")
            self.newlines()
        return out

    def decorator_expr(self):
        tok = self.ident("a decorator name")
        line, col = self.pos(tok)
        node = self.call_rest(tok.value, None, line, col) if self.check("(") else Ident(tok.value, line, col)
        while self.check("."):
            self.next()
            name = self.ident("a decorator name")
            if self.check("("):
                # @sys.description(...): the namespace does not change what the decorator means
                node = self.call_rest(name.value, None, *self.pos(name))
            else:
                node = Ident(name.value, *self.pos(name))
        return node

    def declaration(self) -> Optional[Decl]:
        decorators = self.decorators()
        tok = self.peek()
        if tok.kind != "id":
            self.fail("expected a declaration (param, var, resource, module, output, ...)")
        kw = tok.value
        method = getattr(self, "decl_" + kw, None) if kw in DECLARATION_KEYWORDS else None
        if method is None:
            self.fail("expected a declaration (param, var, resource, module, output, ...)")
        line, col = self.pos(tok)
        self.next()
        decl = method(line, col)
        if decl is not None:
            decl.decorators = decorators
        return decl

    def _named(self, kind: str, line: int, col: int, **kw) -> Decl:
        name = self.ident(f"a {kind} name")
        nline, ncol = self.pos(name)
        return Decl(kind, line, col, name=name.value, name_line=nline, name_col=ncol, **kw)

    def decl_targetScope(self, line: int, col: int) -> Decl:
        self.expect("=", "'='")
        return Decl("targetScope", line, col, value=self.expression())

    def decl_metadata(self, line: int, col: int) -> Decl:
        decl = self._named("metadata", line, col)
        self.expect("=", "'='")
        decl.value = self.expression()
        return decl

    def decl_param(self, line: int, col: int) -> Decl:
        decl = self._named("param", line, col)
        if self.params_file:  # param name = value
            self.expect("=", "'='")
            decl.value = self.expression()
            return decl
        decl.type = self.type_or_resource(allow_bare_resource=False)
        if self.check("="):
            self.next()
            decl.value = self.expression()
        return decl

    def decl_var(self, line: int, col: int) -> Decl:
        decl = self._named("var", line, col)
        if not self.check("="):
            decl.type = self.type_or_resource(allow_bare_resource=False)
        self.expect("=", "'='")
        decl.value = self.expression()
        return decl

    def decl_output(self, line: int, col: int) -> Decl:
        decl = self._named("output", line, col)
        decl.type = self.type_or_resource(allow_bare_resource=True)
        self.expect("=", "'='")
        decl.value = self.expression()
        return decl

    def decl_type(self, line: int, col: int) -> Decl:
        decl = self._named("type", line, col)
        self.expect("=", "'='")
        decl.type = self.type_expression()
        return decl

    def decl_func(self, line: int, col: int) -> Decl:
        decl = self._named("func", line, col)
        self.expect("(", "'('")
        decl.params = self.comma_list(")", lambda: (self.ident("a parameter name").value, self.type_or_resource(False)))
        decl.type = self.type_or_resource(False)
        self.expect("=>", "'=>'")
        self.newlines()
        decl.value = self.expression()
        return decl

    def decl_resource(self, line: int, col: int) -> Decl:
        decl = self._named("resource", line, col)
        type_tok = self.peek()
        if type_tok.kind != "str":
            self.fail("expected the resource type string ('Namespace/type@apiVersion')")
        self.next()
        decl.type = type_tok.value
        decl.path = Lit(type_tok.value, *self.pos(type_tok))
        if self.check_kw("existing"):
            self.next()
            decl.existing = True
        self.expect("=", "'='")
        decl.value = self.body(resource=True)
        return decl

    def decl_module(self, line: int, col: int) -> Decl:
        decl = self._named("module", line, col)
        if not (self.check("str") or self.check("strl")):
            self.fail("expected the module path string")
        decl.path = self.string()
        self.expect("=", "'='")
        decl.value = self.body(resource=False)
        return decl

    def body(self, resource: bool):
        if self.peek_skip_nl().kind == "id" and self.peek_skip_nl().value == "if":
            self.newlines()
        tok = self.peek()
        if tok.kind == "id" and tok.value == "if":
            return self.if_body(resource)
        if tok.kind == "{":
            return self.object(resource)
        if tok.kind == "[":
            return self.for_expr(body_kind="resource" if resource else "module")
        self.fail("expected '{', 'if' or '[for ...]'")

    def if_body(self, resource: bool) -> If:
        tok = self.next()
        line, col = self.pos(tok)
        if not self.check("("):
            self.fail("expected '(' after 'if'")
        cond = self.paren_expression()
        if not self.check("{"):
            self.fail("expected '{' after the condition")
        return If(cond, self.object(resource), line, col)

    def decl_test(self, line: int, col: int) -> Decl:
        decl = self._named("test", line, col)
        decl.path = self.string()
        self.expect("=", "'='")
        decl.value = self.object(False)
        return decl

    def decl_assert(self, line: int, col: int) -> Decl:
        decl = self._named("assert", line, col)
        self.expect("=", "'='")
        decl.value = self.expression()
        return decl

    def decl_import(self, line: int, col: int) -> Decl:
        tok = self.peek()
        if tok.kind in ("str", "strl"):  # legacy: import 'az@1.0.0' is an extension
            return self.decl_extension(line, col)
        decl = Decl("import", line, col)
        if tok.kind == "{":
            self.next()
            self.newlines()
            while not self.check("}"):
                stok = self.peek()
                if stok.kind == "id":
                    name = self.next().value
                elif stok.kind == "str":
                    name = self.next().value
                else:
                    self.fail("expected the name of an exported symbol")
                alias = name
                if self.check_kw("as"):
                    self.next()
                    alias = self.ident("an alias").value
                decl.symbols.append((name, alias) + self.pos(stok))
                self.newlines()
                if self.check(","):
                    self.next()
                    self.newlines()
            self.next()
        elif tok.kind == "*":
            self.next()
            self.expect_kw("as")
            decl.alias = self.ident("a namespace name").value
        else:
            self.fail("expected '{' or '*' after 'import'")
        self.expect_kw("from")
        decl.path = self.string()
        return decl

    def decl_extension(self, line: int, col: int) -> Decl:
        decl = Decl("extension", line, col)
        if self.check("id"):
            tok = self.next()
            decl.name = tok.value
        else:
            decl.path = self.string()
        if self.check_kw("with"):
            self.next()
            decl.value = self.object(False)
        if self.check_kw("as"):
            self.next()
            decl.alias = self.ident("an alias").value
        return decl

    decl_provider = decl_extension

    def decl_using(self, line: int, col: int) -> Decl:
        decl = Decl("using", line, col)
        if self.check_kw("none"):
            self.next()
        else:
            decl.path = self.string()
        if self.check_kw("with"):
            self.next()
            decl.value = self.object(False)
        return decl

    def decl_extends(self, line: int, col: int) -> Decl:
        decl = Decl("extends", line, col)
        decl.path = self.string()
        return decl

    def comma_list(self, close: str, item) -> list:
        """``item()`` separated by commas (newlines allowed around them) up to ``close``, consumed."""
        out = []
        self.newlines()
        while not self.check(close):
            out.append(item())
            self.newlines()
            if self.check(","):
                self.next()
                self.newlines()
            elif not self.check(close):
                self.fail(f"expected ',' or '{close}'")
        self.next()
        return out

    # -- element lists: newline- or comma-separated, trailing comma allowed
    def elements(self, close: str):
        """Yield once per element (the caller parses it); consumes the closing token."""
        self.newlines()
        while not self.check(close):
            if self.check("eof"):
                self.fail(f"expected '{close}'")
            yield
            if self.check(","):
                self.next()
                self.newlines()
            elif self.check("nl"):
                self.newlines()
            elif not self.check(close):
                self.fail(f"expected a new line, ',' or '{close}'")
        self.next()

    # -- expressions
    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.fail("expression nested too deeply")

    def expression(self):
        self.enter()
        try:
            cond = self.binary(0)
            if self.peek_skip_nl().kind == "?":
                self.newlines()
                qtok = self.next()
                then = self.expression()
                if self.peek_skip_nl().kind == ":":
                    self.newlines()
                self.expect(":", "':' of the conditional expression")
                other = self.expression()
                line, col = cond.line, cond.col
                del qtok
                return Ternary(cond, then, other, line, col)
            return cond
        finally:
            self.depth -= 1

    _PRECEDENCE = {"??": 30, "||": 40, "&&": 50, "==": 70, "!=": 70, "=~": 70, "!~": 70,
                   "<": 80, "<=": 80, ">": 80, ">=": 80, "+": 90, "-": 90, "*": 100, "/": 100, "%": 100}

    def binary(self, min_prec: int):
        left = self.unary()
        while True:
            op = self.peek().kind
            prec = self._PRECEDENCE.get(op, 0)
            if prec <= min_prec:
                return left
            self.next()
            self.enter()
            try:
                right = self.binary(prec)
            finally:
                self.depth -= 1
            left = Binary(op, left, right, left.line, left.col)

    def unary(self):
        tok = self.peek()
        if tok.kind in ("!", "-", "+"):
            self.next()
            line, col = self.pos(tok)
            operand = self.member()
            if tok.kind == "-" and isinstance(operand, Lit) and isinstance(operand.value, int) \
                    and not isinstance(operand.value, bool):
                return Lit(-operand.value, line, col)
            return Unary(tok.kind, operand, line, col)
        return self.member()

    def member(self):
        node = self.primary()
        while True:
            tok = self.peek()
            if tok.kind == "[":
                self.next()
                safe = from_end = False
                if self.check("?"):
                    self.next()
                    safe = True
                if self.check("^"):
                    self.next()
                    from_end = True
                self.newlines()
                index = self.expression()
                self.newlines()
                self.expect("]", "']'")
                node = Index(node, index, safe, from_end, *self.pos(tok))
            elif tok.kind == ".":
                self.next()
                safe = False
                if self.check("?"):
                    self.next()
                    safe = True
                name = self.ident("a property or function name")
                if self.check("("):
                    node = self.call_rest(name.value, node, *self.pos(name))
                else:
                    node = Member(node, name.value, safe, *self.pos(name))
            elif tok.kind == "::":
                self.next()
                name = self.ident("a nested resource name")
                node = ResourceAccess(node, name.value, *self.pos(name))
            elif tok.kind == "!":
                self.next()  # non-null assertion: no runtime meaning
            else:
                return node

    def call_rest(self, name: str, base, line: int, col: int) -> Call:
        self.expect("(", "'('")
        args = []
        self.newlines()
        while not self.check(")"):
            args.append(self.expression())
            if self.check(","):
                self.next()
                self.newlines()
                if self.check(")"):
                    self.fail("expected an argument after ','")
            elif self.peek_skip_nl().kind == ")":
                self.newlines()
            else:
                self.fail("expected ',' or ')'")
        self.next()
        return Call(name, args, base, line, col)

    def primary(self):
        tok = self.peek()
        line, col = self.pos(tok)
        kind = tok.kind
        if kind == "int":
            self.next()
            return Lit(tok.value, line, col)
        if kind in ("str", "strl"):
            return self.string()
        if kind == "{":
            return self.object(False)
        if kind == "[":
            if self.peek_for():
                return self.for_expr(body_kind="any")
            return self.array()
        if kind == "(":
            return self.paren_or_lambda()
        if kind == "id":
            name = tok.value
            if name in ("true", "false", "null"):
                self.next()
                return Lit({"true": True, "false": False, "null": None}[name], line, col)
            self.next()
            if self.check("("):
                return self.call_rest(name, None, line, col)
            if self.check("=>"):
                self.next()
                self.newlines()
                return Lambda([name], self.expression(), line, col)
            return Ident(name, line, col)
        self.fail("expected an expression")

    def peek_for(self) -> bool:
        j = self.i + 1
        while self.tokens[j].kind == "nl":
            j += 1
        return self.tokens[j].kind == "id" and self.tokens[j].value == "for"

    def string(self):
        tok = self.next()
        line, col = self.pos(tok)
        if tok.kind == "str":
            return Lit(tok.value, line, col)
        if tok.kind != "strl":
            self.fail("expected a string", tok)
        parts = [tok.value]
        while True:
            parts.append(self.expression())
            piece = self.next()
            if piece.kind == "strm":
                parts.append(piece.value)
            elif piece.kind == "strr":
                parts.append(piece.value)
                return Interp(parts, line, col)
            else:
                self.fail("expected '}' to close the interpolation", piece)

    def paren_expression(self):
        self.expect("(", "'('")
        self.newlines()
        inner = self.expression()
        self.newlines()
        self.expect(")", "')'")
        return inner

    def paren_or_lambda(self):
        open_tok = self.next()
        line, col = self.pos(open_tok)
        items = self.comma_list(")", self.expression)
        if self.check("=>"):
            if not all(isinstance(x, Ident) for x in items):
                self.fail("lambda parameters must be names", open_tok)
            self.next()
            self.newlines()
            return Lambda([x.name for x in items], self.expression(), line, col)
        if len(items) != 1:
            self.fail("parentheses must hold exactly one expression", open_tok)
        return items[0]

    def array(self) -> ArrayLit:
        tok = self.next()
        items = []
        for _ in self.elements("]"):
            if self.check("..."):
                stok = self.next()
                items.append(Spread(self.expression(), *self.pos(stok)))
            else:
                start = self.where(self.peek().pos)[0]
                items.append(self.expression())
                self.span(start)  # an element (an inline security rule, a subnet) is a construct too
        return ArrayLit(items, *self.pos(tok))

    def object(self, resource_body: bool) -> ObjectLit:
        tok = self.expect("{", "'{'")
        items = []
        for _ in self.elements("}"):
            ktok = self.peek()
            if ktok.kind == "@" or (ktok.kind == "id" and ktok.value == "resource" and self.peek(1).kind == "id"):
                decorators = self.decorators()
                rtok = self.expect_kw("resource")
                decl = self.decl_resource(*self.pos(rtok))
                decl.decorators = decorators
                items.append(decl)
                self.span(self.pos(ktok)[0])
                continue
            if ktok.kind == "...":
                self.next()
                items.append(Spread(self.expression(), *self.pos(ktok)))
                continue
            if ktok.kind == "id":
                key = self.next().value
            elif ktok.kind in ("str", "strl"):
                s = self.string()
                key = s.value if isinstance(s, Lit) else s
            else:
                self.fail("expected a property name")
            self.expect(":", "':' after the property name")
            items.append(Prop(key, self.expression(), *self.pos(ktok)))
            self.span(self.pos(ktok)[0])
        del resource_body
        return ObjectLit(items, *self.pos(tok))

    def for_expr(self, body_kind: str) -> For:
        tok = self.expect("[", "'['")
        line, col = self.pos(tok)
        self.newlines()
        self.expect_kw("for")
        item = index = None
        if self.check("("):
            self.next()
            item = self.ident("the loop item name").value
            self.expect(",", "','")
            index = self.ident("the loop index name").value
            self.expect(")", "')'")
        else:
            item = self.ident("the loop item name").value
        self.expect_kw("in")
        source = self.expression()
        self.expect(":", "':' after the loop source")
        if body_kind == "any":
            body = self.expression()
        else:
            ntok = self.peek()
            if ntok.kind == "id" and ntok.value == "if":
                body = self.if_body(body_kind == "resource")
            elif ntok.kind == "{":
                body = self.object(body_kind == "resource")
            else:
                self.fail("expected '{' or 'if' in the loop body")
        self.newlines()
        self.expect("]", "']' to close the loop")
        return For(item, index, source, body, line, col)


def parse(text: str, path: str = "", params_file: bool = False) -> Program:
    """Parse Bicep source (``params_file``: a ``.bicepparam`` file). Raises :class:`BicepSyntaxError`."""
    if text.startswith("\ufeff"):
        text = text[1:]
    return _Parser(text, params_file).program()
