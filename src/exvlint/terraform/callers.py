"""Which Terraform root modules contain a changed file (for pre-commit, which passes changed files).

A file in a child module is linted through the root modules of the repository that call it, with
their arguments, not on its own with the module's defaults; a root module's ``.tfvars`` or
``variables.tf`` re-checks that root. The call graph comes from the local ``source = "./..."``
arguments of the module blocks of every ``.tf`` and ``.tf.json`` file in the repository, read
lexically (comments blanked), which keeps a hook run on a large repository short.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Optional

from .. import files
from ..discover import SKIP_DIRS
from ..paths import Boundary, find_repository
from .frontend import SOURCE_SUFFIXES
from .hcl import Comment

_LOCAL_SOURCE = re.compile(r'"?source"?\s*[=:]\s*"(\.\.?[/\\][^"]*|\.\.?)"')


def containing_units(path: str) -> Optional[list]:
    """Paths to lint so that ``path`` is checked in context, or None when it is not a Terraform file.

    Each returned path is a ``.tf`` file of a root module (a file, so that only that module directory
    is read, not everything below it); the file's own directory when nothing in the repository calls it.
    """
    if not path.endswith(SOURCE_SUFFIXES) or not os.path.isfile(path):
        return None
    directory = os.path.dirname(os.path.abspath(path))
    repo = find_repository(directory)
    if repo is None:  # outside git there is no repository to search: the module directory alone
        return [path]
    callers = _callers(repo)
    roots, seen, todo = [], {directory}, [directory]
    while todo:
        d = todo.pop()
        up = callers.get(d, set())
        if not up and d != directory:
            roots.append(d)
        for caller in sorted(up - seen):
            seen.add(caller)
            todo.append(caller)
    if not roots:
        return [path]
    out = []
    for root in sorted(roots):
        first = _first_tf(root)
        if first:
            out.append(os.path.relpath(first) if not os.path.isabs(path) else first)
    return out or [path]


def _first_tf(directory: str) -> Optional[str]:
    try:
        names = sorted(n for n in os.listdir(directory) if n.endswith((".tf", ".tf.json")))
    except OSError:
        return None
    return os.path.join(directory, names[0]) if names else None


@lru_cache(maxsize=8)
def _callers(repo: str) -> dict:
    """Module directory -> directories whose module blocks call it with a local source."""
    boundary = Boundary([repo])  # the index reads nothing outside the repository
    out: dict = {}
    for dirpath, dirnames, filenames in os.walk(repo):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        for name in filenames:
            if not name.endswith((".tf", ".tf.json")):
                continue
            path = os.path.join(dirpath, name)
            try:
                text = files.read_bytes(path, boundary).decode("utf-8", "replace")
            except files.InputError:
                continue  # the run that lints the file reports it
            if not _LOCAL_SOURCE.search(text):
                continue
            for source in (_json_sources(text) if name.endswith(".json") else _hcl_sources(text)):
                target = os.path.normpath(os.path.join(dirpath, source.replace("\\", "/")))
                if target != os.path.normpath(dirpath):
                    out.setdefault(target, set()).add(os.path.normpath(dirpath))
    return out


_MODULE_HEAD = re.compile(r'^[ \t]*module[ \t]+"[^"\n]*"[ \t]*\{', re.M)
_SOURCE_ATTR = re.compile(r'^[ \t]*source[ \t]*=[ \t]*"(\.\.?(?:[/\\][^"\n]*)?)"', re.M)


def _hcl_sources(text: str) -> list:
    """Local sources of the module blocks in HCL text, read lexically: the index must be fast, and
    parsing every file of a repository on each commit is not (python-hcl2 takes ~0.1 s a file).
    Comments are blanked first, so a commented-out call is no call."""
    text, _ = blank_block_comments(text)
    text = "\n".join(_strip_line_comment(line) for line in text.split("\n"))
    out = []
    for head in _MODULE_HEAD.finditer(text):
        depth, i = 1, head.end()
        start = i
        while i < len(text) and depth:  # the block's body, to its closing brace
            ch = text[i]
            if ch == '"':
                i = _string_end(text, i)
                continue
            depth += ch == "{"
            depth -= ch == "}"
            i += 1
        body = text[start:i]
        nested = re.sub(r"\{[^{}]*\}", lambda m: re.sub(r"[^\n]", " ", m.group(0)), body)  # top-level arguments only
        m = _SOURCE_ATTR.search(nested)
        if m:
            out.append(m.group(1))
    return out


def _string_end(text: str, i: int) -> int:
    """The index after the string literal that starts at ``text[i]`` (a double quote)."""
    i += 1
    while i < len(text) and text[i] not in '"\n':
        i += 2 if text[i] == "\\" else 1
    return i + 1


def _strip_line_comment(line: str) -> str:
    in_string, i = False, 0
    while i < len(line):
        ch = line[i]
        if in_string:
            if ch == "\\":
                i += 2
                continue
            in_string = ch != '"'
        elif ch == '"':
            in_string = True
        elif ch == "#" or line.startswith("//", i):
            return line[:i]
        i += 1
    return line


def _json_sources(text: str) -> list:
    import json

    try:
        doc = json.loads(text)
    except ValueError:
        return []
    calls = doc.get("module") if isinstance(doc, dict) else None
    items = calls if isinstance(calls, list) else [calls]
    out = []
    for group in items:
        for call in (group or {}).values() if isinstance(group, dict) else ():
            for c in call if isinstance(call, list) else [call]:
                source = c.get("source") if isinstance(c, dict) else None
                if isinstance(source, str) and source.startswith("."):
                    out.append(source)
    return out


_HEREDOC_START = re.compile(r"<<-?([A-Za-z_][\w-]*)[ \t]*\r?\n")


def blank_block_comments(text: str) -> tuple:
    """Replace /* ... */ comments outside strings and heredocs by spaces (newlines kept); (text, comments)."""
    if "/*" not in text:
        return text, []
    out = []
    comments = []
    i, n, line = 0, len(text), 1
    depth = 0  # ${ } nesting inside a string
    in_string = False
    while i < n:
        ch = text[i]
        if in_string:
            if ch == "\\":
                out.append(text[i:i + 2])
                i += 2
                continue
            if ch == '"' and depth == 0:
                in_string = False
            elif text.startswith("${", i):
                depth += 1
            elif ch == "}" and depth:
                depth -= 1
        elif ch == '"':
            in_string = True
        elif ch == "#" or text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            out.append(text[i:end])
            i = end
            continue
        elif text.startswith("<<", i):
            m = _HEREDOC_START.match(text, i)
            if m:
                close = re.compile(r"^[ \t]*" + re.escape(m.group(1)) + r"[ \t]*\r?$", re.M)
                end_m = close.search(text, m.end())
                end = end_m.end() if end_m else n
                out.append(text[i:end])
                line += text.count("\n", i, end)
                i = end
                continue
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            chunk = text[i:end]
            comments.append(Comment(line, chunk))
            out.append(re.sub(r"[^\n]", " ", chunk))
            line += chunk.count("\n")
            i = end
            continue
        if ch == "\n":
            line += 1
        out.append(ch)
        i += 1
    return "".join(out), comments
