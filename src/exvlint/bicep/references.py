"""Declared resources and modules as the ARM template refers to them.

Part of the lowering of one Bicep file (:class:`exvlint.bicep.lower._File` inherits
:class:`ReferenceLowering`): which declared resource or module an expression names, the symbolic
name and loop scope of one of its instances, its properties as ``reference(...)`` expressions, and
its resource id and name segments as the Bicep compiler builds them (``resourceId``,
``extensionResourceId``..., by target scope and ``scope:``).
"""
from __future__ import annotations

from typing import Any, Optional

from .armexpr import Fn, Tok, append, fn
from .positioned import unknown
from .syntax import Call, Decl, For, Ident, If, Index, ObjectLit, ResourceAccess

_NESTED = "\x00nested:"  # env key prefix: a nested resource's short name inside its parent's body


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


def _namespace(base: Any, owner: Any = None) -> bool:
    """``az.`` / ``sys.`` in front of a function: the namespace changes nothing."""
    if not isinstance(base, Ident) or base.name not in ("az", "sys"):
        return False
    return owner is None or base.name not in owner.params and base.name not in owner.vars


class ReferenceLowering:
    """Resources and modules in expressions (a part of :class:`exvlint.bicep.lower._File`)."""

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
