"""``.bicepparam`` files: the parameter values they set for the template their ``using`` names.

Values known at compile time become a positioned ARM parameters document; a value that needs the
deployment engine (a function call) becomes an ARM expression for the ARM evaluator, as the Bicep
compiler computes it.
"""
from __future__ import annotations

import os
from typing import Any, Optional, Union

from ..findings import Location
from ..jsonpos import PosDict
from ..paths import Boundary
from . import armexpr as A
from .files import as_boundary
from .lower import _Context, _File
from .positioned import _add, _pd, _pl, _put
from .syntax import ArrayLit, Decl, Ident, Interp, Lit, ObjectLit, Prop, Spread, Unary
from .units import REGISTRY_PREFIXES

PARAMETERS_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"


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
