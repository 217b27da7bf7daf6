"""The ARM template language: expressions, functions and template evaluation.

Expected values are the ones the ARM template function reference documents for its examples
(learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-*), not values read
back from this implementation.
"""
from __future__ import annotations

import json
import os
import re

import pytest

from exvlint import jsonpos
from exvlint.arm.context import ARTIFACTS_BASE
from exvlint.arm.expressions import ExpressionError, is_expression, parse, unescape
from exvlint.arm.template import evaluate
from exvlint.paths import Boundary
from exvlint.terraform.values import Unknown, collect_refs, plain

TEMPLATE_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


def outputs(template: dict, parameters: dict | None = None) -> dict:
    """Evaluate a template's outputs (as a deployment would report them)."""
    doc = jsonpos.loads(json.dumps({"$schema": TEMPLATE_SCHEMA, "contentVersion": "1.0.0.0", "resources": [],
                                    **template}))
    params = None
    if parameters is not None:
        pdoc = jsonpos.loads(json.dumps({"parameters": {k: {"value": v} for k, v in parameters.items()}}))
        params = [("t.parameters.json", pdoc)]
    from exvlint.arm.template import Evaluation, Frame
    from exvlint.arm.result import ArmResult

    result = ArmResult("t.json")
    ev = Evaluation(result, None, ".")
    frame = Frame(ev, doc, "t.json", inputs=_inputs(params))
    return {k: plain(v["value"]) for k, v in frame.outputs().items()}


def _inputs(params):
    from exvlint.arm.documents import parameter_inputs

    out = {}
    for path, pdoc in params or []:
        out.update(parameter_inputs(pdoc, path))
    return out


def expr(text: str, **parameters):
    """The value of one expression, with string/int/array/object parameters as given."""
    decls = {k: {"type": _type(v), "defaultValue": v} for k, v in parameters.items()}
    return outputs({"parameters": decls, "outputs": {"x": {"type": "object", "value": f"[{text}]"}}})["x"]


def _type(v):
    return {bool: "bool", int: "int", str: "string", list: "array", dict: "object"}.get(type(v), "object")


# --------------------------------------------------------------------------- syntax


def test_which_strings_are_expressions():
    assert is_expression("[parameters('x')]")
    assert not is_expression("[[parameters('x')]")  # ARM's escape for a literal bracket
    assert unescape("[[not an expression]") == "[not an expression]"
    assert not is_expression("plain") and not is_expression(" [x()]")


def test_string_literals_double_single_quotes():
    assert expr("concat('it''s', ' ok')") == "it's ok"


def test_function_names_compare_without_case():
    assert expr("CONCAT('a', ToUpper('b'))") == "aB"


def test_property_and_index_access():
    assert expr("parameters('o').inner['key-with-dash'][1]", o={"inner": {"key-with-dash": [10, 20]}}) == 20


def test_property_names_compare_without_case():
    assert expr("parameters('o').NaMe", o={"name": "exch01"}) == "exch01"


@pytest.mark.parametrize("text", ["[concat('a'", "[concat('a',)]", "[parameters('x').]", "['unterminated]",
                                  "[foo bar]"])
def test_syntax_errors_are_errors_not_crashes(text):
    with pytest.raises(ExpressionError):
        parse(text)


def test_deep_nesting_is_an_error_not_a_recursion_error():
    with pytest.raises(ExpressionError):
        parse("[" + "concat(" * 300 + "'a'" + ")" * 300 + "]")


# --------------------------------------------------------------------------- documented function examples


@pytest.mark.parametrize("text,expected", [
    # string functions
    ("base64('one, two, three')", "b25lLCB0d28sIHRocmVl"),
    ("base64ToString('b25lLCB0d28sIHRocmVl')", "one, two, three"),
    ("base64ToJson('eyJvbmUiOiAiYSIsICJ0d28iOiAiYiJ9')", {"one": "a", "two": "b"}),
    ("dataUri('Hello')", "data:text/plain;charset=utf8;base64,SGVsbG8="),
    ("dataUriToString('data:;base64,SGVsbG8sIFdvcmxkIQ==')", "Hello, World!"),
    ("format('{0}, {1}. Formatted number: {2:N0}', 'Hello', 'User', 8175133)", "Hello, User. Formatted number: 8,175,133"),
    ("indexOf('test', 't')", 0),
    ("lastIndexOf('test', 't')", 3),
    ("indexOf('abcdef', 'CD')", 2),
    ("lastIndexOf('abcdef', 'AB')", 0),
    ("indexOf('abcdef', 'z')", -1),
    ("length('One Two Three')", 13),
    ("length(createArray('one', 'two', 'three'))", 3),
    ("length(createObject('propA', 'one', 'propB', 'two', 'propC', 'three', 'propD', createObject('propD-1', 'sub')))", 4),
    ("padLeft('123', 10, '0')", "0000000123"),
    ("replace('123-123-1234', '-', '')", "1231231234"),
    ("replace('123-123-1234', '1234', 'xxxx')", "123-123-xxxx"),
    ("skip(createArray('one', 'two', 'three'), 2)", ["three"]),
    ("skip('one two three', 4)", "two three"),
    ("split('one,two,three', ',')", ["one", "two", "three"]),
    ("split('one;two,three', createArray(',', ';'))", ["one", "two", "three"]),
    ("startsWith('abcdef', 'ab')", True),
    ("startsWith('abcdef', 'A')", True),
    ("startsWith('abcdef', 'e')", False),
    ("endsWith('abcdef', 'ef')", True),
    ("endsWith('abcdef', 'F')", True),
    ("endsWith('abcdef', 'e')", False),
    ("string(createObject('valueA', 10, 'valueB', 'Example Text'))", '{"valueA":10,"valueB":"Example Text"}'),
    ("string(createArray('a', 'b', 'c'))", '["a","b","c"]'),
    ("string(5)", "5"),
    ("substring('one two three', 4, 3)", "two"),
    ("take(createArray('one', 'two', 'three'), 2)", ["one", "two"]),
    ("take('one two three', 2)", "on"),
    ("toLower('One Two Three')", "one two three"),
    ("toUpper('One Two Three')", "ONE TWO THREE"),
    ("trim('    one two three   ')", "one two three"),
    ("first(createArray('one', 'two', 'three'))", "one"),
    ("first('One Two Three')", "O"),
    ("last(createArray('one', 'two', 'three'))", "three"),
    ("last('One Two Three')", "e"),
    ("uri('http://contoso.com/resources/', 'nested/azuredeploy.json')", "http://contoso.com/resources/nested/azuredeploy.json"),
    ("uriComponent('http://contoso.com/resources/nested/azuredeploy.json')",
     "http%3A%2F%2Fcontoso.com%2Fresources%2Fnested%2Fazuredeploy.json"),
    ("uriComponentToString('http%3A%2F%2Fcontoso.com%2Fresources%2Fnested%2Fazuredeploy.json')",
     "http://contoso.com/resources/nested/azuredeploy.json"),
    # array and object functions
    ("contains('OneTwoThree', 'e')", True),
    ("contains('OneTwoThree', 'z')", False),
    ("contains(createObject('one', 'a', 'two', 'b', 'three', 'c'), 'one')", True),
    ("contains(createObject('one', 'a', 'two', 'b', 'three', 'c'), 'a')", False),
    ("contains(createArray('one', 'two', 'three'), 'three')", True),
    ("contains(createArray('one', 'two', 'three'), 'four')", False),
    ("empty(createArray())", True),
    ("empty(createObject())", True),
    ("empty('')", True),
    ("concat(createArray('1-1', '1-2', '1-3'), createArray('2-1', '2-2', '2-3'))",
     ["1-1", "1-2", "1-3", "2-1", "2-2", "2-3"]),
    ("range(1, 5)", [1, 2, 3, 4, 5]),
    ("union(createObject('one', 'a', 'two', 'b', 'three', 'c1'), createObject('three', 'c2', 'four', 'd', 'five', 'e'))",
     {"one": "a", "two": "b", "three": "c2", "four": "d", "five": "e"}),
    ("union(createArray('one', 'two', 'three'), createArray('three', 'four'))", ["one", "two", "three", "four"]),
    ("union(createObject('property', createObject('one', 'a', 'two', 'b', 'three', 'c1'), 'nestedArray', createArray(1, 2)),"
     " createObject('property', createObject('three', 'c2', 'four', 'd', 'five', 'e'), 'nestedArray', createArray(3, 4)))",
     {"property": {"one": "a", "two": "b", "three": "c2", "four": "d", "five": "e"}, "nestedArray": [3, 4]}),
    ("intersection(createObject('one', 'a', 'two', 'b', 'three', 'c'), createObject('one', 'a', 'two', 'z', 'three', 'c'))",
     {"one": "a", "three": "c"}),
    ("intersection(createArray('one', 'two', 'three'), createArray('two', 'three'))", ["two", "three"]),
    ("min(createArray(0, 3, 2, 5, 4))", 0),
    ("max(0, 3, 2, 5, 4)", 5),
    ("createArray(1, 2, 3)", [1, 2, 3]),
    ("array('efgh')", ["efgh"]),
    ("json('{\"a\": \"b\"}')", {"a": "b"}),
    ("json('null')", None),
    ("coalesce(null(), null(), 'default')", "default"),
    ("objectKeys(createObject('a', 1, 'b', 2))", ["a", "b"]),
    ("flatten(createArray(createArray('one', 'two'), createArray('three'), createArray('four', 'five')))",
     ["one", "two", "three", "four", "five"]),
    ("shallowMerge(createArray(createObject('one', 'a'), createObject('two', 'b'), createObject('two', 'c')))",
     {"one": "a", "two": "c"}),
    ("tryGet(createObject('a', createObject('b', 1)), 'a', 'b')", 1),
    ("tryGet(createObject('a', 1), 'missing')", None),
    ("indexFromEnd(createArray('one', 'two', 'three'), 1)", "three"),
    ("tryIndexFromEnd(createArray('one'), 5)", None),
    # numeric and logical
    ("add(5, 3)", 8), ("sub(7, 3)", 4), ("mul(5, 3)", 15), ("div(8, 3)", 2), ("mod(7, 3)", 1),
    ("int('4')", 4),
    ("and(bool('true'), bool('false'))", False),
    ("or(bool('true'), bool('false'))", True),
    ("not(bool('true'))", False),
    ("bool(1)", True), ("bool(0)", False), ("bool('false')", False),
    ("equals('abc', 'ABC')", False),
    ("equals(createArray(1, 2), createArray(1, 2))", True),
    ("if(equals('a', 'a'), 'yes', 'no')", "yes"),
    ("greaterOrEquals(10, 10)", True), ("less('a', 'b')", True),
])
def test_documented_examples(text, expected):
    assert expr(text) == expected


def test_lambda_functions_as_documented():
    dogs = [{"name": "Evie", "age": 5, "interests": ["Ball", "Frisbee"]},
            {"name": "Casper", "age": 3, "interests": ["Other dogs"]},
            {"name": "Indy", "age": 2, "interests": ["Butter"]},
            {"name": "Kira", "age": 8, "interests": ["Rubs"]}]
    assert expr("filter(parameters('dogs'), lambda('dog', greaterOrEquals(lambdaVariables('dog').age, 5)))",
                dogs=dogs) == [dogs[0], dogs[3]]
    assert expr("map(parameters('dogs'), lambda('dog', lambdaVariables('dog').name))", dogs=dogs) == \
        ["Evie", "Casper", "Indy", "Kira"]
    assert expr("reduce(map(parameters('dogs'), lambda('d', lambdaVariables('d').age)), 0, "
                "lambda('cur', 'next', add(lambdaVariables('cur'), lambdaVariables('next'))))", dogs=dogs) == 18
    assert [d["name"] for d in expr("sort(parameters('dogs'), lambda('a', 'b', less(lambdaVariables('a').age, "
                                    "lambdaVariables('b').age)))", dogs=dogs)] == ["Indy", "Casper", "Evie", "Kira"]
    assert expr("toObject(parameters('dogs'), lambda('entry', lambdaVariables('entry').name))", dogs=dogs)["Kira"] == dogs[3]
    assert expr("map(range(0, 2), lambda('i', 'ix', add(lambdaVariables('i'), lambdaVariables('ix'))))") == [0, 2]


def test_items_sorts_by_key():
    value = {"item002": {"enabled": False, "displayName": "Example item 2"},
             "item001": {"enabled": True, "displayName": "Example item 1"}}
    assert expr("items(parameters('o'))", o=value) == [{"key": "item001", "value": value["item001"]},
                                                       {"key": "item002", "value": value["item002"]}]


def test_format_specifiers():
    assert expr("format('{0:D3}-{1,4}|{2,-3}|{{x}}', 7, 'ab', 'c')") == "007-  ab|c  |{x}"
    assert expr("format('{0}', true())") == "True"  # .NET's Boolean.ToString()
    assert expr("format('{0:000}', 5)") == "005"


def test_unique_string_and_guid():
    # uniqueString: MurmurHash64 variant of Azure.Deployments.Expression; vectors as Bicep produces them
    # (published with open-source re-implementations)
    assert expr("uniqueString('test')") == "rbgf3xv4ufgzg"
    assert expr("uniqueString('hello', 'world')") == "a7wkljktk6wne"
    assert expr("uniqueString('/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/my-rg')") == \
        "bmg7c6xu4tw46"
    guid = expr("guid('a', 'b')")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", guid)
    assert guid == expr("guid('a', 'b')") != expr("guid('a', 'c')")


@pytest.mark.parametrize("text,expected", [
    ("resourceId('Microsoft.Network/virtualNetworks/subnets', 'myVnet', 'mySubnet')",
     "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/resourceGroup/providers/"
     "Microsoft.Network/virtualNetworks/myVnet/subnets/mySubnet"),
    ("resourceId('otherResourceGroup', 'Microsoft.Storage/storageAccounts', 'examplestorage')",
     "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/otherResourceGroup/providers/"
     "Microsoft.Storage/storageAccounts/examplestorage"),
    ("resourceId('11111111-1111-1111-1111-111111111111', 'otherResourceGroup', 'Microsoft.Storage/storageAccounts', 'st')",
     "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/otherResourceGroup/providers/"
     "Microsoft.Storage/storageAccounts/st"),
    ("subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'acdd72a7')",
     "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/acdd72a7"),
    ("tenantResourceId('Microsoft.Authorization/policyDefinitions', 'p1')",
     "/providers/Microsoft.Authorization/policyDefinitions/p1"),
    ("extensionResourceId(resourceGroup().id, 'Microsoft.Authorization/locks', 'lock1')",
     "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/resourceGroup/providers/"
     "Microsoft.Authorization/locks/lock1"),
    ("resourceGroup().location", "resourceGroupLocation"),
    ("environment().suffixes.storage", "core.windows.net"),
])
def test_resource_ids_and_placeholders(text, expected):
    assert expr(text) == expected


@pytest.mark.parametrize("text", ["utcNow()", "newGuid()", "reference('somewhere')", "listKeys('x', '2021-01-01')",
                                  "someFunctionNobodyWrote(1)", "parameters('undeclared')", "div(1, 0)",
                                  "createArray(1)[5]", "fail('stop')"])
def test_not_offline_or_invalid_is_unknown_not_a_crash(text):
    assert isinstance(expr(text), Unknown)


def test_reference_keeps_the_graph_edge():
    value = expr("concat(reference('st1').primaryEndpoints.blob, 'vhds/a.vhd')")
    assert isinstance(value, Unknown) and collect_refs(value)


def test_if_evaluates_only_the_branch_taken():
    assert expr("if(true(), 'ok', createArray(1)[9])") == "ok"
    assert expr("and(false(), createArray(1)[9])") is False


def test_parameter_names_compare_without_case():
    out = outputs({"parameters": {"EX1VMSize": {"type": "string", "defaultValue": "Standard_E8s_v5"}},
                   "outputs": {"x": {"type": "string", "value": "[parameters('ex1VMSize')]"}}})
    assert out["x"] == "Standard_E8s_v5"


def test_copy_variables_and_property_copy():
    out = outputs({"variables": {
        "copy": [{"name": "disks", "count": 3, "input": "[concat('disk', copyIndex('disks', 1))]"}],
        "obj": {"copy": [{"name": "items", "count": 2, "input": {"n": "[copyIndex('items')]"}}]}},
        "outputs": {"disks": {"type": "array", "value": "[variables('disks')]"},
                    "obj": {"type": "object", "value": "[variables('obj')]"}}})
    assert out["disks"] == ["disk1", "disk2", "disk3"]
    assert out["obj"] == {"items": [{"n": 0}, {"n": 1}]}


def test_user_defined_functions():
    out = outputs({"functions": [{"namespace": "contoso", "members": {"uniqueName": {
        "parameters": [{"name": "namePrefix", "type": "string"}],
        "output": {"type": "string", "value": "[concat(toLower(parameters('namePrefix')), '-x')]"}}}}],
        "outputs": {"x": {"type": "string", "value": "[contoso.uniqueName('EXCH')]"}}})
    assert out["x"] == "exch-x"


def test_secure_parameter_values_are_not_read():
    out = outputs({"parameters": {"pw": {"type": "securestring", "defaultValue": "hunter2"},
                                  "sas": {"type": "securestring", "defaultValue": ""}},
                   "outputs": {"pw": {"type": "string", "value": "[parameters('pw')]"},
                               "sas": {"type": "string", "value": "[parameters('sas')]"}}})
    assert isinstance(out["pw"], Unknown) and "hunter2" not in out["pw"].reason
    assert out["sas"] == ""  # an empty secret holds nothing, and the quickstarts append it to URIs


def test_deployment_template_link_is_the_template_folder():
    out = outputs({"outputs": {"x": {"type": "string",
                                     "value": "[uri(deployment().properties.templateLink.uri, 'nested/vm.json')]"}}})
    assert out["x"] == ARTIFACTS_BASE + "nested/vm.json"


# --------------------------------------------------------------------------- resources


def _evaluate(tmp_path, template: dict, name: str = "azuredeploy.json"):
    path = tmp_path / name
    path.write_text(json.dumps({"$schema": TEMPLATE_SCHEMA, "contentVersion": "1.0.0.0", **template}, indent=2))
    return evaluate(str(path), jsonpos.loads(path.read_text(), lenient=True), boundary=Boundary([str(tmp_path)]))


def test_conditions_copy_loops_and_child_resources(tmp_path):
    result = _evaluate(tmp_path, {"parameters": {"deployJump": {"type": "bool", "defaultValue": False}}, "resources": [
        {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2023-03-01", "name": "[concat('vm', copyIndex(1))]",
         "copy": {"name": "vms", "count": 2},
         "resources": [{"type": "extensions", "apiVersion": "2023-03-01", "name": "[concat('ext', copyIndex())]"}]},
        {"condition": "[parameters('deployJump')]", "type": "Microsoft.Compute/virtualMachines",
         "apiVersion": "2023-03-01", "name": "jump"}]})
    assert sorted(r.address for r in result.resources) == [
        "Microsoft.Compute/virtualMachines/extensions/vm1/ext0", "Microsoft.Compute/virtualMachines/extensions/vm2/ext1",
        "Microsoft.Compute/virtualMachines/vm1", "Microsoft.Compute/virtualMachines/vm2"]
    ext = next(r for r in result.resources if r.address.endswith("vm2/ext1"))
    assert ext.resource_id.endswith("/providers/Microsoft.Compute/virtualMachines/vm2/extensions/ext1")


def test_nested_deployment_outer_scope_sees_the_callers_parameters(tmp_path):
    result = _evaluate(tmp_path, {"parameters": {"vmName": {"type": "string", "defaultValue": "exch01"}}, "resources": [
        {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "nested",
         "properties": {"mode": "Incremental", "template": {
             "$schema": TEMPLATE_SCHEMA, "contentVersion": "1.0.0.0",
             "resources": [{"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2023-03-01",
                            "name": "[parameters('vmName')]"}]}}}]})
    assert "Microsoft.Resources/deployments/nested/Microsoft.Compute/virtualMachines/exch01" in \
        [r.address for r in result.resources]


def test_resources_object_of_symbolic_names_and_existing(tmp_path):
    result = _evaluate(tmp_path, {"languageVersion": "2.0", "resources": {
        "vnet": {"existing": True, "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-04-01",
                 "name": "hub"},
        "vm": {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2023-03-01", "name": "exch01",
               "properties": {"x": "[resourceInfo('vnet').id]"}, "dependsOn": ["vnet"]}}})
    assert [r.address for r in result.resources] == ["Microsoft.Compute/virtualMachines/exch01"]  # existing: not deployed
    vm = result.resources[0]
    assert vm.get("properties.x").value.endswith("/providers/Microsoft.Network/virtualNetworks/hub")


def test_doubling_values_stop_at_the_collection_limit(tmp_path):
    """concat() in a reduce() doubles an array or string each step: a limit, never a memory blow-up."""
    for seed in ("createArray(1)", "'ab'"):
        result = _evaluate(tmp_path, {"resources": [
            {"type": "Microsoft.Compute/disks", "apiVersion": "2023-04-02", "name": "d", "properties": {
                "x": f"[reduce(range(0, 60), {seed}, lambda('a', 'b', concat(lambdaVariables('a'), "
                     "lambdaVariables('a'))))]"}}]})
        assert isinstance(result.resources[0].get("properties.x").value, Unknown)
        assert any("limits.collection_size" in d.message for d in result.diagnostics)


def test_parameter_values_given_as_expressions(tmp_path):
    """A .bicepparam value that calls a function reaches the evaluator as an expression."""
    from exvlint.findings import Location

    path = tmp_path / "main.json"
    path.write_text(json.dumps({"$schema": TEMPLATE_SCHEMA, "parameters": {"name": {"type": "string"}},
                                "resources": [{"type": "Microsoft.Compute/disks", "apiVersion": "2023-04-02",
                                               "name": "[parameters('name')]"}]}))
    where = Location(str(tmp_path / "main.bicepparam"), 3, 1)
    result = evaluate(str(path), jsonpos.loads(path.read_text()), boundary=str(tmp_path),
                      parameter_expressions={"name": ("[toLower(concat('EXCH', '-DB'))]", where)})
    assert [r.name for r in result.resources] == ["exch-db"]
    assert result.resources[0].get("name").all_origins()[0].location == where


def test_a_huge_copy_count_is_unknown_and_quick(tmp_path):
    result = _evaluate(tmp_path, {"resources": [
        {"type": "Microsoft.Compute/disks", "apiVersion": "2023-04-02", "name": "[concat('d', copyIndex())]",
         "copy": {"name": "disks", "count": 100000000}}]})
    assert result.resources == [] and result.unknown_blocks
    assert any(d.rule_id == "EXV000" and "limits.instances" in d.message for d in result.diagnostics)


def test_evaluation_is_bounded_in_steps(tmp_path):
    """A small template that would take 10**8 steps (nested maps over ranges) stops at the step limit."""
    result = _evaluate(tmp_path, {"resources": [
        {"type": "Microsoft.Compute/disks", "apiVersion": "2023-04-02", "name": "d",
         "properties": {"x": "[map(range(0, 10000), lambda('i', map(range(0, 10000), lambda('j', 1))))]"}}]})
    assert isinstance(result.resources[0].get("properties.x").value, Unknown)
    assert any(d.rule_id == "EXV000" and "limits.evaluation_steps" in d.message for d in result.diagnostics)


def test_positions_point_into_the_file_a_lowered_module_names(tmp_path):
    """A positioned object whose ``path`` is set refers to that file (a Bicep module lowered inline)."""
    text = json.dumps({"$schema": TEMPLATE_SCHEMA, "resources": [
        {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "mod",
         "properties": {"expressionEvaluationOptions": {"scope": "inner"},
                        "template": {"$schema": TEMPLATE_SCHEMA, "resources": [
                            {"type": "Microsoft.Compute/disks", "apiVersion": "2023-04-02", "name": "d1",
                             "sku": {"name": "Standard_LRS"}}]}}}]}, indent=2)
    doc = jsonpos.loads(text, lenient=True)
    doc["resources"][0]["properties"]["template"].path = "modules/disk.bicep"
    result = evaluate("main.json", doc)
    disk = next(r for r in result.resources if r.type == "Microsoft.Compute/disks")
    assert disk.location.path == "modules/disk.bicep"
    assert disk.get("sku.name").location.path == "modules/disk.bicep"
    assert next(r for r in result.resources if r.type != "Microsoft.Compute/disks").location.path == "main.json"


# --------------------------------------------------------------------------- lenient JSON


def test_arm_json_accepts_comments_bom_and_trailing_commas():
    doc = jsonpos.loads('\ufeff{\n  // line\n  "a": [1, 2,], /* block */\n  "b": "x\ny",\n}', lenient=True)
    assert doc == {"a": [1, 2], "b": "x\ny"}
    assert doc.key_lines["a"] == (3, 3)


def test_strict_json_stays_strict():
    for text in ('{"a": 1, // c\n}', '{"a": [1,]}'):
        with pytest.raises(jsonpos.JSONPosError):
            jsonpos.loads(text)


# --------------------------------------------------------------------------- command line


RULES = __import__("pathlib").Path(__file__).parent / "fixtures" / "rules"


def test_check_with_parameters_file_on_the_command_line(tmp_path, run_cli):
    source = RULES / "EXV301" / "arm_parameters_file_overrides_default" / "mailbox.json"
    (tmp_path / "mailbox.json").write_text(source.read_text())
    (tmp_path / "prod.json").write_text(json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
        "parameters": {"osDiskType": {"value": "Standard_LRS"}}}))
    code, out, _ = run_cli("check", tmp_path / "mailbox.json", "--select", "EXV301")
    assert code == 0, out  # the template's defaults are Premium
    code, out, err = run_cli("check", tmp_path / "mailbox.json", "--parameters", tmp_path / "prod.json",
                             "--select", "EXV301", "--format", "json")
    assert code == 1, err
    findings = json.loads(out)["findings"]
    assert [f["rule"] for f in findings] == ["EXV301"]
    assert any(r["path"].endswith("prod.json") for r in findings[0]["related"])


def test_parameters_file_that_matches_no_template_is_a_usage_error(tmp_path, run_cli):
    (tmp_path / "p.json").write_text(json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
        "parameters": {}}))
    code, out, _ = run_cli("check", tmp_path, "--parameters", tmp_path / "p.json")
    assert code == 2 and "EXV003" in out


def test_a_template_named_on_the_command_line_brings_its_parameters_files():
    from exvlint.engine import lint

    case = RULES / "EXV301" / "arm_parameters_per_environment"
    result = lint([str(case / "mailbox.json")])
    messages = [f.message for f in result.findings if f.rule_id == "EXV301"]
    assert messages and all("mailbox.parameters.dev.json" in m for m in messages)


def test_a_parameters_file_named_on_the_command_line_lints_its_template_with_it_only():
    from exvlint.engine import lint

    case = RULES / "EXV301" / "arm_parameters_per_environment"
    prod = lint([str(case / "mailbox.parameters.prod.json")])
    dev = lint([str(case / "mailbox.parameters.dev.json")])
    assert not [f for f in prod.findings if f.rule_id == "EXV301"]  # Premium_ZRS
    assert [f.location.path for f in dev.findings if f.rule_id == "EXV301"] == [str(case / "mailbox.json")]


def test_a_changed_linked_template_is_linted_through_its_caller(tmp_path, run_cli):
    """What the pre-commit hook relies on: a linked template named alone is checked through the
    template that links it (with the caller's values), as the Terraform front end does for modules."""
    import shutil
    import subprocess

    shutil.copytree(RULES / "EXV301" / "arm_linked_template_relative_path", tmp_path / "repo")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path / "repo", check=True)
    code, out, _ = run_cli("check", "nested/mailbox-vm.json", "--select", "EXV301", cwd=tmp_path / "repo")
    assert code == 1 and "exch-mbx-07-log" in out and "azuredeploy.json:22" in out, out
    code, out, _ = run_cli("check", "azuredeploy.json", "--select", "EXV301", cwd=tmp_path / "repo")
    assert code == 1 and "exch-mbx-07-log" in out, out


def test_a_template_linking_its_own_repository_raw_files(tmp_path):
    """Templates that link to their own repository's raw files on GitHub: the URL's last folder and
    file name a file of the scanned tree, even when the scanned tree is the template's own folder."""
    from exvlint.engine import lint

    sample = tmp_path / "exchange-lab"
    nested = RULES / "EXV301" / "arm_linked_template_relative_path"
    sample.mkdir()
    (sample / "mailbox-vm.json").write_text((nested / "nested" / "mailbox-vm.json").read_text())
    caller = json.loads((nested / "azuredeploy.json").read_text())
    caller["resources"][0]["properties"]["templateLink"] = {
        "uri": "https://raw.githubusercontent.com/someone/labs/master/exchange-lab/mailbox-vm.json"}
    (sample / "azuredeploy.json").write_text(json.dumps(caller, indent=2))
    result = lint([str(sample)])
    assert [(f.rule_id, os.path.basename(f.location.path)) for f in result.findings if f.rule_id == "EXV301"] == \
        [("EXV301", "mailbox-vm.json")]


def test_values_of_the_wrong_type_are_unknown_not_a_crash(tmp_path):
    """A property the adapter converts (a size, a priority, a port) holding an object or a word is unknown:
    no EXV002 (found by mutating the rule cases' templates)."""
    import exvlint

    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [
            {"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-04-01", "name": "nsg",
             "properties": {"securityRules": [{"name": {"a": 1}, "properties": {
                 "priority": "Allow", "direction": ["Outbound"], "access": "Allow", "protocol": "Tcp",
                 "destinationAddressPrefix": "Internet", "destinationPortRange": {"from": 25}}}]}},
            {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2023-03-01", "name": "exch-mbx-01",
             "properties": {"hardwareProfile": {"vmSize": {"name": "Standard_E16s_v5"}},
                            "storageProfile": {"osDisk": {"diskSizeGB": "x-y"}, "dataDisks": [{"lun": True}]}}},
        ]}
    (tmp_path / "azuredeploy.json").write_text(json.dumps(template))
    result = exvlint.lint([str(tmp_path)], strict=True)
    assert not [f for f in result.findings if f.rule_id == "EXV002"], [f.message for f in result.findings]
    assert any(f.rule_id == "EXV001" and "EXV302" in f.message for f in result.findings)
