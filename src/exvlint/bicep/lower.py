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

Values that cannot be known at lowering time are written as a call of ``UNKNOWN_FUNCTION``
(``exvlint.unknown('why')``), a user-defined-function namespace that no template declares, so the
ARM evaluator treats them as unknown.
"""
from __future__ import annotations

import os
from typing import Any, Optional, Union

from ..files import read_source
from ..findings import Diagnostic, Location
from ..jsonpos import PosDict, PosList
from ..paths import Boundary
from . import armexpr as A
from .armexpr import Fn, Tok, fn
from .expressions import ExpressionLowering
from .files import as_boundary
from .parse import BicepSyntaxError, parse
from .positioned import _add, _expr_string, _pd, _pl, _put
from .references import ReferenceLowering, _Res
from .resources import ResourceLowering
from .syntax import Call, Decl, For, Ident, Lit, ObjectLit, TypeExpr
from .units import REGISTRY_PREFIXES

SCHEMAS = {
    "resourceGroup": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "subscription": "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
    "managementGroup": "https://schema.management.azure.com/schemas/2019-08-01/managementGroupDeploymentTemplate.json#",
    "tenant": "https://schema.management.azure.com/schemas/2019-08-01/tenantDeploymentTemplate.json#",
}
_PRIMITIVES = {"string": "string", "int": "int", "bool": "bool", "object": "object", "array": "array", "any": None}


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
        text, d = read_source(path, self.boundary)
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


class _File(ExpressionLowering, ReferenceLowering, ResourceLowering):
    """The lowering of one Bicep file: its symbols (declarations and compile-time imports) and the
    template sections built from them here, expressions (:mod:`.expressions`), references to
    resources and modules (:mod:`.references`) and the resources section (:mod:`.resources`) in
    the classes it inherits."""

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
