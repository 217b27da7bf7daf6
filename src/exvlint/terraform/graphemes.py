"""Unicode grapheme clusters: Terraform counts "characters" (length, substr, strrev) as grapheme
clusters, as Go's uniseg does, not as code points."""
from __future__ import annotations

import unicodedata

_ZWJ = "\u200d"


def _is_extend(ch: str) -> bool:
    cp = ord(ch)
    if ch == _ZWJ or 0x1F3FB <= cp <= 0x1F3FF or 0xE0020 <= cp <= 0xE007F:
        return True
    return unicodedata.category(ch) in ("Mn", "Me", "Mc")


def _is_pictographic(ch: str) -> bool:
    cp = ord(ch)
    return (0x1F000 <= cp <= 0x1FAFF) or (0x2600 <= cp <= 0x27BF) or unicodedata.category(ch) == "So"


def _is_regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def _hangul(ch: str) -> str:
    cp = ord(ch)
    if 0x1100 <= cp <= 0x115F or 0xA960 <= cp <= 0xA97C:
        return "L"
    if 0x1160 <= cp <= 0x11A7 or 0xD7B0 <= cp <= 0xD7C6:
        return "V"
    if 0x11A8 <= cp <= 0x11FF or 0xD7CB <= cp <= 0xD7FB:
        return "T"
    if 0xAC00 <= cp <= 0xD7A3:
        return "LV" if (cp - 0xAC00) % 28 == 0 else "LVT"
    return ""


def _joins(prev: str, ch: str, regional_run: int) -> bool:
    if prev == "\r" and ch == "\n":
        return True
    if prev in "\r\n" or ch in "\r\n":
        return False
    if _is_extend(ch):
        return True
    if prev == _ZWJ and _is_pictographic(ch):
        return True
    if _is_regional(prev) and _is_regional(ch):
        return regional_run % 2 == 1
    hp, hc = _hangul(prev), _hangul(ch)
    if hp == "L" and hc in ("L", "V", "LV", "LVT"):
        return True
    if hp in ("LV", "V") and hc in ("V", "T"):
        return True
    if hp in ("LVT", "T") and hc == "T":
        return True
    return False


def _graphemes(s: str) -> list:
    """Split ``s`` into (approximate UAX #29) extended grapheme clusters."""
    if s.isascii():
        if "\r\n" not in s:
            return list(s)
    clusters: list = []
    regional_run = 0
    for ch in s:
        if clusters and _joins(clusters[-1][-1], ch, regional_run):
            clusters[-1] += ch
        else:
            clusters.append(ch)
        regional_run = regional_run + 1 if _is_regional(ch) else 0
    return clusters


def _glen(s: str) -> int:
    return len(_graphemes(s))
