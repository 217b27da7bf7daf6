"""The resources section of the lowered template: declared resources and modules.

Part of the lowering of one Bicep file (:class:`exvlint.bicep.lower._File` inherits
:class:`ResourceLowering`): each resource (nested and ``parent:`` children included) with its
``copy``, ``condition``, scope and the ``dependsOn`` Bicep infers from symbol references; each
module as an inline nested deployment (``expressionEvaluationOptions.scope: inner``) whose template
is the module file lowered in turn, or a ``templateLink`` for registry and template-spec modules.
"""
from __future__ import annotations

import os
from typing import Any, Optional

from .. import jsonpos
from ..files import read_source
from ..findings import Diagnostic, Location
from ..jsonpos import PosDict, PosList
from .armexpr import Fn, Tok, append, fn
from .positioned import _add, _expr_string, _pd, _pl, _put
from .references import _Res
from .syntax import ArrayLit, Call, Decl, For, Ident, Index, Lambda, Lit, ObjectLit, Prop, ResourceAccess
from .units import REGISTRY_PREFIXES

NESTED_DEPLOYMENT_API = "2025-04-01"  # what current Bicep emits for modules
DEPLOYMENTS_TYPE = "Microsoft.Resources/deployments"
MAX_MODULE_DEPTH = 32


class ResourceLowering:
    """Resources and modules (a part of :class:`exvlint.bicep.lower._File`)."""

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
            text, d = read_source(target, self.ctx.boundary)
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
            template = type(self)(self.ctx, target, program, self.stack).template()
        self.ctx.templates[real] = template
        return template
