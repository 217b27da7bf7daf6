"""Property-based tests (Hypothesis): what must hold for every input, not just the fixtures.

- Any HCL-ish text, plan-like or tfvars-like JSON and configuration YAML: the run never raises and
  never reports an internal error (EXV002); it exits 0, 1 or 2, and 2 whenever an input or
  configuration error (EXV000, EXV003) is reported; every report is valid JSON/SARIF.
- jsonpos reads every document exactly as ``json.loads`` does, with positions that point at what
  they locate, and refuses what ``json.loads`` refuses.
- Terraform's value conversions and equality obey their laws.
- Findings are deterministic: the same tree twice, or listed by the filesystem in another order,
  gives the same bytes.

Every test is derandomized (the same examples on every run, so CI is deterministic) and bounded
by max_examples to a few seconds; ``tools/fuzz.py`` is the long-running counterpart.
"""
from __future__ import annotations

import json
import math
import os
import random
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from exvlint import jsonpos
from exvlint.config import Config, find_config, load_config
from exvlint.engine import lint
from exvlint.formatters import get_formatter
from exvlint.terraform.operations import binary_op
from exvlint.terraform.values import (EvalError, Unknown, contains_unknown, equal, number_text, to_bool, to_number,
                                      to_string)

from conftest import ROOT

FAST = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
QUICK = settings(FAST, max_examples=300)


# -- the run on a generated tree ------------------------------------------------------------------


@contextmanager
def _tree(files: dict):
    directory = Path(tempfile.mkdtemp(prefix="exvlint-prop-"))
    try:
        for rel, content in files.items():
            target = directory / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _run(directory: Path, **options) -> tuple:
    """Lint ``directory`` as the CLI does (its configuration found by looking); (result, exit code,
    {format: report})."""
    found = find_config(str(directory))
    config = load_config(found) if found else Config()
    for name, value in options.items():
        setattr(config, name, value)
    result = lint([str(directory)], config)
    # the text summary ends with the run's duration: the one part of a report that may differ
    reports = {fmt: _UNTIMED.sub("", get_formatter(fmt)(result)) for fmt in ("text", "json", "sarif")}
    return result, result.exit_code(config.fail_level), reports


_UNTIMED = re.compile(r"; \d+\.\d s$", re.M)


def _assert_survives(files: dict, **options) -> list:
    """The run's invariants for any input; returns the rule ids reported."""
    with _tree(files) as directory:
        result, code, reports = _run(directory, **options)
    rules = [f.rule_id for f in result.findings]
    assert "EXV002" not in rules, [f.message for f in result.findings if f.rule_id == "EXV002"]
    assert code in (0, 1, 2)
    if {"EXV000", "EXV003"} & set(rules):
        assert code == 2
    json.loads(reports["json"])
    sarif = json.loads(reports["sarif"])
    assert len(sarif["runs"][0]["results"]) == sum(1 for f in result.findings if not f.suppressed)
    for report in reports.values():
        report.encode("utf-8")  # writable: no lone surrogate from a \ud800 escape or a non-UTF-8 name
    return rules


# -- HCL-ish text -----------------------------------------------------------------------------------

RESOURCE_TYPES = ["azurerm_windows_virtual_machine", "azurerm_managed_disk", "azurerm_virtual_machine",
                  "azurerm_virtual_machine_data_disk_attachment", "azurerm_snapshot", "vsphere_virtual_machine",
                  "vsphere_nas_datastore", "hyperv_machine_instance", "hyperv_vhd", "null_resource"]
ATTRIBUTES = ["name", "size", "vm_size", "storage_account_type", "disk_size_gb", "tags", "memory", "num_cpus",
              "guest_id", "path", "vhd_type", "managed_disk_id", "virtual_machine_id", "lun", "annotation",
              "notes", "datastore_id", "thin_provisioned", "processor_count", "automatic_stop_action"]
BLOCKS = ["os_disk", "disk", "storage_os_disk", "storage_data_disk", "hard_disk_drives", "source_image_reference",
          "clone", "vm_processor", "dvd_drives", "content"]
FUNCTIONS = ["length", "lower", "upper", "join", "format", "lookup", "merge", "concat", "tonumber", "tostring",
             "tolist", "toset", "tomap", "element", "coalesce", "try", "can", "range", "keys", "values", "jsondecode",
             "jsonencode", "replace", "regex", "split", "substr", "max", "min", "abs", "ceil", "floor", "flatten",
             "distinct", "contains", "startswith", "trimspace", "cidrsubnet", "file", "fileexists", "templatefile",
             "yamldecode", "base64decode", "sum", "reverse", "slice", "zipmap", "setproduct", "formatlist", "nope"]
REFERENCES = ["var.x", "var.disks", "local.name", "local.m", "each.key", "each.value", "count.index", "path.module",
              "azurerm_managed_disk.d.id", "azurerm_windows_virtual_machine.vm", "module.m.out", "self.name",
              "data.azurerm_image.i.name", "vsphere_virtual_machine.v[0].disk[*].size", "var.x[0]", "local.m[\"a\"]"]
STRINGS = ["exch01", "EXCH-MBX-01", "Standard_LRS", "Premium_LRS", "Standard_E8s_v5", "2012-R2-Datacenter",
           "windows9Server64Guest", "Save", "Dynamic", "C:\\\\ClusterStorage\\\\v1\\\\x.avhdx", "role=exchange-mailbox",
           "", "a b", "%{", "$${x}", "\\u00e9", "\\n", "\\ud800", "\\u0000"]
_LITERAL_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters='"\\$%'), max_size=12)


def _hcl_string(parts):
    return '"' + "".join(parts) + '"'


hcl_leaf = st.one_of(
    st.integers(-5000, 5000).map(str),
    st.sampled_from(["0.5", "1e3", "1e9", "-1", "1.5e-3", "1073741824", "true", "false", "null"]),
    st.sampled_from(STRINGS).map(lambda s: f'"{s}"'),
    _LITERAL_TEXT.map(lambda s: f'"{s}"'),
    st.sampled_from(REFERENCES),
)


def _compound(inner):
    return st.one_of(
        st.lists(inner, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.lists(st.tuples(st.sampled_from(ATTRIBUTES + ["a", "\"k\""]), inner), max_size=3)
        .map(lambda kv: "{" + ", ".join(f"{k} = {v}" for k, v in kv) + "}"),
        st.tuples(st.sampled_from(FUNCTIONS), st.lists(inner, max_size=3))
        .map(lambda t: f"{t[0]}({', '.join(t[1])})"),
        st.tuples(inner, inner, inner).map(lambda t: f"{t[0]} ? {t[1]} : {t[2]}"),
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "%", "==", "!=", "<", ">=", "&&", "||"]), inner)
        .map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
        inner.map(lambda x: f"!({x})"),
        inner.map(lambda x: f"-({x})"),
        inner.map(lambda x: f"({x})"),
        st.tuples(inner, inner).map(lambda t: f"[for v in {t[0]} : {t[1]}]"),
        st.tuples(inner, inner).map(lambda t: f"{{for k, v in {t[0]} : k => {t[1]}}}"),
        st.tuples(inner, _LITERAL_TEXT).map(lambda t: _hcl_string([t[1], "${", t[0], "}"])),
        st.tuples(inner, inner).map(lambda t: f"({t[0]})[{t[1]}]"),
        inner.map(lambda x: f"({x})[*].name"),
    )


hcl_expr = st.recursive(hcl_leaf, _compound, max_leaves=8)

# what the providers' attributes usually hold, so that most generated resources reach the rules
PLAUSIBLE = {
    "name": ["\"exch01\"", "\"EXCH-MBX-02\"", "\"web01\"", "\"exch-${count.index}\"", "var.name", "\"exch-db\""],
    "size": ["\"Standard_E8s_v5\"", "\"Standard_B2s\"", "\"Standard_E2s_v5\""],
    "vm_size": ["\"Standard_E8s_v5\"", "\"Standard_DS3_v2\""],
    "storage_account_type": ["\"Premium_LRS\"", "\"Standard_LRS\"", "\"StandardSSD_LRS\""],
    "disk_size_gb": ["1024", "64", "127", "0", "var.x"], "memory": ["16384", "4096"], "num_cpus": ["8", "4"],
    "guest_id": ["\"windows9Server64Guest\"", "\"windows8Server64Guest\"", "\"otherGuest64\""],
    "vhd_type": ["\"Fixed\"", "\"Dynamic\""], "path": ["\"D:\\\\vm\\\\os.vhdx\"", "\"\\\\\\\\fs\\\\s\\\\d.vhdx\""],
    "managed_disk_id": ["azurerm_managed_disk.d.id", "azurerm_managed_disk.db.id"],
    "virtual_machine_id": ["azurerm_windows_virtual_machine.vm.id", "azurerm_windows_virtual_machine.exch01.id"],
    "lun": ["0", "1"], "thin_provisioned": ["true", "false"], "processor_count": ["8"], "tags": ["{role = \"exchange\"}"],
    "count": ["2", "0", "var.x"], "for_each": ["toset([\"a\", \"b\"])", "var.disks", "{}"],
}


def _attribute_value(name: str):
    if name in PLAUSIBLE:
        return st.one_of(st.sampled_from(PLAUSIBLE[name]), st.sampled_from(PLAUSIBLE[name]), hcl_expr)
    return hcl_expr


_attribute = st.sampled_from(ATTRIBUTES + ["count", "for_each"]).flatmap(
    lambda name: _attribute_value(name).map(lambda value: f"  {name} = {value}\n"))


def _body(depth: int):
    attrs = st.lists(_attribute, max_size=6).map("".join)
    if depth == 0:
        return attrs
    nested = st.lists(st.tuples(st.sampled_from(BLOCKS), _body(depth - 1)), max_size=2)
    return st.tuples(attrs, nested).map(lambda t: t[0] + "".join(f"  {b} {{\n{body}  }}\n" for b, body in t[1]))


hcl_block = st.one_of(
    st.tuples(st.sampled_from(RESOURCE_TYPES), st.sampled_from(["vm", "d", "exch01", "db"]), _body(2))
    .map(lambda t: f'resource "{t[0]}" "{t[1]}" {{\n{t[2]}}}\n'),
    st.tuples(st.sampled_from(RESOURCE_TYPES), st.sampled_from(["vm", "d", "exch01", "db"]), _body(2))
    .map(lambda t: f'resource "{t[0]}" "{t[1]}" {{\n{t[2]}}}\n'),
    st.tuples(st.sampled_from(["x", "disks", "name"]), hcl_expr)
    .map(lambda t: f'variable "{t[0]}" {{\n  default = {t[1]}\n}}\n'),
    st.lists(st.tuples(st.sampled_from(["name", "m", "n"]), hcl_expr), min_size=1, max_size=3, unique_by=lambda t: t[0])
    .map(lambda kv: "locals {\n" + "".join(f"  {k} = {v}\n" for k, v in kv) + "}\n"),
    hcl_expr.map(lambda e: f'output "out" {{\n  value = {e}\n}}\n'),
    st.tuples(st.sampled_from(["./m", "./", "../", "./missing", "./m\\ud800", "./m\\u0000"]), hcl_expr)
    .map(lambda t: f'module "m" {{\n  source = "{t[0]}"\n  x = {t[1]}\n}}\n'),
)


@st.composite
def hcl_files(draw):
    """A module of generated blocks, sometimes damaged by one edit (then often an EXV000)."""
    text = "".join(draw(st.lists(hcl_block, min_size=1, max_size=5)))
    edit = draw(st.sampled_from(["none"] * 5 + ["insert", "delete", "truncate"]))
    if edit != "none":
        pos = draw(st.integers(0, len(text)))
        if edit == "insert":
            text = text[:pos] + draw(st.sampled_from(list('{}[]()"=$%#\\\n') + ["${", "<<EOF\n", "\x00", "\ufeff"])) + text[pos:]
        elif edit == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 10)):]
        else:
            text = text[:pos]
    files = {"main.tf": text}
    if draw(st.booleans()):
        files["m/main.tf"] = 'variable "x" {}\noutput "out" {\n  value = var.x\n}\n' + draw(hcl_block)
    return files


@FAST
@given(hcl_files(), st.booleans(), st.booleans())
@example({"main.tf": 'module "m" {\n  source = "./m\\ud800"\n}\n'}, False, False)  # no such file name anywhere
@example({"main.tf": 'resource "hyperv_vhd" "exch01" {\n  size = 1' + "0" * 400 + '\n}\n'}, True, True)  # past 64 bits
def test_any_hcl_is_linted_or_an_input_error(files, strict, all_vms):
    _assert_survives(files, strict=strict, all_vms=all_vms)


# -- JSON values, plans, variables files ------------------------------------------------------------

json_scalar = st.one_of(st.none(), st.booleans(), st.integers(-10 ** 20, 10 ** 20),
                        st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12),
                        st.sampled_from(STRINGS + ["exch-mbx-01", "Windows Server 2012 R2", "128", "true"]))
json_value = st.recursive(json_scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)), max_leaves=12)


def _maybe(strategy, other=json_value):
    """Mostly the value a well-formed input has there, one time in eight anything else."""
    return st.integers(0, 7).flatmap(lambda i: other if i == 7 else strategy)


def _plausible_json(name: str):
    """PLAUSIBLE's literal values for an attribute, as a plan holds them."""
    literals = []
    for text in PLAUSIBLE.get(name, []):
        try:
            value = json.loads(text)
        except ValueError:  # a reference or an expression: not a value in a plan
            continue
        if not (isinstance(value, str) and "${" in value):
            literals.append(value)
    return _maybe(st.sampled_from(literals)) if literals else json_value


plan_values = st.lists(st.sampled_from(ATTRIBUTES + BLOCKS).flatmap(lambda k: _plausible_json(k).map(lambda v: (k, v))),
                       max_size=7).map(dict)
plan_resource = st.fixed_dictionaries({
    "address": _maybe(st.sampled_from(["azurerm_managed_disk.d", "module.m.azurerm_windows_virtual_machine.vm",
                                       "vsphere_virtual_machine.v[0]", "hyperv_vhd.h[\"a\"]"])),
    "mode": _maybe(st.sampled_from(["managed", "data"])),
    "type": _maybe(st.sampled_from(RESOURCE_TYPES)),
    "name": _maybe(st.sampled_from(["vm", "d", "v", "h"])),
    "index": _maybe(st.one_of(st.integers(0, 3), st.text(max_size=4))),
    "provider_name": _maybe(st.just("registry.terraform.io/hashicorp/azurerm")),
    "values": _maybe(plan_values),
}, optional={"sensitive_values": json_value})
plan_module = st.recursive(
    st.fixed_dictionaries({"resources": _maybe(st.lists(plan_resource, max_size=4))}),
    lambda inner: st.fixed_dictionaries({"address": _maybe(st.just("module.m")),
                                         "resources": _maybe(st.lists(plan_resource, max_size=3)),
                                         "child_modules": _maybe(st.lists(inner, max_size=2))}),
    max_leaves=3)
plan_doc = st.fixed_dictionaries(
    {"format_version": _maybe(st.just("1.2")), "planned_values": _maybe(st.fixed_dictionaries({"root_module": plan_module}))},
    optional={
        "resource_changes": _maybe(st.lists(st.fixed_dictionaries({
            "address": _maybe(st.just("azurerm_managed_disk.d")),
            "change": _maybe(st.fixed_dictionaries({"after_unknown": _maybe(plan_values)}))}), max_size=3)),
        "configuration": _maybe(st.fixed_dictionaries({
            "provider_config": _maybe(st.dictionaries(st.sampled_from(["azurerm", "vsphere", "hyperv"]),
                                                      st.fixed_dictionaries({"name": _maybe(st.text(max_size=8)),
                                                                             "expressions": json_value}))),
            "root_module": _maybe(st.fixed_dictionaries({
                "resources": _maybe(st.lists(json_value, max_size=2)),
                "module_calls": _maybe(st.dictionaries(st.sampled_from(["m", "n"]), st.fixed_dictionaries({
                    "source": _maybe(st.sampled_from(["./m", "../outside", "/etc", "registry/x/y"])),
                    "module": json_value}), max_size=2))}))})),
        "variables": json_value,
    })


@FAST
@given(plan_doc, st.sampled_from([None, 1, 2]), st.booleans())
def test_any_plan_is_read_or_an_input_error(doc, indent, all_vms):
    _assert_survives({"plan.json": json.dumps(doc, indent=indent)}, strict=True, all_vms=all_vms)


# a module whose every variable reaches an attribute some adapter reads: values of any type flow
# from the variables file through evaluation into the adapters and rules
TFVARS_MODULE = '''
variable "name" {}
variable "size" {}
variable "disk_type" {}
variable "disk_gb" {}
variable "disks" {}
variable "tags" {}
resource "azurerm_windows_virtual_machine" "vm" {
  name = var.name
  size = var.size
  tags = var.tags
  os_disk {
    storage_account_type = var.disk_type
    disk_size_gb         = var.disk_gb
  }
}
resource "azurerm_managed_disk" "d" {
  for_each             = var.disks
  name                 = "${var.name}-${each.key}"
  storage_account_type = each.value
  disk_size_gb         = var.disk_gb
}
resource "azurerm_virtual_machine_data_disk_attachment" "d" {
  for_each           = var.disks
  managed_disk_id    = azurerm_managed_disk.d[each.key].id
  virtual_machine_id = azurerm_windows_virtual_machine.vm.id
  lun                = 0
}
'''
tfvars = st.fixed_dictionaries({
    "name": _maybe(st.sampled_from(["exch01", "EXCH-MBX-02", "web01"])),
    "size": _maybe(st.sampled_from(["Standard_E8s_v5", "Standard_B2s", "Standard_E2s_v5"])),
    "disk_type": _maybe(st.sampled_from(["Premium_LRS", "Standard_LRS", "UltraSSD_LRS"])),
    "disk_gb": _maybe(st.integers(-1, 70000)),
    "disks": _maybe(st.dictionaries(st.text(max_size=5), st.sampled_from(["Premium_LRS", "Standard_LRS"]), max_size=3)),
    "tags": _maybe(st.dictionaries(st.sampled_from(["role", "exchange", "x"]), json_value, max_size=2)),
})


def _hcl_value(value) -> str:
    """A JSON value as an HCL expression (for terraform.tfvars)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if math.isfinite(value) else "0"
    if isinstance(value, str):
        return json.dumps(value).replace("${", "$${").replace("%{", "%%{")
    if isinstance(value, list):
        return "[" + ", ".join(_hcl_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {_hcl_value(v)}" for k, v in value.items()) + "}"


@FAST
@given(tfvars, st.booleans(), st.booleans())
def test_any_variable_values_are_linted(values, as_json, strict):
    files = {"main.tf": TFVARS_MODULE}
    if as_json:
        files["terraform.tfvars.json"] = json.dumps(values)
    else:
        files["terraform.tfvars"] = "".join(f"{k} = {_hcl_value(v)}\n" for k, v in values.items())
    _assert_survives(files, strict=strict)


# -- configuration ----------------------------------------------------------------------------------

_rule_ids = st.lists(st.sampled_from(["EXV301", "EXV307", "non-premium-storage", "EXV999"]), max_size=2)
CONFIG_SECTIONS = {
    "exchange": st.fixed_dictionaries({}, optional={
        "vms": _maybe(st.lists(st.sampled_from(["azurerm_windows_virtual_machine.vm", "*exch*", "*[*]"]), max_size=2)),
        "exclude": _maybe(st.lists(st.sampled_from(["*-test-*", "web*"]), max_size=2)),
        "name_patterns": _maybe(st.lists(st.sampled_from(["*exch*", "*", "EXCH??", ""]), max_size=2)),
        "version": _maybe(st.sampled_from([2013, 2016, 2019, "SE", "2019 CU14", "2010"])),
        "cu": _maybe(st.sampled_from([14, "CU23", -1, 1000])),
        "scope": _maybe(st.sampled_from(["all", "detected", "some"])),
        "transport_queue_on_os_disk": _maybe(st.booleans())}),
    "rules": st.fixed_dictionaries({}, optional={
        "select": _maybe(_rule_ids), "ignore": _maybe(_rule_ids),
        "level": _maybe(st.dictionaries(st.sampled_from(["EXV301", "EXV307", "x"]),
                                        st.sampled_from(["error", "warning", "note", "none"]), max_size=2))}),
    "hosts": st.lists(st.fixed_dictionaries({"name": _maybe(st.sampled_from(["h1", "127.0.0.1"])),
                                             "physical_cores": _maybe(st.integers(-1, 64))},
                                            optional={"other_vcpus": _maybe(st.integers(-1, 64)),
                                                      "os": _maybe(st.sampled_from(["Windows Server 2012 R2"]))}),
                      max_size=2),
    "vsphere": st.fixed_dictionaries({"nas_datastores": _maybe(st.lists(st.text(max_size=5), max_size=2))}),
    "azure": st.fixed_dictionaries({"smtp_relay": _maybe(st.booleans())}),
    "guest_os": st.dictionaries(st.sampled_from(["azurerm_windows_virtual_machine.vm", "*"]),
                                _maybe(st.sampled_from(["Windows Server 2019", "Windows Server 2008 R2", "OS/2"]))),
    "fail_level": st.sampled_from(["error", "warning", "note", "none", "all"]),
    "paths": st.fixed_dictionaries({"exclude": _maybe(st.lists(st.sampled_from(["m/*", "*"]), max_size=1))}),
    "limits": st.fixed_dictionaries({}, optional={name: _maybe(st.integers(-1, 10 ** 7))
                                                  for name in ("instances", "evaluation_steps", "nesting_depth",
                                                               "collection_size", "file_bytes")}),
    "baseline": json_value,
}
config_doc = st.lists(st.sampled_from(sorted(CONFIG_SECTIONS) + ["nope"]), max_size=4, unique=True).flatmap(
    lambda keys: st.fixed_dictionaries({k: _maybe(CONFIG_SECTIONS.get(k, json_value)) for k in keys}))


GOOD_TFVARS = ('name = "exch01"\nsize = "Standard_E8s_v5"\ndisk_type = "Premium_LRS"\ndisk_gb = 64\n'
               'disks = {db = "Standard_LRS"}\ntags = {}\n')


@FAST
@given(config_doc, st.sampled_from(["", "hosts:\n  - &h {name: h1, physical_cores: 8}\n  - {<<: *h, name: h2}\n",
                                    "guest_os: !!map {'*': &w Windows Server 2019, x: *w}\n", "? [a]\n: 1\n"]))
def test_any_configuration_is_applied_or_a_configuration_error(doc, extra):
    text = yaml.safe_dump(doc) + extra
    _assert_survives({".exvlint.yaml": text, "main.tf": TFVARS_MODULE, "terraform.tfvars": GOOD_TFVARS})


# -- jsonpos against the standard library -----------------------------------------------------------

STDLIB_ONLY = ("NaN", "Infinity")  # json.loads accepts them; RFC 8259, Terraform and ARM do not


def _same(a, b) -> bool:
    """Equal values of the same JSON types (1 is not 1.0 is not True)."""
    if type(a) is not type(b) and not (isinstance(a, type(b)) or isinstance(b, type(a))):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)):
        return isinstance(a, int) == isinstance(b, int) and a == b
    return a == b


@QUICK
@given(json_value, st.sampled_from([None, 0, 2, "\t"]), st.booleans(), st.booleans())
def test_jsonpos_reads_what_json_reads(value, indent, ensure_ascii, sort_keys):
    text = json.dumps(value, indent=indent, ensure_ascii=ensure_ascii, sort_keys=sort_keys)
    assert _same(jsonpos.loads(text), json.loads(text))


def _at(text: str, line: int, col: int) -> int:
    """The offset of a (line, column) position."""
    return sum(len(t) + 1 for t in text.split("\n")[: line - 1]) + col - 1


@QUICK
@given(st.recursive(json_scalar, lambda inner: st.one_of(
    st.lists(inner, min_size=1, max_size=4), st.dictionaries(st.text(max_size=8), inner, min_size=1, max_size=4)),
    max_leaves=12), st.sampled_from([None, 1, 2]))
def test_jsonpos_positions_point_at_what_they_locate(value, indent):
    """A finding at a key or an item names the line where the user wrote it."""
    text = json.dumps(value, indent=indent)
    decoder = json.JSONDecoder()

    def check(node):
        if isinstance(node, jsonpos.PosDict):
            assert text[_at(text, node.line, node.col)] == "{"
            for key, (line, col) in node.key_lines.items():
                assert decoder.raw_decode(text, _at(text, line, col))[0] == key
                check(node[key])
        elif isinstance(node, jsonpos.PosList):
            assert text[_at(text, node.line, node.col)] == "["
            for item, (line, col) in zip(node, node.item_lines):
                assert _same(decoder.raw_decode(text, _at(text, line, col))[0], item)
                check(item)

    check(jsonpos.loads(text))


json_text = st.one_of(
    st.lists(st.sampled_from(list('{}[],:"\\ \n\t0123456789-+.eEtrufalsnIiNy') + ["\\u", "\ud800", "\x00"]),
             max_size=30).map("".join),
    json_value.map(json.dumps).flatmap(lambda t: st.tuples(st.just(t), st.integers(0, len(t)), st.integers(0, 3))
                                       .map(lambda x: x[0][:x[1]] + x[0][x[1] + x[2]:])),
)


@QUICK
@given(json_text)
@example("1" * 5000)  # past Python's digit limit for int(): a float, never a ValueError
@example("[" * 5000 + "]" * 5000)
@example('"\\ud800"')
def test_jsonpos_refuses_what_json_refuses(text):
    try:
        expected = json.loads(text)
    except (ValueError, RecursionError):
        expected = ValueError
    try:
        got = jsonpos.loads(text)
    except jsonpos.JSONPosError as exc:  # the only exception it raises, with a position inside the text
        assert 1 <= exc.line <= text.count("\n") + 1
        deep = text.count("[") + text.count("{") >= 200
        assert expected is ValueError or deep or any(word in text for word in STDLIB_ONLY), exc
        return
    if expected is ValueError:  # only a number past the digit limit, which jsonpos reads as a float
        assert isinstance(got, float) or any(isinstance(v, float) for v in _leaves(got))
    else:
        assert _same(got, expected)


def _leaves(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


# -- Terraform values ----------------------------------------------------------------------------

tf_scalar = st.one_of(st.none(), st.booleans(), st.integers(-10 ** 30, 10 ** 30),
                      st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=6),
                      st.sampled_from(["1", "1.0", "true", "0"]), st.builds(Unknown, st.sampled_from(["r1", "r2"])))
tf_value = st.recursive(tf_scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3)), max_leaves=8)


@QUICK
@given(tf_value, tf_value)
def test_equal_is_symmetric(a, b):
    assert equal(a, b) == equal(b, a)


@QUICK
@given(tf_value)
def test_equal_is_reflexive_unless_unknown(a):
    """A value equals itself; one that holds an unknown is undecided (None), never unequal."""
    assert equal(a, a) is (None if contains_unknown(a) else True)


@QUICK
@given(st.one_of(st.integers(-10 ** 30, 10 ** 30), st.floats(allow_nan=False, allow_infinity=False)))
def test_numbers_round_trip_through_their_text(n):
    """"${n}" and tonumber() of it: the same number, written without exponent or trailing .0."""
    text = to_string(n)
    assert "e" not in text.lower() and not text.endswith(".0")
    assert to_number(text) == n and to_string(to_number(text)) == text


number_text_strategy = st.builds(
    lambda sign, whole, frac, exp: f"{sign}{whole}{frac}{exp}",
    st.sampled_from(["", "-", "+"]), st.integers(0, 10 ** 20).map(str),
    st.one_of(st.just(""), st.integers(0, 10 ** 6).map(lambda f: f".{f}")),
    st.one_of(st.just(""), st.integers(-300, 300).map(lambda e: f"e{e}")))


@QUICK
@given(number_text_strategy)
def test_number_text_converts_to_its_canonical_form(text):
    """tostring(tonumber(s)) is a fixed point: converting its result again changes nothing."""
    n = to_number(text)
    assert isinstance(n, (int, float)) and not isinstance(n, bool)
    canonical = to_string(n)
    assert to_string(to_number(canonical)) == canonical
    assert equal(to_number(canonical), n)


@QUICK
@given(st.text(max_size=20))
@example("1e999999999999")
@example("9" * 5000)
@example("nan")
@example("Infinity")
@example("0x10")
@example("1_000")
def test_to_number_accepts_decimal_text_only(text):
    """Any string converts to a number or is an EvalError Terraform would report; nothing else."""
    try:
        n = to_number(text)
    except EvalError:
        return
    assert isinstance(n, int) and not isinstance(n, bool) or isinstance(n, float) and not math.isnan(n)
    assert any(ch in "0123456789" for ch in text) and not any(w in text.lower() for w in ("nan", "inf", "x", "_"))


@QUICK
@given(st.one_of(st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8), st.none()))
def test_bools_convert_only_from_their_words(value):
    try:
        b = to_bool(value)
    except EvalError:
        assert value not in ("true", "false", "1", "0") and not isinstance(value, bool)
        return
    assert b is {"true": True, "1": True, "false": False, "0": False}.get(value, value)
    assert to_bool(to_string(b)) is b


any_number = st.one_of(st.integers(), st.integers(10 ** 300, 10 ** 450).map(lambda n: n * (-1) ** (n % 2)),
                      st.floats(allow_nan=False))


@QUICK
@given(any_number, st.sampled_from(["+", "-", "*", "/", "%", "<", ">=", "==", "!="]), any_number)
@example(10 ** 400, "/", 3)  # an integer past a float's range, divided
@example(10 ** 400, "+", 0.5)
def test_arithmetic_gives_a_value_or_an_eval_error(a, op, b):
    """What Terraform could compute and exvlint cannot is an EvalError (then unknown), never a
    Python exception that loses the module."""
    try:
        result = binary_op(op, a, b)
    except EvalError:
        return
    assert isinstance(result, (int, float, bool))


@QUICK
@given(any_number)
@example(10 ** 5000)  # past Python's digit limit for str(int)
def test_every_number_has_a_text_form_or_an_eval_error(n):
    try:
        text = to_string(n)
    except EvalError:
        return
    assert text in ("+Inf", "-Inf") or to_number(text) == n


def test_number_text_has_terraform_form():
    assert [number_text(x) for x in (1, 1.5, 1e21, 1e-7, -0.0, 2 ** 64)] == \
        ["1", "1.5", "1000000000000000000000", "0.0000001", "0", "18446744073709551616"]


# -- determinism ------------------------------------------------------------------------------------

FIXTURES = ROOT / "tests" / "fixtures"
# every fixture tree with Terraform in it and no configuration of its own (one tree's configuration
# would not apply to the others beside it)
FIXTURE_TREES = sorted({p.parent for kind in ("rules", "terraform", "adapters") for p in (FIXTURES / kind).glob("**/*.tf")
                        if p.parent.parent.name != "modules"}
                       - {p.parent for p in FIXTURES.glob("**/.exvlint.yaml")})
ORDER_SENSITIVE = [FIXTURES / "terraform" / name for name in ("duplicate_resource", "override_merge")]


@contextmanager
def _shuffled_listings(seed: int):
    """The filesystem lists directories in another order (as another machine's filesystem may)."""
    rng = random.Random(seed)
    real_listdir, real_scandir = os.listdir, os.scandir

    def listdir(path="."):
        names = real_listdir(path)
        rng.shuffle(names)
        return names

    class _Scandir:  # an iterator and a context manager, as os.scandir's result is
        def __init__(self, path="."):
            with real_scandir(path) as it:
                self._entries = list(it)
            rng.shuffle(self._entries)
            self._iter = iter(self._entries)

        def __iter__(self):
            return self

        def __next__(self):
            return next(self._iter)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

        def close(self):
            return None

    os.listdir, os.scandir = listdir, _Scandir
    try:
        yield
    finally:
        os.listdir, os.scandir = real_listdir, real_scandir


@settings(FAST, max_examples=12)
@given(st.lists(st.sampled_from(FIXTURE_TREES), min_size=1, max_size=4, unique=True), st.integers(0, 2 ** 16))
@example(ORDER_SENSITIVE, 1)  # which file is "first defined in" and which one overrides depend on the order read
def test_findings_do_not_depend_on_run_or_listing_order(cases, seed):
    """Several fixture trees side by side: two runs, the second with every directory listed in
    another order, write the same bytes in every format."""
    with _tree({}) as directory:
        for i, case in enumerate(cases):
            shutil.copytree(case, directory / f"{i}-{case.name}", ignore=shutil.ignore_patterns("case.yaml"))
        first = _run(directory, all_vms=True, strict=True)[2]
        with _shuffled_listings(seed):
            second = _run(directory, all_vms=True, strict=True)[2]
    assert first == second


def test_findings_do_not_depend_on_the_hash_seed(run_cli):
    """Sets and dicts iterate in another order under another PYTHONHASHSEED; reports must not."""
    runs = [run_cli("check", "examples", "--all-vms", "--strict", "--format", "json", env={"PYTHONHASHSEED": seed})
            for seed in ("0", "4242")]
    # the summary on standard error ends with the run's duration, which the seed does not decide
    runs = [(code, out, re.sub(r"; [0-9.]+ s$", "", err.strip())) for code, out, err in runs]
    assert runs[0] == runs[1]
    assert json.loads(runs[0][1])["findings"]


def test_a_bare_namespace_is_not_a_value():
    """`var` or a resource type alone is no value (Terraform rejects the reference): an unknown
    that says so, never the repr of an internal object, whose address changes from run to run."""
    files = {"main.tf": 'resource "azurerm_windows_virtual_machine" "exch01" {\n  name = "exch01"\n  size = var\n'
                        '  source_image_reference {\n    sku = azurerm_managed_disk\n  }\n}\n'}
    with _tree(files) as directory:
        first, second = (_run(directory, strict=True)[2] for _ in range(2))
    assert first == second
    assert "size: var is not a value on its own" in first["text"] and " object at 0x" not in first["json"]
