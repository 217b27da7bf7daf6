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
(under :data:`.context.ARTIFACTS_BASE`), so a linked template's ``uri`` built from ``_artifactsLocation``
resolves to the file beside it. Everything is bounded: copy counts (10,000), nesting of
deployments (:data:`.deployments.MAX_DEPLOYMENT_DEPTH`), user-defined function and lambda calls.
"""
from __future__ import annotations

import os
import urllib.parse
from typing import Any, Optional, Union

from .. import limits
from ..evaluation import EvalError, Ref, Unknown, located, merge_unknown
from ..findings import Location, Related
from ..paths import Boundary
from . import functions
from .context import (ARTIFACTS_BASE, DEPLOYMENT_NAME, RESOURCE_GROUP, SUBSCRIPTION_ID, ArmDiagnostic, Ctx,
                      PartialObject)
from .deployments import NestedDeployments
from .documents import _ci, _dedupe, _inner, _Input, _key_loc, _node_loc, _tree, _truthy, parameter_inputs, template_scope
from .expressions import Call, ExpressionError, Index, Literal, Member, is_expression, parse, unescape
from .resources import ResourceExpansion
from .result import ArmResult, EvDict, EvList, find_key

GRACE_STEPS = 1_000  # steps each value may still take after the step limit was hit
MAX_CALL_DEPTH = 64  # user-defined function and lambda calls inside each other
# what the Bicep lowering writes for a value it cannot know (exvlint.bicep.positioned.unknown): a
# namespace no template declares, read here as an unknown with the lowering's reason
UNKNOWN_FUNCTION = "exvlint.unknown"

__all__ = ["evaluate", "Evaluation", "Frame", "UNKNOWN_FUNCTION"]


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


class Frame(ResourceExpansion, NestedDeployments):
    """One template being evaluated: the root, an inline nested template or a linked template.

    Here its expressions, parameters, variables and outputs; its resources
    (:mod:`.resources`) and the deployments it nests (:mod:`.deployments`) in the classes it inherits."""

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
