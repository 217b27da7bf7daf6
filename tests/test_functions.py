"""Tests for the Terraform function library.

Expected values are Terraform's own results, mostly the examples of the Terraform function
documentation (developer.hashicorp.com/terraform/language/functions) plus cases taken from the
behaviour of Terraform's implementation (hashicorp/terraform internal/lang/funcs, go-cty stdlib).
"""
from __future__ import annotations

import base64
import hashlib
import os
import re

import pytest

from exvlint.terraform.functions import (
    FUNCTION_NAMES,
    TERRAFORM_FUNCTION_NAMES,
    UNEVALUATED_FUNCTION_NAMES,
    FunctionContext,
    call_function,
)
from exvlint.limits import LimitExceeded
from exvlint.paths import Boundary
from exvlint.terraform.values import EvalError, Ref, Unknown

CTX = FunctionContext(module_dir=".", render_template=None)

REF_A = Ref("aws_instance.a", "id")
REF_B = Ref("aws_instance.b", "arn")
UA = Unknown("known after apply", frozenset({REF_A}))
UB = Unknown("known after apply", frozenset({REF_B}))


def call(name, *args, ctx=CTX):
    return call_function(name, list(args), ctx)


def assert_same(got, want):
    """Equality that also distinguishes bools from numbers and ints from floats."""
    assert got == want
    assert type(got) is type(want), f"{got!r} is {type(got).__name__}, want {type(want).__name__}"
    if isinstance(want, list):
        for g, w in zip(got, want):
            assert_same(g, w)
    elif isinstance(want, dict):
        for k in want:
            assert_same(got[k], want[k])


# ---------------------------------------------------------------------------------------------
# Known results, data-driven
# ---------------------------------------------------------------------------------------------

NUMERIC = [
    ("abs", (23,), 23),
    ("abs", (0,), 0),
    ("abs", (-12.4,), 12.4),
    ("abs", ("-5",), 5),
    ("ceil", (5,), 5),
    ("ceil", (5.1,), 6),
    ("ceil", (-5.1,), -5),
    ("floor", (5,), 5),
    ("floor", (4.9,), 4),
    ("floor", (-4.1,), -5),
    ("log", (50, 10), 1.6989700043360185),
    ("log", (16, 2), 4),
    ("max", (12, 54, 3), 54),
    ("max", ("12", 5.5), 12),
    ("min", (12, 54, 3), 3),
    ("parseint", ("100", 10), 100),
    ("parseint", ("FF", 16), 255),
    ("parseint", ("-10", 16), -16),
    ("parseint", ("1011111011101111", 2), 48879),
    ("parseint", ("aA", 62), 656),
    ("pow", (3, 2), 9),
    ("pow", (4, 0), 1),
    ("pow", (2, -1), 0.5),
    ("signum", (-13,), -1),
    ("signum", (0,), 0),
    ("signum", (344,), 1),
    ("sum", ([10, 13, 6, 4.5],), 33.5),
    ("sum", ([0.1, 0.2],), 0.3),
    ("sum", (["1", 2],), 3),
]

STRING = [
    ("chomp", ("hello\n",), "hello"),
    ("chomp", ("hello\r\n",), "hello"),
    ("chomp", ("hello\n\n",), "hello"),
    ("endswith", ("hello world", "world"), True),
    ("endswith", ("hello world", "hello"), False),
    ("format", ("Hello, %s!", "Ander"), "Hello, Ander!"),
    ("format", ("There are %d lights", 4), "There are 4 lights"),
    ("format", ("%#v", "hello"), '"hello"'),
    ("format", ("%#v", True), "true"),
    ("format", ("%#v", 1), "1"),
    ("format", ("%#v", {"a": 1}), '{"a":1}'),
    ("format", ("%#v", [True]), "[true]"),
    ("format", ("%#v", None), "null"),
    ("format", ("%v", None), "null"),
    ("format", ("%v", "text"), "text"),
    ("format", ("%v", 1.5), "1.5"),
    ("format", ("%v", 1234567), "1.234567e+06"),
    ("format", ("%v", ["a", 1]), '["a",1]'),
    ("format", ("%.2f", 3.14159), "3.14"),
    ("format", ("%f", 2), "2.000000"),
    ("format", ("%10.3f|", 3.14159), "     3.142|"),
    ("format", ("%-8.1f|", 2.25), "2.2     |"),
    ("format", ("%e", 1234.5678), "1.234568e+03"),
    ("format", ("%E", 0), "0.000000E+00"),
    ("format", ("%g", 0.00001234), "1.234e-05"),
    ("format", ("%g", 100), "100"),
    ("format", ("%.3g", 1234567), "1.23e+06"),
    ("format", ("%d", "42"), "42"),
    ("format", ("%5d|%-5d|%05d|%+d|% d", 42, 42, 42, 42, 42), "   42|42   |00042|+42| 42"),
    ("format", ("%x %X %o %b", 255, 255, 8, 5), "ff FF 10 101"),
    ("format", ("%#x %#o %#b", 255, 8, 5), "0xff 010 0b101"),
    ("format", ("%t", True), "true"),
    ("format", ("%t", "false"), "false"),
    ("format", ("%q", 'say "hi" <b>'), '"say \\"hi\\" \\u003cb\\u003e"'),
    ("format", ("%s", 3.5), "3.5"),
    ("format", ("%s", True), "true"),
    ("format", ("%5s|%-5s|%05s", "ab", "cd", "e"), "   ab|cd   |0000e"),
    ("format", ("%.3s", "abcdef"), "abc"),
    ("format", ("%[2]s %[1]s %s", "a", "b"), "b a b"),
    ("format", ("100%% sure",), "100% sure"),
    ("format", ("%3s|", "\u00e9t\u00e9"), "\u00e9t\u00e9|"),
    ("formatlist", ("Hello, %s!", ["Valentina", "Ander", "Olivia", "Sam"]),
     ["Hello, Valentina!", "Hello, Ander!", "Hello, Olivia!", "Hello, Sam!"]),
    ("formatlist", ("%s, %s!", "Salutations", ["Valentina", "Ander"]),
     ["Salutations, Valentina!", "Salutations, Ander!"]),
    ("formatlist", ("%s=%s", ["a", "b"], [1, 2]), ["a=1", "b=2"]),
    ("formatlist", ("%s", []), []),
    ("formatlist", ("static",), ["static"]),
    ("indent", (2, "[\n  foo,\n  bar,\n]\n"), "[\n    foo,\n    bar,\n  ]\n  "),
    ("join", ("-", ["foo", "bar", "baz"]), "foo-bar-baz"),
    ("join", (", ", ["foo", "bar", "baz"]), "foo, bar, baz"),
    ("join", (", ", ["foo"]), "foo"),
    ("join", (",", ["a"], ["b", 1, True]), "a,b,1,true"),
    ("lower", ("HELLO",), "hello"),
    ("lower", ("\u0410\u041b\u041b\u041e!",), "\u0430\u043b\u043b\u043e!"),
    ("upper", ("hello",), "HELLO"),
    ("upper", ("\u0430\u043b\u043b\u043e!",), "\u0410\u041b\u041b\u041e!"),
    ("upper", ("stra\u00dfe",), "STRA\u00dfE"),
    ("regex", ("[a-z]+", "53453453.345345aaabbbccc23454"), "aaabbbccc"),
    ("regex", (r"(\d\d\d\d)-(\d\d)-(\d\d)", "2019-02-01"), ["2019", "02", "01"]),
    ("regex", ("^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?", "https://terraform.io/docs/"),
     {"authority": "terraform.io", "scheme": "https"}),
    ("regex", ("(?<first>[a-z]+) (?<second>[a-z]+)", "hello world"), {"first": "hello", "second": "world"}),
    ("regex", ("(a)|(b)", "b"), [None, "b"]),
    ("regex", (r"^\d+$", "123"), "123"),
    ("regex", (r"(?i)HeLLo", "say hello"), "hello"),
    ("regex", (r"[[:upper:]]+", "abcDEFghi"), "DEF"),
    ("regex", (r"\Qa.b\E", "xa.by"), "a.b"),
    ("regex", (r"\x{41}\x42", "zAB"), "AB"),
    ("regex", (r"a$", "ba"), "a"),
    ("regex", (r"a{,2}", "xa{,2}"), "a{,2}"),
    ("regexall", ("[a-z]+", "1234abcd5678efgh9"), ["abcd", "efgh"]),
    ("regexall", ("[a-z]+", "123456789"), []),
    ("regexall", (r"(\w)=(\d)", "a=1 b=2"), [["a", "1"], ["b", "2"]]),
    ("regexall", ("a*", "baaac"), ["", "aaa", ""]),
    ("regexall", ("(?m)^x", "x\nx\ny"), ["x", "x"]),
    ("replace", ("1 + 2 + 3", "+", "-"), "1 - 2 - 3"),
    ("replace", ("hello world", "/w.*d/", "everybody"), "hello everybody"),
    ("replace", ("abc-def", r"/(\w+)-(\w+)/", "$2-$1"), "def-abc"),
    ("replace", ("abc-def", r"/(?P<a>\w+)-(?P<b>\w+)/", "${b}_${a}"), "def_abc"),
    ("replace", ("x", "/x/", "$$"), "$"),
    ("replace", ("baaac", "/a*/", "-"), "-b-c-"),
    ("replace", ("hello", "/", "x"), "hello"),
    ("split", (",", "foo,bar,baz"), ["foo", "bar", "baz"]),
    ("split", (",", "foo"), ["foo"]),
    ("split", (",", ""), [""]),
    ("split", ("", "abc"), ["a", "b", "c"]),
    ("startswith", ("hello world", "hello"), True),
    ("startswith", ("hello world", "world"), False),
    ("strcontains", ("hello world", "wor"), True),
    ("strcontains", ("hello world", "cat"), False),
    ("strrev", ("hello",), "olleh"),
    ("strrev", ("a \u2603",), "\u2603 a"),
    ("substr", ("hello world", 1, 4), "ello"),
    ("substr", ("\U0001f914\U0001f937", 0, 1), "\U0001f914"),
    ("substr", ("hello world", -5, -1), "world"),
    ("substr", ("hello world", 6, 10), "world"),
    ("substr", ("hello", 10, 2), ""),
    ("substr", ("hello", -10, 2), "he"),
    ("title", ("hello world",), "Hello World"),
    ("title", ("hello_world foo-bar",), "Hello_world Foo-Bar"),
    ("trim", ("?!hello?!", "!?"), "hello"),
    ("trim", ("foobar", "far"), "oob"),
    ("trim", ("   hello! world.!  ", "! "), "hello! world."),
    ("trimprefix", ("helloworld", "hello"), "world"),
    ("trimprefix", ("helloworld", "cat"), "helloworld"),
    ("trimsuffix", ("helloworld", "world"), "hello"),
    ("trimspace", ("  hello\n\n",), "hello"),
    ("trimspace", ("\u00a0x\u3000",), "x"),
    ("upper", (12,), "12"),
]

COLLECTION = [
    ("alltrue", (["true", True],), True),
    ("alltrue", ([True, False],), False),
    ("alltrue", ([],), True),
    ("anytrue", (["true"],), True),
    ("anytrue", ([True],), True),
    ("anytrue", ([True, False],), True),
    ("anytrue", ([],), False),
    ("chunklist", (["a", "b", "c", "d", "e"], 2), [["a", "b"], ["c", "d"], ["e"]]),
    ("chunklist", (["a", "b", "c", "d", "e"], 1), [["a"], ["b"], ["c"], ["d"], ["e"]]),
    ("chunklist", (["a", "b"], 0), [["a", "b"]]),
    ("coalesce", ("a", "b"), "a"),
    ("coalesce", ("", "b"), "b"),
    ("coalesce", (1, 2), 1),
    ("coalesce", (None, "", "b"), "b"),
    ("coalesce", (1, "hello"), "1"),
    ("coalesce", (True, "hello"), "true"),
    ("coalescelist", (["a", "b"], ["c", "d"]), ["a", "b"]),
    ("coalescelist", ([], ["c", "d"]), ["c", "d"]),
    ("compact", (["a", "", "b", None, "c"],), ["a", "b", "c"]),
    ("concat", (["a", ""], ["b", "c"]), ["a", "", "b", "c"]),
    ("contains", (["a", "b", "c"], "a"), True),
    ("contains", (["a", "b", "c"], "d"), False),
    ("contains", (["1"], 1), False),
    ("contains", ([{"a": 1}], {"a": 1}), True),
    ("distinct", (["a", "b", "a", "c", "d", "b"],), ["a", "b", "c", "d"]),
    ("element", (["a", "b", "c"], 1), "b"),
    ("element", (["a", "b", "c"], 3), "a"),
    ("element", (["a", "b", "c"], 2), "c"),
    ("element", (["a", "b", "c"], -1), "c"),
    ("flatten", ([["a", "b"], [], ["c"]],), ["a", "b", "c"]),
    ("flatten", ([[["a", "b"], []], ["c"]],), ["a", "b", "c"]),
    ("flatten", ([{"a": [1]}, [2]],), [{"a": [1]}, 2]),
    ("index", (["a", "b", "c"], "b"), 1),
    ("keys", ({"a": 1, "c": 2, "d": 3},), ["a", "c", "d"]),
    ("length", ([],), 0),
    ("length", (["a", "b"],), 2),
    ("length", ({"a": "b"},), 1),
    ("length", ("hello",), 5),
    ("length", ("\U0001f47e\U0001f579\ufe0f",), 2),
    ("length", ("e\u0301",), 1),
    ("lookup", ({"a": "ay", "b": "bee"}, "a", "what?"), "ay"),
    ("lookup", ({"a": "ay", "b": "bee"}, "c", "what?"), "what?"),
    ("lookup", ({"a": "ay"}, "a"), "ay"),
    ("matchkeys", (["i-123", "i-abc", "i-def"], ["us-west", "us-east", "us-east"], ["us-east"]), ["i-abc", "i-def"]),
    ("matchkeys", (["a", "b"], [1, 2], ["2"]), ["b"]),
    ("merge", ({"a": "b", "c": "d"}, {"e": "f", "c": "z"}), {"a": "b", "c": "z", "e": "f"}),
    ("merge", ({"a": "b"}, {"a": [1, 2], "c": "z"}, {"d": 3}), {"a": [1, 2], "c": "z", "d": 3}),
    ("merge", (None, {"a": 1}), {"a": 1}),
    ("merge", (), {}),
    ("one", ([],), None),
    ("one", (["hello"],), "hello"),
    ("range", (3,), [0, 1, 2]),
    ("range", (1, 4), [1, 2, 3]),
    ("range", (1, 8, 2), [1, 3, 5, 7]),
    ("range", (1, 4, 0.5), [1, 1.5, 2, 2.5, 3, 3.5]),
    ("range", (4, 1), [4, 3, 2]),
    ("range", (10, 5, -2), [10, 8, 6]),
    ("range", (-3,), [0, -1, -2]),
    ("range", (0,), []),
    ("range", (0, 1, 0.25), [0, 0.25, 0.5, 0.75]),
    ("reverse", ([1, 2, 3],), [3, 2, 1]),
    ("setintersection", (["a", "b"], ["b", "c"], ["b", "d"]), ["b"]),
    ("setproduct", (["development", "staging", "production"], ["app1", "app2"]),
     [["development", "app1"], ["development", "app2"], ["staging", "app1"], ["staging", "app2"],
      ["production", "app1"], ["production", "app2"]]),
    ("setproduct", (["a", "b"], ["x"]), [["a", "x"], ["b", "x"]]),
    ("setproduct", (["a"], []), []),
    ("setsubtract", (["a", "b", "c"], ["a", "c"]), ["b"]),
    ("setunion", (["a", "b"], ["b", "c"], ["d"]), ["a", "b", "c", "d"]),
    ("slice", (["a", "b", "c", "d"], 1, 3), ["b", "c"]),
    ("sort", (["e", "d", "a", "x"],), ["a", "d", "e", "x"]),
    ("sort", ([3, 1, 11],), ["1", "11", "3"]),
    ("transpose", ({"a": ["1", "2"], "b": ["2", "3"]},), {"1": ["a"], "2": ["a", "b"], "3": ["b"]}),
    ("values", ({"a": 3, "c": 2, "d": 1},), [3, 2, 1]),
    ("zipmap", (["a", "b"], [1, 2]), {"a": 1, "b": 2}),
    ("zipmap", (["a", "b"], [[1], {"x": 2}]), {"a": [1], "b": {"x": 2}}),
]

ENCODING = [
    ("base64decode", ("SGVsbG8gV29ybGQ=",), "Hello World"),
    ("base64encode", ("Hello World",), "SGVsbG8gV29ybGQ="),
    ("csvdecode", ("a,b,c\n1,2,3\n4,5,6",), [{"a": "1", "b": "2", "c": "3"}, {"a": "4", "b": "5", "c": "6"}]),
    ("csvdecode", ('name,note\n"Doe, J","said ""hi"""\n',), [{"name": "Doe, J", "note": 'said "hi"'}]),
    ("csvdecode", ("a,b\n",), []),
    ("jsondecode", ('{"hello": "world"}',), {"hello": "world"}),
    ("jsondecode", ("true",), True),
    ("jsondecode", ('{"n": [1, 1.5, 2.0, null]}',), {"n": [1, 1.5, 2, None]}),
    ("jsonencode", ({"hello": "world"},), '{"hello":"world"}'),
    ("jsonencode", ({"b": [1, 2.5, True, None], "a": "x"},), '{"a":"x","b":[1,2.5,true,null]}'),
    ("jsonencode", ("<&>",), '"\\u003c\\u0026\\u003e"'),
    ("jsonencode", ("caf\u00e9\n",), '"caf\u00e9\\n"'),
    ("jsonencode", (1e-7,), "0.0000001"),
    ("jsonencode", (None,), "null"),
    ("textencodebase64", ("Hello World", "UTF-16LE"), "SABlAGwAbABvACAAVwBvAHIAbABkAA=="),
    ("textencodebase64", ("caf\u00e9", "ISO-8859-1"), base64.b64encode("caf\u00e9".encode("latin-1")).decode()),
    ("textdecodebase64", ("SABlAGwAbABvACAAVwBvAHIAbABkAA==", "UTF-16LE"), "Hello World"),
    ("urlencode", ("Hello World!",), "Hello+World%21"),
    ("urlencode", ("\u2603",), "%E2%98%83"),
    ("urlencode", ("foo:bar@localhost?foo=bar&bar=baz",), "foo%3Abar%40localhost%3Ffoo%3Dbar%26bar%3Dbaz"),
    ("urlencode", ("a-b_c.d~e",), "a-b_c.d~e"),
    ("yamldecode", ("hello: world",), {"hello": "world"}),
    ("yamldecode", ("true",), True),
    ("yamldecode", ("{a: &foo [1, 2, 3], b: *foo}",), {"a": [1, 2, 3], "b": [1, 2, 3]}),
    ("yamldecode", ("a: 017\nb: 0o17\nc: 0x1F\nd: 1.5\ne: '017'\nf: ~\ng: yes\nh: 1_000",),
     {"a": 17, "b": 15, "c": 31, "d": 1.5, "e": "017", "f": None, "g": True, "h": "1_000"}),
    ("yamldecode", ("date: 2019-01-02\nstamp: 2001-12-14t21:59:43.10-05:00",),
     {"date": "2019-01-02T00:00:00Z", "stamp": "2001-12-14T21:59:43-05:00"}),
    ("yamldecode", ("base: &b {x: 1}\nderived:\n  <<: *b\n  w: 2",), {"base": {"x": 1}, "derived": {"w": 2, "x": 1}}),
    ("yamldecode", ("y: 1\nn: 2",), {"true": 1, "false": 2}),
    ("yamldecode", ("1: one\ntrue: t",), {"1": "one", "true": "t"}),
    ("yamlencode", ({"a": "b", "c": "d"},), '"a": "b"\n"c": "d"\n'),
    ("yamlencode", ({"foo": [1, 2, 3], "bar": "baz"},), '"bar": "baz"\n"foo":\n- 1\n- 2\n- 3\n'),
    ("yamlencode", ({"foo": [1, {"a": "b", "c": "d"}, 3], "bar": "baz"},),
     '"bar": "baz"\n"foo":\n- 1\n- "a": "b"\n  "c": "d"\n- 3\n'),
    ("yamlencode", ("hello",), '"hello"\n'),
    ("yamlencode", ("",), '""\n'),
    ("yamlencode", ("hello\nworld",), "|-\n  hello\n  world\n"),
    ("yamlencode", (True,), "true\n...\n"),
    ("yamlencode", (None,), "null\n...\n"),
    ("yamlencode", ([],), "[]\n"),
    ("yamlencode", ({},), "{}\n"),
]

FILESYSTEM_PURE = [
    ("basename", ("foo/bar/baz.txt",), "baz.txt"),
    ("basename", ("foo/bar/",), "bar"),
    ("basename", ("",), "."),
    ("basename", ("/",), "/"),
    ("dirname", ("foo/bar/baz.txt",), "foo/bar"),
    ("dirname", ("foo",), "."),
    ("dirname", ("/foo",), "/"),
    ("dirname", ("foo//bar/../baz",), "foo"),
    ("pathexpand", ("/etc/resolv.conf",), "/etc/resolv.conf"),
]

HASH = [
    ("md5", ("hello world",), "5eb63bbbe01eeed093cb22bb8f5acdc3"),
    ("sha1", ("hello world",), "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed"),
    ("sha256", ("hello world",), "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"),
    ("sha512", ("hello world",),
     "309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f989dd35bc5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f"),
    ("base64sha256", ("hello world",), "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek="),
    ("base64sha512", ("hello world",),
     "MJ7MSJwS1utMxA9QyQLytNDtd+5RGnx6m808qG1M2G+YndNbxf9JlnDaNCVbRbDP2DDoH2Bdz33FVC6TrpzXbw=="),
    ("uuidv5", ("dns", "www.terraform.io"), "a5008fae-b28c-5ba5-96cd-82b4c53552d6"),
    ("uuidv5", ("url", "https://www.terraform.io/"), "9db6f67c-dd95-5ea0-aa5b-e70e5c5f7cf5"),
    ("uuidv5", ("oid", "1.3.6.1.4"), "af9d40a5-7a36-5c07-b23a-851cd99fbfa5"),
    ("uuidv5", ("x500", "CN=Example,C=GB"), "84e09961-4aa4-57f8-95b7-03edb1073253"),
    ("uuidv5", ("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "www.terraform.io"), "a5008fae-b28c-5ba5-96cd-82b4c53552d6"),
]

NETWORK = [
    ("cidrhost", ("10.12.112.0/20", 16), "10.12.112.16"),
    ("cidrhost", ("10.12.112.0/20", 268), "10.12.113.12"),
    ("cidrhost", ("fd00:fd12:3456:7890:00a2::/72", 34), "fd00:fd12:3456:7890::22"),
    ("cidrhost", ("10.0.0.0/24", -1), "10.0.0.255"),
    ("cidrhost", ("10.0.0.0/24", -2), "10.0.0.254"),
    ("cidrnetmask", ("172.16.0.0/12",), "255.240.0.0"),
    ("cidrsubnet", ("172.16.0.0/12", 4, 2), "172.18.0.0/16"),
    ("cidrsubnet", ("10.1.2.0/24", 4, 15), "10.1.2.240/28"),
    ("cidrsubnet", ("fd00:fd12:3456:7890::/56", 16, 162), "fd00:fd12:3456:7800:a200::/72"),
    ("cidrsubnet", ("10.1.2.3/24", 1, 1), "10.1.2.128/25"),
    ("cidrsubnets", ("10.1.0.0/16", 4, 4, 8, 4), ["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20"]),
    ("cidrsubnets", ("fd00:fd12:3456:7890::/56", 16, 16, 16, 32),
     ["fd00:fd12:3456:7800::/72", "fd00:fd12:3456:7800:100::/72", "fd00:fd12:3456:7800:200::/72", "fd00:fd12:3456:7800:300::/88"]),
    ("cidrsubnets", ("10.0.0.0/8",), []),
]

CONVERSION = [
    ("tobool", (True,), True),
    ("tobool", ("true",), True),
    ("tobool", ("false",), False),
    ("tobool", (None,), None),
    ("tonumber", (1,), 1),
    ("tonumber", ("1",), 1),
    ("tonumber", ("1.5",), 1.5),
    ("tonumber", ("-2e3",), -2000),
    ("tonumber", (None,), None),
    ("tostring", ("hello",), "hello"),
    ("tostring", (1,), "1"),
    ("tostring", (2.5,), "2.5"),
    ("tostring", (True,), "true"),
    ("tostring", (None,), None),
    ("tolist", (["a", "b", "c"],), ["a", "b", "c"]),
    ("tolist", (["a", "b", 3],), ["a", "b", "3"]),
    ("tomap", ({"a": 1, "b": 2},), {"a": 1, "b": 2}),
    ("tomap", ({"a": "foo", "b": True},), {"a": "foo", "b": "true"}),
    ("toset", (["a", "b", "c"],), ["a", "b", "c"]),
    ("toset", (["c", "b", "b"],), ["b", "c"]),
    ("toset", (["a", "b", 3],), ["3", "a", "b"]),
    ("toset", ([3, 1, 2, 1],), [1, 2, 3]),
    ("toset", ([True, False, True],), [False, True]),
    ("sensitive", ("secret",), "secret"),
    ("nonsensitive", ({"a": 1},), {"a": 1}),
]

DATETIME = [
    ("formatdate", ("DD MMM YYYY hh:mm ZZZ", "2018-01-02T23:12:01Z"), "02 Jan 2018 23:12 UTC"),
    ("formatdate", ("EEEE, DD-MMM-YY hh:mm:ss ZZZ", "2018-01-02T23:12:01Z"), "Tuesday, 02-Jan-18 23:12:01 UTC"),
    ("formatdate", ("EEE, DD MMM YYYY hh:mm:ss ZZZ", "2018-01-02T23:12:01-08:00"), "Tue, 02 Jan 2018 23:12:01 -0800"),
    ("formatdate", ("MMM DD, YYYY", "2018-01-02T23:12:01Z"), "Jan 02, 2018"),
    ("formatdate", ("HH:mmaa", "2018-01-02T23:12:01Z"), "11:12pm"),
    ("formatdate", ("YYYY-MM-DD'T'hh:mm:ssZ", "2018-01-02T03:04:05+05:30"), "2018-01-02T03:04:05+05:30"),
    ("formatdate", ("h 'o''clock' ZZZZZ", "2018-01-02T03:04:05Z"), "3 o'clock +00:00"),
    ("timeadd", ("2017-11-22T00:00:00Z", "10m"), "2017-11-22T00:10:00Z"),
    ("timeadd", ("2017-11-22T00:00:00Z", "-1h30m"), "2017-11-21T22:30:00Z"),
    ("timeadd", ("2017-11-22T23:59:59.5+01:00", "0.5s"), "2017-11-23T00:00:00+01:00"),
    ("timecmp", ("2017-11-22T00:00:00Z", "2017-11-22T00:00:00Z"), 0),
    ("timecmp", ("2017-11-22T00:00:00Z", "2017-11-22T01:00:00Z"), -1),
    ("timecmp", ("2017-11-22T01:00:00Z", "2017-11-22T00:00:00Z"), 1),
    ("timecmp", ("2017-11-22T01:00:00Z", "2017-11-22T00:00:00-01:00"), 0),
]

ALL_CASES = NUMERIC + STRING + COLLECTION + ENCODING + FILESYSTEM_PURE + HASH + NETWORK + CONVERSION + DATETIME


@pytest.mark.parametrize(("name", "args", "expected"), ALL_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(ALL_CASES)])
def test_known_results(name, args, expected):
    assert_same(call(name, *args), expected)


def test_core_namespace_prefix():
    assert call("core::upper", "x") == "X"


# ---------------------------------------------------------------------------------------------
# Unknown values
# ---------------------------------------------------------------------------------------------


def is_unknown_with(value, *refs):
    return isinstance(value, Unknown) and set(refs) <= set(value.refs)


def test_default_unknown_propagation_carries_refs():
    assert is_unknown_with(call("upper", UA), REF_A)
    assert is_unknown_with(call("join", ",", ["a", UA, UB]), REF_A, REF_B)
    assert is_unknown_with(call("jsonencode", {"a": {"b": UA}}), REF_A)
    assert is_unknown_with(call("format", "%s-%s", "x", UB), REF_B)
    assert is_unknown_with(call("cidrsubnet", UA, 4, 1), REF_A)


def test_length_of_list_with_unknown_elements_is_known():
    assert call("length", [UA, UB, "x"]) == 3
    assert call("length", {"a": UA}) == 1
    assert is_unknown_with(call("length", UA), REF_A)


def test_merge_keeps_unknown_values():
    result = call("merge", {"a": UA}, {"b": 1})
    assert result == {"a": UA, "b": 1}
    assert is_unknown_with(call("merge", {"a": 1}, UB), REF_B)


def test_lookup_precision():
    assert call("lookup", {"a": "x", "b": UA}, "a", "d") == "x"
    assert call("lookup", {"a": UA}, "a") is UA
    assert call("lookup", {"a": 1}, "z", UB) is UB
    assert is_unknown_with(call("lookup", {"a": 1}, UA, "d"), REF_A)
    assert is_unknown_with(call("lookup", UB, "a", "d"), REF_B)


def test_coalesce_precision():
    assert call("coalesce", "x", UA) == "x"
    assert is_unknown_with(call("coalesce", "", UA, "y"), REF_A)
    assert is_unknown_with(call("coalesce", None, UB), REF_B)
    assert call("coalescelist", ["a"], UA) == ["a"]
    assert is_unknown_with(call("coalescelist", [], UA), REF_A)


def test_concat_keys_values_keep_unknown_elements():
    assert call("concat", [UA], ["a"]) == [UA, "a"]
    assert is_unknown_with(call("concat", ["a"], UB), REF_B)
    assert call("keys", {"b": UA, "a": 1}) == ["a", "b"]
    assert call("values", {"b": UA, "a": 1}) == [1, UA]


def test_contains_precision():
    assert call("contains", ["a", UA], "a") is True
    assert is_unknown_with(call("contains", ["b", UA], "a"), REF_A)
    assert call("contains", [], UA) is False
    assert is_unknown_with(call("contains", UA, "a"), REF_A)
    assert is_unknown_with(call("contains", ["a"], UB), REF_B)
    assert call("contains", [{"k": UA, "n": 1}], {"k": "x", "n": 2}) is False


def test_element_index_and_collections_with_unknown_elements():
    assert call("element", [UA, "b"], 1) == "b"
    assert call("element", [UA, "b"], 0) is UA
    assert is_unknown_with(call("element", ["a"], UB), REF_B)
    assert call("index", ["a", UA], "a") == 0
    assert is_unknown_with(call("index", [UA, "a"], "a"), REF_A)
    assert call("reverse", [UA, 1]) == [1, UA]
    assert call("slice", [UA, 1, 2], 1, 3) == [1, 2]
    assert call("one", [UA]) is UA
    assert call("chunklist", [UA, 1, 2], 2) == [[UA, 1], [2]]
    assert call("zipmap", ["a", "b"], [UA, 2]) == {"a": UA, "b": 2}
    assert is_unknown_with(call("zipmap", ["a", UB], [1, 2]), REF_B)
    assert call("setproduct", [UA], ["x"]) == [[UA, "x"]]
    assert call("tolist", [UA, "a"]) == [UA, "a"]
    assert call("tomap", {"a": UA}) == {"a": UA}


def test_flatten_with_unknown():
    # An unknown element might itself be a list, so the flattened shape is unknown.
    assert is_unknown_with(call("flatten", [["a"], UB]), REF_B)
    assert is_unknown_with(call("flatten", [[UA], ["b"]]), REF_A)
    assert call("flatten", [[{"a": UA}], ["b"]]) == [{"a": UA}, "b"]


def test_alltrue_anytrue_with_unknown():
    assert call("alltrue", [UA, False]) is False
    assert is_unknown_with(call("alltrue", [UA, True]), REF_A)
    assert call("anytrue", [UA, True]) is True
    assert is_unknown_with(call("anytrue", [UA, False]), REF_A)


def test_formatlist_unknown_elements_stay_per_element():
    result = call("formatlist", "id-%s", ["a", UA])
    assert result[0] == "id-a"
    assert is_unknown_with(result[1], REF_A)
    assert is_unknown_with(call("formatlist", "%s", UB), REF_B)


def test_startswith_empty_prefix_of_unknown_is_true():
    assert call("startswith", UA, "") is True
    assert is_unknown_with(call("startswith", UA, "x"), REF_A)


def test_sensitive_passes_unknown_through():
    assert call("sensitive", UA) is UA
    assert call("nonsensitive", None) is None


def test_toset_keeps_unknown_elements_last():
    result = call("toset", ["b", UA, "a", "b"])
    assert result[:2] == ["a", "b"] and result[2] is UA


@pytest.mark.parametrize("name, args", [
    ("uuid", ()), ("timestamp", ()), ("plantimestamp", ()), ("bcrypt", ("pw",)), ("base64gzip", ("x",)),
    ("type", (1,)), ("issensitive", ("x",)), ("rsadecrypt", ("a", "b")),
])
def test_non_deterministic_functions_are_unknown(name, args):
    assert isinstance(call(name, *args), Unknown)
    assert name in FUNCTION_NAMES and name in UNEVALUATED_FUNCTION_NAMES


def test_unknown_only_function_carries_refs():
    assert is_unknown_with(call("bcrypt", UA), REF_A)


def test_unimplemented_and_provider_functions_are_unknown():
    result = call("nosuchfunction", 1)
    assert isinstance(result, Unknown) and "nosuchfunction" in result.reason
    provider = call("provider::aws::arn_parse", UA)
    assert is_unknown_with(provider, REF_A)


def test_pathexpand_home_is_unknown():
    assert isinstance(call("pathexpand", "~/.ssh/id_rsa"), Unknown)


def test_function_name_sets():
    assert {"format", "cidrsubnet", "yamlencode", "templatefile", "timeadd"} <= FUNCTION_NAMES
    assert "try" not in FUNCTION_NAMES and "can" not in FUNCTION_NAMES
    assert {"try", "can"} <= TERRAFORM_FUNCTION_NAMES


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------

ERRORS = [
    ("element", ([], 0)),
    ("element", (["a"], 1.5)),
    ("regex", ("[a-z]+", "53453453.34534523454")),
    ("regex", ("a$", "a\n")),
    ("regex", ("(?P<a>x)(y)", "xy")),
    ("regex", (r"(a)\1", "aa")),
    ("regex", ("(?=a)", "a")),
    ("regex", ("a**", "a")),
    ("regex", ("a++", "a")),
    ("regex", ("[a-", "a")),
    ("regex", ("a{1001}", "a")),
    ("one", (["hello", "goodbye"],)),
    ("index", (["a"], "z")),
    ("index", ([], "z")),
    ("lookup", ({"a": 1}, "b")),
    ("lookup", ([1], "b")),
    ("range", (0, 2000)),
    ("range", (0, 10, 0)),
    ("range", (0, 10, -1)),
    ("parseint", ("12", 2)),
    ("parseint", ("10", 1)),
    ("parseint", (10, 10)),
    ("signum", (0.5,)),
    ("log", (-1, 10)),
    ("sum", ([],)),
    ("sum", (["a"],)),
    ("max", ()),
    ("abs", ("abc",)),
    ("abs", (True,)),
    ("length", (5,)),
    ("keys", ([1],)),
    ("slice", (["a", "b"], 1, 3)),
    ("slice", (["a", "b"], 2, 1)),
    ("chunklist", (["a"], -1)),
    ("coalesce", (None, "")),
    ("coalesce", ({}, "hello")),
    ("coalescelist", ([], [])),
    ("concat", (["a"], "b")),
    ("merge", ({"a": 1}, [1])),
    ("zipmap", (["a"], [1, 2])),
    ("setproduct", (["a"],)),
    ("tolist", ({"a": 1},)),
    ("tomap", (["a"],)),
    ("tonumber", ("no",)),
    ("tonumber", (True,)),
    ("tobool", ("no",)),
    ("tobool", (1,)),
    ("tostring", ([],)),
    ("format", ("%d", "x")),
    ("format", ("%d", 1.5)),
    ("format", ("%s",)),
    ("format", ("%s", "a", "b")),
    ("format", ("no verbs", "a")),
    ("format", ("%s", None)),
    ("format", ("%z", 1)),
    ("format", ("%",)),
    ("formatlist", ("%s %s", ["a"], ["b", "c"])),
    ("join", (",", ["a", None])),
    ("join", (",",)),
    ("sort", (["a", None],)),
    ("indent", (-1, "x")),
    ("base64decode", ("not base64!",)),
    ("base64decode", ("/w==",)),
    ("jsondecode", ("{",)),
    ("jsondecode", ('{"a": 1, "a": 2}',)),
    ("jsondecode", ("NaN",)),
    ("jsonencode", (float("inf"),)),
    ("csvdecode", ("",)),
    ("csvdecode", ("a,b\n1,2,3",)),
    ("csvdecode", ("a,a\n1,2",)),
    ("yamldecode", ("{a: &foo [1, *foo, 3]}",)),
    ("yamldecode", ("{a: !not-supported foo}",)),
    ("yamldecode", ("a: 1\n---\nb: 2",)),
    ("yamldecode", ("",)),
    ("yamldecode", ("x: .nan",)),
    ("textencodebase64", ("x", "not-an-encoding")),
    ("textencodebase64", ("\u2603", "ISO-8859-1")),
    ("cidrsubnet", ("10.0.0.0/30", 4, 1)),
    ("cidrsubnet", ("10.0.0.0/24", 4, 16)),
    ("cidrsubnet", ("not a cidr", 4, 1)),
    ("cidrsubnet", ("10.0.0.0", 4, 1)),
    ("cidrhost", ("10.12.112.0/20", 5000)),
    ("cidrnetmask", ("fd00::/56",)),
    ("cidrsubnets", ("10.0.0.0/30", 1, 1, 1)),
    ("cidrsubnets", ("10.0.0.0/8", 0)),
    ("formatdate", ("YYYY", "2018-01-02")),
    ("formatdate", ("YYY", "2018-01-02T00:00:00Z")),
    ("formatdate", ("'unterminated", "2018-01-02T00:00:00Z")),
    ("timeadd", ("2017-11-22T00:00:00Z", "10")),
    ("timeadd", ("2017-11-22T00:00:00Z", "1d")),
    ("timecmp", ("2017-13-22T00:00:00Z", "2017-11-22T00:00:00Z")),
    ("uuidv5", ("bogus", "x")),
    ("list", ("a", "b")),
    ("map", ("a", "b")),
    ("upper", (None,)),
    ("upper", (["a"],)),
    ("upper", ()),
    ("upper", ("a", "b")),
    ("transpose", ({"a": [None]},)),
]


@pytest.mark.parametrize(("name", "args"), ERRORS, ids=[f"{e[0]}-{i}" for i, e in enumerate(ERRORS)])
def test_invalid_calls_raise_eval_error(name, args):
    # an error Terraform reports, not an exception of the implementation that the registry wrapped
    # (those read "name(): TypeError: ...")
    with pytest.raises(EvalError) as error:
        call(name, *args)
    assert not re.search(r"\(\): [A-Za-z]*(Error|Exception)\b:", str(error.value)), str(error.value)


def test_error_messages_name_the_function():
    with pytest.raises(EvalError, match=r"element\(\): cannot use element function with an empty list"):
        call("element", [], 0)
    with pytest.raises(EvalError, match="did not match"):
        call("regex", "x", "abc")


ODD_VALUES = [None, True, 0, -1, 2.5, float("inf"), "", "abc", "%", "/(/", "10.0.0.0/8", [], ["a", 1, None],
              [[1]], {}, {"a": [1]}, UA, "2018-01-02T23:12:01Z", "\udcff", 10**30]


@pytest.mark.parametrize("name", sorted(FUNCTION_NAMES))
def test_never_raises_anything_but_eval_error(name, tmp_path):
    ctx = FunctionContext(module_dir=str(tmp_path), render_template=None)
    samples = [()] + [(v,) for v in ODD_VALUES] + [(a, b) for a in ODD_VALUES[::3] for b in ODD_VALUES[::2]]
    samples += [(a, b, c) for a in ODD_VALUES[::4] for b in ODD_VALUES[1::5] for c in ODD_VALUES[2::6]]
    for args in samples:
        try:
            call_function(name, list(args), ctx)
        except EvalError:
            pass


# ---------------------------------------------------------------------------------------------
# Never hang
# ---------------------------------------------------------------------------------------------


def test_range_is_bounded():
    assert len(call("range", 1024)) == 1024
    with pytest.raises(EvalError, match="more than 1024"):
        call("range", 10**12)
    with pytest.raises(EvalError):
        call("range", 0, float("inf"))


def test_setproduct_is_bounded():
    big = list(range(200))
    with pytest.raises(LimitExceeded, match="limits.collection_size"):
        call("setproduct", big, big, big, big)


@pytest.mark.parametrize("pattern, text", [
    ("(a+)+$", "a" * 5000 + "b"),
    ("^(a|aa)+$", "a" * 3000 + "b"),
    (r"^(\w+\s?)*$", "word " * 400 + "!"),
    ("(x*)*y", "x" * 5000),
])
def test_catastrophic_regexes_finish(pattern, text):
    # RE2 runs in linear time: these would take hours in a backtracking engine (no timing is
    # asserted here; a hang would end the run)
    assert call("regexall", pattern, text) == []


def test_backtracking_safe_engine_matches_like_go():
    assert call("regex", r"^(\w+\.)*\w+$", "www.example.com") == ["example."]
    assert call("regex", "(a|ab)(c|bcd)(d*)", "abcd") == ["a", "bcd", ""]
    assert call("regexall", "(a|b)+", "abxba") == [["b"], ["a"]]
    assert call("replace", "a-b-c", "/(a|b|c)+/", "<$1>") == "<a>-<b>-<c>"


# ---------------------------------------------------------------------------------------------
# Filesystem
# ---------------------------------------------------------------------------------------------


@pytest.fixture()
def module(tmp_path):
    (tmp_path / "hello.txt").write_text("Hello World", encoding="utf-8")
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "hello.txt").write_text("hello", encoding="utf-8")
    (tmp_path / "files" / "world.txt").write_text("world", encoding="utf-8")
    (tmp_path / "files" / "other.json").write_text("{}", encoding="utf-8")
    (tmp_path / "files" / "sub").mkdir()
    (tmp_path / "files" / "sub" / "deep.txt").write_text("deep", encoding="utf-8")
    (tmp_path / "binary.bin").write_bytes(b"\xff\xfe\x00")
    (tmp_path / "tmpl.tftpl").write_text("Hello, ${name}!", encoding="utf-8")
    return FunctionContext(module_dir=str(tmp_path), render_template=None, boundary=Boundary([tmp_path]))


def test_file_reads_relative_to_module_dir(module):
    assert call("file", "hello.txt", ctx=module) == "Hello World"
    assert call("file", "./files/../hello.txt", ctx=module) == "Hello World"
    assert call("file", os.path.join(module.module_dir, "hello.txt"), ctx=module) == "Hello World"


def test_file_errors(module, tmp_path):
    with pytest.raises(EvalError, match="no file exists"):
        call("file", "missing.txt", ctx=module)
    with pytest.raises(EvalError, match="not valid UTF-8"):
        call("file", "binary.bin", ctx=module)
    with pytest.raises(EvalError):
        call("file", "files", ctx=module)
    with open(tmp_path / "big.txt", "wb") as fh:
        fh.truncate(11 * 1024 * 1024)
    with pytest.raises(EvalError, match="larger than"):
        call("file", "big.txt", ctx=module)
    assert isinstance(call("file", UA, ctx=module), Unknown)
    assert isinstance(call("file", "~/x", ctx=module), Unknown)


def test_fileexists(module):
    assert call("fileexists", "hello.txt", ctx=module) is True
    assert call("fileexists", "nope.txt", ctx=module) is False
    with pytest.raises(EvalError, match="directory"):
        call("fileexists", "files", ctx=module)


def test_fileset(module):
    assert call("fileset", ".", "files/*.txt", ctx=module) == ["files/hello.txt", "files/world.txt"]
    assert call("fileset", ".", "files/{hello,world}.txt", ctx=module) == ["files/hello.txt", "files/world.txt"]
    assert call("fileset", "files", "**", ctx=module) == ["hello.txt", "other.json", "sub/deep.txt", "world.txt"]
    assert call("fileset", "files", "**/*.txt", ctx=module) == ["hello.txt", "sub/deep.txt", "world.txt"]
    assert call("fileset", "files", "?????.txt", ctx=module) == ["hello.txt", "world.txt"]
    assert call("fileset", "files", "[hw]*.txt", ctx=module) == ["hello.txt", "world.txt"]
    assert call("fileset", "nowhere", "*", ctx=module) == []


def test_file_hashes(module):
    data = b"Hello World"
    assert call("filebase64", "hello.txt", ctx=module) == base64.b64encode(data).decode()
    assert call("filemd5", "hello.txt", ctx=module) == hashlib.md5(data).hexdigest()
    assert call("filesha1", "hello.txt", ctx=module) == hashlib.sha1(data).hexdigest()
    assert call("filesha256", "hello.txt", ctx=module) == hashlib.sha256(data).hexdigest()
    assert call("filesha512", "hello.txt", ctx=module) == hashlib.sha512(data).hexdigest()
    assert call("filebase64sha256", "hello.txt", ctx=module) == base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert call("filebase64sha512", "binary.bin", ctx=module) == base64.b64encode(hashlib.sha512(b"\xff\xfe\x00").digest()).decode()


def test_templatefile(module):
    seen = []

    def render(text, variables):
        seen.append((text, variables))
        return text.replace("${name}", variables["name"])

    ctx = FunctionContext(module_dir=module.module_dir, render_template=render, boundary=module.boundary)
    assert call("templatefile", "tmpl.tftpl", {"name": "Ander"}, ctx=ctx) == "Hello, Ander!"
    assert seen == [("Hello, ${name}!", {"name": "Ander"})]
    # no renderer: unknown, carrying the refs of the variables
    assert is_unknown_with(call("templatefile", "tmpl.tftpl", {"name": UA}, ctx=module), REF_A)
    assert is_unknown_with(call("templatefile", "tmpl.tftpl", UB, ctx=ctx), REF_B)
    with pytest.raises(EvalError, match="no file exists"):
        call("templatefile", "missing.tftpl", {}, ctx=ctx)
    with pytest.raises(EvalError, match="must be a map"):
        call("templatefile", "tmpl.tftpl", ["x"], ctx=ctx)
    with pytest.raises(EvalError, match="invalid template variable name"):
        call("templatefile", "tmpl.tftpl", {"1x": 1}, ctx=ctx)


def test_templatestring_uses_renderer():
    ctx = FunctionContext(module_dir=".", render_template=lambda text, variables: text.upper())
    assert call("templatestring", "hi ${x}", {"x": 1}, ctx=ctx) == "HI ${X}"
    assert isinstance(call("templatestring", "hi", {}), Unknown)


def test_abspath_is_unknown(module):
    # an absolute path depends on where the code is checked out, and would put the runner's
    # directories into published reports
    assert isinstance(call("abspath", "files/../hello.txt", ctx=module), Unknown)


@pytest.mark.parametrize("fn,args", [
    ("file", ("{outside}/secret.txt",)), ("file", ("../outside/secret.txt",)),
    ("templatefile", ("{outside}/secret.txt", {})), ("filemd5", ("{outside}/secret.txt",)),
    ("filebase64", ("{outside}/secret.txt",)), ("filesha256", ("{outside}/secret.txt",)),
    ("fileexists", ("{outside}/secret.txt",)), ("fileset", ("{outside}", "*")), ("fileset", (".", "../outside/*")),
    ("fileset", (".", "../*/*")), ("file", ("link.txt",)), ("file", ("/proc/self/environ",)),
])
def test_file_functions_never_read_outside_the_tree(tmp_path, fn, args):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("SECRET", encoding="utf-8")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "link.txt").symlink_to(outside / "secret.txt")
    ctx = FunctionContext(module_dir=str(tree), render_template=lambda t, v: t, boundary=Boundary([tree]))
    args = tuple(a.format(outside=outside) if isinstance(a, str) else a for a in args)
    result = call(fn, *args, ctx=ctx)
    assert isinstance(result, Unknown), result
    assert "SECRET" not in repr(result)


def test_file_functions_read_nothing_without_a_boundary(module):
    assert isinstance(call("file", f"{module.module_dir}/hello.txt"), Unknown)


def test_file_refuses_a_fifo(module):
    os.mkfifo(os.path.join(module.module_dir, "pipe"))
    with pytest.raises(EvalError, match="not a regular file"):
        call("file", "pipe", ctx=module)  # returns at once: a FIFO is never opened for a blocking read


def test_relative_module_dir_and_path_module_prefix(module, monkeypatch):
    parent, name = os.path.split(module.module_dir)
    monkeypatch.chdir(parent)
    ctx = FunctionContext(module_dir=name, render_template=None, boundary=module.boundary)
    assert call("file", "hello.txt", ctx=ctx) == "Hello World"  # relative to the module
    assert call("file", f"{name}/hello.txt", ctx=ctx) == "Hello World"  # "${path.module}/hello.txt"
    assert call("fileset", name, "files/*.txt", ctx=ctx) == ["files/hello.txt", "files/world.txt"]
    assert call("fileexists", f"./{name}/files/hello.txt", ctx=ctx) is True


def test_rejected_patterns_are_errors_and_print_nothing(capfd):
    # RE2 logs every pattern it rejects unless told not to; a linter's stderr must stay clean
    for pattern in (r"(a)\1", "(?=a)", "a**"):
        with pytest.raises(EvalError, match="error parsing regexp"):
            call("regex", pattern, "aa")
    assert capfd.readouterr().err == ""
