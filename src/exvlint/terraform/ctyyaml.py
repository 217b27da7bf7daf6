"""YAML as Terraform reads and writes it (go-cty-yaml semantics, on top of PyYAML): YAML 1.1-style
booleans and numbers, timestamps as strings, aliases expanded within a budget."""
from __future__ import annotations

import base64
import binascii
import datetime as _dt
import json
import math
import re
from typing import Any, Callable, Iterable, Optional

import yaml

# the function library is loaded before this module (yamldecode() imports it when first called)
from .functions import _rfc3339, _sorted_dict, _to_str
from .values import _NUMBER_RE, EvalError, normal_number, number_text, parse_number_text, type_name

_num = normal_number
_num_text = number_text
_parse_number_text = parse_number_text


_YAML_PLAIN_TAG = "tag:exvlint,2024:plain"
_YAML_CONSTANTS: dict = {}
for _names, _value in (
    (("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    (("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
    (("", "~", "null", "Null", "NULL"), None),
    ((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    (("-.inf", "-.Inf", "-.INF"), -math.inf),
):
    for _name in _names:
        _YAML_CONSTANTS[_name] = _value
_YAML_INT_RE = re.compile(r"(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)\Z")
_YAML_FLOAT_RE = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_YAML_TIMESTAMP_RE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:(?:([Tt])| )(\d{1,2}):(\d{1,2}):(\d{1,2})(\.\d{1,9})?"
    r"(?:(Z)|([-+])(\d{2}):(\d{2}))?)?\Z"
)


def _yaml_timestamp(src: str) -> Optional[str]:
    """The YAML timestamp forms go-cty-yaml accepts, rendered as RFC 3339."""
    m = _YAML_TIMESTAMP_RE.match(src)
    if not m:
        return None
    year, month, day, t, hh, mm, ss, frac, z, sign, oh, om = m.groups()
    if hh is not None and (t is None) != (z is None and sign is None):
        return None  # "T" forms need a zone, space-separated forms must not have one
    try:
        stamp = _dt.datetime(int(year), int(month), int(day), int(hh or 0), int(mm or 0), int(ss or 0))
    except ValueError:
        return None
    offset = 0 if sign is None else (1 if sign == "+" else -1) * (int(oh) * 60 + int(om))
    return _rfc3339(stamp, offset)


def _yaml_number(src: str, tag: str) -> Any:
    plain = src.replace("_", "")
    try:
        return _parse_number_text(plain)
    except EvalError:
        pass
    m = re.match(r"([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*)\Z", plain)
    if m:
        digits = m.group(2)
        base = {"x": 16, "o": 8, "b": 2}.get(digits[1:2].lower(), 8)
        body = digits[2:] if base != 8 or digits[1:2].lower() == "o" else digits
        return (-1 if m.group(1) == "-" else 1) * int(body or "0", base)
    raise EvalError(f"cannot parse {json.dumps(src)} as {tag}")


def _yaml_plain(src: str) -> Any:
    if src in _YAML_CONSTANTS:
        return _YAML_CONSTANTS[src]
    if src in (".nan", ".NaN", ".NAN"):
        raise EvalError("floating point NaN is not supported")
    first = src[0]
    if first == ".":
        return _parse_number_text(src) if _NUMBER_RE.match(src) else src
    if first in "+-0123456789":
        stamp = _yaml_timestamp(src)
        if stamp is not None:
            return stamp
        if _YAML_INT_RE.match(src) or _YAML_FLOAT_RE.match(src):
            return _yaml_number(src, "!!int" if _YAML_INT_RE.match(src) else "!!float")
    return src


class _CtyYamlLoader(yaml.SafeLoader):
    """Resolves plain scalars the way go-cty-yaml does (YAML 1.1-style booleans, RFC 3339
    timestamps as strings, no implicit octal/sexagesimal numbers)."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:  # noqa: D401
        if kind is yaml.ScalarNode and implicit[0]:
            return "tag:yaml.org,2002:merge" if value == "<<" else _YAML_PLAIN_TAG
        return super().resolve(kind, value, implicit)

    def construct_mapping(self, node: Any, deep: bool = False) -> dict:
        # Keys become strings as they are read, so that 1 and true stay distinct keys.
        if not isinstance(node, yaml.MappingNode):
            raise EvalError(f"expected a mapping node, but found {node.id}")
        self.flatten_mapping(node)
        mapping: dict = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key is None:
                raise EvalError("mapping key cannot be null")
            if isinstance(key, (list, dict, tuple)):
                raise EvalError("only strings are allowed as mapping keys")
            mapping[_to_str(key)] = self.construct_object(value_node, deep=deep)
        return mapping


def _yaml_scalar(tag: str, convert: Callable[[str], Any]) -> None:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise EvalError(f"can't interpret {node.id} as {tag}")
        return convert(node.value)

    _CtyYamlLoader.add_constructor(tag, construct)


def _yaml_bool(src: str) -> bool:
    value = _YAML_CONSTANTS.get(src)
    if not isinstance(value, bool):
        raise EvalError(f"cannot parse {json.dumps(src)} as !!bool")
    return value


def _yaml_binary(src: str) -> str:
    try:
        base64.b64decode("".join(src.split()), validate=True)
    except (binascii.Error, ValueError):
        raise EvalError(f"cannot parse {json.dumps(src)} as !!binary: not valid base64") from None
    return src


def _yaml_tagged_timestamp(src: str) -> str:
    stamp = _yaml_timestamp(src)
    if stamp is None:
        raise EvalError(f"cannot parse {json.dumps(src)} as !!timestamp")
    return stamp


_yaml_scalar(_YAML_PLAIN_TAG, _yaml_plain)
_yaml_scalar("tag:yaml.org,2002:str", str)
_yaml_scalar("tag:yaml.org,2002:binary", _yaml_binary)
_yaml_scalar("tag:yaml.org,2002:bool", _yaml_bool)
_yaml_scalar("tag:yaml.org,2002:int", lambda s: _yaml_number(s, "!!int"))
_yaml_scalar("tag:yaml.org,2002:float", lambda s: _yaml_number(s, "!!float"))
_yaml_scalar("tag:yaml.org,2002:timestamp", _yaml_tagged_timestamp)
_yaml_scalar("tag:yaml.org,2002:null", lambda s: None)


def _yaml_normalize(value: Any, active: set, budget: list) -> Any:
    """Turn constructed YAML into the values convention; rejects cycles and alias bombs."""
    budget[0] -= 1
    if budget[0] < 0:
        raise EvalError("YAML document expands to too many values")
    if isinstance(value, (list, dict)):
        if id(value) in active:
            raise EvalError("cannot refer to an anchor from inside its own definition")
        active.add(id(value))
        try:
            if isinstance(value, list):
                return [_yaml_normalize(v, active, budget) for v in value]
            out = {}
            for k, v in value.items():
                if k is None:
                    raise EvalError("mapping key cannot be null")
                if isinstance(k, (list, dict, tuple)):
                    raise EvalError("only strings are allowed as mapping keys")
                out[_to_str(k)] = _yaml_normalize(v, active, budget)
            return _sorted_dict(out)
        finally:
            active.discard(id(value))
    if isinstance(value, (str, bool, int, float)) or value is None:
        return _num(value) if isinstance(value, float) else value
    raise EvalError(f"unsupported YAML value of type {type(value).__name__}")


def decode(text: str, max_collection_size: int) -> Any:
    """yamldecode(): one YAML document as Terraform values."""
    loader = _CtyYamlLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise EvalError("missing start of document")
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        mark = getattr(exc, "problem_mark", None)
        where = f" on line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        if "expected a single document" in problem:
            problem = "only a single document is allowed"
        raise EvalError(f"invalid YAML{where}: {problem}") from None
    finally:
        loader.dispose()
    return _yaml_normalize(data, set(), [max_collection_size])


class _CtyYamlDumper(yaml.SafeDumper):
    def check_empty_document(self) -> bool:  # libyaml never writes "---" for an empty scalar
        return False


def _yaml_events(v: Any) -> Iterable:
    E = yaml.events
    if isinstance(v, dict):
        yield E.MappingStartEvent(None, None, True, flow_style=False)
        for k in sorted(v):
            yield from _yaml_events(str(k))
            yield from _yaml_events(v[k])
        yield E.MappingEndEvent()
    elif isinstance(v, list):
        yield E.SequenceStartEvent(None, None, True, flow_style=False)
        for e in v:
            yield from _yaml_events(e)
        yield E.SequenceEndEvent()
    elif isinstance(v, str):
        yield E.ScalarEvent(None, None, (True, True), v, style="|" if "\n" in v else '"')
    elif v is None:
        yield E.ScalarEvent(None, None, (True, True), "null", style=None)
    elif isinstance(v, bool):
        yield E.ScalarEvent(None, None, (True, True), "true" if v else "false", style=None)
    elif isinstance(v, (int, float)):
        yield E.ScalarEvent(None, None, (True, True), _num_text(v), style=None)
    else:
        raise EvalError(f"can't marshal {type_name(v)} as YAML")


def encode(v: Any) -> str:
    """yamlencode(): a value as YAML, the way go-cty-yaml writes it."""
    E = yaml.events
    events = [E.StreamStartEvent(), E.DocumentStartEvent(explicit=False)]
    events.extend(_yaml_events(v))
    events += [E.DocumentEndEvent(explicit=False), E.StreamEndEvent()]
    return yaml.emit(events, Dumper=_CtyYamlDumper, allow_unicode=True)
