"""Terraform values as plain Python data, plus the one thing Python lacks: *unknown*.

Convention used by the evaluator and the function library:

- string -> ``str``; number -> ``int`` (when integral) or ``float``; bool -> ``bool``;
  null -> ``None``; list, tuple and set -> ``list`` (sets are de-duplicated, in Terraform's
  order); map and object -> ``dict`` with ``str`` keys.
- A value that cannot be known offline (an attribute known only after apply, a variable
  with no value, a data source, an unimplemented function) is an :class:`Unknown`. It may be
  nested anywhere inside lists and dicts. It carries the resource references that produced
  it (these are the edges of the resource graph) and a human-readable reason.
"""
from __future__ import annotations

import math
import os
import re
from decimal import Decimal
from typing import Any, Iterable, Optional

from ..evaluation import (EvalError, LFloat, LInt, LStr, Ref, Unknown, collect_refs, contains_unknown, hole,  # noqa: F401
                          located, merge_unknown, plain, with_holes)
from ..findings import Location, Related


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, Unknown):
        return "unknown"
    return type(value).__name__


_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")


def parse_number_text(text: str) -> Any:
    """Terraform's string -> number conversion: decimal notation only (no inf, nan or 1_000)."""
    if not _NUMBER_RE.match(text):
        raise EvalError(f"cannot convert {text!r} to number; given string must be a decimal representation of a number")
    d = Decimal(text)
    # a whole number stays exact, unless its exponent would make it much longer than its text ("1e999999999")
    if d == d.to_integral_value() and d.adjusted() < max(400, len(text)):
        return int(d)
    return float(d)


def number_text(x: Any) -> str:
    """A number as Terraform writes it: no exponent, no trailing .0."""
    if isinstance(x, bool):
        raise EvalError("a bool is not a number")
    if isinstance(x, int):
        try:
            return str(x)
        except ValueError:  # past Python's digit limit for str(int) (Python 3.11+)
            raise EvalError("the number is too large to write as text") from None
    if math.isnan(x):
        raise EvalError("NaN cannot be represented")
    if math.isinf(x):
        return "+Inf" if x > 0 else "-Inf"
    if x.is_integer():
        return str(int(x))
    return format(Decimal(repr(x)), "f")


# -- cty's automatic conversions: the one set every part of exvlint uses ---------------------------


def normal_number(x: Any) -> Any:
    """Integral floats become ints (the values convention); NaN is an error."""
    if isinstance(x, float):
        if math.isnan(x):
            raise EvalError("result is not a number")
        if math.isfinite(x) and x.is_integer():
            return int(x)
    return x


def to_number(value: Any, what: str = "value") -> Any:
    """string -> number as Terraform converts it; raises EvalError when impossible."""
    if isinstance(value, bool):
        raise EvalError(f"{what}: a number is required, got bool")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and math.isnan(value):
            raise EvalError(f"{what}: NaN is not a number")
        return normal_number(value)
    if isinstance(value, str):
        return parse_number_text(value.strip())
    if value is None:
        raise EvalError(f"{what} must not be null")
    raise EvalError(f"{what}: a number is required, got {type_name(value)}")


def to_int(value: Any, what: str = "value") -> int:
    n = to_number(value, what)
    if isinstance(n, float):
        raise EvalError(f"{what}: value must be a whole number, got {number_text(n)}")
    return n


def to_string(value: Any, what: str = "value") -> str:
    """primitive -> string, as in interpolation."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return number_text(value)
    if value is None:
        raise EvalError(f"{what} must not be null")
    raise EvalError(f"{what}: a string is required, got {type_name(value)}")


def to_bool(value: Any, what: str = "value") -> bool:
    """string -> bool accepts "true"/"1" and "false"/"0", as go-cty's conversion does."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        if value in ("true", "1"):
            return True
        if value in ("false", "0"):
            return False
        if value.lower() in ("true", "false"):
            raise EvalError(f'{what}: a bool is required; to convert from string, use lowercase "{value.lower()}"')
        raise EvalError(f'{what}: cannot convert "{value}" to bool; only the strings "true" or "false" are allowed')
    if value is None:
        raise EvalError(f"{what} must not be null")
    raise EvalError(f"{what}: a bool is required, got {type_name(value)}")


def equal(a: Any, b: Any) -> Any:
    """cty equality: True, False, or None when it depends on an unknown. A known collection is
    never null, even when parts of it are unknown."""
    if isinstance(a, Unknown) or isinstance(b, Unknown):
        return None
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, str) and isinstance(b, str):
        return str(a) == str(b)
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return False
        pairs: Iterable = zip(a, b)
    elif isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return False
        pairs = ((a[k], b[k]) for k in a)
    else:
        return False
    undecided = False
    for x, y in pairs:
        r = equal(x, y)
        if r is False:
            return False
        if r is None:
            undecided = True
    return None if undecided else True


def literal_origin(value: Any, attr_location: Location) -> Optional[Related]:
    """Where a scalar value was written, when that is not the attribute itself."""
    origin = getattr(value, "origin", None)
    if origin is None or (origin.path == attr_location.path and origin.line == attr_location.line):
        return None
    name = os.path.basename(origin.path)
    label = f"value set in {name}" if name.endswith((".tfvars", ".tfvars.json")) else "value written here"
    return Related(origin, label)


class Lookup:
    """A value whose attributes are resolved when read (``var``, ``local``, a resource type...)."""

    kind = "namespace"

    def lookup(self, name: str, trace: list) -> Any:
        raise NotImplementedError


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
            value = self[name]
            if isinstance(value, Unknown) and not value.refs:  # configured but unknown: still an edge
                return Unknown(value.reason, frozenset({Ref(self.address, name)}), value.entries, value.text)
            return value
        return Unknown(f"{self.address}.{name} is known only after apply", frozenset({Ref(self.address, name)}))


class BlockObject(dict):
    """A resource's nested block as a value (``azurerm_firewall.fw.ip_configuration[0]``): reading an
    attribute it does not configure (``private_ip_address``) is an Unknown that refers to the resource."""

    def __init__(self, address: str, attr: str, data: dict):
        super().__init__(data)
        self.address = address
        self.attr = attr  # the resource's top-level block this is (inside)

    def get_attr(self, name: str) -> Any:
        if name in self:
            return self[name]
        return Unknown(f"{self.address}.{self.attr}[...].{name} is known only after apply",
                       frozenset({Ref(self.address, self.attr)}))
