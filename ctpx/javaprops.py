"""``java.util.Properties.load`` as CTP relies on it: legacy scripts and lookup tables.

Rules: physical lines end at ``\\n``, ``\\r`` or ``\\r\\n``; a line ending in an odd number of
backslashes continues on the next one (whose leading white space is dropped); a line whose first
non-blank character is ``#`` or ``!`` is a comment; the key ends at the first unescaped ``=``,
``:`` or white space, then white space and one ``=``/``:`` are skipped; ``\\t \\n \\r \\f
\\uXXXX`` and ``\\x`` (any other character) are decoded in keys and values; for a key defined
twice, the last definition wins.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterator

WS = " \t\f"
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}
_HEX4 = re.compile(r"[0-9A-Fa-f]{4}\Z")


@dataclass(frozen=True)
class Line:
    """One logical line: where it starts, its text, and whether a column in ``text`` is also a
    column in the file (false once continuation lines were joined)."""

    line: int
    col: int
    text: str
    exact: bool

    @property
    def is_comment(self) -> bool:
        return self.text[:1] in ("#", "!")


def _continues(s: str) -> bool:
    return (len(s) - len(s.rstrip("\\"))) % 2 == 1


def logical_lines(text: str) -> Iterator[Line]:
    """Every non-blank logical line, comments included (they do not continue)."""
    physical = re.split(r"\r\n|\r|\n", text)
    i = 0
    while i < len(physical):
        raw = physical[i]
        stripped = raw.lstrip(WS)
        start, col = i + 1, len(raw) - len(stripped) + 1
        i += 1
        if not stripped:
            continue
        if stripped[0] in "#!":
            yield Line(start, col, stripped, True)
            continue
        parts, exact = [stripped], True
        while _continues(parts[-1]) and i < len(physical):
            parts[-1] = parts[-1][:-1]
            parts.append(physical[i].lstrip(WS))
            exact = False
            i += 1
        if _continues(parts[-1]):
            parts[-1] = parts[-1][:-1]
        yield Line(start, col, "".join(parts), exact)


def split_key(logical: str) -> tuple[str, str, int]:
    """(raw key, raw value, offset of the value in the logical line)."""
    i, n = 0, len(logical)
    while i < n:
        c = logical[i]
        if c == "\\":
            i += 2
            continue
        if c in "=:" or c in WS:
            break
        i += 1
    key = logical[:i]
    j = i
    while j < n and logical[j] in WS:
        j += 1
    if j < n and logical[j] in "=:":
        j += 1
        while j < n and logical[j] in WS:
            j += 1
    return key, logical[j:], j


def unescape(s: str, on_bad_unicode: Callable[[int], None] | None = None) -> str:
    """Decode escapes. A malformed ``\\uXXXX`` calls ``on_bad_unicode(offset)`` (which may
    raise, as Java does); without a callback the escape is read as the letter ``u``."""
    out = []
    i = 0
    while i < len(s):
        c = s[i]
        if c != "\\" or i + 1 >= len(s):
            out.append(c)
            i += 1
            continue
        d = s[i + 1]
        if d == "u":
            digits = s[i + 2:i + 6]
            if _HEX4.match(digits):
                out.append(chr(int(digits, 16)))
                i += 6
                continue
            if on_bad_unicode is not None:
                on_bad_unicode(i)
        out.append(_ESCAPES.get(d, d))
        i += 2
    return "".join(out)


def load(text: str) -> dict[str, str]:
    """The key/value table ``Properties.load`` would build."""
    props: dict[str, str] = {}
    for ln in logical_lines(text):
        if ln.is_comment:
            continue
        key, value, _ = split_key(ln.text)
        props[unescape(key)] = unescape(value)
    return props
