"""Operations on Terraform values: attribute access, indexing, operators, type conversion."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .hcl import Call, Expr, Literal, Name, ObjectExpr, Template, TupleExpr

if TYPE_CHECKING:
    from .evaluate import ModuleInstance
    from .expressions import Scope
from .values import (BlockObject, EvalError, Lookup, ResourceObject, Unknown, contains_unknown, equal, merge_unknown, to_bool,
                     to_number, to_string, type_name)


def get_attr(obj: Any, name: str, trace: list) -> Any:
    if isinstance(obj, Lookup):
        return obj.lookup(name, trace)
    if isinstance(obj, Unknown):
        return obj
    if isinstance(obj, (ResourceObject, BlockObject)):
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
    if isinstance(obj, Lookup):
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


def binary_op(op: str, left: Any, right: Any) -> Any:
    if op in ("==", "!="):
        same = equal(left, right)
        if same is None:
            return merge_unknown([left, right])
        return same if op == "==" else not same
    if isinstance(left, Unknown) or isinstance(right, Unknown):
        return merge_unknown([left, right])
    a, b = to_number(left), to_number(right)
    try:
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
    except OverflowError:  # an integer past a float's range meeting a float: Terraform's big numbers, not ours
        raise EvalError(f"{op}: the numbers are too large to compute with") from None
    raise EvalError(f"unknown operator {op}")


def _norm(n: Any) -> Any:
    if isinstance(n, float) and n.is_integer() and abs(n) < 2 ** 53:
        return int(n)
    return n


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
                if not any(equal(v, d) for d in deduped):
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
