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
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference to an attribute of a resource instance, e.g. ``azurerm_managed_disk.db.id``."""

    address: str  # full instance address, e.g. module.m["a"].azurerm_managed_disk.db[0]
    attr: str  # first attribute name after the address ("" for the whole object)


@dataclass(frozen=True, slots=True)
class Unknown:
    """A value not known before apply (or not resolvable offline)."""

    reason: str = "value not known before apply"
    refs: frozenset = field(default_factory=frozenset)  # frozenset[Ref]
    # an object whose keys are not all known keeps its entries here, as (key, value) pairs
    # (vSphere custom_attributes are keyed by ids known only after apply)
    entries: tuple = field(default=(), compare=False, hash=False)

    def __repr__(self) -> str:  # short, for debugging and messages
        return f"<unknown: {self.reason}>"


def plain(value: Any) -> Any:
    """The same value as built-in types only (no positions from literals or JSON)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, Unknown):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return value


def is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown)


def contains_unknown(value: Any) -> bool:
    """True when the value is unknown or holds an unknown anywhere inside."""
    if isinstance(value, Unknown):
        return True
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    return False


def collect_refs(value: Any) -> frozenset:
    """All resource references carried by unknowns inside ``value``."""
    found: set = set()
    _collect(value, found)
    return frozenset(found)


def _collect(value: Any, found: set) -> None:
    if isinstance(value, Unknown):
        found.update(value.refs)
    elif isinstance(value, list):
        for v in value:
            _collect(v, found)
    elif isinstance(value, dict):
        for v in value.values():
            _collect(v, found)


def merge_unknown(values: Iterable[Any], reason: str | None = None) -> Unknown:
    """One Unknown that carries the refs of every unknown among ``values``."""
    refs: set = set()
    reasons = []
    for v in values:
        if isinstance(v, Unknown):
            refs.update(v.refs)
            reasons.append(v.reason)
        else:
            _collect(v, refs)
    return Unknown(reason or (reasons[0] if reasons else "value not known before apply"), frozenset(refs))


class EvalError(Exception):
    """An expression that Terraform itself would reject (bad index, wrong type, failed function).

    ``try()`` and ``can()`` catch it; elsewhere the evaluator turns it into an Unknown.
    """


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
    if d == d.to_integral_value() and d.adjusted() < 400:
        return int(d)
    return float(d)


def number_text(x: Any) -> str:
    """A number as Terraform writes it: no exponent, no trailing .0."""
    if isinstance(x, bool):
        raise EvalError("a bool is not a number")
    if isinstance(x, int):
        return str(x)
    if math.isnan(x):
        raise EvalError("NaN cannot be represented")
    if math.isinf(x):
        return "+Inf" if x > 0 else "-Inf"
    if x.is_integer():
        return str(int(x))
    return format(Decimal(repr(x)), "f")


def to_number(value: Any) -> Any:
    """Terraform's automatic string -> number conversion; raises EvalError when impossible."""
    if isinstance(value, bool):
        raise EvalError("a bool is not a number")
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        return parse_number_text(value.strip())
    raise EvalError(f"cannot convert {type_name(value)} to a number")


def to_string(value: Any) -> str:
    """Terraform's automatic primitive -> string conversion (for interpolation)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return number_text(value)
    if isinstance(value, str):
        return value
    if value is None:
        raise EvalError("cannot use a null value in a string template")
    raise EvalError(f"cannot convert {type_name(value)} to a string")


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    raise EvalError(f"cannot convert {type_name(value)} to a bool")
