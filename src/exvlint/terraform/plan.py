"""Terraform plan JSON (``terraform show -json plan.out``) as evaluated resource instances.

The plan's values are fully resolved, so no expression is evaluated here. Graph edges come from
the configuration's references (ids are unknown before apply). Locations point back into the
``.tf`` files beside the plan when they are present, else at the resource in the plan file.
"""
from __future__ import annotations

import os
import re
from typing import Any, Optional

from .. import jsonpos
from ..findings import Diagnostic, Location
from .loader import attr_location, block_location, load_module
from .results import EvalAttr, EvalBlock, ProviderConfig, ResourceBlock, ResourceInstance, TerraformResult
from .values import Ref, Unknown, plain

_REF = re.compile(r'^((?:data\.)?[A-Za-z_][\w-]*\.[A-Za-z_][\w-]*)(\[[^\]]+\])?')


def is_plan(doc: Any) -> bool:
    return isinstance(doc, dict) and "format_version" in doc and (
        "planned_values" in doc or "resource_changes" in doc)


# The parts of a plan that the reader walks, and the JSON type each must have. Anything else in a
# plan (attribute values, for instance) is data and may have any shape.
_STR, _NUM_OR_STR = (str,), (int, float, str)
_RESOURCE = {"address": _STR, "mode": _STR, "type": _STR, "name": _STR, "index": _NUM_OR_STR,
             "values": dict, "provider_name": _STR}
_MODULE: dict = {"address": _STR, "resources": [_RESOURCE], "child_modules": []}
_MODULE["child_modules"].append(_MODULE)
_CONFIG_RESOURCE = {"address": _STR, "mode": _STR, "type": _STR, "name": _STR, "provider_config_key": _STR,
                    "expressions": {"*": (dict, list)}}
_CONFIG_MODULE: dict = {"resources": [_CONFIG_RESOURCE], "module_calls": {}}
_CONFIG_MODULE["module_calls"]["*"] = {"source": _STR, "module": _CONFIG_MODULE}
_PLAN = {
    "planned_values": {"root_module": _MODULE},
    "resource_changes": [{"address": _STR, "change": {"after_unknown": (dict, bool, list)}}],
    "configuration": {"provider_config": {"*": {"name": _STR, "expressions": {"*": (dict, list)}}},
                      "root_module": _CONFIG_MODULE},
}


def _sanitise(value: Any, shape: Any, where: str, path: str, out: list) -> bool:
    """Check ``value`` against ``shape``, removing whatever does not fit (reported in ``out`` as
    EXV000 at its position) so that the reader can trust the rest. False when ``value`` itself
    does not fit."""
    if isinstance(shape, tuple):
        return isinstance(value, shape) and not (isinstance(value, bool) and bool not in shape)
    if isinstance(shape, list):
        if not isinstance(value, list):
            return False
        for i, item in enumerate(value):
            if not _sanitise(item, shape[0], f"{where}[{i}]", path, out):
                line, col = value.item_lines[i] if isinstance(value, jsonpos.PosList) and i < len(value.item_lines) else (1, 0)
                out.append(Diagnostic("EXV000", Location(path, line, col), f"not a plan as Terraform writes it: "
                                      f"{where}[{i}] has the wrong type; ignored"))
                value[i] = None
        return True
    if shape is dict:
        return isinstance(value, dict)
    if not isinstance(value, dict):
        return False
    for key in list(value):
        sub = shape.get(key, shape.get("*"))
        if sub is None or value[key] is None:
            continue
        if not _sanitise(value[key], sub, f"{where}.{key}" if where else key, path, out):
            line, col = value.key_lines.get(key, (1, 0)) if isinstance(value, jsonpos.PosDict) else (1, 0)
            out.append(Diagnostic("EXV000", Location(path, line, col), f"not a plan as Terraform writes it: "
                                  f"{where + '.' if where else ''}{key} has the wrong type; ignored"))
            del value[key]
    return True


class PlanReader:
    """Reads one plan into a :class:`TerraformResult`, as the evaluator does for source code. A plan
    carries its provider settings, so no environment applies."""

    def __init__(self, path: str, doc: dict, parse_cache: dict):
        self.path = path
        self.doc = doc
        self.parse_cache = parse_cache
        self.result = TerraformResult()
        self.instances = self.result.instances
        self.resource_blocks = self.result.resource_blocks
        self.providers = self.result.providers
        self.diagnostics = self.result.diagnostics
        self.config_dir = os.path.dirname(path) or "."
        self._sources: dict = {}
        self._outside: set = set()

    # -- configuration (for references and source locations)
    def _module_config(self, module_address: str) -> Optional[dict]:
        config = (self.doc.get("configuration") or {}).get("root_module") or {}
        for name in _call_names(module_address):
            call = (config.get("module_calls") or {}).get(name) or {}
            config = call.get("module") or {}
        return config

    def _module_dir(self, module_address: str) -> Optional[str]:
        directory = self.config_dir
        config = (self.doc.get("configuration") or {}).get("root_module") or {}
        for name in _call_names(module_address):
            call = (config.get("module_calls") or {}).get(name) or {}
            source = call.get("source")
            if not isinstance(source, str) or not source.startswith(("./", "../")):
                return None
            directory = os.path.normpath(os.path.join(directory, source))
            config = call.get("module") or {}
        return directory

    def _source_block(self, module_address: str, mode: str, rtype: str, name: str):
        directory = self._module_dir(module_address)
        if directory is None:
            return None
        boundary = getattr(self.parse_cache, "boundary", None)
        if boundary is None or not boundary.contains(directory):  # locations then stay in the plan
            if directory not in self._outside:
                self._outside.add(directory)
                self.diagnostics.append(Diagnostic("EXV000", Location(self.path, 1), f"the plan's module source for "
                                                   f"{module_address} is outside the scanned tree; not read"))
            return None
        if not os.path.isdir(directory):
            return None
        if directory not in self._sources:
            self._sources[directory] = load_module(directory, self.parse_cache)
        return self._sources[directory].resources.get((mode, rtype, name))

    # -- instances
    def _read_providers(self) -> None:
        """Provider configurations with their constant arguments (``host`` of a Hyper-V provider)."""
        for key, conf in ((self.doc.get("configuration") or {}).get("provider_config") or {}).items():
            if not isinstance(conf, dict):
                continue
            module_path, _, name = key.rpartition(":")
            body = EvalBlock("provider", [conf.get("name", name)], Location(self.path, getattr(conf, "line", 1)))
            for arg, expr in (conf.get("expressions") or {}).items():
                if isinstance(expr, dict):
                    value = expr["constant_value"] if "constant_value" in expr else Unknown(f"provider {name}.{arg} is not a constant")
                    body.attrs[arg] = EvalAttr(arg, value, body.location)
            self.providers.append(ProviderConfig(name, module_path, body))

    def _provider_key(self, module_address: str, mode: str, rtype: str, name: str) -> tuple:
        config = self._module_config(module_address) or {}
        for res in _dicts(config.get("resources")):
            if res.get("type") == rtype and res.get("name") == name and res.get("mode", "managed") == mode:
                key = res.get("provider_config_key") or rtype.split("_")[0]
                module_path, _, provider = key.rpartition(":")
                return module_path, provider
        return "", rtype.split("_")[0]

    def run(self) -> TerraformResult:
        _sanitise(self.doc, _PLAN, "", self.path, self.diagnostics)
        self._read_providers()
        planned = (self.doc.get("planned_values") or {}).get("root_module") or {}
        changes = {c.get("address"): c for c in self.doc.get("resource_changes") or [] if isinstance(c, dict)}
        self._walk(planned, "", changes)
        self.resolve_refs()
        return self.result

    def _walk(self, module: dict, module_address: str, changes: dict) -> None:
        resources = module.get("resources") or []
        for i, res in enumerate(resources):
            if isinstance(res, dict) and res.get("type") and res.get("name"):
                self._instance(res, module_address, changes, resources, i)
        for child in module.get("child_modules") or []:
            if isinstance(child, dict):
                self._walk(child, child.get("address") or module_address, changes)

    def _instance(self, res: dict, module_address: str, changes: dict, siblings: list, index: int) -> None:
        mode = res.get("mode", "managed")
        rtype, name = res["type"], res["name"]
        address = res.get("address") or (module_address + "." if module_address else "") + f"{rtype}.{name}"
        found = self._source_block(module_address, mode, rtype, name)
        if found is not None:
            block, path = found
            location = block_location(path, block)
            shadow = (block.body, path)
        else:
            line, col = siblings.item_lines[index] if isinstance(siblings, jsonpos.PosList) else (1, 0)
            location = Location(self.path, line, col)
            shadow = None
        values = res.get("values") or {}
        unknown = ((changes.get(address) or {}).get("change") or {}).get("after_unknown") or {}
        refs = self._references(module_address, mode, rtype, name, res.get("index"))
        body = _block(rtype, [rtype, name], location, values, unknown, refs, shadow, self.path)
        provider_module, provider = self._provider_key(module_address, mode, rtype, name)
        inst = ResourceInstance(address, mode, rtype, name, res.get("index"), module_address, body, location,
                                (), provider, (), provider_module)
        self.instances.append(inst)
        self.resource_blocks.append(ResourceBlock(address, mode, rtype, module_address, location, 1, ()))

    def _references(self, module_address: str, mode: str, rtype: str, name: str, key: Any) -> dict:
        """Attribute -> Refs to resource instances, from the configuration's expressions."""
        config = self._module_config(module_address) or {}
        for res in _dicts(config.get("resources")):
            if res.get("type") == rtype and res.get("name") == name and res.get("mode", "managed") == mode:
                return {attr: self._expr_refs(expr, module_address, key)
                        for attr, expr in (res.get("expressions") or {}).items()}
        return {}

    def _expr_refs(self, expr: Any, module_address: str, key: Any) -> Any:
        """An attribute's Refs; for nested blocks (a list of objects) one attribute -> Refs mapping per block."""
        if isinstance(expr, dict):
            return self._refs(expr, module_address, key)
        if isinstance(expr, list):
            return [{a: self._expr_refs(e, module_address, key) for a, e in item.items()} if isinstance(item, dict)
                    else {} for item in expr]
        return frozenset()

    def _refs(self, expr: dict, module_address: str, key: Any) -> frozenset:
        prefix = module_address + "." if module_address else ""
        out = set()
        refs = expr.get("references")
        for ref in refs if isinstance(refs, list) else []:
            m = _REF.match(ref) if isinstance(ref, str) else None
            if not m or ref.startswith(("var.", "local.", "module.", "each.", "count.", "path.")):
                continue
            base, index = prefix + m.group(1), m.group(2)
            if index in ("[each.key]", "[count.index]") and key is not None:
                index = f"[{_key_text(key)}]"
            out.add(Ref(base + (index or ""), "id"))
        return frozenset(out)

    def resolve_refs(self) -> None:
        """Refs without an instance key point at the single instance, or at the one with our key."""
        by_base: dict = {}
        for inst in self.instances:
            by_base.setdefault(_strip_key(inst.address), []).append(inst.address)
        for inst in self.instances:
            blocks = [inst.body]
            while blocks:  # nested blocks (a NIC's ip_configuration) hold references too
                block = blocks.pop()
                blocks.extend(block.blocks)
                for attr in block.attrs.values():
                    if isinstance(attr.value, Unknown) and attr.value.refs:
                        fixed = set()
                        for ref in attr.value.refs:
                            addresses = by_base.get(_strip_key(ref.address), [])
                            if ref.address in addresses:
                                fixed.add(ref)
                            elif len(addresses) == 1:
                                fixed.add(Ref(addresses[0], ref.attr))
                            else:
                                fixed.add(ref)
                        attr.value = Unknown(attr.value.reason, frozenset(fixed))


def _block(btype: str, labels: list, location: Location, values: dict, unknown: Any, refs: dict,
           shadow: Optional[tuple], plan_path: str) -> EvalBlock:
    out = EvalBlock(btype, labels, location)
    body, path = shadow if shadow else (None, None)
    for key, value in values.items():
        where = _attr_where(body, path, key, location, values, plan_path)
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            nested_unknown = unknown.get(key) if isinstance(unknown, dict) else None
            nested_refs = refs.get(key) if isinstance(refs.get(key), list) else []
            blocks = body.blocks if body is not None else []
            shadows = [b for b in blocks if b.type == key]
            for i, item in enumerate(value):
                sub_unknown = nested_unknown[i] if isinstance(nested_unknown, list) and i < len(nested_unknown) else {}
                sub_shadow = (shadows[i].body, path) if i < len(shadows) else None
                sub_loc = block_location(path, shadows[i]) if i < len(shadows) else where
                sub_refs = nested_refs[i] if i < len(nested_refs) and isinstance(nested_refs[i], dict) else {}
                child = _block(key, [], sub_loc, item, sub_unknown, sub_refs, sub_shadow, plan_path)
                child.synthetic = False
                out.blocks.append(child)
            continue
        out.attrs[key] = EvalAttr(key, plain(value), where)
    if isinstance(unknown, dict):
        for key, flag in unknown.items():
            if flag is True and (key not in out.attrs or out.attrs[key].value is None):  # unknown, not null
                key_refs = refs.get(key)
                key_refs = key_refs if isinstance(key_refs, frozenset) else frozenset()
                out.attrs[key] = EvalAttr(key, Unknown(f"{key} is known only after apply", key_refs),
                                          _attr_where(body, path, key, location, values, plan_path))
    for key, key_refs in refs.items():
        if isinstance(key_refs, frozenset) and key not in out.attrs and key_refs \
                and not any(b.type == key for b in out.blocks):
            out.attrs[key] = EvalAttr(key, Unknown(f"{key} is known only after apply", key_refs),
                                      _attr_where(body, path, key, location, values, plan_path))
    return out


def _attr_where(body, path: Optional[str], key: str, block_loc: Location, values: dict, plan_path: str) -> Location:
    if body is not None:
        attr = body.attributes.get(key)
        return attr_location(path, attr) if attr is not None else block_loc
    if isinstance(values, jsonpos.PosDict) and key in values.key_lines:
        line, col = values.key_lines[key]
        return Location(plan_path, line, col)
    return block_loc


def _call_names(module_address: str) -> list:
    return re.findall(r'module\.([A-Za-z_][\w-]*)', module_address or "")


def _strip_key(address: str) -> str:
    return re.sub(r'\[[^\]]*\]$', "", address)


def _key_text(key: Any) -> str:
    import json

    return str(key) if isinstance(key, int) else json.dumps(key)


def parse_plan(path: str, text: str) -> tuple:
    """(document, None) for a plan JSON, (None, None) for other JSON, (None, Diagnostic) when the
    text is not JSON."""
    if '"format_version"' not in text[:4096] and '"planned_values"' not in text:
        return None, None  # not a plan (package.json; ARM templates are another front end's)
    try:
        doc = jsonpos.loads(text)
    except jsonpos.JSONPosError as exc:
        return None, Diagnostic("EXV000", Location(path, exc.line, exc.col), f"invalid JSON: {exc.message}")
    return (doc, None) if is_plan(doc) else (None, None)


def _dicts(items: Any) -> list:
    """The objects of a list that the shape check may have thinned out."""
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
