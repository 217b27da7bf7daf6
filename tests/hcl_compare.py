"""Compare the ASTs of exvlint's HCL front end and the python-hcl2 reference (``hcl_reference``).

``differences(text)`` parses one text with both and lists where the results disagree: block
structure, attribute names, literal values, expressions (structure and text), positions, and
whether the text is rejected at all (and on which line). The test suite runs it over every
fixture and example; ``benchmarks/hcl_corpus.py`` runs it over a corpus of real files.
"""
from __future__ import annotations

import re
from typing import Any

import hcl_reference

from exvlint.terraform import hcl


def parse_both(text: str) -> tuple:
    """((ParsedFile or HCLSyntaxError) from exvlint, the same from the reference)."""
    out = []
    for parse in (hcl.parse_hcl, hcl_reference.parse_hcl):
        try:
            out.append(parse(text))
        except hcl.HCLSyntaxError as exc:
            out.append(exc)
        except RecursionError:
            out.append(hcl.HCLSyntaxError("nesting too deep"))
    return out[0], out[1]


def dump(node: Any) -> Any:
    """A plain, comparable form of an AST node (classes by name, every slot, lists as tuples)."""
    if isinstance(node, (list, tuple)):
        return tuple(dump(v) for v in node)
    if isinstance(node, dict):
        return tuple((k, dump(v)) for k, v in node.items())
    if isinstance(node, bool):
        return ("bool", node)
    if isinstance(node, float) and node.is_integer():
        return ("float", node)
    if (isinstance(node, hcl.Literal) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool)
            and node.value < 0):
        # the reference reads some negative numbers as one literal, others as a negation: same value
        node = hcl.Unary("-", hcl.Literal(-node.value, line=node.line, col=node.col + 1), line=node.line, col=node.col)
    slots = [n for klass in type(node).__mro__ for n in getattr(klass, "__slots__", ())]
    if slots:
        return (type(node).__name__,) + tuple((n, dump(getattr(node, n))) for n in sorted(set(slots)))
    return node


def first_difference(a: Any, b: Any, path: str = "") -> str:
    if type(a) is not type(b):
        return f"{path}: {short(a)} != {short(b)}"
    if isinstance(a, tuple):
        if len(a) != len(b):
            names = lambda t: [x[0] if isinstance(x, tuple) and x and isinstance(x[0], str) else "?" for x in t]  # noqa: E731
            return f"{path}: {len(a)} items {names(a)[:8]} != {len(b)} items {names(b)[:8]}"
        for i, (x, y) in enumerate(zip(a, b)):
            label = x[0] if isinstance(x, tuple) and x and isinstance(x[0], str) and len(x) == 2 else str(i)
            if x != y:
                return first_difference(x, y, f"{path}/{label}")
        return ""
    return f"{path}: {short(a)} != {short(b)}" if a != b else ""


def _align_ends(new: hcl.Body, ref: hcl.Body, lines: list) -> None:
    """The reference ends some attributes (heredocs, operations) on a later line, after the comments,
    newlines and indentation that follow; exvlint ends them where their text ends. Same span: align them."""
    for name, attr in ref.attributes.items():
        other = new.attributes.get(name)
        if other is None or attr.end_line <= other.end_line or attr.end_line > len(lines):
            continue
        between = [lines[other.end_line - 1][other.end_col - 1:]] + lines[other.end_line:attr.end_line - 1] + [
            lines[attr.end_line - 1][:attr.end_col - 1]]
        if not "".join(re.sub(r"(#|//).*$", "", part) for part in between).strip():  # blanks and comments
            attr.end_line, attr.end_col = other.end_line, other.end_col
    for a, b in zip(new.blocks, ref.blocks):
        _align_ends(a.body, b.body, lines)


def short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 160 else text[:157] + "..."


def differences(text: str) -> list:
    """Human-readable disagreements between the two front ends on ``text`` (empty: they agree)."""
    new, ref = parse_both(text)
    new_err, ref_err = isinstance(new, Exception), isinstance(ref, Exception)
    if new_err or ref_err:
        if new_err and ref_err:
            return [] if new.line == ref.line else [f"both reject, at line {new.line} and reference line {ref.line}"]
        if new_err:
            return [f"only exvlint rejects: line {new.line}: {new.message}"]
        return [f"only the reference rejects: line {ref.line}: {ref.message}"]
    out = []
    _align_ends(new.body, ref.body, text.split("\n") + ["", ""])  # the reference may end past the text
    d = first_difference(dump(new.body), dump(ref.body), "body")
    if d:
        out.append(d)
    # exvlint keeps every comment, the reference only those between attributes and blocks
    new_comments = {(c.line, c.text) for c in new.comments}
    missing = [c for c in ref.comments if (c.line, c.text) not in new_comments]
    if missing:
        out.append(f"comments missing: {missing[:3]}")
    return out
