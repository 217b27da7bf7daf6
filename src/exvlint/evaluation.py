"""What every expression evaluator shares (Terraform, ARM templates): values as plain Python data,
plus the one thing Python lacks, *unknown*.

- string -> ``str``; number -> ``int`` (when integral) or ``float``; bool -> ``bool``; null -> ``None``;
  lists -> ``list``; maps and objects -> ``dict`` with ``str`` keys.
- A value that cannot be known offline (an attribute known only after apply, a variable or parameter
  with no value, a ``reference()``, an unimplemented function) is an :class:`Unknown`. It may be nested
  anywhere inside lists and dicts. It carries the resource references that produced it (the edges of
  the resource graph) and a human-readable reason.
- A literal remembers where it was written (:func:`located`), so a finding can point at the place a
  user would change.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from .findings import Location


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
    # a string built from known text and unknown parts reads as that text with each unknown part
    # written as a hole (see ``hole``), so an adapter can still read a script whose storage key or
    # address is known only after apply; for base64encode() it is the text before encoding
    text: Optional[str] = field(default=None, compare=False, hash=False)

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


def hole(value: Any) -> str:
    """How an unknown part reads inside a partly known string: its own text, ``${<address>.<attr>}``
    when it comes from one resource attribute, else ``${?}``."""
    if isinstance(value, Unknown) and value.text is not None:
        return value.text
    refs = collect_refs(value)
    if len(refs) == 1:
        ref = next(iter(refs))
        return "${" + (f"{ref.address}.{ref.attr}" if ref.attr else ref.address) + "}"
    return "${?}"


def with_holes(value: Any) -> Any:
    """``value`` with every unknown inside replaced by its hole text (for partial rendering)."""
    if isinstance(value, Unknown):
        return hole(value)
    if isinstance(value, list):
        return [with_holes(v) for v in value]
    if isinstance(value, dict):
        return {k: with_holes(v) for k, v in value.items()}
    return value


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


# what a value converter (to_int, to_string... or an adapter's own) raises for a value it cannot
# convert: an adapter reading a provider attribute makes any of them an unknown value
CONVERSION_ERRORS = (EvalError, ValueError, TypeError)


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
