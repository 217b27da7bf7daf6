"""HCL front end: HCL text turned into a small expression AST with positions.

The parser is tree-sitter's HCL grammar (a C parser; python-hcl2's pure-Python lark parser took
about 90% of a cold run). Its concrete syntax tree is converted at once into the classes of
:mod:`exvlint.terraform.syntax` and dropped, so only the compact AST lives on. Every node keeps the line and column it starts on;
attributes and blocks keep their full span. The test suite keeps python-hcl2 as the reference
parser and checks that both yield the same AST (``tests/hcl_reference.py``).
"""
from __future__ import annotations

import gc
import re
import sys
from typing import Any, Optional

from . import templates
from .syntax import (Attribute, Binary, Block, Body, Call, Comment, Conditional, Expr, ForExpr, GetAttr,
                     HCLSyntaxError, Index, Literal, Name, ObjectExpr, ParsedFile, Splat, Template, TemplateFor,
                     TemplateIf, TupleExpr, Unary)


_intern = sys.intern
_PARSER: Any = None


def _parser() -> Any:
    """The tree-sitter parser, built on first use (the imports cost ~10 ms)."""
    global _PARSER, _WHOLE
    if _PARSER is None:
        import tree_sitter
        import tree_sitter_hcl

        _PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))
        _WHOLE = _PARSER.included_ranges[0]
    return _PARSER


# tree-sitter's tree takes about 64 bytes per byte of source: a large file is parsed in pieces of about
# this size, each converted and dropped before the next (an 8 MB file peaked at 600 MB whole)
PIECE_BYTES = 1 << 19


def parse_hcl(text: str, path: str = "<string>") -> ParsedFile:
    """Parse HCL text; raises HCLSyntaxError with line and column on bad input."""
    if not text.endswith("\n"):
        text += "\n"
    src = text.encode("utf-8", "surrogatepass")
    # tree-sitter-hcl accepts an exponent only after a fraction (1.5e3), HCL also after an integer
    # (1e9): the parser reads such a number as digits of the same length, and the converter takes every
    # token's text, that number's included, from the source as written
    parsed_src = _INT_EXPONENT.sub(lambda m: b"1" * len(m.group(0)), src) if b"e" in src or b"E" in src else src
    # the AST has no reference cycles: the cyclic collector would only rescan it, again and again
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        if len(parsed_src) > PIECE_BYTES:
            body, comments = Body(), []
            try:
                for piece in _pieces(parsed_src):
                    _convert_piece(_Converter(src, text), parsed_src, piece, body, comments)
                return ParsedFile(path, body, comments)
            except HCLSyntaxError:
                pass  # a cut inside something, or a broken file: read whole, as the error must be said
        body, comments = Body(), []
        _convert_piece(_Converter(src, text), parsed_src, None, body, comments)
    finally:
        if gc_was_enabled:
            gc.enable()
    return ParsedFile(path, body, comments)


def _convert_piece(conv: "_Converter", parsed_src: bytes, piece: Optional[tuple], body: Body, comments: list) -> None:
    """Parse ``piece`` of the file (None: all of it) into ``body`` and ``comments``; its tree is gone
    when this returns."""
    root = _parse_piece(parsed_src, piece)
    if root.has_error:
        raise conv.syntax_error(root)
    comments += _comments(root, conv.src, *(piece or (0, len(conv.src))))
    for child in _children(root):
        if child.type == "body":
            conv.fill_body(child, body)


# a line that is only a closing brace at the start of a line: where a top-level block usually ends
_BLOCK_END = re.compile(rb"^\}[ \t\r]*\n", re.M)


def _pieces(src: bytes) -> list:
    """(start byte, end byte) of pieces of about PIECE_BYTES, cut after a line holding only ``}``. A cut
    that falls inside something (a heredoc, a comment, a badly indented block) leaves it open in the
    piece before, which then has a syntax error: the whole file is then parsed at once after all."""
    out, start = [], 0
    while len(src) - start > PIECE_BYTES:
        m = _BLOCK_END.search(src, start + PIECE_BYTES)
        if m is None:
            break
        out.append((start, m.end()))
        start = m.end()
    out.append((start, len(src)))
    return out


def _parse_piece(src: bytes, piece: Optional[tuple]) -> Any:
    """The tree of ``src``, or of its bytes ``piece`` only (positions stay the whole file's)."""
    parser = _parser()
    if piece is None:
        return parser.parse(src).root_node
    import tree_sitter

    start, end = piece
    row = src.count(b"\n", 0, start)
    parser.included_ranges = [tree_sitter.Range((row, 0), (row + src.count(b"\n", start, end), 0), start, end)]
    try:
        return parser.parse(src).root_node
    finally:
        parser.included_ranges = [_WHOLE]


_WHOLE: Any = None


_COMMENT_START = re.compile(rb"#|//|/\*")
_INT_EXPONENT = re.compile(rb"(?<![\w.$])[0-9]+[eE][+-]?[0-9]+(?![\w.])")
_NUMERIC_LIT = re.compile(r"[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")  # HCL native syntax spec, NumericLit


def _comments(root: Any, src: bytes, start: int = 0, end: Optional[int] = None) -> list:
    """Every comment (between ``start`` and ``end``), wherever it is: each place that could open one is
    looked up in the tree."""
    out = []
    covered = 0  # a comment's own text may hold more comment markers
    for m in _COMMENT_START.finditer(src, start, len(src) if end is None else end):
        start = m.start()
        if start < covered:
            continue
        node = root.descendant_for_byte_range(start, start + 1)
        if node is not None and node.type == "comment" and node.start_byte == start:
            covered = node.end_byte
            out.append(Comment(node.start_point[0] + 1, src[start:covered].decode("utf-8", "surrogatepass").strip()))
    return out


def parse_expression(text: str, line_offset: int = 0, parse: Any = None) -> Expr:
    """Parse one expression (used for template interpolations and ``--var`` values).

    ``parse`` is the file parser to use (default: ``parse_hcl``; the tests pass their reference)."""
    parsed = (parse or parse_hcl)("__x = (\n" + text + "\n)\n")
    expr = parsed.body.attributes["__x"].expr
    if line_offset:
        _shift_lines(expr, line_offset - 2)
    return expr


def _shift_lines(node: Any, delta: int) -> None:
    if isinstance(node, Expr):
        node.line = max(1, node.line + delta)
        for name in _fields(type(node)):
            _shift_lines(getattr(node, name), delta)
    elif isinstance(node, (list, tuple)):
        for v in node:
            _shift_lines(v, delta)
    elif isinstance(node, (TemplateIf, TemplateFor)):
        for name in _fields(type(node)):
            _shift_lines(getattr(node, name), delta)


def _fields(cls: type) -> tuple:
    return tuple(n for klass in cls.__mro__ for n in getattr(klass, "__slots__", ()) if n not in ("line", "col"))


_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
# a quoted string's literal text: backslash escapes, and $${ / %%{ for a literal ${ / %{
_QUOTED_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)|([$%])\2\{")


def _unescape_quoted(text: str) -> str:
    if "\\" not in text and "{" not in text:
        return text

    def repl(m: re.Match) -> str:
        s = m.group(1)
        if s is None:
            return m.group(2) + "{"
        if s[0] in "uU" and len(s) > 1:
            return chr(int(s[1:], 16))
        return _ESCAPES.get(s, "\\" + s)

    return _QUOTED_RE.sub(repl, text)


class _Converter:
    """tree-sitter's concrete syntax tree -> the AST above (positions 1-based, columns in characters)."""

    def __init__(self, src: bytes, text: str):
        from ..limits import current

        self.src = src
        self.depth = 0  # expressions inside each other, against limits.nesting_depth
        self.max_depth = current().nesting_depth
        # tree-sitter counts columns in bytes; only non-ASCII lines need converting to characters
        self.lines = None if text.isascii() else src.split(b"\n")

    def pos(self, point: Any) -> tuple:
        row, col = point
        if self.lines is not None and col:
            col = len(self.lines[row][:col].decode("utf-8", "replace"))
        return row + 1, col + 1

    def text(self, node: Any) -> str:
        return self.src[node.start_byte:node.end_byte].decode("utf-8", "surrogatepass")

    # -- errors
    def syntax_error(self, root: Any) -> HCLSyntaxError:
        node = _first_error(root) or root
        if node.is_missing and node.type in ("quoted_template_end", "heredoc_identifier") and node.parent is not None:
            # an unclosed string or heredoc: where it opens, not where the file ends
            what = "string" if node.type == "quoted_template_end" else "heredoc"
            return HCLSyntaxError(f"invalid HCL syntax: unterminated {what}", *self.pos(node.parent.start_point))
        line, col = self.pos(node.start_point)
        last_line = self.src.count(b"\n")
        line = min(line, last_line) if last_line else line
        if node.is_missing:
            return HCLSyntaxError(f"invalid HCL syntax: missing {node.type!r}", line, col)
        found = self.text(node).strip().split("\n")[0].strip()
        if not found:
            return HCLSyntaxError("invalid HCL syntax (unexpected end of input or unclosed block)", line, col)
        return HCLSyntaxError(f"invalid HCL syntax near {found[:40]!r}", line, col)

    # -- structure
    def fill_body(self, node: Any, body: Body) -> None:
        for child in _children(node):
            kind = child.type
            if kind == "attribute":
                attr = self.attribute(child)
                if attr.name in body.attributes or any(b.type == attr.name for b in body.blocks):
                    raise HCLSyntaxError(f"{attr.name!r} is defined twice in this block (Terraform rejects this)",
                                         attr.line, attr.col)
                body.attributes[attr.name] = attr
            elif kind == "block":
                block = self.block(child)
                if block.type in body.attributes:
                    raise HCLSyntaxError(f"{block.type!r} is both an argument and a nested block here (Terraform "
                                         "rejects this)", block.line, block.col)
                body.blocks.append(block)

    def attribute(self, node: Any) -> Attribute:
        children = node.children
        first = children[0]
        name = _intern(self.src[first.start_byte:first.end_byte].decode("utf-8", "surrogatepass"))
        expr_node = children[2] if len(children) == 3 else [c for c in children if c.type == "expression"][-1]
        if self.lines is None:
            (line, col), (end_line, end_col) = node.start_point, node.end_point
            return Attribute(name, self.expr(expr_node), line + 1, col + 1, end_line + 1, end_col + 1)
        line, col = self.pos(node.start_point)
        end_line, end_col = self.pos(node.end_point)
        return Attribute(name, self.expr(expr_node), line, col, end_line, end_col)

    def block(self, node: Any) -> Block:
        names = []
        body = Body()
        row = node.start_point[0]
        for child in node.children:
            kind = child.type
            if kind in ("identifier", "string_lit", "block_start") and child.start_point[0] != row:
                # tree-sitter reads over newlines here; HCL wants the type, labels and { on one line
                line, col = self.pos(child.start_point)
                raise HCLSyntaxError(f"invalid HCL syntax near {self.text(child)[:40]!r}: a block's labels and "
                                     "its { must be on the line of its type", line, col)
            if kind == "identifier":
                names.append(_intern(self.text(child)))
            elif kind == "string_lit":
                names.append(_intern(self.string_value(child)))
            elif kind == "body":
                self.fill_body(child, body)
        line, col = self.pos(node.start_point)
        end_line, end_col = self.pos(node.end_point)
        return Block(names[0], names[1:], body, line, col, end_line, end_col)

    def string_value(self, node: Any) -> str:
        """A label or key: the literal text between the quotes."""
        children = node.children
        raw = self.src[children[0].end_byte:children[-1].start_byte].decode("utf-8", "surrogatepass")
        if "\n" in raw:
            raise self.unterminated(node)
        return _unescape_quoted(raw)

    def unterminated(self, node: Any) -> HCLSyntaxError:
        # tree-sitter's grammar lets a quoted string run over lines; HCL ends it at the newline
        return HCLSyntaxError("invalid HCL syntax: unterminated string (a quoted string cannot span lines)",
                              *self.pos(node.start_point))

    # -- expressions
    def expr(self, node: Any) -> Expr:
        """An ``expression`` node: a term, optionally parenthesised, then postfix operators."""
        children = node.children
        if len(children) == 1:  # most expressions: one term
            return self.term(children[0])
        return self.sequence([c for c in children if c.type != "comment"], node)

    def sequence(self, children: list, node: Any) -> Expr:
        """A term, maybe in parentheses, and its postfix operators (operands of operations come like this)."""
        if children[0].type == "(":
            first = self.expr(children[1])
            rest = children[3:]
        else:
            first = self.term(children[0])
            rest = children[1:]
        return self.postfix(first, rest, node) if rest else first

    def postfix(self, obj: Expr, ops: list, node: Any) -> Expr:
        line, col = self.pos(node.start_point)
        for op in ops:
            kind = op.type
            if kind == "get_attr":
                obj = GetAttr(obj, _intern(self.text(op.children[-1])), line=line, col=col)
            elif kind == "index":
                obj = Index(obj, self.index_key(op.children[0]), line=line, col=col)
            elif kind == "splat":
                inner = op.children[0]
                ops_ = []
                for sub in inner.named_children:
                    if sub.type == "get_attr":
                        ops_.append(("attr", _intern(self.text(sub.children[-1]))))
                    elif sub.type == "index":
                        ops_.append(("index", self.index_key(sub.children[0])))
                obj = Splat(obj, ops_, inner.type == "full_splat", line=line, col=col)
            elif kind == "comment":
                continue
            else:
                raise HCLSyntaxError(f"unsupported expression {kind}", *self.pos(op.start_point))
        return obj

    def index_key(self, node: Any) -> Expr:
        if node.type == "legacy_index":  # x.0 (a comment may sit between the dot and the number)
            digits = re.search(r"[0-9]+\s*$", self.text(node))
            if digits is None:
                raise HCLSyntaxError("invalid HCL syntax: a legacy index needs a number", *self.pos(node.start_point))
            try:
                return Literal(int(digits.group(0)))
            except ValueError:  # past Python's digit limit for int(): an index no list has
                return Literal(float(digits.group(0)))
        return self.expr([c for c in node.children if c.type == "expression"][0])

    def term(self, node: Any) -> Expr:
        handler = _TERMS.get(node.type)
        if handler is None:
            raise HCLSyntaxError(f"unsupported expression {node.type}", *self.pos(node.start_point))
        self.depth += 1
        if self.depth > self.max_depth:  # before Python's own recursion limit, at the place it happens
            raise HCLSyntaxError(f"expressions nested more than {self.max_depth} levels deep "
                                 "(limits.nesting_depth); not read", *self.pos(node.start_point))
        try:
            result = handler(self, node)
        finally:
            self.depth -= 1
        if not result.line:
            if self.lines is None:
                row, col = node.start_point
                result.line, result.col = row + 1, col + 1
            else:
                result.line, result.col = self.pos(node.start_point)
        return result

    def t_expression(self, node: Any) -> Expr:
        return self.expr(node)

    def t_literal_value(self, node: Any) -> Expr:
        inner = node.children[0]
        kind = inner.type
        if kind == "numeric_lit":
            raw = self.text(inner)
            if not _NUMERIC_LIT.fullmatch(raw):  # the grammar also takes 0x10, which HCL's spec does not
                raise HCLSyntaxError(f"invalid number {raw[:40]!r}: HCL numbers are decimal",
                                     *self.pos(inner.start_point))
            if raw.isdigit():
                try:
                    return Literal(int(raw))
                except ValueError:  # past Python's digit limit for int(): as large as a float gets
                    return Literal(float(raw))
            value = float(raw)
            return Literal(int(value) if value.is_integer() and "e" not in raw.lower() else value)
        if kind == "bool_lit":
            return Literal(self.text(inner) == "true")
        if kind == "null_lit":
            return Literal(None)
        if kind == "string_lit":
            value = self.string_value(inner)
            return Template([value] if value else [])
        raise HCLSyntaxError(f"unsupported literal {kind}", *self.pos(inner.start_point))

    def t_variable_expr(self, node: Any) -> Expr:
        return Name(_intern(self.text(node.children[0])))

    def t_collection_value(self, node: Any) -> Expr:
        inner = node.children[0]
        line, col = self.pos(inner.start_point)
        if inner.type == "tuple":
            return TupleExpr([self.expr(c) for c in inner.children if c.type == "expression"], line=line, col=col)
        items = []
        for elem in inner.children:
            if elem.type != "object_elem":
                continue
            key_node, value_node = [c for c in elem.children if c.type == "expression"]
            items.append((self.object_key(key_node), self.expr(value_node)))
        return ObjectExpr(items, line=line, col=col)

    def object_key(self, node: Any) -> Expr:
        children = [c for c in node.children if c.type != "comment"]
        if len(children) == 1 and children[0].type == "variable_expr":
            return Literal(_intern(self.text(children[0])))  # a bare identifier is a literal key
        return self.expr(node)

    def t_template_expr(self, node: Any) -> Expr:
        inner = node.children[0]
        if inner.type == "quoted_template":
            return self.quoted(inner)
        return self.heredoc(inner)

    def quoted(self, node: Any) -> Expr:
        line, col = self.pos(node.start_point)
        parts: list = []
        children = node.children
        cursor = self.template_parts(children[1:-1], children[0].end_byte, parts, False)
        self.literal_part(cursor, children[-1].start_byte, parts, False)
        if any(isinstance(p, str) and "\n" in p for p in parts) and "\n" in self.literal_text(node):
            raise self.unterminated(node)
        return Template(templates.assemble_directives(_join_literals(parts), line), line=line, col=col)

    def literal_text(self, node: Any) -> str:
        """The raw literal text of a quoted template (escapes not applied, interpolations left out)."""
        return "".join(self.text(c) for c in node.children if c.type == "template_literal") + "".join(
            self.literal_text(c) for c in node.children if c.type in ("template_directive", "template_if",
                                                                      "template_for"))

    def literal_part(self, start: int, end: int, parts: list, heredoc: bool) -> None:
        if end > start:
            raw = self.src[start:end].decode("utf-8", "surrogatepass")
            parts.append(raw if heredoc else _unescape_quoted(raw))

    def template_parts(self, children: list, cursor: int, parts: list, heredoc: bool) -> int:
        """Flat parts (str, Expr, directive tuples) of a template's children; returns the byte reached."""
        for child in children:
            kind = child.type
            if kind in ("template_literal", "comment"):
                continue
            self.literal_part(cursor, child.start_byte, parts, heredoc)
            cursor = child.end_byte
            if kind == "template_interpolation":
                sub = child.children
                strip_left = len(sub) > 1 and sub[1].type == "strip_marker"
                strip_right = len(sub) > 2 and sub[-2].type == "strip_marker"
                if strip_left and parts and isinstance(parts[-1], str):
                    parts[-1] = parts[-1].rstrip()
                exprs = [c for c in sub if c.type == "expression"]
                if not exprs:
                    raise HCLSyntaxError("empty template interpolation", *self.pos(child.start_point))
                parts.append(self.expr(exprs[0]))
                if strip_right:
                    parts.append(_STRIP_NEXT)
            elif kind == "template_directive":
                cursor = self.template_parts(child.children, child.start_byte, parts, heredoc)
            elif kind in ("template_if", "template_for"):
                cursor = self.template_parts(child.children, child.start_byte, parts, heredoc)
            elif kind in ("template_if_intro", "template_else_intro", "template_if_end", "template_for_start",
                          "template_for_end"):
                self.directive(child, parts)
            else:
                raise HCLSyntaxError(f"unsupported template part {kind}", *self.pos(child.start_point))
        return cursor

    def directive(self, node: Any, parts: list) -> None:
        sub = node.children
        if len(sub) > 1 and sub[1].type == "strip_marker" and parts and isinstance(parts[-1], str):
            parts[-1] = parts[-1].rstrip()
        kind = node.type
        if kind == "template_if_intro":
            parts.append(("if", self.expr([c for c in sub if c.type == "expression"][0])))
        elif kind == "template_for_start":
            idents = [self.text(c) for c in sub if c.type == "identifier"]
            parts.append(("for", idents, self.expr([c for c in sub if c.type == "expression"][0])))
        else:
            parts.append(({"template_else_intro": "else", "template_if_end": "endif",
                           "template_for_end": "endfor"}[kind],))
        if len(sub) > 2 and sub[-2].type == "strip_marker":
            parts.append(_STRIP_NEXT)

    def heredoc(self, node: Any) -> Expr:
        line, col = self.pos(node.start_point)
        children = node.children
        trim = self.text(children[0]).startswith("<<-")
        idents = [c for c in children if c.type == "heredoc_identifier"]
        start = self.src.index(b"\n", idents[0].end_byte) + 1
        end = self.src.rfind(b"\n", 0, idents[-1].start_byte) + 1 if len(idents) > 1 else start
        body_lines = self.src[start:max(start, end)].decode("utf-8", "surrogatepass").split("\n")[:-1]
        if trim:
            indents = [len(l) - len(l.lstrip(" \t")) for l in body_lines if l.strip()]
            cut = min(indents) if indents else 0
            body_lines = [l[cut:] for l in body_lines]
        text = "\n".join(body_lines) + ("\n" if body_lines else "")
        template = parse_template(text.replace("\r\n", "\n"), line + 1)
        template.col = col
        return template

    def t_function_call(self, node: Any) -> Expr:
        children = node.children
        name = _intern(self.text(children[0]))
        args: list = []
        expand = False
        for c in children:
            if c.type == "function_arguments":
                for a in c.children:
                    if a.type == "expression":
                        args.append(self.expr(a))
                    elif a.type == "ellipsis":
                        expand = True
        return Call(name, args, expand)

    def t_conditional(self, node: Any) -> Expr:
        # tree-sitter-hcl groups `a ? b : c ? d : e` as `(a ? b : c) ? d : e`; HCL groups conditionals
        # to the right, `a ? b : (c ? d : e)`, so a chain is collected and rebuilt from the right
        chain = []  # (then, else) pairs, outermost first
        while True:
            cond, then, other = [x for x in node.children if x.type == "expression"]
            chain.append((then, other))
            inner = [c for c in cond.children if c.type != "comment"]
            if len(inner) != 1 or inner[0].type != "conditional":
                break
            node = inner[0]
        chain.reverse()
        result = self.expr(chain[-1][1])
        for i in range(len(chain) - 1, 0, -1):
            test = chain[i - 1][1]
            line, col = self.pos(test.start_point)
            result = Conditional(self.expr(test), self.expr(chain[i][0]), result, line=line, col=col)
        return Conditional(self.expr(cond), self.expr(chain[0][0]), result)

    def t_operation(self, node: Any) -> Expr:
        inner = node.children[0]
        line, col = self.pos(inner.start_point)
        children = [c for c in inner.children if c.type != "comment"]
        if inner.type == "unary_operation":
            return Unary(self.text(children[0]), self.sequence(children[1:], children[1]), line=line, col=col)
        split = next(i for i, c in enumerate(children) if i and not c.is_named and c.type not in ("(", ")"))
        left = self.sequence(children[:split], inner)
        right_nodes = children[split + 1:]
        right = self.sequence(right_nodes, right_nodes[0])
        return Binary(self.text(children[split]), left, right, line=line, col=col)

    def t_for_expr(self, node: Any) -> Expr:
        inner = node.children[0]
        line, col = self.pos(inner.start_point)
        children = [c for c in inner.children if c.type != "comment"]  # comments may sit anywhere
        intro = next(c for c in children if c.type == "for_intro")
        idents = [self.text(c) for c in intro.children if c.type == "identifier"]
        coll = self.expr([c for c in intro.children if c.type == "expression"][0])
        key_var, val_var = (idents[0], idents[1]) if len(idents) == 2 else (None, idents[0])
        exprs = [c for c in children[2:] if c.type == "expression"]
        cond = None
        for c in children:
            if c.type == "for_cond":
                cond = self.expr([x for x in c.children if x.type == "expression"][0])
        if inner.type == "for_tuple_expr":
            return ForExpr(key_var, val_var, coll, self.expr(exprs[0]), None, cond, line=line, col=col)
        grouping = any(c.type == "ellipsis" for c in children)
        return ForExpr(key_var, val_var, coll, self.expr(exprs[1]), self.expr(exprs[0]), cond, grouping,
                       line=line, col=col)


_TERMS = {name[2:]: fn for name, fn in vars(_Converter).items() if name.startswith("t_")}

_STRIP_NEXT = ("strip",)  # marker: a `~}` strips the whitespace at the start of the next literal


def _join_literals(parts: list) -> list:
    """Apply ``~}`` strip markers to the literal after them."""
    if _STRIP_NEXT not in parts:
        return parts
    out: list = []
    strip = False
    for part in parts:
        if part is _STRIP_NEXT:
            strip = True
            continue
        if strip and isinstance(part, str):
            part = part.lstrip()
            if not part:
                continue
        strip = False
        out.append(part)
    return out


def _children(node: Any):
    """A node's children, without the list ``node.children`` keeps on the node: a body's items are
    dropped once converted (with every node object below them), instead of living as long as the
    tree's root (about 90 bytes of Python objects per byte of a file)."""
    cursor = node.walk()
    if cursor.goto_first_child():
        yield cursor.node
        while cursor.goto_next_sibling():
            yield cursor.node


def _first_error(node: Any) -> Any:
    """The first ERROR or MISSING node in document order (where parsing went wrong)."""
    for child in node.children:
        if child.is_missing:
            return child
        if child.is_error:
            inner = _first_error(child)
            return inner if inner is not None and inner.is_missing else child
        if child.has_error:
            found = _first_error(child)
            if found is not None:
                return found
    return None


def parse_template(text: str, line: int = 1, parse_expr: Any = None) -> Template:
    """Parse template text (heredoc bodies, ``templatefile`` files): ``${expr}`` and ``%{...}``.

    ``parse_expr`` parses each interpolation (default: ``parse_expression``).
    """
    return templates.parse_template(text, line, parse_expr or parse_expression)
