"""Evaluating one HCL expression in a scope: the expression half of a module instance."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import limits
from ..findings import Diagnostic, Location
from . import hcl
from .hcl import (
    Binary,
    Call,
    Conditional,
    Expr,
    ForExpr,
    GetAttr,
    Index,
    Literal,
    Name,
    ObjectExpr,
    Splat,
    Template,
    TemplateFor,
    TemplateIf,
    TupleExpr,
    Unary,
)
from .operations import binary_op, get_attr, index_value
from .values import (
    EvalError,
    Lookup,
    Unknown,
    contains_unknown,
    hole,
    located,
    merge_unknown,
    to_bool,
    to_number,
    to_string,
    type_name,
)

if TYPE_CHECKING:
    from .evaluate import ModuleInstance

ORIGINS = "\0origins:"  # scope key prefix: where an iteration value (each, count) came from


class Namespace(Lookup):
    """``var``, ``local``, ``module``, ``data``, ``path``... resolved lazily on attribute access."""

    def __init__(self, kind: str, mod: "ModuleInstance", extra: Any = None):
        self.kind = kind
        self.mod = mod
        self.extra = extra

    def lookup(self, name: str, trace: list) -> Any:
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
            if name == "cwd":  # where terraform runs: the root module (never this process's directory)
                return mod.evaluator.root_dir
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




GRACE_STEPS = 10_000  # what each item of a unit may still take once the limit is hit


class Budget:
    """Expression steps taken for one unit, against limits.evaluation_steps."""

    def __init__(self) -> None:
        self.steps = 0
        self.max_steps = limits.current().evaluation_steps
        self.where: Location | None = None  # the expression that went over
        self.reported = False

    def overrun(self, exc: "limits.LimitExceeded", diagnostics: list) -> None:
        """Report the first limit hit in a unit (EXV000 where it happened); allow each later item
        GRACE_STEPS more."""
        if not self.reported:
            self.reported = True
            diagnostics.append(Diagnostic("EXV000", self.where or Location("<unknown>"),
                                          f"evaluation stopped here: {exc}"))
        self.where = None
        self.max_steps = self.steps + GRACE_STEPS

    def grow(self, paths: list) -> None:
        """More configuration read: more steps allowed."""
        for path in paths:
            try:
                self.max_steps += limits.STEPS_PER_BYTE * os.path.getsize(path)
            except OSError:
                pass


class Expressions:
    """Mixed into ModuleInstance: ``eval`` and one method per expression type."""

    # -- expressions
    def top_eval(self, expr: Expr, scope: Scope, trace: list) -> Any:
        """``safe_eval`` for one item of a module (an attribute, a local, a variable, a count): past the
        step limit its value is unknown and the next item may take a few steps, so one expensive
        expression costs only itself and the rest of the unit is still read."""
        try:
            return self.safe_eval(expr, scope, trace)
        except limits.LimitExceeded as exc:
            self.evaluator.budget.overrun(exc, self.evaluator.diagnostics)
            return Unknown(f"not evaluated: limits.{exc.name}")

    def safe_eval(self, expr: Expr, scope: Scope, trace: list) -> Any:
        try:
            return self.eval(expr, scope, trace)
        except EvalError as exc:
            return Unknown(str(exc))
        except RecursionError:
            return Unknown("expression too deeply nested")

    def eval(self, expr: Expr, scope: Scope, trace: list) -> Any:
        value = self._evaluate(expr, scope, trace)
        if isinstance(value, Lookup):  # `var` or `azurerm_managed_disk` alone: Terraform rejects the reference
            what = getattr(value, "extra", None) or value.kind
            raise EvalError(f"{what} is not a value on its own; refer to one of its attributes")
        return value

    def _evaluate(self, expr: Expr, scope: Scope, trace: list) -> Any:
        """``eval``, where a namespace is allowed: the object of an attribute access, index or splat."""
        budget = self.evaluator.budget
        budget.steps += 1
        if budget.steps > budget.max_steps:  # one bound for every way a small input can loop
            budget.where = Location(scope.path, getattr(expr, "line", 0), getattr(expr, "col", 0))
            raise limits.LimitExceeded("evaluation_steps", "evaluation takes too many steps")
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
        out: list = []  # the text, unknown parts written as holes
        unknowns: list = []

        def add(value: Any) -> None:
            if contains_unknown(value):
                unknowns.append(value)
                out.append(hole(value))
            else:
                out.append(value)

        for part in parts:
            if isinstance(part, str):
                out.append(part)
            elif isinstance(part, TemplateIf):
                cond = self.eval(part.cond, scope, trace)
                if isinstance(cond, Unknown):
                    add(cond)
                    continue
                chosen = part.then if to_bool(cond) else part.other
                add(self._render(chosen, scope, trace))
            elif isinstance(part, TemplateFor):
                coll = self.eval(part.coll, scope, trace)
                if isinstance(coll, Unknown):
                    add(coll)
                    continue
                items = sorted(coll.items()) if isinstance(coll, dict) else list(enumerate(coll or []))
                for k, v in items:
                    names = {part.val_var: v}
                    if part.key_var:
                        names[part.key_var] = k
                    add(self._render(part.body, scope.with_names(**names), trace))
            else:
                value = self.eval(part, scope, trace)
                add(value if contains_unknown(value) else to_string(value))
        if unknowns:
            merged = merge_unknown(unknowns)
            return Unknown(merged.reason, merged.refs, text="".join(out))
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
        obj = self._evaluate(expr.obj, scope, trace)
        return get_attr(obj, expr.name, trace)

    def _index(self, expr: Index, scope: Scope, trace: list) -> Any:
        obj = self._evaluate(expr.obj, scope, trace)
        key = self.eval(expr.key, scope, trace)
        return index_value(obj, key)

    def _splat(self, expr: Splat, scope: Scope, trace: list) -> Any:
        obj = self._evaluate(expr.obj, scope, trace)
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
        from .functions import (  # deferred: only needed when called
            FunctionContext,
            call_function,
        )

        # made for each call, never kept: a context holding this instance's bound method would be a
        # reference cycle, and with the collector off a cycle keeps a unit's whole evaluation alive
        fctx = FunctionContext(module_dir=self.source.directory, render_template=self._render_template_file,
                               boundary=self.evaluator.boundary)
        try:
            return call_function(name, args, fctx)
        except limits.LimitExceeded:
            self.evaluator.budget.where = Location(scope.path, expr.line, expr.col)
            raise

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
            decisive = op == "||"  # the operand value that decides on its own, even beside an unknown
            if not isinstance(left, Unknown) and to_bool(left) is decisive:
                return decisive
            right = self.eval(expr.right, scope, trace)
            if isinstance(left, Unknown) or isinstance(right, Unknown):
                if not isinstance(right, Unknown) and to_bool(right) is decisive:
                    return decisive
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
        budget_size = limits.current().collection_size
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
            if len(out_obj if is_object else out_list) > budget_size:
                self.evaluator.budget.where = Location(scope.path, expr.line, expr.col)
                raise limits.LimitExceeded("collection_size", "a for expression makes too many elements")
        return out_obj if is_object else out_list


_DISPATCH: dict = {
    Literal: Expressions._literal,
    Template: Expressions._template,
    Name: Expressions._name,
    GetAttr: Expressions._get_attr,
    Index: Expressions._index,
    Splat: Expressions._splat,
    Call: Expressions._call,
    TupleExpr: Expressions._tuple,
    ObjectExpr: Expressions._object,
    Conditional: Expressions._conditional,
    Binary: Expressions._binary,
    Unary: Expressions._unary,
    ForExpr: Expressions._for,
}
