"""The Bicep syntax tree: small positioned nodes, independent of how the text was parsed.

Every node knows the line and column (1-based) where it starts in its file. Expressions are
kept as written (operators, member access, interpolation); :mod:`exvlint.bicep.lower` turns them
into ARM template expressions.
"""
from __future__ import annotations

from typing import Any, Optional


class Node:
    __slots__ = ("line", "col")

    def __init__(self, line: int = 0, col: int = 0):
        self.line = line
        self.col = col

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__ if k not in ("line", "col"))
        return f"{type(self).__name__}({fields})"


# ----------------------------------------------------------------------------- expressions


class Lit(Node):
    """A string (escapes resolved), integer, boolean or null literal."""

    __slots__ = ("value",)

    def __init__(self, value: Any, line: int = 0, col: int = 0):
        super().__init__(line, col)
        self.value = value


class Interp(Node):
    """An interpolated string: ``parts`` alternate literal text (str) and expressions."""

    __slots__ = ("parts",)

    def __init__(self, parts: list, line: int = 0, col: int = 0):
        super().__init__(line, col)
        self.parts = parts


class Ident(Node):
    __slots__ = ("name",)

    def __init__(self, name: str, line: int = 0, col: int = 0):
        super().__init__(line, col)
        self.name = name


class ArrayLit(Node):
    """``items`` are expressions or :class:`Spread`."""

    __slots__ = ("items",)

    def __init__(self, items: list, line: int = 0, col: int = 0):
        super().__init__(line, col)
        self.items = items


class Prop(Node):
    """``key`` is a str, or an :class:`Interp` for a computed key; the position is the key's."""

    __slots__ = ("key", "value")

    def __init__(self, key: Any, value: Node, line: int = 0, col: int = 0):
        super().__init__(line, col)
        self.key = key
        self.value = value


class ObjectLit(Node):
    """``items`` are :class:`Prop`, :class:`Spread` or nested :class:`ResourceDecl` (in a resource body)."""

    __slots__ = ("items",)

    def __init__(self, items: list, line: int = 0, col: int = 0):
        super().__init__(line, col)
        self.items = items

    def get(self, key: str) -> Optional[Prop]:
        for item in self.items:
            if isinstance(item, Prop) and item.key == key:
                return item
        return None

    def props(self) -> list:
        return [item for item in self.items if isinstance(item, Prop)]


class Spread(Node):
    __slots__ = ("expr",)

    def __init__(self, expr: Node, line: int = 0, col: int = 0):
        super().__init__(line, col)
        self.expr = expr


class Call(Node):
    """``name(args)``; ``base`` is set for ``base.name(args)`` (namespaces, resource methods)."""

    __slots__ = ("name", "args", "base")

    def __init__(self, name: str, args: list, base: Optional[Node] = None, line: int = 0, col: int = 0):
        super().__init__(line, col)
        self.name = name
        self.args = args
        self.base = base


class Member(Node):
    """``base.name``, or ``base.?name`` when ``safe``."""

    __slots__ = ("base", "name", "safe")

    def __init__(self, base: Node, name: str, safe: bool = False, line: int = 0, col: int = 0):
        super().__init__(line, col)
        self.base = base
        self.name = name
        self.safe = safe


class Index(Node):
    """``base[index]``; ``base[?index]`` when ``safe``; ``base[^index]`` when ``from_end``."""

    __slots__ = ("base", "index", "safe", "from_end")

    def __init__(self, base: Node, index: Node, safe: bool = False, from_end: bool = False,
                 line: int = 0, col: int = 0):
        super().__init__(line, col)
        self.base = base
        self.index = index
        self.safe = safe
        self.from_end = from_end


class ResourceAccess(Node):
    """``parent::child``: a nested resource declared inside ``parent``."""

    __slots__ = ("base", "name")

    def __init__(self, base: Node, name: str, line: int = 0, col: int = 0):
        super().__init__(line, col)
        self.base = base
        self.name = name


class Unary(Node):
    __slots__ = ("op", "operand")

    def __init__(self, op: str, operand: Node, line: int = 0, col: int = 0):
        super().__init__(line, col)
        self.op = op
        self.operand = operand


class Binary(Node):
    __slots__ = ("op", "left", "right")

    def __init__(self, op: str, left: Node, right: Node, line: int = 0, col: int = 0):
        super().__init__(line, col)
        self.op = op
        self.left = left
        self.right = right


class Ternary(Node):
    __slots__ = ("cond", "then", "other")

    def __init__(self, cond: Node, then: Node, other: Node, line: int = 0, col: int = 0):
        super().__init__(line, col)
        self.cond = cond
        self.then = then
        self.other = other


class Lambda(Node):
    __slots__ = ("params", "body")

    def __init__(self, params: list, body: Node, line: int = 0, col: int = 0):
        super().__init__(line, col)
        self.params = params
        self.body = body


class For(Node):
    """``[for item in source: body]`` or ``[for (item, index) in source: body]``."""

    __slots__ = ("item", "index", "source", "body")

    def __init__(self, item: Optional[str], index: Optional[str], source: Node, body: Node,
                 line: int = 0, col: int = 0):
        super().__init__(line, col)
        self.item = item
        self.index = index
        self.source = source
        self.body = body


class If(Node):
    """``if (cond) body``: a conditional resource or module body."""

    __slots__ = ("cond", "body")

    def __init__(self, cond: Node, body: Node, line: int = 0, col: int = 0):
        super().__init__(line, col)
        self.cond = cond
        self.body = body


# ----------------------------------------------------------------------------- types


class TypeExpr(Node):
    """A type as written. ``kind``: name (``name``), literal (``value``), union (``members``),
    object (``props`` [(name, TypeExpr, decorators)], ``additional``), tuple (``members``),
    array (``item``), nullable (``item``), resource (``value`` = 'Type@api' or None), access
    (``item`` + ``name``: ``x.y``, ``x[*]``, ``x.*``), parameterized (``name`` + ``args``)."""

    __slots__ = ("kind", "name", "value", "members", "props", "additional", "item", "args", "decorators")

    def __init__(self, kind: str, line: int = 0, col: int = 0, **kw: Any):
        super().__init__(line, col)
        self.kind = kind
        self.name = kw.get("name", "")
        self.value = kw.get("value")
        self.members = kw.get("members", [])
        self.props = kw.get("props", [])
        self.additional = kw.get("additional")
        self.item = kw.get("item")
        self.args = kw.get("args", [])
        self.decorators = kw.get("decorators", [])


# ----------------------------------------------------------------------------- declarations


class Decl(Node):
    """A top-level statement. ``kind`` is the keyword; ``name`` the symbol it declares."""

    __slots__ = ("kind", "name", "name_line", "name_col", "decorators", "type", "value", "path",
                 "existing", "params", "symbols", "alias")

    def __init__(self, kind: str, line: int = 0, col: int = 0, **kw: Any):
        super().__init__(line, col)
        self.kind = kind
        self.name = kw.get("name", "")
        self.name_line = kw.get("name_line", line)
        self.name_col = kw.get("name_col", col)
        self.decorators = kw.get("decorators", [])  # [Call | Ident]
        self.type = kw.get("type")  # TypeExpr (param, output, var, type), 'Type@api' str (resource)
        self.value = kw.get("value")  # default, value, body (ObjectLit | If | For), lambda (func)
        self.path = kw.get("path")  # module path / import source (Lit or Interp)
        self.existing = kw.get("existing", False)
        self.params = kw.get("params", [])  # func: [(name, TypeExpr)]
        self.symbols = kw.get("symbols", [])  # import: [(name, alias, line, col)]
        self.alias = kw.get("alias", "")  # import * as alias

    def decorator(self, name: str) -> Optional[Node]:
        for d in self.decorators:
            dname = d.name if isinstance(d, (Call, Ident)) else ""
            if dname.lower() == name.lower():
                return d
        return None


ResourceDecl = Decl  # a nested resource inside a resource body is a Decl of kind "resource"


class Program(Node):
    """A file's declarations, its comments ``(line, text)`` and the line span of each declaration and
    property, by first line (``spans[line] = (first, last)``), for ``exvlint:ignore`` comments."""

    __slots__ = ("decls", "comments", "spans")

    def __init__(self, decls: list):
        super().__init__(1, 1)
        self.decls = decls
        self.comments: list = []
        self.spans: dict = {}
