"""Java regular expressions (``String.replaceAll``/``matches``) on Python's ``re``.

CTP hands script text straight to ``java.util.regex``. The two dialects agree on everything real
scripts use; the differences handled here are Java's ASCII-only ``\\w \\d \\s \\b`` (Python's are
Unicode), POSIX classes such as ``\\p{Alpha}``, ``\\Q...\\E`` quoting, ``(?<name>...)`` groups,
``\\z``, and the ``$1``/``${name}`` replacement syntax.
"""
from __future__ import annotations

import re
from functools import lru_cache

_POSIX = {
    "Lower": "a-z", "Upper": "A-Z", "ASCII": "\\x00-\\x7f", "Alpha": "a-zA-Z", "Digit": "0-9",
    "Alnum": "a-zA-Z0-9", "Punct": "!-/:-@\\[-`{-~", "Graph": "!-~", "Print": " -~",
    "Blank": " \\t", "Cntrl": "\\x00-\\x1f\\x7f", "XDigit": "0-9a-fA-F", "Space": " \\t\\n\\x0b\\f\\r",
    "L": "a-zA-Z\\u00c0-\\u024f", "IsAlphabetic": "a-zA-Z", "IsDigit": "0-9", "javaLowerCase": "a-z",
    "javaUpperCase": "A-Z",
}


class JavaRegexError(ValueError):
    pass


def _translate(p: str) -> str:
    out = []
    i = 0
    n = len(p)
    in_class = 0
    while i < n:
        c = p[i]
        if c == "\\" and i + 1 < n:
            d = p[i + 1]
            if d == "Q":
                j = p.find("\\E", i + 2)
                lit = p[i + 2:] if j < 0 else p[i + 2:j]
                out.append(re.escape(lit))
                i = n if j < 0 else j + 2
                continue
            if d in "pP" and i + 2 < n:
                if p[i + 2] == "{":
                    j = p.find("}", i + 3)
                    name = p[i + 3:j] if j > 0 else ""
                    end = j + 1
                else:
                    name = p[i + 2]
                    end = i + 3
                name = name[2:] if name.startswith("Is") and name[2:] in _POSIX else name
                rng = _POSIX.get(name)
                if rng is None:
                    raise JavaRegexError(f"unsupported class \\{d}{{{name}}}")
                neg = d == "P"
                if in_class:
                    if neg:
                        raise JavaRegexError("negated class inside a class")
                    out.append(rng)
                else:
                    out.append(("[^" if neg else "[") + rng + "]")
                i = end
                continue
            if d == "z":
                out.append("\\Z")
                i += 2
                continue
            if d == "Z":
                out.append("(?=\\n?\\Z)")
                i += 2
                continue
            if d == "h":
                out.append(" \\t\\xa0" if in_class else "[ \\t\\xa0]")
                i += 2
                continue
            out.append(c + d)
            i += 2
            continue
        if c == "[":
            in_class += 1
        elif c == "]" and in_class:
            in_class -= 1
        elif c == "(" and not in_class and p.startswith("(?<", i) and i + 3 < n and p[i + 3] not in "=!":
            out.append("(?P<")
            i += 3
            continue
        out.append(c)
        i += 1
    return "".join(out)


@lru_cache(maxsize=512)
def compile_java(pattern: str) -> re.Pattern:
    try:
        return re.compile(_translate(pattern), re.ASCII)
    except re.error as e:
        raise JavaRegexError(str(e)) from None


def _replacement(repl: str, groups: int):
    """Java replacement text -> [literal, group, literal, group, ..., literal].

    ``$n`` takes further digits while the number still names a group (Java's rule), ``${name}``
    names a group, a backslash quotes the next character.
    """
    parts: list = []
    buf: list[str] = []
    i = 0
    while i < len(repl):
        c = repl[i]
        if c == "\\":
            i += 1
            if i >= len(repl):
                raise JavaRegexError("character to be escaped is missing")
            buf.append(repl[i])
            i += 1
            continue
        if c != "$":
            buf.append(c)
            i += 1
            continue
        i += 1
        if i >= len(repl):
            raise JavaRegexError("illegal group reference: group index is missing")
        if repl[i] == "{":
            j = repl.find("}", i)
            if j < 0:
                raise JavaRegexError("named capturing group is missing trailing '}'")
            ref: int | str = repl[i + 1:j]
            i = j + 1
        elif repl[i].isdigit():
            ref = int(repl[i])
            i += 1
            while i < len(repl) and repl[i].isdigit() and ref * 10 + int(repl[i]) <= groups:
                ref = ref * 10 + int(repl[i])
                i += 1
        else:
            raise JavaRegexError("illegal group reference")
        parts.append("".join(buf))
        parts.append(ref)
        buf = []
    parts.append("".join(buf))
    return parts


def replace_all(pattern: str, value: str, repl: str) -> str:
    """``value.replaceAll(pattern, repl)``."""
    rx = compile_java(pattern)
    parts = _replacement(repl, rx.groups)
    if len(parts) == 1:
        lit = parts[0]
        return rx.sub(lambda m: lit, value)

    def fn(m: re.Match) -> str:
        out = []
        for k, p in enumerate(parts):
            if k % 2 == 0:
                out.append(p)
                continue
            try:
                out.append(m.group(p) or "")
            except (IndexError, re.error):
                raise JavaRegexError(f"no group {p}") from None
        return "".join(out)

    return rx.sub(fn, value)


def full_match(pattern: str, value: str) -> bool:
    return compile_java(pattern).fullmatch(value) is not None
