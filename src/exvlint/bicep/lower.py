"""Lower a Bicep file into the positioned ARM template the Bicep compiler would emit.

The result is the ``languageVersion`` 2.0 form (resources keyed by symbolic name) built from
:class:`~exvlint.jsonpos.PosDict` / :class:`~exvlint.jsonpos.PosList`, every position pointing into
the ``.bicep`` file, so that the ARM evaluator does all evaluation. Expressions become ARM
expression strings as the compiler writes them where evaluation depends on it: interpolation is
``format()``, operators are ``equals``/``and``/``if``/``coalesce``..., ``a.?b`` is ``tryGet``,
parameters and variables are ``parameters('x')``/``variables('x')``, ``res.id`` is the resource's
``resourceId(...)``, ``res.properties.x`` is ``reference('res').x``, module outputs are
``reference('mod').outputs.x.value``. Loops become ``copy`` (resources, modules, variables,
properties, outputs), ``if`` becomes ``condition``. Local modules are lowered into inline nested
deployments (``expressionEvaluationOptions.scope: inner``) whose template carries ``path`` = the
module file. Registry and template-spec modules (``br:``, ``ts:``) are left unresolved (a
``templateLink`` the evaluator cannot follow). Compile-time file functions read files inside the
scanned tree only.

Values that cannot be known at lowering time are written as a call of :data:`UNKNOWN_FUNCTION`
(``exvlint.unknown('why')``), a user-defined-function namespace that no template declares, so the
ARM evaluator treats them as unknown.
"""
from __future__ import annotations

import base64
import json
import os
from typing import Any, Optional, Union

from .. import jsonpos
from ..arm.template import UNKNOWN_FUNCTION
from ..findings import Diagnostic, Location
from ..jsonpos import PosDict, PosList
from ..paths import Boundary
from . import armexpr as A
from .armexpr import Fn, Tok, append, fn
from .files import as_boundary, read_bytes_in_tree, read_in_tree
from .parse import BicepSyntaxError, parse
from .syntax import (ArrayLit, Binary, Call, Decl, For, Ident, If, Index, Interp, Lambda, Lit, Member, ObjectLit,
                     Prop, ResourceAccess, Spread, Ternary, TypeExpr, Unary)

_NESTED = "\x00nested:"  # env key prefix: a nested resource's short name inside its parent's body
NESTED_DEPLOYMENT_API = "2025-04-01"  # what current Bicep emits for modules
DEPLOYMENTS_TYPE = "Microsoft.Resources/deployments"
SCHEMAS = {
    "resourceGroup": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "subscription": "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
    "managementGroup": "https://schema.management.azure.com/schemas/2019-08-01/managementGroupDeploymentTemplate.json#",
    "tenant": "https://schema.management.azure.com/schemas/2019-08-01/tenantDeploymentTemplate.json#",
}
PARAMETERS_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"
REGISTRY_PREFIXES = ("br:", "br/", "ts:", "ts/")
_BINARY = {"&&": "and", "||": "or", "==": "equals", "<": "less", "<=": "lessOrEquals", ">": "greater",
           ">=": "greaterOrEquals", "+": "add", "-": "sub", "*": "mul", "/": "div", "%": "mod", "??": "coalesce"}
_PRIMITIVES = {"string": "string", "int": "int", "bool": "bool", "object": "object", "array": "array", "any": None}
_RUNTIME_FUNCTIONS = ("reference", "references", "list")  # a variable using these is inlined, as Bicep does
MAX_MODULE_DEPTH = 32


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


class _Res:
    """A declared resource (top-level, nested or with ``parent:``)."""

    def __init__(self, decl: Decl, symbol: str, rtype: str, api: str, nested_parent: Optional["_Res"]):
        self.decl = decl
        self.symbol = symbol
        self.type = rtype
        self.api = api
        self.nested_parent = nested_parent
        self.loop: Optional[For] = None
        self.cond: Any = None
        self.body: ObjectLit = ObjectLit([])
        value = decl.value
        if isinstance(value, For):
            self.loop = value
            value = value.body
        if isinstance(value, If):
            self.cond = value.cond
            value = value.body
        if isinstance(value, ObjectLit):
            self.body = value

    def prop(self, key: str) -> Any:
        p = self.body.get(key)
        return p.value if p is not None else None

    @property
    def existing(self) -> bool:
        return self.decl.existing


class _Context:
    """What the lowering of one root file and its modules share."""

    def __init__(self, boundary: Boundary):
        self.boundary = boundary
        self.diagnostics: list = []
        self.programs: dict = {}  # realpath -> (Program | None)
        self.templates: dict = {}  # realpath -> lowered template of a module (the same for every caller)

    def diag(self, path: str, node: Any, message: str, rule: str = "EXV000") -> None:
        d = Diagnostic(rule, Location(path, getattr(node, "line", 0), getattr(node, "col", 0)), message)
        if d not in self.diagnostics:  # an expression may be lowered twice (variable inlining)
            self.diagnostics.append(d)

    def load(self, path: str, params_file: bool = False):
        real = os.path.realpath(path)
        if real in self.programs:
            return self.programs[real]
        text, d = read_in_tree(path, self.boundary)
        program = None
        if d is not None:
            self.diagnostics.append(d)
        else:
            try:
                program = parse(text, path, params_file=params_file)
            except BicepSyntaxError as exc:
                self.diagnostics.append(Diagnostic("EXV000", Location(path, exc.line, exc.col),
                                                   f"Bicep syntax error: {exc.message}"))
            except RecursionError:
                self.diagnostics.append(Diagnostic("EXV000", Location(path, 1), "Bicep file nested too deeply"))
        self.programs[real] = program
        return program


class _File:
    """The lowering of one Bicep file."""

    def __init__(self, ctx: _Context, path: str, program, stack: tuple):
        self.ctx = ctx
        self.path = path
        self.program = program
        self.stack = stack + (os.path.realpath(path),)
        self.dir = os.path.dirname(path)
        self.params: dict = {}
        self.vars: dict = {}
        self.funcs: dict = {}
        self.types: dict = {}
        self.modules: dict = {}
        self.outputs: list = []
        self.resources: dict = {}  # symbol -> _Res (nested: 'parent::child')
        self.by_decl: dict = {}  # id(decl) -> _Res
        self.imported: dict = {}  # local name -> (kind, _File, original name)
        self.wildcards: dict = {}  # alias -> _File
        self.unresolved_imports: set = set()  # names imported from registries
        self.target_scope = "resourceGroup"
        self.metadata: list = []
        self._inline: dict = {}
        self._var_stack: set = set()
        self.definitions = None
        self.extra_functions: dict = {}  # imported functions: name -> (_File, Decl)
        self.extra_variables: dict = {}  # imported variables: name -> (_File, Decl)
        self._collect()

    # ------------------------------------------------------------------ symbols
    def _collect(self) -> None:
        for decl in self.program.decls:
            kind = decl.kind
            if kind == "param":
                self.params[decl.name] = decl
            elif kind == "var":
                self.vars[decl.name] = decl
            elif kind == "func":
                self.funcs[decl.name] = decl
            elif kind == "type":
                self.types[decl.name] = decl
            elif kind == "module":
                self.modules[decl.name] = decl
            elif kind == "output":
                self.outputs.append(decl)
            elif kind == "resource":
                self._add_resource(decl, None)
            elif kind == "metadata":
                self.metadata.append(decl)
            elif kind == "targetScope":
                if isinstance(decl.value, Lit) and decl.value.value in SCHEMAS:
                    self.target_scope = decl.value.value
            elif kind == "import":
                self._import(decl)

    def _add_resource(self, decl: Decl, parent: Optional[_Res]) -> None:
        type_text = decl.type or ""
        rtype, _, api = type_text.partition("@")
        if parent is not None:
            if "/" not in rtype or rtype.count("/") == 0:
                rtype = parent.type + "/" + rtype
            api = api or parent.api
            symbol = parent.symbol + "::" + decl.name
        else:
            symbol = decl.name
        res = _Res(decl, symbol, rtype, api, parent)
        self.resources[symbol] = res
        self.by_decl[id(decl)] = res
        for item in res.body.items:
            if isinstance(item, Decl) and item.kind == "resource":
                self._add_resource(item, res)

    def _import(self, decl: Decl) -> None:
        source = decl.path.value if isinstance(decl.path, Lit) else None
        if source is None or source.startswith(REGISTRY_PREFIXES) or not source.endswith(".bicep"):
            names = [alias for _, alias, _, _ in decl.symbols] or [decl.alias]
            self.unresolved_imports.update(names)
            return
        other = self.ctx_file(source, decl)
        if other is None:
            self.unresolved_imports.update([alias for _, alias, _, _ in decl.symbols] or [decl.alias])
            return
        if decl.alias:
            self.wildcards[decl.alias] = other
            return
        for name, alias, _, _ in decl.symbols:
            kind = "type" if name in other.types else "var" if name in other.vars else \
                "func" if name in other.funcs else None
            if kind is None:
                self.ctx.diag(self.path, decl, f"{source} exports no symbol named {name!r}", "EXV001")
                self.unresolved_imports.add(alias)
            else:
                self.imported[alias] = (kind, other, name)

    def ctx_file(self, source: str, node: Any) -> Optional["_File"]:
        """Another Bicep file this one imports (its declarations, not a deployment)."""
        target = os.path.normpath(os.path.join(self.dir, source))
        if not self._inside(target, node, "import"):
            return None
        real = os.path.realpath(target)
        if real in self.stack:
            self.ctx.diag(self.path, node, f"import cycle: {source} imports this file again")
            return None
        program = self.ctx.load(target)
        if program is None:
            return None
        other = _File(self.ctx, target, program, self.stack)
        # the importing template has none of the imported file's variables: their values are inlined
        other._inline = {name: True for name in other.vars}
        return other

    def _inside(self, target: str, node: Any, what: str) -> bool:
        if not self.ctx.boundary.contains(target):
            self.ctx.diag(self.path, node, f"{what} path leaves the scanned tree; not followed")
            return False
        if not os.path.isfile(target):
            self.ctx.diag(self.path, node, f"{what} file {os.path.relpath(target, self.dir)} does not exist")
            return False
        return True

    # ------------------------------------------------------------------ template
    def template(self) -> PosDict:
        t = _pd(1, 1, self.path)
        _put(t, "$schema", SCHEMAS[self.target_scope], None)
        _put(t, "languageVersion", "2.0", None)
        _put(t, "contentVersion", "1.0.0.0", None)
        meta = _pd(1, 1)
        gen = _pd(1, 1)
        _put(gen, "name", "bicep", None)
        _put(gen, "version", "exvlint", None)
        _put(meta, "_generator", gen, None)
        for decl in self.metadata:
            _put(meta, decl.name, self.json(decl.value, {}), decl)
        _put(t, "metadata", meta, None)
        if self.types or any(k == "type" for k, _, _ in self.imported.values()):
            defs = _pd(1, 1)
            for name, decl in self.types.items():
                _put(defs, name, self.type_schema(decl.type, decl.decorators), decl)
            for alias, (kind, other, name) in self.imported.items():
                if kind == "type":
                    decl = other.types[name]
                    schema = other.type_schema(decl.type, decl.decorators)
                    schema.path = other.path
                    _put(defs, alias, schema, decl)
            _put(t, "definitions", defs, None)
        funcs = self.functions_section()
        if funcs is not None:
            _put(t, "functions", funcs, None)
        params = _pd(1, 1)
        for name, decl in self.params.items():
            _put(params, name, self.parameter(decl), _name_at(decl))
        _put(t, "parameters", params, None)
        variables = self.variables_section()
        if variables:
            _put(t, "variables", variables, None)
        resources = _pd(1, 1)
        for symbol, res in self.resources.items():
            _put(resources, symbol, self.resource(res), res.decl)
        for name, decl in self.modules.items():
            _put(resources, name, self.module(decl), decl)
        _put(t, "resources", resources, None)
        outputs = _pd(1, 1)
        for decl in self.outputs:
            _put(outputs, decl.name, self.output(decl), _name_at(decl))
        _put(t, "outputs", outputs, None)
        return t

    # ------------------------------------------------------------------ types and parameters
    def type_schema(self, t: Optional[TypeExpr], decorators: list) -> PosDict:
        line, col = (t.line, t.col) if t is not None else (0, 0)
        out = _pd(line, col)
        nullable = False
        while t is not None and t.kind == "nullable":
            nullable = True
            t = t.item
        secure = any(_dname(d) == "secure" for d in decorators)
        if t is None:
            pass
        elif t.kind == "name":
            if t.name in _PRIMITIVES:
                if _PRIMITIVES[t.name]:
                    kind = _PRIMITIVES[t.name]
                    if secure and kind in ("string", "object"):
                        kind = "securestring" if kind == "string" else "secureObject"
                    _put(out, "type", kind, t)
            elif t.name in self.types or self.imported.get(t.name, ("",))[0] == "type":
                _put(out, "$ref", f"#/definitions/{t.name}", t)
            else:
                _put(out, "type", "object", t)  # a type from a registry import: its shape is not known here
        elif t.kind == "literal":
            _put(out, "type", _json_type(t.value), t)
            allowed = _pl(t.line, t.col)
            _add(allowed, t.value, t)
            _put(out, "allowedValues", allowed, t)
        elif t.kind == "union":
            members = [m.item if m.kind == "nullable" else m for m in t.members]
            if any(m.kind == "literal" and m.value is None for m in members):
                nullable = True
            literals = [m for m in members if m.kind == "literal" and m.value is not None]
            if literals and len(literals) == len([m for m in members if not (m.kind == "literal" and m.value is None)]):
                _put(out, "type", _json_type(literals[0].value), t)
                allowed = _pl(t.line, t.col)
                if all(isinstance(m.value, str) for m in literals):  # the compiler lists them sorted
                    literals = sorted(literals, key=lambda m: m.value)
                for m in literals:
                    _add(allowed, m.value, m)
                _put(out, "allowedValues", allowed, t)
            else:
                _put(out, "type", "object", t)
        elif t.kind == "array":
            _put(out, "type", "array", t)
            item = t.item
            if item.kind == "union" or (item.kind == "literal"):
                inner = self.type_schema(item, [])
                if "allowedValues" in inner:
                    _put(out, "allowedValues", inner["allowedValues"], item)
            else:
                _put(out, "items", self.type_schema(item, []), item)
        elif t.kind == "tuple":
            _put(out, "type", "array", t)
        elif t.kind == "object":
            _put(out, "type", "secureObject" if secure else "object", t)
            if t.props:
                props = _pd(t.line, t.col)
                for name, ptype, pline, pcol in t.props:
                    schema = self.type_schema(ptype, ptype.decorators)
                    _put(props, name, schema, Lit(name, pline, pcol))
                _put(out, "properties", props, t)
            if t.additional is not None:
                _put(out, "additionalProperties", self.type_schema(t.additional, t.additional.decorators), t.additional)
        elif t.kind == "resource":
            _put(out, "type", "string", t)
        else:  # resourceInput<...>.x, type property access: the shape comes from schemas exvlint does not have
            _put(out, "type", "object", t)
        if nullable:
            _put(out, "nullable", True, t)
        self._decorate(out, decorators)
        return out

    def _decorate(self, out: PosDict, decorators: list) -> None:
        metadata = None
        for d in decorators:
            name = _dname(d)
            args = d.args if isinstance(d, Call) else []
            if name == "description" and args:
                metadata = metadata if metadata is not None else _pd(d.line, d.col)
                _put(metadata, "description", self.json(args[0], {}), d)
            elif name == "metadata" and args and isinstance(args[0], ObjectLit):
                metadata = metadata if metadata is not None else _pd(d.line, d.col)
                for prop in args[0].props():
                    if isinstance(prop.key, str):
                        _put(metadata, prop.key, self.json(prop.value, {}), prop)
            elif name == "allowed" and args:
                _put(out, "allowedValues", self.json(args[0], {}), d)
            elif name in ("minValue", "maxValue", "minLength", "maxLength") and args:
                _put(out, name, self.json(args[0], {}), d)
        if metadata is not None:
            _put(out, "metadata", metadata, metadata)

    def parameter(self, decl: Decl) -> PosDict:
        out = self.type_schema(decl.type, decl.decorators)
        out.line, out.col = decl.name_line, decl.name_col
        if decl.value is not None:
            _put(out, "defaultValue", self.json(decl.value, {}), decl.value)
        return out

    # ------------------------------------------------------------------ variables and functions
    def variables_section(self) -> Optional[PosDict]:
        out = _pd(1, 1)
        copies = _pl(1, 1)
        entries = [(name, decl, self) for name, decl in self.vars.items()]
        for alias, (kind, other, name) in self.imported.items():
            if kind == "var":
                entries.append((alias, other.vars[name], other))
        for alias, other in self.wildcards.items():
            for name, decl in other.vars.items():
                entries.append((f"{alias}.{name}", decl, other))
        for name, decl, owner in entries:
            if owner is self and self.inlined(name):
                continue
            if isinstance(decl.value, For):
                _add(copies, owner.copy_spec(name, decl.value, {}, name), decl)
            else:
                value = owner.json(decl.value, {})
                if owner is not self and isinstance(value, (PosDict, PosList)):
                    value.path = owner.path
                _put(out, name, value, _name_at(decl))
        if copies:
            out["copy"] = copies
            out.key_lines["copy"] = (copies.item_lines[0] if copies.item_lines else (1, 1))
        return out if (out or copies) else None

    def inlined(self, name: str) -> bool:
        """Bicep inlines a variable whose value needs the deployment to run (reference(), list*(),
        module outputs, resource properties): ARM does not allow those in ``variables``."""
        if name in self._inline:
            return self._inline[name]
        self._inline[name] = False  # cycles: not inlined
        decl = self.vars[name]
        value = decl.value.body if isinstance(decl.value, For) else decl.value
        try:
            e = self.x(value, {"__probe__": Tok(0)})
        except RecursionError:
            e = Tok(0)
        result = any(isinstance(n, Fn) and (n.name in ("reference", "references") or n.name.startswith("list"))
                     for n in A.walk(e))
        self._inline[name] = result
        return result

    def functions_section(self) -> Optional[PosList]:
        members = _pd(1, 1)
        owners = [(name, decl, self) for name, decl in self.funcs.items()]
        for alias, (kind, other, name) in self.imported.items():
            if kind == "func":
                owners.append((alias, other.funcs[name], other))
                # the functions an imported function may call come along under their own names
                owners += [(n, d, other) for n, d in other.funcs.items()
                           if n != name and n not in self.funcs and n not in self.imported]
        for alias, other in self.wildcards.items():
            for name, decl in other.funcs.items():
                owners.append((f"{alias}_{name}", decl, other))
        if not owners:
            return None
        for name, decl, owner in owners:
            m = _pd(decl.line, decl.col, owner.path if owner is not self else "")
            params = _pl(decl.line, decl.col)
            env = {}
            for pname, ptype in decl.params:
                spec = owner.type_schema(ptype, [])
                _put(spec, "name", pname, ptype)
                _add(params, spec, ptype)
                env[pname] = fn("parameters", pname)
            _put(m, "parameters", params, decl)
            output = owner.type_schema(decl.type, [])
            _put(output, "value", owner.json(decl.value, env), decl.value)
            _put(m, "output", output, decl.value)
            _put(members, name, m, decl)
        group = _pd(1, 1)
        _put(group, "namespace", "__bicep", None)
        _put(group, "members", members, None)
        out = _pl(1, 1)
        _add(out, group, None)
        return out

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
        chunks, current, spread = [], [], False
        for item in node.items:
            if isinstance(item, Spread):
                if current:
                    chunks.append(Fn("createArray", current))
                    current = []
                chunks.append(self.x(item.expr, env))
                spread = True
            else:
                current.append(self.x(item, env))
        if current or not chunks:
            chunks.append(Fn("createArray", current))
        if not spread:
            return chunks[0]
        return fn("flatten", Fn("createArray", chunks))

    def x_ObjectLit(self, node: ObjectLit, env: dict) -> Any:
        chunks, current, spread = [], [], False
        for item in node.items:
            if isinstance(item, Spread):
                if current:
                    chunks.append(Fn("createObject", current))
                    current = []
                chunks.append(self.x(item.expr, env))
                spread = True
            elif isinstance(item, Prop):
                key = Tok(item.key) if isinstance(item.key, str) else self.x(item.key, env)
                current += [key, self.x(item.value, env)]
        if current or not chunks:
            chunks.append(Fn("createObject", current))
        if not spread:
            return chunks[0]
        return fn("shallowMerge", Fn("createArray", chunks))

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

    # -- resources and modules in expressions
    def resource_of(self, node: Any, env: Optional[dict] = None) -> tuple:
        """(_Res, index node or None) when ``node`` names a declared resource, else (None, None).
        A name in ``env`` (a loop item, a lambda parameter) hides a resource of the same name."""
        index = None
        if isinstance(node, Index) and not node.safe and not node.from_end:
            index, node = node.index, node.base
        if isinstance(node, Ident) and env and _NESTED + node.name in env:
            return self.resources[env[_NESTED + node.name]], index
        if isinstance(node, Ident) and node.name in self.resources and not (env and node.name in env):
            return self.resources[node.name], index
        if isinstance(node, ResourceAccess):
            parent, _ = self.resource_of(node.base, env)
            if parent is not None:
                child = self.resources.get(parent.symbol + "::" + node.name)
                if child is not None:
                    return child, index
        return None, None

    def module_of(self, node: Any, env: Optional[dict] = None) -> tuple:
        index = None
        if isinstance(node, Index) and not node.safe and not node.from_end:
            index, node = node.index, node.base
        if isinstance(node, Ident) and node.name in self.modules and not (env and node.name in env):
            return self.modules[node.name], index
        return None, None

    def x_ResourceAccess(self, node: ResourceAccess, env: dict) -> Any:
        res, index = self.resource_of(node, env)
        if res is None:
            return unknown(f"no nested resource {node.name}")
        return fn("reference", self.symbolic(res, index, env), res.api, "full")

    def symbolic(self, res: _Res, index: Any, env: dict) -> Any:
        if index is None:
            return Tok(res.symbol)
        return fn("format", f"{res.symbol}[{{0}}]", self.x(index, env))

    def res_env(self, res: _Res, index: Any, env: dict) -> dict:
        """The scope a resource's own expressions (its name) are read in, for instance ``index``."""
        out: dict = {}
        if res.nested_parent is not None and res.nested_parent.loop is not None:
            out.update(self.res_env(res.nested_parent, index, env))
        if res.loop is not None:
            idx = self.x(index, env) if index is not None else fn("copyIndex")
            out.update(self.loop_env(res.loop, {}, idx))
        return out

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

    def resource_property(self, res: _Res, index: Any, prop: str, safe: bool, env: dict) -> Any:
        def guard(e: Any) -> Any:
            if safe and res.cond is not None:
                return fn("if", self.x(res.cond, self.res_env(res, index, env)), e, fn("null"))
            return e
        sym = self.symbolic(res, index, env)
        if prop == "id":
            return guard(self.resource_id(res, index, env))
        if prop == "name":
            name = res.prop("name")
            return guard(self.x(name, self.res_env(res, index, env)) if name is not None else unknown("no name"))
        if prop == "type":
            return Tok(res.type)
        if prop == "apiVersion":
            return Tok(res.api)
        full = fn("reference", sym, res.api, "full")
        if prop == "properties" and not safe:
            return fn("reference", sym)
        if safe or (res.cond is not None and safe):
            return fn("tryGet", guard(full), prop)
        return append(full, prop)

    def module_symbol(self, mod: Decl, index: Any, env: dict) -> Any:
        if index is None:
            return Tok(mod.name)
        return fn("format", f"{mod.name}[{{0}}]", self.x(index, env))

    def module_body(self, mod: Decl) -> tuple:
        value, loop, cond = mod.value, None, None
        if isinstance(value, For):
            loop, value = value, value.body
        if isinstance(value, If):
            cond, value = value.cond, value.body
        return (value if isinstance(value, ObjectLit) else ObjectLit([])), loop, cond

    def module_name(self, mod: Decl, index: Any, env: dict) -> Any:
        body, loop, _ = self.module_body(mod)
        menv = dict(env)
        if loop is not None:
            idx = self.x(index, env) if index is not None else fn("copyIndex")
            menv = self.loop_env(loop, {}, idx)
        name = body.get("name")
        if name is not None:
            return self.x(name.value, menv)
        unique = fn("uniqueString", mod.name, append(fn("deployment"), "name"))
        if loop is not None:
            idx = self.x(index, env) if index is not None else fn("copyIndex")
            return fn("format", mod.name + "-{0}-{1}", idx, unique)
        return fn("format", mod.name + "-{0}", unique)

    # -- resource ids and names
    def name_segments(self, res: _Res, index: Any, env: dict) -> list:
        chain = []
        cur, cur_index = res, index
        while True:
            chain.append((cur, cur_index))
            parent, pindex = self.parent_of(cur)
            if parent is None:
                break
            if cur.nested_parent is not None:
                pindex = cur_index if parent.loop is not None else None
            cur, cur_index = parent, pindex
        chain.reverse()
        segs = []
        top, top_index = chain[0]
        depth_top = top.type.count("/")
        name_node = top.prop("name")
        top_name = self.x(name_node, self.res_env(top, top_index, env)) if name_node is not None else unknown("no name")
        first_len = depth_top
        if first_len > 1:
            segs += [append(fn("split", top_name, "/"), i) for i in range(first_len)]
        else:
            segs.append(top_name)
        for cur, cur_index in chain[1:]:
            nn = cur.prop("name")
            segs.append(self.x(nn, self.res_env(cur, cur_index, env)) if nn is not None else unknown("no name"))
        return segs

    def parent_of(self, res: _Res) -> tuple:
        if res.nested_parent is not None:
            return res.nested_parent, None
        p = res.prop("parent")
        if p is not None:
            parent, index = self.resource_of(p)
            if parent is not None:
                return parent, index
        return None, None

    def top_of(self, res: _Res) -> _Res:
        seen = set()
        while id(res) not in seen:
            seen.add(id(res))
            parent, _ = self.parent_of(res)
            if parent is None:
                return res
            res = parent
        return res

    def resource_id(self, res: _Res, index: Any, env: dict) -> Any:
        segs = self.name_segments(res, index, env)
        top = self.top_of(res)
        scope = top.prop("scope")
        if scope is not None:  # the scope is read where the top-level resource's loop item is known
            env = {**env, **self.res_env(top, index if top is res else None, env)}
        if scope is None:
            if self.target_scope == "subscription":
                return Fn("subscriptionResourceId", [Tok(res.type)] + segs)
            if self.target_scope == "tenant":
                return Fn("tenantResourceId", [Tok(res.type)] + segs)
            if self.target_scope == "managementGroup":
                return Fn("extensionResourceId", [append(fn("managementGroup"), "id"), Tok(res.type)] + segs)
            return Fn("resourceId", [Tok(res.type)] + segs)
        scope_res, scope_index = self.resource_of(scope)
        if scope_res is not None and scope_res.type.lower() != "microsoft.resources/resourcegroups":
            return Fn("extensionResourceId", [self.resource_id(scope_res, scope_index, env), Tok(res.type)] + segs)
        kind, args = self.scope_call(scope, env)
        if kind == "resourceGroup":
            sub = args[0] if len(args) == 2 else append(fn("subscription"), "subscriptionId")
            rg = args[-1] if args else append(fn("resourceGroup"), "name")
            return Fn("extensionResourceId", [fn("format", "/subscriptions/{0}/resourceGroups/{1}", sub, rg),
                                              Tok(res.type)] + segs)
        if kind == "subscription":
            return Fn("subscriptionResourceId", args[:1] + [Tok(res.type)] + segs)
        if kind == "tenant":
            return Fn("tenantResourceId", [Tok(res.type)] + segs)
        if kind == "managementGroup":
            mg = fn("tenantResourceId", "Microsoft.Management/managementGroups", args[0]) if args else \
                append(fn("managementGroup"), "id")
            return Fn("extensionResourceId", [mg, Tok(res.type)] + segs)
        return Fn("extensionResourceId", [self.x(scope, env), Tok(res.type)] + segs)

    def scope_call(self, scope: Any, env: dict) -> tuple:
        """('resourceGroup' | 'subscription' | 'tenant' | 'managementGroup' | '', args) of a scope value."""
        if isinstance(scope, Call) and (scope.base is None or _namespace(scope.base)) and \
                scope.name in ("resourceGroup", "subscription", "tenant", "managementGroup"):
            return scope.name, [self.x(a, env) for a in scope.args]
        res, index = self.resource_of(scope)
        if res is not None and res.type.lower() == "microsoft.resources/resourcegroups":
            name = res.prop("name")
            return "resourceGroup", [self.x(name, self.res_env(res, index, env))] if name is not None else []
        return "", []

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
        text, d = read_in_tree(target, self.ctx.boundary)
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

    # ------------------------------------------------------------------ resources
    def dependencies(self, nodes: list, own: Optional[_Res], env_names: set, scope: Optional[dict] = None) -> list:
        """Symbols of the resources and modules the given expressions refer to (Bicep's dependsOn)."""
        found: list = []
        seen_vars: set = set()

        def visit(n: Any, shadow: frozenset) -> None:
            if n is None or isinstance(n, (str, int, bool)):
                return
            if isinstance(n, list):
                for i in n:
                    visit(i, shadow)
                return
            if isinstance(n, (Ident, ResourceAccess, Index)):
                res, _ = self.resource_of(n, scope)
                if res is not None and not (isinstance(n, Ident) and n.name in shadow):
                    if res is not own and not res.existing and res.symbol not in found:
                        found.append(res.symbol)
                    if isinstance(n, Index):
                        visit(n.index, shadow)
                    return
            if isinstance(n, Ident):
                if n.name in shadow:
                    return
                if n.name in self.modules and n.name not in found:
                    found.append(n.name)
                elif n.name in self.vars and n.name not in seen_vars:
                    seen_vars.add(n.name)
                    visit(self.vars[n.name].value, frozenset())
                return
            if isinstance(n, Lambda):
                visit(n.body, shadow | frozenset(n.params))
                return
            if isinstance(n, For):
                visit(n.source, shadow)
                visit(n.body, shadow | frozenset(x for x in (n.item, n.index) if x))
                return
            if isinstance(n, Decl):  # nested resources are their own declarations
                return
            for slot in type(n).__slots__:
                if slot not in ("line", "col"):
                    visit(getattr(n, slot), shadow)

        for node in nodes:
            visit(node, frozenset(env_names))
        return found

    def resource(self, res: _Res) -> PosDict:
        decl = res.decl
        out = _pd(decl.line, decl.col)
        env: dict = self.nested_names(res)
        if res.nested_parent is not None and res.nested_parent.loop is not None:
            env.update(self.res_env(res.nested_parent, None, {}))
        if res.loop is not None:
            batch = decl.decorator("batchSize")
            batch_arg = batch.args[0] if isinstance(batch, Call) and batch.args else None
            _put(out, "copy", self.copy_spec(res.symbol, res.loop, env, None, batch_arg), res.loop)
            env = self.loop_env(res.loop, env, fn("copyIndex"))
        conds = [(r.cond, r) for r in self._nested_chain(res) if r.cond is not None]
        if conds:  # a nested resource is deployed only where its parents are, as Bicep emits it
            exprs = [self.x(c, env) for c, _ in conds]
            cond = exprs[0] if len(exprs) == 1 else Fn("and", exprs)
            _put(out, "condition", _expr_string(cond), conds[-1][0])
        if res.existing:
            _put(out, "existing", True, decl)
        _put(out, "type", res.type, decl.path)
        _put(out, "apiVersion", res.api, decl.path)
        parent, _ = self.parent_of(res)
        name_prop = res.body.get("name")
        scope = self.top_of(res).prop("scope") if parent is not None else res.prop("scope")
        if scope is not None:  # a child is deployed where its top-level parent is
            self._emit_scope(out, scope, env, res.body.get("scope") or decl)
        if name_prop is not None:
            if parent is not None:
                segs = self.name_segments(res, None, env)
                fmt = "/".join("{%d}" % i for i in range(len(segs)))
                _put(out, "name", _expr_string(Fn("format", [Tok(fmt)] + segs)), name_prop)
            else:
                _put(out, "name", self.json(name_prop.value, env), name_prop)
        skip = {"name", "parent", "scope", "dependsOn"}
        for item in res.body.items:
            if isinstance(item, Prop) and isinstance(item.key, str) and item.key not in skip:
                if isinstance(item.value, For):
                    copies = out.get("copy") if isinstance(out.get("copy"), PosList) else None
                    if copies is None:
                        copies = _pl(item.line, item.col)
                        _put(out, "copy", copies, item) if res.loop is None else None
                    _add(copies, self.copy_spec(item.key, item.value, env, item.key), item)
                else:
                    _put(out, item.key, self.json(item.value, env), item)
        deps = _pl(decl.line, decl.col)
        explicit = res.body.get("dependsOn")
        symbols: list = []
        if explicit is not None and isinstance(explicit.value, ArrayLit):
            for item in explicit.value.items:
                for sym in self._dep_symbols(item):
                    if sym not in symbols:
                        symbols.append(sym)
        if parent is not None and not parent.existing and parent.symbol not in symbols:
            symbols.append(parent.symbol)
        body_nodes = [p.value for p in res.body.props() if p.key not in ("dependsOn", "parent")]
        if res.loop is not None:
            body_nodes.append(res.loop.source)
        if res.cond is not None:
            body_nodes.append(res.cond)
        loop_names = {n for n in ((res.loop.item, res.loop.index) if res.loop else ()) if n}
        for sym in self.dependencies(body_nodes, res, loop_names, self.nested_names(res)):
            if sym not in symbols:
                symbols.append(sym)
        for sym in symbols:
            _add(deps, sym, explicit or decl)
        if deps:
            _put(out, "dependsOn", deps, explicit or decl)
        return out

    def nested_names(self, res: _Res) -> dict:
        """Inside a resource body, its nested resources (and its parents') are known by their short names."""
        out: dict = {}
        for r in self._nested_chain(res):
            for item in r.body.items:
                if isinstance(item, Decl) and item.kind == "resource":
                    out[_NESTED + item.name] = r.symbol + "::" + item.name
        return out

    def _nested_chain(self, res: _Res) -> list:
        chain = [res]
        while chain[-1].nested_parent is not None and len(chain) < 64:
            chain.append(chain[-1].nested_parent)
        return list(reversed(chain))

    def _dep_symbols(self, node: Any) -> list:
        res, _ = self.resource_of(node)
        if res is not None:
            return [] if res.existing else [res.symbol]
        mod, _ = self.module_of(node)
        if mod is not None:
            return [mod.name]
        return []

    def _emit_scope(self, out: PosDict, scope: Any, env: dict, at: Any) -> None:
        kind, args = self.scope_call(scope, env)
        if kind == "resourceGroup":
            if len(args) == 2:
                _put(out, "subscriptionId", _expr_string(args[0]), at)
            if args:
                _put(out, "resourceGroup", _expr_string(args[-1]), at)
            return
        if kind == "subscription":
            sub = args[0] if args else append(fn("subscription"), "subscriptionId")
            _put(out, "subscriptionId", _expr_string(sub), at)
            return
        if kind == "tenant":
            _put(out, "scope", "/", at)
            return
        if kind == "managementGroup":
            if args:
                _put(out, "scope", _expr_string(fn("format", "Microsoft.Management/managementGroups/{0}", args[0])), at)
            return
        res, index = self.resource_of(scope)
        if res is not None:
            _put(out, "scope", _expr_string(self.resource_id(res, index, env)), at)
            return
        _put(out, "scope", _expr_string(self.x(scope, env)), at)

    # ------------------------------------------------------------------ modules
    def module(self, decl: Decl) -> PosDict:
        body, loop, cond = self.module_body(decl)
        out = _pd(decl.line, decl.col)
        env: dict = {}
        if loop is not None:
            batch = decl.decorator("batchSize")
            batch_arg = batch.args[0] if isinstance(batch, Call) and batch.args else None
            _put(out, "copy", self.copy_spec(decl.name, loop, env, None, batch_arg), loop)
            env = self.loop_env(loop, env, fn("copyIndex"))
        if cond is not None:
            _put(out, "condition", _expr_string(self.x(cond, env)), cond)
        _put(out, "type", DEPLOYMENTS_TYPE, decl.path)
        _put(out, "apiVersion", NESTED_DEPLOYMENT_API, decl.path)
        name = body.get("name")
        if name is not None:
            _put(out, "name", self.json(name.value, env), name)
        else:
            _put(out, "name", _expr_string(self.module_name(decl, None, {})), decl)
        scope = body.get("scope")
        if scope is not None:
            self._emit_scope(out, scope.value, env, scope)
        props = _pd(decl.line, decl.col)
        options = _pd(decl.line, decl.col)
        _put(options, "scope", "inner", decl)
        _put(props, "expressionEvaluationOptions", options, decl)
        _put(props, "mode", "Incremental", decl)
        params_prop = body.get("params")
        params = _pd(*(params_prop.line, params_prop.col) if params_prop else (decl.line, decl.col))
        if params_prop is not None and isinstance(params_prop.value, ObjectLit):
            for p in params_prop.value.props():
                if not isinstance(p.key, str):
                    continue
                holder = _pd(p.line, p.col)
                if isinstance(p.value, For):
                    copies = _pl(p.line, p.col)
                    _add(copies, self.copy_spec("value", p.value, env, "value"), p)
                    _put(holder, "copy", copies, p)
                elif self._secret_call(p.value, env) is not None:
                    _put(holder, "reference", self._secret_call(p.value, env), p)
                else:
                    _put(holder, "value", self.json(p.value, env), p)
                _put(params, p.key, holder, p)
        elif params_prop is not None:  # params: someObject
            _put(params, "__all__", _expr_string(self.x(params_prop.value, env)), params_prop)
        _put(props, "parameters", params, params_prop or decl)
        template = self.module_template(decl)
        if isinstance(template, PosDict) and "$schema" in template:
            _put(props, "template", template, decl.path)
            schema = str(template.get("$schema", "")).lower()
            if "subscriptiondeploymenttemplate" in schema or "managementgroupdeploymenttemplate" in schema \
                    or "tenantdeploymenttemplate" in schema:
                # a deployment to another scope needs a location, as Bicep supplies it
                where = append(fn("resourceGroup" if self.target_scope == "resourceGroup" else "deployment"), "location")
                _put(out, "location", _expr_string(where), decl)
        elif template is not None:
            _put(props, "templateLink", template, decl.path)
        _put(out, "properties", props, decl)
        symbols: list = []
        explicit = body.get("dependsOn")
        if explicit is not None and isinstance(explicit.value, ArrayLit):
            for item in explicit.value.items:
                for sym in self._dep_symbols(item):
                    if sym not in symbols:
                        symbols.append(sym)
        nodes = [p.value for p in body.props() if p.key != "dependsOn"]
        if loop is not None:
            nodes.append(loop.source)
        if cond is not None:
            nodes.append(cond)
        loop_names = {n for n in ((loop.item, loop.index) if loop else ()) if n}
        for sym in self.dependencies(nodes, None, loop_names):
            if sym not in symbols and sym != decl.name:
                symbols.append(sym)
        if symbols:
            deps = _pl(decl.line, decl.col)
            for sym in symbols:
                _add(deps, sym, explicit or decl)
            _put(out, "dependsOn", deps, explicit or decl)
        return out

    def _secret_call(self, node: Any, env: dict) -> Optional[PosDict]:
        """``kv.getSecret('name')`` as a module parameter: a Key Vault reference, as Bicep emits it."""
        if not (isinstance(node, Call) and node.name == "getSecret" and node.base is not None and node.args):
            return None
        res, index = self.resource_of(node.base, env)
        if res is None:
            return None
        ref = _pd(node.line, node.col)
        vault = _pd(node.line, node.col)
        _put(vault, "id", _expr_string(self.resource_id(res, index, env)), node)
        _put(ref, "keyVault", vault, node)
        _put(ref, "secretName", self.json(node.args[0], env), node.args[0])
        if len(node.args) > 1:
            _put(ref, "secretVersion", self.json(node.args[1], env), node.args[1])
        return ref

    def module_template(self, decl: Decl) -> Any:
        """The module's template (a PosDict with ``path``), a templateLink for registry modules, or None."""
        path = decl.path.value if isinstance(decl.path, Lit) else None
        if path is None:
            self.ctx.diag(self.path, decl.path or decl, "module path must be a literal string")
            return None
        if path.startswith(REGISTRY_PREFIXES):
            link = _pd(decl.path.line, decl.path.col)
            _put(link, "id", path, decl.path)
            self.ctx.diag(self.path, decl.path, f"module {decl.name}: registry module {path} is not read; "
                          "its resources are unknown", "EXV001")
            return link
        target = os.path.normpath(os.path.join(self.dir, path))
        if not self.ctx.boundary.contains(target):
            self.ctx.diag(self.path, decl.path, f"module {decl.name}: {path} leaves the scanned tree; not followed")
            return None
        real = os.path.realpath(target)
        if real in self.stack:
            self.ctx.diag(self.path, decl.path, f"module cycle: {path} is already being deployed by "
                          f"{os.path.basename(self.stack[-1]) if self.stack else 'its caller'}")
            return None
        if len(self.stack) > MAX_MODULE_DEPTH:
            self.ctx.diag(self.path, decl.path, "modules nested too deeply")
            return None
        if not os.path.isfile(target):
            self.ctx.diag(self.path, decl.path, f"module {decl.name}: {path} does not exist")
            return None
        if real in self.ctx.templates:
            return self.ctx.templates[real]
        if target.lower().endswith(".json"):
            text, d = read_in_tree(target, self.ctx.boundary)
            if d is not None:
                self.ctx.diagnostics.append(d)
                return None
            try:
                template = jsonpos.loads(text)
            except jsonpos.JSONPosError as exc:
                self.ctx.diagnostics.append(Diagnostic("EXV000", Location(target, exc.line, exc.col),
                                                       f"invalid JSON: {exc.message}"))
                return None
            if isinstance(template, (PosDict, PosList)):
                template.path = target
        else:
            program = self.ctx.load(target)
            if program is None:
                return None
            template = _File(self.ctx, target, program, self.stack).template()
        self.ctx.templates[real] = template
        return template

    # ------------------------------------------------------------------ outputs
    def output(self, decl: Decl) -> PosDict:
        out = self.type_schema(decl.type, decl.decorators)
        out.line, out.col = decl.name_line, decl.name_col
        value = decl.value
        if isinstance(value, For):
            _put(out, "copy", self.copy_spec(None, value, {}, None), value)
            return out
        if decl.type is not None and decl.type.kind == "resource":
            res, index = self.resource_of(value)
            if res is not None:
                _put(out, "value", _expr_string(self.resource_id(res, index, {})), value)
                return out
        _put(out, "value", self.json(value, {}), value)
        return out


# ----------------------------------------------------------------------------- helpers


def _name_at(decl: Decl) -> Lit:
    """Where a declaration's name is written: the key position of its entry."""
    return Lit(decl.name, decl.name_line, decl.name_col)


def _dname(d: Any) -> str:
    return d.name if isinstance(d, (Call, Ident)) else ""


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, str):
        return "string"
    return "object"


def _namespace(base: Any, owner: Optional[_File] = None) -> bool:
    """``az.`` / ``sys.`` in front of a function: the namespace changes nothing."""
    if not isinstance(base, Ident) or base.name not in ("az", "sys"):
        return False
    return owner is None or base.name not in owner.params and base.name not in owner.vars


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
            if not isinstance(cur, list) or int(idx) >= len(cur):
                return _MISSING
            cur = cur[int(idx)]
    return cur


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


# ----------------------------------------------------------------------------- entry points


def lower(path: str, boundary: Union[Boundary, str, None] = None) -> tuple:
    """(positioned template or None, diagnostics) for the Bicep file ``path``.

    ``boundary`` is the scanned tree (a :class:`~exvlint.paths.Boundary` or a directory): modules,
    imports and compile-time file functions may not leave it (default: the file's own directory). A syntax error gives no template and an EXV000
    diagnostic at the line and column where parsing stopped.
    """
    ctx = _Context(as_boundary(boundary, path))
    program = ctx.load(path)
    if program is None:
        return None, ctx.diagnostics
    try:
        template = _File(ctx, path, program, ()).template()
    except RecursionError:
        ctx.diagnostics.append(Diagnostic("EXV000", Location(path, 1), "Bicep file nested too deeply to lower"))
        return None, ctx.diagnostics
    return template, ctx.diagnostics


# ----------------------------------------------------------------------------- .bicepparam

class BicepParams:
    """A ``.bicepparam`` file read for the template its ``using`` line names.

    ``parameters`` is a positioned ARM parameters document (``{"parameters": {name: {"value": v}}}``,
    positions in the ``.bicepparam`` file) holding the values known without deploying; a value
    that needs the deployment engine (a function call, ``readEnvironmentVariable()``) is left out
    of it and listed in ``expressions`` as ``name -> (ARM expression text, Location)`` for the ARM
    evaluator, which is how the Bicep compiler itself computes such values.
    """

    def __init__(self, path: str):
        self.path = path
        self.template: Optional[str] = None  # the .bicep (or .json) file named by `using`
        self.using_location = Location(path)
        self.parameters: Optional[PosDict] = None
        self.expressions: dict = {}


_NOT_CONSTANT = object()


def parse_bicepparam(path: str, boundary: Union[Boundary, str, None] = None) -> tuple:
    """(BicepParams or None, diagnostics) for the ``.bicepparam`` file ``path``."""
    ctx = _Context(as_boundary(boundary, path))
    program = ctx.load(path, params_file=True)
    if program is None:
        return None, ctx.diagnostics
    result = BicepParams(path)
    values: dict = {}  # param and var declarations of the file, for references between them
    for decl in program.decls:
        if decl.kind in ("param", "var"):
            values[decl.name] = decl
        elif decl.kind == "using" and isinstance(decl.path, Lit):
            target = os.path.normpath(os.path.join(os.path.dirname(path), decl.path.value))
            result.using_location = Location(path, decl.line, decl.col)
            if decl.path.value.startswith(REGISTRY_PREFIXES):
                ctx.diag(path, decl, f"using {decl.path.value}: registry templates are not read", "EXV001")
            elif not ctx.boundary.contains(target):
                ctx.diag(path, decl, "using path leaves the scanned tree; not followed")
            elif not os.path.isfile(target):
                ctx.diag(path, decl.path, f"using {decl.path.value}: the file does not exist")
            else:
                result.template = target
    doc = _pd(1, 1, path)
    _put(doc, "$schema", PARAMETERS_SCHEMA, None)
    _put(doc, "contentVersion", "1.0.0.0", None)
    params = _pd(1, 1)
    owner = _File(ctx, path, program, ())
    for decl in program.decls:
        if decl.kind != "param" or decl.value is None:
            continue
        value = _constant(decl.value, values, set())
        if value is _NOT_CONSTANT:
            expr = owner.x(_substitute(decl.value, values, set()), {})
            result.expressions[decl.name] = ("[" + A.text(expr) + "]",
                                             Location(path, decl.value.line, decl.value.col))
            continue
        holder = _pd(decl.name_line, decl.name_col)
        _put(holder, "value", value, decl.value)
        _put(params, decl.name, holder, Lit(decl.name, decl.name_line, decl.name_col))
    _put(doc, "parameters", params, None)
    result.parameters = doc
    return result, ctx.diagnostics


def _constant(node: Any, values: dict, seen: set) -> Any:
    """The value of a compile-time constant expression (literals, arrays, objects, interpolation of
    constants, references to other constants), positioned; _NOT_CONSTANT otherwise."""
    if isinstance(node, Lit):
        return node.value
    if isinstance(node, Ident) and node.name in values and node.name not in seen:
        return _constant(values[node.name].value, values, seen | {node.name})
    if isinstance(node, ArrayLit) and not any(isinstance(i, Spread) for i in node.items):
        out = _pl(node.line, node.col)
        for item in node.items:
            v = _constant(item, values, seen)
            if v is _NOT_CONSTANT:
                return v
            _add(out, v, item)
        return out
    if isinstance(node, ObjectLit) and not any(isinstance(i, Spread) for i in node.items):
        out = _pd(node.line, node.col)
        for prop in node.props():
            v = _constant(prop.value, values, seen)
            if v is _NOT_CONSTANT or not isinstance(prop.key, str):
                return _NOT_CONSTANT
            _put(out, prop.key, v, prop)
        return out
    if isinstance(node, Interp):
        parts = []
        for part in node.parts:
            v = part if isinstance(part, str) else _constant(part, values, seen)
            if v is _NOT_CONSTANT or isinstance(v, (dict, list)):
                return _NOT_CONSTANT
            parts.append(_format_scalar(v))
        return "".join(parts)
    if isinstance(node, Unary) and node.op == "!":
        v = _constant(node.operand, values, seen)
        return (not v) if isinstance(v, bool) else _NOT_CONSTANT
    return _NOT_CONSTANT


def _format_scalar(v: Any) -> str:
    if isinstance(v, bool):
        return "True" if v else "False"  # as ARM's format() writes booleans
    if v is None:
        return ""
    return str(v)


def _substitute(node: Any, values: dict, seen: set) -> Any:
    """References to the file's own params/vars replaced by their expressions (for the evaluator)."""
    if isinstance(node, Ident) and node.name in values and node.name not in seen:
        return _substitute(values[node.name].value, values, seen | {node.name})
    if isinstance(node, (Lit, str, int, bool)) or node is None:
        return node
    if isinstance(node, list):
        return [_substitute(n, values, seen) for n in node]
    if isinstance(node, Decl):
        return node
    clone = object.__new__(type(node))
    for slot in type(node).__slots__:
        setattr(clone, slot, _substitute(getattr(node, slot), values, seen) if slot not in ("line", "col")
                else getattr(node, slot))
    if isinstance(node, Prop):
        clone.key = node.key if isinstance(node.key, str) else _substitute(node.key, values, seen)
    return clone
