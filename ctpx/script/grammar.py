"""Rule expressions: text -> IR ``Value`` (with the Lark grammar ``grammars/ctp.lark``), and back.

The grammar is loaded once per process. Parsing never fails on a rule body: CTP accepts every
string, so every quirk becomes a node (``Truncated``, a ``Call`` with ``swallowed`` text, an
unknown ``Call``) that lint reports. The reverse direction, ``unparse``, prints a canonical body
that parses back to an equal ``Value``.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Callable

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput

from ..dicom.names import dcm4che_tag
from ..errors import Span
from ..functions import ArgKind, spec
from ..java import jtrim, remove_java_ws
from .ir import (CALL_CLASSES, Arg, Call, ElementList, ElementName, ElementRef, Literal, NameKind,
                 Node, ParamRef, Text, Truncated, Value)

SpanFn = Callable[[int], Span]

_HEADS = {"CALL_HEAD", "TWO_CLAUSE_HEAD", "ONE_CLAUSE_HEAD"}


def grammar_text() -> str:
    """The text of ``ctp.lark``: from the installed package, or from a source checkout."""
    try:
        from importlib.resources import files
        return (files("ctpx.grammars") / "ctp.lark").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        with open(os.path.join(here, "grammars", "ctp.lark"), encoding="utf-8") as f:
            return f.read()


@lru_cache(maxsize=1)
def parser() -> Lark:
    return Lark(grammar_text(), parser="lalr", lexer="contextual",
                start=["value", "element_ref"], maybe_placeholders=False)


# ---------------------------------------------------------------------------------------------
# text -> IR

def parse_value(text: str, span_at: SpanFn | None = None) -> Value:
    """Parse a rule body (or clause) into a ``Value``. ``span_at(offset)`` places nodes."""
    return _Builder(span_at).value(text, 0)


class _Builder:
    def __init__(self, span_at: SpanFn | None):
        self.span_at = span_at

    def _span(self, offset: int) -> Span | None:
        return self.span_at(offset) if self.span_at is not None else None

    # -- values
    def value(self, text: str, base: int) -> Value:
        tree, cut = _parse_with_recovery(text)
        parts: list[Node] = []
        for child in tree.children:
            self._part(child, text, base, parts)
        if cut is not None:
            parts.append(Truncated("unclosed", text[cut:], self._span(base + cut)))
        return Value(tuple(_merge_text(parts)), self._span(base))

    def _part(self, node, text: str, base: int, out: list) -> None:
        kind = node.data
        if kind == "text":
            tok = node.children[0]
            out.append(Text(str(tok), self._span(base + tok.start_pos)))
        elif kind == "escape":
            tok = node.children[0]
            out.append(Text(str(tok)[1:], self._span(base + tok.start_pos)))
        elif kind == "lone_backslash":
            pass  # a single "\" at the very end outputs nothing
        elif kind == "bare":
            tok = node.children[0]
            out.append(Truncated("bare", str(tok), self._span(base + tok.start_pos)))
        else:
            out.append(self._call(node, base))

    def _call(self, node: Tree, base: int) -> Call:
        head: Token = node.children[0]
        name = remove_java_ws(str(head)[1:-1])
        args_tree = node.children[1]
        raws = [(_arg_raw(a), _arg_start(a, head)) for a in args_tree.children]
        fspec = spec(name)
        args = tuple(_typed_arg(raw, fspec.kind_of(i) if fspec else ArgKind.RAW,
                                self._span(base + pos))
                     for i, (raw, pos) in enumerate(raws))
        clauses = []
        swallowed = None
        for tok in node.children[2:]:
            if not isinstance(tok, Token):
                continue
            if tok.type == "CLAUSE":
                s = str(tok)
                open_at = s.index("{")
                inner = s[open_at + 1:-1]
                lead = len(inner) - len(inner.lstrip("".join(chr(i) for i in range(0x21))))
                clauses.append(self.value(jtrim(inner), base + tok.start_pos + open_at + 1 + lead))
            elif tok.type == "SWALLOW":
                swallowed = str(tok)
        cls = CALL_CLASSES.get(name, Call)
        needed = fspec.clauses if fspec else 0
        if needed and len(clauses) < needed and swallowed is None:
            swallowed = ""   # the clause is missing at the end of the value: nothing is left to drop
        return cls(name, args, tuple(clauses), swallowed, self._span(base + head.start_pos))


def _parse_with_recovery(text: str) -> tuple[Tree, int | None]:
    """Parse ``text``; if an argument list never closes, parse what comes before that call.

    Returns the tree and the offset where CTP stops scanning (None when it reads everything).
    The top level accepts every character, so an error can only happen inside the argument
    list of the last call that was started.
    """
    p = parser()
    try:
        return p.parse(text, start="value"), None
    except UnexpectedInput:
        pass
    ip = p.parse_interactive(text, start="value")
    last = 0
    try:
        for tok in ip.iter_parse():
            if tok.type in _HEADS:
                last = tok.start_pos
        ip.feed_eof()
    except UnexpectedInput:
        pass
    return p.parse(text[:last], start="value"), last


def _arg_start(arg: Tree, head: Token) -> int:
    for t in arg.scan_values(lambda v: isinstance(v, Token)):
        return t.start_pos
    return head.end_pos


def _unescape(s: str) -> str:
    return re.sub(r"\\([\s\S])", r"\1", s)


def _arg_raw(arg: Tree) -> str:
    """The argument text as FnCall builds it: escapes applied, quotes kept, trimmed."""
    return jtrim("".join(_piece_text(p) for p in arg.children))


def _piece_text(piece) -> str:
    if isinstance(piece, Tree):   # a (...) group
        return "(" + "".join(_piece_text(p) for p in piece.children) + ")"
    s = str(piece)
    if piece.type == "ARG_ESCAPE":
        return s[1:]
    if piece.type in ("ARG_QUOTED", "ARG_BRACKET"):
        return s[0] + _unescape(s[1:-1]) + s[-1]
    return s


def _typed_arg(raw: str, kind: ArgKind, span: Span | None) -> Arg:
    if kind is ArgKind.ELEMENT:
        return element_ref(raw, span)
    if kind is ArgKind.ELEMENTS:
        return ElementList(raw, tuple(element_ref(jtrim(p), span) for p in raw.split("|")), span)
    if kind is ArgKind.PARAM:
        t = jtrim(raw)
        if t[:1] in ("@", "$") and len(t) > 1:
            return ParamRef(raw, t[1:], span)
        return Literal(raw, span)
    if kind is ArgKind.OPERAND:
        lit = Literal(raw, span)
        u = lit.unquoted
        if u.startswith("@") and len(u) > 1:
            return ParamRef(raw, u[1:], span)
        return lit
    return Literal(raw, span)


_WRAP = "()[]{}"
_PRIVATE = re.compile(r"([0-9A-Fa-f]{1,4}),?\[([^\]]*)\],?([0-9A-Fa-f]{0,2})\Z")


@lru_cache(maxsize=8192)
def _element_ref_uncached(raw: str) -> tuple[bool, tuple[ElementName, ...]]:
    if raw == "":
        return False, (ElementName("", NameKind.EMPTY),)
    try:
        tree = parser().parse(raw, start="element_ref")
    except UnexpectedInput:
        return False, (ElementName(raw, NameKind.NAME),)
    root = False
    names = []
    for child in tree.children:
        if isinstance(child, Token):
            if child.type == "ROOT_PREFIX":
                root = True
            continue
        names.append(_element_name(child.children[0]))
    return root, tuple(names)


def element_ref(raw: str, span: Span | None = None) -> ElementRef:
    """Parse an argument that names an element (ctp-semantics §1.4)."""
    root, path = _element_ref_uncached(raw)
    return ElementRef(raw, path, root, span)


def _element_name(tok: Token) -> ElementName:
    text = str(tok)
    if tok.type == "THIS":
        return ElementName(text, NameKind.THIS)
    if tok.type == "PRIVATE_NAME":
        inner = text[1:] if text[0] in "([" else text
        m = _PRIVATE.match(inner)
        if m is None:  # a closing wrapper after the element byte
            m = _PRIVATE.match(inner[:-1])
        byte = int(m.group(3), 16) if m.group(3) else None
        return ElementName(text, NameKind.PRIVATE, group=int(m.group(1), 16),
                           creator=m.group(2), byte=byte)
    if tok.type == "HEX_NAME" and dcm4che_tag(text) is None:
        inner = text.lstrip("([{").rstrip(")]}")
        if "," in inner:
            g, e = inner.split(",")
            tag = (int(g, 16) << 16) | int(e, 16)
        else:
            tag = int(inner, 16)
        return ElementName(text, NameKind.TAG, tag=tag)
    return ElementName(text, NameKind.NAME)


def _merge_text(parts: list[Node]) -> list[Node]:
    out: list[Node] = []
    for p in parts:
        if isinstance(p, Text) and out and isinstance(out[-1], Text):
            out[-1] = Text(out[-1].value + p.value, out[-1].span)
        elif isinstance(p, Text) and not p.value:
            continue
        else:
            out.append(p)
    return out


# ---------------------------------------------------------------------------------------------
# IR -> text

_TEXT_SPECIAL = set("\\@")
_ARG_SPECIAL = set('\\,()"[]')


def unparse(value: Value) -> str:
    """A canonical body for ``value``: ``parse_value(unparse(v)) == v``."""
    return "".join(_unparse_node(p) for p in value.parts)


def _unparse_node(node: Node) -> str:
    if isinstance(node, Text):
        return "".join("\\" + c if c in _TEXT_SPECIAL else c for c in node.value)
    if isinstance(node, Truncated):
        return node.dropped
    out = "@" + node.name + "(" + ",".join(unparse_arg(a.raw) for a in node.args) + ")"
    for c in node.clauses:
        out += "{" + unparse(c) + "}"
    if node.swallowed:
        out += node.swallowed
    return out


def unparse_arg(raw: str) -> str:
    """Argument text that FnCall reads back as ``raw``: plain when that works, else escaped."""
    plain = raw.replace("\\", "\\\\")
    if _reads_back(plain, raw):
        return plain
    return "".join("\\" + c if c in _ARG_SPECIAL else c for c in raw)


@lru_cache(maxsize=4096)
def _reads_back(text: str, raw: str) -> bool:
    try:
        tree = parser().parse("@f(" + text + ")", start="value")
    except UnexpectedInput:
        return False
    call = tree.children[0] if len(tree.children) == 1 else None
    if call is None or call.data != "plain_call":
        return False
    args = call.children[1].children
    return len(args) == 1 and _arg_raw(args[0]) == raw
