"""An evaluated value an adapter read, as a model value: one conversion for every input format."""
from __future__ import annotations

from typing import Any, Callable, Optional

from ..evaluation import CONVERSION_ERRORS, Unknown, contains_unknown
from ..findings import Location, brief
from ..model import EXPLICIT, Val, unknown


def written_val(value: Any, name: str, location: Optional[Location], origins: tuple,
                convert: Optional[Callable[[Any], Any]] = None) -> Val:
    """The model value of ``name`` written as ``value`` (not omitted, not null): unknown with the
    reason when it holds an unknown, or when ``convert`` (which may raise ValueError, TypeError or
    EvalError) rejects it; else explicit, converted."""
    if contains_unknown(value):
        reason = value.reason if isinstance(value, Unknown) else f"{name} is partly unknown"
        return unknown(location, f"{name}: {reason}", origins)
    if convert is not None:
        try:
            converted = convert(value)
        except CONVERSION_ERRORS:
            return unknown(location, f"{name} has an unexpected value {brief(repr(value))}", origins)
        value = converted
    return Val(value, EXPLICIT, location, origins)
