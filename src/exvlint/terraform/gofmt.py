"""Go's fmt verbs, as Terraform's format() and formatlist() apply them (%s %d %f %e %g %x %q %v %t
with flags, width, precision and explicit argument indexes)."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Optional

# the function library is loaded before this module (format() imports it when first called)
from .functions import MAX_STRING_SIZE, _decimal, _json_encode, _json_string, _to_bool, _to_number, _to_str
from .graphemes import _glen, _graphemes
from .values import EvalError, number_text, type_name

_num_text = number_text



@dataclass
class _Verb:
    raw: str
    offset: int
    argnum: int
    mode: str
    flags: str
    width: Optional[int]
    prec: Optional[int]


def go_format(spec: str, args: list) -> str:
    """cty's format(): printf-like verbs %v %#v %t %b %d %o %x %X %e %E %f %g %G %s %q %%."""
    out: list = []
    i, n = 0, len(spec)
    next_arg, highest = 1, 0
    while i < n:
        ch = spec[i]
        if ch != "%":
            out.append(ch)
            i += 1
            continue
        if spec.startswith("%%", i):
            out.append("%")
            i += 2
            continue
        start = i
        i += 1
        flags = ""
        while i < n and spec[i] in "0#-+ ":
            flags += spec[i]
            i += 1
        width = None
        if i < n and spec[i] in "123456789":
            j = i
            while j < n and spec[j] in "0123456789":
                j += 1
            width, i = int(spec[i:j]), j
        prec = None
        if i < n and spec[i] == ".":
            j = i + 1
            while j < n and spec[j] in "0123456789":
                j += 1
            prec, i = int(spec[i + 1:j] or "0"), j
        argnum = next_arg
        if i < n and spec[i] == "[":
            j = i + 1
            while j < n and spec[j] in "0123456789":
                j += 1
            if j == i + 1 or spec[i + 1] == "0" or j >= n or spec[j] != "]":
                raise EvalError(f"invalid format string starting at offset {start}")
            argnum, i = int(spec[i + 1:j]), j + 1
        if i >= n:
            raise EvalError(f"invalid format string starting at offset {start}")
        mode = spec[i]
        if not (mode.isascii() and mode.isalpha()):
            raise EvalError(f"unrecognized format character {mode!r} at offset {i}")
        i += 1
        if (width or 0) > MAX_STRING_SIZE or (prec or 0) > MAX_STRING_SIZE:
            raise EvalError("format width or precision is too large")
        verb = _Verb(spec[start:i], start, argnum, mode, flags, width, prec)
        highest = max(highest, argnum)
        out.append(_format_verb(verb, args))
        next_arg = argnum + 1
    if highest < len(args):
        if highest == 0:
            raise EvalError("too many arguments; no verbs in format string")
        raise EvalError(f"too many arguments; only {highest} used by format string")
    return "".join(out)


def _format_verb(verb: _Verb, args: list) -> str:
    if verb.argnum > len(args):
        raise EvalError(f"not enough arguments for {verb.raw!r} at {verb.offset}: need index {verb.argnum} but have {len(args)} total")
    arg = args[verb.argnum - 1]
    if verb.mode != "v" and arg is None:
        raise EvalError(f"unsupported value for {verb.raw!r} at {verb.offset}: null value cannot be formatted")
    try:
        if verb.mode == "v":
            if "#" not in verb.flags and isinstance(arg, str):
                return _pad_width(verb, arg)
            if "#" not in verb.flags and type_name(arg) == "number":
                return _pad_width(verb, _go_float_text(arg, "g", -1))
            return _pad_width(verb, _json_encode(arg))
        if verb.mode == "t":
            return "true" if _to_bool(arg, "value") else "false"
        if verb.mode in "bdoxX":
            return _go_format_int(verb, _to_number(arg, "value"))
        if verb.mode in "eEfgG":
            return _go_format_float(verb, _to_number(arg, "value"))
        if verb.mode in "sq":
            text = _to_str(arg, "value")
            if verb.prec:  # precision truncates (counted in characters)
                text = "".join(_graphemes(text)[: verb.prec])
            return _pad_width(verb, text if verb.mode == "s" else _json_string(text))
    except EvalError as exc:
        raise EvalError(f"unsupported value for {verb.raw!r} at {verb.offset}: {exc}") from None
    raise EvalError(f"unsupported format verb {verb.mode!r} in {verb.raw!r} at offset {verb.offset}")


def _pad_width(verb: _Verb, text: str) -> str:
    if verb.width is None:
        return text
    missing = verb.width - _glen(text)
    if missing <= 0:
        return text
    pad = ("0" if "0" in verb.flags else " ") * missing
    return text + pad if "-" in verb.flags else pad + text


def _go_format_int(verb: _Verb, n: Any) -> str:
    """fmt.Sprintf of a *big.Int (sign, '#' prefix, precision = minimum digits, width)."""
    if isinstance(n, float):
        raise EvalError("an integer is required")
    base = {"b": "b", "d": "d", "o": "o", "x": "x", "X": "X"}[verb.mode]
    digits = format(abs(n), base)
    sign = "-" if n < 0 else "+" if "+" in verb.flags else " " if " " in verb.flags else ""
    prefix = ""
    if "#" in verb.flags:
        prefix = {"b": "0b", "o": "0", "x": "0x", "X": "0X"}.get(verb.mode, "")
    zeros = 0
    if verb.prec is not None:
        if len(digits) < verb.prec:
            zeros = verb.prec - len(digits)
        elif digits == "0" and verb.prec == 0:
            return ""
    left = right = 0
    length = len(sign) + len(prefix) + zeros + len(digits)
    if verb.width is not None and length < verb.width:
        pad = verb.width - length
        if "-" in verb.flags:
            right = pad
        elif "0" in verb.flags and verb.prec is None:
            zeros = pad
        else:
            left = pad
    return " " * left + sign + prefix + "0" * zeros + digits + " " * right


def _shortest_digits(x: Any) -> tuple:
    """(digits, dp) with value = 0.digits * 10**dp, digits without trailing zeros."""
    d = _decimal(abs(x))
    sign, digs, exp = d.as_tuple()
    text = "".join(map(str, digs)).lstrip("0")
    if not text:
        return "0", 1
    stripped = text.rstrip("0")
    exp += len(text) - len(stripped)
    return stripped, len(stripped) + exp


def _digits_e(digits: str, dp: int, upper: bool) -> str:
    mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    exp = dp - 1 if digits != "0" else 0
    e = "E" if upper else "e"
    return f"{mant}{e}{'-' if exp < 0 else '+'}{abs(exp):02d}"


def _digits_f(digits: str, dp: int) -> str:
    if dp <= 0:
        return "0." + "0" * (-dp) + digits
    if dp >= len(digits):
        return digits + "0" * (dp - len(digits))
    return digits[:dp] + "." + digits[dp:]


def _go_float_text(x: Any, mode: str, prec: int) -> str:
    """big.Float.Text(mode, prec) for the modes used by format() ('e', 'E', 'f', 'g', 'G')."""
    if isinstance(x, float) and math.isinf(x):
        return "+Inf" if x > 0 else "-Inf"
    negative = x < 0
    upper = mode in "EG"
    if mode in "gG" and prec < 0:
        digits, dp = _shortest_digits(x)
        exp = dp - 1
        if digits != "0" and (exp < -4 or exp >= 6):
            body = _digits_e(digits, dp, upper)
        else:
            body = _digits_f(digits, dp) if digits != "0" else "0"
    elif mode in "gG":
        body = format(float(abs(x)), f".{prec}{mode}")
    elif x == 0 and mode in "eE":
        body = "0" + ("." + "0" * prec if prec > 0 else "") + mode + "+00"
    else:
        body = format(_decimal(abs(x)), f".{prec}{mode}")
        if mode in "eE":
            body = re.sub(r"([eE][+-])(\d)\Z", r"\g<1>0\2", body)
    return ("-" if negative else "") + body


def _go_format_float(verb: _Verb, x: Any) -> str:
    """fmt.Sprintf of a *big.Float (its Format method's flag and padding rules)."""
    if verb.mode in "gG":
        prec = verb.prec if verb.prec is not None else -1
    else:
        prec = verb.prec if verb.prec is not None else 6
    text = _go_float_text(x, verb.mode, prec)
    sign = ""
    if text[0] == "-":
        sign, text = "-", text[1:]
    elif text[0] == "+":
        sign, text = (" " if " " in verb.flags else "+"), text[1:]
    elif "+" in verb.flags:
        sign = "+"
    elif " " in verb.flags:
        sign = " "
    pad = max(0, (verb.width or 0) - len(sign) - len(text))
    is_inf = isinstance(x, float) and math.isinf(x)
    if "0" in verb.flags and not is_inf:
        return sign + "0" * pad + text
    if "-" in verb.flags:
        return sign + text + " " * pad
    return " " * pad + sign + text
