"""Reading evaluated ARM values (a :class:`~exvlint.arm.result.View`) into model values, for every ARM adapter."""
from __future__ import annotations

from typing import Any, Callable, Optional

from ..arm.result import View
from ..evaluation import Unknown
from ..model import DEFAULT, Val, unknown
from .terraform_values import as_str
from .values import written_val

_NO_DEFAULT = object()


def val(view: View, name: str, default: Any = _NO_DEFAULT, convert: Optional[Callable[[Any], Any]] = None) -> Val:
    """The model value of a property: omitted or null -> the default (or unknown), located where
    a user would write it; unknown after evaluation -> unknown with the reason."""
    if not view.present or view.value is None:
        if default is _NO_DEFAULT:
            return unknown(view.location, f"{name} is not set", view.origins)
        return Val(default, DEFAULT, view.location, view.origins if view.present else ())
    return written_val(view.value, name, view.location, view.all_origins(), convert)


def string_map(view: View, name: str) -> dict:
    """An object such as ``tags`` as key -> Val (unknown entries are unknown Vals)."""
    if not isinstance(view.value, dict):
        return {}
    out = {}
    for key in view.value:
        entry = view.get(key)
        if isinstance(entry.value, (str, int, float, bool, Unknown)):
            out[key] = val(entry, f"{name}.{key}", convert=as_str)
    return out
