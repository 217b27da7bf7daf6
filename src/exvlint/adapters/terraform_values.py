"""Reading evaluated Terraform attributes into model values (shared by the Terraform adapters)."""
from __future__ import annotations

from typing import Any, Callable, Optional

from ..findings import brief
from ..model import DEFAULT, EXPLICIT, Val, unknown
from ..terraform.results import EvalBlock, ResourceInstance
from ..evaluation import EvalError, Ref, Unknown, collect_refs
from ..terraform.values import to_bool, to_int, to_string
from .values import written_val

_NO_DEFAULT = object()


def attr_val(block: Optional[EvalBlock], name: str, default: Any = _NO_DEFAULT,
             convert: Optional[Callable[[Any], Any]] = None, owner: Optional[EvalBlock] = None) -> Val:
    """The model value of ``block.name``.

    Omitted or null -> the provider default (located at the block that omits it), or unknown
    when the provider has none. Unknown after evaluation -> unknown with the reason.
    ``convert`` maps the raw value (and may raise ValueError/TypeError -> unknown).
    """
    where = block.location if block is not None else (owner.location if owner is not None else None)
    attr = block.attrs.get(name) if block is not None else None
    if attr is not None and attr.value is None:
        # written as null (``x ? y : null``): the default applies, but the fix is at this attribute
        where = attr.location
    if attr is None or attr.value is None:
        origins = attr.origins if attr is not None else ()
        if default is _NO_DEFAULT:
            return unknown(where, f"{name} is not set", origins)
        return Val(default, DEFAULT, where, origins)
    return written_val(attr.value, name, attr.location, attr.origins, convert)


def first_block(block: EvalBlock, name: str) -> Optional[EvalBlock]:
    found = block.blocks_of(name)
    return found[0] if found else None


def refs_of(block: EvalBlock, name: str) -> frozenset:
    """The resource references inside an attribute's value (graph edges)."""
    attr = block.attrs.get(name)
    if attr is None:
        return frozenset()
    return collect_refs(attr.value)


def raw(block: Optional[EvalBlock], name: str) -> Any:
    """The raw evaluated value, or None when omitted."""
    if block is None:
        return None
    attr = block.attrs.get(name)
    return attr.value if attr is not None else None


# provider attributes convert as Terraform converts them (go-cty), so the one set of converters applies
as_bool = to_bool
as_str = to_string


def as_int(value: Any, what: str = "value") -> int:
    """A provider's integer attribute: a whole number that fits the provider's 64-bit integer
    (Terraform refuses anything larger when it plans, so such a value is never deployed)."""
    n = to_int(value, what)
    if not -(1 << 63) <= n < 1 << 63:
        raise EvalError(f"{what}: {brief(str(n), 24)} does not fit a 64-bit integer")
    return n


def string_map(block: EvalBlock, name: str) -> dict:
    """A map attribute such as ``tags`` as key -> Val (unknown entries are unknown Vals)."""
    attr = block.attrs.get(name)
    if attr is None or not isinstance(attr.value, dict):
        return {}
    out = {}
    for key, value in attr.value.items():
        if isinstance(value, Unknown):
            out[key] = unknown(attr.location, f"{name}.{key}: {value.reason}", attr.origins)
        elif isinstance(value, (str, int, float, bool)):
            try:
                out[key] = Val(as_str(value), EXPLICIT, attr.location, attr.origins)
            except EvalError:  # NaN, or a number too long to write
                out[key] = unknown(attr.location, f"{name}.{key} has no text form", attr.origins)
    return out


class InstanceIndex:
    """Finds the instance an attribute refers to: by Ref (graph edge), else by name or id text."""

    def __init__(self, instances: list):
        self.by_address = {inst.address: inst for inst in instances}

    def targets(self, block: EvalBlock, name: str, types: tuple) -> list:
        """Instances of ``types`` that ``block.name`` refers to."""
        found = []
        for ref in sorted(refs_of(block, name), key=lambda r: (r.address, r.attr)):
            inst = self.by_address.get(ref.address)
            if inst is not None and inst.type in types and inst not in found:
                found.append(inst)
        return found


def resource_label(inst: ResourceInstance) -> str:
    name = raw(inst.body, "name")
    return name if isinstance(name, str) and name else inst.address


__all__ = ["attr_val", "first_block", "refs_of", "raw", "as_int", "as_bool", "as_str", "string_map",
           "InstanceIndex", "resource_label", "Ref"]
