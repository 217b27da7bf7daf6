"""Configuration: `.exvlint.yaml` or `[tool.exvlint]` in pyproject.toml, plus command-line options.

Unknown keys are errors (EXV003), never ignored: a typo in a suppression list must not silently
turn a rule off.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from typing import Any, Optional

from . import files
from .findings import Finding, Location, brief
from .limits import Limits
from .paths import Boundary

CONFIG_NAMES = (".exvlint.yaml", ".exvlint.yml")
LEVEL_NAMES = ("error", "warning", "note", "none")

SCHEMA: dict = {
    "exchange": {"vms": list, "exclude": list, "name_patterns": list, "scope": str,
                 "transport_queue_on_os_disk": bool, "version": (str, int), "cu": (int, str)},
    "rules": {"select": list, "ignore": list, "level": dict},
    "hosts": list,
    "vsphere": {"nas_datastores": list},
    "azure": {"smtp_relay": (str, bool)},
    "guest_os": dict,
    "baseline": str,
    "fail_level": str,
    "paths": {"exclude": list},
    "limits": {name: int for name in Limits.names()},
}
HOST_KEYS = {"name": str, "physical_cores": int, "other_vcpus": int, "os": str}
MAX_COUNT = (1 << 63) - 1  # counts are 64-bit, as in the providers: arithmetic on them stays in range


def whole_number(value: Any, minimum: int) -> bool:
    """A count from the configuration: a whole number from ``minimum`` to MAX_COUNT."""
    return isinstance(value, int) and not isinstance(value, bool) and minimum <= value <= MAX_COUNT


@dataclass
class Config:
    exchange_vms: list = field(default_factory=list)
    exchange_exclude: list = field(default_factory=list)
    name_patterns: list = field(default_factory=lambda: ["*exch*", "*mbx*"])
    all_vms: bool = False
    transport_queue_on_os_disk: bool = True
    exchange_version: Optional[str] = None  # 2013 | 2016 | 2019 | SE, for VMs whose code does not say
    exchange_cu: Optional[int] = None
    select: list = field(default_factory=list)  # rule ids; empty = all
    ignore: list = field(default_factory=list)
    levels: dict = field(default_factory=dict)  # rule id -> level
    hosts: list = field(default_factory=list)
    nas_datastores: list = field(default_factory=list)
    smtp_relay: Any = None
    guest_os: dict = field(default_factory=dict)
    baseline: Optional[str] = None
    fail_level: str = "warning"
    exclude_paths: list = field(default_factory=list)
    limits: Limits = field(default_factory=Limits)
    strict: bool = False
    show_suppressed: bool = False  # keep suppressed and baselined findings in the reports, marked
    selection_invalid: bool = False  # select / ignore named an unknown rule: no check runs
    cli_inputs: list = field(default_factory=list)  # ordered ("file", path) / ("var", "n=v")
    parameter_files: list = field(default_factory=list)  # --parameters FILE (ARM), in command-line order
    source: Optional[str] = None  # the file this came from, as shown in messages
    source_path: Optional[str] = None  # the file this came from, as opened
    errors: list = field(default_factory=list)  # EXV003 findings
    key_lines: dict = field(default_factory=dict)  # (key, sub key) -> line in the file, for locations


def find_config(start: str) -> Optional[str]:
    """The nearest .exvlint.yaml (or pyproject.toml with [tool.exvlint]) at or above ``start``."""
    directory = os.path.abspath(start if os.path.isdir(start) else os.path.dirname(start) or ".")
    while True:
        for name in CONFIG_NAMES:
            candidate = os.path.join(directory, name)
            if os.path.isfile(candidate):
                return candidate
        pyproject = os.path.join(directory, "pyproject.toml")
        if os.path.isfile(pyproject) and _pyproject_has_section(pyproject):
            return pyproject
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _pyproject_has_section(path: str) -> bool:
    try:
        text = files.read_text(path, _found_in(path))
    except files.InputError:
        return True  # reading it as the configuration then says what is wrong with it
    return re.search(r"^\[tool\.exvlint(\.|\])", text, re.M) is not None


def _found_in(path: str) -> Boundary:
    """A configuration found by looking (not named with --config) is read like the code it sits
    in: a symbolic link out of its repository is not followed."""
    return Boundary.for_paths([os.path.dirname(os.path.abspath(path))])


def load_config(path: Optional[str], display_path: Optional[str] = None, named: bool = False) -> Config:
    """The configuration in ``path``; ``named`` when the user gave it with --config."""
    config = Config()
    if path is None:
        return config
    shown = display_path or os.path.relpath(path)
    config.source = shown
    config.source_path = path
    try:
        text = files.read_text(path, None if named else _found_in(path))
    except files.InputError as exc:
        config.errors.append(_error(shown, files.error_line(exc), f"cannot read configuration: {exc}"))
        return config
    if path.endswith(".toml"):
        data = _load_toml(text, shown, config)
    else:
        data = _load_yaml(text, shown, config)
    if data is None:
        return config
    _apply(data, text, shown, config)
    return config


def _load_yaml(text: str, shown: str, config: Config) -> Optional[dict]:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        config.errors.append(_error(shown, line, f"invalid YAML: {getattr(exc, 'problem', None) or exc}"))
        return None
    except RecursionError:
        config.errors.append(_error(shown, 1, "the configuration is nested too deeply to read"))
        return None
    except Exception as exc:  # a value the YAML types refuse (an integer past Python's digit limit, a bad date)
        config.errors.append(_error(shown, 1, f"invalid YAML: {type(exc).__name__}: {brief(exc)}"))
        return None
    if data is None:
        return {}
    if not isinstance(data, dict):
        config.errors.append(_error(shown, 1, "the configuration must be a mapping of keys"))
        return None
    return data


def _load_toml(text: str, shown: str, config: Config) -> Optional[dict]:
    try:
        import tomllib  # Python 3.11+
    except ModuleNotFoundError:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        config.errors.append(_error(shown, getattr(exc, "lineno", 1) or 1, f"invalid TOML: {exc}"))
        return None
    except Exception as exc:  # a value the TOML types refuse (an integer past Python's digit limit)
        config.errors.append(_error(shown, 1, f"invalid TOML: {type(exc).__name__}: {brief(exc)}"))
        return None
    tool = data.get("tool", {})
    section = tool.get("exvlint", {}) if isinstance(tool, dict) else {}
    if not isinstance(section, dict):
        config.errors.append(_error(shown, 1, "[tool.exvlint] must be a table"))
        return None
    return section


def _error(path: str, line: int, message: str) -> Finding:
    return Finding("EXV003", "error", message, Location(path, line, 1), key=message)


class _Lines:
    """Line numbers of keys and list items, by their path in the document (YAML node marks)."""

    def __init__(self, text: str, is_yaml: bool):
        self.text = text
        self.root = None
        if is_yaml:
            import yaml

            try:
                self.root = yaml.compose(text, Loader=yaml.SafeLoader)
            except (yaml.YAMLError, RecursionError):
                self.root = None

    def line(self, *path) -> int:
        import yaml

        node = self.root
        line = 1
        for step in path:
            if node is None:
                break
            found = None
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if key_node.value == str(step):
                        found, line = value_node, key_node.start_mark.line + 1
                        break
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
                found = node.value[step]
                line = found.start_mark.line + 1
            node = found
        if node is None and self.root is None and path:
            m = re.search(r"^\s*-?\s*" + re.escape(str(path[-1])) + r"\s*[:=]", self.text, re.M)
            return self.text.count("\n", 0, m.start()) + 1 if m else 1
        return line


def _apply(data: dict, text: str, shown: str, config: Config) -> None:
    lines = _Lines(text, not shown.endswith(".toml"))

    def err(path, message: str) -> None:
        path = path if isinstance(path, tuple) else (path,)
        config.errors.append(_error(shown, lines.line(*path), message))

    for key, value in data.items():
        if isinstance(value, dict):
            for sub in value:
                config.key_lines[(key, str(sub))] = lines.line(key, str(sub))
        if key not in SCHEMA:
            err(key, f"unknown configuration key {key!r} (allowed: {', '.join(sorted(SCHEMA))})")
            continue
        spec = SCHEMA[key]
        if isinstance(spec, dict):
            if not isinstance(value, dict):
                err(key, f"{key} must be a mapping")
                continue
            for sub, subvalue in value.items():
                if sub not in spec:
                    err((key, sub), f"unknown key {key}.{sub} (allowed: {', '.join(sorted(spec))})")
                elif not isinstance(subvalue, spec[sub]) or (spec[sub] is list and not all(isinstance(x, str) for x in subvalue)):
                    err((key, sub), f"{key}.{sub} has the wrong type ({type(subvalue).__name__})")
                else:
                    _set(config, key, sub, subvalue, lambda p, m, k=key, sb=sub: err((k, sb) + (p if isinstance(p, tuple) else ()), m))
        elif not isinstance(value, spec):
            err(key, f"{key} has the wrong type ({type(value).__name__})")
        else:
            _set(config, key, None, value, err)


def _set(config: Config, key: str, sub: Optional[str], value: Any, err) -> None:
    from .catalog import resolve_rule

    if key == "exchange":
        if sub == "vms":
            config.exchange_vms = value
        elif sub == "exclude":
            config.exchange_exclude = value
        elif sub == "name_patterns":
            config.name_patterns = value
        elif sub == "scope":
            if value not in ("all", "detected"):
                err((), "exchange.scope must be 'all' or 'detected'")
            config.all_vms = value == "all"
        elif sub == "transport_queue_on_os_disk":
            config.transport_queue_on_os_disk = value
        elif sub == "version":
            from .versions import parse_version

            parsed = parse_version(str(value))
            if parsed is None:
                err((), "exchange.version must be 2013, 2016, 2019 or SE")
            else:
                config.exchange_version = parsed[0]
                if parsed[1] is not None and config.exchange_cu is None:
                    config.exchange_cu = parsed[1]
        elif sub == "cu":
            from .versions import parse_cu

            cu = parse_cu(value)
            if cu is None:
                err((), "exchange.cu must be the number of a cumulative update, such as 14 or CU14")
            else:
                config.exchange_cu = cu
    elif key == "rules":
        if sub in ("select", "ignore"):
            ids = []
            for i, item in enumerate(value):
                rid = resolve_rule(item)
                if rid is None:
                    err((i,), f"rules.{sub}: unknown rule {item!r}")
                    config.selection_invalid = True
                else:
                    ids.append(rid)
            if sub == "select" and not value:
                err((), "rules.select is empty; leave it out to run every rule")
                config.selection_invalid = True
            setattr(config, sub, ids)
        elif sub == "level":
            for item, level in value.items():
                rid = resolve_rule(str(item))
                if rid is None:
                    err((str(item),), f"rules.level: unknown rule {item!r}")
                elif level not in ("error", "warning", "note"):
                    err((str(item),), f"rules.level.{item}: level must be error, warning or note")
                else:
                    config.levels[rid] = level
    elif key == "hosts":
        for i, host in enumerate(value):
            if not isinstance(host, dict):
                err(("hosts", i), f"hosts[{i}] must be a mapping with name and physical_cores")
                continue
            bad = [k for k in host if k not in HOST_KEYS]
            if bad:
                err(("hosts", i, bad[0]), f"hosts[{i}]: unknown key {bad[0]!r} (allowed: {', '.join(HOST_KEYS)})")
            if not isinstance(host.get("name"), str):
                err(("hosts", i), f"hosts[{i}]: name is required")
            if not whole_number(host.get("physical_cores"), 1):
                err(("hosts", i, "physical_cores"), f"hosts[{i}]: physical_cores must be a positive whole number")
            if not whole_number(host.get("other_vcpus", 0), 0):
                err(("hosts", i, "other_vcpus"), f"hosts[{i}]: other_vcpus must be a whole number >= 0")
        config.hosts = value
    elif key == "vsphere":
        config.nas_datastores = value
    elif key == "azure":
        from .checks import CHECKS  # the key feeds EXV501: without its check it would do nothing

        if "EXV501" not in CHECKS:
            err((), "azure.smtp_relay has no effect in this version (EXV501 is not checked yet); remove it")
        config.smtp_relay = value
    elif key == "guest_os":
        for vm, os_name in value.items():
            if not isinstance(os_name, str):  # never stringify what an alias may have blown up
                err((str(vm),), f"guest_os.{vm} must be the name of an operating system")
            else:
                config.guest_os[str(vm)] = os_name
    elif key == "baseline":  # relative to the configuration file, like every path in it
        config.baseline = os.path.join(os.path.dirname(config.source_path or ""), value)
    elif key == "fail_level":
        if value not in LEVEL_NAMES:
            err(("fail_level",), f"fail_level must be one of {', '.join(LEVEL_NAMES)}")
        else:
            config.fail_level = value
    elif key == "paths":
        config.exclude_paths = value
    elif key == "limits":
        if not whole_number(value, 1):
            err((), f"limits.{sub} must be a positive whole number")
        else:
            config.limits = replace(config.limits, **{sub: value})
