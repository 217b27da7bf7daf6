"""ARM template evaluation, offline, as Azure Resource Manager would deploy the template.

Input: a *positioned template*, the tree :func:`exvlint.jsonpos.loads` returns (objects and
arrays know their line and column), with the file its positions refer to. An object or array
whose ``path`` attribute is set refers to that file instead, with everything inside it (a Bicep
module lowered into its caller's template). Parameters files come the same way.

Output: an :class:`~exvlint.arm.result.ArmResult`: every deployed resource instance with its
evaluated body (positions kept), copy loops and conditions applied, nested deployments (inline,
``inner`` and ``outer`` scope) and linked templates in the scanned tree evaluated through their
callers, and diagnostics (EXV000 input errors, EXV001 unresolved notes).

Placeholders: ``subscription()``, ``resourceGroup()``, ``deployment()``, ``tenant()`` and
``managementGroup()`` return fixed objects (a resource group named ``resourceGroup`` in
``resourceGroupLocation``, subscription ``00000000-0000-0000-0000-000000000000``, a deployment
named ``deployment`` ...) so that names and ids built from them match each other;
``deployment().properties.templateLink.uri`` is a placeholder URL of the template's own file
(under :data:`ARTIFACTS_BASE`), so a linked template's ``uri`` built from ``_artifactsLocation``
resolves to the file beside it. Everything is bounded: copy counts (10,000), nesting of
deployments (:data:`MAX_DEPLOYMENT_DEPTH`), user-defined function and lambda calls.
"""
from __future__ import annotations

import os
import urllib.parse
from dataclasses import dataclass
from typing import Any, Optional, Union

from .. import files, jsonpos, limits
from ..findings import Diagnostic, Location, Related
from ..paths import Boundary
from ..evaluation import EvalError, Ref, Unknown, located, merge_unknown
from . import functions
from .expressions import Call, ExpressionError, Index, Literal, Member, is_expression, parse, unescape
from .result import ArmResource, ArmResult, EvDict, EvList, UnknownBlock, View, find_key

SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000"
TENANT_ID = "00000000-0000-0000-0000-000000000000"
RESOURCE_GROUP = "resourceGroup"
RESOURCE_GROUP_LOCATION = "resourceGroupLocation"
DEPLOYMENT_NAME = "deployment"
DEPLOYMENT_LOCATION = "deploymentLocation"
MANAGEMENT_GROUP = "managementGroup"
ARTIFACTS_BASE = "https://artifacts.exvlint.invalid/"  # deployment().properties.templateLink.uri of the scanned folder

GRACE_STEPS = 1_000  # steps each value may still take after the step limit was hit
MAX_DEPLOYMENT_DEPTH = 16  # nested and linked deployments inside each other
MAX_CALL_DEPTH = 64  # user-defined function and lambda calls inside each other
DEPLOYMENTS_TYPE = "microsoft.resources/deployments"
# what the Bicep lowering writes for a value it cannot know (exvlint.bicep.lower.UNKNOWN_FUNCTION): a
# namespace no template declares, read here as an unknown with the lowering's reason
UNKNOWN_FUNCTION = "exvlint.unknown"

__all__ = ["evaluate", "read_json", "template_scope", "is_template", "is_parameters_file", "ARTIFACTS_BASE"]


# --------------------------------------------------------------------------- reading files


def read_json(path: str, boundary: Optional[Boundary]) -> tuple:
    """(positioned document, None) or (None, Diagnostic): how template and parameters files are read
    (through the one reader of the project, inside the boundary).

    Reads as Azure does: comments, a byte order mark and trailing commas are accepted.
    """
    try:
        text = files.read_text(path, boundary)
    except files.InputError as exc:
        return None, Diagnostic("EXV000", Location(path, files.error_line(exc)), str(exc))
    return parse_json(path, text)


def parse_json(path: str, text: str) -> tuple:
    try:
        return jsonpos.loads(text, lenient=True), None
    except jsonpos.JSONPosError as exc:
        return None, Diagnostic("EXV000", Location(path, exc.line, exc.col), f"invalid JSON: {exc.message}")
    except RecursionError:
        return None, Diagnostic("EXV000", Location(path, 1), "JSON nested too deeply")


def _schema(doc: Any) -> str:
    if not isinstance(doc, dict):
        return ""
    key = find_key(doc, "$schema")
    value = doc.get(key) if key else None
    return value.lower() if isinstance(value, str) else ""


def is_template(doc: Any) -> bool:
    """A deployment template of any scope and schema version (by its ``$schema``)."""
    return "deploymenttemplate.json" in _schema(doc)


def is_parameters_file(doc: Any) -> bool:
    return "deploymentparameters.json" in _schema(doc)


def template_scope(doc: Any) -> str:
    schema = _schema(doc)
    for marker, level in (("subscriptiondeploymenttemplate", "subscription"),
                          ("managementgroupdeploymenttemplate", "managementGroup"),
                          ("tenantdeploymenttemplate", "tenant")):
        if marker in schema:
            return level
    return "resourceGroup"


def _ci(obj: Any, key: str) -> Any:
    if not isinstance(obj, dict):
        return None
    k = find_key(obj, key)
    return obj[k] if k is not None else None


def _inner(node: Any, path: str) -> str:
    """The file the positions of ``node`` refer to: its own ``path`` when set, else its parent's."""
    return getattr(node, "path", "") or path


def _key_loc(obj: Any, key: str, path: str) -> Location:
    """Where ``key`` of positioned object ``obj`` is written (the object itself when it is not)."""
    path = _inner(obj, path)
    k = find_key(obj, key) if isinstance(obj, dict) else None
    lines = getattr(obj, "key_lines", {}) if k is not None else {}
    if k is not None and k in lines:
        return Location(path, lines[k][0], lines[k][1])
    return Location(path, getattr(obj, "line", 0), getattr(obj, "col", 0))


def _node_loc(node: Any, path: str) -> Location:
    return Location(getattr(node, "path", "") or path, getattr(node, "line", 0), getattr(node, "col", 0))


def _without(node: Any, key: str) -> Any:
    """A positioned object without ``key`` (positions kept)."""
    out = jsonpos.PosDict()
    out.line, out.col, out.path = node.line, node.col, getattr(node, "path", "")
    for k, v in node.items():
        if k.lower() != key.lower():
            out[k] = v
            if k in node.key_lines:
                out.key_lines[k] = node.key_lines[k]
    return out


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _dedupe(items: list) -> tuple:
    seen = set()
    out = []
    for r in items:
        key = (r.location.path, r.location.line, r.message)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return tuple(out)


@dataclass
class ArmDiagnostic(Diagnostic):
    rtype: str = ""  # the resource type a note is about ("" when it is about no one resource)


class PartialObject(dict):
    """An object known only in part (a nested deployment's reference()): other members are unknown."""

    def __init__(self, data: dict, reason: str, refs: frozenset):
        super().__init__(data)
        self.reason = reason
        self.refs = refs


# --------------------------------------------------------------------------- expression context


class Ctx:
    """What an expression sees: its template, the copy loops and lambda variables around it, and
    the trace that collects where its inputs came from."""

    __slots__ = ("frame", "copies", "lambdas", "trace", "fn_params", "depth")

    def __init__(self, frame: "Frame", copies: Optional[dict] = None, lambdas: Optional[dict] = None,
                 trace: Optional[list] = None, fn_params: Optional[dict] = None, depth: int = 0):
        self.frame = frame
        self.copies = copies or {}
        self.lambdas = lambdas or {}
        self.trace = trace if trace is not None else []
        self.fn_params = fn_params
        self.depth = depth

    def with_trace(self, trace: list) -> "Ctx":
        return Ctx(self.frame, self.copies, self.lambdas, trace, self.fn_params, self.depth)

    def with_copy(self, loop: Optional[str], index: int, resource_loop: bool = False) -> "Ctx":
        copies = dict(self.copies)
        if loop:
            copies[loop.lower()] = index
        if resource_loop:
            copies[""] = index
        return Ctx(self.frame, copies, self.lambdas, self.trace, self.fn_params, self.depth)

    # -- what functions ask (see exvlint.arm.functions)
    def parameter(self, name: str) -> Any:
        if self.fn_params is not None:  # inside a user-defined function: its own parameters only
            key = name.lower()
            if key not in self.fn_params:
                raise EvalError(f"the function has no parameter {name!r}")
            return self.fn_params[key]
        return self.frame.scope_frame.parameter(name, self.trace)

    def variable(self, name: str) -> Any:
        return self.frame.scope_frame.variable(name, self.trace)

    def copy_index(self, loop: Optional[str]) -> int:
        key = (loop or "").lower()
        if key not in self.copies:
            raise EvalError(f"copyIndex({loop!r})" if loop else "copyIndex() is used outside a copy loop")
        return self.copies[key]

    def scope_level(self) -> str:
        return self.frame.level

    def subscription_id(self) -> str:
        return self.frame.subscription_id

    def resource_group_name(self) -> str:
        return self.frame.resource_group

    def management_group_name(self) -> str:
        return MANAGEMENT_GROUP

    def resource_group(self) -> dict:
        f = self.frame
        return {"id": f"/subscriptions/{f.subscription_id}/resourceGroups/{f.resource_group}",
                "name": f.resource_group, "type": "Microsoft.Resources/resourceGroups",
                "location": RESOURCE_GROUP_LOCATION, "tags": {},
                "properties": {"provisioningState": "Succeeded"}}

    def subscription(self) -> dict:
        sub = self.frame.subscription_id
        return {"id": f"/subscriptions/{sub}", "subscriptionId": sub, "tenantId": TENANT_ID,
                "displayName": "subscription"}

    def tenant(self) -> dict:
        return {"id": f"/tenants/{TENANT_ID}", "tenantId": TENANT_ID, "countryCode": "US", "displayName": "tenant"}

    def management_group(self) -> dict:
        return {"id": f"/providers/Microsoft.Management/managementGroups/{MANAGEMENT_GROUP}",
                "name": MANAGEMENT_GROUP, "type": "Microsoft.Management/managementGroups",
                "properties": {"displayName": MANAGEMENT_GROUP, "tenantId": TENANT_ID}}

    def deployment(self) -> dict:
        f = self.frame
        return {"name": f.deployment_name, "location": DEPLOYMENT_LOCATION,
                "properties": {"templateLink": {"uri": f.template_uri, "contentVersion": "1.0.0.0"},
                               "template": {"contentVersion": "1.0.0.0"}, "parameters": {},
                               "mode": "Incremental", "provisioningState": "Accepted"}}

    def reference(self, target: Any, full: Any) -> Any:
        return self.frame.reference(target, full, self)

    def resource_info(self, symbolic: str) -> Any:
        inst = self.frame.find_symbolic(symbolic)
        if inst is None:
            raise EvalError(f"no resource with symbolic name {symbolic!r}")
        return {"id": inst.resource_id, "name": inst.name, "type": inst.type, "apiVersion": inst.api_version}

    def list_value(self, target: Any) -> Any:
        if isinstance(target, Unknown):
            return target
        inst = self.frame.find_target(target)
        address = inst.address if inst is not None else str(target)
        return Unknown(f"list*() of {address} is known only in Azure", frozenset({Ref(address, "")}))


# --------------------------------------------------------------------------- evaluation of one deployment


class Evaluation:
    """One deployment unit: a root template with its parameters, and everything it deploys."""

    def __init__(self, result: ArmResult, boundary: Optional[Boundary], root_dir: str):
        self.result = result
        self.boundary = boundary
        self.steps = 0  # expression steps, bounded by limits.evaluation_steps (+ per byte read)
        self.max_steps = limits.current().evaluation_steps
        self.stopped_at: Optional[Location] = None  # where the step limit was hit (reported once)
        self.root_dir = root_dir
        self.by_id: dict = {}  # resource id (lower) -> _Inst, across nested deployments
        self.artifact_bases: list = [(ARTIFACTS_BASE, root_dir)]  # (uri folder, local folder)
        self._parsed: dict = {}

    def overrun(self, exc: "limits.LimitExceeded", where: Location) -> None:
        """Report the first limit hit (EXV000 where it happened); allow each later value a few steps."""
        if self.stopped_at is None:
            self.stopped_at = where
            self.diag("EXV000", where, f"evaluation stopped here: {exc}")
        self.max_steps = self.steps + GRACE_STEPS

    def read(self, path: str) -> None:
        """A file read for this deployment: more configuration, more steps allowed."""
        self.result.files.append(path)
        try:
            self.max_steps += limits.STEPS_PER_BYTE * os.path.getsize(path)
        except OSError:
            pass

    def diag(self, rule_id: str, location: Location, message: str, address: str = "", rtype: str = "") -> None:
        self.result.diagnostics.append(ArmDiagnostic(rule_id, location, message, address, rtype))

    def parse(self, text: str, where: Location) -> Any:
        cached = self._parsed.get(text)
        if cached is None:
            try:
                cached = parse(text)
            except ExpressionError as exc:
                cached = exc
                self.diag("EXV000", where, f"invalid template expression: {exc}")
            self._parsed[text] = cached
        return cached

    def uri_of(self, path: str) -> str:
        rel = os.path.relpath(os.path.abspath(path), os.path.abspath(self.root_dir)).replace(os.sep, "/")
        # a name that is not UTF-8 (held with surrogate escapes) keeps its bytes, as %FF, and maps back
        return ARTIFACTS_BASE + urllib.parse.quote(rel, errors="surrogateescape")

    def local_path(self, uri: str, linking: str) -> Optional[str]:
        """The file in the scanned folder that a linked template's URI names, or None.

        URIs under the template's own placeholder location (``_artifactsLocation``) map to its
        folder. Another http(s) URI maps to a file in the scanned folder when at least its last two
        path segments (folder and file) name a file there, looked up from the linking template's
        folder upwards: templates that link to their own repository's raw files.
        """
        clean = uri.split("?", 1)[0].split("#", 1)[0]
        for base, directory in sorted(self.artifact_bases, key=lambda b: -len(b[0])):
            if clean.lower().startswith(base.lower()):
                rel = urllib.parse.unquote(clean[len(base):], errors="surrogateescape").lstrip("/")
                return os.path.normpath(os.path.join(directory, rel))
        parsed = urllib.parse.urlsplit(clean)
        if parsed.scheme.lower() not in ("http", "https") or self.boundary is None:
            return None
        segments = [urllib.parse.unquote(s) for s in parsed.path.split("/") if s and s not in (".", "..")]
        folder = os.path.dirname(linking) or "."
        for _ in range(len(segments)):  # up from the linking template (its folder may be the whole tree)
            for k in range(len(segments), 1, -1):
                candidate = os.path.normpath(os.path.join(folder, *segments[-k:]))
                if self.boundary.contains(candidate) and os.path.isfile(candidate):
                    return candidate
            parent = os.path.normpath(os.path.join(folder, os.pardir))
            if os.path.realpath(parent) == os.path.realpath(folder):
                break
            folder = parent
        return None


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


@dataclass
class _Input:
    value: Any
    origins: tuple = ()


class Frame:
    """One template being evaluated: the root, an inline nested template or a linked template."""

    def __init__(self, ev: Evaluation, doc: Any, path: str, *, inputs: Optional[dict] = None,
                 deployment_name: str = DEPLOYMENT_NAME, prefix: str = "", call_sites: tuple = (),
                 outer: Optional["Frame"] = None, level: Optional[str] = None,
                 subscription_id: str = SUBSCRIPTION_ID, resource_group: str = RESOURCE_GROUP,
                 depth: int = 0, stack: tuple = (), origins: tuple = (), assumed: Optional[Location] = None):
        self.ev = ev
        self.doc = doc
        self.path = getattr(doc, "path", "") or path
        self.inputs = inputs or {}  # parameter name (lower) -> _Input
        self.deployment_name = deployment_name
        self.prefix = prefix  # address prefix of resources deployed here
        self.deployment_address = prefix[:-1] if prefix.endswith("/") else prefix
        self.call_sites = call_sites
        self.outer = outer  # 'outer' expression scope: parameters and variables are the caller's
        self.scope_frame = outer.scope_frame if outer is not None else self
        self.level = level or template_scope(doc)
        self.subscription_id = subscription_id
        self.resource_group = resource_group
        self.depth = depth
        self.stack = stack  # real paths of the templates that link to this one (cycle detection)
        self.origins = origins  # why this deployment exists (its copy loop, condition)
        self.assumed = assumed  # the deployment's condition, when it is not known
        self.template_uri = ev.uri_of(self.path)
        self._params: dict = {}
        self._vars: dict = {}
        self._in_progress: set = set()
        self._outputs: Optional[PartialObject] = None
        self.instances: list = []
        self.symbolic: dict = {}  # symbolic name (lower) -> list[_Inst]
        self.by_name: dict = {}  # full name (lower) -> list[_Inst]
        self.loops: dict = {}  # copy loop name (lower) -> list[_Inst]

    # -- helpers
    def section(self, name: str) -> Any:
        return _ci(self.doc, name)

    def ctx(self, trace: Optional[list] = None) -> Ctx:
        return Ctx(self, trace=trace)

    def eval_string(self, text: str, ctx: Ctx, where: Location) -> Any:
        if not is_expression(text):
            return located(unescape(text), where)
        node = self.ev.parse(text, where)
        if isinstance(node, ExpressionError):
            return Unknown(f"invalid expression: {node}")
        try:
            return self.eval_node(node, ctx)
        except EvalError as exc:
            return Unknown(str(exc))
        except RecursionError:
            return Unknown("expression too deeply nested")
        except limits.LimitExceeded as exc:  # this value is unknown; the next ones get a few more steps
            self.ev.overrun(exc, where)
            return Unknown(f"not evaluated: limits.{exc.name}")

    def literal(self, node: Any, ctx: Ctx, path: str, where: Location, prop_copy: bool = False) -> Any:
        """A JSON value written in a template, evaluated (expressions in strings), positions kept."""
        def string(text: str, at: Location, trace: list) -> Any:
            return self.eval_string(text, ctx.with_trace(trace), at)

        def copies(out: EvDict, specs: list, at: Location, in_path: str) -> None:
            self._property_copies(out, specs, at, ctx, in_path)

        return _tree(node, path, where, string, ctx.trace, copies if prop_copy else None)

    def _property_copies(self, out: EvDict, specs: list, where: Location, ctx: Ctx, path: str) -> None:
        """``"copy": [{"name": "dataDisks", "count": n, "input": {...}}]`` -> property dataDisks."""
        for spec in specs:
            spec_path = getattr(spec, "path", "") or path
            name = self.literal(_ci(spec, "name"), ctx, spec_path, _key_loc(spec, "name", spec_path))
            if not isinstance(name, str):
                continue
            count_loc = _key_loc(spec, "count", spec_path)
            trace: list = []
            count = self._count(_ci(spec, "count"), ctx.with_trace(trace), spec_path, count_loc)
            origins = (Related(count_loc, f"copy count of {name}"),) + _dedupe(trace)
            out.member_loc[str(name)] = _key_loc(spec, "name", spec_path)
            if isinstance(count, Unknown):
                out[str(name)] = count
                out.member_origins[str(name)] = origins
                out.computed.add(str(name))
                continue
            items = EvList()
            items.loc = _node_loc(spec, spec_path)
            items.origins = origins
            input_node = _ci(spec, "input")
            input_loc = _key_loc(spec, "input", spec_path)
            for i in range(count):
                item_trace: list = []
                item_ctx = ctx.with_copy(str(name), i).with_trace(item_trace)
                items.append(self.literal(input_node, item_ctx, spec_path, input_loc, True))
                items.item_loc.append(input_loc)
                items.item_origins.append(_dedupe(item_trace))
                if isinstance(input_node, str) and is_expression(input_node):
                    items.computed.add(i)
            out[str(name)] = items

    def _count(self, node: Any, ctx: Ctx, path: str, where: Location) -> Any:
        """A copy count: an int from 0 to limits.instances, or an Unknown saying why not (above the
        limit an EXV000 names it)."""
        value = self.literal(node, ctx, path, where)
        if isinstance(value, Unknown):
            return value
        if isinstance(value, str) and value.strip().isdigit():  # Azure reads a count written as a string
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                isinstance(value, float) and not value.is_integer():  # 1.5, but also inf and NaN
            return Unknown(f"the copy count {value!r} is not a whole number")
        if value < 0:
            return Unknown(f"the copy count {int(value)} is negative")
        if value > limits.current().instances:
            error = limits.LimitExceeded("instances", f"the copy count {int(value):,} makes more instances than "
                                                      "exvlint expands")
            self.ev.diag("EXV000", where, str(error))
            return Unknown(f"the copy count {int(value):,} is above limits.instances; not expanded")
        return int(value)

    # -- expressions
    def eval_node(self, node: Any, ctx: Ctx) -> Any:
        ev = self.ev
        ev.steps += 1
        if ev.steps > ev.max_steps:  # one bound for every way a small template can loop
            raise limits.LimitExceeded("evaluation_steps", "evaluation takes too many steps")
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, Call):
            return self._call(node, ctx)
        if isinstance(node, Member):
            return _member(self.eval_node(node.obj, ctx), node.name)
        if isinstance(node, Index):
            return _index(self.eval_node(node.obj, ctx), self.eval_node(node.index, ctx))
        raise EvalError(f"cannot evaluate {type(node).__name__}")

    def _call(self, node: Call, ctx: Ctx) -> Any:
        name = node.name.lower()
        args = node.args
        if name == "if":
            if len(args) != 3:
                raise EvalError(f"if() takes 3 arguments, got {len(args)}")
            cond = self.eval_node(args[0], ctx)
            if isinstance(cond, Unknown):  # keep the graph edges of both branches
                return merge_unknown([cond, self._safe(args[1], ctx), self._safe(args[2], ctx)])
            if not isinstance(cond, bool):
                raise EvalError(f"if() needs a bool condition, not {functions.type_name(cond)}")
            return self.eval_node(args[1] if cond else args[2], ctx)
        if name in ("and", "or"):
            if len(args) < 2:
                raise EvalError(f"{name}() takes at least 2 arguments")
            decisive = name == "or"
            unknowns = []
            for arg in args:  # later arguments are not evaluated once one decides (no spurious errors)
                value = self.eval_node(arg, ctx)
                if isinstance(value, Unknown):
                    unknowns.append(value)
                    continue
                if not isinstance(value, bool):
                    raise EvalError(f"{name}() needs bool arguments, not {functions.type_name(value)}")
                if value is decisive:
                    return decisive
            return merge_unknown(unknowns) if unknowns else not decisive
        if name == "lambda":
            return self._lambda(node, ctx)
        if name == "lambdavariables":
            key = self.eval_node(args[0], ctx) if args else None
            if not isinstance(key, str) or key.lower() not in ctx.lambdas:
                raise EvalError(f"lambdaVariables({key!r}): no such lambda variable")
            return ctx.lambdas[key.lower()]
        if name == UNKNOWN_FUNCTION:  # a value the Bicep lowering could not know: keep its reason
            reason = self._safe(args[0], ctx) if args else None
            return Unknown(reason if isinstance(reason, str) and reason else "a value not known before deployment")
        if "." in node.name:
            return self._user_function(node, ctx)
        values = [self.eval_node(a, ctx) for a in args]
        return functions.call(node.name, values, ctx)

    def _safe(self, node: Any, ctx: Ctx) -> Any:
        try:
            return self.eval_node(node, ctx)
        except EvalError as exc:
            return Unknown(str(exc))

    def _lambda(self, node: Call, ctx: Ctx) -> functions.Lambda:
        if not node.args:
            raise EvalError("lambda() needs a body")
        params = []
        for arg in node.args[:-1]:
            if not isinstance(arg, Literal) or not isinstance(arg.value, str):
                raise EvalError("lambda() parameter names must be strings")
            params.append(arg.value)
        body = node.args[-1]

        def run(*values: Any) -> Any:
            if ctx.depth >= MAX_CALL_DEPTH:
                raise EvalError("lambdas nested too deeply")
            lambdas = dict(ctx.lambdas)
            lambdas.update({p.lower(): v for p, v in zip(params, values)})
            inner = Ctx(ctx.frame, ctx.copies, lambdas, ctx.trace, ctx.fn_params, ctx.depth + 1)
            return self.eval_node(body, inner)

        return functions.Lambda(tuple(params), run)

    def _user_function(self, node: Call, ctx: Ctx) -> Any:
        namespace, _, member = node.name.partition(".")
        decl = self.scope_frame.user_function(namespace, member)
        if decl is None:
            values = [self._safe(a, ctx) for a in node.args]
            return merge_unknown(values, f"function {node.name}() is not defined in the template")
        if ctx.depth >= MAX_CALL_DEPTH:
            raise EvalError(f"{node.name}(): calls nested too deeply")
        params = _ci(decl, "parameters") or []
        if not isinstance(params, list):
            params = []
        if len(node.args) != len(params):
            raise EvalError(f"{node.name}() takes {len(params)} argument(s), got {len(node.args)}")
        values = {}
        for spec, arg in zip(params, node.args):
            pname = _ci(spec, "name")
            if isinstance(pname, str):
                values[pname.lower()] = self.eval_node(arg, ctx)
        output = _ci(decl, "output")
        if not isinstance(output, dict) or find_key(output, "value") is None:
            raise EvalError(f"{node.name}() has no output value")
        fn_ctx = Ctx(self.scope_frame, {}, {}, ctx.trace, values, ctx.depth + 1)
        path = _inner(decl, _inner(self.scope_frame.section("functions"), self.scope_frame.path))
        return self.scope_frame.literal(_ci(output, "value"), fn_ctx, path, _key_loc(output, "value", path))

    def user_function(self, namespace: str, member: str) -> Any:
        for group in self.section("functions") or []:
            if isinstance(group, dict) and str(_ci(group, "namespace") or "").lower() == namespace.lower():
                decl = _ci(_ci(group, "members"), member)
                if isinstance(decl, dict):
                    return decl
        return None

    # -- parameters and variables
    def parameter(self, name: str, trace: list) -> Any:
        return self._cached("parameter", name, self._params, self._parameter, trace)

    def _cached(self, kind: str, name: str, cache: dict, compute, trace: list) -> Any:
        """A parameter's or variable's (value, origins), computed once; a cycle is unknown, not a hang."""
        key = name.lower()
        if key not in cache:
            if (kind, key) in self._in_progress:
                return Unknown(f"{kind} {name} refers to itself")
            self._in_progress.add((kind, key))
            try:
                cache[key] = compute(name)
            finally:
                self._in_progress.discard((kind, key))
        value, origins = cache[key]
        trace.extend(origins)
        return value

    def _parameter(self, name: str) -> tuple:
        decls = self.section("parameters")
        decl = _ci(decls, name)
        if not isinstance(decl, dict):
            return Unknown(f"parameter {name!r} is not declared in the template"), ()
        ptype = str(_ci(decl, "type") or "").lower()
        supplied = self.inputs.get(name.lower())
        if supplied is not None:
            value, origins = supplied.value, supplied.origins
        elif find_key(decl, "defaultValue") is not None:
            path = _inner(decl, _inner(decls, self.path))
            where = _key_loc(decl, "defaultValue", path)
            trace: list = []
            value = self.literal(_ci(decl, "defaultValue"), self.ctx(trace), path, where)
            origins = (Related(where, f"default of parameter {name}"),) + _dedupe(trace)
        elif self._nullable(decl):  # languageVersion 2.0: an optional parameter without value is null
            return None, ()
        else:
            return Unknown(f"parameter {name} has no value (no defaultValue, and no parameters file sets it)"), ()
        if ptype in ("securestring", "secureobject") and value not in ("", None) and value != {}:
            # secrets never travel into messages; an empty one holds none (a SAS token left blank)
            return Unknown(f"parameter {name} is secure; its value is not read"), origins
        self._check_allowed(name, decl, value, origins)
        return value, origins

    def _nullable(self, decl: Any, depth: int = 0) -> bool:
        """Whether a parameter may be left out (``nullable``, also through a ``$ref`` to a type definition)."""
        if _truthy(_ci(decl, "nullable")):
            return True
        ref = _ci(decl, "$ref")
        if isinstance(ref, str) and ref.startswith("#/definitions/") and depth < 10:
            definition = _ci(self.section("definitions"), ref[len("#/definitions/"):])
            return isinstance(definition, dict) and self._nullable(definition, depth + 1)
        return False

    def _check_allowed(self, name: str, decl: Any, value: Any, origins: tuple) -> None:
        allowed = _ci(decl, "allowedValues")
        if not isinstance(allowed, list) or not allowed or value is None or isinstance(value, (Unknown, dict, list)):
            return
        if any(isinstance(a, str) and is_expression(a) for a in allowed):
            return
        if any(functions.equal(value, a) or (isinstance(value, str) and isinstance(a, str) and value.lower() == a.lower())
               for a in allowed):
            return
        where = origins[0].location if origins else _node_loc(decl, self.path)
        shown = ", ".join(functions.text(a) for a in allowed[:10]) + (", ..." if len(allowed) > 10 else "")
        # a note, not an input error: sample parameters files hold placeholders, and marketplace
        # templates are deployed with values their UI supplies
        self.ev.diag("EXV001", where, f"parameter {name}: {functions.text(value)!r} is not one of its "
                     f"allowedValues ({shown}); Azure would reject the deployment", f"parameter {name}")

    def variable(self, name: str, trace: list) -> Any:
        return self._cached("variable", name, self._vars, self._variable, trace)

    def _variable(self, name: str) -> tuple:
        section = self.section("variables")
        if not isinstance(section, dict):
            return Unknown(f"variable {name!r} is not declared in the template"), ()
        k = find_key(section, name)
        trace: list = []
        path = _inner(section, self.path)
        if k is not None and k.lower() != "copy":
            where = _key_loc(section, k, path)
            value = self.literal(section[k], self.ctx(trace), path, where, prop_copy=True)
            return value, _dedupe(trace)
        copies = _ci(section, "copy")
        for spec in copies if isinstance(copies, list) else []:  # "copy": [{"name", "count", "input"}]
            if isinstance(spec, dict) and str(_ci(spec, "name") or "").lower() == name.lower():
                holder = EvDict()
                self._property_copies(holder, [spec], _node_loc(spec, path), self.ctx(trace), path)
                key = find_key(holder, name)
                if key is not None:
                    return holder[key], _dedupe(list(holder.member_origins.get(key, ())) + trace)
        return Unknown(f"variable {name!r} is not declared in the template"), ()

    # -- outputs
    def outputs(self) -> PartialObject:
        if self._outputs is None:
            refs = frozenset({Ref(self.deployment_address, "outputs")})
            self._outputs = PartialObject({}, f"an output of {self.deployment_address or 'the deployment'} that "
                                              "the template does not declare", refs)
            section = self.section("outputs")
            path = _inner(section, self.path)
            for name, node in (section.items() if isinstance(section, dict) else ()):
                if not isinstance(node, dict):
                    continue
                self._outputs[name] = {"type": _ci(node, "type"), "value": self._output(node, _inner(node, path))}
        return self._outputs

    def _output(self, node: Any, path: str) -> Any:
        ctx = self.ctx()
        if find_key(node, "condition") is not None:
            cond = self.literal(_ci(node, "condition"), ctx, path, _key_loc(node, "condition", path))
            if cond is False:
                return None
        copy = _ci(node, "copy")
        if isinstance(copy, dict):
            count = self._count(_ci(copy, "count"), ctx, path, _key_loc(copy, "count", path))
            if isinstance(count, Unknown):
                return count
            where = _key_loc(copy, "input", path)
            return [self.literal(_ci(copy, "input"), ctx.with_copy(None, i, True), path, where)
                    for i in range(count)]
        return self.literal(_ci(node, "value"), ctx, path, _key_loc(node, "value", path))

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

    # -- nested and linked deployments
    def _nested(self, inst: _Inst, body: EvDict) -> None:
        view = View(body, inst.location)
        props = view.get("properties")
        raw_props = _ci(inst.node, "properties")
        name = inst.name if isinstance(inst.name, str) else inst.address
        if self.depth + 1 > MAX_DEPLOYMENT_DEPTH:
            self.ev.diag("EXV001", inst.location, f"nested deployment {inst.address} is more than "
                         f"{MAX_DEPLOYMENT_DEPTH} deployments deep; not evaluated", inst.address, DEPLOYMENTS_TYPE)
            return
        scope = props.get("expressionEvaluationOptions").get("scope").value
        inner = isinstance(scope, str) and scope.lower() == "inner"
        template = _ci(raw_props, "template")
        link = props.get("templateLink")
        kwargs = self._child_scope(view, inst)
        if isinstance(template, dict):
            path = getattr(template, "path", "") or inst.path
            if inner:
                inputs = self._deployment_inputs(props, name)
                child = Frame(self.ev, template, path, inputs=inputs, **kwargs)
            else:
                child = Frame(self.ev, template, path, outer=self, **kwargs)
        elif link.present and isinstance(link.value, dict):
            target = self._linked_file(link, inst)
            if target is None:
                return
            doc, diag = read_json(target, self.ev.boundary)
            if diag is not None:
                self.ev.result.diagnostics.append(diag)
                return
            self.ev.read(target)
            if not is_template(doc) and not (isinstance(doc, dict) and find_key(doc, "resources") is not None):
                self.ev.diag("EXV000", link.location, f"linked template {os.path.basename(target)} is not a "
                             "deployment template", inst.address)
                return
            self.ev.result.linked.add(os.path.realpath(target))
            inputs = self._deployment_inputs(props, name)
            inputs.update(self._parameters_link(props, inst))
            kwargs["stack"] = self.stack + (os.path.realpath(target),)
            child = Frame(self.ev, doc, target, inputs=inputs, **kwargs)
        else:
            self.ev.diag("EXV001", inst.location, f"nested deployment {inst.address} has no template or "
                         "templateLink that exvlint can read", inst.address, DEPLOYMENTS_TYPE)
            return
        inst.child = child
        child.run()

    def _child_scope(self, view: View, inst: _Inst) -> dict:
        kwargs = dict(deployment_name=inst.name if isinstance(inst.name, str) else DEPLOYMENT_NAME,
                      prefix=inst.address + "/", call_sites=self.call_sites + (inst.location,),
                      subscription_id=self.subscription_id, resource_group=self.resource_group,
                      depth=self.depth + 1, stack=self.stack, origins=inst.origins, assumed=inst.assumed)
        sub = view.get("subscriptionId").value
        group = view.get("resourceGroup").value
        if isinstance(sub, str) and sub:
            kwargs["subscription_id"] = sub
        if isinstance(group, str) and group:
            kwargs["resource_group"] = group
            kwargs["level"] = "resourceGroup"
        elif view.get("resourceGroup").present:  # a group whose name is not known: its ids are not either
            kwargs["resource_group"] = RESOURCE_GROUP
        return kwargs

    def _deployment_inputs(self, props: View, name: str) -> dict:
        """Parameter values a nested deployment passes: ``parameters: {x: {value: ...}}``."""
        inputs: dict = {}
        params = props.get("parameters")
        if not isinstance(params.value, dict):
            return inputs
        for key in params.value:
            entry = params.get(key)
            value = entry.get("value")
            if value.present:
                origin = Related(value.location, f"parameter {key} of deployment {name}")
                inputs[key.lower()] = _Input(value.value, (origin,) + value.all_origins())
            elif entry.get("reference").present:
                inputs[key.lower()] = _Input(Unknown(f"parameter {key} of deployment {name} comes from a "
                                                     "Key Vault secret"), ())
            elif isinstance(entry.value, Unknown):
                inputs[key.lower()] = _Input(entry.value, ())
        return inputs

    def _linked_file(self, link: View, inst: _Inst) -> Optional[str]:
        rel = link.get("relativePath")
        uri = link.get("uri")
        where = link.location
        if rel.present and isinstance(rel.value, str):
            target = os.path.normpath(os.path.join(os.path.dirname(self.path), rel.value))
            where = rel.location
        elif uri.present and isinstance(uri.value, str):
            target = self.ev.local_path(uri.value, self.path)
            where = uri.location
            if target is None:
                shown = uri.value.split("?", 1)[0]  # never a SAS token
                self.ev.diag("EXV001", where, f"linked template {shown!r} of {inst.address} is not a file in "
                             "the scanned folder", inst.address, DEPLOYMENTS_TYPE)
                return None
        else:
            spec = link.get("id").value
            if isinstance(spec, str) and not spec.startswith("/"):
                return None  # a Bicep registry module (br:, ts:): the Bicep front end says so once, at the module
            if isinstance(spec, str):
                reason = f"it is the template spec {spec.split('?', 1)[0]}, which is not in the scanned folder"
            elif isinstance(spec, Unknown):
                reason = f"its template spec id: {spec.reason}"
            elif isinstance(uri.value, Unknown):
                reason = uri.value.reason
            else:
                reason = "it has no uri, relativePath or id"
            self.ev.diag("EXV001", where, f"the linked template of {inst.address} is not known: {reason}",
                         inst.address, DEPLOYMENTS_TYPE)
            return None
        real = os.path.realpath(target)
        if self.ev.boundary is not None and not self.ev.boundary.contains(real):
            self.ev.diag("EXV001", where, f"linked template {os.path.basename(target)} of {inst.address} is "
                         "outside the scanned folder; not read", inst.address, DEPLOYMENTS_TYPE)
            return None
        if not os.path.isfile(real):
            self.ev.diag("EXV001", where, f"linked template {os.path.relpath(target)} of {inst.address} does "
                         "not exist", inst.address, DEPLOYMENTS_TYPE)
            return None
        if real in self.stack:
            chain = " -> ".join(os.path.basename(p) for p in self.stack + (real,))
            self.ev.diag("EXV000", where, f"linked templates form a cycle ({chain}); the deployment would "
                         "never end", inst.address)
            return None
        return target

    def _parameters_link(self, props: View, inst: _Inst) -> dict:
        link = props.get("parametersLink")
        uri = link.get("uri").value
        if not isinstance(uri, str):
            return {}
        target = self.ev.local_path(uri, self.path)
        if target is None or (self.ev.boundary is not None and not self.ev.boundary.contains(target)):
            self.ev.diag("EXV001", link.location, f"parametersLink {uri.split('?', 1)[0]!r} of {inst.address} is "
                         "not a file in the scanned folder", inst.address, DEPLOYMENTS_TYPE)
            return {}
        doc, diag = read_json(target, self.ev.boundary) if os.path.isfile(target) else (None, None)
        if doc is None:
            if diag is not None:
                self.ev.result.diagnostics.append(diag)
            return {}
        self.ev.read(target)
        return parameter_inputs(doc, target)


def _is_full_type(rtype: str) -> bool:
    return "/" in rtype and "." in rtype.split("/")[0]


def _is_property_copy(node: Any) -> bool:
    return isinstance(node, list) and bool(node) and all(
        isinstance(n, dict) and find_key(n, "name") is not None and find_key(n, "input") is not None for n in node)


def _member(obj: Any, name: str) -> Any:
    if isinstance(obj, Unknown):
        return obj
    if isinstance(obj, dict):
        key = find_key(obj, name)
        if key is not None:
            return obj[key]
        if isinstance(obj, PartialObject):
            return Unknown(obj.reason, obj.refs)
        raise EvalError(f"the object has no property {name!r}")
    raise EvalError(f"cannot read property {name!r} of {functions.type_name(obj)}")


def _index(obj: Any, index: Any) -> Any:
    if isinstance(obj, Unknown) or isinstance(index, Unknown):
        return merge_unknown([obj, index])
    if isinstance(obj, list):
        if isinstance(index, bool) or not isinstance(index, (int, float)) or int(index) != index:
            raise EvalError(f"an array index must be an integer, not {index!r}")
        if not 0 <= int(index) < len(obj):
            raise EvalError(f"index {int(index)} is outside the array (length {len(obj)})")
        return obj[int(index)]
    if isinstance(obj, dict):
        return _member(obj, functions.text(index))
    raise EvalError(f"cannot index {functions.type_name(obj)}")


# --------------------------------------------------------------------------- entry points


def parameter_inputs(doc: Any, path: str) -> dict:
    """Parameter values of an ARM parameters file: name (lower) -> _Input, located in that file."""
    params = _ci(doc, "parameters") if find_key(doc, "$schema") is not None or find_key(doc, "parameters") else doc
    if not isinstance(params, dict):
        return {}
    path = getattr(params, "path", "") or path
    name = os.path.basename(path)
    inputs = {}
    for key, entry in params.items():
        if not isinstance(entry, dict):
            continue
        if find_key(entry, "value") is not None:
            where = _key_loc(entry, "value", getattr(entry, "path", "") or path)
            value = _literal_tree(_ci(entry, "value"), getattr(entry, "path", "") or path, where)
            inputs[key.lower()] = _Input(value, (Related(where, f"parameter {key} set in {name}"),))
        elif find_key(entry, "reference") is not None:
            inputs[key.lower()] = _Input(Unknown(f"parameter {key} comes from a Key Vault secret ({name})"), ())
    return inputs


def _literal_tree(node: Any, path: str, where: Location) -> Any:
    """A JSON value from a parameters file: positions kept, strings not evaluated (ARM does not)."""
    return _tree(node, path, where, lambda text, at, trace: located(text, at), [])


def _tree(node: Any, path: str, where: Location, string, trace: list, copies=None) -> Any:
    """A positioned JSON value as EvDict / EvList that keep each member's place and origins.

    ``string(text, where, trace)`` gives a string's value (evaluating an expression adds to
    ``trace`` where its inputs came from); ``copies(out, specs, where, path)``, when given, expands
    ``"copy": [{"name", "count", "input"}]`` property loops into ``out``.
    """
    if isinstance(node, str):
        return string(node, where, trace)
    if isinstance(node, dict):
        path = getattr(node, "path", "") or path
        out = EvDict()
        out.loc = _node_loc(node, path)
        lines = getattr(node, "key_lines", {})
        loops = None
        for key, child in node.items():
            loc = Location(path, *lines[key]) if key in lines else out.loc
            if copies is not None and key.lower() == "copy" and _is_property_copy(child):
                loops = (child, loc)
                continue
            member_trace: list = []
            out[key] = _tree(child, path, loc, string, member_trace, copies)
            out.member_loc[key] = loc
            if member_trace:
                out.member_origins[key] = _dedupe(member_trace)
            if isinstance(child, str) and is_expression(child):
                out.computed.add(key)
        if loops is not None:
            copies(out, loops[0], loops[1], path)
        return out
    if isinstance(node, list):
        path = getattr(node, "path", "") or path
        items = EvList()
        items.loc = _node_loc(node, path)
        item_lines = getattr(node, "item_lines", [])
        for i, child in enumerate(node):
            loc = Location(path, *item_lines[i]) if i < len(item_lines) else items.loc
            item_trace: list = []
            items.append(_tree(child, path, loc, string, item_trace, copies))
            items.item_loc.append(loc)
            items.item_origins.append(_dedupe(item_trace))
            if isinstance(child, str) and is_expression(child):
                items.computed.add(i)
        return items
    return located(node, where)


def evaluate(template_path: str, doc: Any, parameters: Optional[list] = None, *,
             boundary: Union[Boundary, str, None] = None, parameter_expressions: Optional[dict] = None) -> ArmResult:
    """Evaluate the positioned template ``doc`` (from ``template_path``) as one deployment.

    ``parameters``: [(path, positioned parameters document)], applied in order (later ones win).
    ``parameter_expressions``: name -> (ARM expression text, Location) for parameter values that
    need evaluating (a ``.bicepparam`` value that calls a function); they win over the documents.
    ``boundary``: linked templates and parameters links are read only from inside it.
    """
    if isinstance(boundary, str):  # a directory
        boundary = Boundary([boundary])
    result = ArmResult(template_path, parameters[-1][0] if parameters else None)
    ev = Evaluation(result, boundary, os.path.dirname(template_path) or ".")
    ev.read(template_path)
    inputs: dict = {}
    for path, pdoc in parameters or []:
        inputs.update(parameter_inputs(pdoc, path))
        ev.read(path)
    artifacts = inputs.get("_artifactslocation")
    if artifacts is not None and isinstance(artifacts.value, str) and "://" in artifacts.value:
        base = artifacts.value.split("?", 1)[0]
        ev.artifact_bases.append((base[: base.rfind("/") + 1], ev.root_dir))
    frame = Frame(ev, doc, template_path, inputs=inputs, stack=(os.path.realpath(template_path),))
    for name, (text, where) in (parameter_expressions or {}).items():
        trace: list = []
        value = frame.eval_string(text, frame.ctx(trace), where)
        origin = Related(where, f"parameter {name} set in {os.path.basename(where.path)}")
        frame.inputs[name.lower()] = _Input(value, (origin,) + _dedupe(trace))
    frame.run()
    return result
