"""Bicep expressions as ARM expressions, and Bicep values in JSON positions.

Part of the lowering of one Bicep file (:class:`exvlint.bicep.lower._File` inherits
:class:`ExpressionLowering`): interpolation becomes ``format()``, operators their ARM functions,
``a.?b`` ``tryGet``, parameters and variables ``parameters('x')`` / ``variables('x')``, loops
``copy`` specs (in JSON positions) or ``map()`` (inside expressions), and the compile-time file
functions (``loadTextContent`` & co.) read files inside the scanned tree only.
"""
from __future__ import annotations

import base64
import json
import os
from typing import Any, Optional

from ..files import read_source
from ..jsonpos import PosDict
from . import armexpr as A
from .armexpr import Fn, Tok, append, fn
from .files import read_bytes_in_tree
from .positioned import _add, _expr_string, _literal_string, _pd, _pl, _positioned, _put, unknown
from .references import _NESTED, _namespace
from .syntax import (ArrayLit, Binary, Call, For, Ident, If, Index, Interp, Lambda, Lit, Member, ObjectLit, Prop,
                     ResourceAccess, Spread, Ternary, Unary)

_BINARY = {"&&": "and", "||": "or", "==": "equals", "<": "less", "<=": "lessOrEquals", ">": "greater",
           ">=": "greaterOrEquals", "+": "add", "-": "sub", "*": "mul", "/": "div", "%": "mod", "??": "coalesce"}


def _is_access(node: Any) -> bool:
    if isinstance(node, (Member, Index)):
        return True
    if isinstance(node, Call) and node.name == "any" and len(node.args) == 1:
        return _is_access(node.args[0])
    return False


_MISSING = object()


def _json_path(value: Any, path: str) -> Any:
    """The small JSONPath subset loadJsonContent's second argument uses: ``$.a.b[0]``."""
    import re

    cur = value
    for key, idx in re.findall(r"\.([A-Za-z0-9_$-]+)|\[(\d+)\]", path.lstrip("$")):
        if key:
            if not isinstance(cur, dict) or key not in cur:
                return _MISSING
            cur = cur[key]
        else:
            # an index longer than any list (past Python's digit limit for int(), too) finds nothing
            if not isinstance(cur, list) or len(idx) > 18 or int(idx) >= len(cur):
                return _MISSING
            cur = cur[int(idx)]
    return cur


class ExpressionLowering:
    """Expressions and JSON values (a part of :class:`exvlint.bicep.lower._File`)."""

    # ------------------------------------------------------------------ JSON values
    def json(self, node: Any, env: dict) -> Any:
        """A Bicep value in a JSON position: objects and arrays stay JSON, property loops become copy."""
        if isinstance(node, Lit):
            v = node.value
            if isinstance(v, str):
                return _literal_string(v)
            if isinstance(v, int) and not isinstance(v, bool) and not (-2**31 <= v < 2**31):
                return "[" + A.text(fn("json", str(v))) + "]"
            return v
        if isinstance(node, Call) and node.name == "any" and len(node.args) == 1 and \
                (node.base is None or _namespace(node.base, self)):
            return self.json(node.args[0], env)
        if isinstance(node, ObjectLit) and not any(isinstance(i, Spread) for i in node.items):
            out = _pd(node.line, node.col)
            copies = _pl(node.line, node.col)
            for prop in node.props():
                if not isinstance(prop.key, str):  # a computed key is an expression key, as ARM allows
                    _put(out, _expr_string(self.x(prop.key, env)), self.json(prop.value, env), prop)
                elif isinstance(prop.value, For):
                    _add(copies, self.copy_spec(prop.key, prop.value, env, prop.key), prop)
                else:
                    _put(out, prop.key, self.json(prop.value, env), prop)
            if copies:
                out["copy"] = copies
                out.key_lines["copy"] = copies.item_lines[0]
            return out
        if isinstance(node, ArrayLit) and not any(isinstance(i, Spread) for i in node.items):
            out = _pl(node.line, node.col)
            for item in node.items:
                _add(out, self.json(item, env), item)
            return out
        if isinstance(node, Call) and node.base is None and node.name in ("loadJsonContent", "loadYamlContent"):
            value = self.load_function(node, env, as_value=True)
            if not isinstance(value, (Fn, Tok)):
                return _positioned(value, node)
            return _expr_string(value)
        return _expr_string(self.x(node, env))

    def copy_spec(self, name: Optional[str], loop: For, env: dict, index_name: Optional[str],
                  batch: Any = None) -> PosDict:
        spec = _pd(loop.line, loop.col)
        if name is not None:
            _put(spec, "name", name, loop)
        source = self.x(loop.source, env)
        _put(spec, "count", _expr_string(fn("length", source)), loop.source)
        if batch is not None:
            _put(spec, "mode", "serial", batch)
            _put(spec, "batchSize", self.json(batch, env), batch)
        if index_name is not None or name is None:
            idx = fn("copyIndex", index_name) if index_name else fn("copyIndex")
            body_env = self.loop_env(loop, env, idx)
            body = loop.body
            if isinstance(body, (ObjectLit, Lit)):
                value = self.json(body, body_env)
            else:
                value = "[" + A.text(A.to_function(self.x(body, body_env))) + "]"
            _put(spec, "input", value, body)
        return spec

    def loop_env(self, loop: For, env: dict, index: Any) -> dict:
        out = dict(env)
        source = self.x(loop.source, env)
        if loop.item:
            out[loop.item] = append(source, index)
        if loop.index:
            out[loop.index] = index
        return out

    # ------------------------------------------------------------------ expressions
    def x(self, node: Any, env: dict) -> Any:
        """A Bicep expression as an ARM expression tree."""
        method = getattr(self, "x_" + type(node).__name__, None)
        if method is None:
            return unknown(f"unsupported Bicep syntax at line {getattr(node, 'line', 0)}")
        return method(node, env)

    def x_Lit(self, node: Lit, env: dict) -> Any:
        v = node.value
        if v is None:
            return Fn("null")
        if isinstance(v, bool):
            return Fn("true" if v else "false")
        if isinstance(v, int) and not (-2**31 <= v < 2**31):
            return fn("json", str(v))
        return Tok(v)

    def x_Interp(self, node: Interp, env: dict) -> Any:
        fmt, args = [], []
        for part in node.parts:
            if isinstance(part, str):
                fmt.append(part.replace("{", "{{").replace("}", "}}"))
            else:
                fmt.append("{" + str(len(args)) + "}")
                args.append(self.x(part, env))
        return Fn("format", [Tok("".join(fmt))] + args)

    def x_ArrayLit(self, node: ArrayLit, env: dict) -> Any:
        return self._spread_literal(node.items, env, "createArray", "flatten", lambda item: [self.x(item, env)])

    def x_ObjectLit(self, node: ObjectLit, env: dict) -> Any:
        def entries(item: Any) -> list:
            if not isinstance(item, Prop):  # a nested resource declared in a resource body
                return []
            key = Tok(item.key) if isinstance(item.key, str) else self.x(item.key, env)
            return [key, self.x(item.value, env)]

        return self._spread_literal(node.items, env, "createObject", "shallowMerge", entries)

    def _spread_literal(self, items: list, env: dict, make: str, merge: str, entries) -> Any:
        """An array or object literal: the runs of items between ``...spread`` items made by ``make``
        from ``entries(item)`` (its arguments), all joined by ``merge`` when there is a spread."""
        chunks, current, spread = [], [], False
        for item in items:
            if isinstance(item, Spread):
                if current:
                    chunks.append(Fn(make, current))
                    current = []
                chunks.append(self.x(item.expr, env))
                spread = True
            else:
                current += entries(item)
        if current or not chunks:
            chunks.append(Fn(make, current))
        if not spread:
            return chunks[0]
        return fn(merge, Fn("createArray", chunks))

    def x_Ternary(self, node: Ternary, env: dict) -> Any:
        return fn("if", self.x(node.cond, env), self.x(node.then, env), self.x(node.other, env))

    def x_Unary(self, node: Unary, env: dict) -> Any:
        operand = self.x(node.operand, env)
        if node.op == "!":
            return fn("not", operand)
        if node.op == "-":
            return fn("sub", 0, operand)
        return operand

    def x_Binary(self, node: Binary, env: dict) -> Any:
        left, right = self.x(node.left, env), self.x(node.right, env)
        op = node.op
        if op == "!=":
            return fn("not", fn("equals", left, right))
        if op == "=~":
            return fn("equals", fn("toLower", left), fn("toLower", right))
        if op == "!~":
            return fn("not", fn("equals", fn("toLower", left), fn("toLower", right)))
        return fn(_BINARY[op], left, right)

    def x_Lambda(self, node: Lambda, env: dict) -> Any:
        inner = dict(env)
        for p in node.params:
            inner[p] = fn("lambdaVariables", p)
        return Fn("lambda", [Tok(p) for p in node.params] + [self.x(node.body, inner)])

    def x_For(self, node: For, env: dict) -> Any:
        """A loop inside an expression (Bicep allows few of these): map() over the indexes."""
        var = f"__i{node.line}_{node.col}"
        index = fn("lambdaVariables", var)
        source = self.x(node.source, env)
        body = node.body.body if isinstance(node.body, If) else node.body
        inner = self.loop_env(node, env, index)
        mapped = fn("map", fn("range", 0, fn("length", source)), Fn("lambda", [Tok(var), self.x(body, inner)]))
        if isinstance(node.body, If):
            cond = Fn("lambda", [Tok(var), self.x(node.body.cond, inner)])
            mapped = fn("map", fn("filter", fn("range", 0, fn("length", source)), cond),
                        Fn("lambda", [Tok(var), self.x(body, inner)]))
        return mapped

    def x_If(self, node: If, env: dict) -> Any:
        return self.x(node.body, env)

    def x_Spread(self, node: Spread, env: dict) -> Any:
        return self.x(node.expr, env)

    def x_Ident(self, node: Ident, env: dict) -> Any:
        name = node.name
        if name in env:
            return env[name]
        if name in self.params:
            return fn("parameters", name)
        if name in self.vars:
            if self.inlined(name):
                return self.inline_var(name, env)
            return fn("variables", name)
        if _NESTED + name in env or name in self.resources:  # the resource object itself
            res = self.resources[env.get(_NESTED + name, name)]
            name = res.symbol
            if res.loop is not None:
                return fn("references", name, "full")
            return fn("reference", name, res.api, "full")
        if name in self.modules:
            decl = self.modules[name]
            return fn("references" if isinstance(decl.value, For) else "reference", name)
        if name in self.imported:
            kind, other, original = self.imported[name]
            if kind == "var":
                return fn("variables", name)
        if name in self.unresolved_imports:
            return unknown(f"{name} is imported from a registry module")
        return unknown(f"{name} is not declared")

    def inline_var(self, name: str, env: dict) -> Any:
        if name in self._var_stack:
            return unknown(f"variable {name} refers to itself")
        self._var_stack.add(name)
        try:
            decl = self.vars[name]
            return self.x(decl.value, {})
        finally:
            self._var_stack.discard(name)

    def x_ResourceAccess(self, node: ResourceAccess, env: dict) -> Any:
        res, index = self.resource_of(node, env)
        if res is None:
            return unknown(f"no nested resource {node.name}")
        return fn("reference", self.symbolic(res, index, env), res.api, "full")

    def x_Member(self, node: Member, env: dict) -> Any:
        res, index = self.resource_of(node.base, env)
        if res is not None:
            return self.resource_property(res, index, node.name, node.safe, env)
        mod, index = self.module_of(node.base, env)
        if mod is not None:
            if node.name == "name":
                return self.module_name(mod, index, env)
            if node.name == "outputs":
                ref = fn("reference", self.module_symbol(mod, index, env))
                if node.safe:
                    _, _, cond = self.module_body(mod)
                    if cond is not None:  # a module that may not be deployed has no outputs then
                        ref = fn("if", self.x(cond, env), ref, fn("null"))
                    return fn("tryGet", ref, "outputs")
                return append(ref, "outputs")
            return unknown(f"module property {node.name}")
        base = node.base
        if isinstance(base, Member):
            mod, index = self.module_of(base.base, env)
            if mod is not None and base.name == "outputs":
                ref = fn("reference", self.module_symbol(mod, index, env))
                if node.safe or base.safe:
                    return fn("tryGet", append(ref, "outputs"), node.name, "value")
                return append(ref, "outputs", node.name, "value")
        if isinstance(base, Ident) and base.name in self.wildcards and base.name not in env:
            other = self.wildcards[base.name]
            if node.name in other.vars:
                return fn("variables", f"{base.name}.{node.name}")
            return unknown(f"{base.name}.{node.name} is not a variable of the imported file")
        if isinstance(base, Ident) and base.name in self.unresolved_imports and base.name not in env:
            return unknown(f"{base.name}.{node.name} comes from a registry module")
        return self.access(self.x(base, env), Tok(node.name), node.safe, _is_access(base))

    def x_Index(self, node: Index, env: dict) -> Any:
        res, index = self.resource_of(node, env)
        if res is not None and index is not None and res.loop is not None:
            return fn("reference", self.symbolic(res, index, env), res.api, "full")
        mod, index = self.module_of(node, env)
        if mod is not None and index is not None:
            return fn("reference", self.module_symbol(mod, index, env))
        base = self.x(node.base, env)
        accessor = self.x(node.index, env)
        if node.from_end:
            if node.safe:
                return fn("tryIndexFromEnd", base, accessor)
            return fn("indexFromEnd", base, accessor)
        return self.access(base, accessor, node.safe, _is_access(node.base))

    def access(self, base: Any, accessor: Any, safe: bool, chained: bool) -> Any:
        if safe:
            return fn("tryGet", base, accessor)
        if chained and isinstance(base, Fn) and not base.props and base.name in ("tryGet", "tryIndexFromEnd"):
            return Fn(base.name, base.args + [accessor])
        return append(base, accessor)

    # -- function calls
    def x_Call(self, node: Call, env: dict) -> Any:
        base = node.base
        if base is not None and not _namespace(base, self):
            res, index = self.resource_of(base, env)
            if res is not None:  # stg.listKeys(), kv.getSecret('x')
                args = [self.symbolic(res, index, env)]
                args += [self.x(a, env) for a in node.args] if node.args else [Tok(res.api)]
                return Fn(node.name, args)
            if isinstance(base, Ident) and base.name in self.wildcards:
                return Fn(f"__bicep.{base.name}_{node.name}", [self.x(a, env) for a in node.args])
            if isinstance(base, Ident) and base.name in self.unresolved_imports:
                return unknown(f"{base.name}.{node.name}() comes from a registry module")
            return unknown(f"{node.name}() on a value")
        name = node.name
        if base is None and name in self.funcs:
            return Fn(f"__bicep.{name}", [self.x(a, env) for a in node.args])
        if base is None and name in self.imported and self.imported[name][0] == "func":
            return Fn(f"__bicep.{name}", [self.x(a, env) for a in node.args])
        if base is None and name in self.unresolved_imports:
            return unknown(f"{name}() comes from a registry module")
        if name == "any" and len(node.args) == 1:
            return self.x(node.args[0], env)
        if name in ("loadTextContent", "loadJsonContent", "loadYamlContent", "loadFileAsBase64",
                    "loadDirectoryFileInfo"):
            return self.load_function(node, env, as_value=False)
        if name in ("readEnvironmentVariable", "externalInput", "readCliArg"):
            return unknown(f"{name}() is read when the deployment is built")
        return Fn(name, [self.x(a, env) for a in node.args])

    def load_function(self, node: Call, env: dict, as_value: bool) -> Any:
        """loadTextContent & co: the file beside the Bicep file, inside the scanned tree only."""
        name = node.name
        if not node.args or not isinstance(node.args[0], Lit) or not isinstance(node.args[0].value, str):
            return unknown(f"{name}() needs a literal path")
        if name == "loadDirectoryFileInfo":
            return unknown(f"{name}() is not read by exvlint")
        target = os.path.normpath(os.path.join(self.dir, node.args[0].value))
        if not self.ctx.boundary.contains(target):
            self.ctx.diag(self.path, node, f"{name}(): {node.args[0].value} is outside the scanned tree; not read",
                          "EXV001")
            return unknown(f"{name}() reads a file outside the scanned tree")
        if name == "loadFileAsBase64":
            data = read_bytes_in_tree(target, self.ctx.boundary)
            if data is None:
                return unknown(f"{name}(): {node.args[0].value} cannot be read")
            return Tok(base64.b64encode(data).decode("ascii"))
        text, d = read_source(target, self.ctx.boundary)
        if d is not None:
            return unknown(f"{name}(): {node.args[0].value} cannot be read")
        if name == "loadTextContent":
            return Tok(text)
        try:
            if name == "loadJsonContent":
                value = json.loads(text)
            else:
                import yaml

                value = yaml.safe_load(text)
        except Exception:  # malformed file: unknown, like any value exvlint cannot read
            return unknown(f"{name}(): {node.args[0].value} is not valid")
        if len(node.args) > 1 and isinstance(node.args[1], Lit) and isinstance(node.args[1].value, str):
            value = _json_path(value, node.args[1].value)
            if value is _MISSING:
                return unknown(f"{name}(): path {node.args[1].value} not found")
        return value if as_value else A.from_value(value)
