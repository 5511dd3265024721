"""The legacy Java-properties form of a CTP script (ctp-semantics §1.6).

    param.UIDROOT=1.2.3
    set.[0010,0010]PatientName=@hash(this,6)
    #set.[0008,0090]ReferringPhysicianName=@remove()      (a disabled rule)
    keep.group0018=
    keep.safeprivateelements=
    remove.privategroups=

Java ``Properties.load`` rules apply first: logical lines continue after an odd number of
trailing backslashes, ``#``/``!`` start comments, a key ends at the first unescaped ``=``, ``:``
or whitespace, and ``\\t \\n \\r \\f \\uXXXX \\x`` escapes are decoded. The script escapes of the rule
language then apply to the decoded value, so a literal backslash needs four in the file.
"""
from __future__ import annotations

import re

from .. import javaprops
from ..errors import ParseError, Span
from .grammar import parse_value
from .ir import ElementRule, Item, KeepRule, OpaqueNode, Param, RemoveRule, Script, ScriptForm
from .tags import parse_tag_selector


def _bracket_end(key: str, start: int) -> int:
    depth = 0
    for i in range(start, len(key)):
        if key[i] == "[":
            depth += 1
        elif key[i] == "]":
            depth -= 1
            if depth == 0:
                return i
    return -1


def load_properties(text: str, path: str | None = None) -> Script:
    items: list[Item] = []
    pending: list[str] = []
    for ln in javaprops.logical_lines(text):
        line_no, col, logical = ln.line, ln.col, ln.text
        span = Span(path, line_no, col)
        enabled = True
        body = logical
        if ln.is_comment:
            candidate = logical[1:]
            if not re.match(r"(set|keep|remove)\.", candidate):
                pending.append(logical[1:])
                continue
            enabled = False
            body = candidate
            col += 1
        raw_key, raw_value, voff = javaprops.split_key(body)
        key = _unescape(raw_key, path, line_no, col)
        value = _unescape(raw_value, path, line_no, col + voff)
        comments = tuple(pending)
        pending = []
        item = _item(key, value, enabled, span, comments, path, line_no, col + voff,
                     ln.exact and value == raw_value, logical)
        items.append(item)
    return Script(tuple(items), path=path, form=ScriptForm.PROPERTIES,
                  trailing_comments=tuple(pending))


def _unescape(s: str, path, line, col) -> str:
    def bad(offset: int) -> None:
        raise ParseError("malformed \\uXXXX escape", code="PRS02",
                         span=Span(path, line, col + offset), source_line=s)
    return javaprops.unescape(s, bad)


def _item(key, value, enabled, span, comments, path, line_no, value_col, exact, logical) -> Item:
    if key.startswith("param.") and enabled:
        return Param(key[len("param."):], value, span, comments)
    if key.startswith("set.["):
        end = _bracket_end(key, 4)
        if end > 0:
            inner = key[5:end]
            t = inner[:4] + inner[5:] if len(inner) > 4 and inner[4] == "," else inner
            label = key[end + 1:]
            body_span = Span(path, line_no, value_col)

            def span_at(off):
                return Span(path, line_no, value_col + off) if exact else body_span

            return ElementRule(parse_tag_selector(t), label, enabled, value,
                               parse_value(value, span_at), "T" if enabled else "F", span,
                               body_span, comments)
    if key.startswith("keep."):
        rest = key[len("keep."):]
        if rest.startswith("safe"):
            return KeepRule(rest, enabled, value, "T" if enabled else "F", span, comments)
        if rest.startswith("group"):
            return KeepRule(rest[len("group"):], enabled, value, "T" if enabled else "F", span,
                            comments)
    if key.startswith("remove."):
        return RemoveRule(key[len("remove."):], enabled, value, "T" if enabled else "F", span,
                          comments)
    return OpaqueNode("property", logical, span, comments)
