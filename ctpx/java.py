"""Java string semantics that CTP's behaviour depends on, in one place.

CTP is Java: ``String.trim`` removes code points <= U+0020 (not Unicode spaces), ``\\s`` in a
Java regex is ``[ \\t\\n\\x0B\\f\\r]``, and ``Integer.parseInt`` accepts an optional sign and
ASCII digits only. Python's defaults differ in each case, so everything that imitates CTP uses
these helpers.
"""
from __future__ import annotations

import re

_JAVA_WS = " \t\n\x0b\f\r"
_TRIM_CHARS = "".join(chr(i) for i in range(0x21))
_INT = re.compile(r"[+-]?[0-9]+\Z")


def jtrim(s: str) -> str:
    """Java ``String.trim()``."""
    return s.strip(_TRIM_CHARS)


def jtrim_end(s: str) -> str:
    return s.rstrip(_TRIM_CHARS)


def jtrim_start(s: str) -> str:
    return s.lstrip(_TRIM_CHARS)


def remove_java_ws(s: str) -> str:
    """``s.replaceAll("\\\\s", "")``."""
    return "".join(c for c in s if c not in _JAVA_WS)


def is_java_ws(c: str) -> bool:
    return c in _JAVA_WS


def parse_int(s: str) -> int | None:
    """``Integer.parseInt(s)``, or None where Java would throw (including 32-bit overflow)."""
    if not _INT.match(s):
        return None
    v = int(s)
    if v < -(2 ** 31) or v > 2 ** 31 - 1:
        return None
    return v
