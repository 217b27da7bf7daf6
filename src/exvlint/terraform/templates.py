"""HCL string templates: ``${expr}`` interpolations and ``%{if}`` / ``%{for}`` directives.

Template text outside quoted strings (heredoc bodies, ``templatefile`` files, template strings in
Terraform JSON) is parsed here into a :class:`~exvlint.terraform.syntax.Template`; each
interpolation goes to the expression parser the caller passes. ``~`` strip markers, ``$${`` /
``%%{`` escapes and nested directives as HCL reads them.
"""
from __future__ import annotations

import re
from typing import Any

from .syntax import HCLSyntaxError, Template, TemplateFor, TemplateIf


def assemble_directives(parts: list, line: int) -> list:
    """Turn flat ("if", e) / ("else",) / ("endif",) / ("for", ...) markers into nested nodes."""
    out: list = []
    stack: list = []  # (node, current list, kind)
    current = out
    for part in parts:
        if isinstance(part, tuple):
            kind = part[0]
            if kind == "if":
                node = TemplateIf(part[1], [], [])
                current.append(node)
                stack.append((node, current, "if"))
                current = node.then
            elif kind == "else":
                if not stack or stack[-1][2] != "if":
                    raise HCLSyntaxError("%{ else } without %{ if }", line)
                current = stack[-1][0].other
            elif kind == "endif":
                if not stack or stack[-1][2] != "if":
                    raise HCLSyntaxError("%{ endif } without %{ if }", line)
                current = stack.pop()[1]
            elif kind == "for":
                idents = part[1]
                node = TemplateFor(idents[0] if len(idents) == 2 else None, idents[-1], part[2], [])
                current.append(node)
                stack.append((node, current, "for"))
                current = node.body
            elif kind == "endfor":
                if not stack or stack[-1][2] != "for":
                    raise HCLSyntaxError("%{ endfor } without %{ for }", line)
                current = stack.pop()[1]
        elif isinstance(part, str) and current and isinstance(current[-1], str):
            current[-1] += part
        else:
            current.append(part)
    if stack:
        raise HCLSyntaxError("unclosed template directive", line)
    return out


_DIRECTIVE_RE = re.compile(r"^\s*(if|else|endif|for|endfor)\b(.*)$", re.S)


def parse_template(text: str, line: int, parse_expr: Any) -> Template:
    """Parse template text (heredoc bodies, ``templatefile`` files): ``${expr}`` and ``%{...}``.

    ``parse_expr(text, line)`` parses each interpolation.
    """
    parts: list = []
    i = 0
    buf = []
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in "$%" and text.startswith(ch + ch + "{", i):
            buf.append(ch + "{")
            i += 3
            continue
        if ch in "$%" and i + 1 < n and text[i + 1] == "{":
            end = _matching_brace(text, i + 1)
            if end < 0:
                raise HCLSyntaxError("unclosed template interpolation", line + text.count("\n", 0, i))
            inner = text[i + 2:end]
            here = line + text.count("\n", 0, i)
            if buf:
                parts.append("".join(buf))
                buf = []
            strip_left = inner.startswith("~")
            strip_right = inner.endswith("~")
            inner = inner[1 if strip_left else 0:len(inner) - 1 if strip_right else len(inner)]
            if strip_left and parts and isinstance(parts[-1], str):
                parts[-1] = parts[-1].rstrip()
            if ch == "$":
                parts.append(parse_expr(inner, here))
            else:
                m = _DIRECTIVE_RE.match(inner)
                if not m:
                    raise HCLSyntaxError(f"invalid template directive %{{{inner.strip()}}}", here)
                kind, rest = m.group(1), m.group(2)
                if kind == "if":
                    parts.append(("if", parse_expr(rest, here)))
                elif kind == "for":
                    fm = re.match(r"^\s*([A-Za-z_][\w-]*)\s*(?:,\s*([A-Za-z_][\w-]*)\s*)?\bin\b(.*)$", rest, re.S)
                    if not fm:
                        raise HCLSyntaxError("invalid %{ for } directive", here)
                    idents = [fm.group(1)] + ([fm.group(2)] if fm.group(2) else [])
                    parts.append(("for", idents, parse_expr(fm.group(3), here)))
                else:
                    parts.append((kind,))
            i = end + 1
            if strip_right:
                while i < n and text[i] in " \t\r\n":
                    i += 1
            continue
        buf.append(ch)
        i += 1
    if buf:
        parts.append("".join(buf))
    return Template(assemble_directives(parts, line), line=line)


def _matching_brace(text: str, open_pos: int) -> int:
    depth = 0
    i = open_pos
    in_str = False
    while i < len(text):
        ch = text[i]
        if in_str:
            if ch == "\\":
                i += 2
                continue
            if ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1
