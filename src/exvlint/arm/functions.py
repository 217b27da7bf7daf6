"""ARM template functions, evaluated offline on plain Python values.

Semantics follow the ARM template function reference (learn.microsoft.com/azure/azure-resource-
manager/templates/template-functions): names are case-insensitive; string searches (``indexOf``,
``startsWith``, ``endsWith``) ignore case while ``contains`` on strings and ``equals`` do not;
object keys compare without case. Functions whose value exists only in Azure (``reference``,
``list*``, ``utcNow``, ``newGuid``) are unknown; ``reference`` and ``list*`` keep the resource they
name as a graph edge. The evaluator (:mod:`exvlint.arm.template`) handles the functions that
must not evaluate all their arguments (``if``, ``and``, ``or``, ``lambda``) and supplies, through
the context argument, what depends on the template (``parameters``, ``variables``,
``copyIndex``, ``resourceGroup`` ...).
"""
from __future__ import annotations

import base64
import binascii
import json
import math
import re
import urllib.parse
import uuid
from typing import Any, Callable, Optional

from .. import limits
from ..function_registry import FunctionRegistry, NotOffline, all_nulls, nulls_from
from ..evaluation import EvalError, Unknown, contains_unknown, hole, merge_unknown, plain

ARM_FUNCTIONS = FunctionRegistry("ARM", fold_case=True)
fn = ARM_FUNCTIONS.register

MAX_RANGE = 10_000  # ARM's own limit for range() counts
MAX_STRING = 10 * 1024 * 1024  # padLeft and the like


class Lambda:
    """A ``lambda('x', body)`` value; the evaluator makes it callable."""

    def __init__(self, params: tuple, call: Callable[..., Any]):
        self.params = params
        self._call = call

    def __call__(self, *args: Any) -> Any:
        if len(args) < len(self.params):
            raise EvalError(f"the lambda takes {len(self.params)} argument(s), got {len(args)}")
        return self._call(*args[: len(self.params)])

    def __repr__(self) -> str:
        return f"<lambda {', '.join(self.params)}>"


# --------------------------------------------------------------------------- helpers


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, Lambda):
        return "lambda"
    return type(value).__name__


def _str(value: Any, what: str = "argument") -> str:
    if isinstance(value, str):
        return value
    raise EvalError(f"{what} must be a string, not {type_name(value)}")


def _int(value: Any, what: str = "argument") -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise EvalError(f"{what} must be an integer, not {type_name(value)}")
    if isinstance(value, float):
        if not value.is_integer():
            raise EvalError(f"{what} must be an integer, not {value}")
        return int(value)
    return int(value)


def _num(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise EvalError(f"expected a number, not {type_name(value)}")
    return value


def _bounded(value: Any) -> Any:
    """A built string or array, refused when a few doubling steps would make it huge (never a memory blow-up)."""
    if isinstance(value, str) and len(value) > MAX_STRING:
        raise limits.LimitExceeded("collection_size", f"a string of {len(value):,} characters")
    if isinstance(value, (list, dict)) and len(value) > limits.current().collection_size:
        raise limits.LimitExceeded("collection_size", f"a collection of {len(value):,} elements")
    return value


def _top_unknown(*values: Any) -> Optional[Unknown]:
    """An Unknown when one of ``values`` itself is unknown (not just something inside it)."""
    if any(isinstance(v, Unknown) for v in values):
        return merge_unknown(values)
    return None


def text(value: Any) -> str:
    """A value as ARM writes it into a string (format, concat of a number, string())."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"  # .NET's Boolean.ToString()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else str(int(value))
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        if contains_unknown(value):
            raise NotOffline("a part of the value is unknown")
        return json.dumps(plain(value), separators=(",", ":"), ensure_ascii=False)
    raise EvalError(f"cannot convert {type_name(value)} to a string")


def equal(a: Any, b: Any) -> bool:
    """ARM's deep equality: numbers by value, strings exactly, object keys without case."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        if len(a) != len(b):
            return False
        lower_b = {str(k).lower(): v for k, v in b.items()}
        return all(str(k).lower() in lower_b and equal(v, lower_b[str(k).lower()]) for k, v in a.items())
    return a is None and b is None


def _canon(value: Any) -> Any:
    """A hashable key that two values share exactly when :func:`equal` holds (for linear-time sets)."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (int, float, str)) or value is None:
        return value
    if isinstance(value, list):
        return ("list",) + tuple(_canon(v) for v in value)
    if isinstance(value, dict):
        return ("object",) + tuple(sorted((str(k).lower(), _canon(v)) for k, v in value.items()))
    return ("other", id(value))


def _get_key(obj: dict, key: str) -> Any:
    if key in obj:
        return obj[key]
    lower = key.lower()
    for k, v in obj.items():
        if isinstance(k, str) and k.lower() == lower:
            return v
    raise KeyError(key)


def _has_key(obj: dict, key: str) -> bool:
    try:
        _get_key(obj, key)
        return True
    except KeyError:
        return False


class _Object:
    """Builds an object whose keys compare without case: a later key replaces the value of an earlier
    one and keeps its spelling and place (in linear time)."""

    def __init__(self, base: Optional[dict] = None):
        self.out: dict = dict(base or {})
        self.keys = {str(k).lower(): k for k in self.out}

    def find(self, key: str) -> Optional[str]:
        return self.keys.get(str(key).lower())

    def set(self, key: str, value: Any) -> None:
        k = self.find(key)
        if k is None:
            k = self.keys[str(key).lower()] = key
        self.out[k] = value


# --------------------------------------------------------------------------- logical and comparison


@fn("not", 1)
def _not(value: Any) -> bool:
    return not _bool_arg(value)


def _bool_arg(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise EvalError(f"expected a bool, not {type_name(value)}")


@fn("bool", 1)
def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if isinstance(value, int):
        return value != 0
    raise EvalError(f"cannot convert {value!r} to a bool")


@fn("true", 0)
def _true() -> bool:
    return True


@fn("false", 0)
def _false() -> bool:
    return False


@fn("null", 0)
def _null() -> None:
    return None


@fn("equals", 2, nulls=all_nulls)
def _equals(a: Any, b: Any) -> bool:
    return equal(a, b)


def _compare(a: Any, b: Any) -> int:
    if isinstance(a, str) and isinstance(b, str):
        return (a > b) - (a < b)  # ordinal, as .NET's String.CompareOrdinal
    return (_num(a) > _num(b)) - (_num(a) < _num(b))


@fn("less", 2)
def _less(a: Any, b: Any) -> bool:
    return _compare(a, b) < 0


@fn("lessOrEquals", 2)
def _less_eq(a: Any, b: Any) -> bool:
    return _compare(a, b) <= 0


@fn("greater", 2)
def _greater(a: Any, b: Any) -> bool:
    return _compare(a, b) > 0


@fn("greaterOrEquals", 2)
def _greater_eq(a: Any, b: Any) -> bool:
    return _compare(a, b) >= 0


@fn("coalesce", 1, None, nulls=all_nulls, unknowns=True)
def _coalesce(*args: Any) -> Any:
    for arg in args:
        if isinstance(arg, Unknown):
            return merge_unknown(args)
        if arg is not None:
            return arg
    return None


@fn("fail", 1)
def _fail(message: Any) -> Any:
    raise EvalError(f"the template calls fail(): {text(message)}")


# --------------------------------------------------------------------------- numbers


@fn("int", 1)
def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise EvalError("cannot convert a bool to an int")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        return int(value)
    raise EvalError(f"cannot convert {value!r} to an int")


@fn("float", 1)
def _to_float(value: Any) -> float:
    if isinstance(value, bool):
        raise EvalError("cannot convert a bool to a float")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            pass
    raise EvalError(f"cannot convert {value!r} to a float")


@fn("add", 2)
def _add(a: Any, b: Any) -> Any:
    return _num(a) + _num(b)


@fn("sub", 2)
def _sub(a: Any, b: Any) -> Any:
    return _num(a) - _num(b)


@fn("mul", 2)
def _mul(a: Any, b: Any) -> Any:
    return _num(a) * _num(b)


@fn("div", 2)
def _div(a: Any, b: Any) -> Any:
    a, b = _num(a), _num(b)
    if b == 0:
        raise EvalError("division by zero")
    if isinstance(a, int) and isinstance(b, int):
        q = abs(a) // abs(b)  # .NET integer division truncates toward zero
        return q if (a >= 0) == (b >= 0) else -q
    return a / b


@fn("mod", 2)
def _mod(a: Any, b: Any) -> Any:
    a, b = _int(a), _int(b)
    if b == 0:
        raise EvalError("division by zero")
    return int(math.fmod(a, b))  # the sign follows the dividend, as in .NET


def _numbers(args: tuple) -> list:
    if len(args) == 1 and isinstance(args[0], list):
        args = tuple(args[0])
    if not args:
        raise EvalError("needs at least one number")
    if any(isinstance(a, Unknown) for a in args):
        raise NotOffline("an element is unknown")
    return [_num(a) for a in args]


@fn("min", 1, None)
def _min(*args: Any) -> Any:
    return min(_numbers(args))


@fn("max", 1, None)
def _max(*args: Any) -> Any:
    return max(_numbers(args))


@fn("range", 2)
def _range(start: Any, count: Any) -> list:
    start, count = _int(start, "startIndex"), _int(count, "count")
    if count < 0 or count > MAX_RANGE:
        raise EvalError(f"count must be between 0 and {MAX_RANGE}, not {count}")
    return list(range(start, start + count))


# --------------------------------------------------------------------------- strings


@fn("string", 1, nulls=all_nulls)
def _string(value: Any) -> str:
    return text(value)


@fn("concat", 0, None, nulls=all_nulls, unknowns=True)
def _concat(*args: Any) -> Any:
    if any(isinstance(a, list) for a in args) and all(isinstance(a, (list, Unknown)) or a is None for a in args):
        if any(isinstance(a, Unknown) for a in args):
            return merge_unknown(args)
        total = sum(len(a or []) for a in args)
        if total > limits.current().collection_size:
            raise limits.LimitExceeded("collection_size", f"concat() would make {total:,} elements")
        out: list = []
        for a in args:
            out.extend(a or [])
        return out
    if any(contains_unknown(a) for a in args):
        return _partly_known(args, lambda parts: "".join(parts))
    if any(isinstance(a, list) for a in args):
        raise EvalError("cannot concatenate arrays with strings")
    return _bounded("".join(text(a) for a in args))


def _partly_known(args: tuple, build: Callable[[list], str]) -> Unknown:
    """A string built from known text and unknown scalars is unknown, but reads as its text with each
    unknown part written as a hole (a script whose storage key is known only in Azure stays readable)."""
    merged = merge_unknown(args)
    if any(isinstance(a, (list, dict)) for a in args):
        return merged
    try:
        shown = build([hole(a) if isinstance(a, Unknown) else text(a) for a in args])
    except EvalError:
        return merged
    return Unknown(merged.reason, merged.refs, text=shown if len(shown) <= MAX_STRING else None)


_FORMAT_ITEM = re.compile(r"\{\{|\}\}|\{(\d+)\s*(?:,\s*(-?\d+))?\s*(?::([^{}]*))?\}|[{}]")


@fn("format", 1, None, nulls=nulls_from(1), unknowns=True)
def _format(fmt: Any, *args: Any) -> Any:
    """.NET composite formatting (``{0}``, ``{0,5}``, ``{0:D3}``, ``{0:N0}``), invariant culture."""
    if isinstance(fmt, Unknown):
        return merge_unknown((fmt,) + args)
    if any(contains_unknown(a) for a in args):
        return _partly_known(args, lambda parts: _format(fmt, *parts))
    fmt = _str(fmt, "formatString")

    def item(m: re.Match) -> str:
        token = m.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        if m.group(1) is None:
            raise EvalError(f"input string was not in a correct format: {fmt!r}")
        index = int(m.group(1))
        if index >= len(args):
            raise EvalError(f"format item {{{index}}} has no argument ({len(args)} given)")
        out = _format_value(args[index], m.group(3))
        if m.group(2):
            width = int(m.group(2))
            out = out.rjust(width) if width > 0 else out.ljust(-width)
        return out

    return _bounded(_FORMAT_ITEM.sub(item, fmt))


def _format_value(value: Any, spec: Optional[str]) -> str:
    if not spec or isinstance(value, (str, bool)) or value is None or isinstance(value, (list, dict)):
        return text(value)
    number = _num(value)
    m = re.fullmatch(r"([DdNnFfXxEeGgPpCc])(\d*)", spec)
    if m is None:
        return _custom_number(number, spec)
    kind, digits = m.group(1), m.group(2)
    precision = int(digits) if digits else None
    upper = kind.upper()
    if upper == "D":
        if not isinstance(number, int):
            raise EvalError("the D format needs an integer")
        body = str(abs(number)).rjust(precision or 0, "0")
        return ("-" if number < 0 else "") + body
    if upper == "X":
        if not isinstance(number, int):
            raise EvalError("the X format needs an integer")
        out = format(number & 0xFFFFFFFFFFFFFFFF if number < 0 else number, "X" if kind == "X" else "x")
        return out.rjust(precision or 0, "0")
    if upper == "N":
        return format(number, f",.{2 if precision is None else precision}f")
    if upper == "F":
        return format(number, f".{2 if precision is None else precision}f")
    if upper == "P":
        return format(number * 100, f",.{2 if precision is None else precision}f") + " %"
    if upper == "E":
        mantissa, exponent = format(number, f".{6 if precision is None else precision}e").split("e")
        sign = exponent[0]
        return f"{mantissa}{'E' if kind == 'E' else 'e'}{sign}{exponent[1:].rjust(3, '0')}"
    if upper == "C":
        return "¤" + format(number, f",.{2 if precision is None else precision}f")
    return text(number)  # G


def _custom_number(number: Any, spec: str) -> str:
    """The common custom numeric formats: zero padding (``000``), grouping (``#,##0``), decimals."""
    if not re.fullmatch(r"[#0,]*(\.[#0]*)?", spec):
        raise NotOffline(f"format specifier {spec!r} is not evaluated offline")
    integer, _, fraction = spec.partition(".")
    decimals = len(fraction)
    min_int = integer.replace(",", "").count("0")
    out = format(abs(number), f"{',' if ',' in integer else ''}.{decimals}f")
    if fraction and set(fraction) == {"#"}:
        out = out.rstrip("0").rstrip(".")
    whole, _, frac = out.partition(".")
    digits = whole.replace(",", "")
    if len(digits) < min_int:
        digits = digits.rjust(min_int, "0")
        whole = format(int(digits), ",") if "," in integer else digits
    if whole == "0" and min_int == 0:
        whole = ""
    out = whole + ("." + frac if frac else "")
    return ("-" if number < 0 else "") + out


@fn("toLower", 1)
def _to_lower(value: Any) -> str:
    return _str(value).lower()


@fn("toUpper", 1)
def _to_upper(value: Any) -> str:
    return _str(value).upper()


@fn("trim", 1)
def _trim(value: Any) -> str:
    return _str(value).strip()


@fn("replace", 3)
def _replace(value: Any, old: Any, new: Any) -> str:
    old = _str(old, "oldString")
    if old == "":
        raise EvalError("oldString must not be empty")
    value, new = _str(value), _str(new, "newString")
    if len(new) > len(old) and value.count(old) * (len(new) - len(old)) + len(value) > MAX_STRING:
        raise limits.LimitExceeded("collection_size", "replace() would make a string too long")
    return value.replace(old, new)


@fn("split", 2)
def _split(value: Any, delimiter: Any) -> list:
    value = _str(value)
    delimiters = delimiter if isinstance(delimiter, list) else [delimiter]
    delimiters = [_str(d, "delimiter") for d in delimiters if d != ""]
    if not delimiters:
        return [value]
    pattern = "|".join(re.escape(d) for d in sorted(delimiters, key=len, reverse=True))
    return re.split(pattern, value)


@fn("substring", 1, 3)
def _substring(value: Any, start: Any = 0, length: Any = None) -> str:
    value = _str(value)
    start = _int(start, "startIndex")
    if start < 0 or start > len(value):
        raise EvalError(f"startIndex {start} is outside the string (length {len(value)})")
    if length is None:
        return value[start:]
    length = _int(length, "length")
    if length < 0 or start + length > len(value):
        raise EvalError(f"the index and length parameters must refer to a location within the string "
                        f"(index {start}, length {length}, string length {len(value)})")
    return value[start:start + length]


@fn("indexOf", 2, nulls=all_nulls)
def _index_of(container: Any, item: Any) -> int:
    if isinstance(container, list):
        return next((i for i, v in enumerate(container) if equal(v, item)), -1)
    return _str(container).lower().find(_str(item).lower())


@fn("lastIndexOf", 2, nulls=all_nulls)
def _last_index_of(container: Any, item: Any) -> int:
    if isinstance(container, list):
        return next((i for i in range(len(container) - 1, -1, -1) if equal(container[i], item)), -1)
    return _str(container).lower().rfind(_str(item).lower())


@fn("startsWith", 2)
def _starts_with(value: Any, prefix: Any) -> bool:
    return _str(value).lower().startswith(_str(prefix).lower())


@fn("endsWith", 2)
def _ends_with(value: Any, suffix: Any) -> bool:
    return _str(value).lower().endswith(_str(suffix).lower())


@fn("padLeft", 2, 3)
def _pad_left(value: Any, total: Any, char: Any = " ") -> str:
    value = value if isinstance(value, str) else text(_int(value, "valueToPad"))
    total = _int(total, "totalLength")
    char = _str(char, "paddingCharacter")
    if len(char) != 1:
        raise EvalError("paddingCharacter must be one character")
    if total > MAX_STRING:
        raise EvalError("totalLength is too large")
    return value.rjust(total, char)


@fn("base64", 1, unknowns=True)
def _base64(value: Any) -> Any:
    if isinstance(value, Unknown):  # custom data built from unknown parts: its text before encoding stays readable
        return value
    if contains_unknown(value):
        return merge_unknown([value])
    return base64.b64encode(_str(value).encode("utf-8")).decode("ascii")


@fn("base64ToString", 1)
def _base64_to_string(value: Any) -> str:
    try:
        return base64.b64decode(_str(value), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise EvalError(f"not valid base64: {exc}") from None


@fn("base64ToJson", 1)
def _base64_to_json(value: Any) -> Any:
    return _json(_base64_to_string(value))


@fn("dataUri", 1)
def _data_uri(value: Any) -> str:
    return "data:text/plain;charset=utf8;base64," + _base64(text(value))


@fn("dataUriToString", 1)
def _data_uri_to_string(value: Any) -> str:
    value = _str(value)
    head, sep, data = value.partition(",")
    if not sep or not head.startswith("data:"):
        raise EvalError("not a data URI")
    if head.endswith(";base64"):
        return _base64_to_string(data)
    return urllib.parse.unquote(data)


@fn("uri", 2)
def _uri(base: Any, relative: Any) -> str:
    base, relative = _str(base, "baseUri"), _str(relative, "relativeUri")
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", base):
        raise EvalError(f"baseUri {base!r} is not an absolute URI")
    return urllib.parse.urljoin(base, relative)  # RFC 3986 resolution, as .NET's Uri(Uri, string)


@fn("uriComponent", 1)
def _uri_component(value: Any) -> str:
    return urllib.parse.quote(_str(value), safe="-_.~")  # Uri.EscapeDataString


@fn("uriComponentToString", 1)
def _uri_component_to_string(value: Any) -> str:
    return urllib.parse.unquote(_str(value))


@fn("json", 1)
def _json(value: Any) -> Any:
    value = _str(value)
    try:
        return json.loads(value)
    except ValueError as exc:
        raise EvalError(f"not valid JSON: {exc}") from None


@fn("join", 2)
def _join(values: Any, delimiter: Any) -> str:
    if not isinstance(values, list):
        raise EvalError("inputArray must be an array")
    return _bounded(_str(delimiter, "delimiter").join(text(v) for v in values))


# MurmurHash64 variant of ARM's uniqueString(): the arguments joined with '-', UTF-8, hashed, the
# 64-bit result written as 13 base-32 characters. Constants and steps as published in open-source
# re-implementations of Azure.Deployments.Expression; checked against values Bicep produces.
_M32 = 0xFFFFFFFF
_A, _B = 597399067, 2869860233
_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (32 - r))) & _M32


def _le32(data: bytes, i: int, n: int = 4) -> int:
    return int.from_bytes(data[i:i + n], "little")


def _fmix(h: int) -> int:
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & _M32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & _M32
    return h ^ (h >> 16)


def murmur64(data: bytes) -> int:
    h1 = h2 = 0
    length = len(data)
    i = 0
    while i + 7 < length:
        k1 = _rotl((_le32(data, i) * _A) & _M32, 15) * _B & _M32
        h1 = (_rotl(h1 ^ k1, 19) + h2) & _M32
        h1 = (h1 * 5 + 0x561CCD1B) & _M32
        k2 = _rotl((_le32(data, i + 4) * _B) & _M32, 17) * _A & _M32
        h2 = (_rotl(h2 ^ k2, 13) + h1) & _M32
        h2 = (h2 * 5 + 0x0BCAA747) & _M32
        i += 8
    tail = length - i
    if tail > 0:
        k1 = _le32(data, i, min(tail, 4))
        h1 ^= _rotl((k1 * _A) & _M32, 15) * _B & _M32
        if tail > 4:
            k2 = _le32(data, i + 4, tail - 4)
            h2 ^= _rotl((k2 * _B) & _M32, 17) * _A & _M32
    h1 ^= length
    h2 ^= length
    h1 = (h1 + h2) & _M32
    h2 = (h2 + h1) & _M32
    h1, h2 = _fmix(h1), _fmix(h2)
    h1 = (h1 + h2) & _M32
    h2 = (h2 + h1) & _M32
    return (h2 << 32) | h1


def unique_string(*parts: str) -> str:
    h = murmur64("-".join(parts).encode("utf-8"))
    out = []
    for _ in range(13):  # the top five bits, then shift left within 64 bits
        out.append(_BASE32[h >> 59])
        h = (h << 5) & 0xFFFFFFFFFFFFFFFF
    return "".join(out)


@fn("uniqueString", 1, None)
def _unique_string(*args: Any) -> str:
    return unique_string(*(_str(a) for a in args))


# guid(): a name-based (version 5, SHA-1) UUID of the arguments joined with '-', in ARM's namespace.
_ARM_GUID_NAMESPACE = uuid.UUID("11fb06fb-712d-4ddd-98c7-e71bbd588830")


@fn("guid", 1, None)
def _guid(*args: Any) -> str:
    return str(uuid.uuid5(_ARM_GUID_NAMESPACE, "-".join(_str(a) for a in args)))


@fn("newGuid", 0)
def _new_guid() -> Any:
    raise NotOffline("newGuid() is different on every deployment")


@fn("utcNow", 0, 1)
def _utc_now(fmt: Any = None) -> Any:
    raise NotOffline("utcNow() is the time of the deployment")


# --------------------------------------------------------------------------- arrays and objects


@fn("array", 1, nulls=all_nulls, unknowns=True)
def _array(value: Any) -> Any:
    if isinstance(value, Unknown):
        return value
    return list(value) if isinstance(value, list) else [value]


@fn("createArray", 0, None, nulls=all_nulls, unknowns=True)
def _create_array(*args: Any) -> list:
    return list(args)


@fn("createObject", 0, None, nulls=all_nulls, unknowns=True)
def _create_object(*args: Any) -> Any:
    if len(args) % 2:
        raise EvalError("needs an even number of arguments (key, value pairs)")
    out = _Object()
    for i in range(0, len(args), 2):
        key = args[i]
        if isinstance(key, Unknown):
            return merge_unknown(args)
        out.set(_str(key, "key"), args[i + 1])
    return out.out


@fn("empty", 1, nulls=all_nulls, unknowns=True)
def _empty(value: Any) -> Any:
    if isinstance(value, Unknown):
        return value
    if value is None:
        return True
    if isinstance(value, (str, list, dict)):
        return len(value) == 0
    raise EvalError(f"empty() takes an array, object or string, not {type_name(value)}")


@fn("length", 1, nulls=all_nulls, unknowns=True)
def _length(value: Any) -> Any:
    if isinstance(value, Unknown):
        return value
    if value is None:  # what Bicep's optional (nullable) collections count as when absent
        return 0
    if isinstance(value, (str, list, dict)):
        if isinstance(value, str) and contains_unknown(value):
            return merge_unknown([value])
        return len(value)
    raise EvalError(f"length() takes an array, object or string, not {type_name(value)}")


@fn("contains", 2, unknowns=True)
def _contains(container: Any, item: Any) -> Any:
    unknown = _top_unknown(container, item)
    if unknown is not None:
        return unknown
    if isinstance(container, dict):
        return _has_key(container, text(item))
    if contains_unknown(item):
        return merge_unknown([container, item])
    if isinstance(container, list):
        if any(equal(v, item) for v in container):
            return True
        return merge_unknown([container]) if contains_unknown(container) else False
    if isinstance(container, str):
        return text(item) in container
    raise EvalError(f"contains() takes an array, object or string, not {type_name(container)}")


@fn("first", 1, nulls=all_nulls, unknowns=True)
def _first(value: Any) -> Any:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, (str, list)):
        return value[0] if value else (None if isinstance(value, list) else "")
    raise EvalError(f"first() takes an array or string, not {type_name(value)}")


@fn("last", 1, nulls=all_nulls, unknowns=True)
def _last(value: Any) -> Any:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, (str, list)):
        return value[-1] if value else (None if isinstance(value, list) else "")
    raise EvalError(f"last() takes an array or string, not {type_name(value)}")


@fn("take", 2, unknowns=True)
def _take(value: Any, count: Any) -> Any:
    unknown = _top_unknown(value, count)
    if unknown is not None:
        return unknown
    count = _int(count, "numberToTake")
    if isinstance(value, (str, list)):
        if isinstance(value, str) and contains_unknown(value):
            return merge_unknown([value])
        return value[:max(count, 0)]
    raise EvalError(f"take() takes an array or string, not {type_name(value)}")


@fn("skip", 2, unknowns=True)
def _skip(value: Any, count: Any) -> Any:
    unknown = _top_unknown(value, count)
    if unknown is not None:
        return unknown
    count = _int(count, "numberToSkip")
    if isinstance(value, (str, list)):
        return value[max(count, 0):]
    raise EvalError(f"skip() takes an array or string, not {type_name(value)}")


@fn("indexFromEnd", 2, unknowns=True)
def _index_from_end(value: Any, index: Any) -> Any:
    unknown = _top_unknown(value, index)
    if unknown is not None:
        return unknown
    index = _int(index, "reverseIndex")
    if not isinstance(value, list) or not 1 <= index <= len(value):
        raise EvalError(f"reverseIndex {index} is outside the array")
    return value[len(value) - index]


@fn("tryIndexFromEnd", 2, unknowns=True)
def _try_index_from_end(value: Any, index: Any) -> Any:
    unknown = _top_unknown(value, index)
    if unknown is not None:
        return unknown
    index = _int(index, "reverseIndex")
    if not isinstance(value, list) or not 1 <= index <= len(value):
        return None
    return value[len(value) - index]


def _merge_deep(into: dict, other: dict) -> dict:
    out = _Object(into)
    for key, value in other.items():
        k = out.find(key)
        if k is not None and isinstance(out.out[k], dict) and isinstance(value, dict):
            out.set(k, _merge_deep(out.out[k], value))
        else:
            out.set(key, value)
    return out.out


@fn("union", 1, None, nulls=all_nulls, unknowns=True)
def _union(*args: Any) -> Any:
    unknown = _top_unknown(*args)
    if unknown is not None:
        return unknown
    present = [a for a in args if a is not None]
    if all(isinstance(a, dict) for a in present):
        out: dict = {}
        for a in present:
            out = _merge_deep(out, a)  # nested objects are merged as well (ARM's union)
        return _bounded(out)
    if all(isinstance(a, list) for a in present):
        items: list = []
        seen: set = set()
        for a in present:
            for v in a:
                key = _canon(v) if not contains_unknown(v) else ("unknown", id(v))
                if key not in seen:
                    seen.add(key)
                    items.append(v)
        return _bounded(items)
    raise EvalError("union() takes only arrays or only objects")


@fn("intersection", 1, None)
def _intersection(*args: Any) -> Any:
    if all(isinstance(a, dict) for a in args):
        first = args[0]
        return {k: v for k, v in first.items()
                if all(_has_key(o, k) and equal(_get_key(o, k), v) for o in args[1:])}
    if all(isinstance(a, list) for a in args):
        others = [{_canon(e) for e in o} for o in args[1:]]
        out: list = []
        seen: set = set()
        for v in args[0]:
            key = _canon(v)
            if key not in seen and all(key in o for o in others):
                seen.add(key)
                out.append(v)
        return out
    raise EvalError("intersection() takes only arrays or only objects")


@fn("flatten", 1, unknowns=True)
def _flatten(value: Any) -> Any:
    if isinstance(value, Unknown):
        return value
    if not isinstance(value, list):
        raise EvalError("flatten() takes an array of arrays")
    out: list = []
    for item in value:
        if isinstance(item, Unknown):
            return merge_unknown([value])
        if not isinstance(item, list):
            raise EvalError("flatten() takes an array of arrays")
        out.extend(item)
    return _bounded(out)


@fn("objectKeys", 1)
def _object_keys(value: Any) -> list:
    if not isinstance(value, dict):
        raise EvalError("objectKeys() takes an object")
    return list(value)


@fn("items", 1, unknowns=True)
def _items(value: Any) -> Any:
    if isinstance(value, Unknown):
        return value
    if not isinstance(value, dict):
        raise EvalError("items() takes an object")
    return [{"key": k, "value": value[k]} for k in sorted(value, key=str)]  # ARM sorts by key


@fn("shallowMerge", 1, unknowns=True)
def _shallow_merge(value: Any) -> Any:
    if isinstance(value, Unknown):
        return value
    if not isinstance(value, list):
        raise EvalError("shallowMerge() takes an array of objects")
    out = _Object()
    for item in value:
        if isinstance(item, Unknown):
            return merge_unknown([value])
        if not isinstance(item, dict):
            raise EvalError("shallowMerge() takes an array of objects")
        for k, v in item.items():
            out.set(k, v)
    return _bounded(out.out)


def _lookup(value: Any, key: Any) -> Any:
    """One step of tryGet: a missing key or index gives None."""
    if isinstance(value, dict) and isinstance(key, str):
        try:
            return _get_key(value, key)
        except KeyError:
            return None
    if isinstance(value, list) and isinstance(key, int) and not isinstance(key, bool):
        return value[key] if 0 <= key < len(value) else None
    return None


@fn("tryGet", 2, None, nulls=all_nulls, unknowns=True)
def _try_get(value: Any, *keys: Any) -> Any:
    for key in keys:
        if isinstance(value, Unknown):
            return value
        if isinstance(key, Unknown):
            return merge_unknown([value, key])
        if value is None:
            return None
        value = _lookup(value, key)
    return value


# --------------------------------------------------------------------------- lambdas


def _lambda(value: Any, what: str) -> Lambda:
    if not isinstance(value, Lambda):
        raise EvalError(f"{what} must be a lambda, not {type_name(value)}")
    return value


def _array_arg(value: Any, name: str) -> list:
    if not isinstance(value, list):
        raise EvalError(f"{name}() takes an array, not {type_name(value)}")
    return value


@fn("filter", 2, unknowns=True)
def _filter(value: Any, predicate: Any) -> Any:
    if isinstance(value, Unknown):
        return value
    predicate = _lambda(predicate, "predicate")
    out = []
    for i, item in enumerate(_array_arg(value, "filter")):
        keep = predicate(item, i)
        if isinstance(keep, Unknown):
            return merge_unknown([keep, value])
        if _bool_arg(keep):
            out.append(item)
    return out


@fn("map", 2, unknowns=True)
def _map(value: Any, mapper: Any) -> Any:
    if isinstance(value, Unknown):
        return value
    mapper = _lambda(mapper, "mapper")
    return [mapper(item, i) for i, item in enumerate(_array_arg(value, "map"))]


@fn("reduce", 3, nulls=nulls_from(1), unknowns=True)
def _reduce(value: Any, initial: Any, reducer: Any) -> Any:
    if isinstance(value, Unknown):
        return value
    reducer = _lambda(reducer, "reducer")
    acc = initial
    for i, item in enumerate(_array_arg(value, "reduce")):
        acc = reducer(acc, item, i)
    return acc


@fn("sort", 2, unknowns=True)
def _sort(value: Any, less: Any) -> Any:
    if isinstance(value, Unknown):
        return value
    less = _lambda(less, "comparator")
    import functools

    def compare(a: Any, b: Any) -> int:
        result = less(a, b)
        if isinstance(result, Unknown):
            raise NotOffline(result.reason)
        if _bool_arg(result):
            return -1
        back = less(b, a)
        return 1 if back is True else 0

    return sorted(_array_arg(value, "sort"), key=functools.cmp_to_key(compare))


@fn("toObject", 2, 3, unknowns=True)
def _to_object(value: Any, key_fn: Any, value_fn: Any = None) -> Any:
    if isinstance(value, Unknown):
        return value
    key_fn = _lambda(key_fn, "keySelector")
    value_fn = _lambda(value_fn, "valueSelector") if value_fn is not None else None
    out = _Object()
    for item in _array_arg(value, "toObject"):
        key = key_fn(item)
        if isinstance(key, Unknown):
            return merge_unknown([key, value])
        out.set(text(key), value_fn(item) if value_fn is not None else item)
    return out.out


@fn("groupBy", 2, unknowns=True)
def _group_by(value: Any, key_fn: Any) -> Any:
    if isinstance(value, Unknown):
        return value
    key_fn = _lambda(key_fn, "keySelector")
    out: dict = {}
    for item in _array_arg(value, "groupBy"):
        key = key_fn(item)
        if isinstance(key, Unknown):
            return merge_unknown([key, value])
        out.setdefault(text(key), []).append(item)
    return out


@fn("mapValues", 2, unknowns=True)
def _map_values(value: Any, mapper: Any) -> Any:
    if isinstance(value, Unknown):
        return value
    if not isinstance(value, dict):
        raise EvalError("mapValues() takes an object")
    mapper = _lambda(mapper, "mapper")
    return {k: mapper(v) for k, v in value.items()}


# --------------------------------------------------------------------------- resource ids


def split_type(rtype: str) -> list:
    """``Microsoft.Compute/virtualMachines/extensions`` -> [namespace, type segments...]."""
    parts = [p for p in rtype.split("/") if p]
    if len(parts) < 2 or "." not in parts[0]:
        raise EvalError(f"{rtype!r} is not a resource type (namespace/type)")
    return parts


def provider_path(rtype: str, names: list) -> str:
    """``providers/Microsoft.Compute/virtualMachines/vm1/extensions/ext1``."""
    parts = split_type(rtype)
    types = parts[1:]
    if len(types) != len(names):
        raise EvalError(f"resource type {rtype!r} needs {len(types)} name segment(s), got {len(names)}")
    segments = [f"{t}/{n}" for t, n in zip(types, names)]
    return f"providers/{parts[0]}/" + "/".join(segments)


def _name_segments(args: tuple) -> list:
    out = []
    for a in args:
        out.extend(_str(a, "resourceName").split("/"))  # 'vm1/ext1' is two segments
    return out


def _split_resource_id_args(args: tuple) -> tuple:
    """(leading scope arguments, resource type, names) of resourceId()'s arguments."""
    strings = [_str(a) for a in args]
    for i, a in enumerate(strings):
        if "/" in a and "." in a.split("/")[0]:
            return strings[:i], a, strings[i + 1:]
    raise EvalError("no resource type among the arguments")


@fn("resourceId", 2, None, ctx=True)
def _resource_id(ctx: Any, *args: Any) -> str:
    scope, rtype, names = _split_resource_id_args(args)
    names = _name_segments(tuple(names))
    if len(scope) > 2:
        raise EvalError("too many arguments before the resource type")
    level = ctx.scope_level()
    sub = scope[0] if len(scope) == 2 else ctx.subscription_id()
    if len(scope) >= 1:
        rg = scope[-1]
        return f"/subscriptions/{sub}/resourceGroups/{rg}/{provider_path(rtype, names)}"
    if level == "resourceGroup":
        return f"/subscriptions/{sub}/resourceGroups/{ctx.resource_group_name()}/{provider_path(rtype, names)}"
    if level == "subscription":
        return f"/subscriptions/{sub}/{provider_path(rtype, names)}"
    return f"/{provider_path(rtype, names)}"


@fn("subscriptionResourceId", 2, None, ctx=True)
def _subscription_resource_id(ctx: Any, *args: Any) -> str:
    scope, rtype, names = _split_resource_id_args(args)
    sub = scope[0] if scope else ctx.subscription_id()
    return f"/subscriptions/{sub}/{provider_path(rtype, _name_segments(tuple(names)))}"


@fn("tenantResourceId", 2, None)
def _tenant_resource_id(*args: Any) -> str:
    _, rtype, names = _split_resource_id_args(args)
    return f"/{provider_path(rtype, _name_segments(tuple(names)))}"


@fn("managementGroupResourceId", 2, None, ctx=True)
def _management_group_resource_id(ctx: Any, *args: Any) -> str:
    scope, rtype, names = _split_resource_id_args(args)
    group = scope[0] if scope else ctx.management_group_name()
    return (f"/providers/Microsoft.Management/managementGroups/{group}/"
            f"{provider_path(rtype, _name_segments(tuple(names)))}")


@fn("extensionResourceId", 3, None)
def _extension_resource_id(base: Any, rtype: Any, *names: Any) -> str:
    base = _str(base, "baseResourceId").rstrip("/")
    return f"{base}/{provider_path(_str(rtype, 'resourceType'), _name_segments(names))}"


# --------------------------------------------------------------------------- the deployment context


@fn("parameters", 1, ctx=True, unknowns=True)
def _parameters(ctx: Any, name: Any) -> Any:
    if isinstance(name, Unknown):
        return name
    return ctx.parameter(_str(name, "parameterName"))


@fn("variables", 1, ctx=True, unknowns=True)
def _variables(ctx: Any, name: Any) -> Any:
    if isinstance(name, Unknown):
        return name
    return ctx.variable(_str(name, "variableName"))


@fn("copyIndex", 0, 2, ctx=True)
def _copy_index(ctx: Any, *args: Any) -> int:
    loop, offset = None, 0
    if args and isinstance(args[0], str):
        loop = args[0]
        args = args[1:]
    if args:
        offset = _int(args[0], "offset")
    return ctx.copy_index(loop) + offset


@fn("resourceGroup", 0, ctx=True)
def _resource_group(ctx: Any) -> dict:
    return ctx.resource_group()


@fn("subscription", 0, ctx=True)
def _subscription(ctx: Any) -> dict:
    return ctx.subscription()


@fn("managementGroup", 0, 1, ctx=True)
def _management_group(ctx: Any, name: Any = None) -> dict:
    return ctx.management_group()


@fn("tenant", 0, ctx=True)
def _tenant(ctx: Any) -> dict:
    return ctx.tenant()


@fn("deployment", 0, ctx=True)
def _deployment(ctx: Any) -> dict:
    return ctx.deployment()


@fn("deployer", 0)
def _deployer() -> Any:
    raise NotOffline("deployer() is whoever runs the deployment")


# environment(): Azure's public cloud as the ARM documentation lists it (the names a template may
# build host names from; exvlint assumes the public cloud).
ENVIRONMENT = {
    "name": "AzureCloud",
    "gallery": "https://gallery.azure.com/",
    "graph": "https://graph.windows.net/",
    "portal": "https://portal.azure.com",
    "graphAudience": "https://graph.windows.net/",
    "activeDirectoryDataLake": "https://datalake.azure.net/",
    "batch": "https://batch.core.windows.net/",
    "media": "https://rest.media.azure.net",
    "sqlManagement": "https://management.core.windows.net:8443/",
    "vmImageAliasDoc": "https://raw.githubusercontent.com/Azure/azure-rest-api-specs/master/arm-compute/"
                       "quickstart-templates/aliases.json",
    "resourceManager": "https://management.azure.com/",
    "authentication": {
        "loginEndpoint": "https://login.microsoftonline.com/",
        "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
        "tenant": "common",
        "identityProvider": "AAD",
    },
    "suffixes": {
        "acrLoginServer": ".azurecr.io",
        "azureDatalakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
        "azureDatalakeStoreFileSystem": "azuredatalakestore.net",
        "azureFrontDoorEndpointSuffix": "azurefd.net",
        "keyvaultDns": ".vault.azure.net",
        "sqlServerHostname": ".database.windows.net",
        "storage": "core.windows.net",
    },
}


@fn("environment", 0)
def _environment() -> dict:
    return json.loads(json.dumps(ENVIRONMENT))  # a copy: callers may not change the constant


@fn("reference", 1, 3, ctx=True, nulls=nulls_from(1), unknowns=True)
def _reference(ctx: Any, target: Any, api_version: Any = None, full: Any = None) -> Any:
    return ctx.reference(target, full)


@fn("resourceInfo", 1, ctx=True)
def _resource_info(ctx: Any, symbolic: Any) -> Any:
    return ctx.resource_info(_str(symbolic, "symbolicName"))


@fn("list", 2, 3, ctx=True, nulls=nulls_from(1), unknowns=True, aliases=("listKeys", "listSecrets",
     "listAccountSas", "listServiceSas", "listConnectionStrings", "listAdminKeys", "listQueryKeys",
     "listCredentials", "listOutputsWithSecureValues", "listCallbackUrl", "listAuthKeys"))
def _list(ctx: Any, target: Any, *rest: Any) -> Any:
    return ctx.list_value(target)


@fn("pickZones", 3, 5, unknowns=True)
def _pick_zones(*args: Any) -> Any:
    raise NotOffline("pickZones() depends on the region's zones")


@fn("providers", 1, 2, unknowns=True)
def _providers(*args: Any) -> Any:
    raise NotOffline("providers() reads the subscription's resource providers")


def call(name: str, args: list, ctx: Any) -> Any:
    """Apply ARM function ``name`` (any case); ``list*`` functions share one implementation."""
    if name.lower().startswith("list") and name not in ARM_FUNCTIONS:
        return ctx.list_value(args[0] if args else None)
    return ARM_FUNCTIONS.call(name, args, ctx)


FUNCTION_NAMES = ARM_FUNCTIONS.names()
