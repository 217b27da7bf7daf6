"""Terraform's built-in function library, evaluated offline on plain Python values.

Values follow :mod:`exvlint.terraform.values` (str, int/float, bool, None, list, dict and
:class:`Unknown`). The behaviour mirrors Terraform's implementation (``hashicorp/terraform``
``internal/lang/funcs`` and ``zclconf/go-cty`` ``function/stdlib``): the same argument
conversions (numbers from numeric strings, strings from numbers and bools), the same errors,
and the same handling of unknown values wherever Terraform can still produce a known result.

Entry point: :func:`call_function`. Each function is a small Python function registered in
``_REGISTRY`` with its arity and its null/unknown policy; sections below group them by the
categories of the Terraform documentation.
"""
from __future__ import annotations

import base64
import binascii
import calendar
import codecs
import csv
import datetime as _dt
import functools
import hashlib
import io
import ipaddress
import itertools
import json
import math
import os
import re
import stat
import unicodedata
import urllib.parse
import uuid as _uuid
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any, Callable, Iterable, Optional


from .. import files, limits
from ..function_registry import FunctionRegistry, NotOffline, all_nulls, no_nulls, nulls_from
from ..paths import Boundary
from .graphemes import _glen, _graphemes
from .values import (EvalError, Unknown, collect_refs, contains_unknown, equal, hole, merge_unknown,
                     normal_number, number_text, parse_number_text, to_bool, to_int, to_number, to_string, type_name,
                     with_holes)


__all__ = [
    "FunctionContext",
    "call_function",
    "FUNCTION_NAMES",
    "UNEVALUATED_FUNCTION_NAMES",
    "TERRAFORM_FUNCTION_NAMES",
]

MAX_STRING_SIZE = 50 * 1024 * 1024  # indent(), format() padding and the like
MAX_FILESET_ENTRIES = 100_000  # files visited by one fileset() call
RANGE_LIMIT = 1024  # Terraform's own limit for range()


@dataclass
class FunctionContext:
    """What a function call may need from the evaluator."""

    module_dir: str = "."
    # render_template(text, vars) renders Terraform template syntax; may return Unknown.
    render_template: Optional[Callable[[str, dict], Any]] = None
    # where file functions may look: a path outside it is unknown and never opened (None: nowhere)
    boundary: Optional[Boundary] = None


# One registry of Terraform's functions on the shared pattern (function_registry.py): the arity, null
# and unknown policies and the error handling are the same for every expression language.
_REGISTRY = FunctionRegistry("Terraform")
_fn = _REGISTRY.register
_NotOffline = NotOffline
_no_nulls, _all_nulls, _nulls_from = no_nulls, all_nulls, nulls_from
_UNEVALUATED: set[str] = set()


def call_function(name: str, args: list, ctx: FunctionContext) -> Any:
    """Apply Terraform function ``name`` to already-evaluated ``args``.

    Returns the result (possibly an :class:`Unknown`); raises :class:`EvalError` when
    Terraform would reject the call. Never raises anything else.
    """
    if name.startswith("core::"):
        name = name[len("core::"):]
    if "::" in name:
        return merge_unknown(args, f"provider-defined function {name}() is not evaluated offline")
    return _REGISTRY.call(name, args, ctx if ctx is not None else FunctionContext())


def _unknown_of(reason: str, *values: Any) -> Unknown:
    return Unknown(reason, collect_refs(list(values)))


# ---------------------------------------------------------------------------------------------
# Value conversions (cty's automatic type conversions)
# ---------------------------------------------------------------------------------------------

_num = normal_number
_num_text = number_text
_parse_number_text = parse_number_text


def _to_number(v: Any, what: str = "argument") -> Any:
    return to_number(v, what)


def _to_int(v: Any, what: str = "argument") -> int:
    return to_int(v, what)


def _to_str(v: Any, what: str = "argument") -> str:
    return to_string(v, what)


def _to_bool(v: Any, what: str = "argument") -> bool:
    return to_bool(v, what)


def _to_list(v: Any, what: str = "argument") -> list:
    if isinstance(v, list):
        return v
    raise EvalError(f"{what} must be a list, set or tuple, got {type_name(v)}")


def _to_map(v: Any, what: str = "argument") -> dict:
    if isinstance(v, dict):
        return v
    raise EvalError(f"{what} must be a map or object, got {type_name(v)}")


def _str_list(v: Any, what: str = "argument", allow_null: bool = False) -> list:
    out = []
    for i, e in enumerate(_to_list(v, what)):
        if e is None:
            if allow_null:
                out.append(None)
                continue
            raise EvalError(f"{what}: element {i} is null")
        out.append(_to_str(e, f"{what} element {i}"))
    return out


def _non_null_kinds(values: Iterable) -> set:
    return {type_name(v) for v in values if v is not None and not isinstance(v, Unknown)}


def _unify_primitives(values: list, what: str = "elements") -> list:
    """cty's type unification for collection elements: a mix of strings with numbers or bools
    becomes all strings; other primitive mixes are an error."""
    kinds = _non_null_kinds(values)
    if len(kinds) <= 1:
        return list(values)
    if kinds <= {"string", "number", "bool"}:
        if "string" not in kinds:
            raise EvalError(f"all {what} must have the same type")
        return [v if (v is None or isinstance(v, (str, Unknown))) else _to_str(v) for v in values]
    if kinds & {"string", "number", "bool"}:
        raise EvalError(f"all {what} must have the same type")
    if kinds == {"list", "object"}:
        raise EvalError(f"all {what} must have the same type")
    return list(values)


_equal = equal


def _freeze(v: Any) -> Any:
    """A hashable key with cty equality semantics for a wholly known value."""
    if isinstance(v, bool):
        return ("b", v)
    if isinstance(v, (int, float)):
        return ("n", v)
    if isinstance(v, str):
        return ("s", v)
    if v is None:
        return ("null",)
    if isinstance(v, list):
        return ("l", tuple(_freeze(e) for e in v))
    if isinstance(v, dict):
        return ("m", tuple(sorted((k, _freeze(e)) for k, e in v.items())))
    raise EvalError(f"unsupported value {v!r}")


def _distinct(values: list) -> list:
    seen: set = set()
    out = []
    for v in values:
        key = _freeze(v)
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out


def _make_set(values: list) -> list:
    """A set in Terraform's order: strings lexically, numbers numerically, false before true,
    nulls then unknowns last; other element types keep first-seen order."""
    values = _unify_primitives(list(values))
    unknowns = [v for v in values if contains_unknown(v)]
    known = _distinct([v for v in values if not contains_unknown(v)])
    present = [v for v in known if v is not None]
    nulls = [None] if len(present) != len(known) else []
    kinds = {type_name(v) for v in present}
    if kinds == {"string"} or kinds == {"number"}:
        present.sort()
    elif kinds == {"bool"}:
        present.sort(key=lambda b: 1 if b else 0)
    return present + nulls + unknowns


def _sorted_dict(d: dict) -> dict:
    return {k: d[k] for k in sorted(d)}


# ---------------------------------------------------------------------------------------------
# Numeric functions
# ---------------------------------------------------------------------------------------------


def _decimal(x: Any) -> Decimal:
    return Decimal(x) if isinstance(x, int) else Decimal(repr(x))


def _from_decimal(d: Decimal) -> Any:
    if d.is_infinite():
        return math.inf if d > 0 else -math.inf
    if d == d.to_integral_value():
        return int(d)
    return float(d)


@_fn("abs", 1)
def _abs(n: Any) -> Any:
    return _num(abs(_to_number(n)))


@_fn("ceil", 1)
def _ceil(n: Any) -> Any:
    n = _to_number(n)
    return n if isinstance(n, int) or math.isinf(n) else math.ceil(n)


@_fn("floor", 1)
def _floor(n: Any) -> Any:
    n = _to_number(n)
    return n if isinstance(n, int) or math.isinf(n) else math.floor(n)


def _ln(x: float) -> float:
    if x == 0:
        return -math.inf
    if x < 0:
        return math.nan
    if math.isinf(x):
        return math.inf
    return math.log(x)


def _ieee_div(a: float, b: float) -> float:
    if b == 0:
        if a == 0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    if math.isinf(a) and math.isinf(b):
        return math.nan
    return a / b


@_fn("log", 2)
def _log(num: Any, base: Any) -> Any:
    result = _ieee_div(_ln(float(_to_number(num))), _ln(float(_to_number(base))))
    if math.isnan(result):
        raise EvalError("result is not a number")
    return _num(result)


@_fn("pow", 2)
def _pow(num: Any, power: Any) -> Any:
    x, y = float(_to_number(num)), float(_to_number(power))
    try:
        result = math.pow(x, y)
    except OverflowError:
        negative = x < 0 and y.is_integer() and int(y) % 2 == 1
        result = -math.inf if negative else math.inf
    except ValueError:
        if x == 0 and y < 0:
            odd = y.is_integer() and int(y) % 2 == 1
            result = math.copysign(math.inf, x) if odd else math.inf
        else:
            raise EvalError("result is not a number") from None
    if math.isnan(result):
        raise EvalError("result is not a number")
    return _num(result)


@_fn("signum", 1)
def _signum(n: Any) -> Any:
    n = _to_int(n)  # Terraform converts the argument to an integer first
    return (n > 0) - (n < 0)


@_fn("max", 1, None)
def _max(*nums: Any) -> Any:
    return max(_to_number(n) for n in nums)


@_fn("min", 1, None)
def _min(*nums: Any) -> Any:
    return min(_to_number(n) for n in nums)


_DIGITS62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


@_fn("parseint", 2)
def _parseint(number: Any, base: Any) -> Any:
    if not isinstance(number, str):
        raise EvalError(f"first argument must be a string, not {type_name(number)}")
    b = _to_int(base)
    if b < 2 or b > 62:
        raise EvalError("base must be a whole number between 2 and 62 inclusive")
    text = number
    sign = 1
    if text[:1] in ("+", "-"):
        sign = -1 if text[0] == "-" else 1
        text = text[1:]
    if not text:
        raise EvalError(f"cannot parse {json.dumps(number)} as a base {b} integer")
    value = 0
    for ch in text:
        digit = _DIGITS62.find(ch.lower() if b <= 36 else ch)
        if digit < 0 or digit >= b:
            raise EvalError(f"cannot parse {json.dumps(number)} as a base {b} integer")
        value = value * b + digit
    return sign * value


@_fn("sum", 1)
def _sum(values: Any) -> Any:
    if not isinstance(values, list):
        raise EvalError(f"argument must be list, set, or tuple. Received {type_name(values)}")
    if not values:
        raise EvalError("cannot sum an empty list")
    with localcontext() as dctx:
        dctx.prec = 100
        total = Decimal(0)
        for v in values:
            if v is None or isinstance(v, (list, dict)):
                raise EvalError("argument must be list, set, or tuple of number values")
            n = _to_number(v, "list element")
            if isinstance(n, float) and math.isinf(n):
                total = total + Decimal(n)
            else:
                total = total + _decimal(n)
        if total.is_nan():
            raise EvalError("can't compute sum of opposing infinities")
        return _from_decimal(total)


@_fn("range", 1, 3)
def _range(*args: Any) -> list:
    nums = [_to_number(a) for a in args]
    if len(nums) == 1:
        start, limit = 0, nums[0]
        step = -1 if limit < 0 else 1
    elif len(nums) == 2:
        start, limit = nums
        step = -1 if limit < start else 1
    else:
        start, limit, step = nums
    if step == 0:
        raise EvalError("step must not be zero")
    if step < 0 and limit > start:
        raise EvalError("end must be less than start when step is negative")
    if step > 0 and limit < start:
        raise EvalError("end must be greater than start when step is positive")
    if any(isinstance(x, float) and math.isinf(x) for x in (start, limit, step)):
        raise EvalError(f"more than {RANGE_LIMIT} values were generated; either decrease the difference between start and end or use a smaller step")
    d_start, d_limit, d_step = _decimal(start), _decimal(limit), _decimal(step)
    out = []
    current = d_start
    while (current < d_limit) if d_step > 0 else (current > d_limit):
        if len(out) >= RANGE_LIMIT:
            raise EvalError(f"more than {RANGE_LIMIT} values were generated; either decrease the difference between start and end or use a smaller step")
        out.append(_from_decimal(current))
        current += d_step
    return out


# ---------------------------------------------------------------------------------------------
# String functions
# ---------------------------------------------------------------------------------------------


@_fn("upper", 1)
def _upper(s: Any) -> str:
    # Go maps rune by rune (no multi-character expansions such as "ß" -> "SS").
    return "".join(u if len(u := c.upper()) == 1 else c for c in _to_str(s))


@_fn("lower", 1)
def _lower(s: Any) -> str:
    return "".join(low if len(low := c.lower()) == 1 else c for c in _to_str(s))


# unicode.IsSpace in Go
_GO_SPACE = frozenset("\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def _go_is_separator(ch: str) -> bool:
    if ch.isascii():
        return not (ch.isalnum() or ch == "_")
    if ch.isalpha() or unicodedata.category(ch) == "Nd":
        return False
    return ch in _GO_SPACE


@_fn("title", 1)
def _title(s: Any) -> str:
    out = []
    prev = " "
    for ch in _to_str(s):
        if _go_is_separator(prev):
            t = ch.title()
            out.append(t if len(t) == 1 else ch)
        else:
            out.append(ch)
        prev = ch
    return "".join(out)


@_fn("chomp", 1)
def _chomp(s: Any) -> str:
    return re.sub(r"(?:\r\n?|\n)*\Z", "", _to_str(s), count=1)


@_fn("trimspace", 1)
def _trimspace(s: Any) -> str:
    text = _to_str(s)
    start, end = 0, len(text)
    while start < end and text[start] in _GO_SPACE:
        start += 1
    while end > start and text[end - 1] in _GO_SPACE:
        end -= 1
    return text[start:end]


@_fn("trim", 2)
def _trim(s: Any, cutset: Any) -> str:
    return _to_str(s).strip(_to_str(cutset))


@_fn("trimprefix", 2)
def _trimprefix(s: Any, prefix: Any) -> str:
    text, p = _to_str(s), _to_str(prefix)
    return text[len(p):] if p and text.startswith(p) else text


@_fn("trimsuffix", 2)
def _trimsuffix(s: Any, suffix: Any) -> str:
    text, p = _to_str(s), _to_str(suffix)
    return text[: len(text) - len(p)] if p and text.endswith(p) else text


@_fn("startswith", 2, unknowns=True)
def _startswith(s: Any, prefix: Any) -> Any:
    if isinstance(prefix, Unknown):
        return merge_unknown([s, prefix])
    p = _to_str(prefix)
    if isinstance(s, Unknown):
        return True if p == "" else merge_unknown([s])
    return _to_str(s).startswith(p)


@_fn("endswith", 2)
def _endswith(s: Any, suffix: Any) -> bool:
    return _to_str(s).endswith(_to_str(suffix))


@_fn("strcontains", 2)
def _strcontains(s: Any, substr: Any) -> bool:
    return _to_str(substr) in _to_str(s)


@_fn("strrev", 1)
def _strrev(s: Any) -> str:
    return "".join(reversed(_graphemes(_to_str(s))))


@_fn("substr", 3)
def _substr(s: Any, offset: Any, length: Any) -> str:
    clusters = _graphemes(_to_str(s))
    off, ln = _to_int(offset, "offset"), _to_int(length, "length")
    if off < 0:
        off += len(clusters)
    elif ln == 0:
        return ""
    rest = clusters[off:] if off > 0 else clusters
    if ln <= 0:  # negative: the remainder (and, as in Terraform, 0 after a negative offset)
        return "".join(rest)
    return "".join(rest[:ln])


@_fn("indent", 2)
def _indent(spaces: Any, s: Any) -> str:
    n = _to_int(spaces, "spaces")
    text = _to_str(s)
    if n < 0:
        raise EvalError("spaces must not be negative")
    if n * text.count("\n") > MAX_STRING_SIZE:
        raise EvalError("result is too large")
    return text.replace("\n", "\n" + " " * n)


@_fn("join", 2, None, unknowns=True)
def _join(sep: Any, *lists: Any) -> Any:
    if contains_unknown([sep, *lists]):
        # unknown, but a script joined from lines keeps its readable text (holes for the unknown parts)
        unknown = merge_unknown([sep, *lists])
        if isinstance(sep, Unknown) or any(isinstance(lst, Unknown) for lst in lists):
            return unknown
        return Unknown(unknown.reason, unknown.refs, text=_join(sep, *with_holes(list(lists))))
    separator = _to_str(sep)
    items: list = []
    for li, lst in enumerate(lists):
        for ei, e in enumerate(_to_list(lst, f"list {li + 1}")):
            if e is None:
                where = f"element {ei} of list {li + 1}" if len(lists) > 1 else f"element {ei}"
                raise EvalError(f"{where} is null; cannot concatenate null values")
            items.append(_to_str(e, f"element {ei}"))
    return separator.join(items)


@_fn("split", 2)
def _split(sep: Any, s: Any) -> list:
    separator, text = _to_str(sep), _to_str(s)
    if separator == "":
        return list(text)
    return text.split(separator)


# -- format() / formatlist(): Go's fmt verbs (gofmt.py) ---------------------------------------------


@_fn("format", 1, None, nulls=_nulls_from(1))
def _format_fn(spec: Any, *args: Any) -> str:
    from .gofmt import go_format  # deferred, like the other engines

    return go_format(_to_str(spec, "format"), list(args))


@_fn("formatlist", 1, None, nulls=_nulls_from(1), unknowns=True)
def _formatlist(spec: Any, *args: Any) -> Any:
    from .gofmt import go_format as _format

    if isinstance(spec, Unknown) or any(isinstance(a, Unknown) for a in args):
        return merge_unknown([spec, *args])
    fmt = _to_str(spec, "format")
    if not args:
        return [_format(fmt, [])]
    iter_len, chooser = -1, -1
    for i, arg in enumerate(args):
        if isinstance(arg, list):
            if iter_len < 0:
                iter_len, chooser = len(arg), i
            elif len(arg) != iter_len:
                raise EvalError(f"argument {i + 1} has length {len(arg)}, which is inconsistent with argument {chooser + 1} of length {iter_len}")
    if iter_len == 0:
        return []
    result = []
    for k in range(max(iter_len, 1)):
        call_args = [a[k] if isinstance(a, list) else a for a in args]
        if any(contains_unknown(a) for a in call_args):
            result.append(merge_unknown(call_args))
            continue
        try:
            result.append(_format(fmt, call_args))
        except EvalError as exc:
            raise EvalError(f"error on format iteration {k}: {exc}") from None
    return result


# -- Regular expressions (Go's regexp package: RE2 syntax and semantics) -------------------------
#
# google-re2 is RE2 itself: the syntax Go accepts and rejects (no backreferences, no lookaround),
# leftmost-first matching, and linear time, so no pattern can make evaluation hang.


class _GoRegex:
    """A compiled RE2 pattern: group names, and ``search(s, pos)`` giving group spans."""

    def __init__(self, pattern: str) -> None:
        import re2  # deferred: only configurations that call a regex function pay for the import

        options = re2.Options()
        options.log_errors = False  # RE2 would print every rejected pattern on stderr
        try:
            self.compiled = re2.compile(pattern, options=options)
        except re2.error as exc:
            detail = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
            raise EvalError(f"error parsing regexp: {detail}") from None
        self.ngroups = self.compiled.groups + 1
        index_names = {i: name for name, i in self.compiled.groupindex.items()}
        self.names = [index_names.get(i) for i in range(1, self.ngroups)]

    def search(self, s: str, pos: int = 0) -> Optional[list]:
        m = self.compiled.search(s, pos)
        if m is None:
            return None
        return [m.span(g) for g in range(self.ngroups)]

    def finditer(self, s: str) -> Iterable[list]:
        """All matches, with Go's rule for empty matches (none right after a previous match)."""
        pos, prev_end, n = 0, -1, len(s)
        while pos <= n:
            spans = self.search(s, pos)
            if spans is None:
                return
            start, end = spans[0]
            accept = True
            if end == pos:  # empty match at pos
                accept = start != prev_end
                pos += 1
            else:
                pos = end
            prev_end = end
            if accept:
                yield spans


@functools.lru_cache(maxsize=256)
def _compile_regex(pattern: str) -> _GoRegex:
    return _GoRegex(pattern)


def _regex_result_shape(rx: _GoRegex) -> str:
    named = [n for n in rx.names if n is not None]
    if not rx.names:
        return "string"
    if named and len(named) != len(rx.names):
        raise EvalError("invalid regexp pattern: cannot mix both named and unnamed capture groups")
    return "map" if named else "list"


def _regex_result(rx: _GoRegex, shape: str, s: str, spans: list) -> Any:
    def text(span: tuple) -> Optional[str]:
        return None if span[0] < 0 else s[span[0]:span[1]]

    if shape == "string":
        return text(spans[0])
    if shape == "list":
        return [text(sp) for sp in spans[1:]]
    return _sorted_dict({name: text(sp) for name, sp in zip(rx.names, spans[1:])})


@_fn("regex", 2)
def _regex(pattern: Any, s: Any) -> Any:
    rx = _compile_regex(_to_str(pattern, "pattern"))
    shape = _regex_result_shape(rx)
    text = _to_str(s)
    spans = rx.search(text)
    if spans is None:
        raise EvalError("pattern did not match any part of the given string")
    return _regex_result(rx, shape, text, spans)


@_fn("regexall", 2)
def _regexall(pattern: Any, s: Any) -> list:
    rx = _compile_regex(_to_str(pattern, "pattern"))
    shape = _regex_result_shape(rx)
    text = _to_str(s)
    return [_regex_result(rx, shape, text, spans) for spans in rx.finditer(text)]


def _expand_template(template: str, rx: _GoRegex, s: str, spans: list) -> str:
    """Go's Regexp.Expand: $1, ${1}, $name, ${name}, $$."""
    out: list = []
    i, n = 0, len(template)
    while i < n:
        j = template.find("$", i)
        if j < 0:
            out.append(template[i:])
            break
        out.append(template[i:j])
        i = j + 1
        if i < n and template[i] == "$":
            out.append("$")
            i += 1
            continue
        brace = i < n and template[i] == "{"
        k = i + 1 if brace else i
        start = k
        while k < n and (template[k].isalnum() or template[k] == "_"):
            k += 1
        name = template[start:k]
        if not name or (brace and (k >= n or template[k] != "}")):
            out.append("$")  # malformed: the $ is literal
            continue
        i = k + 1 if brace else k
        if name.isdigit() and name.isascii() and not (name[0] == "0" and len(name) > 1) and len(name) <= 8:
            g = int(name)
            if g < len(spans) and spans[g][0] >= 0:
                out.append(s[spans[g][0]:spans[g][1]])
        else:
            for g, group_name in enumerate(rx.names, start=1):
                if group_name == name:
                    if spans[g][0] >= 0:
                        out.append(s[spans[g][0]:spans[g][1]])
                    break
    return "".join(out)


@_fn("replace", 3)
def _replace(s: Any, substr: Any, replacement: Any) -> str:
    text, search, repl = _to_str(s), _to_str(substr), _to_str(replacement)
    if len(search) > 1 and search[0] == "/" and search[-1] == "/":
        rx = _compile_regex(search[1:-1])
        out: list = []
        last = 0
        for spans in rx.finditer(text):
            start, end = spans[0]
            out.append(text[last:start])
            out.append(_expand_template(repl, rx, text, spans))
            last = end
        out.append(text[last:])
        return "".join(out)
    if search == "":
        # strings.Replace with an empty old string inserts at every rune boundary
        return repl + repl.join(text) + repl if text else repl
    return text.replace(search, repl)


@_fn("templatestring", 2, unknowns=True, ctx=True)
def _templatestring(ctx: FunctionContext, template: Any, variables: Any) -> Any:
    if isinstance(template, Unknown) or isinstance(variables, Unknown):
        return merge_unknown([template, variables])
    if not isinstance(template, str):
        raise EvalError("invalid template value: a string is required")
    return _render(ctx, template, variables, "templatestring")


# ---------------------------------------------------------------------------------------------
# Collection functions
# ---------------------------------------------------------------------------------------------


@_fn("length", 1, unknowns=True)
def _length(value: Any) -> Any:
    if isinstance(value, Unknown):
        return merge_unknown([value])
    if isinstance(value, str):
        return _glen(value)
    if isinstance(value, (list, dict)):
        return len(value)  # elements may be unknown: the length is still known
    raise EvalError("argument must be a string, a collection type, or a structural type")


def _check_bool_list(values: Any) -> list:
    out = []
    for i, v in enumerate(_to_list(values)):
        if v is None or isinstance(v, Unknown):
            out.append(v)
        else:
            out.append(_to_bool(v, f"element {i}"))
    return out


@_fn("alltrue", 1, unknowns=True)
def _alltrue(values: Any) -> Any:
    if isinstance(values, Unknown):
        return merge_unknown([values])
    items = _check_bool_list(values)
    if any(v is None or v is False for v in items):
        return False  # a known false (or null) decides the result
    unknown = [v for v in items if isinstance(v, Unknown)]
    return merge_unknown(unknown) if unknown else True


@_fn("anytrue", 1, unknowns=True)
def _anytrue(values: Any) -> Any:
    if isinstance(values, Unknown):
        return merge_unknown([values])
    items = _check_bool_list(values)
    if any(v is True for v in items):
        return True
    unknown = [v for v in items if isinstance(v, Unknown)]
    return merge_unknown(unknown) if unknown else False


@_fn("chunklist", 2, unknowns=True)
def _chunklist(values: Any, size: Any) -> Any:
    if isinstance(values, Unknown) or isinstance(size, Unknown):
        return merge_unknown([values, size])
    items = _to_list(values)
    n = _to_int(size, "size")
    if n < 0:
        raise EvalError("the size argument must be positive")
    if not items:
        return []
    if n == 0:
        return [list(items)]
    return [items[i:i + n] for i in range(0, len(items), n)]


@_fn("coalesce", 1, None, nulls=_all_nulls, unknowns=True)
def _coalesce(*values: Any) -> Any:
    kinds = _non_null_kinds(values)
    to_string = False
    if len(kinds) > 1:
        if kinds <= {"string", "number", "bool"} and "string" in kinds:
            to_string = True
        else:
            raise EvalError("all arguments must have the same type")
    for i, v in enumerate(values):
        if isinstance(v, Unknown):
            return merge_unknown(values[i:])
        if v is None:
            continue
        if to_string:
            v = _to_str(v)
        if v == "" and (to_string or kinds == {"string"}):
            continue
        return v
    raise EvalError("no non-null, non-empty-string arguments")


@_fn("coalescelist", 1, None, nulls=_all_nulls, unknowns=True)
def _coalescelist(*values: Any) -> Any:
    for v in values:
        if v is not None and not isinstance(v, (Unknown, list)):
            raise EvalError("coalescelist arguments must be lists or tuples")
    for i, v in enumerate(values):
        if isinstance(v, Unknown):
            return merge_unknown(values[i:])
        if v:
            return v
    raise EvalError("no non-null arguments")


@_fn("compact", 1)
def _compact(values: Any) -> list:
    return [v for v in _str_list(values, allow_null=True) if v]


@_fn("concat", 1, None, unknowns=True)
def _concat(*lists: Any) -> Any:
    if any(isinstance(v, Unknown) for v in lists):
        return merge_unknown(lists)
    out: list = []
    for i, v in enumerate(lists):
        if not isinstance(v, list):
            raise EvalError(f"all arguments must be lists or tuples; got {type_name(v)}")
        out.extend(v)
    return out


@_fn("contains", 2, nulls=lambda i: i == 1, unknowns=True)
def _contains(values: Any, needle: Any) -> Any:
    if isinstance(values, Unknown):
        return merge_unknown([values, needle])
    items = _to_list(values)
    if not items:
        return False
    if isinstance(needle, Unknown):
        return merge_unknown([needle])
    undecided = []
    for v in items:
        eq = _equal(needle, v)
        if eq is True:
            return True
        if eq is None:
            undecided.append(v)
    return merge_unknown([needle, *undecided]) if undecided else False


@_fn("distinct", 1)
def _distinct_fn(values: Any) -> list:
    return _distinct(_unify_primitives(_to_list(values)))


@_fn("element", 2, unknowns=True)
def _element(values: Any, index: Any) -> Any:
    if isinstance(values, Unknown) or isinstance(index, Unknown):
        return merge_unknown([values, index])
    items = _to_list(values)
    i = _to_int(index, "invalid index")
    if not items:
        raise EvalError("cannot use element function with an empty list")
    return items[i % len(items)]


def _flatten_into(values: list, out: list, unknowns: list) -> None:
    for v in values:
        if isinstance(v, Unknown):
            unknowns.append(v)  # could itself be a list: the flattened shape is unknown
        elif isinstance(v, list):
            _flatten_into(v, out, unknowns)
        else:
            out.append(v)


@_fn("flatten", 1, unknowns=True)
def _flatten(values: Any) -> Any:
    if isinstance(values, Unknown):
        return merge_unknown([values])
    out: list = []
    unknowns: list = []
    _flatten_into(_to_list(values, "can only flatten lists, sets and tuples; argument"), out, unknowns)
    return merge_unknown(unknowns) if unknowns else out


@_fn("index", 2, unknowns=True)
def _index(values: Any, needle: Any) -> Any:
    if isinstance(values, Unknown) or isinstance(needle, Unknown):
        return merge_unknown([values, needle])
    items = _to_list(values)
    if not items:
        raise EvalError("cannot search an empty list")
    for i, v in enumerate(items):
        eq = _equal(v, needle)
        if eq is None:
            return merge_unknown([v, needle])
        if eq:
            return i
    raise EvalError("item not found")


@_fn("keys", 1, unknowns=True)
def _keys(mapping: Any) -> Any:
    if isinstance(mapping, Unknown):
        return merge_unknown([mapping])
    if not isinstance(mapping, dict):
        raise EvalError("must have map or object type")
    return sorted(mapping)


@_fn("values", 1, unknowns=True)
def _values(mapping: Any) -> Any:
    if isinstance(mapping, Unknown):
        return merge_unknown([mapping])
    if not isinstance(mapping, dict):
        raise EvalError("values() requires a map as the first argument")
    return [mapping[k] for k in sorted(mapping)]


@_fn("lookup", 2, 3, nulls=lambda i: i == 2, unknowns=True)
def _lookup(mapping: Any, key: Any, *default: Any) -> Any:
    if isinstance(mapping, Unknown) or isinstance(key, Unknown):
        return merge_unknown([mapping, key])
    if not isinstance(mapping, dict):
        raise EvalError("lookup() requires a map as the first argument")
    k = _to_str(key, "key")
    if k in mapping:
        return mapping[k]
    if default:
        return default[0]
    raise EvalError(f"lookup failed to find key {json.dumps(k)}")


@_fn("matchkeys", 3)
def _matchkeys(values: Any, keys: Any, searchset: Any) -> list:
    vals, ks, search = _to_list(values, "values"), _to_list(keys, "keys"), _to_list(searchset, "searchset")
    if len(vals) != len(ks):
        raise EvalError("length of keys and values should be equal")
    unified = _unify_primitives(ks + search, "keys and searchset elements")
    ks, search = unified[: len(ks)], unified[len(ks):]
    wanted = {_freeze(s) for s in search}
    return [v for v, k in zip(vals, ks) if _freeze(k) in wanted]


@_fn("merge", 0, None, nulls=_all_nulls, unknowns=True)
def _merge(*maps: Any) -> Any:
    if any(isinstance(m, Unknown) for m in maps):
        return merge_unknown(maps)
    out: dict = {}
    for m in maps:
        if m is None:
            continue
        if not isinstance(m, dict):
            raise EvalError(f"arguments must be maps or objects, got {type_name(m)}")
        out.update(m)  # values may be unknown: they stay in the result
    return _sorted_dict(out)


@_fn("one", 1, unknowns=True)
def _one(values: Any) -> Any:
    if isinstance(values, Unknown):
        return merge_unknown([values])
    if not isinstance(values, list) or len(values) > 1:
        raise EvalError("must be a list, set, or tuple value with either zero or one elements")
    return values[0] if values else None


@_fn("reverse", 1, unknowns=True)
def _reverse(values: Any) -> Any:
    if isinstance(values, Unknown):
        return merge_unknown([values])
    if not isinstance(values, list):
        raise EvalError(f"can only reverse list or tuple values, not {type_name(values)}")
    return list(reversed(values))


def _set_args(sets: tuple) -> list:
    lists = [_to_list(s, f"argument {i + 1}") for i, s in enumerate(sets)]
    non_empty = [lst for lst in lists if lst]
    flat = _unify_primitives([e for lst in non_empty for e in lst], "set elements")
    out, k = [], 0
    for lst in lists:
        out.append(flat[k:k + len(lst)] if lst else [])
        k += len(lst)
    return out


@_fn("setunion", 1, None, unknowns=True)
def _setunion(*sets: Any) -> Any:
    if any(isinstance(s, Unknown) for s in sets):
        return merge_unknown(sets)
    return _make_set([e for s in _set_args(sets) for e in s])


@_fn("setintersection", 1, None)
def _setintersection(*sets: Any) -> list:
    lists = _set_args(sets)
    common = {_freeze(e) for e in lists[0]}
    for other in lists[1:]:
        common &= {_freeze(e) for e in other}
    return _make_set([e for e in lists[0] if _freeze(e) in common])


@_fn("setsubtract", 2)
def _setsubtract(a: Any, b: Any) -> list:
    first, second = _set_args((a, b))
    removed = {_freeze(e) for e in second}
    return _make_set([e for e in first if _freeze(e) not in removed])


@_fn("setproduct", 2, None, unknowns=True)
def _setproduct(*sets: Any) -> Any:
    if any(isinstance(s, Unknown) for s in sets):
        return merge_unknown(sets)
    lists = [_to_list(s, f"argument {i + 1} (a set or a list is required)") for i, s in enumerate(sets)]
    total = 1
    for lst in lists:
        total *= len(lst)
    if total > limits.current().collection_size:
        raise limits.LimitExceeded("collection_size", f"setproduct() would make {total:,} elements")
    return [list(combo) for combo in itertools.product(*lists)]


@_fn("slice", 3, unknowns=True)
def _slice(values: Any, start: Any, end: Any) -> Any:
    if any(isinstance(v, Unknown) for v in (values, start, end)):
        return merge_unknown([values, start, end])
    if not isinstance(values, list):
        raise EvalError("must be a list or tuple value")
    lo, hi = _to_int(start, "invalid start index"), _to_int(end, "invalid end index")
    if lo < 0:
        raise EvalError("start index must not be less than zero")
    if lo > len(values):
        raise EvalError("start index must not be greater than the length of the list")
    if hi < 0:
        raise EvalError("end index must not be less than zero")
    if hi > len(values):
        raise EvalError("end index must not be greater than the length of the list")
    if lo > hi:
        raise EvalError("start index must not be greater than end index")
    return values[lo:hi]


@_fn("sort", 1)
def _sort(values: Any) -> list:
    items = _to_list(values)
    for i, v in enumerate(items):
        if v is None:
            raise EvalError(f"given list element {i} is null; a null string cannot be sorted")
    return sorted(_str_list(items))


@_fn("transpose", 1)
def _transpose(mapping: Any) -> dict:
    out: dict = {}
    for key, lst in _to_map(mapping).items():
        if lst is None:
            raise EvalError("input must not contain null list")
        for v in _to_list(lst, "input must be a map of lists of strings; value"):
            if v is None:
                raise EvalError("input list must not contain null string")
            out.setdefault(_to_str(v, "list element"), []).append(key)
    return {k: sorted(out[k]) for k in sorted(out)}


@_fn("zipmap", 2, unknowns=True)
def _zipmap(keys: Any, values: Any) -> Any:
    if contains_unknown(keys) or isinstance(values, Unknown):
        return merge_unknown([keys, values])
    ks = _to_list(keys, "keys")
    vals = _to_list(values, "values argument must be a list or tuple value;")
    for i, k in enumerate(ks):
        if k is None:
            raise EvalError(f"keys list has null value at index {i}")
    ks = _str_list(ks, "keys")
    if len(ks) != len(vals):
        raise EvalError(f"number of keys ({len(ks)}) does not match number of values ({len(vals)})")
    return _sorted_dict(dict(zip(ks, vals)))


@_fn("list", 0, None, nulls=_all_nulls, unknowns=True)
def _list_removed(*values: Any) -> Any:
    raise EvalError('the "list" function was deprecated in Terraform v0.12 and is no longer available; use tolist([ ... ]) syntax to write a literal list')


@_fn("map", 0, None, nulls=_all_nulls, unknowns=True)
def _map_removed(*values: Any) -> Any:
    raise EvalError('the "map" function was deprecated in Terraform v0.12 and is no longer available; use tomap({ ... }) syntax to write a literal map')


# ---------------------------------------------------------------------------------------------
# Encoding functions
# ---------------------------------------------------------------------------------------------


def _b64decode(text: str) -> bytes:
    data = text.replace("\r", "").replace("\n", "")  # Go's decoder skips newlines
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise EvalError("failed to decode base64 data") from None


@_fn("base64encode", 1, unknowns=True)
def _base64encode(s: Any) -> Any:
    if contains_unknown(s):  # keep the readable text of a partly known script (custom_data)
        unknown = merge_unknown([s])
        return Unknown(unknown.reason, unknown.refs, text=hole(s) if isinstance(s, Unknown) else None)
    return base64.b64encode(_to_str(s).encode("utf-8")).decode("ascii")


@_fn("base64decode", 1)
def _base64decode(s: Any) -> str:
    raw = _b64decode(_to_str(s))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise EvalError("the result of decoding the provided string is not valid UTF-8") from None


def _text_codec(name: str) -> tuple:
    """(encode, decode) for an IANA encoding name, as golang.org/x/text/encoding/ianaindex."""
    key = name.strip().lower().replace("_", "-")
    if key in ("utf-16", "csunicode"):
        # ianaindex: UTF-16 is big-endian with a byte order mark
        return (lambda s: codecs.BOM_UTF16_BE + s.encode("utf-16-be"),
                lambda b: (b[2:] if b[:2] == codecs.BOM_UTF16_BE else b).decode("utf-16-be"))
    try:
        info = codecs.lookup(key)
    except LookupError:
        raise EvalError(f"{json.dumps(name)} is not a supported IANA encoding name or alias in this Terraform version") from None
    if info.name.startswith("utf-32"):
        raise _NotOffline(f"the {name} encoding is not evaluated offline")
    if info.name in ("utf-8-sig", "idna", "punycode", "raw-unicode-escape", "unicode-escape", "rot-13") or not getattr(info, "_is_text_encoding", True):
        raise EvalError(f"{json.dumps(name)} is not a supported IANA encoding name or alias in this Terraform version")
    return (lambda s: s.encode(info.name), lambda b: b.decode(info.name))


@_fn("textencodebase64", 2)
def _textencodebase64(s: Any, encoding: Any) -> str:
    encode, _ = _text_codec(_to_str(encoding))
    try:
        raw = encode(_to_str(s))
    except UnicodeEncodeError:
        raise EvalError(f"the given string contains characters that cannot be represented in {_to_str(encoding)}") from None
    return base64.b64encode(raw).decode("ascii")


@_fn("textdecodebase64", 2)
def _textdecodebase64(s: Any, encoding: Any) -> str:
    _, decode = _text_codec(_to_str(encoding))
    raw = _b64decode(_to_str(s))
    try:
        text = decode(raw)
    except UnicodeDecodeError:
        text = "\ufffd"
    if "\ufffd" in text:
        raise EvalError(f"the given string contains symbols that are not defined for {_to_str(encoding)}")
    return text


@_fn("urlencode", 1)
def _urlencode(s: Any) -> str:
    return urllib.parse.quote_plus(_to_str(s), safe="")


# -- JSON ------------------------------------------------------------------------------------

_JSON_HTML_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _json_string(s: str) -> str:
    """Go's json.Marshal of a string (HTML-safe escaping, non-ASCII kept as is)."""
    text = json.dumps(s, ensure_ascii=False)
    if any(c in text for c in _JSON_HTML_ESCAPES):
        text = "".join(_JSON_HTML_ESCAPES.get(c, c) for c in text)
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text):  # lone surrogates: invalid UTF-8 in Go
        text = "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)
    return text


def _json_encode(v: Any) -> str:
    """jsonencode(): compact JSON, object keys sorted, numbers without exponent or '.0'."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        if isinstance(v, float) and math.isinf(v):
            raise EvalError("cannot serialize infinity as JSON")
        return _num_text(v)
    if isinstance(v, str):
        return _json_string(v)
    if isinstance(v, list):
        return "[" + ",".join(_json_encode(e) for e in v) + "]"
    if isinstance(v, dict):
        return "{" + ",".join(_json_string(str(k)) + ":" + _json_encode(v[k]) for k in sorted(v)) + "}"
    raise EvalError(f"cannot serialize {type_name(v)} as JSON")


@_fn("jsonencode", 1, nulls=_all_nulls, unknowns=True)
def _jsonencode(v: Any) -> Any:
    if contains_unknown(v):  # unknown, but its text stays readable with holes (extension settings)
        unknown = merge_unknown([v])
        return Unknown(unknown.reason, unknown.refs, text=_json_encode(with_holes(v)))
    return _json_encode(v)


def _json_object(pairs: list) -> dict:
    out: dict = {}
    for k, v in pairs:
        if k in out:
            raise EvalError(f"duplicate {json.dumps(k)} property in JSON object")
        out[k] = v
    return out


def _json_constant(name: str) -> Any:
    raise EvalError(f"invalid JSON: {name} is not a valid value")


@_fn("jsondecode", 1)
def _jsondecode(s: Any) -> Any:
    text = _to_str(s)
    try:
        return json.loads(
            text,
            object_pairs_hook=_json_object,
            parse_float=_parse_number_text,
            parse_int=lambda t: _num(int(t)),
            parse_constant=_json_constant,
        )
    except json.JSONDecodeError as exc:
        raise EvalError(f"invalid JSON: {exc}") from None


# -- CSV -------------------------------------------------------------------------------------


@_fn("csvdecode", 1)
def _csvdecode(s: Any) -> list:
    reader = csv.reader(io.StringIO(_to_str(s), newline=""), strict=True)
    try:
        rows = [row for row in reader if row]  # Go's encoding/csv skips empty lines
    except csv.Error as exc:
        raise EvalError(f"CSV parse error on line {reader.line_num}: {exc}") from None
    if not rows:
        raise EvalError("missing header line")
    headers = rows[0]
    if len(set(headers)) != len(headers):
        dup = next(h for h in headers if headers.count(h) > 1)
        raise EvalError(f"duplicate column name {json.dumps(dup)}")
    out = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(headers):
            raise EvalError(f"CSV parse error on line {number}: wrong number of fields")
        out.append(_sorted_dict(dict(zip(headers, row))))
    return out


# -- YAML (go-cty-yaml semantics on top of PyYAML: ctyyaml.py) --------------------------------


@_fn("yamldecode", 1)
def _yamldecode(s: Any) -> Any:
    from .ctyyaml import decode  # deferred: PyYAML is imported only when a configuration needs it

    return decode(_to_str(s), limits.current().collection_size)


@_fn("yamlencode", 1, nulls=_all_nulls)
def _yamlencode(v: Any) -> str:
    from .ctyyaml import encode

    return encode(v)


# ---------------------------------------------------------------------------------------------
# Filesystem functions (relative paths are resolved against FunctionContext.module_dir)
# ---------------------------------------------------------------------------------------------


def _go_clean(path: str) -> str:
    """Go's filepath.Clean for slash-separated paths."""
    if path == "":
        return "."
    rooted = path.startswith("/")
    parts: list = []
    for comp in path.split("/"):
        if comp in ("", "."):
            continue
        if comp == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append("..")
        else:
            parts.append(comp)
    joined = "/".join(parts)
    if rooted:
        return "/" + joined
    return joined or "."


def _to_slash(path: str) -> str:
    return path.replace(os.sep, "/") if os.sep != "/" else path


def _resolve(ctx: FunctionContext, path: str) -> str:
    """A relative path is relative to the module directory, except that a relative path which
    already starts with a relative module directory (``"${path.module}/x"`` when path.module
    is the same relative directory) is taken as it is, to avoid prefixing it twice."""
    if path.startswith("~"):
        raise _NotOffline("a path starting with ~ depends on the home directory")
    if os.path.isabs(path):
        return os.path.normpath(path)
    base = ctx.module_dir or "."
    if not os.path.isabs(base):
        norm_base, norm_path = os.path.normpath(base), os.path.normpath(path)
        if norm_base != "." and (norm_path == norm_base or norm_path.startswith(norm_base + os.sep)):
            return norm_path
    return os.path.normpath(os.path.join(base, path))


def _inside(ctx: FunctionContext, name: str) -> str:
    """The resolved path, when it lies inside the scanned tree; otherwise the call is unknown and
    nothing is opened or even looked at (a linter's report must not reveal the runner's files)."""
    full = _resolve(ctx, name)
    if ctx.boundary is None or not ctx.boundary.contains(full):
        raise _NotOffline("the path is outside the scanned tree; exvlint does not read it")
    return full


def _read_file(ctx: FunctionContext, path: Any) -> bytes:
    name = _to_str(path, "path")
    full = _inside(ctx, name)
    if not os.path.lexists(full):
        raise EvalError(
            f"no file exists at {name}; this function works only with files that are distributed "
            "as part of the configuration source code, so if this file will be created by a resource "
            "in this configuration you must instead obtain this result from an attribute of that resource"
        )
    try:
        return files.read_bytes(full, ctx.boundary)
    except files.InputError as exc:
        raise EvalError(f"failed to read {name}: {exc}") from None


def _read_text(ctx: FunctionContext, path: Any) -> str:
    data = _read_file(ctx, path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise EvalError(
            f"contents of {_to_str(path)} are not valid UTF-8; use the filebase64 function to obtain "
            "the Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to "
            "obtain file hashing results instead"
        ) from None


@_fn("file", 1, ctx=True)
def _file(ctx: FunctionContext, path: Any) -> str:
    return _read_text(ctx, path)


@_fn("filebase64", 1, ctx=True)
def _filebase64(ctx: FunctionContext, path: Any) -> str:
    return base64.b64encode(_read_file(ctx, path)).decode("ascii")


@_fn("fileexists", 1, ctx=True)
def _fileexists(ctx: FunctionContext, path: Any) -> bool:
    name = _to_str(path, "path")
    try:
        info = os.stat(_inside(ctx, name))
    except FileNotFoundError:
        return False
    except NotADirectoryError:
        return False
    except OSError:
        raise EvalError(f"failed to stat {name}") from None
    if stat.S_ISREG(info.st_mode):
        return True
    if stat.S_ISDIR(info.st_mode):
        raise EvalError(f"{name} is a directory, not a file")
    raise EvalError(f"{name} is not a regular file")


def _glob_segment_regex(segment: str) -> re.Pattern:
    """One path segment of a doublestar pattern: * ? [...] [!...] {a,b} and \\ escapes."""
    out: list = []
    i, n, depth = 0, len(segment), 0
    while i < n:
        c = segment[i]
        if c == "\\" and i + 1 < n:
            out.append(re.escape(segment[i + 1]))
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            j = segment.find("]", i + 2)
            if j < 0:
                raise EvalError("failed to glob pattern: syntax error in pattern")
            body = segment[i + 1:j]
            if body[:1] in ("!", "^"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\").replace("[", "\\[") + "]")
            i = j + 1
        elif c == "{":
            out.append("(?:")
            depth += 1
            i += 1
        elif c == "}" and depth:
            out.append(")")
            depth -= 1
            i += 1
        elif c == "," and depth:
            out.append("|")
            i += 1
        else:
            out.append(re.escape(c))
            i += 1
    if depth:
        raise EvalError("failed to glob pattern: syntax error in pattern")
    try:
        return re.compile("".join(out) + r"\Z", re.DOTALL)
    except re.error:
        raise EvalError("failed to glob pattern: syntax error in pattern") from None


def _glob_match(pattern: list, parts: list) -> bool:
    @functools.lru_cache(maxsize=None)
    def match(pi: int, si: int) -> bool:
        if pi == len(pattern):
            return si == len(parts)
        seg = pattern[pi]
        if seg is None:  # "**": zero or more path segments
            return match(pi + 1, si) or (si < len(parts) and match(pi, si + 1))
        return si < len(parts) and seg.match(parts[si]) is not None and match(pi + 1, si + 1)

    return match(0, 0)


_GLOB_MAGIC = re.compile(r"[*?\[{\\]")


@_fn("fileset", 2, ctx=True)
def _fileset(ctx: FunctionContext, path: Any, pattern: Any) -> list:
    base = _to_str(path, "path")
    if base.startswith("~"):
        raise _NotOffline("a path starting with ~ depends on the home directory")
    base_dir = _to_slash(_inside(ctx, base))
    full = _go_clean(base_dir + "/" + _to_str(pattern, "pattern"))
    segments = full.split("/")
    # walk from the longest literal prefix of the pattern
    fixed = 0
    while fixed < len(segments) - 1 and not _GLOB_MAGIC.search(segments[fixed]):
        fixed += 1
    root = "/".join(segments[:fixed]) or ("/" if full.startswith("/") else ".")
    compiled = [None if seg == "**" else _glob_segment_regex(seg) for seg in segments[fixed:]]
    found: list = []
    visited = 0
    if not ctx.boundary.contains(root):  # a pattern such as "../../*" climbs out of the tree
        raise _NotOffline("the pattern reaches outside the scanned tree; exvlint does not read there")
    if not os.path.isdir(root):
        return []
    recursive = None in compiled
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        dirnames[:] = [d for d in dirnames if ctx.boundary.contains(os.path.join(dirpath, d))]
        depth = 0 if dirpath == root else _to_slash(os.path.relpath(dirpath, root)).count("/") + 1
        if not recursive and depth >= len(compiled) - 1:
            dirnames[:] = []  # the pattern cannot match anything deeper
        for fname in filenames:
            visited += 1
            if visited > MAX_FILESET_ENTRIES:
                raise _NotOffline(f"more than {MAX_FILESET_ENTRIES} files to examine")
            candidate = os.path.join(dirpath, fname)
            rel_parts = _to_slash(os.path.relpath(candidate, root)).split("/")
            if _glob_match(compiled, rel_parts) and ctx.boundary.contains(candidate) and os.path.isfile(candidate):
                found.append(_to_slash(os.path.relpath(candidate, base_dir)))
    return sorted(set(found))


@_fn("templatefile", 2, unknowns=True, ctx=True)
def _templatefile(ctx: FunctionContext, path: Any, variables: Any) -> Any:
    if isinstance(path, Unknown) or isinstance(variables, Unknown):
        return merge_unknown([path, variables])
    text = _read_text(ctx, path)
    return _render(ctx, text, variables, "templatefile")


_IDENTIFIER_RE = re.compile(r"[^\W\d][\w-]*\Z")


def _render(ctx: FunctionContext, text: str, variables: Any, fname: str) -> Any:
    if not isinstance(variables, dict):
        raise EvalError("invalid vars value: must be a map")
    for name in variables:
        if not _IDENTIFIER_RE.match(name):
            raise EvalError(f"invalid template variable name {json.dumps(name)}: must start with a letter, followed by zero or more letters, digits, and underscores")
    if ctx.render_template is None:
        return Unknown(f"{fname}() is not rendered offline (no template renderer)", collect_refs(variables))
    return ctx.render_template(text, variables)


@_fn("abspath", 1)
def _abspath(path: Any) -> str:
    # depends on where the code is checked out, and would put the runner's directories in reports
    raise _NotOffline("an absolute path depends on where the code is checked out")


@_fn("basename", 1)
def _basename(path: Any) -> str:
    p = _to_str(path, "path")
    if p == "":
        return "."
    p = p.rstrip("/")
    if p == "":
        return "/"
    return p[p.rfind("/") + 1:]


@_fn("dirname", 1)
def _dirname(path: Any) -> str:
    p = _to_str(path, "path")
    return _go_clean(p[: p.rfind("/") + 1])


@_fn("pathexpand", 1)
def _pathexpand(path: Any) -> Any:
    p = _to_str(path, "path")
    if not p.startswith("~"):
        return p
    if len(p) > 1 and p[1] not in "/\\":
        raise EvalError("cannot expand user-specific home dir")
    raise _NotOffline("the home directory is not known offline")


# ---------------------------------------------------------------------------------------------
# Hash and crypto functions
# ---------------------------------------------------------------------------------------------


def _hex_hash(algorithm: str) -> Callable[[Any], str]:
    return lambda s: hashlib.new(algorithm, _to_str(s).encode("utf-8")).hexdigest()


def _b64_hash(algorithm: str) -> Callable[[Any], str]:
    return lambda s: base64.b64encode(hashlib.new(algorithm, _to_str(s).encode("utf-8")).digest()).decode("ascii")


def _file_hex_hash(algorithm: str) -> Callable[..., str]:
    return lambda ctx, path: hashlib.new(algorithm, _read_file(ctx, path)).hexdigest()


def _file_b64_hash(algorithm: str) -> Callable[..., str]:
    return lambda ctx, path: base64.b64encode(hashlib.new(algorithm, _read_file(ctx, path)).digest()).decode("ascii")


for _algo in ("md5", "sha1", "sha256", "sha512"):
    _fn(_algo, 1)(_hex_hash(_algo))
    _fn(f"file{_algo}", 1, ctx=True)(_file_hex_hash(_algo))
for _algo in ("sha256", "sha512"):
    _fn(f"base64{_algo}", 1)(_b64_hash(_algo))
    _fn(f"filebase64{_algo}", 1, ctx=True)(_file_b64_hash(_algo))

_UUID_NAMESPACES = {"dns": _uuid.NAMESPACE_DNS, "url": _uuid.NAMESPACE_URL, "oid": _uuid.NAMESPACE_OID, "x500": _uuid.NAMESPACE_X500}


@_fn("uuidv5", 2)
def _uuidv5(namespace: Any, name: Any) -> str:
    ns_text = _to_str(namespace, "namespace")
    ns = _UUID_NAMESPACES.get(ns_text)
    if ns is None:
        try:
            ns = _uuid.UUID(ns_text)
        except ValueError as exc:
            raise EvalError(f"uuidv5() doesn't support namespace {ns_text} ({exc})") from None
    return str(_uuid.uuid5(ns, _to_str(name, "name")))


# ---------------------------------------------------------------------------------------------
# IP network functions
# ---------------------------------------------------------------------------------------------

_IPNetwork = Any  # ipaddress.IPv4Network | ipaddress.IPv6Network


def _parse_cidr(prefix: Any) -> _IPNetwork:
    text = _to_str(prefix, "prefix")
    addr, slash, bits = text.partition("/")
    if not slash or not bits.isdigit() or not bits.isascii():
        raise EvalError(f"invalid CIDR expression: invalid CIDR address: {text}")
    if re.fullmatch(r"[0-9]+(\.[0-9]+){3}", addr):
        addr = ".".join(str(int(octet)) for octet in addr.split("."))  # Terraform accepts leading zeros
    try:
        return ipaddress.ip_network(f"{addr}/{int(bits)}", strict=False)
    except ValueError:
        raise EvalError(f"invalid CIDR expression: invalid CIDR address: {text}") from None


@_fn("cidrhost", 2)
def _cidrhost(prefix: Any, hostnum: Any) -> str:
    net = _parse_cidr(prefix)
    num = _to_int(hostnum, "hostnum")
    max_host = net.num_addresses - 1
    if num < 0:
        if -num - 1 > max_host:
            raise EvalError(f"prefix of {net.prefixlen} does not accommodate a host numbered {num}")
        num = max_host + num + 1
    elif num > max_host:
        raise EvalError(f"prefix of {net.prefixlen} does not accommodate a host numbered {num}")
    return str(net.network_address + num)


@_fn("cidrnetmask", 1)
def _cidrnetmask(prefix: Any) -> str:
    net = _parse_cidr(prefix)
    if net.version != 4:
        raise EvalError(f"IPv6 addresses cannot have a netmask: {_to_str(prefix)}")
    return str(net.netmask)


def _subnet(net: _IPNetwork, newbits: int, netnum: int) -> _IPNetwork:
    new_prefix = net.prefixlen + newbits
    if newbits < 0 or new_prefix > net.max_prefixlen:
        raise EvalError(f"insufficient address space to extend prefix of {net.prefixlen} by {newbits}")
    if netnum < 0 or netnum > (1 << newbits) - 1:
        raise EvalError(f"prefix extension of {newbits} does not accommodate a subnet numbered {netnum}")
    base = int(net.network_address) + (netnum << (net.max_prefixlen - new_prefix))
    return ipaddress.ip_network((base, new_prefix))


@_fn("cidrsubnet", 3)
def _cidrsubnet(prefix: Any, newbits: Any, netnum: Any) -> str:
    net = _parse_cidr(prefix)
    return _subnet(net, _to_int(newbits, "newbits"), _to_int(netnum, "netnum")).with_prefixlen


@_fn("cidrsubnets", 1, None)
def _cidrsubnets(prefix: Any, *newbits: Any) -> list:
    net = _parse_cidr(prefix)
    start = int(net.network_address)
    end = start + net.num_addresses  # exclusive
    cursor = start
    out = []
    for i, nb in enumerate(newbits):
        bits = _to_int(nb, f"argument {i + 2}")
        if bits < 1:
            raise EvalError("must extend prefix by at least one bit")
        if bits > 32:
            raise EvalError("may not extend prefix by more than 32 bits")
        length = net.prefixlen + bits
        if length > net.max_prefixlen:
            protocol = "IPv4" if net.version == 4 else "IPv6"
            raise EvalError(f"would extend prefix to {length} bits, which is too long for an {protocol} address")
        size = 1 << (net.max_prefixlen - length)
        aligned = -(-cursor // size) * size
        if aligned + size > end:
            previous = out[-1] if out else ipaddress.ip_network((start, length)).with_prefixlen
            raise EvalError(f"not enough remaining address space for a subnet with a prefix of {length} bits after {previous}")
        out.append(ipaddress.ip_network((aligned, length)).with_prefixlen)
        cursor = aligned + size
    return out


# ---------------------------------------------------------------------------------------------
# Type conversion functions
# ---------------------------------------------------------------------------------------------


@_fn("tostring", 1, nulls=_all_nulls)
def _tostring(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, (list, dict)):
        raise EvalError(f"cannot convert {type_name(v)} to string")
    return _to_str(v)


@_fn("tonumber", 1, nulls=_all_nulls)
def _tonumber(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, str):
        return _parse_number_text(v)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise EvalError(f"cannot convert {type_name(v)} to number")
    return _num(v)


@_fn("tobool", 1, nulls=_all_nulls)
def _tobool(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, (str, bool)):
        return _to_bool(v)
    raise EvalError(f"cannot convert {type_name(v)} to bool")


@_fn("tolist", 1, nulls=_all_nulls, unknowns=True)
def _tolist(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, Unknown):
        return merge_unknown([v])
    if not isinstance(v, list):
        raise EvalError(f"cannot convert {type_name(v)} to list of any single type")
    return _unify_primitives(v, "list elements")


@_fn("toset", 1, nulls=_all_nulls, unknowns=True)
def _toset(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, Unknown):
        return merge_unknown([v])
    if not isinstance(v, list):
        raise EvalError(f"cannot convert {type_name(v)} to set of any single type")
    return _make_set(v)


@_fn("tomap", 1, nulls=_all_nulls, unknowns=True)
def _tomap(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, Unknown):
        return merge_unknown([v])
    if not isinstance(v, dict):
        raise EvalError(f"cannot convert {type_name(v)} to map of any single type")
    keys = sorted(v)
    return dict(zip(keys, _unify_primitives([v[k] for k in keys], "map elements")))


@_fn("sensitive", 1, nulls=_all_nulls, unknowns=True)
def _sensitive(v: Any) -> Any:
    return v


@_fn("nonsensitive", 1, nulls=_all_nulls, unknowns=True)
def _nonsensitive(v: Any) -> Any:
    return v


@_fn("ephemeralasnull", 1, nulls=_all_nulls, unknowns=True)
def _ephemeralasnull(v: Any) -> Any:
    return v


# ---------------------------------------------------------------------------------------------
# Date and time functions
# ---------------------------------------------------------------------------------------------

_RFC3339_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:(Z)|([+-])(\d{2}):(\d{2}))\Z"
)


@dataclass(frozen=True)
class _Timestamp:
    local: _dt.datetime  # wall-clock time in the timestamp's own offset (naive)
    nanos: int
    offset_minutes: int

    def epoch_nanos(self) -> int:
        seconds = calendar.timegm(self.local.timetuple()) - self.offset_minutes * 60
        return seconds * 1_000_000_000 + self.nanos


def _parse_timestamp(text: Any) -> _Timestamp:
    s = _to_str(text, "timestamp")
    m = _RFC3339_RE.match(s)
    if not m:
        raise EvalError(f"not a valid RFC3339 timestamp: {json.dumps(s)}")
    year, month, day, hh, mm, ss, frac, z, sign, oh, om = m.groups()
    try:
        local = _dt.datetime(int(year), int(month), int(day), int(hh), int(mm), int(ss))
    except ValueError as exc:
        raise EvalError(f"not a valid RFC3339 timestamp: {exc}") from None
    if z is None and (int(oh) >= 24 or int(om) >= 60):
        raise EvalError("not a valid RFC3339 timestamp: timezone offset out of range")
    offset = 0 if z else (1 if sign == "+" else -1) * (int(oh) * 60 + int(om))
    nanos = int((frac[1:] + "000000000")[:9]) if frac else 0
    return _Timestamp(local, nanos, offset)


def _zone(offset_minutes: int, colon: bool = True) -> str:
    sign = "-" if offset_minutes < 0 else "+"
    hours, minutes = divmod(abs(offset_minutes), 60)
    return f"{sign}{hours:02d}{':' if colon else ''}{minutes:02d}"


def _rfc3339(local: _dt.datetime, offset_minutes: int) -> str:
    zone = "Z" if offset_minutes == 0 else _zone(offset_minutes)
    return f"{local.year:04d}-{local.month:02d}-{local.day:02d}T{local.hour:02d}:{local.minute:02d}:{local.second:02d}{zone}"


_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _date_tokens(spec: str) -> Iterable[str]:
    i, n = 0, len(spec)
    while i < n:
        c = spec[i]
        if c == "'":
            if spec.startswith("''", i):
                yield "''"
                i += 2
                continue
            j = i + 1
            while j < n:
                if spec[j] == "'":
                    if spec.startswith("''", j):
                        j += 2
                        continue
                    break
                j += 1
            yield spec[i:j + 1]
            i = j + 1
        elif c.isascii() and c.isalpha():
            j = i
            while j < n and spec[j] == c:
                j += 1
            yield spec[i:j]
            i = j
        else:
            j = i
            while j < n and spec[j] != "'" and not (spec[j].isascii() and spec[j].isalpha()):
                j += 1
            yield spec[i:j]
            i = j


def _date_verb(tok: str, t: _dt.datetime, offset: int) -> str:
    c, n = tok[0], len(tok)
    two = {"Y": None, "D": t.day, "h": t.hour, "H": (t.hour % 12) or 12, "m": t.minute, "s": t.second}
    if c == "Y" and n in (2, 4):
        return f"{t.year % 100:02d}" if n == 2 else f"{t.year:04d}"
    if c == "M" and 1 <= n <= 4:
        return [f"{t.month}", f"{t.month:02d}", _MONTHS[t.month - 1][:3], _MONTHS[t.month - 1]][n - 1]
    if c in "DhHms" and n in (1, 2):
        value = two[c]
        return f"{value}" if n == 1 else f"{value:02d}"
    if c == "E" and n in (3, 4):
        name = _WEEKDAYS[t.weekday()]
        return name[:3] if n == 3 else name
    if c in "Aa" and n == 2:
        marker = "AM" if t.hour < 12 else "PM"
        return marker if c == "A" else marker.lower()
    if c == "Z" and n in (1, 3, 4, 5):
        if n == 1:
            return "Z" if offset == 0 else _zone(offset)
        if n == 3:
            return "UTC" if offset == 0 else _zone(offset, colon=False)
        return _zone(offset, colon=(n == 5))
    raise EvalError(f"invalid date format verb {json.dumps(tok)}")


@_fn("formatdate", 2)
def _formatdate(spec: Any, timestamp: Any) -> str:
    fmt = _to_str(spec, "format")
    ts = _parse_timestamp(timestamp)
    out = []
    for tok in _date_tokens(fmt):
        if tok[0] == "'":
            if len(tok) < 2 or tok[-1] != "'":
                raise EvalError("unterminated literal '")
            out.append("'" if tok == "''" else tok[1:-1].replace("''", "'"))
        elif tok[0].isascii() and tok[0].isalpha():
            out.append(_date_verb(tok, ts.local, ts.offset_minutes))
        else:
            out.append(tok)
    return "".join(out)


_DURATION_UNITS = {"ns": 1, "us": 1_000, "\u00b5s": 1_000, "\u03bcs": 1_000, "ms": 1_000_000,
                   "s": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000}
_DURATION_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)([^0-9.]+)")


def _parse_duration(text: str) -> int:
    """Go's time.ParseDuration, in nanoseconds."""
    s = text
    negative = False
    if s[:1] in ("-", "+"):
        negative, s = s[0] == "-", s[1:]
    if s == "0":
        return 0
    if s == "":
        raise EvalError(f"time: invalid duration {json.dumps(text)}")
    total = Decimal(0)
    pos = 0
    while pos < len(s):
        m = _DURATION_PART.match(s, pos)
        if not m or m.group(1) in ("", "."):
            raise EvalError(f"time: invalid duration {json.dumps(text)}")
        unit = _DURATION_UNITS.get(m.group(2))
        if unit is None:
            raise EvalError(f"time: unknown unit {json.dumps(m.group(2))} in duration {json.dumps(text)}")
        total += Decimal(m.group(1)) * unit
        pos = m.end()
    nanos = int(total)
    if nanos > (1 << 63) - (0 if negative else 1):
        raise EvalError(f"time: invalid duration {json.dumps(text)}")
    return -nanos if negative else nanos


@_fn("timeadd", 2)
def _timeadd(timestamp: Any, duration: Any) -> str:
    ts = _parse_timestamp(timestamp)
    total = ts.epoch_nanos() + _parse_duration(_to_str(duration, "duration"))
    seconds = total // 1_000_000_000 + ts.offset_minutes * 60
    try:
        local = _dt.datetime(1970, 1, 1) + _dt.timedelta(seconds=seconds)
    except OverflowError:
        raise EvalError("resulting timestamp is out of range") from None
    return _rfc3339(local, ts.offset_minutes)


@_fn("timecmp", 2)
def _timecmp(a: Any, b: Any) -> int:
    x, y = _parse_timestamp(a).epoch_nanos(), _parse_timestamp(b).epoch_nanos()
    return (x > y) - (x < y)


# ---------------------------------------------------------------------------------------------
# Functions whose result is never known offline
# ---------------------------------------------------------------------------------------------


def _unevaluated(name: str, min_args: int, max_args: Optional[int], reason: str) -> None:
    def impl(*args: Any) -> Any:
        return _unknown_of(f"{name}(): {reason}", *args)

    _fn(name, min_args, max_args, nulls=_all_nulls, unknowns=True)(impl)
    _UNEVALUATED.add(name)


_unevaluated("uuid", 0, 0, "the result is random")
_unevaluated("timestamp", 0, 0, "the result depends on the time of the run")
_unevaluated("plantimestamp", 0, 0, "the result depends on the time of the plan")
_unevaluated("bcrypt", 1, 2, "the result is salted with random data")
_unevaluated("base64gzip", 1, 1, "Go's gzip output is not reproduced offline")
_unevaluated("rsadecrypt", 2, 2, "not evaluated offline")
_unevaluated("type", 1, 1, "type() is only meaningful in terraform console")
_unevaluated("issensitive", 1, 1, "sensitivity is not tracked offline")


# ---------------------------------------------------------------------------------------------
# Public name sets
# ---------------------------------------------------------------------------------------------

#: Every function name call_function() recognises (Terraform's built-ins, minus try/can,
#: which the evaluator handles lazily). Names in UNEVALUATED_FUNCTION_NAMES always give Unknown.
FUNCTION_NAMES: frozenset = frozenset(_REGISTRY.names())
UNEVALUATED_FUNCTION_NAMES: frozenset = frozenset(_UNEVALUATED)
#: All of Terraform's built-in function names, including those handled by the evaluator.
TERRAFORM_FUNCTION_NAMES: frozenset = FUNCTION_NAMES | {"try", "can", "convert"}
