"""The reference HCL front end: python-hcl2's lark tree turned into exvlint's AST.

This is the converter exvlint used before its tree-sitter front end. The test suite keeps it so a
differential test can prove that both front ends yield the same AST (``test_hcl_differential.py``);
nothing at run time imports it, and python-hcl2 is a test dependency only.
"""
from __future__ import annotations

from typing import Union

from lark import Token, Tree

from exvlint.terraform import hcl
from exvlint.terraform.hcl import _unescape_quoted as _unescape  # the same escapes
from exvlint.terraform.syntax import (Attribute, Block, Body, Call, Comment, Conditional, Expr, ForExpr, GetAttr,
                                      HCLSyntaxError, Index, Literal, Name, ObjectExpr, ParsedFile, Splat, Template,
                                      TupleExpr, Unary, Binary)
from exvlint.terraform.templates import assemble_directives as _assemble_directives, parse_template
from exvlint.terraform.callers import blank_block_comments as _blank_block_comments  # the same lexing


def parse_hcl(text: str, path: str = "<string>") -> ParsedFile:
    """Parse HCL text; raises HCLSyntaxError with line and column on bad input."""
    import hcl2  # imported here: costs ~0.1 s, only paid when HCL is read

    if not text.endswith("\n"):
        text += "\n"
    last_line = text.count("\n")
    # python-hcl2's grammar rejects a /* comment */ in some places HCL allows (right after `=`);
    # block comments become blanks of the same shape, so lines and columns do not move
    text, block_comments = _blank_block_comments(text)
    try:
        tree = hcl2.parses_to_tree(text)
    except Exception as exc:  # lark raises many types; all mean "not valid HCL"
        line = getattr(exc, "line", 0) or 0
        col = getattr(exc, "column", 0) or 0
        line = min(line, last_line) if isinstance(line, int) and line > 0 else 0
        raise HCLSyntaxError(_syntax_message(exc), line, col if isinstance(col, int) and col > 0 else 0) from None
    comments: list = list(block_comments)
    body = _Converter(comments).body(tree.children[0])
    comments.sort(key=lambda c: c.line)
    return ParsedFile(path, body, comments)


def parse_expression(text: str, line_offset: int = 0) -> Expr:
    """One expression, parsed by the reference parser."""
    return hcl.parse_expression(text, line_offset, parse_hcl)


def _syntax_message(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    if "Unexpected token" in first or "Unexpected character" in first or "Unexpected end" in first:
        found = getattr(exc, "token", None) or getattr(exc, "char", None)
        if found is not None and str(found).strip():
            return f"invalid HCL syntax near {str(found).strip()[:40]!r}"
        return "invalid HCL syntax (unexpected end of input or unclosed block)"
    return f"invalid HCL syntax: {first[:200]}"


def _line(node: Union[Tree, Token]) -> int:
    if isinstance(node, Token):
        return node.line or 0
    meta = node.meta
    return getattr(meta, "line", 0) if not meta.empty else 0



def _whole(text: str):
    """An integer literal; past Python's digit limit for int() the front end reads it as a float."""
    try:
        return int(text)
    except ValueError:
        return float(text)

class _Converter:
    def __init__(self, comments: list):
        self.comments = comments

    # -- structure
    def body(self, tree: Tree) -> Body:
        body = Body()
        for child in tree.children:
            if not isinstance(child, Tree):
                continue
            if child.data == "attribute":
                attr = self.attribute(child)
                body.attributes[attr.name] = attr
            elif child.data == "block":
                body.blocks.append(self.block(child))
            elif child.data == "new_line_or_comment":
                self.collect_comments(child)
        return body

    def collect_comments(self, tree: Tree) -> None:
        for tok in tree.children:
            if isinstance(tok, Token):
                raw = str(tok)
                stripped = raw.strip()
                if stripped.startswith(("#", "//", "/*")):
                    # a token may start with the newline before it
                    lead = raw[: raw.index(stripped[0])].count("\n")
                    self.comments.append(Comment((tok.line or 0) + lead, stripped))

    def name_of(self, node: Union[Tree, Token]) -> str:
        if isinstance(node, Token):
            return str(node)
        if node.data in ("identifier", "keyword", "literal_value"):
            return str(node.children[0])
        if node.data == "string":
            return "".join(_unescape(str(p.children[0])) for p in node.children
                           if isinstance(p, Tree) and p.data == "string_part" and isinstance(p.children[0], Token))
        return str(node)

    def attribute(self, tree: Tree) -> Attribute:
        name = self.name_of(tree.children[0])
        expr_node = tree.children[-1]
        m = tree.meta
        return Attribute(name, self.expr(expr_node), m.line, m.column, m.end_line, m.end_column)

    def block(self, tree: Tree) -> Block:
        names = []
        body = None
        for child in tree.children:
            if isinstance(child, Tree):
                if child.data == "body":
                    body = self.body(child)
                elif child.data == "new_line_or_comment":
                    self.collect_comments(child)
                else:
                    names.append(self.name_of(child))
        m = tree.meta
        return Block(names[0], names[1:], body or Body(), m.line, m.column, m.end_line, m.end_column)

    # -- expressions
    def expr(self, node: Union[Tree, Token]) -> Expr:
        if isinstance(node, Token):
            raise HCLSyntaxError(f"unexpected token {node!s}", node.line or 0, node.column or 0)
        handler = getattr(self, "x_" + node.data, None)
        if handler is None:
            raise HCLSyntaxError(f"unsupported expression {node.data}", _line(node))
        result = handler(node)
        if not result.line:
            result.line = _line(node)
        if not result.col and not node.meta.empty:
            result.col = getattr(node.meta, "column", 0) or 0
        return result

    def trees(self, node: Tree) -> list:
        return [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]

    def x_expr_term(self, node: Tree) -> Expr:
        inner = self.trees(node)
        if len(inner) != 1:
            raise HCLSyntaxError("malformed expression", _line(node))
        return self.expr(inner[0])

    def x_int_lit(self, node: Tree) -> Expr:
        return Literal(_whole(str(node.children[0])))

    def x_float_lit(self, node: Tree) -> Expr:
        value = float(str(node.children[0]))
        return Literal(int(value) if value.is_integer() and "e" not in str(node.children[0]).lower() else value)

    def x_literal_value(self, node: Tree) -> Expr:
        return Literal({"true": True, "false": False, "null": None}[str(node.children[0])])

    def x_identifier(self, node: Tree) -> Expr:
        return Name(str(node.children[0]))

    def x_keyword(self, node: Tree) -> Expr:
        return Name(str(node.children[0]))

    def x_string(self, node: Tree) -> Expr:
        raw_parts = []
        for part in node.children:
            if not (isinstance(part, Tree) and part.data == "string_part"):
                continue
            inner = part.children[0]
            if isinstance(inner, Token):
                if inner.type == "ESCAPED_INTERPOLATION":
                    raw_parts.append("${" + str(inner)[3:])
                elif inner.type == "ESCAPED_DIRECTIVE":
                    raw_parts.append("%{" + str(inner)[3:])
                else:
                    raw_parts.append(_unescape(str(inner)))
            elif inner.data == "interpolation":
                raw_parts.append(self.expr(self.trees(inner)[0]))
            else:
                raw_parts.append(self.directive(inner))
        return Template(_assemble_directives(raw_parts, _line(node)))

    def directive(self, node: Tree) -> tuple:
        kind = node.data
        exprs = self.trees(node)
        if kind == "template_if_start":
            return ("if", self.expr(exprs[-1]))
        if kind == "template_for_start":
            idents = [self.name_of(t) for t in exprs if t.data == "identifier"]
            coll = [t for t in exprs if t.data != "identifier"][-1]
            return ("for", idents, self.expr(coll))
        return ({"template_else": "else", "template_endif": "endif", "template_endfor": "endfor"}[kind],)

    def x_template_string(self, node: Tree) -> Expr:
        raw = str(node.children[0])
        return Template([_unescape(raw[2:-2])])

    def x_heredoc_template(self, node: Tree) -> Expr:
        return self.heredoc(str(node.children[0]), False, _line(node))

    def x_heredoc_template_trim(self, node: Tree) -> Expr:
        return self.heredoc(str(node.children[0]), True, _line(node))

    def heredoc(self, raw: str, trim: bool, line: int) -> Expr:
        lines = raw.split("\n")
        body_lines = lines[1:-2]  # drop "<<EOT", closing marker line and trailing ""
        if trim:
            indents = [len(l) - len(l.lstrip(" \t")) for l in body_lines if l.strip()]
            cut = min(indents) if indents else 0
            body_lines = [l[cut:] for l in body_lines]
        text = "\n".join(body_lines) + ("\n" if body_lines else "")
        return parse_template(text.replace("\r\n", "\n"), line + 1, parse_expression)

    def x_tuple(self, node: Tree) -> Expr:
        return TupleExpr([self.expr(c) for c in self.trees(node)])

    def x_object(self, node: Tree) -> Expr:
        items = []
        for elem in self.trees(node):
            key_node, value_node = self.trees(elem)[0], self.trees(elem)[-1]
            key_inner = self.trees(key_node)
            if not key_inner:  # keyword token used as a key
                key = Literal(str(key_node.children[0]))
            else:
                key_tree = key_inner[0]
                simple = key_tree
                while isinstance(simple, Tree) and simple.data == "expr_term" and len(simple.children) == 1:
                    simple = simple.children[0]
                if isinstance(simple, Tree) and simple.data in ("identifier", "keyword"):
                    key = Literal(str(simple.children[0]))  # bare identifiers are literal keys
                else:
                    key = self.expr(key_tree)
            items.append((key, self.expr(value_node)))
        return ObjectExpr(items)

    def x_function_call(self, node: Tree) -> Expr:
        idents = [c for c in node.children if isinstance(c, Tree) and c.data == "identifier"]
        name = "::".join(str(i.children[0]) for i in idents)
        args = []
        expand = False
        for c in node.children:
            if isinstance(c, Tree) and c.data == "arguments":
                args = [self.expr(a) for a in self.trees(c)]
                expand = any(isinstance(t, Token) and t.type == "ELLIPSIS" for t in c.children)
        return Call(name, args, expand)

    def x_get_attr_expr_term(self, node: Tree) -> Expr:
        obj, get = self.trees(node)
        return GetAttr(self.expr(obj), self.name_of(self.trees(get)[0]))

    def x_index_expr_term(self, node: Tree) -> Expr:
        obj, index = self.trees(node)
        return Index(self.expr(obj), self.index_key(index))

    def index_key(self, index: Tree) -> Expr:
        if index.data == "short_index":
            tok = [t for t in index.children if isinstance(t, Token) and t.type == "INT_LITERAL"][0]
            return Literal(_whole(str(tok)))
        return self.expr(self.trees(index)[0])

    def splat(self, node: Tree, full: bool) -> Expr:
        obj, spl = self.trees(node)
        ops = []
        for op in self.trees(spl):
            if op.data == "get_attr":
                ops.append(("attr", self.name_of(self.trees(op)[0])))
            else:
                ops.append(("index", self.index_key(op)))
        return Splat(self.expr(obj), ops, full)

    def x_attr_splat_expr_term(self, node: Tree) -> Expr:
        return self.splat(node, False)

    def x_full_splat_expr_term(self, node: Tree) -> Expr:
        return self.splat(node, True)

    def x_conditional(self, node: Tree) -> Expr:
        c, t, f = self.trees(node)
        return Conditional(self.expr(c), self.expr(t), self.expr(f))

    def x_binary_op(self, node: Tree) -> Expr:
        left, term = self.trees(node)[:2]
        op_node, right = self.trees(term)[:2]
        return Binary(str(op_node.children[0]), self.expr(left), self.expr(right))

    def x_unary_op(self, node: Tree) -> Expr:
        op = str(node.children[0])
        return Unary(op, self.expr(self.trees(node)[0]))

    def _for_intro(self, intro: Tree) -> tuple:
        parts = self.trees(intro)
        idents = [self.name_of(p) for p in parts[:-1]]
        coll = self.expr(parts[-1])
        if len(idents) == 2:
            return idents[0], idents[1], coll
        return None, idents[0], coll

    def x_for_tuple_expr(self, node: Tree) -> Expr:
        parts = self.trees(node)
        key_var, val_var, coll = self._for_intro(parts[0])
        cond = None
        if parts[-1].data == "for_cond":
            cond = self.expr(self.trees(parts[-1])[0])
            parts = parts[:-1]
        return ForExpr(key_var, val_var, coll, self.expr(parts[1]), None, cond)

    def x_for_object_expr(self, node: Tree) -> Expr:
        parts = self.trees(node)
        key_var, val_var, coll = self._for_intro(parts[0])
        cond = None
        if parts[-1].data == "for_cond":
            cond = self.expr(self.trees(parts[-1])[0])
            parts = parts[:-1]
        grouping = any(isinstance(t, Token) and t.type == "ELLIPSIS" for t in node.children)
        return ForExpr(key_var, val_var, coll, self.expr(parts[2]), self.expr(parts[1]), cond, grouping)


