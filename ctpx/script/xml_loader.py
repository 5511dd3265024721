"""The XML form of a CTP script, read the way CTP's DAScript reads it, but hardened.

CTP semantics kept (ctp-semantics §1.2): any root element name; only the root's direct children
count; ``<e>`` bodies are the element's text content trimmed, ``<p>`` values are not trimmed;
``en`` enables only when it is exactly ``T``; unknown children are ignored by CTP (kept here as
opaque nodes); comments are allowed and kept for printing.

Hardening (beyond CTP): a DOCTYPE or entity declaration is refused before parsing (XML02), the
parser never resolves entities or reaches the network, and files over ``MAX_BYTES`` are refused
(IO03). Malformed XML is an error (XML01), where CTP would silently run an empty script.
"""
from __future__ import annotations

import bisect
import re

from lxml import etree

from ..errors import Span, XmlError, line_col, source_line_at
from ..java import jtrim
from .grammar import parse_value
from .ir import (ElementRule, Item, KeepRule, OpaqueNode, Param, RemoveRule, Script, ScriptForm)
from .tags import parse_tag_selector

_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_comments=False,
                           remove_pis=True, encoding="utf-8")


class _Lines:
    """Maps character offsets of the source text to (line, column)."""

    def __init__(self, text: str):
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def offset(self, line: int) -> int:
        return self.starts[min(max(line, 1), len(self.starts)) - 1]

    def span(self, path: str | None, offset: int) -> Span:
        i = bisect.bisect_right(self.starts, offset) - 1
        return Span(path, i + 1, offset - self.starts[i] + 1)


def load_xml(text: str, path: str | None = None) -> Script:
    m = _DTD.search(text)
    if m:
        line, col = line_col(text, m.start())
        raise XmlError("document type and entity declarations are not allowed in a script "
                       "(refused: this is how entity-expansion and external-entity attacks work)",
                       code="XML02", span=Span(path, line, col),
                       source_line=source_line_at(text, line))
    try:
        root = etree.fromstring(text.encode("utf-8"), _parser())
    except etree.XMLSyntaxError as e:
        line, col = (e.position if e.position else (1, 1))
        raise XmlError(f"not well-formed XML: {e.msg}", code="XML01",
                       span=Span(path, line, max(col, 1)),
                       source_line=source_line_at(text, line)) from None
    if root is None:
        raise XmlError("no root element", code="XML01", span=Span(path, 1, 1))
    lines = _Lines(text)
    locator = _Locator(text, lines)
    items: list[Item] = []
    pending: list[str] = []
    for child in root:
        if isinstance(child, etree._Comment):
            pending.append(child.text or "")
            continue
        if not isinstance(child.tag, str):
            continue
        comments = tuple(pending)
        pending = []
        start = locator.element_start(child)
        span = lines.span(path, start)
        items.append(_item(child, comments, span, start, locator, lines, path))
    return Script(tuple(items), path=path, form=ScriptForm.XML, root_name=root.tag,
                  trailing_comments=tuple(pending))


def _text_content(el) -> str:
    """DOM getTextContent(): the text of the element and its descendants, without comments."""
    parts = [el.text or ""]
    for sub in el:
        if isinstance(sub.tag, str):
            parts.append(_text_content(sub))
        parts.append(sub.tail or "")
    return "".join(parts)


def _item(el, comments, span, start, locator, lines, path) -> Item:
    tag = el.tag
    if tag == "p":
        return Param(el.get("t", ""), _text_content(el), span, comments)
    if tag == "e":
        en = el.get("en")
        raw_body = _text_content(el)
        body = jtrim(raw_body)
        body_offset = locator.body_offset(el, start, raw_body, body)
        body_span = lines.span(path, body_offset) if body_offset is not None else span

        def span_at(off, _base=body_offset, _exact=locator.exact):
            if _base is None or not _exact:
                return body_span
            return lines.span(path, _base + off)

        expr = parse_value(body, span_at)
        return ElementRule(parse_tag_selector(el.get("t", "")), el.get("n"), en == "T", body,
                           expr, en, span, body_span, comments)
    if tag == "k":
        en = el.get("en")
        return KeepRule(el.get("t", ""), en == "T", _text_content(el), en, span, comments)
    if tag == "r":
        en = el.get("en")
        return RemoveRule(el.get("t", ""), en == "T", _text_content(el), en, span, comments)
    xml = etree.tostring(el, encoding="unicode", with_tail=False)
    return OpaqueNode(tag, xml, span, comments)


class _Locator:
    """Finds where each child element and its body start in the source text.

    lxml gives only the start line of an element; the column and the body offset are found by
    scanning the source from that line. ``exact`` becomes False for a body whose source text
    differs from its content (entities, CDATA, nested markup): those nodes get the body's span.
    """

    def __init__(self, text: str, lines: _Lines):
        self.text = text
        self.lines = lines
        self.exact = True

    def element_start(self, el) -> int:
        base = self.lines.offset(el.sourceline or 1)
        pos = self.text.find("<" + el.tag, base)
        return pos if pos >= 0 else base

    def body_offset(self, el, start: int, raw_body: str, body: str) -> int | None:
        gt = self._end_of_start_tag(start)
        if gt is None:
            return None
        lead = len(raw_body) - len(raw_body.lstrip("".join(chr(i) for i in range(0x21))))
        self.exact = self.text.startswith(body, gt + 1 + lead)
        return gt + 1 + lead

    def _end_of_start_tag(self, start: int) -> int | None:
        quote = None
        for i in range(start, min(len(self.text), start + 4096)):
            c = self.text[i]
            if quote:
                if c == quote:
                    quote = None
            elif c in "\"'":
                quote = c
            elif c == ">":
                return i
        return None
