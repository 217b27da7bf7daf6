"""Terraform evaluation: a module tree, its variables, locals, resources, modules and expansion.

Values follow ``values.py``. Evaluation is lazy and memoised per module instance, so a
reference is resolved when it is first needed and cycles end in an Unknown, never a hang.
Every attribute value remembers where it came from (``origins``): the ``.tfvars`` line, the
variable default or the module argument a user would edit.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from ..findings import Location, Related
from ..paths import is_within
from . import hcl
from .hcl import (Binary, Body, Call, Conditional, Expr, ForExpr, GetAttr, Index, Literal, Name,
                  ObjectExpr, Splat, Template, TemplateFor, TemplateIf, TupleExpr, Unary)
from .values import (EvalError, Ref, Unknown, contains_unknown, merge_unknown, plain, to_bool, to_number,
                     to_string, type_name)

ORIGINS = "\0origins:"  # scope key prefix: where an iteration value (each, count) came from
RESOURCE_META = {"count", "for_each", "depends_on", "lifecycle", "provider", "provisioner", "connection"}
MODULE_META = {"source", "version", "count", "for_each", "providers", "depends_on"}
MAX_INSTANCES = 10_000


# --------------------------------------------------------------------------- results


@dataclass(slots=True)
class EvalAttr:
    name: str
    value: Any
    location: Location
    origins: tuple = ()  # tuple[Related]


@dataclass
class EvalBlock:
    type: str
    labels: list
    location: Location
    attrs: dict = field(default_factory=dict)  # name -> EvalAttr
    blocks: list = field(default_factory=list)  # list[EvalBlock]
    unknown_blocks: set = field(default_factory=set)  # block types whose count is unknown (dynamic)
    synthetic: bool = False  # read from a .tf.json object that is also an attribute

    def attr(self, name: str) -> Optional[EvalAttr]:
        return self.attrs.get(name)

    def blocks_of(self, block_type: str) -> list:
        return [b for b in self.blocks if b.type == block_type]


@dataclass
class ResourceInstance:
    address: str
    mode: str  # managed | data
    type: str
    name: str
    key: Any  # None, int (count) or str (for_each)
    module_path: str  # "" for the root module
    body: EvalBlock
    location: Location  # resource header
    call_sites: tuple  # tuple[Location]: module calls from the root down
    provider: str  # the provider configuration it uses, resolved through module calls: "hyperv.hv02"
    origins: tuple = ()  # tuple[Related]: where count / for_each (so this instance's existence) came from
    provider_module: str = ""  # module address of that configuration ("" = the root module)
    provider_reason: str = ""  # why the configuration could not be resolved, when it could not


@dataclass
class ResourceBlock:
    """One resource block as expanded in one module instance, including blocks with no instance."""

    address: str  # without instance key
    mode: str
    type: str
    module_path: str
    location: Location
    instances: Optional[int]  # None when count / for_each is unknown
    origins: tuple  # tuple[Related]: the count / for_each attribute and where its value came from
    reason: str = ""  # why the instances are unknown


@dataclass
class Diagnostic:
    rule_id: str  # EXV000 (input error) or EXV001 (unresolved, --strict only)
    location: Location
    message: str
    address: str = ""


@dataclass
class ProviderConfig:
    name: str  # e.g. "hyperv" or "hyperv.hv02"
    module_path: str
    body: EvalBlock


@dataclass
class Expansion:
    keys: Optional[list]  # [(key, scope names)], None when not known
    origins: tuple  # the count / for_each attribute, then where its value came from
    reason: str = ""


class LStr(str):
    """A string literal that remembers where it was written (for related locations).

    It travels unchanged through variables, module arguments, ``each.value`` and map lookups;
    anything computed from it is a plain ``str`` again, which is right: the literal is no longer
    the place to fix.
    """

    origin: Optional[Location] = None


class LInt(int):
    origin: Optional[Location] = None


class LFloat(float):
    origin: Optional[Location] = None


def located(value: Any, location: Location) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    cls = LStr if isinstance(value, str) else LInt if isinstance(value, int) else LFloat if isinstance(value, float) else None
    if cls is None:
        return value
    out = cls(value)
    out.origin = location
    return out


def literal_origin(value: Any, attr_location: Location) -> Optional[Related]:
    """Where a scalar value was written, when that is not the attribute itself."""
    origin = getattr(value, "origin", None)
    if origin is None or (origin.path == attr_location.path and origin.line == attr_location.line):
        return None
    name = os.path.basename(origin.path)
    label = f"value set in {name}" if name.endswith((".tfvars", ".tfvars.json")) else "value written here"
    return Related(origin, label)


class ResourceObject(dict):
    """A resource instance as an expression value: its configured attributes.

    Attributes that are not configured are only known after apply; reading one yields an
    Unknown that carries a :class:`Ref`, which is how references become graph edges.
    """

    def __init__(self, address: str, data: dict):
        super().__init__(data)
        self.address = address

    def get_attr(self, name: str) -> Any:
        if name in self:
            return self[name]
        return Unknown(f"{self.address}.{name} is known only after apply", frozenset({Ref(self.address, name)}))


# --------------------------------------------------------------------------- sources


@dataclass
class ModuleSource:
    """The parsed files of one module directory."""

    directory: str
    files: list = field(default_factory=list)  # paths of .tf files read
    variables: dict = field(default_factory=dict)  # name -> (Block, path)
    locals: dict = field(default_factory=dict)  # name -> (Attribute, path)
    resources: dict = field(default_factory=dict)  # (mode, type, name) -> (Block, path)
    module_calls: dict = field(default_factory=dict)  # name -> (Block, path)
    outputs: dict = field(default_factory=dict)  # name -> (Block, path)
    providers: list = field(default_factory=list)  # list[(Block, path)]
    comments: dict = field(default_factory=dict)  # path -> list[Comment]
    errors: list = field(default_factory=list)  # list[Diagnostic]


MAX_FILE_BYTES = 10 * 1024 * 1024


def read_text(path: str) -> tuple:
    """(text, None) or (None, Diagnostic) for unreadable, binary, oversized or undecodable files."""
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            return None, Diagnostic("EXV000", Location(path), f"file is larger than 10 MB ({size} bytes); not read")
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        return None, Diagnostic("EXV000", Location(path), f"cannot read file: {exc.strerror or exc}")
    if b"\x00" in data[:8192]:
        return None, Diagnostic("EXV000", Location(path), "binary file (contains NUL bytes); not read")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, Diagnostic("EXV000", Location(path, line), f"file is not valid UTF-8 (byte {exc.start}); not read")
    return text, None


def parse_file(path: str, cache: dict) -> tuple:
    """Parsed file or a Diagnostic; parse results are cached per path for the run."""
    if path in cache:
        return cache[path]
    text, diag = read_text(path)
    if diag is not None:
        result = (None, diag)
    else:
        try:
            if path.endswith(".json"):
                from .tfjson import parse_tf_json

                result = (parse_tf_json(text, path), None)
            else:
                result = (hcl.parse_hcl(text, path), None)
        except hcl.HCLSyntaxError as exc:
            result = (None, Diagnostic("EXV000", Location(path, exc.line or 1, exc.col or 0), exc.message))
        except RecursionError:
            result = (None, Diagnostic("EXV000", Location(path, 1), "expression nesting too deep to parse"))
    cache[path] = result
    return result


def tf_files(directory: str) -> list:
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    return [os.path.join(directory, n) for n in names
            if n.endswith((".tf", ".tf.json")) and os.path.isfile(os.path.join(directory, n))]


def _is_override(path: str) -> bool:
    name = os.path.basename(path)
    stem = name[: -len(".json")] if name.endswith(".json") else name
    return stem == "override.tf" or stem.endswith("_override.tf")


def load_module(directory: str, parse_cache: dict) -> ModuleSource:
    src = ModuleSource(directory)
    paths = tf_files(directory)
    # override files are merged into the blocks they name, after every other file (Terraform's rule)
    for path in [p for p in paths if not _is_override(p)] + [p for p in paths if _is_override(p)]:
        parsed, diag = parse_file(path, parse_cache)
        if diag is not None:
            src.errors.append(diag)
            continue
        src.files.append(path)
        src.comments[path] = parsed.comments
        override = _is_override(path)
        for block in parsed.body.blocks:
            _index_block(src, block, path, override)
    return src


def _index_block(src: ModuleSource, block: hcl.Block, path: str, override: bool = False) -> None:
    labels = block.labels
    table, key = None, None
    if block.type == "resource" and len(labels) == 2:
        table, key = src.resources, ("managed", labels[0], labels[1])
    elif block.type == "data" and len(labels) == 2:
        table, key = src.resources, ("data", labels[0], labels[1])
    elif block.type == "variable" and len(labels) == 1:
        table, key = src.variables, labels[0]
    elif block.type == "module" and len(labels) == 1:
        table, key = src.module_calls, labels[0]
    elif block.type == "output" and len(labels) == 1:
        table, key = src.outputs, labels[0]
    elif block.type == "locals":
        for name, attr in block.body.attributes.items():
            if name in src.locals and not override:
                src.errors.append(Diagnostic("EXV000", attr_location(path, attr), f"duplicate local value {name!r} "
                                             f"(first defined in {os.path.basename(src.locals[name][1])})"))
            src.locals[name] = (attr, path)
    elif block.type == "provider" and len(labels) == 1:
        src.providers.append((block, path))
    if table is None:
        return
    if key in table:
        if override:
            table[key] = (_merge_override(table[key][0], block, path), table[key][1])
        else:
            what = " ".join([block.type] + [f'"{l}"' for l in labels])
            src.errors.append(Diagnostic("EXV000", block_location(path, block),
                                         f"duplicate {what} (first defined in {os.path.basename(table[key][1])}); "
                                         "Terraform rejects this"))
        return
    table[key] = (block, path)


def _merge_override(base: hcl.Block, override: hcl.Block, path: str) -> hcl.Block:
    """Terraform's override merge: attributes replace attributes; a nested block type present in
    the override replaces every block of that type. What the override brings keeps its file."""
    from dataclasses import replace

    attributes = dict(base.body.attributes)
    attributes.update({n: replace(a, path=path) for n, a in override.body.attributes.items()})
    replaced = {b.type for b in override.body.blocks}
    blocks = [b for b in base.body.blocks if b.type not in replaced] + \
        [replace(b, path=path) for b in override.body.blocks]
    return hcl.Block(base.type, base.labels, hcl.Body(attributes, blocks), base.line, base.col,
                     base.end_line, base.end_col, base.synthetic)


def attr_location(path: str, attr: hcl.Attribute) -> Location:
    return Location(attr.path or path, attr.line, attr.col, attr.line, attr.end_col if attr.end_line == attr.line else 0)


def block_location(path: str, block: hcl.Block) -> Location:
    return Location(path, block.line, block.col, block.line, 0)


# --------------------------------------------------------------------------- scopes


class Namespace:
    """``var``, ``local``, ``module``, ``data``, ``path``... resolved lazily on attribute access."""

    def __init__(self, kind: str, mod: "ModuleInstance", extra: Any = None):
        self.kind = kind
        self.mod = mod
        self.extra = extra

    def get(self, name: str, trace: list) -> Any:
        mod = self.mod
        if self.kind == "var":
            return mod.var_value(name, trace)
        if self.kind == "local":
            return mod.local_value(name, trace)
        if self.kind == "module":
            return mod.module_value(name)
        if self.kind == "data":
            return Namespace("data_type", mod, name)
        if self.kind == "data_type":
            return mod.resource_value("data", self.extra, name)
        if self.kind == "resource_type":
            return mod.resource_value("managed", self.extra, name)
        if self.kind == "path":
            if name == "module":
                return mod.source.directory
            if name == "root":
                return mod.evaluator.root_dir
            if name == "cwd":
                return os.getcwd()
            raise EvalError(f"unknown attribute path.{name}")
        if self.kind == "terraform":
            if name == "workspace":
                return "default"
            raise EvalError(f"unknown attribute terraform.{name}")
        raise EvalError(f"unknown reference {self.kind}.{name}")


@dataclass
class Scope:
    mod: "ModuleInstance"
    path: str  # the file the expression is in
    names: dict = field(default_factory=dict)  # each, count, for-expression and iterator variables

    def with_names(self, **names: Any) -> "Scope":
        merged = dict(self.names)
        merged.update(names)
        return Scope(self.mod, self.path, merged)


# --------------------------------------------------------------------------- evaluator


class RootInputs:
    """Values for root-module variables, with Terraform's precedence already applied."""

    def __init__(self) -> None:
        self.values: dict = {}  # name -> (raw value or ("expr", Expr, path), Related | None)

    def set(self, name: str, value: Any, origin: Optional[Related]) -> None:
        self.values[name] = (value, origin)


class Evaluator:
    """Evaluates one root module and every module it calls."""

    def __init__(self, root_dir: str, parse_cache: dict, modules_json: Optional[dict] = None,
                 cli_inputs: tuple = (), environ: Optional[dict] = None, boundary: Optional[str] = None):
        self.root_dir = root_dir
        self.parse_cache = parse_cache
        self.sources: dict = {}
        self.diagnostics: list = []
        self.modules_json = modules_json or {}
        self.boundary = boundary  # local module sources may not leave this directory (the repository)
        self.cli_inputs = cli_inputs  # ordered ("file", path) / ("var", "name=value"), as on the command line
        self.environ = os.environ if environ is None else environ
        self.instances: list = []
        self.resource_blocks: list = []  # list[ResourceBlock]
        self.providers: list = []
        self.module_instances: list = []

    def source(self, directory: str) -> ModuleSource:
        directory = os.path.normpath(directory)
        if directory not in self.sources:
            src = load_module(directory, self.parse_cache)
            self.sources[directory] = src
            self.diagnostics.extend(src.errors)
        return self.sources[directory]

    def run(self) -> "ModuleInstance":
        src = self.source(self.root_dir)
        root = ModuleInstance(self, src, "", None, (), (os.path.normpath(self.root_dir),), module_key="")
        root.root_inputs = self.root_inputs(src)
        root.evaluate_all()
        return root

    # -- root variables
    def root_inputs(self, src: ModuleSource) -> RootInputs:
        inputs = RootInputs()
        for name in src.variables:
            env = self.environ.get("TF_VAR_" + name)
            if env is not None:
                inputs.set(name, ("raw", env), Related(Location("<environment>"), f"TF_VAR_{name}"))
        directory = src.directory
        auto = []
        for fname in ("terraform.tfvars", "terraform.tfvars.json"):
            p = os.path.join(directory, fname)
            if os.path.isfile(p):
                auto.append(p)
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            names = []
        auto += [os.path.join(directory, n) for n in names if n.endswith((".auto.tfvars", ".auto.tfvars.json"))]
        for path in auto:
            self._load_tfvars(path, inputs)
        for kind, item in self.cli_inputs:
            if kind == "file":
                self._load_tfvars(item, inputs)
            else:
                name, _, raw = item.partition("=")
                inputs.set(name.strip(), ("raw", raw), Related(Location("<command line>"), f"--var {name.strip()}"))
        return inputs

    def _load_tfvars(self, path: str, inputs: RootInputs) -> None:
        display = path
        if path.endswith(".json"):
            text, diag = read_text(path)
            if diag:
                self.diagnostics.append(diag)
                return
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                self.diagnostics.append(Diagnostic("EXV000", Location(display, exc.lineno, exc.colno), f"invalid JSON: {exc.msg}"))
                return
            if not isinstance(data, dict):
                self.diagnostics.append(Diagnostic("EXV000", Location(display, 1), "a .tfvars.json file must hold a JSON object"))
                return
            for name, value in data.items():
                inputs.set(name, ("value", value), Related(Location(display, _json_key_line(text, name)), f"var.{name} set in {os.path.basename(path)}"))
            return
        parsed, diag = parse_file(path, self.parse_cache)
        if diag:
            self.diagnostics.append(diag)
            return
        for block in parsed.body.blocks:
            self.diagnostics.append(Diagnostic("EXV000", Location(display, block.line), f"blocks are not allowed in a variables file ({block.type})"))
        for name, attr in parsed.body.attributes.items():
            inputs.set(name, ("expr", attr.expr, path), Related(attr_location(display, attr), f"var.{name} set in {os.path.basename(path)}"))

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


def _json_key_line(text: str, key: str) -> int:
    needle = json.dumps(key)
    idx = text.find(needle)
    return text.count("\n", 0, idx) + 1 if idx >= 0 else 1


def load_modules_json(root_dir: str) -> dict:
    """Registry and git modules installed by ``terraform init``: module key -> directory."""
    path = os.path.join(root_dir, ".terraform", "modules", "modules.json")
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return {}
    out = {}
    for m in data.get("Modules", []) if isinstance(data, dict) else []:
        if isinstance(m, dict) and m.get("Key") and isinstance(m.get("Dir"), str):
            out[m["Key"]] = m["Dir"]
    return out


class ModuleInstance:
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
        self.fctx = None

    def prefix(self) -> str:
        return self.address + "." if self.address else ""

    def root_scope(self, path: str) -> Scope:
        return Scope(self, path)

    # -- whole-module evaluation
    def evaluate_all(self) -> None:
        self.evaluator.module_instances.append(self)
        for (mode, rtype, name) in list(self.source.resources):
            self.resource_value(mode, rtype, name)
        for name in list(self.source.module_calls):
            self.module_value(name)
        for block, path in self.source.providers:
            alias_attr = block.body.attributes.get("alias")
            alias = ""
            if alias_attr is not None:
                alias = self.safe_eval(alias_attr.expr, Scope(self, path), [])
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
                value = self.safe_eval(default.expr, scope, [])
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
            return self.safe_eval(raw[1], Scope(self, raw[2]), [])
        text = raw[1]  # "raw": from TF_VAR_ or --var; strings stay strings for primitive types
        type_attr = block.body.attributes.get("type")
        type_name_ = _primitive_type(type_attr.expr) if type_attr is not None else "string"
        if type_name_ in ("string", "number", "bool"):
            return text
        try:
            return plain(self.safe_eval(hcl.parse_expression(text), Scope(self, "<command line>"), []))
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
            value = self.safe_eval(attr.expr, Scope(self, path), local_trace)
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
            results[inst_key] = ResourceObject(address, block_object(body))
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
        value = self.safe_eval(attr.expr, scope, trace)
        origins = (Related(where, f"{meta} of {address}"),) + tuple(_dedupe(trace))
        keys = self._keys(meta, value, origins[1:])
        if isinstance(keys, str):  # why the instances are unknown
            self.unresolved(where, address, f"{meta} of {address}: {keys}")
            return Expansion(None, origins, keys)
        return Expansion(keys[:MAX_INSTANCES], origins)

    @staticmethod
    def _keys(meta: str, value: Any, origins: tuple) -> Any:
        """[(key, names)] or a string saying why the keys are unknown."""
        if isinstance(value, Unknown):
            return value.reason
        if meta == "count":
            try:
                count = int(to_number(value))
            except EvalError:
                return "count is not a number"
            if count > MAX_INSTANCES:
                return f"count is {count}, more instances than exvlint expands ({MAX_INSTANCES})"
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
        source = self.safe_eval(source_attr.expr, scope, []) if source_attr is not None else None
        directory = self.evaluator.module_dir_for(self, name, source)
        if directory is None:
            self.unresolved(call_loc, base, f"module {base} (source {source!r}) is not installed: run terraform init, or its resources are unknown")
            return Unknown(f"module {base} is not available offline")
        if self.evaluator.boundary and not is_within(directory, self.evaluator.boundary):
            self.evaluator.diagnostics.append(Diagnostic(
                "EXV000", attr_location(path, source_attr),
                f"module source {source!r} is outside the repository ({self.evaluator.boundary}); not read", base))
            return Unknown("module source outside the repository")
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
                value = self.safe_eval(attr.expr, arg_scope, trace)
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
            out[name] = self.safe_eval(value_attr.expr, Scope(self, path), []) if value_attr is not None else None
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
            value = self.safe_eval(attr.expr, Scope(scope.mod, attr.path, scope.names) if attr.path else scope, trace)
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
        coll = self.safe_eval(attrs["for_each"].expr, scope, dyn_trace)
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
        for k, v in items[:MAX_INSTANCES]:
            inner = scope.with_names(**{iterator: {"key": k, "value": v}, ORIGINS + iterator: origins})
            labels_attr = attrs.get("labels")
            labels = []
            if labels_attr is not None:
                lv = self.safe_eval(labels_attr.expr, inner, [])
                labels = [x for x in lv if isinstance(x, str)] if isinstance(lv, list) else []
            child = self.eval_body(content.body, inner, label, labels, Location(loc.path, content.line, content.col, content.line))
            out.blocks.append(child)

    # -- expressions
    def safe_eval(self, expr: Expr, scope: Scope, trace: list) -> Any:
        try:
            return self.eval(expr, scope, trace)
        except EvalError as exc:
            return Unknown(str(exc))
        except RecursionError:
            return Unknown("expression too deeply nested")

    def eval(self, expr: Expr, scope: Scope, trace: list) -> Any:
        method = _DISPATCH.get(type(expr))
        if method is None:
            raise EvalError(f"cannot evaluate {type(expr).__name__}")
        return method(self, expr, scope, trace)

    def _literal(self, expr: Literal, scope: Scope, trace: list) -> Any:
        return located(expr.value, Location(scope.path, expr.line, expr.col)) if expr.line else expr.value

    def _template(self, expr: Template, scope: Scope, trace: list) -> Any:
        parts = expr.parts
        if len(parts) == 1 and isinstance(parts[0], str) and expr.line:
            return located(parts[0], Location(scope.path, expr.line, expr.col))
        if len(parts) == 1 and isinstance(parts[0], Expr):
            return self.eval(parts[0], scope, trace)  # "${x}" keeps x's type
        return self._render(parts, scope, trace)

    def _render(self, parts: list, scope: Scope, trace: list) -> Any:
        out: list = []
        unknowns: list = []
        for part in parts:
            if isinstance(part, str):
                out.append(part)
            elif isinstance(part, TemplateIf):
                cond = self.eval(part.cond, scope, trace)
                if isinstance(cond, Unknown):
                    unknowns.append(cond)
                    continue
                chosen = part.then if to_bool(cond) else part.other
                rendered = self._render(chosen, scope, trace)
                (unknowns if isinstance(rendered, Unknown) else out).append(rendered)
            elif isinstance(part, TemplateFor):
                coll = self.eval(part.coll, scope, trace)
                if isinstance(coll, Unknown):
                    unknowns.append(coll)
                    continue
                items = sorted(coll.items()) if isinstance(coll, dict) else list(enumerate(coll or []))
                for k, v in items:
                    names = {part.val_var: v}
                    if part.key_var:
                        names[part.key_var] = k
                    rendered = self._render(part.body, scope.with_names(**names), trace)
                    (unknowns if isinstance(rendered, Unknown) else out).append(rendered)
            else:
                value = self.eval(part, scope, trace)
                if contains_unknown(value):
                    unknowns.append(value)
                else:
                    out.append(to_string(value))
        if unknowns:
            return merge_unknown(unknowns)
        return "".join(out)

    def _name(self, expr: Name, scope: Scope, trace: list) -> Any:
        name = expr.name
        if name in scope.names:
            trace.extend(scope.names.get(ORIGINS + name, ()))
            return scope.names[name]
        if name in ("var", "local", "module", "data", "path", "terraform"):
            return Namespace(name, scope.mod)
        if name in ("each", "count"):
            raise EvalError(f"{name} is only valid in a resource or module with {'for_each' if name == 'each' else 'count'}")
        if name == "self":
            return Unknown("self is only known at apply")
        return Namespace("resource_type", scope.mod, name)

    def _get_attr(self, expr: GetAttr, scope: Scope, trace: list) -> Any:
        obj = self.eval(expr.obj, scope, trace)
        return get_attr(obj, expr.name, trace)

    def _index(self, expr: Index, scope: Scope, trace: list) -> Any:
        obj = self.eval(expr.obj, scope, trace)
        key = self.eval(expr.key, scope, trace)
        return index_value(obj, key)

    def _splat(self, expr: Splat, scope: Scope, trace: list) -> Any:
        obj = self.eval(expr.obj, scope, trace)
        if isinstance(obj, Unknown):
            return obj
        if obj is None:
            return []
        items = obj if isinstance(obj, list) else [obj]
        ops = expr.ops
        after: list = []
        if not expr.full:  # `.*` takes attribute steps only; an index applies to the resulting list
            first_index = next((i for i, (kind, _) in enumerate(ops) if kind == "index"), len(ops))
            ops, after = ops[:first_index], ops[first_index:]
        out: Any = []
        for item in items:
            value = item
            for kind, arg in ops:
                if kind == "attr":
                    value = get_attr(value, arg, trace)
                else:
                    value = index_value(value, self.eval(arg, scope, trace))
            out.append(value)
        for kind, arg in after:
            out = get_attr(out, arg, trace) if kind == "attr" else index_value(out, self.eval(arg, scope, trace))
        return out

    def _call(self, expr: Call, scope: Scope, trace: list) -> Any:
        name = expr.name
        if name == "try":
            last: Any = Unknown("try(): no argument succeeded")
            for arg in expr.args:
                try:
                    value = self.eval(arg, scope, trace)
                except EvalError as exc:
                    last = EvalError(str(exc))
                    continue
                if isinstance(value, Unknown):
                    return value  # Terraform: an unknown argument makes try() unknown
                return value
            if isinstance(last, EvalError):
                raise last
            return last
        if name == "can":
            if len(expr.args) != 1:
                raise EvalError("can() takes one argument")
            try:
                value = self.eval(expr.args[0], scope, trace)
            except EvalError:
                return False
            return value if isinstance(value, Unknown) else True
        args = [self.eval(a, scope, trace) for a in expr.args]
        if expr.expand_last and args:
            last = args.pop()
            if isinstance(last, Unknown):
                return last
            if not isinstance(last, list):
                raise EvalError(f"{name}(...): the expanded argument must be a list")
            args.extend(last)
        from .functions import FunctionContext, call_function  # deferred: only needed when called

        if self.fctx is None:
            self.fctx = FunctionContext(module_dir=self.source.directory, render_template=self._render_template_file)
        return call_function(name, args, self.fctx)

    def _render_template_file(self, text: str, variables: dict) -> Any:
        try:
            template = hcl.parse_template(text)
        except hcl.HCLSyntaxError as exc:
            raise EvalError(f"templatefile(): {exc.message}") from None
        if not isinstance(variables, dict):
            raise EvalError("templatefile(): variables must be a map")
        scope = Scope(self, self.source.directory, dict(variables))
        scope.names["__template__"] = True
        return self._template(template, scope, [])

    def _tuple(self, expr: TupleExpr, scope: Scope, trace: list) -> Any:
        return [self.eval(item, scope, trace) for item in expr.items]

    def _object(self, expr: ObjectExpr, scope: Scope, trace: list) -> Any:
        out: dict = {}
        entries: list = []
        unknown_keys: list = []
        for key_expr, value_expr in expr.items:
            key = self.eval(key_expr, scope, trace)
            value = self.eval(value_expr, scope, trace)
            if isinstance(key, Unknown):
                unknown_keys.append(key)
            else:
                key = to_string(key)
                out[key] = value
            entries.append((key, value))
        if unknown_keys:  # Terraform: the whole object is unknown; its entries stay readable
            unknown = merge_unknown(unknown_keys, "an object key is not known")
            return Unknown(unknown.reason, unknown.refs, tuple(entries))
        return out

    def _conditional(self, expr: Conditional, scope: Scope, trace: list) -> Any:
        cond = self.eval(expr.cond, scope, trace)
        if isinstance(cond, Unknown):
            then = self.safe_eval(expr.then, scope, trace)
            other = self.safe_eval(expr.other, scope, trace)
            if then == other and not contains_unknown(then):
                return then
            return merge_unknown([cond, then, other], cond.reason)
        return self.eval(expr.then if to_bool(cond) else expr.other, scope, trace)

    def _binary(self, expr: Binary, scope: Scope, trace: list) -> Any:
        op = expr.op
        left = self.eval(expr.left, scope, trace)
        if op in ("&&", "||"):
            if not isinstance(left, Unknown):
                lb = to_bool(left)
                if op == "&&" and not lb:
                    return False
                if op == "||" and lb:
                    return True
            right = self.eval(expr.right, scope, trace)
            if isinstance(left, Unknown) or isinstance(right, Unknown):
                if not isinstance(right, Unknown):
                    rb = to_bool(right)
                    if op == "&&" and not rb:
                        return False
                    if op == "||" and rb:
                        return True
                return merge_unknown([left, right])
            return to_bool(right)
        right = self.eval(expr.right, scope, trace)
        return binary_op(op, left, right)

    def _unary(self, expr: Unary, scope: Scope, trace: list) -> Any:
        value = self.eval(expr.operand, scope, trace)
        if isinstance(value, Unknown):
            return value
        if expr.op == "-":
            return -to_number(value)
        return not to_bool(value)

    def _for(self, expr: ForExpr, scope: Scope, trace: list) -> Any:
        coll = self.eval(expr.coll, scope, trace)
        if isinstance(coll, Unknown):
            return coll
        if coll is None:
            raise EvalError("cannot iterate over a null value")
        if isinstance(coll, dict):
            items = sorted(coll.items())
        elif isinstance(coll, list):
            items = list(enumerate(coll))
        else:
            raise EvalError(f"cannot iterate over a {type_name(coll)}")
        is_object = expr.key is not None
        out_list: list = []
        out_obj: dict = {}
        for k, v in items:
            names = {expr.val_var: v}
            if expr.key_var:
                names[expr.key_var] = k
            inner = scope.with_names(**names)
            if expr.cond is not None:
                c = self.eval(expr.cond, inner, trace)
                if isinstance(c, Unknown):
                    return merge_unknown([c], "a for expression condition is not known")
                if not to_bool(c):
                    continue
            value = self.eval(expr.value, inner, trace)
            if is_object:
                key = self.eval(expr.key, inner, trace)
                if isinstance(key, Unknown):
                    return merge_unknown([key], "a for expression key is not known")
                key = to_string(key)
                if expr.grouping:
                    out_obj.setdefault(key, []).append(value)
                elif key in out_obj:
                    raise EvalError(f"duplicate key {key!r} in for expression (use ... to group)")
                else:
                    out_obj[key] = value
            else:
                out_list.append(value)
        return out_obj if is_object else out_list


_DISPATCH: dict = {
    Literal: ModuleInstance._literal,
    Template: ModuleInstance._template,
    Name: ModuleInstance._name,
    GetAttr: ModuleInstance._get_attr,
    Index: ModuleInstance._index,
    Splat: ModuleInstance._splat,
    Call: ModuleInstance._call,
    TupleExpr: ModuleInstance._tuple,
    ObjectExpr: ModuleInstance._object,
    Conditional: ModuleInstance._conditional,
    Binary: ModuleInstance._binary,
    Unary: ModuleInstance._unary,
    ForExpr: ModuleInstance._for,
}

_MISSING = object()


# --------------------------------------------------------------------------- value operations


def get_attr(obj: Any, name: str, trace: list) -> Any:
    if isinstance(obj, Namespace):
        return obj.get(name, trace)
    if isinstance(obj, Unknown):
        return obj
    if isinstance(obj, ResourceObject):
        return obj.get_attr(name)
    if isinstance(obj, dict):
        if name in obj:
            return obj[name]
        raise EvalError(f"this object has no attribute {name!r}")
    if obj is None:
        raise EvalError(f"cannot read attribute {name!r} of a null value")
    if isinstance(obj, list) and name.isdigit():
        return index_value(obj, int(name))
    raise EvalError(f"cannot read attribute {name!r} of a {type_name(obj)}")


def index_value(obj: Any, key: Any) -> Any:
    if isinstance(obj, Unknown):
        return obj
    if isinstance(key, Unknown):
        return merge_unknown([key] + ([obj] if contains_unknown(obj) else []), key.reason)
    if isinstance(obj, Namespace):
        raise EvalError(f"cannot index {obj.kind}")
    if isinstance(obj, list):
        i = to_number(key)
        if not isinstance(i, int) and not (isinstance(i, float) and i.is_integer()):
            raise EvalError(f"list index {key!r} is not a whole number")
        i = int(i)
        if i < 0 or i >= len(obj):
            raise EvalError(f"index {i} out of range for a list of {len(obj)} elements")
        return obj[i]
    if isinstance(obj, dict):
        k = to_string(key)
        if k in obj:
            return obj[k]
        raise EvalError(f"key {k!r} not found")
    if obj is None:
        raise EvalError("cannot index a null value")
    raise EvalError(f"cannot index a {type_name(obj)}")


def _num_equal(a: Any, b: Any) -> bool:
    """Terraform's ==: same type and value (a located literal is just a string or number)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and bool(a) == bool(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, str) and isinstance(b, str):
        return str(a) == str(b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_num_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_num_equal(a[k], b[k]) for k in a)
    return a is None and b is None


def binary_op(op: str, left: Any, right: Any) -> Any:
    if op in ("==", "!="):
        if (left is None or right is None) and not isinstance(left, Unknown) and not isinstance(right, Unknown):
            equal = left is None and right is None  # a known object, even with unknown parts, is not null
            return equal if op == "==" else not equal
        if isinstance(left, Unknown) or isinstance(right, Unknown) or contains_unknown(left) or contains_unknown(right):
            return merge_unknown([left, right])
        equal = _num_equal(left, right)
        return equal if op == "==" else not equal
    if isinstance(left, Unknown) or isinstance(right, Unknown):
        return merge_unknown([left, right])
    a, b = to_number(left), to_number(right)
    if op == "+":
        return _norm(a + b)
    if op == "-":
        return _norm(a - b)
    if op == "*":
        return _norm(a * b)
    if op == "/":
        if b == 0:
            raise EvalError("division by zero")
        return _norm(a / b)
    if op == "%":
        if b == 0:
            raise EvalError("modulo by zero")
        return _norm(a % b)
    if op == "<":
        return a < b
    if op == ">":
        return a > b
    if op == "<=":
        return a <= b
    if op == ">=":
        return a >= b
    raise EvalError(f"unknown operator {op}")


def _norm(n: Any) -> Any:
    if isinstance(n, float) and n.is_integer() and abs(n) < 2 ** 53:
        return int(n)
    return n


# --------------------------------------------------------------------------- helpers


def block_object(body: EvalBlock) -> dict:
    """An evaluated block as an expression value: attributes plus nested blocks as lists."""
    out = {name: a.value for name, a in body.attrs.items()}
    for child in body.blocks:
        if not child.synthetic:
            out.setdefault(child.type, []).append(block_object(child))
    return out


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


def _primitive_type(expr: Expr) -> str:
    if isinstance(expr, Name):
        return expr.name
    if isinstance(expr, Template) and len(expr.parts) == 1 and isinstance(expr.parts[0], str):
        return expr.parts[0]  # legacy quoted types: type = "string"
    if isinstance(expr, Call):
        return expr.name
    return "any"


def convert_type(value: Any, type_expr: Expr, mod: ModuleInstance, scope: Scope) -> Any:
    """Apply a variable's type constraint the way Terraform converts values (lenient on errors)."""
    try:
        return _convert(value, type_expr, mod, scope)
    except EvalError:
        return value


def _convert(value: Any, t: Expr, mod: ModuleInstance, scope: Scope) -> Any:
    if isinstance(value, Unknown) or value is None:
        return value
    kind = _primitive_type(t)
    if kind == "string":
        if isinstance(value, (dict, list)):
            raise EvalError("not a string")
        return to_string(value)
    if kind == "number":
        return to_number(value)
    if kind == "bool":
        return to_bool(value)
    if not isinstance(t, Call):
        return value  # any, or something we do not model
    args = t.args
    if kind in ("list", "set") and args:
        if not isinstance(value, list):
            raise EvalError("not a list")
        items = [_convert(v, args[0], mod, scope) for v in value]
        if kind == "set":
            deduped: list = []
            for v in items:
                if not any(_num_equal(v, d) for d in deduped):
                    deduped.append(v)
            items = deduped
        return items
    if kind == "map" and args:
        if not isinstance(value, dict):
            raise EvalError("not a map")
        return {k: _convert(v, args[0], mod, scope) for k, v in value.items()}
    if kind == "tuple" and args and isinstance(args[0], TupleExpr):
        if not isinstance(value, list):
            raise EvalError("not a tuple")
        return [_convert(v, te, mod, scope) for v, te in zip(value, args[0].items)]
    if kind == "object" and args and isinstance(args[0], ObjectExpr):
        if not isinstance(value, dict):
            raise EvalError("not an object")
        out = {}
        for key_expr, attr_type in args[0].items:
            key = key_expr.value if isinstance(key_expr, Literal) else mod.safe_eval(key_expr, scope, [])
            if not isinstance(key, str):
                continue
            optional = isinstance(attr_type, Call) and attr_type.name == "optional"
            inner_type = attr_type.args[0] if optional and attr_type.args else attr_type
            if key in value and value[key] is not None:
                out[key] = _convert(value[key], inner_type, mod, scope)
            elif optional:
                default = mod.safe_eval(attr_type.args[1], scope, []) if len(attr_type.args) > 1 else None
                out[key] = _convert(default, inner_type, mod, scope) if default is not None else None
            elif key in value:
                out[key] = None
            else:
                raise EvalError(f"attribute {key!r} is required")
        return out
    return value
