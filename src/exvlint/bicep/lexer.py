"""Bicep source as tokens, the first step of :mod:`exvlint.bicep.parse`.

Token kinds are identifiers, integers (64-bit, as the compiler reads them), strings (whole, or the
pieces around ``${...}`` holes of an interpolated one, ``'''`` multi-line strings included),
newlines (they separate declarations) and punctuation. Comments are kept aside for
``exvlint:ignore`` directives; ``#disable-next-line`` pragmas are trivia. A malformed token raises
:class:`BicepSyntaxError` with its line and column.
"""
from __future__ import annotations

import re


class BicepSyntaxError(ValueError):
    def __init__(self, message: str, line: int, col: int):
        super().__init__(f"{message} (line {line}, column {col})")
        self.message = message
        self.line = line
        self.col = col


# token kinds: "id", "int", "str" (a whole string: value), "strl"/"strm"/"strr" (pieces of an
# interpolated string: text before/between/after holes), "nl", "eof", and punctuation as itself
_PUNCT = ["...", "??", "::", "==", "!=", "=~", "!~", "<=", ">=", "&&", "||", "=>",
          "{", "}", "(", ")", "[", "]", "@", ",", ".", "?", ":", ";", "=", "<", ">",
          "+", "-", "*", "/", "%", "!", "|", "^"]
_PUNCT3 = {p for p in _PUNCT if len(p) == 3}
_PUNCT2 = {p for p in _PUNCT if len(p) == 2}
_PUNCT1 = {p for p in _PUNCT if len(p) == 1}
_WS = re.compile(r"[ \t]+")
_NL = re.compile(r"[\r\n]+")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INT = re.compile(r"[0-9]+")
_ML_DOLLAR = re.compile(r"\$+'''")
_PRAGMA = re.compile(r"#[a-z][a-z-]*[^\r\n]*")
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", "'": "'", "$": "$"}
_SINGLE_SEG = re.compile(r"[^'\\$\r\n]+")
_UNICODE = re.compile(r"\\u\{([0-9A-Fa-f]{1,6})\}")


class Token:
    __slots__ = ("kind", "value", "pos")

    def __init__(self, kind: str, value, pos: int):
        self.kind = kind
        self.value = value
        self.pos = pos

    def __repr__(self) -> str:
        return f"Token({self.kind!r}, {self.value!r}, {self.pos})"


class _Lexer:
    def __init__(self, text: str, where):
        self.text = text
        self.where = where
        self.tokens: list = []
        self.comments: list = []  # (position, text) of every comment
        # what an open '{' belongs to: "brace" (an object) or ("hole", multiline, dollars)
        self.stack: list = []

    def fail(self, message: str, pos: int) -> None:
        line, col = self.where(pos)
        raise BicepSyntaxError(message, line, col)

    def run(self) -> list:
        text, n, pos = self.text, len(self.text), 0
        tokens = self.tokens
        at_line_start = True
        while pos < n:
            ch = text[pos]
            if ch == " " or ch == "\t":
                pos = _WS.match(text, pos).end()
                continue
            if ch == "\n" or ch == "\r":
                if self.stack and self.stack[-1] != "brace":
                    self.fail("a string must end on the line where it starts", pos)
                tokens.append(Token("nl", None, pos))
                pos = _NL.match(text, pos).end()
                at_line_start = True
                continue
            if ch == "#" and at_line_start:
                m = _PRAGMA.match(text, pos)
                if m:  # #disable-next-line and friends: trivia
                    pos = m.end()
                    continue
            at_line_start = False
            if ch.isalpha() or ch == "_":
                m = _IDENT.match(text, pos)
                if m is None:
                    self.fail(f"unexpected character {ch!r}", pos)
                tokens.append(Token("id", m.group(0), pos))
                pos = m.end()
                continue
            if "0" <= ch <= "9":
                m = _INT.match(text, pos)
                if len(m.group(0).lstrip("0")) > 19 or int(m.group(0)) >= 1 << 63:  # the compiler's BCP010
                    self.fail("expected a valid 64-bit signed integer", pos)
                tokens.append(Token("int", int(m.group(0)), pos))
                pos = m.end()
                continue
            if ch == "'":
                if text.startswith("'''", pos):
                    pos = self.multiline(pos, pos + 3, 0)
                else:
                    pos = self.single(pos, pos + 1, True)
                continue
            if ch == "/" and pos + 1 < n and text[pos + 1] in "/*":
                start = pos
                if text[pos + 1] == "/":
                    end = text.find("\n", pos)
                    pos = n if end < 0 else end
                    if text[pos - 1:pos] == "\r":
                        pos -= 1
                else:
                    end = text.find("*/", pos + 2)
                    if end < 0:
                        self.fail("unterminated /* comment", pos)
                    pos = end + 2
                self.comments.append((start, text[start:pos]))  # kept for exvlint:ignore directives
                continue
            if ch == "$":
                m = _ML_DOLLAR.match(text, pos)
                if m is None:
                    self.fail("unexpected character '$'", pos)
                pos = self.multiline(pos, m.end(), len(m.group(0)) - 3)
                continue
            p = text[pos:pos + 3]
            if p not in _PUNCT3:
                if p[:2] in _PUNCT2:
                    p = p[:2]
                elif ch in _PUNCT1:
                    p = ch
                else:
                    self.fail(f"unexpected character {ch!r}", pos)
            if p == "{" and self.stack:
                self.stack.append("brace")
            elif p == "}" and self.stack:
                top = self.stack.pop()
                if top != "brace":  # the end of an interpolation hole: the string goes on
                    _, multiline, dollars = top
                    if multiline:
                        pos = self.multiline(pos, pos + 1, dollars, piece=True)
                    else:
                        pos = self.single(pos, pos + 1, False)
                    continue
            tokens.append(Token(p, p, pos))
            pos += len(p)
        if self.stack and self.stack[-1] != "brace":
            self.fail("unterminated string", n)
        tokens.append(Token("eof", None, n))
        return tokens

    def single(self, start: int, pos: int, first: bool) -> int:
        """Scan a '...' string (or its part after a hole) from ``pos``; returns the end."""
        text, n = self.text, len(self.text)
        out: list = []
        while True:
            m = _SINGLE_SEG.match(text, pos)
            if m:
                out.append(m.group(0))
                pos = m.end()
            if pos >= n:
                self.fail("unterminated string", start)
            ch = text[pos]
            if ch == "'":
                self.tokens.append(Token("str" if first else "strr", "".join(out), start))
                return pos + 1
            if ch in "\r\n":
                self.fail("a string must end on the line where it starts", start)
            if ch == "\\":
                nxt = text[pos + 1:pos + 2]
                if nxt == "u":
                    um = _UNICODE.match(text, pos)
                    if not um or int(um.group(1), 16) > 0x10FFFF:
                        self.fail("invalid unicode escape (\\u{...})", pos)
                    out.append(chr(int(um.group(1), 16)))
                    pos = um.end()
                    continue
                if nxt not in _ESCAPES:
                    self.fail(f"invalid escape sequence \\{nxt}", pos)
                out.append(_ESCAPES[nxt])
                pos += 2
                continue
            # ch == "$"
            if text.startswith("${", pos):
                self.tokens.append(Token("strl" if first else "strm", "".join(out), start))
                self.stack.append(("hole", False, 1))
                return pos + 2
            out.append("$")
            pos += 1

    def multiline(self, start: int, pos: int, dollars: int, piece: bool = False) -> int:
        """Scan a ''' string (no escapes; ``$'''`` strings have ``${`` holes, one ``$`` per prefix)."""
        text = self.text
        opener = "$" * dollars + "{" if dollars else None
        end = text.find("'''", pos)
        hole = text.find(opener, pos) if opener else -1
        if hole >= 0 and (end < 0 or hole < end):
            # "$" runs longer than the prefix are literal up to the last ones
            value = text[pos:hole]
            if not piece:
                value = _strip_first_newline(value)
            self.tokens.append(Token("strm" if piece else "strl", value, start))
            self.stack.append(("hole", True, dollars))
            return hole + len(opener)
        if end < 0:
            self.fail("unterminated multi-line string", start)
        while text.startswith("'", end + 3):  # '''' ends with a quote inside the string
            end += 1
        value = text[pos:end]
        if not piece:
            value = _strip_first_newline(value)
        self.tokens.append(Token("strr" if piece else "str", value, start))
        return end + 3


def _strip_first_newline(value: str) -> str:
    if value.startswith("\r"):
        value = value[1:]
    if value.startswith("\n"):
        value = value[1:]
    return value
