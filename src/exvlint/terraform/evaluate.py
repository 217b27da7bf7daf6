"""Terraform evaluation: a module tree, its variables, locals, resources, modules and expansion.

Values follow ``values.py``. Evaluation is lazy and memoised per module instance, so a
reference is resolved when it is first needed and cycles end in an Unknown, never a hang.
Every attribute value remembers where it came from (``origins``): the ``.tfvars`` line, the
variable default or the module argument a user would edit.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Optional

from .. import files, limits
from ..findings import Diagnostic, Location, Related, brief
from ..paths import Boundary
from . import hcl
from .expressions import ORIGINS, Budget, Expressions, Scope
from .hcl import Body, Expr, GetAttr, Literal, Name, ObjectExpr, Template
from .inputs import RootInputs, root_inputs
from .loader import (
    ModuleSource,
    attr_location,
    block_location,
    load_module,
    load_modules_json,
)
from .operations import _primitive_type, convert_type
from .results import (
    EvalAttr,
    EvalBlock,
    ProviderConfig,
    ResourceBlock,
    ResourceInstance,
    TerraformResult,
)
from .values import (
    BlockObject,
    EvalError,
    Ref,
    ResourceObject,
    Unknown,
    literal_origin,
    plain,
    to_int,
    to_string,
    type_name,
)

RESOURCE_META = {"count", "for_each", "depends_on", "lifecycle", "provider", "provisioner", "connection"}
MODULE_META = {"source", "version", "count", "for_each", "providers", "depends_on"}


@dataclass
class Expansion:
    keys: Optional[list]  # [(key, scope names)], None when not known
    origins: tuple  # the count / for_each attribute, then where its value came from
    reason: str = ""
# --------------------------------------------------------------------------- evaluator
class Evaluator:
    """Evaluates one root module and every module it calls."""

    def __init__(self, root_dir: str, parse_cache: dict, cli_inputs: tuple = (), environ: Optional[dict] = None):
        self.root_dir = root_dir
        if getattr(parse_cache, "boundary", None) is None:  # never read without a boundary
            boundary = Boundary.for_paths([root_dir])
            parse_cache = files.FileCache(boundary) if not parse_cache else parse_cache
            parse_cache.boundary = boundary
        self.parse_cache = parse_cache
        self.boundary: Boundary = parse_cache.boundary  # nothing outside it is read, modules included
        self.sources: dict = {}
        self.modules_json, diagnostics = load_modules_json(root_dir, parse_cache)
        self.cli_inputs = cli_inputs  # ordered ("file", path) / ("var", "name=value"), as on the command line
        self.environ = os.environ if environ is None else environ
        self.result = TerraformResult(diagnostics=diagnostics, environ=self.environ)
        self.budget = Budget()
        # the result's lists, filled as modules are evaluated
        self.instances = self.result.instances
        self.resource_blocks = self.result.resource_blocks
        self.providers = self.result.providers
        self.diagnostics = self.result.diagnostics

    def source(self, directory: str) -> ModuleSource:
        directory = os.path.normpath(directory)
        if directory not in self.sources:
            src = load_module(directory, self.parse_cache)
            self.sources[directory] = src
            self.budget.grow(src.files)
            self.diagnostics.extend(src.errors)
        return self.sources[directory]

    def run(self) -> TerraformResult:
        src = self.source(self.root_dir)
        root = ModuleInstance(self, src, "", None, (), (os.path.normpath(self.root_dir),), module_key="")
        root.root_inputs = root_inputs(src, self.environ, self.cli_inputs, self.parse_cache, self.diagnostics)
        try:
            root.evaluate_all()
        except limits.LimitExceeded as exc:  # past every item's own handling: what was evaluated stands
            self.budget.where = self.budget.where or Location(self.root_dir)
            self.budget.overrun(exc, self.diagnostics)
        return self.result

    def module_dir_for(self, caller: "ModuleInstance", call_name: str, source: Any) -> Optional[str]:
        if not isinstance(source, str):
            return None
        if source.startswith(("./", "../", ".\\", "..\\")) or source in (".", ".."):
            return os.path.normpath(os.path.join(caller.source.directory, source))
        key = ".".join([k for k in caller.module_key.split(".") if k] + [call_name])
        entry = self.modules_json.get(key)
        if entry:
            return os.path.normpath(os.path.join(self.root_dir, entry))
        return None
class ModuleInstance(Expressions):
    def __init__(self, evaluator: Evaluator, source: ModuleSource, address: str,
                 inputs: Optional[dict], call_sites: tuple, ancestry: tuple, module_key: str,
                 parent: Optional["ModuleInstance"] = None, providers_map: Optional[dict] = None):
        self.evaluator = evaluator
        self.parent = parent
        self.providers_map = providers_map  # the call's `providers = { local = parent.ref }`, None if unreadable
        self.source = source
        self.address = address  # "" or module.a["x"].module.b
        self.inputs = inputs  # child modules: name -> (value, origins)
        self.root_inputs: Optional[RootInputs] = None
        self.call_sites = call_sites
        self.ancestry = ancestry  # directories from the root down, to detect cycles
        self.module_key = module_key  # modules.json key: "a.b"
        self._vars: dict = {}
        self._locals: dict = {}
        self._resources: dict = {}
        self._modules: dict = {}
        self._in_progress: set = set()
        self._current_address = ""  # the resource instance being evaluated, for diagnostics

    def prefix(self) -> str:
        return self.address + "." if self.address else ""

    # -- whole-module evaluation
    def evaluate_all(self) -> None:
        for (mode, rtype, name) in list(self.source.resources):
            self.resource_value(mode, rtype, name)
        for name in list(self.source.module_calls):
            self.module_value(name)
        for block, path in self.source.providers:
            alias_attr = block.body.attributes.get("alias")
            alias = ""
            if alias_attr is not None:
                alias = self.top_eval(alias_attr.expr, Scope(self, path), [])
            pname = block.labels[0] + ("." + alias if isinstance(alias, str) and alias else "")
            body = self.eval_block(block, Scope(self, path), skip=set())
            self.evaluator.providers.append(ProviderConfig(pname, self.address, body))

    # -- variables and locals
    def var_value(self, name: str, trace: list) -> Any:
        if name not in self._vars:
            self._vars[name] = self._compute_var(name)
        value, origins = self._vars[name]
        trace.extend(origins)
        return value

    def _compute_var(self, name: str) -> tuple:
        decl = self.source.variables.get(name)
        if decl is None:
            return Unknown(f"variable {name} is not declared"), ()
        block, path = decl
        scope = Scope(self, path)
        origins: tuple = ()
        value: Any = _MISSING
        if self.inputs is not None and name in self.inputs:
            value, origins = self.inputs[name]
        elif self.root_inputs is not None and name in self.root_inputs.values:
            raw, origin = self.root_inputs.values[name]
            origins = (origin,) if origin else ()
            value = self._root_input_value(raw, block)
        if value is None and not _nullable(block, scope):
            value = _MISSING
        if value is _MISSING:
            default = block.body.attributes.get("default")
            if default is not None:
                value = self.top_eval(default.expr, scope, [])
                origins = (Related(attr_location(path, default), f"default of variable {name}"),)
            else:
                return Unknown(f"variable {name} has no value"), ()
        type_attr = block.body.attributes.get("type")
        if type_attr is not None:
            value = convert_type(value, type_attr.expr, self, scope)
        return value, origins

    def _root_input_value(self, raw: tuple, block: hcl.Block) -> Any:
        kind = raw[0]
        if kind == "value":
            return raw[1]
        if kind == "expr":
            return self.top_eval(raw[1], Scope(self, raw[2]), [])
        text = raw[1]  # "raw": from TF_VAR_ or --var; strings stay strings for primitive types
        type_attr = block.body.attributes.get("type")
        type_name_ = _primitive_type(type_attr.expr) if type_attr is not None else "string"
        if type_name_ in ("string", "number", "bool"):
            return text
        try:
            return plain(self.top_eval(hcl.parse_expression(text), Scope(self, "<command line>"), []))
        except hcl.HCLSyntaxError:
            return text

    def local_value(self, name: str, trace: list) -> Any:
        if name in self._locals:
            value, origins = self._locals[name]
            trace.extend(origins)
            return value
        decl = self.source.locals.get(name)
        if decl is None:
            raise EvalError(f"local.{name} is not declared")
        key = ("local", name)
        if key in self._in_progress:
            return Unknown(f"local.{name} refers to itself")
        self._in_progress.add(key)
        attr, path = decl
        local_trace: list = []
        try:
            value = self.top_eval(attr.expr, Scope(self, path), local_trace)
        finally:
            self._in_progress.discard(key)
        origins = tuple(_dedupe(local_trace))
        self._locals[name] = (value, origins)
        trace.extend(origins)
        return value

    # -- resources
    def resource_value(self, mode: str, rtype: str, name: str) -> Any:
        key = (mode, rtype, name)
        if key in self._resources:
            return self._resources[key]
        decl = self.source.resources.get(key)
        if decl is None:
            prefix = "data." if mode == "data" else ""
            raise EvalError(f"reference to undeclared resource {prefix}{rtype}.{name}")
        if key in self._in_progress:
            return Unknown(f"{rtype}.{name} refers to itself")
        self._in_progress.add(key)
        try:
            value = self._expand_resource(mode, rtype, name, *decl)
        finally:
            self._in_progress.discard(key)
        self._resources[key] = value
        return value

    def _expand_resource(self, mode: str, rtype: str, name: str, block: hcl.Block, path: str) -> Any:
        base = self.prefix() + ("data." if mode == "data" else "") + f"{rtype}.{name}"
        scope = Scope(self, path)
        loc = block_location(path, block)
        exp = self.expansion(block, scope, base)
        origins = exp.origins
        if exp.keys is None:
            self.evaluator.resource_blocks.append(
                ResourceBlock(base, mode, rtype, self.address, loc, None, origins, exp.reason))
            return Unknown(f"the instances of {base} are not known", frozenset({Ref(base, "")}))
        items = exp.keys
        self.evaluator.resource_blocks.append(ResourceBlock(base, mode, rtype, self.address, loc, len(items), origins))
        provider_module, provider, provider_reason = self.resolve_provider(_provider_ref(block) or rtype.split("_")[0])
        results: dict = {}
        outer_address = self._current_address  # a reference may evaluate this resource mid-way through another
        for inst_key, names in items:
            address = base + _key_suffix(inst_key)
            self._current_address = address
            try:
                body = self.eval_block(block, scope.with_names(**names), RESOURCE_META)
            finally:
                self._current_address = outer_address
            inst = ResourceInstance(address, mode, rtype, name, inst_key, self.address, body, loc,
                                    self.call_sites, provider, origins, provider_module, provider_reason)
            self.evaluator.instances.append(inst)
            results[inst_key] = ResourceObject(address, block_object(body, address))
        return _shape(block, items, results)

    def expansion(self, block: hcl.Block, scope: Scope, address: str) -> "Expansion":
        """The instances that count / for_each create, and where that decision came from."""
        attrs = block.body.attributes
        meta = "for_each" if "for_each" in attrs else "count" if "count" in attrs else None
        if meta is None:
            return Expansion([(None, {})], ())
        attr = attrs[meta]
        where = attr_location(scope.path, attr)
        trace: list = []
        value = self.top_eval(attr.expr, scope, trace)
        origins = (Related(where, f"{meta} of {address}"),) + tuple(_dedupe(trace))
        try:
            keys = self._keys(meta, value, origins[1:])
            if not isinstance(keys, str) and len(keys) > limits.current().instances:
                raise _TooMany(len(keys))
        except _TooMany as many:
            self.limit_hit(where, address, "instances", f"{meta} of {address} makes {many.count:,} instances")
            return Expansion(None, origins, "more instances than exvlint expands")
        if isinstance(keys, str):  # why the instances are unknown
            self.unresolved(where, address, f"{meta} of {address}: {keys}")
            return Expansion(None, origins, keys)
        return Expansion(keys, origins)

    @staticmethod
    def _keys(meta: str, value: Any, origins: tuple) -> Any:
        """[(key, names)] or a string saying why the keys are unknown."""
        if isinstance(value, Unknown):
            return value.reason
        if meta == "count":
            try:
                count = to_int(value, "count")
            except EvalError:  # 1.5, 1e400 or text: Terraform rejects the count
                return "count is not a whole number"
            if count > limits.current().instances:  # never listed: it could be 10**18
                raise _TooMany(count)
            return [(i, {"count": {"index": i}, ORIGINS + "count": origins}) for i in range(max(0, count))]
        if value is None:
            return []
        if isinstance(value, dict):
            return [(k, {"each": {"key": k, "value": v}, ORIGINS + "each": origins}) for k, v in sorted(value.items())]
        if isinstance(value, list):
            items = set()
            for v in value:
                if isinstance(v, Unknown):
                    return "for_each holds unknown keys"
                try:
                    items.add(to_string(v))
                except EvalError:
                    return "for_each must be a map or a set of strings"
            return [(k, {"each": {"key": k, "value": k}, ORIGINS + "each": origins}) for k in sorted(items)]
        return f"for_each is a {type_name(value)}, not a map or a set"

    def resolve_provider(self, ref: str, depth: int = 0) -> tuple:
        """(module address, configuration name, why unknown) of provider ``ref`` used in this module.

        Terraform's rules: a module's own provider block wins; else the call's ``providers`` map
        names the parent's configuration; else a default (unaliased) configuration is inherited.
        """
        local = {b.labels[0] + _alias_suffix(b) for b, _ in self.source.providers}
        if ref in local or self.parent is None or depth > 50:
            return self.address, ref, ""
        if self.providers_map is None:
            return self.address, ref, f"the providers argument of {self.address} is not a map of references"
        if ref in self.providers_map:
            return self.parent.resolve_provider(self.providers_map[ref], depth + 1)
        if "." not in ref:
            return self.parent.resolve_provider(ref, depth + 1)
        return self.address, ref, f"provider {ref} is not passed to {self.address}"

    def unresolved(self, location: Location, address: str, what: str) -> None:
        self.evaluator.diagnostics.append(Diagnostic("EXV001", location, what, address))

    def limit_hit(self, location: Location, address: str, limit: str, what: str) -> None:
        """A limit stops the expansion here: an input error, and what it creates stays unknown."""
        error = limits.LimitExceeded(limit, what)
        self.evaluator.diagnostics.append(Diagnostic("EXV000", location, str(error), address))

    # -- modules
    def module_value(self, name: str) -> Any:
        if name in self._modules:
            return self._modules[name]
        decl = self.source.module_calls.get(name)
        if decl is None:
            raise EvalError(f"reference to undeclared module.{name}")
        key = ("module", name)
        if key in self._in_progress:
            return Unknown(f"module.{name} refers to itself")
        self._in_progress.add(key)
        try:
            value = self._expand_module(name, *decl)
        finally:
            self._in_progress.discard(key)
        self._modules[name] = value
        return value

    def _expand_module(self, name: str, block: hcl.Block, path: str) -> Any:
        scope = Scope(self, path)
        base = self.prefix() + f"module.{name}"
        call_loc = block_location(path, block)
        source_attr = block.body.attributes.get("source")
        source = self.top_eval(source_attr.expr, scope, []) if source_attr is not None else None
        directory = self.evaluator.module_dir_for(self, name, source)
        if directory is None:
            self.unresolved(call_loc, base, f"module {base} (source {source!r}) is not installed: run terraform init, or its resources are unknown")
            return Unknown(f"module {base} is not available offline")
        if not self.evaluator.boundary.contains(directory):
            where = attr_location(path, source_attr) if source_attr is not None else call_loc
            self.evaluator.diagnostics.append(Diagnostic(
                "EXV000", where, f"module source {brief(source)!r} is outside the scanned tree (the repository, or "
                "the scanned directory outside any repository); not read", base))
            return Unknown("module source outside the scanned tree")
        if directory in self.ancestry:
            self.evaluator.diagnostics.append(Diagnostic("EXV000", call_loc, f"module cycle: {base} calls {directory}, which is already being evaluated", base))
            return Unknown("module cycle")
        if not os.path.isdir(directory):
            self.evaluator.diagnostics.append(Diagnostic("EXV000", attr_location(path, source_attr), f"module source {source!r} is not a directory", base))
            return Unknown("module source missing")
        child_src = self.evaluator.source(directory)
        exp = self.expansion(block, scope, base)
        if exp.keys is None:
            return Unknown(f"the instances of {base} are not known")
        results = {}
        for inst_key, names in exp.keys:
            address = base + _key_suffix(inst_key)
            arg_scope = scope.with_names(**names)
            inputs = {}
            for arg, attr in block.body.attributes.items():
                if arg in MODULE_META:
                    continue
                trace: list = []
                value = self.top_eval(attr.expr, arg_scope, trace)
                origin = Related(attr_location(path, attr), f"argument {arg} of {address}")
                inputs[arg] = (value, tuple(_dedupe([origin] + trace)))
            child = ModuleInstance(self.evaluator, child_src, address, inputs, self.call_sites + (call_loc,),
                                   self.ancestry + (directory,), ".".join(filter(None, [self.module_key, name])),
                                   parent=self, providers_map=_providers_map(block))
            child.evaluate_all()
            results[inst_key] = child.outputs()
        return _shape(block, exp.keys, results)

    def outputs(self) -> dict:
        out = {}
        for name, (block, path) in self.source.outputs.items():
            value_attr = block.body.attributes.get("value")
            out[name] = self.top_eval(value_attr.expr, Scope(self, path), []) if value_attr is not None else None
        return out

    # -- blocks
    def eval_block(self, block: hcl.Block, scope: Scope, skip: set) -> EvalBlock:
        return self.eval_body(block.body, scope, block.type, block.labels, block_location(scope.path, block), skip)

    def eval_body(self, body: Body, scope: Scope, btype: str, labels: list, loc: Location, skip: set = frozenset()) -> EvalBlock:
        out = EvalBlock(btype, list(labels), loc)
        for name, attr in body.attributes.items():
            if name in skip:
                continue
            trace: list = []
            value = self.top_eval(attr.expr, Scope(scope.mod, attr.path, scope.names) if attr.path else scope, trace)
            where = attr_location(scope.path, attr)
            written = literal_origin(value, where)
            if written is not None and not any(
                    (o.location.path, o.location.line) == (written.location.path, written.location.line) for o in trace):
                trace.insert(0, written)
            out.attrs[name] = EvalAttr(name, value, where, tuple(_dedupe(trace)))
        for child in body.blocks:
            if child.type in skip:
                continue
            child_scope = Scope(scope.mod, child.path, scope.names) if child.path else scope
            if child.type == "dynamic" and child.labels:
                self._expand_dynamic(child, child_scope, out)
            else:
                evaluated = self.eval_body(child.body, child_scope, child.type, child.labels,
                                           block_location(child_scope.path, child))
                evaluated.synthetic = child.synthetic
                out.blocks.append(evaluated)
        return out

    def _expand_dynamic(self, block: hcl.Block, scope: Scope, out: EvalBlock) -> None:
        label = block.labels[0]
        attrs = block.body.attributes
        iterator = label
        if "iterator" in attrs and isinstance(attrs["iterator"].expr, Name):
            iterator = attrs["iterator"].expr.name
        content = next((b for b in block.body.blocks if b.type == "content"), None)
        if "for_each" not in attrs or content is None:
            return
        dyn_trace: list = []
        coll = self.top_eval(attrs["for_each"].expr, scope, dyn_trace)
        origins = tuple(_dedupe(dyn_trace))
        loc = block_location(scope.path, block)
        if isinstance(coll, Unknown):
            out.unknown_blocks.add(label)
            self.unresolved(attr_location(scope.path, attrs["for_each"]), self._current_address,
                            f"dynamic \"{label}\" blocks of {self._current_address or 'a block'}: {_reason(coll)}")
            return
        if isinstance(coll, dict):
            items = sorted(coll.items())
        elif isinstance(coll, list):
            items = list(enumerate(coll))
        elif coll is None:
            items = []
        else:
            out.unknown_blocks.add(label)
            return
        if len(items) > limits.current().instances:
            out.unknown_blocks.add(label)
            self.limit_hit(attr_location(scope.path, attrs["for_each"]), self._current_address, "instances",
                           f"dynamic \"{label}\" makes {len(items):,} blocks")
            return
        for k, v in items:
            inner = scope.with_names(**{iterator: {"key": k, "value": v}, ORIGINS + iterator: origins})
            labels_attr = attrs.get("labels")
            labels = []
            if labels_attr is not None:
                lv = self.top_eval(labels_attr.expr, inner, [])
                labels = [x for x in lv if isinstance(x, str)] if isinstance(lv, list) else []
            child = self.eval_body(content.body, inner, label, labels, Location(loc.path, content.line, content.col, content.line))
            out.blocks.append(child)

_MISSING = object()


class _TooMany(Exception):
    def __init__(self, count: int):
        super().__init__(count)
        self.count = count
# --------------------------------------------------------------------------- helpers


def block_object(body: EvalBlock, address: str = "", attr: str = "") -> dict:
    """An evaluated block as an expression value: attributes plus nested blocks as lists. Nested blocks
    of resource ``address`` know it: what they do not configure is known only after apply."""
    out = {name: a.value for name, a in body.attrs.items()}
    for child in body.blocks:
        if not child.synthetic:
            out.setdefault(child.type, []).append(block_object(child, address, attr or child.type))
    return BlockObject(address, attr, out) if address and attr else out


def _shape(block: hcl.Block, keys: list, results: dict) -> Any:
    """Instances as Terraform exposes them: one object, a list (count) or a map (for_each)."""
    if "for_each" in block.body.attributes:
        return {k: results[k] for k, _ in keys}
    if "count" in block.body.attributes:
        return [results[k] for k, _ in keys]
    return results[None]


def _key_suffix(key: Any) -> str:
    """count keys are ints, for_each keys are strings: module.m["a"], disk[0]."""
    if key is None:
        return ""
    if isinstance(key, int):
        return f"[{key}]"
    return "[" + json.dumps(key) + "]"


def _provider_ref(block: hcl.Block) -> str:
    attr = block.body.attributes.get("provider")
    return _traversal(attr.expr) if attr is not None else ""


def _traversal(expr: Expr) -> str:
    """``hyperv.hv02`` from a reference expression (or a literal string), "" otherwise."""
    if isinstance(expr, Template) and len(expr.parts) == 1 and isinstance(expr.parts[0], str):
        return expr.parts[0]
    if isinstance(expr, Literal) and isinstance(expr.value, str):
        return expr.value
    parts = []
    while isinstance(expr, GetAttr):
        parts.append(expr.name)
        expr = expr.obj
    if isinstance(expr, Name):
        parts.append(expr.name)
        return ".".join(reversed(parts))
    return ""


def _providers_map(call: hcl.Block) -> Optional[dict]:
    attr = call.body.attributes.get("providers")
    if attr is None:
        return {}
    if not isinstance(attr.expr, ObjectExpr):
        return None
    out = {}
    for key_expr, value_expr in attr.expr.items:
        key, value = _traversal(key_expr), _traversal(value_expr)
        if key and value:
            out[key] = value
    return out


def _alias_suffix(block: hcl.Block) -> str:
    alias = block.body.attributes.get("alias")
    name = _traversal(alias.expr) if alias is not None else ""
    return "." + name if name else ""


def _dedupe(items: list) -> list:
    seen = set()
    out = []
    for item in items:
        if item is None:
            continue
        key = (item.location, item.message)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _reason(value: Any) -> str:
    return value.reason if isinstance(value, Unknown) else "not known"
def _nullable(block: hcl.Block, scope: Scope) -> bool:
    attr = block.body.attributes.get("nullable")
    if attr is None or not isinstance(attr.expr, Literal):
        return True
    return attr.expr.value is not False
