"""The resources of one template: declarations expanded into instances, then evaluated.

Part of the evaluation of one template (:class:`exvlint.arm.template.Frame` inherits
:class:`ResourceExpansion`). Phase one expands each declaration into its instances (copy loop,
condition, type, name, resource id) so that every instance can be referred to; phase two evaluates
an instance's body when the run reaches it or when ``reference()`` asks for it first. Also how
``dependsOn`` entries and ``reference()`` / ``list*()`` targets find their instances.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

from ..evaluation import EvalError, Ref, Unknown, merge_unknown
from ..findings import Location, Related
from . import functions
from .context import MANAGEMENT_GROUP, Ctx, PartialObject
from .documents import _ci, _dedupe, _inner, _key_loc, _node_loc, _truthy, _without
from .expressions import is_expression
from .result import ArmResource, EvDict, UnknownBlock, find_key

if TYPE_CHECKING:
    from .template import Frame

DEPLOYMENTS_TYPE = "microsoft.resources/deployments"


@dataclass(eq=False)
class _Inst:
    """A resource instance while it is evaluated."""

    node: Any  # the positioned resource object
    path: str
    ctx: Ctx
    type: Any
    name: Any
    symbolic: str
    address: str
    resource_id: Any
    api_version: Any
    location: Location
    origins: tuple
    existing: bool
    copy_loop: str = ""
    copy_index: Optional[int] = None
    state: str = "pending"  # pending | running | done
    resource: Optional[ArmResource] = None
    child: Optional["Frame"] = None
    owner: Optional["Frame"] = None
    assumed: Optional[Location] = None  # a condition (its own or a parent's) that is not known: deployed by assumption


def _is_full_type(rtype: str) -> bool:
    return "/" in rtype and "." in rtype.split("/")[0]


class ResourceExpansion:
    """Resources of a template (a part of :class:`exvlint.arm.template.Frame`)."""

    # -- resources
    def run(self) -> None:
        resources = self.section("resources")
        path = _inner(resources, self.path)
        if resources is None:
            pass
        elif isinstance(resources, list):
            for node in resources:
                self._expand(node, "", self.ctx(), None, path)
        elif isinstance(resources, dict):  # languageVersion 2.0: symbolic name -> resource
            for symbolic, node in resources.items():
                self._expand(node, symbolic, self.ctx(), None, path)
        else:
            self.ev.diag("EXV000", _key_loc(self.doc, "resources", self.path),
                         "'resources' must be an array (or an object of symbolic names)")
        for inst in list(self.instances):
            self.evaluate(inst)

    def _expand(self, node: Any, symbolic: str, ctx: Ctx, parent: Optional[_Inst], path: str) -> None:
        """Phase one: a declaration's instances (copy loop, condition, type, name), not their bodies."""
        if not isinstance(node, dict):
            where = _node_loc(node, path) if hasattr(node, "line") else Location(path)
            self.ev.diag("EXV000", where, "a resource must be a JSON object")
            return
        path = _inner(node, path)
        loc = _node_loc(node, path)
        label = self._label(node, symbolic, path, parent)
        copy = _ci(node, "copy")
        loops: list = [(ctx, (), "", None)]
        if isinstance(copy, dict):
            loop_name = _ci(copy, "name")
            loop_name = loop_name if isinstance(loop_name, str) else ""
            count_loc = _key_loc(copy, "count", path)
            trace: list = []
            count = self._count(_ci(copy, "count"), ctx.with_trace(trace), path, count_loc)
            origins = (Related(count_loc, f"copy count of {label}"),) + _dedupe(trace)
            if isinstance(count, Unknown):
                self.ev.result.unknown_blocks.append(UnknownBlock(str(_ci(node, "type") or ""), loc, count.reason,
                                                                  origins, self.deployment_address))
                self.ev.diag("EXV001", count_loc, f"copy count of {label}: {count.reason}", label,
                             self._type_of(node, parent))
                return
            loops = [(ctx.with_copy(loop_name, i, True), origins, loop_name, i) for i in range(count)]
        for ictx, origins, loop_name, index in loops:
            origins = (parent.origins if parent is not None else tuple(self.origins)) + tuple(origins)
            assumed = parent.assumed if parent is not None else self.assumed
            if find_key(node, "condition") is not None:
                cond_loc = _key_loc(node, "condition", path)
                trace = []
                cond = self.literal(_ci(node, "condition"), ictx.with_trace(trace), path, cond_loc)
                if isinstance(cond, Unknown):
                    origins += (Related(cond_loc, f"condition of {label} is not known ({cond.reason}); "
                                                  "assumed deployed"),)
                    assumed = cond_loc
                elif cond is False or (isinstance(cond, str) and cond.lower() == "false"):
                    continue
                else:
                    origins += (Related(cond_loc, f"condition of {label}"),) + _dedupe(trace)
            self._instance(node, path, symbolic, ictx, parent, origins, loop_name, index, loc, assumed)

    @staticmethod
    def _type_of(node: Any, parent: Optional[_Inst]) -> str:
        """The type a declaration writes (before evaluation), full even for a child written in its parent."""
        rtype = _ci(node, "type")
        rtype = rtype if isinstance(rtype, str) and not is_expression(rtype) else "resource"
        if parent is not None and isinstance(parent.type, str) and not _is_full_type(rtype):
            rtype = f"{parent.type}/{rtype}"
        return rtype

    def _label(self, node: Any, symbolic: str, path: str, parent: Optional[_Inst]) -> str:
        rtype = self._type_of(node, parent)
        if symbolic:
            return f"{self.prefix}{rtype}/{symbolic}"
        loop = _ci(_ci(node, "copy"), "name")
        if isinstance(loop, str) and loop:
            return f"{self.prefix}{rtype} (copy loop {loop})"
        return f"{self.prefix}{rtype} at line {node.line}"

    def _instance(self, node: Any, path: str, symbolic: str, ctx: Ctx, parent: Optional[_Inst], origins: tuple,
                  loop_name: str, index: Optional[int], loc: Location, assumed: Optional[Location] = None) -> None:
        rtype = self.literal(_ci(node, "type"), ctx, path, _key_loc(node, "type", path))
        name = self.literal(_ci(node, "name"), ctx, path, _key_loc(node, "name", path))
        api = self.literal(_ci(node, "apiVersion"), ctx, path, _key_loc(node, "apiVersion", path))
        if parent is not None and isinstance(rtype, str) and not _is_full_type(rtype):
            # a child written inside its parent: type and name are relative to the parent's
            rtype = f"{parent.type}/{rtype}" if isinstance(parent.type, str) else Unknown("parent type unknown")
            name = f"{parent.name}/{name}" if isinstance(parent.name, str) and isinstance(name, str) \
                else merge_unknown([parent.name, name], "the parent's name is not known")
        rtype_text = str(rtype) if isinstance(rtype, str) else "unknown-type"
        existing = _truthy(_ci(node, "existing"))
        resource_id = self._resource_id(node, path, ctx, rtype, name)
        if isinstance(name, str):
            address = f"{self.prefix}{rtype_text}/{name}"
        else:
            address = f"{self.prefix}{rtype_text}/{symbolic or 'line' + str(loc.line)}"
            if index is not None:
                address += f"[{index}]"
        taken = {i.address for i in self.instances}
        if address in taken:
            address += f"[{index if index is not None else len(self.instances)}]"
        inst = _Inst(node, path, ctx, rtype, name, symbolic, address, resource_id, api, loc, origins, existing,
                     loop_name, index, owner=self, assumed=assumed)
        self.instances.append(inst)
        if symbolic:
            self.symbolic.setdefault(symbolic.lower(), []).append(inst)
            if index is not None:
                self.symbolic.setdefault(f"{symbolic.lower()}[{index}]", []).append(inst)
        if isinstance(name, str):
            self.by_name.setdefault(name.lower(), []).append(inst)
        if loop_name:
            self.loops.setdefault(loop_name.lower(), []).append(inst)
        if isinstance(resource_id, str):
            self.ev.by_id.setdefault(resource_id.lower(), inst)
        children = _ci(node, "resources")
        if isinstance(children, list) and not existing:
            for child in children:
                self._expand(child, "", ctx, inst, _inner(children, path))

    def _resource_id(self, node: Any, path: str, ctx: Ctx, rtype: Any, name: Any) -> Any:
        if not isinstance(rtype, str) or not isinstance(name, str):
            return merge_unknown([rtype, name], "the resource's type or name is not known")
        try:
            provider = functions.provider_path(rtype, name.split("/"))
        except EvalError as exc:
            return Unknown(str(exc))
        scope = _ci(node, "scope")
        if scope is not None:
            value = self.literal(scope, ctx, path, _key_loc(node, "scope", path))
            if not isinstance(value, str):
                return merge_unknown([value], "the resource's scope is not known")
            if not value.startswith("/"):  # languageVersion 2.0 writes a scope relative to the group
                value = f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}/providers/{value}"
            return f"{value.rstrip('/')}/{provider}"
        if self.level == "resourceGroup":
            return f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}/{provider}"
        if self.level == "subscription":
            if rtype.lower() == "microsoft.resources/resourcegroups":
                return f"/subscriptions/{self.subscription_id}/resourceGroups/{name}"
            return f"/subscriptions/{self.subscription_id}/{provider}"
        if self.level == "managementGroup":
            return f"/providers/Microsoft.Management/managementGroups/{MANAGEMENT_GROUP}/{provider}"
        return f"/{provider}"

    def evaluate(self, inst: _Inst) -> None:
        """Phase two: the body of an instance (and, for a nested deployment, what it deploys)."""
        if inst.state != "pending" or inst.existing:
            return
        inst.state = "running"
        try:
            node = inst.node
            is_deployment = isinstance(inst.type, str) and inst.type.lower() == DEPLOYMENTS_TYPE
            body_node = node
            for skip in ("copy", "condition", "resources", "dependsOn"):
                if find_key(body_node, skip) is not None:
                    body_node = _without(body_node, skip)
            props = _ci(node, "properties")
            if is_deployment and isinstance(props, dict) and find_key(props, "template") is not None:
                body_node = _without(body_node, "properties")
                body_node["properties"] = _without(props, "template")
                body_node.key_lines["properties"] = node.key_lines.get(find_key(node, "properties"), (node.line, node.col))
            body = self._body(body_node, inst)
            inst.resource = ArmResource(
                type=str(inst.type) if isinstance(inst.type, str) else "", name=inst.name, symbolic=inst.symbolic,
                api_version=inst.api_version, address=inst.address, resource_id=inst.resource_id,
                location=inst.location, body=body, origins=inst.origins, call_sites=self.call_sites,
                deployment=self.deployment_address, depends_on=self._depends_on(inst),
                copy_index=inst.copy_index, assumed=inst.assumed)
            self.ev.result.resources.append(inst.resource)
            if is_deployment:
                self._nested(inst, body)
        finally:
            inst.state = "done"

    def _body(self, node: Any, inst: _Inst) -> EvDict:
        out = EvDict()
        out.loc = inst.location
        lines = node.key_lines
        for key, child in node.items():
            where = Location(inst.path, *lines[key]) if key in lines else inst.location
            trace: list = []
            out[key] = self.literal(child, inst.ctx.with_trace(trace), inst.path, where,
                                    prop_copy=key.lower() == "properties")
            out.member_loc[key] = where
            if trace:
                out.member_origins[key] = _dedupe(trace)
            if isinstance(child, str) and is_expression(child):
                out.computed.add(key)
        return out

    def _depends_on(self, inst: _Inst) -> tuple:
        deps = _ci(inst.node, "dependsOn")
        if not isinstance(deps, list):
            return ()
        found: list = []
        for i, entry in enumerate(deps):
            value = self.literal(entry, inst.ctx, inst.path, _node_loc(deps, inst.path))
            if not isinstance(value, str):
                continue
            for target in self._targets(value):
                if target.address not in found and target is not inst:
                    found.append(target.address)
        return tuple(found)

    def _targets(self, text: str) -> list:
        """The instances a dependsOn entry names: symbolic name, copy loop, resource id or name."""
        key = text.lower()
        if key in self.symbolic:
            return self.symbolic[key]
        if key.startswith("/"):
            inst = self.ev.by_id.get(key)
            return [inst] if inst is not None else []
        if key in self.loops:
            return self.loops[key]
        if key in self.by_name:
            return self.by_name[key]
        # "Microsoft.Compute/virtualMachines/vm1": a type followed by the name
        return [i for i in self.instances if isinstance(i.type, str) and isinstance(i.name, str)
                and f"{i.type}/{i.name}".lower() == key]

    def find_symbolic(self, symbolic: str) -> Optional[_Inst]:
        found = self.scope_frame.symbolic.get(symbolic.lower()) or self.symbolic.get(symbolic.lower())
        return found[0] if found else None

    def find_target(self, target: Any) -> Optional[_Inst]:
        """The instance that reference() / list*() name: symbolic name, resource id or name."""
        if not isinstance(target, str):
            return None
        key = target.lower()
        for frame in (self, self.scope_frame):
            if key in frame.symbolic:
                return frame.symbolic[key][0]
        if key.startswith("/"):
            return self.ev.by_id.get(key)
        for frame in (self, self.scope_frame):
            if key in frame.by_name:
                return frame.by_name[key][0]
        for frame in (self, self.scope_frame):  # "Microsoft.Storage/storageAccounts/name"
            typed = [i for i in frame._targets(key) if isinstance(i.type, str)]
            if typed:
                return typed[0]
        return None

    def reference(self, target: Any, full: Any, ctx: Ctx) -> Any:
        if isinstance(target, Unknown):
            return target
        inst = self.find_target(target)
        if inst is None:
            shown = target if isinstance(target, str) else functions.type_name(target)
            return Unknown(f"reference({shown!r}) is known only after deployment",
                           frozenset({Ref(str(target), "")}))
        refs = frozenset({Ref(inst.address, "")})
        if isinstance(inst.type, str) and inst.type.lower() == DEPLOYMENTS_TYPE and not inst.existing:
            (inst.owner or self).evaluate(inst)  # a nested deployment's outputs are known when its template is
            if inst.child is not None:
                reason = f"a property of deployment {inst.address} known only after deployment"
                props = PartialObject({"outputs": inst.child.outputs()}, reason, refs)
                if isinstance(full, str) and full.lower() == "full":
                    return PartialObject({"properties": props}, reason, refs)
                return props
        return Unknown(f"reference to {inst.address} is known only after deployment", refs)
