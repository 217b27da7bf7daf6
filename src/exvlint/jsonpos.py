"""JSON with source positions: every object and array remembers where its members start.

Terraform's ``.tf.json``, plan JSON and ARM templates all need findings located at the line of
a key, which the standard ``json`` module cannot tell. The parser is small, strict by default
(RFC 8259, as Terraform reads JSON) and iterative in its string scanning, so large files stay fast.

``loads(text, lenient=True)`` reads JSON as Azure Resource Manager does (its reader is Json.NET's):
``//`` and ``/* */`` comments, a UTF-8 byte order mark, a trailing comma before ``}`` or ``]`` and
raw line breaks inside strings are accepted.
"""
from __future__ import annotations

import json
import re
from typing import Any


class JSONPosError(ValueError):
    def __init__(self, message: str, line: int, col: int):
        super().__init__(f"{message} (line {line}, column {col})")
        self.message = message
        self.line = line
        self.col = col


class PosDict(dict):
    """A JSON object; ``key_lines[key]`` is the (line, column) where the key is written;
    ``end_line``/``end_col`` where its closing brace is (0 when not read from text).

    ``path`` names the file the positions refer to when it differs from the enclosing document's
    (a document assembled from several files, such as a Bicep module lowered into its caller);
    empty means "the same file as the parent".
    """

    line: int = 0
    col: int = 0
    end_line: int = 0
    end_col: int = 0
    path: str = ""

    def __init__(self, *args: Any):
        super().__init__(*args)
        self.key_lines: dict = {}


class PosList(list):
    """A JSON array; ``item_lines[i]`` is the (line, column) where element i starts; ``end_line`` /
    ``end_col`` where its closing bracket is."""

    line: int = 0
    col: int = 0
    end_line: int = 0
    end_col: int = 0
    path: str = ""  # as PosDict.path

    def __init__(self, *args: Any):
        super().__init__(*args)
        self.item_lines: list = []


_WS = re.compile(r"[ \t\n\r]*")
_WS_COMMENTS = re.compile(r"(?:[ \t\n\r]+|//[^\n]*|/\*(?:[^*]|\*(?!/))*\*/)*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_STRING_END = re.compile(r'["\\\x00-\x1f]')
_DECODER = json.JSONDecoder()
_LENIENT_DECODER = json.JSONDecoder(strict=False)  # control characters (line breaks) allowed in strings


def loads(text: str, lenient: bool = False, max_depth: int = 0) -> Any:
    """Parse JSON with positions; nesting beyond ``max_depth`` (default limits.nesting_depth, whose
    levels cost two Python frames each, well inside the recursion limit) is an error. ``lenient``
    accepts what Azure Resource Manager accepts (see the module doc)."""
    from .limits import current

    if lenient and text.startswith("\ufeff"):
        text = text[1:]
    parser = _Parser(text, lenient)
    parser.max_depth = max_depth or current().nesting_depth
    value = parser.value()
    parser.skip_ws()
    if parser.pos != len(text):
        parser.fail("extra data after the JSON value")
    return value


class _Parser:
    def __init__(self, text: str, lenient: bool = False):
        self.text = text
        self.pos = 0
        self.lenient = lenient
        self.ws = _WS_COMMENTS if lenient else _WS
        self.decoder = _LENIENT_DECODER if lenient else _DECODER
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def where(self, pos: int) -> tuple:
        import bisect

        i = bisect.bisect_right(self.line_starts, pos) - 1
        return i + 1, pos - self.line_starts[i] + 1

    def fail(self, message: str) -> None:
        line, col = self.where(self.pos)
        raise JSONPosError(message, line, col)

    def skip_ws(self) -> None:
        self.pos = self.ws.match(self.text, self.pos).end()
        if self.lenient and self.text.startswith("/*", self.pos):
            self.fail("unterminated /* comment")

    def value(self, depth: int = 0) -> Any:
        if depth >= self.max_depth:
            self.fail(f"JSON nested more than {self.max_depth} levels deep (limits.nesting_depth); not read")
        self.skip_ws()
        if self.pos >= len(self.text):
            self.fail("unexpected end of JSON input")
        ch = self.text[self.pos]
        if ch == "{":
            return self.obj(depth)
        if ch == "[":
            return self.arr(depth)
        if ch == '"':
            return self.string()
        if self.text.startswith("true", self.pos):
            self.pos += 4
            return True
        if self.text.startswith("false", self.pos):
            self.pos += 5
            return False
        if self.text.startswith("null", self.pos):
            self.pos += 4
            return None
        m = _NUMBER.match(self.text, self.pos)
        if m and m.end() > self.pos:
            self.pos = m.end()
            text = m.group(0)
            if not re.fullmatch(r"-?\d+", text):
                return float(text)
            try:
                return int(text)
            except ValueError:  # past Python's digit limit for int(): as large as a float gets
                return float(text)
        self.fail(f"unexpected character {ch!r}")

    def string(self) -> str:
        try:
            value, end = self.decoder.raw_decode(self.text, self.pos)
        except json.JSONDecodeError as exc:
            self.pos = exc.pos
            self.fail(exc.msg)
        if not isinstance(value, str):
            self.fail("expected a string")
        self.pos = end
        return value

    def obj(self, depth: int) -> PosDict:
        out = PosDict()
        out.line, out.col = self.where(self.pos)
        self.pos += 1
        self.skip_ws()
        if self.text.startswith("}", self.pos):
            return self._close(out)
        while True:
            self.skip_ws()
            if self.lenient and self.text.startswith("}", self.pos):  # trailing comma
                return self._close(out)
            if not self.text.startswith('"', self.pos):
                self.fail("expected a quoted property name")
            key_pos = self.where(self.pos)
            key = self.string()
            self.skip_ws()
            if not self.text.startswith(":", self.pos):
                self.fail("expected ':' after a property name")
            self.pos += 1
            out[key] = self.value(depth + 1)
            out.key_lines[key] = key_pos
            self.skip_ws()
            if self.text.startswith(",", self.pos):
                self.pos += 1
                continue
            if self.text.startswith("}", self.pos):
                return self._close(out)
            self.fail("expected ',' or '}' in an object")

    def arr(self, depth: int) -> PosList:
        out = PosList()
        out.line, out.col = self.where(self.pos)
        self.pos += 1
        self.skip_ws()
        if self.text.startswith("]", self.pos):
            return self._close(out)
        while True:
            self.skip_ws()
            if self.lenient and self.text.startswith("]", self.pos):  # trailing comma
                return self._close(out)
            out.item_lines.append(self.where(self.pos))
            out.append(self.value(depth + 1))
            self.skip_ws()
            if self.text.startswith(",", self.pos):
                self.pos += 1
                continue
            if self.text.startswith("]", self.pos):
                return self._close(out)
            self.fail("expected ',' or ']' in an array")

    def _close(self, out: Any) -> Any:
        """Consume the closing brace or bracket at the current position and remember where it is."""
        out.end_line, out.end_col = self.where(self.pos)
        self.pos += 1
        return out
